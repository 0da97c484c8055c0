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

/**
 * Advisory-lock keys for a set of subjects, sorted so every transaction takes them in the same order
 * (no deadlocks). Two signals that could join one incident share at least one subject, hence one lock.
 */
export function lockKeys(subjects: Iterable<string>): string[] {
  const keys = new Set<bigint>();
  for (const s of subjects) keys.add(createHash('sha256').update(`aegis-group:${s}`).digest().readBigInt64BE(0));
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
}
