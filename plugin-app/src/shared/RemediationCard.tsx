import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, Collapse, ConfirmModal, Icon, Stack, Text, TextArea, Tooltip, useStyles2 } from '@grafana/ui';
import { apiPost } from '../api/client';
import type { Remediation } from '../api/types';
import { testIds } from '../testIds';
import { label, percent, pretty, statusColor, when } from './format';
import { APPROVE_DENIED_REASON, canApprove } from './permissions';
import { type CheckStatus, countdown, dryRunView, planSentences, verificationView } from './remediationView';

type Decision = 'approve' | 'reject';

/**
 * A remediation plan in sentences with its dry run and, while proposed on an open incident, Approve / Reject
 * behind a confirmation; once applied, the verification as a live checklist with keep / revert now.
 */
export function RemediationCard({
  remediation: r,
  onChanged,
  incidentFinal = false,
}: {
  remediation: Remediation;
  onChanged: () => void;
  /** A resolved or closed incident: nothing is approved any more. */
  incidentFinal?: boolean;
}) {
  const styles = useStyles2(getStyles);
  const allowed = canApprove();
  const [raw, setRaw] = useState(false);
  const dry = dryRunView(r);
  const [pending, setPending] = useState<Decision>();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const decide = async (decision: Decision) => {
    setBusy(true);
    setError(undefined);
    const res = await apiPost<Remediation>(`/api/v1/remediations/${r.id}/${decision}`, reason ? { reason } : {});
    setBusy(false);
    setPending(undefined);
    setReason('');
    if (res.kind !== 'ok') setError(res.message);
    onChanged();
  };

  const button = (decision: Decision) => {
    const b = (
      <Button
        variant={decision === 'approve' ? 'primary' : 'destructive'}
        icon={decision === 'approve' ? 'check' : 'times'}
        disabled={!allowed || busy}
        onClick={() => setPending(decision)}
        data-testid={decision === 'approve' ? testIds.remediation.approve : testIds.remediation.reject}
      >
        {decision === 'approve' ? 'Approve' : 'Reject'}
      </Button>
    );
    return allowed ? b : <Tooltip content={APPROVE_DENIED_REASON}>{b}</Tooltip>;
  };

  return (
    <div className={styles.card} data-testid={testIds.remediation.card(r.id)}>
      <Stack justifyContent="space-between" alignItems="center" wrap="wrap">
        <Stack alignItems="center" gap={1} wrap="wrap">
          <Text element="h4" weight="medium">
            {label(r.action_type)} {r.namespace}/{r.target}
          </Text>
          <span data-testid={testIds.remediation.status(r.id)} data-status={r.status}>
            <Badge color={statusColor(r.status)} text={label(r.status)} />
          </span>
          <Text color="secondary">confidence {percent(r.confidence)}</Text>
        </Stack>
        {r.status === 'proposed' && !incidentFinal && (
          <Stack gap={1}>
            {button('approve')}
            {button('reject')}
          </Stack>
        )}
      </Stack>
      {r.status === 'proposed' && incidentFinal && (
        <Text color="secondary" italic>
          The incident is resolved: this proposal is no longer offered for approval.
        </Text>
      )}
      {r.status === 'proposed' && !incidentFinal && !allowed && (
        <div className={styles.reason} data-testid={testIds.remediation.disabledReason}>
          <Text color="secondary" italic>
            {APPROVE_DENIED_REASON}
          </Text>
        </div>
      )}
      {r.approved_by && (
        <Text color="secondary">
          Approved by {r.approved_by} at {when(r.approved_at)}
        </Text>
      )}
      {r.rejected_by && <Text color="secondary">Rejected by {r.rejected_by}{r.reason ? `: ${r.reason}` : ''}</Text>}
      {r.status === 'withdrawn' && (
        <Text color="secondary">Withdrawn{(r as { withdrawn_reason?: string | null }).withdrawn_reason ? `: ${(r as { withdrawn_reason?: string | null }).withdrawn_reason}` : ''}</Text>
      )}
      {error && (
        <Alert severity="error" title="The backend refused the decision">
          {error}
        </Alert>
      )}
      <div data-testid={testIds.remediation.plan}>
        <Text variant="bodySmall" color="secondary">
          Plan
        </Text>
        <ul className={styles.sentences}>
          {planSentences(r).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
        <Text variant="bodySmall">{dry.sentence}</Text>
        {dry.diff.length > 0 && <pre className={styles.pre}>{dry.diff.join('\n')}</pre>}
      </div>
      <VerificationChecklist remediation={r} onChanged={onChanged} />
      <Collapse label="Plan, dry run and verification as recorded (JSON)" isOpen={raw} onToggle={() => setRaw(!raw)} collapsible>
        <div className={styles.grid}>
          <pre className={styles.pre}>{pretty(r.plan)}</pre>
          <pre className={styles.pre}>{pretty(r.dry_run)}</pre>
          {r.verification !== undefined && r.verification !== null && <pre className={styles.pre}>{pretty(r.verification)}</pre>}
        </div>
      </Collapse>
      <ConfirmModal
        isOpen={pending !== undefined}
        title={pending === 'approve' ? 'Approve remediation' : 'Reject remediation'}
        body={`${pending === 'approve' ? 'Apply' : 'Reject'} "${label(r.action_type)}" on ${r.namespace}/${r.target}? This is recorded with your Grafana login.`}
        description={
          <TextArea
            placeholder={pending === 'reject' ? 'Reason (recorded)' : 'Comment (optional)'}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
          />
        }
        confirmText={pending === 'approve' ? 'Approve' : 'Reject'}
        confirmVariant={pending === 'approve' ? 'primary' : 'destructive'}
        confirmButtonVariant={pending === 'approve' ? 'primary' : 'destructive'}
        onConfirm={() => (pending ? decide(pending) : undefined)}
        onDismiss={() => setPending(undefined)}
      />
    </div>
  );
}

const CHECK_ICON: Record<CheckStatus, { icon: 'check-circle' | 'times-circle' | 'clock-nine' | 'circle'; color: 'success' | 'error' | 'warning' | 'secondary' }> = {
  passed: { icon: 'check-circle', color: 'success' },
  failed: { icon: 'times-circle', color: 'error' },
  holding: { icon: 'clock-nine', color: 'warning' },
  pending: { icon: 'circle', color: 'secondary' },
};

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  React.useEffect(() => {
    if (!active) return undefined;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/** The check after a fix: each check's state, the settling countdown, and keep / revert now while it runs. */
function VerificationChecklist({ remediation: r, onChanged }: { remediation: Remediation; onChanged: () => void }) {
  const styles = useStyles2(getStyles);
  const view = verificationView(r);
  const running = r.status === 'verifying';
  const now = useNow(running);
  const [pending, setPending] = useState<'keep' | 'revert'>();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string>();
  const allowed = canApprove();
  if (!view && !running) return null;
  const settling = view?.settleUntil !== undefined && view.settleUntil > now;
  const decide = async (what: 'keep' | 'revert') => {
    const res = await apiPost(`/api/v1/remediations/${r.id}/${what}`, { reason: reason || `${what} now, from the incident page` });
    setPending(undefined);
    setReason('');
    if (res.kind === 'unavailable') setError(`This backend does not offer ${what} yet.`);
    else if (res.kind !== 'ok') setError(res.message);
    onChanged();
  };
  const action = (what: 'keep' | 'revert') => {
    const b = (
      <Button
        size="sm"
        variant={what === 'keep' ? 'secondary' : 'destructive'}
        icon={what === 'keep' ? 'check' : 'history'}
        disabled={!allowed}
        onClick={() => setPending(what)}
        data-testid={what === 'keep' ? testIds.remediation.keep : testIds.remediation.revert}
      >
        {what === 'keep' ? 'Keep' : 'Revert now'}
      </Button>
    );
    return allowed ? b : <Tooltip content={APPROVE_DENIED_REASON}>{b}</Tooltip>;
  };
  return (
    <div className={styles.verification} data-testid={testIds.remediation.verification(r.id)} data-phase={view?.phase ?? 'checking'}>
      <Stack justifyContent="space-between" alignItems="center" wrap="wrap">
        <Text weight="medium">
          Verification: {view?.phase ?? 'starting'}
          {running && (
            <span data-testid={testIds.remediation.countdown}>
              {settling && view?.settleUntil !== undefined
                ? ` · settling, checks start in ${countdown(view.settleUntil, now)}`
                : view?.windowUntil !== undefined
                  ? ` · ${countdown(view.windowUntil, now)} left before it ${r.action_type === 'restart-deployment' || r.action_type === 'delete-pod' ? 'is marked failed' : 'is reverted automatically'}`
                  : ''}
            </span>
          )}
        </Text>
        {running && (
          <Stack gap={1}>
            {action('keep')}
            {action('revert')}
          </Stack>
        )}
      </Stack>
      <ul className={styles.checks}>
        {(view?.checks ?? []).map((c) => (
          <li key={c.id} data-testid={testIds.remediation.check} data-status={c.status}>
            <Icon name={CHECK_ICON[c.status].icon} className={styles[`check_${CHECK_ICON[c.status].color}`]} /> {c.description}{' '}
            <Text color="secondary" variant="bodySmall">
              {c.status}
              {c.detail ? ` · ${c.detail}` : ''}
            </Text>
          </li>
        ))}
        {view && view.checks.length === 0 && <li>No check has reported yet.</li>}
      </ul>
      {view?.reason && (
        <Text color="secondary" variant="bodySmall">
          {view.reason}
        </Text>
      )}
      {error && (
        <Alert severity="warning" title="Not done">
          {error}
        </Alert>
      )}
      <ConfirmModal
        isOpen={pending !== undefined}
        title={pending === 'keep' ? 'Keep the change' : 'Revert now'}
        body={pending === 'keep' ? 'Stop checking and keep the change as it is?' : 'Undo the change now, without waiting for the checks?'}
        description={<TextArea placeholder="Reason (recorded)" value={reason} onChange={(e) => setReason(e.currentTarget.value)} />}
        confirmText={pending === 'keep' ? 'Keep' : 'Revert now'}
        confirmVariant={pending === 'keep' ? 'primary' : 'destructive'}
        onConfirm={() => (pending ? decide(pending) : undefined)}
        onDismiss={() => setPending(undefined)}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  sentences: css({ margin: theme.spacing(0.5, 0), paddingLeft: theme.spacing(2) }),
  verification: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    padding: theme.spacing(1),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  checks: css({ listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  check_success: css({ color: theme.colors.success.text }),
  check_error: css({ color: theme.colors.error.text }),
  check_warning: css({ color: theme.colors.warning.text }),
  check_secondary: css({ color: theme.colors.text.secondary }),
  card: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    padding: theme.spacing(2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.secondary,
    minWidth: 0,
    overflowWrap: 'anywhere',
  }),
  grid: css({ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(240px, 1fr))', gap: theme.spacing(2) }),
  pre: css({
    margin: 0,
    maxHeight: 220,
    overflow: 'auto',
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  reason: css({ maxWidth: 640 }),
});
