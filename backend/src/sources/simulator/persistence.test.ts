import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../../test/helpers/server.js';

describe('the demo cluster keeps what users changed across a restart of the server (npm start)', () => {
  let home: string | undefined;
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('a ConfigMap created through the Kubernetes API is still there after the server restarts', { timeout: 180_000 }, async () => {
    home = await mkdtemp(path.join(tmpdir(), 'aegis-persist-'));
    const api = () => {
      const kc = new KubeConfig();
      kc.loadFromFile(path.join(home as string, 'kubeconfig'));
      return kc.makeApiClient(CoreV1Api);
    };
    const first = await startTestServer({ home });
    try {
      await api().createNamespacedConfigMap({ namespace: 'boutique', body: { metadata: { name: 'kept' }, data: { a: '1' } } });
    } finally {
      await first.stop({ keepHome: true });
    }
    const second = await startTestServer({ home });
    try {
      const cm = await api().readNamespacedConfigMap({ namespace: 'boutique', name: 'kept' });
      expect(cm.data).toEqual({ a: '1' });
    } finally {
      await second.stop({ keepHome: true });
    }
  });
});
