import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { execute, parseTemplate, TemplateError } from './gotemplate.js';
import { renderChart } from './helm.js';

const run = (src: string, data: unknown) => execute(parseTemplate(src), data);

describe('Go templates', () => {
  it('evaluates fields, pipelines, trim markers, if/else if/else, with, range and variables', () => {
    expect(run('a {{- " b " -}} c', {})).toBe('a b c');
    expect(run('{{ .a.b | default "x" | quote }}', { a: {} })).toBe('"x"');
    expect(run('{{ if eq .n 1 }}one{{ else if eq .n 2 }}two{{ else }}many{{ end }}', { n: 2 })).toBe('two');
    expect(run('{{ with .m }}{{ .k }}{{ else }}none{{ end }}', { m: { k: 'v' } })).toBe('v');
    expect(run('{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}', { l: ['a', 'b'] })).toBe('0=a;1=b;');
    expect(run('{{ range $k, $v := .m }}{{ $k }}:{{ $v }} {{ end }}', { m: { b: 2, a: 1 } })).toBe('a:1 b:2 ');
    expect(run('{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}', {})).toBe('2');
    expect(run('{{ range .l }}{{ $.top }}{{ . }}{{ end }}', { l: [1, 2], top: '>' })).toBe('>1>2');
    expect(run('{{ printf "%s/%s:%d" "r" .name 3 }}', { name: 'svc' })).toBe('r/svc:3');
    expect(run('x:{{- toYaml .v | nindent 2 }}', { v: { a: 1, b: [true] } })).toBe('x:\n  a: 1\n  b:\n    - true');
  });

  it('defines and includes helpers, skipping comments that hold actions', () => {
    const src =
      '{{/*\nUsage: {{ include "img" (list . .Values.svc) }}\n*/}}\n{{- define "img" -}}\n{{- $root := index . 0 -}}\n{{- $svc := index . 1 -}}\n{{- $tag := default $root.Chart.AppVersion $root.Values.tag -}}\n{{- printf "%s/%s:%s" $root.Values.repo $svc.name $tag -}}\n{{- end -}}\nimage: {{ include "img" (list . .Values.svc) }}\n';
    expect(run(src, { Values: { repo: 'gcr.io/x', svc: { name: 'ad' } }, Chart: { AppVersion: '1.0' } }).trim()).toBe('image: gcr.io/x/ad:1.0');
  });

  it('throws TemplateError on what it does not know', () => {
    expect(() => run('{{ frobnicate .x }}', {})).toThrow(TemplateError);
    expect(() => run('{{ if .x }}open', {})).toThrow(TemplateError);
    expect(() => run('{{ required "image.tag is required" .tag }}', {})).toThrow('image.tag is required');
  });
});

describe('Go templates: missing values', () => {
  it('fails like helm on a field of a missing value, instead of rendering the chart to nothing', () => {
    // microservices-demo without values.yaml: helm stops with this error; rendering "" hid every template.
    expect(() => run('{{ if .Values.db.redis.create }}x{{ end }}', { Values: {} })).toThrow(new TemplateError('nil pointer evaluating interface {}.redis'));
    expect(run('{{ .Values.db | default "none" }}', { Values: {} })).toBe('none');
  });

  it('short-circuits and/or as Go 1.18+ (helm 3.8+) does, so guarded lookups still render', () => {
    expect(run('{{ if and .Values.db .Values.db.redis }}on{{ else }}off{{ end }}', { Values: {} })).toBe('off');
    expect(run('{{ if or (not .Values.db) .Values.db.redis }}on{{ end }}', { Values: {} })).toBe('on');
    expect(run('{{ and 1 2 }} {{ or 0 "" }}', {})).toBe('2 ');
  });
});

describe('renderChart (no helm binary)', () => {
  it('names the template that fails, as helm does, when the chart has no values.yaml', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-chart-'));
    await mkdir(path.join(dir, 'templates'), { recursive: true });
    await writeFile(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 0.1.0\n');
    await writeFile(path.join(dir, 'templates', 'redis.yaml'), '{{- if .Values.cartDatabase.inClusterRedis.create }}\nkind: Deployment\n{{- end }}\n');
    await expect(renderChart(dir)).rejects.toThrow('shop/templates/redis.yaml: nil pointer evaluating interface {}.inClusterRedis');
  });

  it('renders a chart shaped like microservices-demo\'s into helm template\'s document format', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-chart-'));
    await mkdir(path.join(dir, 'templates'), { recursive: true });
    await writeFile(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: onlineboutique\nversion: 0.10.0\nappVersion: v0.10.0\n');
    await writeFile(
      path.join(dir, 'values.yaml'),
      'images:\n  repository: gcr.io/google-samples/microservices-demo\n  tag: ""\nserviceAccounts:\n  create: false\n  annotations: {}\nadService:\n  create: true\n  name: adservice\nseccompProfile:\n  enable: false\n  type: RuntimeDefault\n',
    );
    await writeFile(
      path.join(dir, 'templates', '_helpers.tpl'),
      '{{/*\nUsage: image: {{ include "onlineboutique.image" (list . .Values.adService) }}\n*/}}\n{{- define "onlineboutique.image" -}}\n{{- $root := index . 0 -}}\n{{- $svc := index . 1 -}}\n{{- $repo := $root.Values.images.repository -}}\n{{- $tag := default $root.Chart.AppVersion $root.Values.images.tag -}}\n{{- if $svc.image -}}\n{{- $repo = default $repo $svc.image.repository -}}\n{{- end -}}\n{{- printf "%s/%s:%s" $repo $svc.name $tag -}}\n{{- end -}}\n',
    );
    await writeFile(
      path.join(dir, 'templates', 'adservice.yaml'),
      '# Copyright 2018 Google LLC\n\n{{- if .Values.adService.create }}\n{{- if .Values.serviceAccounts.create }}\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Values.adService.name }}\n---\n{{- end }}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.adService.name }}\n  namespace: {{.Release.Namespace}}\nspec:\n  template:\n    spec:\n      {{- if .Values.serviceAccounts.create }}\n      serviceAccountName: {{ .Values.adService.name }}\n      {{- else }}\n      serviceAccountName: default\n      {{- end }}\n      securityContext:\n        runAsNonRoot: true\n        {{- if .Values.seccompProfile.enable }}\n        seccompProfile:\n          type: {{ .Values.seccompProfile.type }}\n        {{- end }}\n      containers:\n      - name: server\n        image: {{ include "onlineboutique.image" (list . .Values.adService) }}\n        securityContext:\n          privileged: false\n{{- end }}\n',
    );
    const out = await renderChart(dir);
    expect(out.startsWith('---\n# Source: onlineboutique/templates/adservice.yaml\n')).toBe(true);
    const docs = parseAllDocuments(out).map((d) => d.toJS() as { kind: string; metadata: { namespace: string }; spec: { template: { spec: Record<string, unknown> } } });
    expect(docs.map((d) => d.kind)).toEqual(['Deployment']);
    const pod = docs[0]?.spec.template.spec as { serviceAccountName: string; containers: Array<{ image: string }>; securityContext: Record<string, unknown> };
    expect(pod.serviceAccountName).toBe('default');
    expect(pod.containers[0]?.image).toBe('gcr.io/google-samples/microservices-demo/adservice:v0.10.0');
    expect(pod.securityContext).toEqual({ runAsNonRoot: true });
    expect(docs[0]?.metadata.namespace).toBe('default');
  });
});
