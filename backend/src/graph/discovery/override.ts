import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../../platform/errors.js';

const name = z.string().min(1).max(253);
const edge = z.object({ source: name, target: name });

/**
 * The user's override file: edges discovery cannot see (or sees wrongly), services to hide, and
 * criticality the business knows better than the graph.
 *
 * ```yaml
 * services:
 *   add: [{ id: payments-db, namespace: shop, kind: external }]
 *   remove: [loadgenerator]
 * edges:
 *   add: [{ source: paymentservice, target: payments-db }]
 *   remove: [{ source: frontend, target: adservice }]
 * criticality:
 *   paymentservice: 1.0
 * ```
 */
export const graphOverrideSchema = z
  .object({
    services: z
      .object({
        add: z
          .array(
            z.object({
              id: name,
              namespace: name.optional(),
              kind: z.string().max(100).optional(),
              labels: z.record(z.string(), z.string()).optional(),
            }),
          )
          .optional(),
        remove: z.array(name).optional(),
      })
      .strict()
      .optional(),
    edges: z
      .object({ add: z.array(edge.extend({ p95Ms: z.number().min(0).optional() })).optional(), remove: z.array(edge).optional() })
      .strict()
      .optional(),
    criticality: z.record(name, z.number().min(0).max(1)).optional(),
  })
  .strict();

export type GraphOverride = z.output<typeof graphOverrideSchema>;

export function parseGraphOverride(text: string, origin = 'override file'): GraphOverride {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new InputError(`${origin}: not valid YAML: ${(err as Error).message}`);
  }
  const parsed = graphOverrideSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new InputError(`${origin}: ${issues}`);
  }
  return parsed.data;
}

export async function loadGraphOverride(file: string): Promise<GraphOverride> {
  return parseGraphOverride(await readFile(file, 'utf8'), file);
}
