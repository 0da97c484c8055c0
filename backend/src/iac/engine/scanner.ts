import { createHash } from 'node:crypto';
import path from 'node:path';
import { PARSE_RULE_ID, type Finding, type ParseError, type Resource, type SourceFile } from '../model.js';
import {
  classifyFile,
  createHclParser,
  evaluateRoot,
  localModuleDirs,
  parseCloudFormation,
  parseKubernetes,
  type HclFile,
  type HclParser,
  type TfDir,
} from '../parsers/index.js';
import type { Rule } from './rule.js';
import { indexRules, runRules, type RuleIndex, type RunResult } from './runner.js';
import { applyInline, inlineSuppressions } from './suppress.js';

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
  parseErrors: ParseError[];
  stats: ScanStats;
}

export interface IacScanner {
  readonly rules: Rule[];
  /** Scans in-memory files (paths relative to the scan root); caches by content hash across calls. */
  scan(files: SourceFile[]): ScanResult;
  /** Forgets cached results (e.g. after the rule set changed). */
  clearCache(): void;
}

interface UnitResult extends RunResult {
  resources: number;
  errors: ParseError[];
}

const sha = (s: string) => createHash('sha1').update(s).digest('hex');

export function parseErrorFinding(e: ParseError): Finding {
  return {
    ruleId: PARSE_RULE_ID,
    title: 'File could not be parsed',
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
    remediation: 'Fix the syntax error so the file can be checked.',
  };
}

export async function createIacScanner(opts: { rules: Rule[] }): Promise<IacScanner> {
  const hcl = await createHclParser();
  const index = indexRules(opts.rules);
  const hclCache = new Map<string, { file?: HclFile; error?: ParseError }>();
  const unitCache = new Map<string, UnitResult>();
  // Per path: the last content seen with its kind and hash; an unchanged string is not classified or hashed again.
  const seen = new Map<string, { content: string; kind: ReturnType<typeof classifyFile>; hash: string }>();
  // The Terraform result of the last scan and the file set it came from; reused while no .tf/.tfvars file changed.
  let lastTf: { signature: string; units: UnitResult[]; keys: string[] } | undefined;
  return {
    rules: opts.rules,
    clearCache() {
      hclCache.clear();
      unitCache.clear();
      seen.clear();
      lastTf = undefined;
    },
    scan(files) {
      const stats: ScanStats = { files: files.length, iacFiles: 0, resources: 0, units: 0, unitsEvaluated: 0, filesParsed: 0, parseErrors: 0 };
      const units: UnitResult[] = [];
      const tfFiles: Array<{ f: SourceFile; hash: string; kind: 'terraform' | 'tfvars' }> = [];
      const liveKeys = new Set<string>();
      let tfChanged = false;
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
        if (!kind) continue;
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
          unit = evaluateYamlUnit(f, kind, index);
          unitCache.set(key, unit);
        }
        units.push(unit);
      }
      if (tfFiles.length) {
        // Same files as last time (paths and contents): the Terraform units are reused without regrouping.
        const signature = tfChanged || !lastTf ? '' : `${tfFiles.length}|${tfFiles[0]?.f.path}|${tfFiles[tfFiles.length - 1]?.f.path}`;
        if (lastTf && signature && signature === lastTf.signature) {
          units.push(...lastTf.units);
          for (const k of lastTf.keys) liveKeys.add(k);
        } else {
          const before = new Set(liveKeys);
          const tfUnits = scanTerraform(tfFiles, hcl, hclCache, unitCache, index, stats, liveKeys);
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
      for (const u of units) {
        stats.units++;
        stats.resources += u.resources;
        findings.push(...u.findings, ...u.errors.map(parseErrorFinding));
        suppressed.push(...u.suppressed);
        parseErrors.push(...u.errors);
      }
      stats.parseErrors = parseErrors.length;
      return { findings, suppressed, parseErrors, stats };
    },
  };
}

