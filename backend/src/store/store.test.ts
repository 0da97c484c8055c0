import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from '../../test/helpers/db.js';
import { createManualClock } from '../platform/clock.js';
import { ConflictError, NotFoundError } from '../platform/errors.js';
import { sha256Hex } from '../platform/ids.js';
import { silentLogger } from '../platform/logger.js';
import { createStore, migrate, type Store } from './index.js';

describe.each(ENGINES)('store on $engine', ({ engine, open, available }) => {
  let t: TestDatabase | undefined;
  let store: Store;
  const clock = createManualClock(Date.UTC(2026, 10, 1, 12));

  beforeAll(async () => {
    if (!(await available())) return;
    t = await open();
    store = createStore({ db: t.db, clock });
  });
  afterAll(async () => t?.dispose());

  const maybe = (name: string, fn: () => Promise<void>) =>
    it(name, async (ctx) => {
      if (!t) return ctx.skip(`${engine} is not available here`);
      await fn();
    });

  maybe('migrations create every table and a second run applies nothing', async () => {
    const db = (t as TestDatabase).db;
    const { rows } = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        'incidents',
        'agent_executions',
        'remediations',
        'audit_log',
        'api_tokens',
        'schema_migrations',
      ]),
    );
    expect((await migrate(db, silentLogger)).applied).toEqual([]);
  });

  maybe('incidents: create, filter, and page with a stable cursor', async () => {
    for (let i = 0; i < 7; i++) {
      clock.advance(1000);
      await store.incidents.create(
        { title: `latency ${i}`, severity: i % 2 ? 'high' : 'low', services: [i < 4 ? 'cart' : 'checkout'] },
        'test',
      );
    }
    const first = await store.incidents.list({ limit: 3 });
    expect(first.items.map((i) => i.title)).toEqual(['latency 6', 'latency 5', 'latency 4']);
    const second = await store.incidents.list({ limit: 3, cursor: first.next ?? undefined });
    expect(second.items.map((i) => i.title)).toEqual(['latency 3', 'latency 2', 'latency 1']);
    const third = await store.incidents.list({ limit: 3, cursor: second.next ?? undefined });
    expect(third.items.map((i) => i.title)).toEqual(['latency 0']);
    expect(third.next).toBeNull();

    const cart = await store.incidents.list({ limit: 50, service: 'cart', severity: ['high'] });
    expect(cart.items.map((i) => i.title).sort()).toEqual(['latency 1', 'latency 3']);
    const search = await store.incidents.list({ limit: 50, q: 'ency 5' });
    expect(search.items).toHaveLength(1);
  });

  maybe('acknowledge and resolve record who and refuse a second resolve', async () => {
    const created = await store.incidents.create({ title: 'oom', services: ['cart'] }, 'test');
    const acked = await store.incidents.acknowledge(created.id, 'alice');
    expect(acked.acknowledged_by).toBe('alice');
    const resolved = await store.incidents.resolve(created.id, 'bob', 'restarted');
    expect(resolved).toMatchObject({ status: 'resolved', resolved_by: 'bob', resolution: 'restarted' });
    await expect(store.incidents.resolve(created.id, 'bob')).rejects.toBeInstanceOf(ConflictError);
    const detail = await store.incidents.getDetail(created.id);
    expect(detail.timeline.map((e) => e.kind)).toEqual(['created', 'acknowledged', 'resolved']);
    await expect(store.incidents.get('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
  });

  maybe('signals received together are listed in an order their content decides, not their random ids', async () => {
    const inc = await store.incidents.create({ title: 'tick', services: ['cart'] }, 'test');
    const at = clock.now();
    const rows = [
      ['zeta', 3],
      ['alpha', 2],
      ['mid', 1],
      ['beta', 2],
      ['alpha', 1],
      ['gamma', 0],
    ] as const;
    for (const [service, minutesBefore] of rows) {
      await (t as TestDatabase).db.query(
        `INSERT INTO incident_signals (incident_id, source, dedupe_key, service, summary, starts_at, received_at) VALUES ($1, 'anomaly', $2, $3, 'x', $4, $5)`,
        [inc.id, `k-${service}-${minutesBefore}`, service, new Date(at.getTime() - minutesBefore * 60_000), at],
      );
    }
    const listed = (await store.incidents.getDetail(inc.id)).signals.map((s) => `${s.service}-${s.dedupe_key.split('-')[2]}`);
    expect(listed).toEqual(['zeta-3', 'alpha-2', 'beta-2', 'alpha-1', 'mid-1', 'gamma-0']);
  });

  maybe('status values are enforced by the schema', async () => {
    const db = (t as TestDatabase).db;
    await expect(db.query("INSERT INTO incidents (title, status) VALUES ('x', 'bogus')")).rejects.toThrow(/check/i);
    const inc = await store.incidents.create({ title: 'r' }, 'test');
    await expect(
      db.query(
        "INSERT INTO remediations (incident_id, action_type, target, status) VALUES ($1, 'restart', 'cart', 'done')",
        [inc.id],
      ),
    ).rejects.toThrow(/check/i);
    await expect(
      db.query("INSERT INTO agent_executions (incident_id, agent, status) VALUES ($1, 'triage', 'ok')", [inc.id]),
    ).rejects.toThrow(/check/i);
  });

  maybe('executions and remediations keep JSONB payloads and timestamps', async () => {
    const inc = await store.incidents.create({ title: 'exec' }, 'test');
    const exec = await store.executions.start({ incidentId: inc.id, agent: 'triage', input: { services: ['cart'] } });
    clock.advance(250);
    const done = await store.executions.finish(exec.id, {
      status: 'success',
      output: { severity: 'high' },
      toolCalls: [{ tool: 'k8s' }],
    });
    expect(done).toMatchObject({
      status: 'success',
      output: { severity: 'high' },
      tool_calls: [{ tool: 'k8s' }],
      duration_ms: 250,
    });
    const rem = await store.remediations.create({
      incidentId: inc.id,
      actionType: 'restart',
      target: 'cartservice',
      namespace: 'boutique',
      plan: { steps: ['patch'] },
      confidence: 0.8,
    });
    const moved = await store.remediations.update(rem.id, {
      status: 'approved',
      approved_by: 'alice',
      before_state: { replicas: 2 },
    });
    expect(moved).toMatchObject({
      status: 'approved',
      version: 2,
      before_state: { replicas: 2 },
      plan: { steps: ['patch'] },
    });
    expect(await store.remediations.listByIncident(inc.id)).toHaveLength(1);
  });

  maybe('audit log is append-only', async () => {
    await store.audit.record({
      actor: 'alice',
      action: 'incident.resolve',
      target: 'x',
      result: 'success',
      details: {},
    });
    const db = (t as TestDatabase).db;
    await expect(db.query("UPDATE audit_log SET actor = 'mallory'")).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    const page = await store.audit.list({ limit: 10 });
    expect(page.items[0]).toMatchObject({ actor: 'alice', action: 'incident.resolve' });
  });

  maybe('tokens: only the hash is stored; revoked tokens stop working', async () => {
    const { token, secret } = await store.tokens.create({ name: 'ops', role: 'operator', createdBy: 'test' });
    const db = (t as TestDatabase).db;
    const raw = await db.query<Record<string, unknown>>('SELECT * FROM api_tokens WHERE id = $1', [token.id]);
    expect(JSON.stringify(raw.rows)).not.toContain(secret);
    expect(raw.rows[0]?.token_hash).toBe(sha256Hex(secret));
    expect((await store.tokens.findActiveBySecret(secret))?.id).toBe(token.id);
    await store.tokens.revoke(token.id);
    expect(await store.tokens.findActiveBySecret(secret)).toBeUndefined();
    await expect(store.tokens.ensure({ name: 'x', role: 'admin', secret })).rejects.toBeInstanceOf(ConflictError);
  });
});
