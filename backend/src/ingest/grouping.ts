import { createHash } from 'node:crypto';
import type { ServiceGraphPort } from '../graph/port.js';
import type { Signal } from './signal.js';

/**
 * Grouping subjects: a signal's own subject is its service (`svc:<name>`), or, when it names none, the
 * source's group (`grp:<source>:<hint>`). It may join an incident that covers its own subject or one of
 * the services it calls or is called by.
 */
export function ownSubject(signal: Signal): string {
  return signal.service ? `svc:${signal.service}` : `grp:${signal.source}:${signal.group_hint}`;
}

export function reachableSubjects(signal: Signal, graph: ServiceGraphPort): string[] {
  const own = ownSubject(signal);
  if (!signal.service) return [own];
  const neighbours = [...graph.upstream(signal.service), ...graph.downstream(signal.service)].map((s) => `svc:${s}`);
  return [...new Set([own, ...neighbours])];
}

/** Advisory locks are taken in this class (the two-int form), one per bucket of subjects. */
export const GROUP_LOCK_CLASS = 7_412_350;
/** Subjects hash into this many buckets, so a batch never holds more locks than PostgreSQL's lock table allows. */
export const GROUP_LOCK_BUCKETS = 512;

/**
 * Advisory-lock buckets for a set of subjects, sorted so every transaction takes them in the same order
 * (no deadlocks). Two signals that could join one incident share at least one subject, hence one lock;
 * unrelated subjects sharing a bucket only wait for each other.
 */
export function lockKeys(subjects: Iterable<string>): number[] {
  const buckets = new Set<number>();
  for (const s of subjects) buckets.add(createHash('sha256').update(s).digest().readUInt32BE(0) % GROUP_LOCK_BUCKETS);
  return [...buckets].sort((a, b) => a - b);
}
