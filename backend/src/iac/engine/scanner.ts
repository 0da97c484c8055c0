import { createHash } from 'node:crypto';
import path from 'node:path';
import {
  PARSE_RULE_ID,
  type Finding,
  type Framework,
  type ParseError,
  type Resource,
  type SourceFile,
} from '../model.js';
import {
  classifyFile,
  createHclParser,
  evaluateRoot,
  isLocalSource,
  localModuleDir,
  parseCloudFormation,
  parseKubernetes,
  type HclFile,
  type HclParser,
  type TfDir,
} from '../parsers/index.js';
import type { Rule } from './rule.js';
import { indexRules, runRules, type RuleIndex, type RunResult } from './runner.js';
import {
  applyInline,
  inlineSuppressions,
  resolveSuppressions,
  suppressionCatalog,
  type ScanWarning,
  type SuppressionCatalog,
} from './suppress.js';

export interface ScanStats {
  files: number;
  iacFiles: number;
  resources: number;
  units: number;
  /** Units (a YAML file, a Terraform root with its modules) evaluated in this scan rather than served from cache. */
  unitsEvaluated: number;
  filesParsed: number;
  parseErrors: number;
}

export interface ScanResult {
  findings: Finding[];
  suppressed: Array<{ finding: Finding; reason: string }>;
  /** Suppressions that were not honoured (no reason, unknown rule, no equivalent of another tool's id), and Terraform JSON files not checked. */
  warnings: ScanWarning[];
  parseErrors: ParseError[];
  stats: ScanStats;
}

export interface IacScanner {
  readonly rules: Rule[];
  /** Scans in-memory files (paths relative to the scan root); caches by content hash across calls. */
  scan(files: SourceFile[]): ScanResult;
  /** Forgets cached results (e.g. after the rule set changed). */
  clearCache(): void;
  /** The cache as plain data, to persist between runs (the CLI's `--cache`). */
  exportCache(): CacheSnapshot;
  /** Restores a snapshot taken with the same rules; returns false (and ignores it) otherwise. */
  importCache(snapshot: CacheSnapshot): boolean;
}

const CACHE_VERSION = 3;

export interface CacheSnapshot {
  version: number;
  /** Hash of the rule ids and severities the results were computed with. */
  rules: string;
  units: Array<[string, UnitResult]>;
  files: Array<[string, TfFileMeta]>;
}

export interface UnitResult extends RunResult {
  resources: number;
  errors: ParseError[];
  warnings: ScanWarning[];
}

const sha = (s: string) => createHash('sha1').update(s).digest('hex');

/** Terraform loads these JSON files as configuration or variable values; Aegis does not parse them, so it says so. */
const TERRAFORM_JSON = /\.tf\.json$|(^|\/)terraform\.tfvars\.json$|\.auto\.tfvars\.json$/i;
const TERRAFORM_JSON_WARNING =
  'Terraform JSON configuration is not checked (only .tf files are); its resources and values are not scanned';

export function parseErrorFinding(e: ParseError): Finding {
  return {
    ruleId: PARSE_RULE_ID,
    title: 'File could not be parsed or evaluated',
    severity: 'medium',
    category: 'reliability',
    framework: e.framework ?? (e.file.endsWith('.tf') || e.file.endsWith('.tfvars') ? 'terraform' : 'kubernetes'),
    file: e.file,
    line: e.line,
    endLine: e.line,
    resource: e.file,
    kind: 'file',
    resourceLine: e.line,
    resourceEndLine: e.line,
    message: e.message,
    remediation: 'Fix the error so the file can be checked.',
  };
}

/**
 * @param opts.knownRuleIds rule ids a suppression may name beyond `rules` (rules of the catalog not selected for this
 *   scan), so a suppression is called unknown only when no rule has that id
 */
