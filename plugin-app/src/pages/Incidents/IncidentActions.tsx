import React, { useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { config } from '@grafana/runtime';
import { Alert, Button, Field, Input, Modal, RadioButtonGroup, Select, Stack, Text, TextArea, Tooltip, useStyles2 } from '@grafana/ui';
import { apiPost, type ApiResult } from '../../api/client';
import type { IncidentDetail } from '../../api/types';
import { canOperate, OPERATE_DENIED_REASON } from '../../shared/permissions';
import { testIds } from '../../testIds';

const FINAL = ['resolved', 'closed'];
const SILENCE_FOR = [
  { label: '30 min', value: 30 },
  { label: '1 h', value: 60 },
  { label: '4 h', value: 240 },
  { label: '24 h', value: 1440 },
];

type Dialog = 'resolve' | 'reopen' | 'assign' | 'silence' | 'not-an-anomaly' | 'wrong-root-cause';

/** A button that is disabled, with the missing permission as its tooltip, for users who may not change incidents. */
export function GuardedButton(props: React.ComponentProps<typeof Button> & { testId: string }) {
  const { testId, ...rest } = props;
  const allowed = canOperate();
  const b = <Button size="sm" variant="secondary" {...rest} disabled={!allowed || rest.disabled} data-testid={testId} />;
  return allowed ? b : <Tooltip content={OPERATE_DENIED_REASON}>{b}</Tooltip>;
}

/** Status actions, owner, silence and feedback for one incident; each write is one POST through the proxy. */
export function IncidentActions({ incident: i, candidates, onChanged }: { incident: IncidentDetail; candidates: string[]; onChanged: () => void }) {
  const styles = useStyles2(getStyles);
  const [dialog, setDialog] = useState<Dialog>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const final = FINAL.includes(i.status);
  const me = (config.bootData?.user as { login?: string } | undefined)?.login ?? '';

  const run = async (path: string, body: unknown) => {
    setBusy(true);
    setError(undefined);
    const res: ApiResult<unknown> = await apiPost(`/api/v1/incidents/${i.id}/${path}`, body);
    setBusy(false);
    if (res.kind !== 'ok') {
      setError(res.message);
      return false;
    }
    setDialog(undefined);
    onChanged();
    return true;
  };

  return (
    <div className={styles.bar} data-testid={testIds.incidents.actions}>
      <Stack gap={1} wrap="wrap" alignItems="center">
        {!final && !i.acknowledged_by && (
          <GuardedButton testId={testIds.incidents.action('acknowledge')} icon="check" variant="primary" disabled={busy} onClick={() => run('acknowledge', {})}>
            Acknowledge
          </GuardedButton>
        )}
        {!final && (
          <GuardedButton testId={testIds.incidents.action('resolve')} icon="check-circle" onClick={() => setDialog('resolve')}>
            Resolve…
          </GuardedButton>
        )}
        {final && (
          <GuardedButton testId={testIds.incidents.action('reopen')} icon="history" onClick={() => setDialog('reopen')}>
            Reopen…
          </GuardedButton>
        )}
        <GuardedButton testId={testIds.incidents.action('assign')} icon="user" onClick={() => setDialog('assign')}>
          {i.assignee ? `Assigned to ${i.assignee}` : 'Assign…'}
        </GuardedButton>
        <GuardedButton testId={testIds.incidents.action('silence')} icon="bell-slash" onClick={() => setDialog('silence')}>
          Silence…
        </GuardedButton>
        {!final && (
          <GuardedButton testId={testIds.incidents.action('not-an-anomaly')} icon="times" onClick={() => setDialog('not-an-anomaly')}>
            Not an anomaly…
          </GuardedButton>
        )}
        <GuardedButton testId={testIds.incidents.action('wrong-root-cause')} icon="exclamation-triangle" onClick={() => setDialog('wrong-root-cause')}>
          Wrong root cause…
        </GuardedButton>
      </Stack>
      {!canOperate() && (
        <Text color="secondary" italic variant="bodySmall" data-testid={testIds.incidents.actionsDenied}>
          {OPERATE_DENIED_REASON}
        </Text>
      )}
      {error && !dialog && (
        <Alert severity="error" title="The backend refused the change">
          {error}
        </Alert>
      )}
      {dialog === 'resolve' && (
        <TextDialog title="Resolve incident" label="Resolution (what fixed it; recorded and shown in the postmortem)" confirm="Resolve" busy={busy} error={error} required={false} onDismiss={() => setDialog(undefined)} onConfirm={(text) => run('resolve', text ? { resolution: text } : {})} />
      )}
      {dialog === 'reopen' && (
        <TextDialog title="Reopen incident" label="Why (optional)" confirm="Reopen" busy={busy} error={error} required={false} onDismiss={() => setDialog(undefined)} onConfirm={(text) => run('reopen', text ? { reason: text } : {})} />
      )}
      {dialog === 'assign' && (
        <AssignDialog current={i.assignee ?? ''} me={me} busy={busy} error={error} onDismiss={() => setDialog(undefined)} onConfirm={(who) => run('assign', { assignee: who || null })} />
      )}
      {dialog === 'silence' && (
        <SilenceDialog incident={i} busy={busy} error={error} onDismiss={() => setDialog(undefined)} onConfirm={async (body) => {
          setBusy(true);
          const res = await apiPost('/api/v1/silences', { ...body, incident_id: i.id });
          setBusy(false);
          if (res.kind !== 'ok') return setError(res.message);
          setDialog(undefined);
          onChanged();
        }} />
      )}
      {dialog === 'not-an-anomaly' && (
        <TextDialog
          title="Not an anomaly"
          intro={`Closes this incident and silences ${i.services.join(', ') || 'its services'} for 24 h; detection reads this as a label of normal behaviour.`}
          label="Why is this normal? (recorded)"
          confirm="Close as not an anomaly"
          busy={busy}
          error={error}
          required
          onDismiss={() => setDialog(undefined)}
          onConfirm={(text) => run('feedback', { kind: 'not-an-anomaly', note: text })}
        />
      )}
      {dialog === 'wrong-root-cause' && (
        <RootCauseDialog candidates={candidates} busy={busy} error={error} onDismiss={() => setDialog(undefined)} onConfirm={(service, note) => run('feedback', { kind: 'wrong-root-cause', service: service || undefined, note: note || undefined })} />
      )}
    </div>
  );
}

interface DialogProps {
  busy: boolean;
  error?: string;
  onDismiss: () => void;
}

function DialogError({ error }: { error?: string }) {
  return error ? (
    <Alert severity="error" title="The backend refused the change">
      {error}
    </Alert>
  ) : null;
}

function TextDialog(p: DialogProps & { title: string; intro?: string; label: string; confirm: string; required: boolean; onConfirm: (text: string) => void }) {
  const [text, setText] = useState('');
  return (
    <Modal title={p.title} isOpen onDismiss={p.onDismiss}>
      {p.intro && <p>{p.intro}</p>}
      <Field label={p.label} required={p.required}>
        <TextArea value={text} rows={3} onChange={(e) => setText(e.currentTarget.value)} data-testid={testIds.incidents.dialogText} />
      </Field>
      <DialogError error={p.error} />
      <Modal.ButtonRow>
        <Button variant="secondary" fill="outline" onClick={p.onDismiss}>
          Cancel
        </Button>
        <Button disabled={p.busy || (p.required && !text.trim())} onClick={() => p.onConfirm(text.trim())} data-testid={testIds.incidents.dialogConfirm}>
          {p.confirm}
        </Button>
      </Modal.ButtonRow>
    </Modal>
  );
}

function AssignDialog(p: DialogProps & { current: string; me: string; onConfirm: (who: string) => void }) {
  const [who, setWho] = useState(p.current);
  return (
    <Modal title="Assign incident" isOpen onDismiss={p.onDismiss}>
      <Field label="Assignee" description="A Grafana login or a name; empty clears it.">
        <Input value={who} onChange={(e) => setWho(e.currentTarget.value)} data-testid={testIds.incidents.dialogText} />
      </Field>
      <DialogError error={p.error} />
      <Modal.ButtonRow>
        <Button variant="secondary" fill="outline" onClick={p.onDismiss}>
          Cancel
        </Button>
        {p.me && (
          <Button variant="secondary" disabled={p.busy} onClick={() => p.onConfirm(p.me)}>
            Assign to me
          </Button>
        )}
        <Button disabled={p.busy} onClick={() => p.onConfirm(who.trim())} data-testid={testIds.incidents.dialogConfirm}>
          {who.trim() ? 'Assign' : 'Unassign'}
        </Button>
      </Modal.ButtonRow>
    </Modal>
  );
}

function SilenceDialog(p: DialogProps & { incident: IncidentDetail; onConfirm: (body: { service: string; metric?: string; minutes: number; reason: string }) => void }) {
  const services = [...new Set([...p.incident.services, ...p.incident.signals.map((s) => s.service ?? '').filter(Boolean)])];
  const [service, setService] = useState(services[0] ?? '');
  const [metric, setMetric] = useState('');
  const [minutes, setMinutes] = useState(60);
  const [reason, setReason] = useState('');
  return (
    <Modal title="Silence a signal" isOpen onDismiss={p.onDismiss}>
      <p>While silenced, anomalies of this service (or only this metric) open no incident. The silence is recorded on this incident&apos;s timeline.</p>
      <Field label="Service">
        <Select options={services.map((s) => ({ label: s, value: s }))} value={service} onChange={(v) => setService(v.value ?? '')} allowCustomValue />
      </Field>
      <Field label="Metric" description="Empty: every metric of the service.">
        <Input value={metric} onChange={(e) => setMetric(e.currentTarget.value)} placeholder="e.g. memory" />
      </Field>
      <Field label="For">
        <RadioButtonGroup options={SILENCE_FOR} value={minutes} onChange={setMinutes} />
      </Field>
      <Field label="Reason (recorded)" required>
        <TextArea value={reason} rows={2} onChange={(e) => setReason(e.currentTarget.value)} data-testid={testIds.incidents.dialogText} />
      </Field>
      <DialogError error={p.error} />
      <Modal.ButtonRow>
        <Button variant="secondary" fill="outline" onClick={p.onDismiss}>
          Cancel
        </Button>
        <Button
          disabled={p.busy || !service || !reason.trim()}
          onClick={() => p.onConfirm({ service, metric: metric.trim() || undefined, minutes, reason: reason.trim() })}
          data-testid={testIds.incidents.dialogConfirm}
        >
          Silence
        </Button>
      </Modal.ButtonRow>
    </Modal>
  );
}

function RootCauseDialog(p: DialogProps & { candidates: string[]; onConfirm: (service: string, note: string) => void }) {
  const [service, setService] = useState('');
  const [note, setNote] = useState('');
  return (
    <Modal title="Wrong root cause" isOpen onDismiss={p.onDismiss}>
      <p>Naming the real root cause records it as the RCA verdict: future rankings of similar incidents learn from it.</p>
      <Field label="The real root cause (optional)">
        <Select
          options={p.candidates.map((s) => ({ label: s, value: s }))}
          value={service || null}
          onChange={(v) => setService(v?.value ?? '')}
          allowCustomValue
          isClearable
          placeholder="not known"
        />
      </Field>
      <Field label="Note">
        <TextArea value={note} rows={2} onChange={(e) => setNote(e.currentTarget.value)} data-testid={testIds.incidents.dialogText} />
      </Field>
      <DialogError error={p.error} />
      <Modal.ButtonRow>
        <Button variant="secondary" fill="outline" onClick={p.onDismiss}>
          Cancel
        </Button>
        <Button disabled={p.busy || (!service && !note.trim())} onClick={() => p.onConfirm(service, note.trim())} data-testid={testIds.incidents.dialogConfirm}>
          Send feedback
        </Button>
      </Modal.ButtonRow>
    </Modal>
  );
}

/** Adds a note to the timeline. */
export function NoteForm({ incidentId, onAdded }: { incidentId: string; onAdded: () => void }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const add = async () => {
    setBusy(true);
    const res = await apiPost(`/api/v1/incidents/${incidentId}/notes`, { text: text.trim() });
    setBusy(false);
    if (res.kind !== 'ok') return setError(res.message);
    setError(undefined);
    setText('');
    onAdded();
  };
  return (
    <Stack direction="column" gap={1}>
      <TextArea
        rows={2}
        placeholder={canOperate() ? 'Add a note to the timeline…' : OPERATE_DENIED_REASON}
        value={text}
        disabled={!canOperate()}
        onChange={(e) => setText(e.currentTarget.value)}
        data-testid={testIds.incidents.noteText}
      />
      <div>
        <GuardedButton testId={testIds.incidents.noteAdd} icon="comment-alt" disabled={busy || !text.trim()} onClick={add}>
          Add note
        </GuardedButton>
      </div>
      {error && <Alert severity="error" title="The note was not saved">{error}</Alert>}
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  bar: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
});
