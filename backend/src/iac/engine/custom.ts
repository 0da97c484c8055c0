import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { CATEGORIES, FRAMEWORKS, SEVERITIES, Unknown, type Category, type Framework, type Severity, type Value } from '../model.js';
import { InputError } from '../../platform/errors.js';
import type { Hit, Rule } from './rule.js';

const OPS = ['exists', 'absent', 'equals', 'notEquals', 'in', 'notIn', 'matches', 'isTrue', 'isFalse', 'gte', 'lte'] as const;

const condition = z.object({ path: z.string().min(1), op: z.enum(OPS), value: z.unknown().optional() });

/** A custom rule in YAML: every condition under `require` must hold on each resource of the kinds; each failing one is a finding. */
export const customRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)+$/, 'id must be kebab-case <platform>-<subject>-<problem>'),
  title: z.string().min(1),
  description: z.string().min(1),
  severity: z.enum(SEVERITIES as [Severity, ...Severity[]]),
  category: z.enum(CATEGORIES as [Category, ...Category[]]),
  framework: z.enum(FRAMEWORKS as [Framework, ...Framework[]]),
  kinds: z.array(z.string()).min(1),
  remediation: z.string().regex(/\.$/, 'remediation must end with "."'),
  require: z.array(condition).min(1),
  compliance: z.array(z.string()).default([]),
  fixtures: z.object({ pass: z.array(z.string()).default([]), fail: z.array(z.string()).default([]) }).default({ pass: [], fail: [] }),
});
export type CustomRuleSpec = z.infer<typeof customRuleSchema>;

function holds(op: (typeof OPS)[number], v: Value | undefined, expected: unknown): boolean | undefined {
  if (v instanceof Unknown) return undefined;
  switch (op) {
    case 'exists':
      return v !== undefined && v !== null;
    case 'absent':
      return v === undefined || v === null;
    case 'equals':
      return v !== undefined && JSON.stringify(v) === JSON.stringify(expected);
    case 'notEquals':
      return v === undefined || JSON.stringify(v) !== JSON.stringify(expected);
    case 'in':
      return Array.isArray(expected) && expected.some((e) => JSON.stringify(e) === JSON.stringify(v));
    case 'notIn':
      return !Array.isArray(expected) || !expected.some((e) => JSON.stringify(e) === JSON.stringify(v));
    case 'matches':
      return typeof v === 'string' && new RegExp(String(expected)).test(v);
    case 'isTrue':
      return v === true || v === 'true';
    case 'isFalse':
      return v === false || v === 'false';
    case 'gte':
      return v !== undefined && Number(v) >= Number(expected);
    case 'lte':
      return v !== undefined && Number(v) <= Number(expected);
  }
}

export function customRule(spec: CustomRuleSpec): Rule {
  return {
    id: spec.id,
    title: spec.title,
    description: spec.description,
    severity: spec.severity,
    category: spec.category,
    frameworks: [spec.framework],
    kinds: spec.kinds,
    references: {},
    compliance: spec.compliance,
    remediation: spec.remediation,
    fixtures: spec.fixtures,
    origin: 'yaml',
    check(r) {
      const hits: Hit[] = [];
      for (const c of spec.require) {
        if (holds(c.op, r.get(c.path), c.value) === false)
          hits.push({ path: c.path, message: `${c.path} must satisfy ${c.op}${c.value !== undefined ? ` ${JSON.stringify(c.value)}` : ''}` });
      }
      return hits;
    },
  };
}

/** Loads every *.yaml / *.yml rule file in `dir` (one rule per document). */
export async function loadCustomRules(dir: string): Promise<Rule[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const rules: Rule[] = [];
  for (const f of files) {
    const text = await readFile(path.join(dir, f), 'utf8');
    const parsed = customRuleSchema.safeParse(parse(text));
    if (!parsed.success) throw new InputError(`custom rule ${f}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    rules.push(customRule(parsed.data));
  }
  return rules;
}
