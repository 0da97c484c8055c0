// Turns a remediation's plan, dry run and verification (whatever shape the backend sends: the older
// `{deadline, passed, last}` or the `{phase, settle_until, window_until, checks[]}` of CONTRACTS.md) into
// sentences and a checklist a person reads.
import type { Remediation } from '../api/types';

export type CheckStatus = 'pending' | 'holding' | 'passed' | 'failed';
export interface CheckView {
  id: string;
  description: string;
  status: CheckStatus;
  detail?: string;
}
export interface VerificationView {
  phase: 'settling' | 'checking' | 'passed' | 'failed' | 'inconclusive';
  settleUntil?: number;
  windowUntil?: number;
  checks: CheckView[];
  reason?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const time = (v: unknown) => {
  const s = str(v);
  const t = s ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? undefined : t;
};
const sentence = (s: string) => {
  const t = s.trim();
  return t ? `${t[0]?.toUpperCase()}${t.slice(1)}${/[.!?]$/.test(t) ? '' : '.'}` : '';
};

const KIND: Record<string, string> = {
  'restart-deployment': 'Deployment',
  'rollback-deployment': 'Deployment',
  'scale-out': 'Deployment',
  'delete-pod': 'Pod of Deployment',
};

/** The plan in sentences: what changes, on which object, the revision a rollback goes to and why. */
export function planSentences(r: Remediation): string[] {
  const plan = obj(r.plan);
  const params = obj(plan.params);
  const out: string[] = [];
  const summary = str(plan.summary);
  out.push(sentence(summary ?? `${r.action_type.replace(/-/g, ' ')} of ${r.target}`));
  const pods = num(plan.podsAffected);
  out.push(
    sentence(
      `it changes ${KIND[r.action_type] ?? 'the object'} ${r.namespace}/${r.target}` +
        (pods === undefined ? '' : pods === 0 ? '; no pod is replaced' : `; ${pods} pod${pods === 1 ? ' is' : 's are'} replaced`),
    ),
  );
  const toRevision = plan.to_revision ?? params.toRevision;
  if (toRevision !== undefined && toRevision !== null) {
    const why = str(plan.revision_reason);
    out.push(sentence(`the rollback goes to revision ${String(toRevision)}${why ? ` because ${why}` : ''}`));
  } else if (r.action_type === 'rollback-deployment' && num(params.fromRevision) !== undefined) {
    out.push(sentence(`the rollback leaves revision ${String(params.fromRevision)} for the one before it`));
  }
  const trigger = obj(plan.trigger);
  if (str(trigger.metric)) out.push(sentence(`it answers ${str(trigger.metric)} on ${str(trigger.service) ?? r.target}`));
  const rationale = str(plan.rationale);
  if (rationale) out.push(sentence(rationale));
  return out.filter(Boolean);
}

/** The dry run in one sentence, and its diff lines when it has one. */
export function dryRunView(r: Remediation): { sentence: string; diff: string[] } {
  const d = obj(r.dry_run);
  const diffRaw = d.diff ?? d.changes;
  const diff = Array.isArray(diffRaw)
    ? diffRaw.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
    : typeof diffRaw === 'string'
      ? diffRaw.split('\n')
      : [];
  if (d.ok === false) return { sentence: `The dry run failed: ${str(d.error) ?? 'no reason given'}.`, diff };
  if (d.ok === true) return { sentence: 'The API server accepted the change in a dry run (dryRun=All); nothing was changed yet.', diff };
  return { sentence: 'No dry-run result recorded.', diff };
}

/** The verification as a checklist, or undefined before verification starts. */
export function verificationView(r: Remediation): VerificationView | undefined {
  const v = obj(r.verification);
  if (!Object.keys(v).length) return undefined;
  if (str(v.phase)) {
    return {
      phase: v.phase as VerificationView['phase'],
      settleUntil: time(v.settle_until),
      windowUntil: time(v.window_until),
      reason: str(v.reason),
      checks: (Array.isArray(v.checks) ? v.checks : []).map((c, n) => {
        const o = obj(c);
        const observed = num(o.observed);
        const expected = str(o.expected);
        return {
          id: str(o.id) ?? String(n),
          description: str(o.description) ?? `${str(o.service) ?? ''} ${str(o.metric) ?? ''}`.trim(),
          status: (str(o.status) as CheckStatus) ?? 'pending',
          detail: observed !== undefined || expected ? `observed ${observed ?? '–'}${expected ? `, expected ${expected}` : ''}` : undefined,
        };
      }),
    };
  }
  // The older shape: {deadline, passed?, last: {rolloutComplete, podsReady, metric}}.
  const last = obj(v.last);
  const metric = obj(last.metric);
  const done = r.status !== 'verifying';
  const state = (ok: unknown): CheckStatus => (ok === true ? 'passed' : done ? 'failed' : ok === false ? 'holding' : 'pending');
  const checks: CheckView[] = [
    { id: 'rollout', description: `Rollout of ${r.target} complete`, status: state(last.rolloutComplete) },
    { id: 'pods', description: 'All pods ready', status: state(last.podsReady) },
  ];
  if (Object.keys(metric).length) {
    checks.push({
      id: 'metric',
      description: `${str(metric.metric) ?? 'the triggering metric'} back within its baseline`,
      status: state(metric.ok),
      detail: num(metric.value) !== undefined ? `observed ${String(metric.value)}` : undefined,
    });
  }
  const passed = v.passed === true || r.status === 'succeeded';
  return {
    phase: passed ? 'passed' : done ? 'failed' : 'checking',
    windowUntil: time(v.deadline),
    checks,
    reason: str(last.note) ?? str(obj(r).error),
  };
}

/** "4:05" style countdown to a time; "0:00" once it passed. */
export function countdown(untilMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((untilMs - nowMs) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