export async function createIacScanner(opts: { rules: Rule[]; knownRuleIds?: Iterable<string> }): Promise<IacScanner> {
  const hcl = await createHclParser();
  const index = indexRules(opts.rules);
  const suppressions = suppressionCatalog(opts.rules, opts.knownRuleIds);
  const hclCache = new Map<string, { file?: HclFile; error?: ParseError }>();
  const fileMeta = new Map<string, TfFileMeta>();
  const unitCache = new Map<string, UnitResult>();
  const rulesKey = sha(
    opts.rules
      .map((r) => `${r.id}:${r.severity}`)
      .sort()
      .join(','),
  );
  // Per path: the last content seen with its kind and hash; an unchanged string is not classified or hashed again.
  const seen = new Map<string, { content: string; kind: ReturnType<typeof classifyFile>; hash: string }>();
  // The Terraform result of the last scan and the file set it came from; reused while no .tf/.tfvars file changed.
  let lastTf: { signature: string; units: UnitResult[]; keys: string[] } | undefined;
  return {
    rules: opts.rules,
    exportCache() {
      return { version: CACHE_VERSION, rules: rulesKey, units: [...unitCache], files: [...fileMeta] };
    },
    importCache(snapshot) {
      if (snapshot.version !== CACHE_VERSION || snapshot.rules !== rulesKey) return false;
      for (const [k, v] of snapshot.units) unitCache.set(k, v);
      for (const [k, v] of snapshot.files) fileMeta.set(k, v);
      lastTf = undefined;
      return true;
    },
    clearCache() {
      hclCache.clear();
      fileMeta.clear();
      unitCache.clear();
      seen.clear();
      lastTf = undefined;
    },
    scan(files) {
      const stats: ScanStats = {
        files: files.length,
        iacFiles: 0,
        resources: 0,
        units: 0,
        unitsEvaluated: 0,
        filesParsed: 0,
        parseErrors: 0,
      };
      const units: UnitResult[] = [];
      const tfFiles: Array<{ f: SourceFile; hash: string; kind: 'terraform' | 'tfvars' }> = [];
      const liveKeys = new Set<string>();
      let tfChanged = false;
      const notChecked: ScanWarning[] = [];
      for (const f of files) {
        const prev = seen.get(f.path);
        let kind: ReturnType<typeof classifyFile>;
        let hash: string;
        if (prev && prev.content === f.content) ({ kind, hash } = prev);
        else {
          kind = classifyFile(f.path, f.content);
          hash = kind ? sha(f.content) : '';
          seen.set(f.path, { content: f.content, kind, hash });
          if (kind === 'terraform' || kind === 'tfvars') tfChanged = true;
        }
        if (!kind) {
          if (TERRAFORM_JSON.test(f.path)) notChecked.push({ file: f.path, line: 1, message: TERRAFORM_JSON_WARNING });
          continue;
        }
        stats.iacFiles++;
        if (kind === 'terraform' || kind === 'tfvars') {
          tfFiles.push({ f, hash, kind });
          continue;
        }
        const key = `${kind}|${f.path}|${hash}`;
        liveKeys.add(key);
        let unit = unitCache.get(key);
        if (!unit) {
          stats.unitsEvaluated++;
          stats.filesParsed++;
          unit = guarded(f.path, kind, () => evaluateYamlUnit(f, kind, index, suppressions));
          unitCache.set(key, unit);
        }
        units.push(unit);
      }
      if (tfFiles.length) {
        // Same files as last time (paths and contents): the Terraform units are reused without regrouping.
        const signature =
          tfChanged || !lastTf ? '' : `${tfFiles.length}|${tfFiles[0]?.f.path}|${tfFiles[tfFiles.length - 1]?.f.path}`;
        if (lastTf && signature && signature === lastTf.signature) {
          units.push(...lastTf.units);
          for (const k of lastTf.keys) liveKeys.add(k);
        } else {
          const before = new Set(liveKeys);
          const tfUnits = scanTerraform(
            tfFiles,
            { hcl, hclCache, fileMeta, unitCache, suppressions },
            index,
            stats,
            liveKeys,
          );
          units.push(...tfUnits);
          lastTf = {
            signature: `${tfFiles.length}|${tfFiles[0]?.f.path}|${tfFiles[tfFiles.length - 1]?.f.path}`,
            units: tfUnits,
            keys: [...liveKeys].filter((k) => !before.has(k)),
          };
        }
      } else lastTf = undefined;
      if (seen.size > files.length) {
        const current = new Set(files.map((f) => f.path));
        for (const p of seen.keys()) if (!current.has(p)) seen.delete(p);
      }
      for (const k of unitCache.keys()) if (!liveKeys.has(k)) unitCache.delete(k);
      const findings: Finding[] = [];
      const suppressed: ScanResult['suppressed'] = [];
      const parseErrors: ParseError[] = [];
      const warnings: ScanWarning[] = [...notChecked];
      for (const u of units) {
        stats.units++;
        stats.resources += u.resources;
        findings.push(...u.findings, ...u.errors.map(parseErrorFinding));
        suppressed.push(...u.suppressed);
        parseErrors.push(...u.errors);
        warnings.push(...u.warnings);
      }
      stats.parseErrors = parseErrors.length;
      return { findings, suppressed, warnings, parseErrors, stats };
    },
  };
}

