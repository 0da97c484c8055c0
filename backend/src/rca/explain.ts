import type { RankedCause } from './types.js';

/** A short paragraph a human can act on: what is wrong, how sure, and why. */
export function explain(cause: RankedCause, rank: number, explainedBy?: string): string {
  const pct = `${Math.round(cause.probability * 100)}%`;
  const parts: string[] = [];
  const anomalies = cause.evidence.filter((e) => e.kind === 'anomaly');
  const head =
    rank === 1
      ? `${cause.service} is the most likely root cause (${pct}).`
      : `${cause.service} ranks #${rank} (${pct}).`;
  parts.push(head);
  if (anomalies.length === 0) parts.push('None of its metrics left its baseline.');
  else {
    const [top, ...rest] = anomalies;
    if (top) parts.push(`Strongest signal: ${top.summary}.`);
    if (rest.length) parts.push(`Also anomalous: ${rest.map((e) => e.metric).join(', ')}.`);
  }
  for (const e of cause.evidence) {
    if (e.kind === 'propagation') parts.push(`The fault is consistent with propagation along ${e.path.join(' → ')}.`);
    if (e.kind === 'change') parts.push(`A change preceded it: ${e.summary}.`);
    if (e.kind === 'history') parts.push(`History: ${e.summary}.`);
  }
  if (explainedBy) parts.push(`Its latency is partly explained by its callee ${explainedBy}, which is anomalous too.`);
  return parts.join(' ');
}
