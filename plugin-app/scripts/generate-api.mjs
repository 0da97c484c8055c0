// Generates TypeScript types for the backend API from the checked-in OpenAPI copy (api/openapi.json).
// Usage: node generate-api.mjs <out.ts>. The backend's generator leaves zod's `#/$defs/<Name>` refs inside
// component schemas; they are pointed at `#/components/schemas/<Name>` first, or redocly refuses the doc.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const ERROR_BODY = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
  required: ['error'],
};
const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] ?? 'src/api/schema.gen.ts');
const doc = JSON.parse(readFileSync(path.join(here, '../api/openapi.json'), 'utf8'));
const names = new Set(Object.keys(doc.components?.schemas ?? {}));
const fixRefs = (node) => {
  if (Array.isArray(node)) return node.forEach(fixRefs);
  if (!node || typeof node !== 'object') return;
  if (typeof node.$ref === 'string') {
    const m = /^#\/\$defs\/(.+)$/.exec(node.$ref);
    if (m && names.has(m[1])) node.$ref = `#/components/schemas/${m[1]}`;
  }
  Object.values(node).forEach(fixRefs);
};
fixRefs(doc);
// The backend registers `Error` with a zod id, so its component comes out as a $ref to itself.
for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
  if (schema.$ref === `#/components/schemas/${name}`) doc.components.schemas[name] = ERROR_BODY;
}
const ast = await openapiTS(doc, { alphabetize: true });
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, '// GENERATED from plugin-app/api/openapi.json by plugin-app/scripts/generate-api.mjs: do not edit.\n' + astToString(ast));
