import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import {
  applyBaseline,
  applyFixes,
  BUILTIN_RULES,
  createIacScanner,
  listIacFiles,
  loadCustomRules,
  readSources,
  registerBuiltinRules,
  rulesFromRegistry,
  scanConfigSchema,
  selectRules,
  SEVERITIES,
  severityRank,
  toJsonReport,
  toSarif,
  toText,
  PACKS,
  type CacheSnapshot,
  type Finding,
  type ParseError,
  type Rule,
  type SourceFile,
  type ScanResult,
  type Severity,
} from '../../iac/index.js';
import { scanParallel } from '../../iac/engine/parallel.js';
import { parseErrorFinding } from '../../iac/engine/scanner.js';
import { renderSources } from '../../iac/parsers/render.js';
import type { SarifOptions } from '../../iac/output/sarif.js';
import { isNeutralFix } from '../../iac/engine/fix.js';
import { unifiedDiff } from '../../iac/engine/diff.js';
import { createExtensionRegistries, loadExtensions } from '../../extensions/index.js';
import { AegisError, InputError } from '../../platform/errors.js';
import { silentLogger } from '../../platform/logger.js';
import type { CliContext, Command } from '../command.js';

type CommandArgs = Parameters<Command['run']>[0];

const FORMATS = ['text', 'json', 'sarif'] as const;

export const iacScan: Command = {
  words: ['iac', 'scan'],
  usage:
    'aegis iac scan <path> [--format text|json|sarif] [--output FILE] [--baseline report.json] [--severity-threshold high] [--config .aegis-iac.yaml] [--rules-dir DIR] [--pack NAME] [--workers N] [--cache FILE] [--fix|--fix-all [--dry-run]]',
  summary: 'Scan Terraform, CloudFormation and Kubernetes files; exit 1 when a finding reaches the threshold',
  options: {
    format: { type: 'string' },
    output: { type: 'string' },
    baseline: { type: 'string' },
    'severity-threshold': { type: 'string' },
    config: { type: 'string' },
    'rules-dir': { type: 'string' },
    pack: { type: 'string', multiple: true },
    quiet: { type: 'boolean' },
    workers: { type: 'string' },
    cache: { type: 'string' },
    fix: { type: 'boolean' },
    'fix-all': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'repo-root': { type: 'string' },
  },
  async run(args, ctx) {
    try {
      return await scan(args, ctx);
    } catch (err) {
      if (err instanceof AegisError) throw err;
      // Exit 1 means "findings"; anything the scanner itself could not do is 3, so CI never mistakes one for the other.
      ctx.err(`aegis: scanner failure: ${err instanceof Error ? err.message : String(err)}`);
      return 3;
    }
  },
};