/** One unit that fails in a way nobody foresaw becomes a finding for that unit; the scan goes on. */
function guarded(file: string, framework: Framework, evaluateUnit: () => UnitResult): UnitResult {
  try {
    return evaluateUnit();
  } catch (err) {
    const what = framework === 'terraform' ? 'module' : 'file';
    const message = `Aegis could not evaluate this ${what}: ${err instanceof Error ? err.message : String(err)}`;
    return {
      findings: [],
      suppressed: [],
      warnings: [],
      resources: 0,
      errors: [{ file, line: 1, message, framework }],
    };
  }
}

function evaluateYamlUnit(
  f: SourceFile,
  kind: 'cloudformation' | 'kubernetes',
  index: RuleIndex,
  suppressions: SuppressionCatalog,
): UnitResult {
  let parsed;
  try {
    parsed = kind === 'cloudformation' ? parseCloudFormation(f.path, f.content) : parseKubernetes(f.path, f.content);
  } catch (err) {
    parsed = {
      resources: [],
      errors: [{ file: f.path, line: 1, message: err instanceof Error ? err.message : String(err) }],
    };
  }
  const inline = inlineSuppressions(f.content);
  if (inline.length) applyInline(parsed.resources, new Map([[f.path, inline]]));
  const warnings = resolveSuppressions(parsed.resources, suppressions);
  return {
    ...runRules(parsed.resources, index),
    warnings,
    resources: parsed.resources.length,
    errors: parsed.errors.map((e) => ({ ...e, framework: kind })),
  };
}

/** What a rescan needs from a Terraform file without parsing it again: its local module sources and parse error. */
export interface TfFileMeta {
  sources: string[];
  error?: ParseError;
}

interface TfCaches {
  hcl: HclParser;
  hclCache: Map<string, { file?: HclFile; error?: ParseError }>;
  fileMeta: Map<string, TfFileMeta>;
  unitCache: Map<string, UnitResult>;
  suppressions: SuppressionCatalog;
}

function metaOf(parsed: { file?: HclFile; error?: ParseError }): TfFileMeta {
  const sources: string[] = [];
  for (const b of parsed.file?.blocks ?? []) {
    if (b.type !== 'module') continue;
    const src = b.attrs.find((a) => a.name === 'source');
    if (src && src.expr.t === 'lit' && typeof src.expr.v === 'string' && isLocalSource(src.expr.v))
      sources.push(src.expr.v);
  }
  return parsed.error ? { sources, error: parsed.error } : { sources };
}

/**
 * Folders evaluated only through their callers: those called by another folder that some root (a folder nobody
 * calls) reaches. Folders that call each other in a cycle no root reaches are evaluated as roots, never dropped.
 */
function calledOnlyFromRoots(dirs: string[], children: (dir: string) => string[]): Set<string> {
  const called = new Set(dirs.flatMap(children));
  const reached = new Set<string>();
  const queue = dirs.filter((d) => !called.has(d));
  while (queue.length) {
    const d = queue.shift() as string;
    for (const c of children(d)) {
      if (reached.has(c)) continue;
      reached.add(c);
      queue.push(c);
    }
  }
  return new Set([...called].filter((d) => reached.has(d)));
}
/**
 * Terraform units: each root directory with the local modules it reaches. Files are parsed only when a unit is not
 * cached; the module graph comes from per-file metadata, so a warm (or restored) cache parses nothing.
 */
