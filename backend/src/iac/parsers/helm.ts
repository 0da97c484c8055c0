import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { execute, parseTemplate, TemplateError } from './gotemplate.js';
import { toolFailure } from './tool-error.js';
import type { Finding, ParseError, SourceFile } from '../model.js';

/** A rendered chart: multi-document YAML with `# Source: <chart>/templates/…` markers, and the templates that failed. */
export interface ChartRender {
  output: string;
  /** Templates (chart-relative, `templates/x.yaml`) that did not render; the rest of the chart is in `output`. */
  failed: Array<{ template: string; message: string }>;
}

/** Renders one chart directory (absolute path). */
export type HelmRender = (chartDir: string) => Promise<ChartRender>;

/** `helm template` with the chart's own values when helm is installed, else the built-in Go-template renderer. */
export const helmTemplate: HelmRender = (chartDir) =>
  new Promise<ChartRender>((resolve, reject) => {
    execFile('helm', ['template', 'release', chartDir], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(new Error(toolFailure(stderr, err.message)), { code: (err as NodeJS.ErrnoException).code }));
      else resolve({ output: stdout, failed: [] });
    });
  }).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? renderChartTemplates(chartDir) : Promise.reject(err)));

/** The whole chart or an error naming its first failing template, like `helm template`. */
export async function renderChart(chartDir: string): Promise<string> {
  const { output, failed } = await renderChartTemplates(chartDir);
  if (failed[0]) throw new TemplateError(failed[0].message);
  return output;
}

/**
 * Renders a chart like `helm template release <chart>` with the chart's values.yaml (no subcharts, no lookups):
 * one `# Source:` document per template, as helm prints them. Unlike helm, a template that fails does not take the
 * others down with it: they are still rendered, so they are still checked.
 */
export async function renderChartTemplates(chartDir: string): Promise<ChartRender> {
  const chart = (parse(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
  const values = (parse(await readFile(path.join(chartDir, 'values.yaml'), 'utf8').catch(() => '')) ?? {}) as Record<string, unknown>;
  const dir = path.join(chartDir, 'templates');
  const names = (await readdir(dir, { recursive: true })).map(String).filter((n) => /\.(ya?ml|tpl)$/.test(n)).sort();
  const sources = await Promise.all(names.map(async (n) => ({ n, text: await readFile(path.join(dir, n), 'utf8') })));
  const defines = new Map();
  // Helpers first: every template can include what any `_*.tpl` (or any other template) defines.
  const parsed = sources.map(({ n, text }) => ({ n, t: parseTemplate(text, defines) }));
  const name = String(chart.name ?? path.basename(chartDir));
  const capitalised = Object.fromEntries(Object.entries(chart).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), v]));
  const docs: string[] = [];
  const failed: ChartRender['failed'] = [];
  for (const { n, t } of parsed) {
    if (path.basename(n).startsWith('_') || !/\.ya?ml$/.test(n)) continue;
    const data = {
      Values: values,
      Chart: capitalised,
      Release: { Name: 'release', Namespace: 'default', Service: 'Helm', IsInstall: true, IsUpgrade: false, Revision: 1 },
      Capabilities: { KubeVersion: { Version: 'v1.30.0', Major: '1', Minor: '30', GitVersion: 'v1.30.0' }, APIVersions: { Has: () => true } },
      Template: { Name: `${name}/templates/${n}`, BasePath: `${name}/templates` },
      Files: { Get: () => '', Glob: () => ({}), AsConfig: () => '', AsSecrets: () => '' },
    };
    try {
      const out = executeNamed(t, data, data.Template.Name);
      if (out.trim()) docs.push(`---\n# Source: ${name}/templates/${n}\n${out.replace(/^\s*---\s*\n/, '')}`);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      failed.push({ template: `templates/${n}`, message: err.message });
    }
  }
  return { output: docs.join('\n'), failed };
}

/** Runs one template; an error names the template, like helm's `template: <chart>/templates/x.yaml: …`. */
function executeNamed(t: Parameters<typeof execute>[0], data: unknown, name: string): string {
  try {
    return execute(t, data);
  } catch (err) {
    if (err instanceof TemplateError) throw new TemplateError(`${name}: ${err.message}`);
    throw err;
  }
}

