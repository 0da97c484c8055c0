import { isObject, type Value, type ValueMap } from '../../model.js';
import { asList, asStrings } from '../../engine/checks.js';
import type { CheckFn, Hit } from '../../engine/rule.js';
import type { ResourceView } from '../../engine/view.js';
import { k8sDocs } from '../dsl.js';

export const WORKLOADS = ['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];
export const CONTROLLERS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob'];

/** Where the pod spec lives for each workload kind. */
export function podSpecPath(kind: string): string | undefined {
  if (kind === 'Pod') return 'spec';
  if (kind === 'CronJob') return 'spec.jobTemplate.spec.template.spec';
  if (CONTROLLERS.includes(kind) || kind === 'PodTemplate') return kind === 'PodTemplate' ? 'template.spec' : 'spec.template.spec';
  return undefined;
}

/** Metadata of the pod template next to the pod spec found by `podSpecOf`. */
export function podMetaOf(r: ResourceView): string {
  const spec = podSpecOf(r) ?? 'spec';
  return spec === 'spec' ? 'metadata' : spec.replace(/\.spec$/, '.metadata');
}

export function podMetaPath(kind: string): string {
  if (kind === 'Pod') return 'metadata';
  if (kind === 'CronJob') return 'spec.jobTemplate.spec.template.metadata';
  return 'spec.template.metadata';
}

export interface ContainerRef {
  c: ValueMap;
  path: string;
  init: boolean;
}

/** The pod spec path by kind, or found by shape for other kinds that embed a pod template (CRDs, Knative…). */
export function podSpecOf(r: ResourceView): string | undefined {
  const byKind = podSpecPath(r.kind);
  if (byKind) return byKind;
  for (const p of ['spec', 'spec.template.spec', 'spec.jobTemplate.spec.template.spec']) if (r.get(`${p}.containers`) !== undefined) return p;
  return undefined;
}

const containerMemo = new WeakMap<ResourceView, Map<boolean, ContainerRef[]>>();

/** Containers (and optionally init containers) of a workload, with their paths (computed once per resource view). */
export function containers(r: ResourceView, opts: { init?: boolean } = {}): ContainerRef[] {
  const init = opts.init ?? false;
  let byInit = containerMemo.get(r);
  if (!byInit) containerMemo.set(r, (byInit = new Map()));
  const cached = byInit.get(init);
  if (cached) return cached;
  const list = listContainers(r, init);
  byInit.set(init, list);
  return list;
}

function listContainers(r: ResourceView, withInit: boolean): ContainerRef[] {
  const opts = { init: withInit };
  const base = podSpecOf(r);
  if (!base) return [];
  const out: ContainerRef[] = [];
  const lists: Array<[string, boolean]> = [['containers', false]];
  if (opts.init) lists.push(['initContainers', true]);
  for (const [key, init] of lists) {
    asList(r.get(`${base}.${key}`)).forEach((c, i) => {
      if (isObject(c)) out.push({ c, path: `${base}.${key}.${i}`, init });
    });
  }
  return out;
}

export const sub = (v: Value | undefined, path: string): Value | undefined => {
  let cur = v;
  for (const p of path.split('.')) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
};

/** Fires for each container where `bad(container)` holds; the message names the container. */
export function perContainer(
  bad: (c: ValueMap, r: ResourceView) => string | false | undefined,
  opts: { init?: boolean; at?: string; fix?: Value } = {},
): CheckFn {
  return (r) => {
    const hits: Hit[] = [];
    for (const ref of containers(r, { init: opts.init })) {
      const why = bad(ref.c, r);
      if (!why) continue;
      const hit: Hit = { path: opts.at && sub(ref.c, opts.at) !== undefined ? `${ref.path}.${opts.at}` : ref.path, message: `container "${String(ref.c.name ?? '?')}": ${why}` };
      if (opts.at && opts.fix !== undefined) hit.fix = { path: `${ref.path}.${opts.at}`, value: opts.fix };
      hits.push(hit);
    }
    return hits;
  };
}

/** Fires when the pod spec field matches `bad`. */
export function podField(field: string, bad: (v: Value | undefined) => boolean, message: string, fix?: Value): CheckFn {
  return (r) => {
    const base = podSpecOf(r);
    if (!base) return [];
    const v = r.get(`${base}.${field}`);
    const path = `${base}.${field}`;
    return bad(v) ? [{ path, message, ...(fix !== undefined ? { fix: { path, value: fix } } : {}) }] : [];
  };
}

const flagMemo = new WeakMap<ResourceView, Map<string, Array<{ flags: Map<string, string>; path: string }>>>();

/** Command-line flags of containers running `binary` (kube-apiserver, kubelet, etcd…), parsed once per resource. */
export function componentFlags(r: ResourceView, binary: string): Array<{ flags: Map<string, string>; path: string }> {
  let byBin = flagMemo.get(r);
  if (!byBin) flagMemo.set(r, (byBin = new Map()));
  const hit = byBin.get(binary);
  if (hit) return hit;
  const found = parseComponentFlags(r, binary);
  byBin.set(binary, found);
  return found;
}

function parseComponentFlags(r: ResourceView, binary: string): Array<{ flags: Map<string, string>; path: string }> {
  const out: Array<{ flags: Map<string, string>; path: string }> = [];
  for (const ref of containers(r, { init: true })) {
    const cmd = asStrings(ref.c.command);
    const args = asStrings(ref.c.args);
    const words = [...cmd, ...args].flatMap((w) => w.split(/\s+/));
    if (!words.some((w) => w === binary || w.endsWith(`/${binary}`))) continue;
    const flags = new Map<string, string>();
    for (const w of words) {
      const m = /^--?([a-zA-Z0-9-]+)(?:=(.*))?$/.exec(w);
      if (m?.[1]) flags.set(m[1], m[2] ?? 'true');
    }
    const at = ref.c.command !== undefined ? `${ref.path}.command` : `${ref.path}.args`;
    out.push({ flags, path: at });
  }
  return out;
}

/** A rule over one component flag: `bad` sees the value (undefined when absent). */
export function flagCheck(binary: string, flag: string, bad: (v: string | undefined, flags: Map<string, string>) => boolean, message: string): CheckFn {
  return (r) => componentFlags(r, binary).filter((x) => bad(x.flags.get(flag), x.flags)).map((x) => ({ path: x.path, message }));
}

/**
 * Kubelet settings come as flags or as a KubeletConfiguration document. An absent flag keeps the kubelet default
 * and does not fire; an absent config field fires only when `configMissingFires`.
 */
export function kubeletCheck(flag: string, configPaths: string[], bad: (v: string | undefined) => boolean, message: string, configMissingFires = true): CheckFn {
  const flags = flagCheck('kubelet', flag, (v) => v !== undefined && bad(v), message);
  return (r, ctx) => {
    if (r.kind !== 'KubeletConfiguration') return flags(r, ctx);
    const path = configPaths.find((p) => r.get(p) !== undefined);
    const v = path ? r.get(path) : undefined;
    if (v === undefined) return configMissingFires && bad(undefined) ? [{ message }] : [];
    const text = Array.isArray(v) ? v.map(String).join(',') : String(v);
    return bad(text) ? [{ path, message }] : [];
  };
}

/** A pod running the given command line, as a fixture. */
export const componentPod = (binary: string, ...flags: string[]) =>
  k8sDocs({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: binary, namespace: 'kube-system' },
    spec: { containers: [{ name: binary, image: `registry.k8s.io/${binary}:v1.29.0`, command: [binary, ...flags] }] },
  });

export const kubeletConfig = (cfg: Record<string, unknown>) =>
  k8sDocs({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', ...cfg });

export const listHas = (v: string | undefined, item: string) => (v ?? '').split(',').map((s) => s.trim()).includes(item);
