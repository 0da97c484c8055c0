import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { describe, expect, it } from 'vitest';
import { staticServiceGraph } from '../graph/index.js';
import { driftFromLastApplied } from './agents/compliance-checker/index.js';
import { createBandit, isotonic } from './agents/fixer/bandit.js';
import { similarBonus } from './agents/fixer/index.js';
import { createDrain, logAnalystAgent, tokenize } from './agents/log-analyst/index.js';
import { findSecrets, imageHygiene } from './agents/security-auditor/index.js';
import { createLlmClient, createMasker } from './llm.js';
import { createMcpServer } from './mcp.js';
import { cosineSparse, hashVector } from './similar.js';
import { createToolRunner, createToolRegistry, defineTool } from './tools.js';
import { createToolset } from './toolset.js';
import { silentLogger } from '../platform/logger.js';
import { z } from 'zod';

describe('log analyst (Drain-style templates)', () => {
  it('masks variables and merges lines of one shape into one template', () => {
    expect(tokenize('GET /cart took 125ms from 10.0.0.7 id=42')).toEqual(['GET', '/cart', 'took', '<*>', 'from', '<*>', 'id=<*>']);
    const d = createDrain();
    d.add('connection to redis-cart failed after 3 retries');
    d.add('connection to redis-cart failed after 5 retries');
    d.add('user alice logged in');
    const t = d.templates();
    expect(t).toHaveLength(2);
    expect(t[0]?.tokens.join(' ')).toBe('connection to redis-cart failed after <*> retries');
    expect(t[0]?.count).toBe(2);
  });

  it('reports new and surging error templates with counts and examples, not steady ones', async () => {
    const before = Array.from({ length: 20 }, (_, i) => ({ t: i, namespace: 'ns', service: 'cart', pod: 'p', level: 'info' as const, message: `served request ${i} in ${i} ms` }));
    const during = [
      ...Array.from({ length: 30 }, (_, i) => ({ t: 100 + i, namespace: 'ns', service: 'cart', pod: 'p', level: 'error' as const, message: `OutOfMemoryError: heap ${900 + i} MiB exceeds limit` })),
      ...Array.from({ length: 20 }, (_, i) => ({ t: 100 + i, namespace: 'ns', service: 'cart', pod: 'p', level: 'info' as const, message: `served request ${i} in ${i} ms` })),
    ];
    const registry = createToolRegistry();
    registry.register(defineTool({ name: 'logs_query', description: '', readOnly: true, input: { service: z.string().optional(), namespace: z.string().optional(), from: z.number(), to: z.number() }, run: async (a) => ({ results: a.from < 100 ? before : during, errors: [] }) }));
    const tools = createToolRunner(registry);
    const out = await logAnalystAgent.run({ services: ['cart'], namespace: 'ns', from: 100, to: 200 }, { tools, logger: silentLogger, now: () => 0, signal: new AbortController().signal, usage: { tokens: 0 } });
    expect(out.templates).toHaveLength(1);
    expect(out.templates[0]).toMatchObject({ level: 'error', count: 30, baseline_count: 0, new: true });
    expect(out.templates[0]?.examples[0]).toContain('OutOfMemoryError');
    expect(tools.calls.map((c) => c.tool)).toEqual(['logs_query', 'logs_query']);
  });
});

describe('security auditor', () => {
  it('finds known token shapes and high-entropy secrets, not placeholders', () => {
    const found = findSecrets([
      { path: 'deploy/app.yaml', content: 'env:\n  AWS_KEY: AKIAIOSFODNN7EXAMPLE\n  password: ${DB_PASSWORD}\n  api_key = "Zr8q2XvN4pLw9tKs7Ye1"\n  token: changeme-changeme' },
    ]);
    expect(found.map((f) => [f.rule, f.line])).toEqual([
      ['aws-access-key-id', 2],
      ['high-entropy-assignment', 4],
    ]);
    expect(found[0]?.match).not.toContain('IOSFODNN7');
  });

  it('flags mutable and pre-release image tags', () => {
    expect(imageHygiene('shop/cart:latest')).toContain('latest');
    expect(imageHygiene('shop/cart')).toContain('no tag');
    expect(imageHygiene('shop/cart:v1.2.4-rc.3')).toContain('pre-release');
    expect(imageHygiene('shop/cart:v1.2.3')).toBeUndefined();
  });
});

describe('compliance drift', () => {
  it('compares the live object with its last-applied configuration', () => {
    const applied = { spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'a:1' }] } } } };
    const live = { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(applied) } }, spec: { replicas: 5, template: { spec: { containers: [{ name: 'app', image: 'a:1' }] } } } };
    expect(driftFromLastApplied(live).drift).toEqual([{ path: 'spec.replicas', applied: 2, live: 5 }]);
    expect(driftFromLastApplied({ metadata: {} }).hasLastApplied).toBe(false);
  });
});