export interface RenderedChart {
  chart: string;
  virtual: SourceFile;
  /** Rendered line → the template file the document came from (scan-root relative). */
  origins: Array<{ fromLine: number; toLine: number; template: string }>;
}

export interface HelmPlan {
  files: SourceFile[];
  charts: RenderedChart[];
  problems: ParseError[];
}

/**
 * Renders every Helm chart (a folder with Chart.yaml) under the scan root and scans the output instead of the raw
 * templates, which are not YAML until rendered; a chart that cannot be rendered is one finding, not a parse error per
 * template.
 */
export async function planHelm(root: string, files: SourceFile[], render: HelmRender = helmTemplate): Promise<HelmPlan> {
  const charts = files.filter((f) => /(^|\/)Chart\.ya?ml$/.test(f.path)).map((f) => path.posix.dirname(f.path));
  if (!charts.length) return { files, charts: [], problems: [] };
  const inChart = (p: string, c: string) => c === '.' || p.startsWith(`${c}/`);
  // Templates of a chart and of its bundled subcharts go through the rendering of the outermost chart.
  const top = charts.filter((c) => !charts.some((o) => o !== c && inChart(c, o)));
  const isTemplate = (p: string) => top.some((c) => inChart(p, c) && /(^|\/)(templates|charts)\//.test(p.slice(c === '.' ? 0 : c.length + 1)));
  const rendered: RenderedChart[] = [];
  const problems: ParseError[] = [];
  for (const chart of top) {
    const templates = files.filter((f) => inChart(f.path, chart) && isTemplate(f.path)).length;
    try {
      const { output, failed } = await render(path.join(root, chart));
      rendered.push({ chart, virtual: { path: `${chart === '.' ? '' : `${chart}/`}helm-template.aegis.yaml`, content: output }, origins: origins(output, chart) });
      for (const f of failed) {
        problems.push({ file: chart === '.' ? f.template : `${chart}/${f.template}`, line: 1, message: `Helm template ${f.template} of chart ${chart} was not rendered (${f.message}); it was not checked, the rest of the chart was`, framework: 'kubernetes' });
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      problems.push({ file: chart === '.' ? 'Chart.yaml' : `${chart}/Chart.yaml`, line: 1, message: `Helm chart ${chart} was not rendered (${why}); its ${templates} template file(s) were not checked`, framework: 'kubernetes' });
    }
  }
  return { files: [...files.filter((f) => !isTemplate(f.path)), ...rendered.map((r) => r.virtual)], charts: rendered, problems };
}

/** Splits `helm template` output at its `# Source: <chart name>/templates/x.yaml` markers. */
function origins(output: string, chartDir: string): RenderedChart['origins'] {
  const lines = output.split('\n');
  const out: RenderedChart['origins'] = [];
  lines.forEach((line, i) => {
    const m = /^# Source: [^/]+\/(.+)$/.exec(line.trim());
    if (!m?.[1]) return;
    const last = out[out.length - 1];
    if (last) last.toLine = i;
    out.push({ fromLine: i + 1, toLine: lines.length, template: chartDir === '.' ? m[1] : `${chartDir}/${m[1]}` });
  });
  return out;
}

/** Sends findings on rendered output to the template they came from, at the line of the setting's key when it is written literally. */
export function mapChartFindings(findings: Finding[], plan: HelmPlan, files: SourceFile[]): Finding[] {
  if (!plan.charts.length) return findings;
  const content = new Map(files.map((f) => [f.path, f.content]));
  const byVirtual = new Map(plan.charts.map((c) => [c.virtual.path, c]));
  return findings.map((f) => {
    const chart = byVirtual.get(f.file);
    const origin = chart?.origins.find((o) => f.line >= o.fromLine && f.line <= o.toLine);
    if (!chart || !origin) return f;
    const text = content.get(origin.template) ?? '';
    const key = (f.at ?? '').split('.').filter((s) => !/^\d+$/.test(s)).pop();
    const idx = key ? text.split('\n').findIndex((l) => new RegExp(`^\\s*-?\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`).test(l)) : -1;
    const line = idx >= 0 ? idx + 1 : 1;
    const total = Math.max(1, text.split('\n').length);
    return { ...f, file: origin.template, line, endLine: line, resourceLine: 1, resourceEndLine: total, message: `${f.message} (rendered by helm template)` };
  });
}
