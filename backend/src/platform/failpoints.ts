import { InputError } from './errors.js';

/**
 * Named crash points for tests, after FoundationDB's buggify and TiKV's fail-rs: `failpoint(name)` does
 * nothing unless the process was started with `AEGIS_FAILPOINTS` naming it; then it crashes the process
 * on the spot (SIGKILL: no cleanup, no flush), so a test can restart it and check nothing was lost or
 * done twice. Like fail-rs, the points live in one process-wide registry, armed once at start.
 */
export const FAILPOINTS = [
  /** The proposal is committed; the incident's timeline and status are not yet written. */
  'remediation.after-propose',
  /** The approval is committed (`approved`); execution has not started. */
  'remediation.after-approve',
  /** `applying` is committed with the before-state; the cluster has not been written. */
  'remediation.after-begin-applying',
  /** The action is written to the cluster; the `verifying` transition is not committed. */
  'remediation.after-apply',
  /** `verifying` is committed and the first check has been read. */
  'remediation.during-verify',
  /** The final status is committed; outcome listeners (fixer learning, postmortem) have not run. */
  'remediation.after-finish',
  /** A webhook is authenticated and parsed; nothing is written. */
  'ingest.after-parse',
  /** Inside the write transaction: signals and the delivery's audit entry inserted, not committed. */
  'ingest.before-commit',
  /** The delivery is committed; the HTTP acknowledgement has not been sent. */
  'ingest.after-commit',
] as const;

export type FailpointName = (typeof FAILPOINTS)[number];

/** What an armed point does: `kill` is a real crash (SIGKILL to this process). */
export const FAILPOINT_ACTIONS = ['kill'] as const;
export type FailpointAction = (typeof FAILPOINT_ACTIONS)[number];

const known = new Set<string>(FAILPOINTS);

/** Parses `name[=action],…` (action defaults to `kill`); an unknown name or action is an error, never ignored. */
export function parseFailpoints(spec: string | undefined): Map<FailpointName, FailpointAction> {
  const armed = new Map<FailpointName, FailpointAction>();
  for (const part of (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name = '', action = 'kill'] = part.split('=').map((s) => s.trim());
    if (!known.has(name)) throw new InputError(`unknown failpoint "${name}" (known: ${FAILPOINTS.join(', ')})`);
    if (!(FAILPOINT_ACTIONS as readonly string[]).includes(action)) {
      throw new InputError(`unknown failpoint action "${action}" for ${name} (known: ${FAILPOINT_ACTIONS.join(', ')})`);
    }
    armed.set(name as FailpointName, action as FailpointAction);
  }
  return armed;
}

export interface FailpointOptions {
  /** How `kill` crashes; tests of this module replace it. */
  kill?: () => void;
  /** Told which point fired, just before it acts (the crash leaves no other trace). */
  onFire?: (name: FailpointName, action: FailpointAction) => void;
}

let armed: Map<FailpointName, FailpointAction> | undefined;
let options: FailpointOptions = {};

/** Arms the points `spec` names (the value of AEGIS_FAILPOINTS), replacing any armed before; empty disarms all. */
export function configureFailpoints(spec: string | undefined, opts: FailpointOptions = {}): FailpointName[] {
  const parsed = parseFailpoints(spec);
  armed = parsed.size ? parsed : undefined;
  options = opts;
  return [...parsed.keys()];
}

/** A crash point: free when nothing is armed (one undefined check). */
export function failpoint(name: FailpointName): void {
  if (armed === undefined) return;
  const action = armed.get(name);
  if (!action) return;
  options.onFire?.(name, action);
  (options.kill ?? killNow)();
}

function killNow(): void {
  process.kill(process.pid, 'SIGKILL');
}
