// Debug helper: prints the resources and findings for the files given on the command line.
import { readFileSync } from 'node:fs';
import { createIacScanner } from '../src/iac/engine/scanner.js';
import { BUILTIN_RULES } from '../src/iac/catalog/index.js';
import { classifyFile, parseCloudFormation, parseKubernetes, createHclParser, evaluateRoot } from '../src/iac/parsers/index.js';

const files = process.argv.slice(2);
const hcl = await createHclParser();
for (const f of files) {
  const content = readFileSync(f, 'utf8');
  const kind = classifyFile(f, content);
  console.log('==', f, kind);
  if (kind === 'terraform') {
    const p = hcl.parse(f, content);
    if (p.error) console.log('ERR', p.error);
    if (p.file) {
      const r = evaluateRoot({ dir: '.', files: [p.file], tfvars: [] }, new Map());
      for (const x of r.resources) console.log(x.address, x.span, JSON.stringify(x.attrs, (_k, v) => (v && v.constructor?.name === 'Unknown' ? `<?${v.ref}>` : v)));
    }
  } else if (kind) {
    const p = kind === 'cloudformation' ? parseCloudFormation(f, content) : parseKubernetes(f, content);
    for (const x of p.resources) console.log(x.address, x.kind, x.span, JSON.stringify(x.attrs, (_k, v) => (v && v.constructor?.name === 'Unknown' ? `<?${v.ref}>` : v)).slice(0, 600));
    if (p.errors.length) console.log('ERR', p.errors);
  }
  const scanner = await createIacScanner({ rules: BUILTIN_RULES });
  const res = scanner.scan([{ path: f, content }]);
  for (const x of res.findings) console.log('  F', x.ruleId, x.line, x.endLine, x.message);
}
