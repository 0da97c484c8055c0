import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../catalog/index.js';
import { createIacScanner } from '../engine/scanner.js';
import { listIacFiles, readSources } from '../files.js';
import type { SourceFile } from '../model.js';
import { helmTemplate, renderChartTemplates } from './helm.js';
import { kubectlKustomize } from './kustomize.js';
import { renderSources, type RenderTools } from './render.js';

const scanner = await createIacScanner({ rules: BUILTIN_RULES });
const hasKubectl = (() => {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const noHelm: RenderTools['helm'] = () => Promise.reject(new Error('the helm binary is not installed'));

async function tree(files: Record<string, string>): Promise<{ root: string; sources: SourceFile[] }> {
  const root = await mkdtemp(path.join(tmpdir(), 'aegis-render-'));
  for (const [p, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, p)), { recursive: true });
    await writeFile(path.join(root, p), content);
  }
  return { root, sources: await readSources(root, await listIacFiles(root)) };
}

const BASE = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        securityContext:\n          privileged: false\n';
const PATCH = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      hostPID: true\n      containers:\n      - name: web\n        securityContext:\n          privileged: true\n';
const KUSTOMIZE_TREE = {
  'base/deployment.yaml': BASE,
  'base/kustomization.yaml': 'resources:\n- deployment.yaml\n',
  'overlays/prod/kustomization.yaml': 'resources:\n- ../../base\nnamePrefix: prod-\npatches:\n- path: privileged.yaml\n',
  'overlays/prod/privileged.yaml': PATCH,
};

describe('Kustomize overlays', () => {
  it.skipIf(!hasKubectl)('are built with kubectl and findings point at the patch that sets the value', async () => {
    const { root, sources } = await tree(KUSTOMIZE_TREE);
    const r = await renderSources(root, sources, { kustomize: kubectlKustomize, helm: noHelm });
    expect(r.problems).toEqual([]);
    expect(r.files.map((f) => f.path).sort()).toEqual(['base/kustomization.yaml', 'overlays/prod/kustomization.yaml', 'overlays/prod/kustomize-build.aegis.yaml']);
    const findings = r.mapBack(scanner.scan(r.files).findings);
    const privileged = findings.filter((f) => f.ruleId === 'k8s-container-privileged');
    expect(privileged.map((f) => [f.file, f.line, f.resource])).toEqual([['overlays/prod/privileged.yaml', 12, 'Deployment/prod-web']]);
    expect(findings.find((f) => f.ruleId === 'k8s-pod-host-pid')?.file).toBe('overlays/prod/privileged.yaml');
    // The patch alone is never scanned as an object of its own (it has no image, no probes…).
    expect(findings.filter((f) => f.resource === 'Deployment/web')).toEqual([]);
    // Settings the patch does not touch point at the base manifest.
    expect(findings.find((f) => f.ruleId === 'k8s-container-image-pull-policy-not-always')?.file).toBe('base/deployment.yaml');
  });

  it.skipIf(!hasKubectl)('names the real build error, not the deprecation warning kubectl prints before it', async () => {
    // kustomizegoat: `bases:` (deprecated) pointing at a folder without a kustomization.yaml.
    const { root, sources } = await tree({
      'base/deployment.yaml': BASE,
      'overlays/dev/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nbases:\n  - ../../base\n',
    });
    const r = await renderSources(root, sources, { kustomize: kubectlKustomize, helm: noHelm });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.message).toContain("unable to find one of 'kustomization.yaml'");
    expect(r.problems[0]?.message).not.toMatch(/Warning|deprecated/);
  });

  it('reports an overlay that cannot be built as one finding and still never scans its patches alone', async () => {
    const { root, sources } = await tree(KUSTOMIZE_TREE);
    const r = await renderSources(root, sources, { kustomize: () => Promise.reject(new Error('accumulating resources: boom')), helm: noHelm });
    expect(r.problems.map((p) => [p.file, p.message])).toEqual([['overlays/prod/kustomization.yaml', expect.stringContaining('could not be built (accumulating resources: boom)')]]);
    expect(r.files.map((f) => f.path)).not.toContain('overlays/prod/privileged.yaml');
  });
});

describe('Helm charts', () => {
  const CHART = {
    'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
    'chart/values.yaml': 'privileged: true\n',
    'chart/templates/deployment.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        securityContext:\n          privileged: {{ .Values.privileged }}\n',
    'chart/templates/_helpers.tpl': '{{- define "shop.name" -}}shop{{- end -}}\n',
  };

  it('is one finding per chart, not a parse error per template, when it cannot be rendered', async () => {
    const { root, sources } = await tree(CHART);
    const r = await renderSources(root, sources, { kustomize: kubectlKustomize, helm: noHelm });
    expect(r.files.map((f) => f.path).sort()).toEqual(['chart/Chart.yaml', 'chart/values.yaml']);
    expect(r.problems.map((p) => [p.file, p.message])).toEqual([['chart/Chart.yaml', 'Helm chart chart was not rendered (the helm binary is not installed); its 1 template file(s) were not checked']]);
  });

  it('renders with helm, or the built-in Go-template renderer when helm is not installed', async () => {
    const { root, sources } = await tree(CHART);
    const r = await renderSources(root, sources, { kustomize: kubectlKustomize, helm: helmTemplate });
    expect(r.problems).toEqual([]);
    const hit = r.mapBack(scanner.scan(r.files).findings).find((f) => f.ruleId === 'k8s-container-privileged');
    expect([hit?.file, hit?.line, hit?.resource]).toEqual(['chart/templates/deployment.yaml', 12, 'Deployment/release-web']);
  });

  it('still checks the templates that render when another template of the chart fails (built-in renderer)', async () => {
    const { root, sources } = await tree({
      ...CHART,
      'chart/templates/broken.yaml': '{{- if .Values.missing.create }}\nkind: ConfigMap\n{{- end }}\n',
    });
    const r = await renderSources(root, sources, { kustomize: kubectlKustomize, helm: renderChartTemplates });
    expect(r.problems.map((p) => [p.file, p.message])).toEqual([
      ['chart/templates/broken.yaml', expect.stringContaining('nil pointer evaluating interface {}.create')],
    ]);
    const hit = r.mapBack(scanner.scan(r.files).findings).find((f) => f.ruleId === 'k8s-container-privileged');
    expect([hit?.file, hit?.line]).toEqual(['chart/templates/deployment.yaml', 12]);
  });

  it('scans the rendered output and points findings at the template', async () => {
    const { root, sources } = await tree(CHART);
    // What `helm template release chart/` prints for this chart.
    const output = '---\n# Source: shop/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: release-web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        securityContext:\n          privileged: true\n';
    const r = await renderSources(root, sources, { kustomize: kubectlKustomize, helm: () => Promise.resolve({ output, failed: [] }) });
    const hit = r.mapBack(scanner.scan(r.files).findings).find((f) => f.ruleId === 'k8s-container-privileged');
    expect([hit?.file, hit?.line, hit?.resource]).toEqual(['chart/templates/deployment.yaml', 12, 'Deployment/release-web']);
  });
});