describe('LLM enrichment', () => {
  it('masks tokens, IPs and configured names before anything leaves, and restores them in the answer', async () => {
    const m = createMasker(['acme-payments']);
    const masked = m.mask('token aeg_abcdefghijklmnop1234 from 10.1.2.3 for acme-payments and 10.1.2.3');
    expect(masked).not.toMatch(/aeg_|10\.1\.2\.3|acme-payments/);
    expect(masked.match(/<IP_\d+>/g)).toHaveLength(2);
    let sent = '';
    const client = createLlmClient({
      url: 'http://llm.local/v1',
      maskNames: ['acme-payments'],
      fetch: (async (_url: string, init: { body: string }) => {
        sent = init.body;
        const placeholder = /<NAME_\d+>/.exec(sent)?.[0] ?? '';
        return new Response(JSON.stringify({ choices: [{ message: { content: `summary about ${placeholder}` } }], usage: { total_tokens: 42 } }));
      }) as unknown as typeof fetch,
    });
    const r = await client.complete({ system: 's', user: 'incident on acme-payments at 192.168.0.9 password=hunter2hunter2' });
    expect(sent).not.toMatch(/acme-payments|192\.168|hunter2/);
    expect(r).toEqual({ text: 'summary about acme-payments', tokens: 42 });
  });
});

describe('LLM secrets', () => {
  it('sends no common secret shape to the model, and never turns an echoed placeholder back into a secret', async () => {
    const secrets = ['db-pass-0000', 'jsonpass-1111', 'urlpass-2222', 'eyJhbGciOiJIUzI1NiJ9.payloadpayload.signaturesig', 'MIIEowIBAAKCAQEA', 'github_pat_11AAAAAAA0000000000_bbbbbbbbbbbbbbbbbbbbbbbb', 'aeg_abcdefghijklmnop1234'];
    const user = [
      `DB_PASSWORD=${secrets[0]}`,
      `{"password": "${secrets[1]}"}`,
      `postgres://app:${secrets[2]}@db:5432/shop`,
      `Authorization: Bearer ${secrets[3]}`,
      `-----BEGIN PRIVATE KEY-----\n${secrets[4]}\n-----END PRIVATE KEY-----`,
      `push with ${secrets[5]}`,
      `token ${secrets[6]}`,
    ].join('\n');
    let sent = '';
    const client = createLlmClient({
      url: 'http://llm.local/v1',
      fetch: (async (_url: string, init: { body: string }) => {
        sent = init.body;
        // A model echoing every placeholder-looking thing it was sent, plus a guessed one.
        const echoed = [...sent.matchAll(/<[A-Z0-9]+_\d+>|\[REDACTED\]/g)].map((m) => m[0]).join(' ');
        return new Response(JSON.stringify({ choices: [{ message: { content: `summary ${echoed} <TOKEN_1> <SECRET_1>` } }] }));
      }) as unknown as typeof fetch,
    });
    const r = await client.complete({ system: 's', user });
    for (const secret of secrets) {
      expect(sent, secret).not.toContain(secret.slice(0, 12));
      expect(r.text, secret).not.toContain(secret.slice(0, 12));
    }
  });
});

describe('fixer learning pieces', () => {
  it('isotonic calibration is non-decreasing', () => {
    const curve = isotonic([[0.1, 1], [0.2, 0], [0.3, 0], [0.5, 1], [0.9, 1], [0.8, 0]]);
    for (let i = 1; i < curve.length; i++) expect((curve[i] as number[])[1]).toBeGreaterThanOrEqual((curve[i - 1] as number[])[1] as number);
  });

  it('the bandit learns which action works for which signature', () => {
    const b = createBandit({ dim: 3, horizonMs: 60_000 });
    for (let i = 0; i < 200; i++) {
      const memory = i % 2;
      const x = [1, memory, 1 - memory];
      b.update({ features: x, action: 'restart-deployment', success: memory === 1, recoveryMs: 10_000 });
      b.update({ features: x, action: 'rollback-deployment', success: memory === 0, recoveryMs: 10_000 });
    }
    const best = (x: number[]) => [...b.estimate(x, ['restart-deployment', 'rollback-deployment'])].sort((p, q) => q.pSuccess - p.pSuccess)[0]?.action;
    expect(best([1, 1, 0])).toBe('restart-deployment');
    expect(best([1, 0, 1])).toBe('rollback-deployment');
  });

  it('similar past outcomes nudge the fixer; rejections and open proposals do not', () => {
    const bonus = similarBonus([
      { incident_id: 'a', similarity: 0.9, action: 'restart-deployment', outcome: 'succeeded' },
      { incident_id: 'b', similarity: 0.95, action: 'scale-out', outcome: 'failed' },
      { incident_id: 'c', similarity: 0.99, action: 'rollback-deployment', outcome: 'none' },
      { incident_id: 'd', similarity: 0.5, action: 'delete-pod', outcome: 'succeeded' },
    ]);
    expect(bonus['restart-deployment']).toBeCloseTo(0.09);
    expect(bonus['scale-out']).toBeCloseTo(-0.095);
    expect(bonus['rollback-deployment']).toBeUndefined();
    expect(bonus['delete-pod']).toBeUndefined();
  });

  it('similar incidents: identical tokens are nearest', () => {
    const a = hashVector(['svc:cart', 'sig:memory', 'cause:cart']);
    const b = hashVector(['svc:cart', 'sig:memory', 'cause:cart']);
    const c = hashVector(['svc:payment', 'sig:errors', 'cause:payment']);
    expect(cosineSparse(a, b)).toBeCloseTo(1, 6);
    expect(cosineSparse(a, c)).toBeLessThan(0.5);
  });
});

