import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../index.js';

const hasHelm = (() => {
  try {
    execFileSync('helm', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('aegis iac', () => {
  it('scans a tree, exits by severity threshold, writes SARIF/JSON and honours a baseline', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-cli-iac-'));
    await writeFile(path.join(dir, 'main.tf'), 'resource "aws_s3_bucket" "b" {\n  acl = "public-read-write"\n}\n');
    await writeFile(path.join(dir, 'package.json'), '{"name":"x"}');

    const text = await run(['iac', 'scan', dir]);
    expect(text.code).toBe(1);
    expect(text.out).toContain('aws-s3-bucket-acl-public-read-write');
    expect(text.out).toMatch(/finding\(s\)/);

    expect((await run(['iac', 'scan', dir, '--severity-threshold', 'critical', '--pack', 'kubernetes'])).code).toBe(0);

    const sarif = await run(['iac', 'scan', dir, '--format', 'sarif', '--quiet']);
    expect(JSON.parse(sarif.out).version).toBe('2.1.0');

    const baselineFile = path.join(dir, 'baseline.json');
    await run(['iac', 'scan', dir, '--format', 'json', '--output', baselineFile, '--quiet']);
    expect(JSON.parse(await readFile(baselineFile, 'utf8')).findings.length).toBeGreaterThan(0);
    const withBaseline = await run(['iac', 'scan', dir, '--baseline', baselineFile, '--format', 'json', '--quiet']);
    expect(withBaseline.code).toBe(0);
    expect(JSON.parse(withBaseline.out).findings).toEqual([]);

    expect((await run(['iac', 'scan', dir, '--format', 'xml'])).code).toBe(2);
  });

  it('keeps a cache between runs with --cache', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-cli-cache-'));
    const cache = path.join(dir, 'cache.json');
    await writeFile(path.join(dir, 'a.tf'), 'resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\n');
    const first = await run(['iac', 'scan', dir, '--cache', cache, '--format', 'json']);
    expect(JSON.parse(first.out).stats.filesParsed).toBe(1);
    const second = await run(['iac', 'scan', dir, '--cache', cache, '--format', 'json']);
    expect(JSON.parse(second.out).stats.filesParsed).toBe(0);
    await writeFile(path.join(dir, 'a.tf'), 'resource "aws_ebs_volume" "v" {\n  encrypted = false\n}\n');
    const third = await run(['iac', 'scan', dir, '--cache', cache, '--format', 'json']);
    expect(JSON.parse(third.out).findings.map((f: { ruleId: string }) => f.ruleId)).toContain(
      'aws-ebs-volume-unencrypted',
    );
    await writeFile(cache, 'not json');
    expect((await run(['iac', 'scan', dir, '--cache', cache, '--format', 'json', '--quiet'])).code).toBe(1);
  });

  it('writes machine fixes back with --fix', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-cli-fix-'));
    await writeFile(
      path.join(dir, 'main.tf'),
      'resource "aws_ebs_volume" "v" {\n  availability_zone = "eu-west-1a"\n  encrypted = false\n}\n',
    );
    const res = await run(['iac', 'scan', dir, '--fix', '--format', 'json']);
    expect(JSON.parse(res.out).findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain(
      'aws-ebs-volume-unencrypted',
    );
    expect(await readFile(path.join(dir, 'main.tf'), 'utf8')).toContain('encrypted = true');
    const again = await run(['iac', 'scan', dir, '--format', 'json']);
    expect(JSON.parse(again.out).findings.map((f: { ruleId: string }) => f.ruleId)).not.toContain(
      'aws-ebs-volume-unencrypted',
    );
  });

  it('--fix fixes the workload that is the third document; a rescan reports exactly what the fix run left', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-cli-fix-multidoc-'));
    const manifest = [
      'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: goat-flag', 'data:', '  flag: eA==', '---',
      'apiVersion: v1', 'kind: Service', 'metadata:', '  name: monitor', 'spec:', '  ports: [{port: 80}]', '---',
      '# the agent', 'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: system-monitor', 'spec:',
      '  template:', '    spec:', '      hostPID: true', '      containers:', '      - name: agent', '        image: goat:1',
      '        securityContext:', '          privileged: true  # needs the host', '',
    ].join('\n');
    await writeFile(path.join(dir, 'deployment.yaml'), manifest);
    await writeFile(path.join(dir, 'main.tf'), 'resource "aws_ebs_volume" "v" {\n  encrypted = false\n}\n');

    const dry = await run(['iac', 'scan', dir, '--fix', '--dry-run']);
    expect(await readFile(path.join(dir, 'deployment.yaml'), 'utf8')).toBe(manifest);
    expect(dry.out).toContain('--- a/deployment.yaml\n+++ b/deployment.yaml\n');
    expect(dry.out.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      '-      hostPID: true',
      '+      hostPID: false',
      '-          privileged: true  # needs the host',
      '+          privileged: false  # needs the host',
      '-  encrypted = false',
      '+  encrypted = true',
    ]);
    expect(dry.err).toMatch(/would apply 3 fix\(es\) in 2 file\(s\); \d+ hardening fix\(es\) left for --fix-all \(.*k8s-container-root-filesystem-writable/);

    const fixRun = await run(['iac', 'scan', dir, '--fix', '--format', 'json']);
    const fixed = await readFile(path.join(dir, 'deployment.yaml'), 'utf8');
    expect(fixed).toBe(manifest.replace('hostPID: true', 'hostPID: false').replace('privileged: true ', 'privileged: false '));
    expect(fixed).not.toContain('readOnlyRootFilesystem');
    const rescan = await run(['iac', 'scan', dir, '--format', 'json']);
    const key = (f: { ruleId: string; file: string; resource: string; line: number }) => `${f.ruleId} ${f.file} ${f.resource} ${f.line}`;
    const left = JSON.parse(fixRun.out).findings.map(key).sort();
    expect(left.length).toBeGreaterThan(0);
    expect(JSON.parse(rescan.out).findings.map(key).sort()).toEqual(left);
    expect(left.some((k: string) => k.startsWith('k8s-container-privileged') || k.startsWith('k8s-pod-host-pid'))).toBe(false);

    await run(['iac', 'scan', dir, '--fix-all', '--quiet']);
    expect(await readFile(path.join(dir, 'deployment.yaml'), 'utf8')).toContain('readOnlyRootFilesystem: true');
    expect((await run(['iac', 'scan', dir, '--dry-run'])).code).toBe(2);
  });

  it('writes SARIF URIs relative to the git top level (or --repo-root)', async () => {
    const repo = await mkdtemp(path.join(tmpdir(), 'aegis-cli-sarif-'));
    const dir = path.join(repo, 'infra', 'prod env');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'my s3#1.tf'), 'resource "aws_s3_bucket" "b" {\n  acl = "public-read-write"\n}\n');
    const uris = async (args: string[]) => {
      const out = JSON.parse((await run(['iac', 'scan', dir, '--format', 'sarif', '--quiet', ...args])).out);
      return [...new Set(out.runs[0].results.map((r: { locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }) => r.locations[0]?.physicalLocation.artifactLocation.uri))];
    };
    expect(await uris([])).toEqual(['my%20s3%231.tf']);
    await new Promise<void>((resolve, reject) => execFile('git', ['init', '-q', repo], (err) => (err ? reject(err) : resolve())));
    expect(await uris([])).toEqual(['infra/prod%20env/my%20s3%231.tf']);
    expect(await uris(['--repo-root', path.join(repo, 'infra')])).toEqual(['prod%20env/my%20s3%231.tf']);
    expect((await run(['iac', 'scan', dir, '--format', 'sarif', '--repo-root', path.join(repo, 'elsewhere')])).code).toBe(2);
  });

  it('runs rules that user modules register', async () => {
    const ext = await mkdtemp(path.join(tmpdir(), 'aegis-ext-'));
    await writeFile(
      path.join(ext, 'rules.mjs'),
      `export default function register(r) {
        r.iacRules.register({ id: 'k8s-service-team-label-missing', title: 'Service without team label', description: 'Owners are labelled.',
          severity: 'low', category: 'reliability', frameworks: ['kubernetes'], kinds: ['Service'], references: {}, compliance: [],
          remediation: 'Add metadata.labels.team.', fixtures: { pass: [], fail: [] },
          check: (v) => (v.get('metadata.labels.team') === undefined ? [{ path: 'metadata', message: 'no team label' }] : []) });
      }`,
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-cli-iac-'));
    await writeFile(
      path.join(dir, 'svc.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: a\nspec:\n  type: ClusterIP\n',
    );
    const res = await run(['iac', 'scan', dir, '--format', 'json', '--quiet'], { AEGIS_EXTENSIONS_DIR: ext });
    expect(JSON.parse(res.out).findings.map((f: { ruleId: string }) => f.ruleId)).toContain(
      'k8s-service-team-label-missing',
    );
  });

  it('exits 0 clean, 1 at the threshold, 2 on usage errors and 3 when the scanner itself fails', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-cli-exit-'));
    await writeFile(path.join(dir, 'main.tf'), 'resource "aws_ebs_volume" "v" {\n  encrypted = true\n}\n');
    expect((await run(['iac', 'scan', dir, '--quiet', '--severity-threshold', 'critical'])).code).toBe(0);

    const missing = await run(['iac', 'scan', path.join(dir, 'nope'), '--quiet']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`aegis: no such file or directory: ${path.join(dir, 'nope')}`);
    expect(missing.err).not.toContain('ENOENT');

    const unwritable = await run(['iac', 'scan', dir, '--quiet', '--output', path.join(dir, 'no-dir', 'out.json')]);
    expect(unwritable.code).toBe(3);
    expect(unwritable.err).toMatch(/^aegis: scanner failure: /);
  });

  it('reports every unparseable file as a finding and scans the rest', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-cli-broken-'));
    await writeFile(
      path.join(dir, 'a.tf'),
      'resource "aws_ecs_task_definition" "t" {\n  volume = "x"\n  volume {\n    name = "v"\n  }\n}\n',
    );
    await writeFile(
      path.join(dir, 'b.tf'),
      'data "aws_iam_policy_document" "example" {\n}\ndata "aws_iam_policy_document" "example" {\n}\n',
    );
    await writeFile(path.join(dir, 'c.tf'), 'resource "aws_ebs_volume" "v" {\n  encrypted = false\n');
    await writeFile(path.join(dir, 'd.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p\n');
    await writeFile(
      path.join(dir, 'e.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers: []\n',
    );
    const res = await run(['iac', 'scan', dir, '--format', 'json', '--quiet']);
    expect(res.code).toBe(1);
    const findings = JSON.parse(res.out).findings as Array<{ ruleId: string; file: string; message: string }>;
    const broken = findings.filter((f) => f.ruleId === 'iac-parse-error');
    expect(broken.map((f) => f.file).sort()).toEqual(['a.tf', 'b.tf', 'c.tf', 'd.yaml']);
    expect(broken.every((f) => f.message.length > 10)).toBe(true);
    expect(findings.some((f) => f.file === 'e.yaml' && f.ruleId !== 'iac-parse-error')).toBe(true);
  });

  // helm itself refuses to render invalid YAML; the built-in renderer passes it on to the parser.
  it.skipIf(hasHelm)('names the template, not the rendered output, for a Helm template that renders to invalid YAML', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'aegis-cli-helm-'));
    await mkdir(path.join(dir, 'chart', 'templates'), { recursive: true });
    await writeFile(path.join(dir, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 0.1.0\n');
    await writeFile(path.join(dir, 'chart', 'values.yaml'), 'name: web\n');
    // A stray quote, as in a fork of microservices-demo: the template renders, the output is not YAML.
    await writeFile(path.join(dir, 'chart', 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "{{ .Values.name }}""\n');
    const res = await run(['iac', 'scan', dir, '--format', 'json', '--quiet']);
    const report = JSON.parse(res.out) as { parse_errors: Array<{ file: string }>; findings: Array<{ ruleId: string; file: string }> };
    expect(report.parse_errors.map((e) => e.file)).toEqual(['chart/templates/cm.yaml']);
    expect(report.findings.filter((f) => f.ruleId === 'iac-parse-error').map((f) => f.file)).toEqual(['chart/templates/cm.yaml']);
  });

  it('lists the rules as JSON', async () => {
    const res = await run(['iac', 'rules', '--json']);
    const body = JSON.parse(res.out);
    expect(body.count).toBeGreaterThanOrEqual(200);
    expect(body.rules[0]).toHaveProperty('references');
    expect(body.rules[0]).not.toHaveProperty('check');
  });
});
