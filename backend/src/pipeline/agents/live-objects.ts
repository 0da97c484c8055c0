import { stringify } from 'yaml';
import type { IacScanner, ScanResult, SourceFile } from '../../iac/index.js';
import type { ToolRunner } from '../tools.js';

/** The live deployments of `services` as manifests the IaC engine can read (status and server fields dropped). */
export async function liveManifests(tools: ToolRunner, services: string[], namespace: string): Promise<{ files: SourceFile[]; objects: Map<string, Record<string, unknown>>; errors: string[] }> {
  const files: SourceFile[] = [];
  const objects = new Map<string, Record<string, unknown>>();
  const errors: string[] = [];
  if (!tools.has('k8s_get_deployment_object')) return { files, objects, errors: ['no Kubernetes cluster configured'] };
  for (const service of services) {
    try {
      const obj = await tools.call<Record<string, unknown>>('k8s_get_deployment_object', { name: service, namespace });
      objects.set(service, obj);
      const meta = (obj.metadata ?? {}) as Record<string, unknown>;
      const clean = {
        apiVersion: obj.apiVersion ?? 'apps/v1',
        kind: obj.kind ?? 'Deployment',
        metadata: { name: meta.name, namespace: meta.namespace, labels: meta.labels, annotations: withoutLastApplied(meta.annotations) },
        spec: obj.spec,
      };
      files.push({ path: `live/${namespace}/deployment-${service}.yaml`, content: stringify(clean) });
    } catch (err) {
      errors.push(`${service}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { files, objects, errors };
}

function withoutLastApplied(a: unknown): unknown {
  if (!a || typeof a !== 'object') return a;
  return Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration'));
}

export type ScannerProvider = () => Promise<IacScanner>;

export async function scanLive(getScanner: ScannerProvider | undefined, files: SourceFile[]): Promise<ScanResult | undefined> {
  if (!getScanner || !files.length) return undefined;
  return (await getScanner()).scan(files);
}
