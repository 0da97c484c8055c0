import React from 'react';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { type BackendSrv, type BackendSrvRequest, setBackendSrv, setCurrentUser } from '@grafana/runtime';
import { of } from 'rxjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Remediation } from '../api/types';
import { testIds } from '../testIds';
import { RemediationCard } from './RemediationCard';

const user = { permissions: {} as Record<string, boolean> };
const posted: BackendSrvRequest[] = [];

beforeAll(() => {
  setCurrentUser(user as unknown as Parameters<typeof setCurrentUser>[0]);
  setBackendSrv({
    fetch: (req: BackendSrvRequest) => {
      posted.push(req);
      return of({ status: 200, ok: true, data: { status: 'approved' }, config: req });
    },
  } as unknown as BackendSrv);
});
afterEach(() => {
  cleanup();
  posted.length = 0;
});

const remediation = {
  id: '0b1c2d3e-0000-4000-8000-000000000001',
  incident_id: '0b1c2d3e-0000-4000-8000-000000000002',
  action_type: 'rollback-deployment',
  target: 'paymentservice',
  namespace: 'boutique',
  status: 'proposed',
  plan: { summary: 'roll back' },
  dry_run: { ok: true },
  confidence: 0.8,
  approved_by: null,
  approved_at: null,
  rejected_by: null,
  reason: null,
} as unknown as Remediation;

describe('RemediationCard', () => {
  it('disables Approve and Reject, with the reason, for users without the approve action', () => {
    user.permissions = {};
    render(<RemediationCard remediation={remediation} onChanged={() => {}} />);
    expect((screen.getByTestId(testIds.remediation.approve) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId(testIds.remediation.reject) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId(testIds.remediation.disabledReason).textContent).toContain('aegis-app.remediations:approve');
  });

  it('approves through the app proxy route after confirmation, then asks for a refresh', async () => {
    user.permissions = { 'aegis-app.remediations:approve': true };
    let changed = 0;
    render(<RemediationCard remediation={remediation} onChanged={() => changed++} />);
    expect(screen.queryByTestId(testIds.remediation.disabledReason)).toBeNull();
    fireEvent.click(screen.getByTestId(testIds.remediation.approve));
    expect(posted).toHaveLength(0);
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', { name: 'Approve' });
    await act(async () => {
      fireEvent.click(confirm);
    });
    await waitFor(() => expect(posted).toHaveLength(1));
    expect(posted[0]).toMatchObject({ method: 'POST', url: `/api/plugin-proxy/aegis-app/aegis/api/v1/remediations/${remediation.id}/approve` });
    await waitFor(() => expect(changed).toBe(1));
  });

  it('shows who approved once it is no longer proposed, without buttons', () => {
    render(<RemediationCard remediation={{ ...remediation, status: 'succeeded', approved_by: 'grafana:alice', approved_at: '2026-01-01T00:00:00Z' }} onChanged={() => {}} />);
    expect(screen.queryByTestId(testIds.remediation.approve)).toBeNull();
    expect(screen.getByText(/Approved by grafana:alice/)).toBeTruthy();
  });

  it('offers no Approve on a resolved incident, and says why', () => {
    user.permissions = { 'aegis-app.remediations:approve': true };
    render(<RemediationCard remediation={remediation} onChanged={() => {}} incidentFinal />);
    expect(screen.queryByTestId(testIds.remediation.approve)).toBeNull();
    expect(screen.queryByTestId(testIds.remediation.reject)).toBeNull();
    expect(screen.getByText(/incident is resolved/)).toBeTruthy();
  });

  it('shows the plan in sentences and a live verification checklist with keep / revert now', async () => {
    user.permissions = { 'aegis-app.remediations:approve': true };
    const verifying = {
      ...remediation,
      status: 'verifying',
      verification: {
        phase: 'checking',
        settle_until: null,
        window_until: new Date(Date.now() + 300_000).toISOString(),
        checks: [{ id: 'c1', description: 'paymentservice error rate back to baseline', service: 'paymentservice', status: 'holding' }],
        attributed: false,
        reason: '',
      },
    } as unknown as Remediation;
    render(<RemediationCard remediation={verifying} onChanged={() => {}} />);
    expect(screen.getByTestId(testIds.remediation.plan).textContent).toContain('Roll back.');
    expect(screen.getByTestId(testIds.remediation.check).getAttribute('data-status')).toBe('holding');
    expect(screen.getByTestId(testIds.remediation.countdown).textContent).toMatch(/[45]:\d\d left/);
    fireEvent.click(screen.getByTestId(testIds.remediation.revert));
    const dialog = await screen.findByRole('dialog');
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Revert now' }));
    });
    await waitFor(() => expect(posted.at(-1)).toMatchObject({ method: 'POST', url: `/api/plugin-proxy/aegis-app/aegis/api/v1/remediations/${remediation.id}/revert` }));
  });
});
