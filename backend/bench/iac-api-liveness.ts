/**
 * IaC scan API vs liveness: while POST /api/v1/iac/scan handles hostile uploads (20,000 tiny YAML files in a
 * ~270 KB tar.gz — refused past the file cap — and a capped archive of 4,900 files that is scanned), /healthz
 * is polled every 100 ms; the figure is the slowest /healthz answer. The server runs as its own process.
 * Target: every /healthz within 1 s.
 *
 *   npm run bench:iac:liveness [-- --files 20000 --capped 4900]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const { values } = parseArgs({ options: { files: { type: 'string', default: '20000' }, capped: { type: 'string', default: '4900' } } });
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/aegis.mjs');
const TOKEN = 'bench-admin-token-0123456789';

/** A minimal ustar archive of regular files. */
function tar(files: Array<[string, string]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of files) {
    const body = Buffer.from(content);
    const h = Buffer.alloc(512);
    h.write(name, 0, 100);
    h.write('0000644\0', 100);
    h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
const pods = (n: number) => Array.from({ length: n }, (_, i) => [`m/${i}.yaml`, `apiVersion: v1\nkind: Pod\nmetadata: { name: p${i} }\nspec:\n  containers:\n    - name: c\n      image: nginx:latest\n`] as [string, string]);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startServer(home: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: { ...process.env, AEGIS_HOME: home, AEGIS_PORT: String(port), AEGIS_ADMIN_TOKEN: TOKEN, AEGIS_LOG_LEVEL: 'warn', AEGIS_SIMULATOR: '0', AEGIS_RATE_LIMIT: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 3000; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error('server did not become ready within 5 minutes');
}

/** Polls /healthz every 100 ms while `work` runs; returns the slowest answer. */
async function whilePolling<T>(url: string, work: () => Promise<T>): Promise<{ result: T; maxMs: number; polls: number; failures: number }> {
  let done = false;
  let maxMs = 0;
  let polls = 0;
  let failures = 0;
  const poller = (async () => {
    while (!done) {
      const t = performance.now();
      const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
      maxMs = Math.max(maxMs, performance.now() - t);
      polls++;
      if (!ok) failures++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const result = await work();
  done = true;
  await poller;
  return { result, maxMs, polls, failures };
}

async function scan(url: string, archive: Buffer) {
  const t = performance.now();
  const res = await fetch(`${url}/api/v1/iac/scan`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ archive: archive.toString('base64'), label: 'bench-hostile' }),
  });
  const body = (await res.json()) as { findings?: number; error?: { message: string } };
  return { status: res.status, ms: Math.round(performance.now() - t), what: body.error?.message ?? `${body.findings} findings stored` };
}

/** The server's own event-loop delay since the last scrape (prom-client resets it on each collect), in ms. */
async function eventLoopLagMaxMs(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.text());
  const m = /^aegis_process_nodejs_eventloop_lag_max_seconds\s+(\S+)/m.exec(text);
  return m ? Number(m[1]) * 1000 : NaN;
}

const home = await mkdtemp(path.join(tmpdir(), 'aegis-bench-iac-live-'));
const { url, child } = await startServer(home);
try {
  const cases: Array<[string, Buffer]> = [
    [`${values.files} tiny YAML files`, gzipSync(tar(Array.from({ length: Number(values.files) }, (_, i) => [`m/${i}.yaml`, 'kind: Pod\n'] as [string, string])))],
    [`${values.capped} Pod manifests (under the cap)`, gzipSync(tar(pods(Number(values.capped))))],
  ];
  // The machine's own noise first: the same polling with no scan running.
  await eventLoopLagMaxMs(url);
  const idle = await whilePolling(url, () => new Promise((r) => setTimeout(r, 15_000)));
  console.log(`baseline (no scan, 15 s): /healthz polled ${idle.polls}×, slowest ${Math.round(idle.maxMs)} ms; server event-loop lag max ${Math.round(await eventLoopLagMaxMs(url))} ms; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  let worst = 0;
  for (const [name, archive] of cases) {
    const r = await whilePolling(url, () => scan(url, archive));
    worst = Math.max(worst, r.maxMs);
    console.log(`${name} (${Math.round(archive.length / 1024)} KB tar.gz): POST /iac/scan → ${r.result.status} in ${r.result.ms} ms (${r.result.what}); /healthz polled ${r.polls}×, slowest ${Math.round(r.maxMs)} ms, ${r.failures} failed; server event-loop lag max ${Math.round(await eventLoopLagMaxMs(url))} ms`);
  }
  console.log(`slowest /healthz during hostile scans: ${Math.round(worst)} ms (target < 1000 ms) → ${worst < 1000 ? 'PASS' : 'FAIL'}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await rm(home, { recursive: true, force: true });
}
