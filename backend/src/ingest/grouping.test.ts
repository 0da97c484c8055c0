import { describe, expect, it } from 'vitest';
import { staticServiceGraph } from '../graph/port.js';
import { GROUP_LOCK_BUCKETS, lockKeys, reachableSubjects } from './grouping.js';
import type { Signal } from './signal.js';

const signal = (service: string | null): Signal => ({
  source: 'grafana',
  kind: 'alert',
  dedupe_key: 'k',
  status: 'firing',
  service,
  namespace: null,
  severity: 'medium',
  title: 't',
  summary: '',
  labels: {},
  starts_at: new Date(0),
  group_hint: 'g1',
  payload: {},
});

describe('grouping subjects and locks', () => {
  it('reaches the services a signal calls and is called by; without a service, its source group', () => {
    const graph = staticServiceGraph([
      { source: 'frontend', target: 'cart' },
      { source: 'cart', target: 'redis' },
    ]);
    expect(reachableSubjects(signal('cart'), graph).sort()).toEqual(['svc:cart', 'svc:frontend', 'svc:redis']);
    expect(reachableSubjects(signal(null), graph)).toEqual(['grp:grafana:g1']);
  });

  it('takes a bounded, sorted, deterministic set of lock buckets however many subjects a batch has', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `svc:s${i}`);
    const keys = lockKeys(many);
    expect(keys.length).toBeLessThanOrEqual(GROUP_LOCK_BUCKETS);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(lockKeys(['svc:a', 'svc:b'])).toEqual(lockKeys(['svc:b', 'svc:a', 'svc:a']));
  });
});
