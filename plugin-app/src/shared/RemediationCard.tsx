import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, Badge, Button, ConfirmModal, Stack, Text, TextArea, Tooltip, useStyles2 } from '@grafana/ui';
import { apiPost } from '../api/client';
import type { Remediation } from '../api/types';
import { testIds } from '../testIds';
import { label, percent, pretty, statusColor, when } from './format';
import { APPROVE_DENIED_REASON, canApprove } from './permissions';

type Decision = 'approve' | 'reject';

/** A remediation plan with its dry-run result and, while proposed, Approve / Reject behind a confirmation. */
export function RemediationCard({ remediation: r, onChanged }: { remediation: Remediation; onChanged: () => void }) {
  const styles = useStyles2(getStyles);
  const allowed = canApprove();
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
        {r.status === 'proposed' && (
          <Stack gap={1}>
            {button('approve')}
            {button('reject')}
          </Stack>
        )}
      </Stack>
      {r.status === 'proposed' && !allowed && (
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
      {error && (
        <Alert severity="error" title="The backend refused the decision">
          {error}
        </Alert>
      )}
      <div className={styles.grid}>
        <div>
          <Text variant="bodySmall" color="secondary">
            Plan
          </Text>
          <pre className={styles.pre}>{pretty(r.plan)}</pre>
        </div>
        <div>
          <Text variant="bodySmall" color="secondary">
            Dry-run result
          </Text>
          <pre className={styles.pre}>{pretty(r.dry_run)}</pre>
        </div>
      </div>
      {r.verification !== undefined && r.verification !== null && (
        <div>
          <Text variant="bodySmall" color="secondary">
            Verification
          </Text>
          <pre className={styles.pre}>{pretty(r.verification)}</pre>
        </div>
      )}
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

const getStyles = (theme: GrafanaTheme2) => ({
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
