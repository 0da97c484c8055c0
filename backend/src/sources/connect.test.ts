import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createManualClock } from '../platform/clock.js';
import { createMemoryLogger } from '../platform/logger.js';
import { connectClusterSources } from './connect.js';

describe('choosing the cluster and sources from the configuration', () => {
  let home: string;
  const clock = createManualClock(Date.UTC(2026, 10, 18, 13));
  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'aegis-connect-'));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));
  const config = (env: Record<string, string>) => loadConfig({ AEGIS_HOME: home, ...env }, { cwd: home });

  it('starts the simulated cluster when nothing else is configured', async () => {
    const logger = createMemoryLogger();
    const sources = await connectClusterSources({ config: config({}), clock, logger, env: {} });
    try {
      expect(sources.mode).toBe('simulator');
      expect(sources.metrics?.name).toBe('simulator');
      expect((await sources.kubernetes?.events({ namespace: 'boutique' }))?.errors).toEqual([]);
    } finally {
      await sources.close();
    }
  });

  it('uses Prometheus and Loki when their URLs are set, even with the simulator', async () => {
    const sources = await connectClusterSources({ config: config({ AEGIS_PROMETHEUS_URL: 'http://127.0.0.1:9', AEGIS_LOKI_URL: 'http://127.0.0.1:9' }), clock, logger: createMemoryLogger(), env: {} });
    try {
      expect(sources.metrics?.name).toMatch(/^prometheus/);
      expect(sources.logs?.name).toMatch(/^loki/);
    } finally {
      await sources.close();
    }
  });

  it('a simulator port already taken or an unreadable kubeconfig is logged, not fatal', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const logger = createMemoryLogger();
      const taken = await connectClusterSources({ config: config({ AEGIS_SIMULATOR: '1', AEGIS_SIM_PORT: String(port) }), clock, logger, env: {} });
      expect(taken.mode).toBe('none');
      expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
    } finally {
      blocker.close();
    }
    const logger = createMemoryLogger();
    const broken = await connectClusterSources({ config: config({ AEGIS_KUBECONFIG: path.join(home, 'missing.yaml') }), clock, logger, env: {} });
    expect(broken.mode).toBe('none');
    expect(broken.kubernetes).toBeUndefined();
    expect(String(logger.lines.find((l) => l.level === 'error')?.err)).toMatch(/missing\.yaml/);
  });
});
