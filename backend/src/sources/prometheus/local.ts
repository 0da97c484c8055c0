import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

/**
 * Runs a real Prometheus (Debian's `prometheus` package) on a loopback port for tests, benches and
 * local experiments: a temporary config that scrapes the given targets, a temporary TSDB.
 */
export interface LocalPrometheus {
  url: string;
  process: ChildProcess;
  close(): Promise<void>;
}

export function findPrometheus(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'prometheus');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startLocalPrometheus(o: {
  targets: Array<{ url: string; caPem?: string; job?: string }>;
  scrapeIntervalSec: number;
  binary?: string;
  readyTimeoutMs?: number;
}): Promise<LocalPrometheus> {
  const binary = o.binary ?? findPrometheus();
  if (!binary) throw new Error('prometheus is not installed (apt-get install prometheus)');
  const dir = await mkdtemp(path.join(tmpdir(), 'aegis-prom-'));
  const scrape_configs = await Promise.all(
    o.targets.map(async (t, i) => {
      const u = new URL(t.url);
      let tls: Record<string, string> | undefined;
      if (t.caPem) {
        const ca = path.join(dir, `ca-${i}.pem`);
        await writeFile(ca, t.caPem);
        tls = { ca_file: ca };
      }
      return {
        job_name: t.job ?? `target-${i}`,
        scheme: u.protocol.replace(':', ''),
        metrics_path: u.pathname === '/' ? '/metrics' : u.pathname,
        scrape_interval: `${o.scrapeIntervalSec}s`,
        scrape_timeout: `${Math.max(1, Math.min(10, o.scrapeIntervalSec))}s`,
        ...(tls ? { tls_config: tls } : {}),
        static_configs: [{ targets: [u.host] }],
      };
    }),
  );
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(config, stringify({ global: { scrape_interval: `${o.scrapeIntervalSec}s`, evaluation_interval: '15s' }, scrape_configs }));
  const port = await freePort();
  const child = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const close = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) {
      await close();
      throw new Error(`prometheus exited with ${child.exitCode}: ${stderr.trim()}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await close();
      throw new Error(`prometheus did not become ready: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, process: child, close };
}
