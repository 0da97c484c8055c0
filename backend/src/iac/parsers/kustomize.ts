import { execFile } from 'node:child_process';
import path from 'node:path';
import { parse } from 'yaml';
import { isObject, type Finding, type ParseError, type SourceFile, type Value } from '../model.js';
import { parseKubernetes } from './kubernetes.js';
import { toolFailure } from './tool-error.js';

const KUSTOMIZATION = /(^|\/)(kustomization\.ya?ml|Kustomization)$/;

/** Builds one overlay directory (absolute path) into multi-document YAML; rejects with the tool's message. */
export type KustomizeBuild = (dir: string) => Promise<string>;

/** `kubectl kustomize` (kubectl ships Kustomize), else the standalone `kustomize build`. */
export const kubectlKustomize: KustomizeBuild = (dir) =>
  run('kubectl', ['kustomize', dir]).catch((err: Error) =>
    /ENOENT/.test(err.message) ? run('kustomize', ['build', dir]) : Promise.reject(err),
  );

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(toolFailure(stderr, err.message)), { code: (err as NodeJS.ErrnoException).code }));
      else resolve(stdout);
    });
  });
}

interface Kustomization {
  dir: string;
  file: string;
  /** Directories and files it builds on (`resources`, `bases`, `components`), relative to the scan root. */
  resources: string[];
  patches: string[];
}

/** A built overlay: the virtual file scanned in place of its sources, and how to send its findings back to them. */
export interface RenderedOverlay {
  virtual: SourceFile;
  kustomization: string;
  /** Source files the overlay is made of (its base manifests first, then its patches). */
  sources: string[];
  patches: string[];
}

export interface KustomizePlan {
  /** The files to scan: sources consumed by a built overlay are replaced by the overlay's output. */
  files: SourceFile[];
  overlays: RenderedOverlay[];
  /** Findings for overlays that could not be built. */
  problems: ParseError[];
}

/**
 * Builds every top-level Kustomize overlay under the scan root (bases used by another kustomization are built through
 * it), so patches are checked as part of the object they patch, never as standalone objects.
 */
export async function planKustomize(root: string, files: SourceFile[], build: KustomizeBuild = kubectlKustomize): Promise<KustomizePlan> {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const ks = files.filter((f) => KUSTOMIZATION.test(f.path)).map((f) => readKustomization(f, byPath));
  if (!ks.length) return { files, overlays: [], problems: [] };
  const byDir = new Map(ks.map((k) => [k.dir, k]));
  const usedAsBase = new Set(ks.flatMap((k) => k.resources.filter((r) => byDir.has(r))));
  const consumed = new Set<string>();
  const overlays: RenderedOverlay[] = [];
  const problems: ParseError[] = [];
  for (const k of ks) {
    // Patches are partial objects: never scanned alone, whether or not the overlay builds.
    for (const p of k.patches) consumed.add(p);
    if (usedAsBase.has(k.dir)) continue;
    const sources = sourcesOf(k, byDir, byPath);
    try {
      const output = await build(path.join(root, k.dir));
      for (const s of [...sources.manifests, ...sources.patches]) consumed.add(s);
      overlays.push({
        virtual: { path: `${k.dir === '.' ? '' : `${k.dir}/`}kustomize-build.aegis.yaml`, content: output },
        kustomization: k.file,
        sources: sources.manifests,
        patches: sources.patches,
      });
    } catch (err) {
      problems.push({ file: k.file, line: 1, message: `Kustomize overlay ${k.dir} could not be built (${err instanceof Error ? err.message : String(err)}); its patches were not checked`, framework: 'kubernetes' });
    }
  }
  return { files: [...files.filter((f) => !consumed.has(f.path)), ...overlays.map((o) => o.virtual)], overlays, problems };
}

