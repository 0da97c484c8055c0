import { describe, expect, it } from 'vitest';
import type { IncidentDetail, RcaResult } from '../../api/types';
import { changesSince } from './ChangesSinceLastLook';
import { annotationFrame, evidenceTargets } from './Evidence';

const incident = {
  id: 'i1',
  status: 'investigating',
  assignee: 'alice',
  services: ['cartservice'],
  started_at: '2026-01-01T00:00:00Z',
  resolved_at: null,
  signals: [
    { id: 's1', source: 'anomaly', service: 'cartservice', payload: { metric: 'memory' } },
    { id: 's2', source: 'kubernetes', service: 'cartservice', payload: {} },
  ],
  timeline: [
    { at: '2026-01-01T00:00:00Z', kind: 'created', type: 'created', actor: 'aegis', message: 'opened', data: {} },
    { at: '2026-01-01T00:05:00Z', kind: 'note', type: 'note', actor: 'bob', message: 'looking', data: {} },
  ],
} as unknown as IncidentDetail;

describe('incident workspace', () => {
  it('lists what changed since the last look: status, owner and newer timeline entries', () => {
    expect(changesSince(incident, { at: '2026-01-01T00:01:00Z', status: 'open', assignee: null })).toEqual([
      'status open → investigating',
      'assignee nobody → alice',
      expect.stringMatching(/note by bob: looking$/),
    ]);
    expect(changesSince(incident, { at: '2026-01-01T00:06:00Z', status: 'investigating', assignee: 'alice' })).toEqual([]);
  });

  it('charts the signals that opened the incident and the top three candidates', () => {
    const rca = { ranking: [1, 2, 3, 4].map((n) => ({ service: `svc${n}`, probability: 0.1 * n, score: 1, evidence: [], explanation: '' })) } as unknown as RcaResult;
    const t = evidenceTargets(incident, rca);
    expect(t.opened.map((x) => [x.service, x.metric])).toEqual([
      ['cartservice', 'memory'],
      ['cartservice', undefined],
    ]);
    expect(t.candidates.map((x) => x.service)).toEqual(['svc1', 'svc2', 'svc3']);
  });

  it('shades anomaly windows (open ones up to now) and marks the fault time', () => {
    const frame = annotationFrame(
      [
        { service: 'a', metric: 'm', start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:03:00Z', open: false, score: 0.9 },
        { service: 'a', metric: 'm', start: '2026-01-01T00:05:00Z', end: '2026-01-01T00:05:00Z', open: true, score: 0.95 },
      ],
      Date.parse('2026-01-01T00:01:00Z'),
      Date.parse('2026-01-01T00:10:00Z'),
    );
    const col = (n: string) => frame.fields.find((f) => f.name === n)?.values;
    expect(col('isRegion')).toEqual([true, true, false]);
    expect(col('timeEnd')?.[1]).toBe(Date.parse('2026-01-01T00:10:00Z'));
    expect(col('text')?.[2]).toBe('fault time estimated by RCA');
  });
});