function evaluateYamlUnit(f: SourceFile, kind: 'cloudformation' | 'kubernetes', index: RuleIndex): UnitResult {
  let parsed;
  try {
    parsed = kind === 'cloudformation' ? parseCloudFormation(f.path, f.content) : parseKubernetes(f.path, f.content);
  } catch (err) {
    parsed = { resources: [], errors: [{ file: f.path, line: 1, message: err instanceof Error ? err.message : String(err) }] };
  }
  const inline = inlineSuppressions(f.content);
  if (inline.length) applyInline(parsed.resources, new Map([[f.path, inline]]));
  return { ...runRules(parsed.resources, index), resources: parsed.resources.length, errors: parsed.errors.map((e) => ({ ...e, framework: kind })) };
}

function scanTerraform(
  tfFiles: Array<{ f: SourceFile; hash: string; kind: 'terraform' | 'tfvars' }>,
  hcl: HclParser,
  hclCache: Map<string, { file?: HclFile; error?: ParseError }>,
  unitCache: Map<string, UnitResult>,
  index: RuleIndex,
  stats: ScanStats,
  liveKeys: Set<string>,
): UnitResult[] {
  const dirs = new Map<string, TfDir>();
  const dirHashes = new Map<string, string[]>();
  const dirErrors = new Map<string, ParseError[]>();
  const contents = new Map<string, string>();
  for (const { f, hash } of tfFiles) {
    const key = `hcl|${f.path}|${hash}`;
    liveKeys.add(key);
    let parsed = hclCache.get(key);
    if (!parsed) {
      stats.filesParsed++;
      parsed = hcl.parse(f.path, f.content);
      hclCache.set(key, parsed);
    }
    const dir = path.posix.dirname(f.path.split(path.sep).join('/'));
    const d = dirs.get(dir) ?? { dir, files: [], tfvars: [] };
    dirs.set(dir, d);
    dirHashes.set(dir, [...(dirHashes.get(dir) ?? []), `${f.path}:${hash}`]);
    contents.set(f.path, f.content);
    if (parsed.error) dirErrors.set(dir, [...(dirErrors.get(dir) ?? []), parsed.error]);
    else if (parsed.file) (f.path.endsWith('.tfvars') ? d.tfvars : d.files).push(parsed.file);
  }
  for (const k of hclCache.keys()) if (k.startsWith('hcl|') && !liveKeys.has(k)) hclCache.delete(k);
  const modules = localModuleDirs(dirs);
  const out: UnitResult[] = [];
  for (const root of dirs.values()) {
    if (modules.has(root.dir)) {
      // A local module is evaluated through its callers; only its own parse errors are reported here.
      out.push({ findings: [], suppressed: [], resources: 0, errors: dirErrors.get(root.dir) ?? [] });
      continue;
    }
    const involved = moduleClosure(root, dirs);
    const key = `tf|${root.dir}|${sha(involved.flatMap((d) => dirHashes.get(d) ?? []).sort().join('\n'))}`;
    liveKeys.add(key);
    let unit = unitCache.get(key);
    if (!unit) {
      stats.unitsEvaluated++;
      const { resources, errors } = evaluateRoot(root, dirs);
      const inline = new Map<string, ReturnType<typeof inlineSuppressions>>();
      for (const d of involved) for (const f of dirs.get(d)?.files ?? []) inline.set(f.path, inlineSuppressions(contents.get(f.path) ?? ''));
      applyInline(resources, inline);
      unit = { ...runRules(resources, index), resources: resources.length, errors: [...(dirErrors.get(root.dir) ?? []), ...errors] };
      unitCache.set(key, unit);
    }
    out.push(unit);
  }
  return out;
}

/** The root directory plus every local module directory it reaches. */
function moduleClosure(root: TfDir, dirs: Map<string, TfDir>): string[] {
  const seen = new Set<string>([root.dir]);
  const queue = [root];
  while (queue.length) {
    const d = queue.pop();
    if (!d) break;
    for (const f of d.files)
      for (const b of f.blocks) {
        if (b.type !== 'module') continue;
        const src = b.attrs.find((a) => a.name === 'source');
        if (!src || src.expr.t !== 'lit' || typeof src.expr.v !== 'string') continue;
        const child = dirs.get(path.posix.join(d.dir, src.expr.v));
        if (child && !seen.has(child.dir)) {
          seen.add(child.dir);
          queue.push(child);
        }
      }
  }
  return [...seen];
}

export type { Resource };