describe('MCP server', () => {
  it('serves exactly the read-only tools agents use, and answers calls', async () => {
    const tools = createToolset({ graph: staticServiceGraph([{ source: 'frontend', target: 'cart' }]), namespace: 'ns' });
    tools.register(defineTool({ name: 'k8s_delete_everything', description: 'not read-only', readOnly: false, input: {}, run: async () => 'no' }));
    const server = createMcpServer(tools);
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(b);
    const listed = (await client.listTools()).tools.map((t) => t.name);
    expect(listed).toEqual(['graph_neighbours']);
    const res = await client.callTool({ name: 'graph_neighbours', arguments: { service: 'cart' } });
    const text = (res.content as Array<{ text: string }>)[0]?.text ?? '';
    expect(JSON.parse(text)).toMatchObject({ service: 'cart', upstream: ['frontend'] });
    await client.close();
  });
});

describe('MCP secrets and namespaces', () => {
  const deployment = (ns: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'cart', namespace: ns },
    spec: { template: { spec: { containers: [{ name: 'cart', env: [
      { name: 'REDIS_ADDR', value: 'redis-cart:6379' },
      { name: 'REDIS_PASSWORD', value: 'r3dis-pa55word-plain' },
      { name: 'DB_URL', value: 'postgres://cart:dbpa55word@db:5432/cart' },
    ] }] } } },
  });
  const reads: string[] = [];
  const tools = createToolset({
    graph: staticServiceGraph([]),
    namespace: 'shop',
    cluster: {
      readDeployment: async (ns: string) => (reads.push(ns), { name: 'cart', namespace: ns }),
      readObject: async (_kind: string, ns: string) => (reads.push(ns), deployment(ns)),
      recentChange: async (ns: string) => (reads.push(ns), { changed: false }),
    } as never,
    logs: {
      queryLogs: async (q: { namespace?: string }) => (reads.push(q.namespace ?? 'shop'), [{ at: 1, service: 'cart', pod: 'cart-1', line: 'login ok, DB_PASSWORD=l0gpa55word token ghp_abcdefghijklmnopqrstuvwxyz0123456789' }]),
    } as never,
  });
  const call = async (name: string, args: Record<string, unknown>) => {
    const server = createMcpServer(tools, { namespaces: ['shop'] });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(b);
    const res = await client.callTool({ name, arguments: args });
    await client.close();
    return { text: (res.content as Array<{ text: string }>)[0]?.text ?? '', isError: res.isError === true };
  };

  it('never returns secret-named env values or secrets in logs', async () => {
    const obj = await call('k8s_get_deployment_object', { name: 'cart' });
    expect(obj.text).toContain('redis-cart:6379');
    expect(obj.text).not.toMatch(/r3dis-pa55word-plain|dbpa55word/);
    const logs = await call('logs_query', { service: 'cart', from: 0, to: 10 });
    expect(logs.text).toContain('login ok');
    expect(logs.text).not.toMatch(/l0gpa55word|ghp_abcdefghij/);
  });

  it('reads only the namespaces Aegis watches', async () => {
    reads.length = 0;
    for (const [tool, args] of [
      ['k8s_get_deployment_object', { name: 'cart', namespace: 'kube-system' }],
      ['k8s_get_deployment', { name: 'cart', namespace: 'kube-system' }],
      ['logs_query', { from: 0, to: 10, namespace: 'kube-system' }],
    ] as const) {
      const r = await call(tool, { ...args });
      expect(r.isError, tool).toBe(true);
      expect(r.text).toMatch(/not a namespace Aegis watches/);
    }
    expect(reads).toEqual([]);
    expect((await call('k8s_get_deployment', { name: 'cart', namespace: 'shop' })).isError).toBe(false);
  });
});
