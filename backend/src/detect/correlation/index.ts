import type { ServiceGraphPort } from '../../graph/port.js';

/** The part of an anomaly event correlation looks at. */
export interface EventRef {
  service: string;
  start: number;
  end: number;
  group_id: string;
}

/**
 * Temporal and spatial correlation: an anomaly joins the group of an earlier one when they are close in
 * time (overlapping, or within `gapMs`) and on the same service or on services that call each other.
 * Returns the group to join, or undefined for a new group.
 */
export function correlatedGroup(
  candidate: { service: string; start: number },
  recent: EventRef[],
  graph: ServiceGraphPort,
  gapMs: number,
): string | undefined {
  const neighbours = new Set([
    candidate.service,
    ...graph.upstream(candidate.service),
    ...graph.downstream(candidate.service),
  ]);
  let best: EventRef | undefined;
  for (const e of recent) {
    if (!neighbours.has(e.service)) continue;
    if (candidate.start < e.start - gapMs || candidate.start > e.end + gapMs) continue;
    // Prefer the same service, then the most recent.
    if (!best || (e.service === candidate.service && best.service !== candidate.service) || e.end > best.end) best = e;
  }
  return best?.group_id;
}

/** Open event of one series, extended while anomalous points keep coming within the gap. */
export interface OpenEvent {
  id?: string;
  start: number;
  end: number;
  peak: number;
  score: number;
  detectors: Set<string>;
}

/** Folds one anomalous point into a series' open event; says whether it extended it or needs a new one. */
export function extendEvent(
  open: OpenEvent | undefined,
  at: number,
  score: number,
  detectors: string[],
  gapMs: number,
): 'extended' | 'new' {
  if (!open || at - open.end > gapMs) return 'new';
  open.end = Math.max(open.end, at);
  if (score > open.score) {
    open.score = score;
    open.peak = at;
  }
  for (const d of detectors) open.detectors.add(d);
  return 'extended';
}