function scanTerraform(
  tfFiles: Array<{ f: SourceFile; hash: string; kind: 'terraform' | 'tfvars' }>,
  caches: TfCaches,
  index: RuleIndex,
  stats: ScanStats,
  liveKeys: Set<string>,
): UnitResult[] {
  const parse = (f: SourceFile, key: string) => {
    let parsed = caches.hclCache.get(key);
    if (!parsed) {
      stats.filesParsed++;
      parsed = caches.hcl.parse(f.path, f.content);
      caches.hclCache.set(key, parsed);
      caches.fileMeta.set(key, metaOf(parsed));
    }
    return parsed;
  };
  const byDir = new Map<string, Array<{ f: SourceFile; key: string; hash: string; meta: TfFileMeta }>>();
  for (const { f, hash } of tfFiles) {
    const key = `hcl|${f.path}|${hash}`;
    liveKeys.add(key);
    let meta = caches.fileMeta.get(key);
    if (!meta) {
      parse(f, key);
      meta = caches.fileMeta.get(key) ?? { sources: [] };
    }
    const dir = path.posix.dirname(f.path.split(path.sep).join('/'));
    const list = byDir.get(dir);
    if (list) list.push({ f, key, hash, meta });
    else byDir.set(dir, [{ f, key, hash, meta }]);
  }
  for (const k of caches.hclCache.keys()) if (!liveKeys.has(k)) caches.hclCache.delete(k);
  for (const k of caches.fileMeta.keys()) if (!liveKeys.has(k)) caches.fileMeta.delete(k);

  // A module calling its own folder (`source = "./"`) does not make that folder a module of something else.
  const children = (dir: string) =>
    (byDir.get(dir) ?? [])
      .flatMap((x) => x.meta.sources.map((s) => localModuleDir(dir, s)))
      .filter((d) => d !== dir && byDir.has(d));
  const modules = calledOnlyFromRoots([...byDir.keys()], children);
  const errorsOf = (dir: string) => (byDir.get(dir) ?? []).flatMap((x) => (x.meta.error ? [x.meta.error] : []));
  const dirSig = new Map<string, string>();
  const sigOf = (d: string) => {
    let sig = dirSig.get(d);
    if (sig === undefined) {
      sig = (byDir.get(d) ?? [])
        .map((x) => `${x.f.path}:${x.hash}`)
        .sort()
        .join('\n');
      dirSig.set(d, sig);
    }
    return sig;
  };
  const out: UnitResult[] = [];
  for (const dir of byDir.keys()) {
    if (modules.has(dir)) {
      // A local module is evaluated through its callers; only its own parse errors are reported here.
      out.push({ findings: [], suppressed: [], warnings: [], resources: 0, errors: errorsOf(dir) });
      continue;
    }
    const involved = closure(dir, children);
    const key = `tf|${dir}|${sha(involved.map(sigOf).sort().join('\n'))}`;
    liveKeys.add(key);
    let unit = caches.unitCache.get(key);
    if (!unit) {
      stats.unitsEvaluated++;
      const dirs = new Map<string, TfDir>();
      const inline = new Map<string, ReturnType<typeof inlineSuppressions>>();
      for (const d of involved) {
        const tfDir: TfDir = { dir: d, files: [], tfvars: [] };
        for (const x of byDir.get(d) ?? []) {
          const parsed = parse(x.f, x.key);
          if (parsed.file) (x.f.path.endsWith('.tfvars') ? tfDir.tfvars : tfDir.files).push(parsed.file);
          inline.set(x.f.path, inlineSuppressions(x.f.content));
        }
        dirs.set(d, tfDir);
      }
      const root = dirs.get(dir) ?? { dir, files: [], tfvars: [] };
      unit = guarded(root.files[0]?.path ?? `${dir}/main.tf`, 'terraform', () => {
        const { resources, errors } = evaluateRoot(root, dirs);
        applyInline(resources, inline);
        const warnings = resolveSuppressions(resources, caches.suppressions);
        return {
          ...runRules(resources, index),
          warnings,
          resources: resources.length,
          errors: [...errorsOf(dir), ...errors],
        };
      });
      caches.unitCache.set(key, unit);
    }
    out.push(unit);
  }
  return out;
}

/** The root directory plus every local module directory it reaches. */
function closure(root: string, children: (dir: string) => string[]): string[] {
  const seen = new Set<string>([root]);
  const queue = [root];
  while (queue.length) {
    const d = queue.pop();
    if (d === undefined) break;
    for (const c of children(d)) {
      if (!seen.has(c)) {
        seen.add(c);
        queue.push(c);
      }
    }
  }
  return [...seen];
}

export type { Resource };