function readKustomization(f: SourceFile, byPath: Map<string, SourceFile>): Kustomization {
  const dir = path.posix.dirname(f.path);
  let doc: Record<string, unknown> = {};
  try {
    const parsed: unknown = parse(f.content);
    if (parsed && typeof parsed === 'object') doc = parsed as Record<string, unknown>;
  } catch {
    // An unreadable kustomization is left to the build, which reports it.
  }
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  const local = (p: unknown) => (typeof p === 'string' && !/^[a-z]+:\/\/|^github\.com\//i.test(p) ? [path.posix.normalize(path.posix.join(dir, p)).replace(/\/+$/, '')] : []);
  const resources = [...list(doc.resources), ...list(doc.bases), ...list(doc.components)].flatMap(local);
  const patchPaths = [
    ...list(doc.patchesStrategicMerge).flatMap(local),
    ...[...list(doc.patches), ...list(doc.patchesJson6902)].flatMap((p) => (p && typeof p === 'object' ? local((p as { path?: unknown }).path) : [])),
  ].filter((p) => byPath.has(p));
  return { dir, file: f.path, resources, patches: patchPaths };
}

/** Every manifest and patch an overlay is built from, through its bases. */
function sourcesOf(k: Kustomization, byDir: Map<string, Kustomization>, byPath: Map<string, SourceFile>, seen = new Set<string>()): { manifests: string[]; patches: string[] } {
  const manifests: string[] = [];
  const patches = [...k.patches];
  seen.add(k.dir);
  for (const r of k.resources) {
    const base = byDir.get(r);
    if (base && !seen.has(base.dir)) {
      const inner = sourcesOf(base, byDir, byPath, seen);
      manifests.push(...inner.manifests);
      patches.push(...inner.patches);
    } else if (byPath.has(r)) manifests.push(r);
  }
  return { manifests, patches };
}

/**
 * Sends findings on a built overlay back to the source that holds the offending setting: the patch that set it, else
 * the base manifest, matched by kind and by the name before namePrefix/nameSuffix.
 */
export function mapOverlayFindings(findings: Finding[], plan: KustomizePlan, files: SourceFile[]): Finding[] {
  if (!plan.overlays.length) return findings;
  const content = new Map(files.map((f) => [f.path, f.content]));
  const parsed = new Map<string, ReturnType<typeof parseKubernetes>['resources']>();
  const resourcesOf = (p: string) => {
    let list = parsed.get(p);
    if (!list) {
      list = parseKubernetes(p, content.get(p) ?? '').resources;
      parsed.set(p, list);
    }
    return list;
  };
  const byVirtual = new Map(plan.overlays.map((o) => [o.virtual.path, o]));
  return findings.map((f) => {
    const overlay = byVirtual.get(f.file);
    if (!overlay) return f;
    const builtName = f.resource.split('/').pop() ?? '';
    const candidates = [...overlay.patches.map((p) => ({ p, patch: true })), ...overlay.sources.map((p) => ({ p, patch: false }))]
      .flatMap(({ p, patch }) => resourcesOf(p).filter((r) => r.kind === f.kind && r.name !== '' && builtName.includes(r.name)).map((r) => ({ r, patch })));
    let best: { r: (typeof candidates)[number]['r']; depth: number; patch: boolean; writes: boolean } | undefined;
    const segments = (f.at ?? '').split('.').filter(Boolean);
    for (const c of candidates) {
      let depth = segments.length;
      while (depth > 0 && !c.r.pos.has(segments.slice(0, depth).join('.'))) depth--;
      // On a tie the patch wins only when it writes the value itself; an object or a missing setting belongs to the base.
      const writes = c.patch && depth === segments.length && isScalar(valueAt(c.r.attrs, segments));
      if (!best || depth > best.depth || (depth === best.depth && (writes || (!c.patch && best.patch && !best.writes))))
        best = { r: c.r, depth, patch: c.patch, writes };
    }
    if (!best) return { ...f, file: overlay.kustomization, line: 1, endLine: 1, resourceLine: 1, resourceEndLine: 1, message: `${f.message} (in the output of ${overlay.kustomization})` };
    const span = best.depth ? best.r.pos.get(segments.slice(0, best.depth).join('.')) : undefined;
    const at = span ?? best.r.span;
    return { ...f, file: best.r.file, line: at.line, endLine: at.endLine, resourceLine: best.r.span.line, resourceEndLine: best.r.span.endLine };
  });
}

function valueAt(v: Value | undefined, segments: string[]): Value | undefined {
  let cur = v;
  for (const s of segments) cur = Array.isArray(cur) ? cur[Number(s)] : isObject(cur) ? cur[s] : undefined;
  return cur;
}

const isScalar = (v: Value | undefined) => v !== undefined && (v === null || typeof v !== 'object');
