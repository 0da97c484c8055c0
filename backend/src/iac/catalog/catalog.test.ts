import { describe, expect, it } from 'vitest';
import { CATEGORIES, FRAMEWORKS, SEVERITIES } from '../model.js';
import { createIacScanner } from '../engine/scanner.js';
import { BUILTIN_RULES } from './index.js';

const FILE_BY_FRAMEWORK = { terraform: 'main.tf', cloudformation: 'template.yaml', kubernetes: 'manifest.yaml' } as const;
const ID = /^(aws|azure|gcp|cfn|k8s|tf)-[a-z0-9]+(-[a-z0-9]+)+$/;

describe('the built-in rule catalog', () => {
  it('has at least 200 rules spread over the frameworks and categories', () => {
    const count = (pred: (r: (typeof BUILTIN_RULES)[number]) => boolean) => BUILTIN_RULES.filter(pred).length;
    expect(BUILTIN_RULES.length).toBeGreaterThanOrEqual(200);
    expect(count((r) => r.frameworks.includes('terraform'))).toBeGreaterThanOrEqual(60);
    expect(count((r) => r.frameworks.includes('cloudformation'))).toBeGreaterThanOrEqual(50);
    expect(count((r) => r.frameworks.includes('kubernetes'))).toBeGreaterThanOrEqual(50);
    for (const c of CATEGORIES) expect(count((r) => r.category === c), c).toBeGreaterThan(0);
  });

  it('gives every rule a unique well-formed id and complete documentation', () => {
    const ids = new Set<string>();
    for (const r of BUILTIN_RULES) {
      expect(r.id, r.id).toMatch(ID);
      expect(ids.has(r.id), `duplicate ${r.id}`).toBe(false);
      ids.add(r.id);
      expect(r.title.length, r.id).toBeGreaterThan(5);
      expect(r.description.length, r.id).toBeGreaterThan(5);
      expect(r.remediation, r.id).toMatch(/\.$/);
      expect(SEVERITIES).toContain(r.severity);
      expect(CATEGORIES).toContain(r.category);
      expect(r.frameworks.length).toBe(1);
      expect(FRAMEWORKS).toContain(r.frameworks[0]);
      expect(r.kinds.length, r.id).toBeGreaterThan(0);
      expect(r.fixtures.pass.length, `${r.id} pass fixtures`).toBeGreaterThan(0);
      expect(r.fixtures.fail.length, `${r.id} fail fixtures`).toBeGreaterThan(0);
    }
  });

  it('fires on every failing fixture and stays quiet on every passing one', async () => {
    const scanner = await createIacScanner({ rules: BUILTIN_RULES });
    const problems: string[] = [];
    for (const rule of BUILTIN_RULES) {
      const file = FILE_BY_FRAMEWORK[rule.frameworks[0] ?? 'terraform'];
      const run = (content: string) => {
        const res = scanner.scan([{ path: file, content }]);
        if (res.parseErrors.length) problems.push(`${rule.id}: fixture does not parse: ${res.parseErrors[0]?.message}`);
        return res.findings.filter((f) => f.ruleId === rule.id);
      };
      rule.fixtures.pass.forEach((src, i) => {
        const hits = run(src);
        if (hits.length) problems.push(`${rule.id}: pass fixture ${i} fired: ${hits[0]?.message}`);
      });
      rule.fixtures.fail.forEach((src, i) => {
        if (run(src).length === 0) problems.push(`${rule.id}: fail fixture ${i} did not fire`);
      });
    }
    expect(problems).toEqual([]);
  });
});

describe('machine fixes', () => {
  it('re-scan clean for every rule whose failing fixture offers a patch', async () => {
    const { applyFixes } = await import('../engine/fix.js');
    const scanner = await createIacScanner({ rules: BUILTIN_RULES });
    const problems: string[] = [];
    let fixable = 0;
    for (const rule of BUILTIN_RULES) {
      const path = FILE_BY_FRAMEWORK[rule.frameworks[0] ?? 'terraform'];
      for (const src of rule.fixtures.fail) {
        const found = scanner.scan([{ path, content: src }]).findings.filter((f) => f.ruleId === rule.id);
        if (!found.length || !found.every((f) => f.fix)) continue;
        fixable++;
        const { files, applied } = applyFixes([{ path, content: src }], found);
        const after = scanner.scan(files);
        if (applied.length !== found.length) problems.push(`${rule.id}: ${found.length - applied.length} fix(es) not applied`);
        if (after.parseErrors.length) problems.push(`${rule.id}: fixed file does not parse: ${after.parseErrors[0]?.message}\n${files[0]?.content}`);
        const left = after.findings.filter((f) => f.ruleId === rule.id);
        if (left.length) problems.push(`${rule.id}: still fires after the fix: ${left[0]?.message}\n${files[0]?.content}`);
      }
    }
    expect(problems).toEqual([]);
    expect(fixable).toBeGreaterThan(60);
  });
});
