import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_SIM, startTestServer, type TestServer } from '../../../test/helpers/server.js';

/** The incident workspace endpoints: reopen, assign, notes, feedback and silences (issue 19). */
describe('incident workspace API', () => {
  let s: TestServer;
  let viewer: string;
  let operator: string;
  let grafana: string;

  beforeAll(async () => {
    s = await startTestServer({ env: NO_SIM });
    [viewer, operator, grafana] = await Promise.all([s.token('viewer'), s.token('operator'), s.token('grafana')]);
  });
  afterAll(async () => s?.stop());

  const newIncident = async (services = ['cartservice']) => {
    const res = await s.request('POST', '/api/v1/incidents', {
      token: operator,
      body: { title: 'cart errors', services },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const audit = async (action: string) =>
    (await s.request('GET', `/api/v1/audit?action=${action}&limit=100`, { token: s.adminToken })).body.items as {
      actor: string;
      target: string;
      result: string;
    }[];
  const detail = async (id: string) => (await s.request('GET', `/api/v1/incidents/${id}`, { token: viewer })).body;

  it('resolves with a resolution, reopens, and keeps both in the timeline', async () => {
    const id = await newIncident();
    const resolved = await s.request('POST', `/api/v1/incidents/${id}/resolve`, {
      token: operator,
      body: { resolution: 'rolled back cartservice' },
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolution: 'rolled back cartservice' });
    expect((await s.request('POST', `/api/v1/incidents/${id}/resolve`, { token: operator, body: {} })).status).toBe(
      409,
    );

    const reopened = await s.request('POST', `/api/v1/incidents/${id}/reopen`, {
      token: operator,
      body: { reason: 'back again' },
    });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toMatchObject({ status: 'open', resolution: null, resolved_at: null });
    expect((await s.request('POST', `/api/v1/incidents/${id}/reopen`, { token: operator, body: {} })).status).toBe(409);
    const kinds = (await detail(id)).timeline.map((t: { type: string }) => t.type);
    expect(kinds).toEqual(expect.arrayContaining(['created', 'resolved', 'reopened']));
    expect(await audit('incident.reopen')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'token:operator-test', target: id, result: 'success' }),
      ]),
    );
  });

  it('assigns and unassigns; a note is answered 201 and shows in the timeline as type "note"', async () => {
    const id = await newIncident();
    const assigned = await s.request('POST', `/api/v1/incidents/${id}/assign`, {
      token: operator,
      body: { assignee: 'alice' },
    });
    expect(assigned.body.assignee).toBe('alice');
    const cleared = await s.request('POST', `/api/v1/incidents/${id}/assign`, {
      token: operator,
      body: { assignee: null },
    });
    expect(cleared.body.assignee).toBeNull();
    expect((await s.request('POST', `/api/v1/incidents/${id}/assign`, { token: operator, body: {} })).status).toBe(400);

    const note = await s.request('POST', `/api/v1/incidents/${id}/notes`, {
      token: grafana,
      headers: { 'x-grafana-user': 'bob' },
      body: { text: 'checked the deploy log' },
    });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ incident_id: id, author: 'grafana:bob', text: 'checked the deploy log' });
    expect(note.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const entry = (await detail(id)).timeline.find((t: { type: string }) => t.type === 'note');
    expect(entry).toMatchObject({
      type: 'note',
      kind: 'note',
      actor: 'grafana:bob',
      message: 'checked the deploy log',
    });
    expect(
      (await s.request('POST', `/api/v1/incidents/${id}/notes`, { token: operator, body: { text: '  ' } })).status,
    ).toBe(400);
    expect(await audit('incident.note')).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: 'grafana:bob', target: id, result: 'success' })]),
    );
    expect((await audit('incident.assign')).length).toBeGreaterThanOrEqual(2);
  });

  it('refuses every workspace write to a viewer and a grafana token that names no user, and audits the denial', async () => {
    const id = await newIncident();
    for (const token of [viewer, grafana]) {
      expect((await s.request('POST', `/api/v1/incidents/${id}/notes`, { token, body: { text: 'x' } })).status).toBe(
        403,
      );
      expect(
        (await s.request('POST', `/api/v1/incidents/${id}/assign`, { token, body: { assignee: 'x' } })).status,
      ).toBe(403);
      expect(
        (await s.request('POST', '/api/v1/silences', { token, body: { service: 'a', minutes: 5, reason: 'x' } }))
          .status,
      ).toBe(403);
    }
    expect((await audit('incident.note')).some((e) => e.result === 'denied' && e.target === id)).toBe(true);
    expect((await detail(id)).timeline.filter((t: { type: string }) => t.type === 'note')).toEqual([]);
  });

  it('not-an-anomaly closes the incident and silences its services; the same anomaly then opens no incident', async () => {
    const id = await newIncident(['noisysvc']);
    const res = await s.request('POST', `/api/v1/incidents/${id}/feedback`, {
      token: operator,
      body: { kind: 'not-an-anomaly', note: 'nightly batch job' },
    });
    expect(res.status).toBe(201);
    expect(res.body.incident.status).toBe('closed');
    expect(res.body.silences).toEqual([
      expect.objectContaining({
        service: 'noisysvc',
        metric: null,
        kind: 'not-an-anomaly',
        active: true,
        incident_id: id,
      }),
    ]);
    const listed = await s.request('GET', '/api/v1/silences?active=true&service=noisysvc', { token: viewer });
    expect(listed.body.items).toHaveLength(1);

    s.handle.bus.publish('anomalies', 'anomaly.opened', {
      id: '00000000-0000-4000-8000-00000000a001',
      namespace: 'shop',
      service: 'noisysvc',
      metric: 'cpu',
      start: new Date().toISOString(),
      score: 0.99,
      detectors: [],
      group_id: '',
    });
    await s.handle.bus.drain();
    await s.handle.ingest.writer.flush();
    const open = await s.request('GET', '/api/v1/incidents?service=noisysvc&status=open', { token: viewer });
    expect(open.body.items).toEqual([]);
    expect((await detail(id)).timeline.map((t: { type: string }) => t.type)).toContain('feedback');
  });

  it('wrong-root-cause with a service reaches RCA feedback; without one it is recorded only', async () => {
    const id = await newIncident(['frontend']);
    const bare = await s.request('POST', `/api/v1/incidents/${id}/feedback`, {
      token: operator,
      body: { kind: 'wrong-root-cause', note: 'not the frontend' },
    });
    expect(bare.status).toBe(201);
    expect(bare.body).toMatchObject({ root_cause_recorded: false, silences: [] });
    const named = await s.request('POST', `/api/v1/incidents/${id}/feedback`, {
      token: operator,
      body: { kind: 'wrong-root-cause', service: 'redis-cart', note: 'redis evicted keys' },
    });
    expect(named.status).toBe(201);
    expect(named.body.root_cause_recorded).toBe(true);
    expect(named.body.incident.root_cause).toMatchObject({ service: 'redis-cart' });
    expect(
      (await s.request('POST', `/api/v1/incidents/${id}/feedback`, { token: operator, body: { kind: 'nope' } })).status,
    ).toBe(400);
  });

  it('silences a signal for a time, lists it, ends it; bad bodies get a clear 400', async () => {
    const id = await newIncident(['paymentservice']);
    const created = await s.request('POST', '/api/v1/silences', {
      token: operator,
      body: { service: 'paymentservice', metric: 'latency_p99', minutes: 30, reason: 'load test', incident_id: id },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      service: 'paymentservice',
      metric: 'latency_p99',
      kind: 'silence',
      active: true,
    });
    expect(Date.parse(created.body.until) - Date.now()).toBeGreaterThan(29 * 60_000);
    expect((await detail(id)).timeline.map((t: { type: string }) => t.type)).toContain('silenced');

    const both = await s.request('POST', '/api/v1/silences', {
      token: operator,
      body: { service: 'x', minutes: 5, until: new Date(Date.now() + 60_000).toISOString(), reason: 'r' },
    });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/exactly one of until or minutes/);
    const past = await s.request('POST', '/api/v1/silences', {
      token: operator,
      body: { service: 'x', until: '2000-01-01T00:00:00Z', reason: 'r' },
    });
    expect(past.status).toBe(400);

    const ended = await s.request('DELETE', `/api/v1/silences/${created.body.id}`, { token: operator });
    expect(ended.body).toMatchObject({ active: false, expired_by: 'token:operator-test' });
    expect((await s.request('DELETE', `/api/v1/silences/${created.body.id}`, { token: operator })).status).toBe(409);
    expect(await audit('silence.create')).toEqual(
      expect.arrayContaining([expect.objectContaining({ target: 'paymentservice', result: 'success' })]),
    );
  });

  it('a postmortem is edited, then finalised; a final one refuses edits; none before it is written', async () => {
    const id = await newIncident();
    const early = await s.request('POST', `/api/v1/incidents/${id}/postmortem`, {
      token: operator,
      body: { markdown: '# x' },
    });
    expect(early.status).toBe(404);
    await s.request('POST', `/api/v1/incidents/${id}/resolve`, { token: operator, body: { resolution: 'restarted' } });
    const written = await s.request('GET', `/api/v1/incidents/${id}/postmortem`, { token: viewer });
    expect(written.status).toBe(200);
    const edited = await s.request('POST', `/api/v1/incidents/${id}/postmortem`, {
      token: operator,
      body: { markdown: `${written.body.markdown}\n\n## Follow-up\n- add a memory alert` },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ edited_by: 'token:operator-test', final_at: null });
    const final = await s.request('POST', `/api/v1/incidents/${id}/postmortem`, {
      token: operator,
      body: { markdown: edited.body.markdown, final: true },
    });
    expect(final.body.final_by).toBe('token:operator-test');
    const read = await s.request('GET', `/api/v1/incidents/${id}/postmortem`, { token: viewer });
    expect(read.body.markdown).toContain('## Follow-up');
    expect(Date.parse(read.body.final_at)).toBeGreaterThan(0);
    const again = await s.request('POST', `/api/v1/incidents/${id}/postmortem`, {
      token: operator,
      body: { markdown: 'no' },
    });
    expect(again.status).toBe(409);
    expect(
      (await s.request('POST', `/api/v1/incidents/${id}/postmortem`, { token: viewer, body: { markdown: 'no' } }))
        .status,
    ).toBe(403);
  });
});
