import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '../../platform/errors.js';

/** Where a pod's service account token lives; present means we run inside a cluster. */
export const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function runningInCluster(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) && existsSync(IN_CLUSTER_TOKEN);
}

/** A KubeConfig from a file, a YAML text, or the in-cluster service account; `context` picks one. */
export function loadKubeConfig(src: { file?: string; text?: string; inCluster?: boolean; context?: string }): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (src.text) kc.loadFromString(src.text);
    else if (src.file) kc.loadFromFile(src.file);
    else if (src.inCluster) kc.loadFromCluster();
    else throw new InputError('no kubeconfig: give a file, a text or inCluster');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot load kubeconfig${src.file ? ` ${src.file}` : ''}: ${(err as Error).message}`);
  }
  if (src.context) {
    if (!kc.getContextObject(src.context)) throw new InputError(`kubeconfig has no context "${src.context}"`);
    kc.setCurrentContext(src.context);
  }
  if (!kc.getCurrentCluster()) throw new InputError('kubeconfig has no current cluster');
  return kc;
}
