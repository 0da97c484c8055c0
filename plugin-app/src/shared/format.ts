import type { BadgeColor } from '@grafana/ui';

const SEVERITY: Record<string, BadgeColor> = { critical: 'red', high: 'orange', medium: 'orange', low: 'blue', info: 'blue' };
const STATUS: Record<string, BadgeColor> = {
  open: 'red',
  investigating: 'orange',
  awaiting_approval: 'purple',
  remediating: 'blue',
  resolved: 'green',
  closed: 'darkgrey',
  proposed: 'purple',
  approved: 'blue',
  rejected: 'darkgrey',
  applying: 'blue',
  verifying: 'blue',
  succeeded: 'green',
  failed: 'red',
  reverted: 'orange',
  running: 'blue',
  success: 'green',
  timeout: 'orange',
  healthy: 'green',
  degraded: 'orange',
  failing: 'red',
  unknown: 'darkgrey',
};

export const severityColor = (s: string): BadgeColor => SEVERITY[s] ?? 'darkgrey';
export const statusColor = (s: string): BadgeColor => STATUS[s] ?? 'darkgrey';
export const label = (s: string) => s.replace(/_/g, ' ');

/** Short local time; an invalid or empty timestamp shows as a dash instead of "Invalid Date". */
export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleString();
}

export function percent(x: number | undefined | null, digits = 0): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '–';
}

export function duration(ms: number | undefined | null): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Pretty JSON for plans, dry-run results and agent input/output; strings pass through. */
export function pretty(value: unknown): string {
  if (value === undefined || value === null) return '–';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
/** Most severe first: critical, high, medium, low, info, anything else. */
export const severityRank = (s: string) => SEVERITY_RANK[s] ?? 5;

/** "3 h 12 min" from a start to an end (or now); a dash without a valid start. */
export function elapsed(fromIso: string | null | undefined, toIso: string | null | undefined, nowMs: number): string {
  const from = fromIso ? Date.parse(fromIso) : NaN;
  if (Number.isNaN(from)) return '–';
  const to = toIso ? Date.parse(toIso) : nowMs;
  const min = Math.max(0, Math.round((to - from) / 60_000));
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return h < 48 ? `${h} h ${min % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}