async function scan({ values, positionals }: CommandArgs, ctx: CliContext): Promise<number> {
  const target = positionals[0];
  if (!target) throw new InputError('give the path to scan');
  const format = (values.format as string | undefined) ?? 'text';
  if (!FORMATS.includes(format as (typeof FORMATS)[number]))
    throw new InputError(`--format must be one of ${FORMATS.join(', ')}`);
  const threshold = (values['severity-threshold'] as string | undefined) ?? 'high';
  if (!SEVERITIES.includes(threshold as Severity))
    throw new InputError(`--severity-threshold must be one of ${SEVERITIES.join(', ')}`);
  const root = path.resolve(target);
  await stat(root).catch(() => {
    throw new InputError(`no such file or directory: ${root}`);
  });
  const configPath = (values.config as string | undefined) ?? path.join(root, '.aegis-iac.yaml');
  const configText = await readFile(configPath, 'utf8').catch(() => undefined);
  if (values.config && configText === undefined) throw new InputError(`cannot read --config ${configPath}`);
  const parsedConfig = scanConfigSchema.safeParse(configText ? (parse(configText) ?? {}) : {});
  if (!parsedConfig.success)
    throw new InputError(
      `${configPath}: ${parsedConfig.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const config = parsedConfig.data;
  if (values.pack) config.packs = values.pack as string[];
  const unknownPack = config.packs.find((p) => !PACKS.some((k) => k.id === p));
  if (unknownPack)
    throw new InputError(`unknown rule pack "${unknownPack}" (known: ${PACKS.map((k) => k.id).join(', ')})`);
  const rulesDir = (values['rules-dir'] as string | undefined) ?? config.rulesDir;
  const custom = rulesDir ? await loadCustomRules(path.resolve(rulesDir)) : [];
  // User modules (AEGIS_EXTENSIONS_DIR) may register rules too; those run in-process, not in workers.
  const moduleRules = await extensionRules(ctx.env.AEGIS_EXTENSIONS_DIR);
  const allRules = [...BUILTIN_RULES, ...moduleRules, ...custom];
  const rules = selectRules(allRules, config);

  const fixMode = Boolean(values.fix || values['fix-all']);
  const dryRun = Boolean(values['dry-run']);
  if (dryRun && !fixMode) throw new InputError('--dry-run goes with --fix or --fix-all');
  const started = performance.now();
  const progress = !values.quiet && (process.stderr.isTTY || format === 'text');
  const rels = await listIacFiles(root);
  const sources = await readSources(root, rels, (done, total) => {
    if (progress && total >= 200) ctx.err(`reading ${done}/${total} files`);
  });
  // Helm charts are rendered and Kustomize overlays built first; findings on their output point back at the sources.
  const prepared = (await stat(root)).isDirectory() ? await renderSources(root, sources) : undefined;
  const files = prepared?.files ?? sources;
  // A cache from an earlier run (same rules) turns a rescan into hashing plus the changed units.
  const cacheFile = values.cache as string | undefined;
  const snapshot = cacheFile ? await readSnapshot(cacheFile) : undefined;
  // Worker threads cost a start-up each; on 2 cores they only pay off on large trees (measured by bench:iac:speed).
  const workers =
    moduleRules.length || snapshot ? 1 : Number(values.workers ?? (files.length >= PARALLEL_MIN_FILES ? availableParallelism() : 1));
  if (!Number.isInteger(workers) || workers < 1) throw new InputError('--workers must be a positive integer');
  if (progress && files.length >= 200) ctx.err(`scanning ${files.length} files on ${workers} worker thread(s)…`);
  // Worker threads rebuild the rule set from the same config; large trees are spread over the cores.
  let cacheOut: CacheSnapshot | undefined;
  const scanner = workers > 1 ? undefined : await createIacScanner({ rules, knownRuleIds: allRules.map((r) => r.id) });
  if (scanner && snapshot && !scanner.importCache(snapshot) && progress)
    ctx.err('cache was written with other rules; scanning everything');
  const scanRaw = async (input: SourceFile[]): Promise<ScanResult> => {
    if (scanner) return scanner.scan(input);
    const res = await scanParallel(input, {
      workers,
      config: { ...config, rulesDir: rulesDir ? path.resolve(rulesDir) : undefined },
      withCache: Boolean(cacheFile),
    });
    cacheOut = res.cache;
    return res;
  };
  const scanAll = async (input: SourceFile[]): Promise<ScanResult> => {
    const res = await scanRaw(input);
    if (!prepared) return res;
    const problems = prepared.problems;
    return {
      ...res,
      findings: [...prepared.mapBack(res.findings), ...problems.map(parseErrorFinding)],
      suppressed: res.suppressed.map((x) => ({ ...x, finding: prepared.mapBack([x.finding])[0] ?? x.finding })),
      // A parse error in rendered Helm/Kustomize output belongs to the template it came from, like its finding.
      parseErrors: [...res.parseErrors.map((e) => renderedErrorSource(e, prepared)), ...problems],
      stats: { ...res.stats, parseErrors: res.stats.parseErrors + problems.length },
    };
  };
  let result = await scanAll(files);
  const seconds = (performance.now() - started) / 1000;
  let exitFindings: Finding[] | undefined;
  if (fixMode) {
    const base = (await stat(root)).isFile() ? path.dirname(root) : root;
    const outcome = await fixFiles(files, result, { all: Boolean(values['fix-all']), rescan: scanAll });
    if (dryRun) {
      // The diff is the output; the report describes the tree as it is, the exit code what would be left.
      for (const c of outcome.changed) ctx.out(unifiedDiff(c.path, c.before, c.after).trimEnd());
      exitFindings = outcome.after.findings;
    } else {
      for (const c of outcome.changed) await writeFile(path.join(base, c.path), c.after);
      // What is left is what a rescan of the fixed files finds, so the next run reports exactly this.
      result = outcome.after;
    }
    if (!values.quiet) ctx.err(fixSummary(outcome, dryRun));
  }
  if (scanner && cacheFile) cacheOut = scanner.exportCache();
  if (cacheFile && cacheOut) await writeFile(cacheFile, JSON.stringify(cacheOut));
  let findings = result.findings;
  let baselined = 0;
  if (values.baseline) {
    const base = JSON.parse(await readFile(values.baseline as string, 'utf8')) as { findings?: typeof findings };
    ({ kept: findings, baselined } = applyBaseline(findings, base));
  }
  const rendered =
    format === 'json'
      ? JSON.stringify(toJsonReport({ ...result, findings }), null, 2)
      : format === 'sarif'
        ? JSON.stringify(toSarif(findings, rules, await sarifLocation(root, values['repo-root'] as string | undefined)), null, 2)
        : toText(findings, { colour: Boolean(process.stdout.isTTY), suppressed: result.suppressed.length });
  // A suppression that is not honoured is never silent.
  for (const w of result.warnings) ctx.err(`warning: ${w.file}:${w.line}: ${w.message}`);
  if (values.output) await writeFile(values.output as string, rendered + '\n');
  else if (!dryRun) ctx.out(rendered);
  if (progress)
    ctx.err(
      `scanned ${result.stats.iacFiles} IaC files (${result.stats.resources} resources) in ${seconds.toFixed(2)} s, ${Math.round(files.length / Math.max(seconds, 1e-3))} files/s` +
        `${baselined ? `; ${baselined} findings in the baseline` : ''}; ${result.parseErrors.length} parse error(s)`,
    );
  const worst = (exitFindings ?? findings).reduce((m, f) => Math.max(m, severityRank(f.severity)), 0);
  return worst >= severityRank(threshold as Severity) ? 1 : 0;
}

/**
 * SARIF paths are relative to the repository root (`--repo-root`, else the git top level of the scanned path, else the
 * scanned folder), so GitHub code scanning finds the files whatever folder was scanned.
 */
async function sarifLocation(root: string, repoRootOption: string | undefined): Promise<SarifOptions> {
  const base = (await stat(root)).isFile() ? path.dirname(root) : root;
  const repoRoot = repoRootOption ? path.resolve(repoRootOption) : ((await gitTopLevel(base)) ?? base);
  const uriPrefix = path.relative(repoRoot, base);
  if (uriPrefix.startsWith('..') || path.isAbsolute(uriPrefix)) throw new InputError(`--repo-root ${repoRoot} does not contain ${base}`);
  return { repoRoot, uriPrefix: uriPrefix.split(path.sep).join('/'), informationUri: await projectHomepage() };
}

function gitTopLevel(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', '--show-toplevel'], { cwd: dir, timeout: 5000 }, (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined));
  });
}

/** The project's `homepage` from package.json, when it declares one (no placeholder otherwise). */
async function projectHomepage(): Promise<string | undefined> {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../package.json');
  const pkg = await readFile(file, 'utf8').then((t) => JSON.parse(t) as { homepage?: unknown }).catch(() => undefined);
  return typeof pkg?.homepage === 'string' && /^https:\/\//.test(pkg.homepage) ? pkg.homepage : undefined;
}

/** Below this many files one thread scans faster than workers on a 2-core machine (bench:iac:speed). */
export const PARALLEL_MIN_FILES = 2000;

interface FixOutcome {
  applied: Finding[];
  /** Fixes left out because they are opinionated hardening (`--fix-all` applies them). */
  held: Finding[];
  changed: Array<{ path: string; before: string; after: string }>;
  after: ScanResult;
}

/** Applies the machine fixes (behaviour-neutral ones unless `all`) in memory and rescans the result. */
async function fixFiles(
  files: SourceFile[],
  result: ScanResult,
  opts: { all: boolean; rescan: (files: SourceFile[]) => Promise<ScanResult> },
): Promise<FixOutcome> {
  const fixable = result.findings.filter((f) => f.fix);
  const wanted = opts.all ? fixable : fixable.filter(isNeutralFix);
  const { files: fixed, applied } = applyFixes(files, wanted);
  const changed = fixed.flatMap((f, i) => {
    const before = files[i]?.content ?? '';
    return f.content === before ? [] : [{ path: f.path, before, after: f.content }];
  });
  const after = changed.length ? await opts.rescan(fixed) : result;
  return { applied, held: fixable.filter((f) => !wanted.includes(f)), changed, after };
}

function fixSummary(o: FixOutcome, dryRun: boolean): string {
  const verb = dryRun ? 'would apply' : 'applied';
  const held = o.held.length ? `; ${o.held.length} hardening fix(es) left for --fix-all (${[...new Set(o.held.map((f) => f.ruleId))].join(', ')})` : '';
  return `${verb} ${o.applied.length} fix(es) in ${o.changed.length} file(s)${held}; ${o.after.findings.length} finding(s) ${dryRun ? 'would be ' : ''}left`;
}

/** Reads a cache written by an earlier `--cache` run; a missing or unreadable file means a cold scan. */
async function readSnapshot(file: string): Promise<CacheSnapshot | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    const data = JSON.parse(text) as CacheSnapshot;
    return Array.isArray(data.units) && Array.isArray(data.files) ? data : undefined;
  } catch {
    return undefined;
  }
}

async function extensionRules(dir: string | undefined): Promise<Rule[]> {
  if (!dir) return [];
  const registries = createExtensionRegistries();
  registerBuiltinRules(registries);
  await loadExtensions(dir, registries, silentLogger);
  const builtin = new Set(BUILTIN_RULES.map((r) => r.id));
  return rulesFromRegistry(registries).filter((r) => !builtin.has(r.id));
}

export const iacRules: Command = {
  words: ['iac', 'rules'],
  usage: 'aegis iac rules [--json]',
  summary: 'List the IaC rules with severity, category, frameworks, kinds and references',
  options: { json: { type: 'boolean' } },
  async run({ values }, ctx) {
    const rules = BUILTIN_RULES.map(({ check: _c, fixtures: _f, ...meta }) => meta);
    if (values.json) ctx.out(JSON.stringify({ count: rules.length, rules }, null, 2));
    else
      for (const r of rules)
        ctx.out(
          `${r.id.padEnd(58)} ${r.severity.padEnd(8)} ${r.category.padEnd(12)} ${r.frameworks.join(',')}  ${r.title}`,
        );
    return 0;
  },
};

/** Where a parse error in rendered output points once mapped back like the finding it becomes. */
function renderedErrorSource(e: ParseError, prepared: { mapBack(findings: Finding[]): Finding[] }): ParseError {
  const mapped = prepared.mapBack([parseErrorFinding(e)])[0];
  return mapped && mapped.file !== e.file ? { ...e, file: mapped.file, line: mapped.line } : e;
}
