import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import type { ParseError, Span } from '../../model.js';
import type { AttrNode, BlockNode, Expr, HclFile } from './ast.js';

const require = createRequire(import.meta.url);

/** A loaded HCL parser; the grammar is loaded once per process (or worker). */
export interface HclParser {
  parse(path: string, content: string): { file?: HclFile; error?: ParseError };
}

let loading: Promise<Language> | undefined;

async function loadLanguage(): Promise<Language> {
  await Parser.init();
  return Language.load(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm'));
}

export async function createHclParser(): Promise<HclParser> {
  loading ??= loadLanguage();
  const lang = await loading;
  const parser = new Parser();
  parser.setLanguage(lang);
  return {
    parse(path, content) {
      const tree = parser.parse(content);
      if (!tree) return { error: { file: path, line: 1, message: 'HCL parser returned nothing' } };
      try {
        const root = tree.rootNode;
        if (root.hasError) {
          const bad = firstError(root);
          return { error: { file: path, line: (bad?.startPosition.row ?? 0) + 1, message: `HCL syntax error near "${(bad?.text ?? '').slice(0, 40)}"` } };
        }
        const body = root.namedChildren.find((c) => c?.type === 'body');
        const { attrs, blocks } = body ? lowerBody(body) : { attrs: [], blocks: [] };
        return { file: { path, blocks, attrs } };
      } catch (err) {
        // Expressions nested thousands deep overflow the recursive lowering: a finding, like any unreadable file.
        if (!(err instanceof RangeError)) throw err;
        return { error: { file: path, line: 1, message: `HCL nested too deeply to read: ${err.message}` } };
      } finally {
        tree.delete();
      }
    },
  };
}

function firstError(n: Node): Node | undefined {
  if (n.type === 'ERROR' || n.isMissing) return n;
  for (const c of n.children) {
    if (c && c.hasError) return firstError(c) ?? c;
  }
  return undefined;
}

const spanOf = (n: Node): Span => ({ line: n.startPosition.row + 1, endLine: n.endPosition.row + 1 });

function lowerBody(body: Node): { attrs: AttrNode[]; blocks: BlockNode[] } {
  const attrs: AttrNode[] = [];
  const blocks: BlockNode[] = [];
  for (const c of body.namedChildren) {
    if (!c) continue;
    if (c.type === 'attribute') {
      const [id, ex] = [c.namedChildren[0], c.namedChildren[1]];
      if (id && ex) attrs.push({ name: id.text, expr: lowerExpr(ex), span: spanOf(c) });
    } else if (c.type === 'block') blocks.push(lowerBlock(c));
  }
  return { attrs, blocks };
}

function lowerBlock(n: Node): BlockNode {
  const kids = n.namedChildren.filter((c): c is Node => c !== null);
  const type = kids[0]?.text ?? '';
  const labels: string[] = [];
  let body: Node | undefined;
  for (const c of kids.slice(1)) {
    if (c.type === 'string_lit') labels.push(stringLit(c));
    else if (c.type === 'identifier') labels.push(c.text);
    else if (c.type === 'body') body = c;
  }
  const inner = body ? lowerBody(body) : { attrs: [], blocks: [] };
  return { type, labels, span: spanOf(n), ...inner };
}

function stringLit(n: Node): string {
  const lit = n.namedChildren.find((c) => c?.type === 'template_literal');
  return lit ? unescape(lit.text) : '';
}

function unescape(s: string): string {
  if (!s.includes('\\') && !s.includes('$${') && !s.includes('%%{')) return s;
  return s
    .replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_m, c: string) => {
      if (c[0] === 'u' || c[0] === 'U') return String.fromCodePoint(parseInt(c.slice(1), 16));
      return ({ n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' } as Record<string, string>)[c] ?? c;
    })
    .replace(/\$\$\{/g, '${')
    .replace(/%%\{/g, '%{');
}

/** `expression` nodes wrap a term sequence or a conditional. */
export function lowerExpr(n: Node): Expr {
  if (n.type === 'expression') {
    const kids = n.children.filter((c): c is Node => c !== null);
    if (kids.length === 1 && kids[0]?.type === 'conditional') return lowerConditional(kids[0]);
    return lowerTerm(kids);
  }
  return lowerTerm([n]);
}

function lowerConditional(n: Node): Expr {
  const parts = n.namedChildren.filter((c): c is Node => c?.type === 'expression');
  const [c, a, b] = parts.map(lowerExpr);
  return c && a && b ? { t: 'cond', c, a, b } : { t: 'unknown', why: 'conditional' };
}

/** A primary term followed by postfix `.attr`, `[i]`, splats. */
function lowerTerm(nodes: Node[]): Expr {
  let i = 0;
  let e: Expr | undefined;
  const first = nodes[0];
  if (!first) return { t: 'unknown', why: 'empty' };
  if (first.type === '(') {
    const inner = nodes[1];
    e = inner ? lowerExpr(inner) : { t: 'unknown', why: 'paren' };
    i = 3;
  } else {
    e = lowerPrimary(first);
    i = 1;
  }
  for (; i < nodes.length; i++) {
    const p = nodes[i];
    if (!p) continue;
    if (p.type === 'get_attr') e = { t: 'attr', obj: e, name: p.namedChildren[0]?.text ?? '' };
    else if (p.type === 'index') e = { t: 'idx', obj: e, key: lowerIndex(p) };
    else if (p.type === 'splat') e = lowerSplat(e, p);
  }
  return e;
}

function lowerIndex(p: Node): Expr {
  const inner = p.namedChildren[0];
  if (inner?.type === 'legacy_index') return { t: 'lit', v: Number(inner.text.slice(1)) };
  const ex = inner?.namedChildren.find((c) => c?.type === 'expression');
  return ex ? lowerExpr(ex) : { t: 'unknown', why: 'index' };
}

function lowerSplat(obj: Expr, p: Node): Expr {
  const inner = p.namedChildren[0];
  const ops: Array<{ attr: string } | { idx: Expr }> = [];
  for (const c of inner?.namedChildren ?? []) {
    if (c?.type === 'get_attr') ops.push({ attr: c.namedChildren[0]?.text ?? '' });
    else if (c?.type === 'index') ops.push({ idx: lowerIndex(c) });
  }
  return { t: 'splat', obj, ops };
}

function lowerPrimary(n: Node): Expr {
  switch (n.type) {
    case 'expression':
      return lowerExpr(n);
    case 'literal_value':
      return lowerLiteral(n);
    case 'variable_expr':
      return { t: 'var', name: n.text };
    case 'template_expr':
      return lowerTemplate(n.namedChildren[0] ?? n);
    case 'collection_value':
      return lowerCollection(n.namedChildren[0] ?? n);
    case 'function_call':
      return lowerCall(n);
    case 'for_expr':
      return lowerFor(n.namedChildren[0] ?? n);
    case 'operation':
      return lowerOperation(n.namedChildren[0] ?? n);
    default:
      return { t: 'unknown', why: n.type };
  }
}

function lowerLiteral(n: Node): Expr {
  const c = n.namedChildren[0];
  if (!c) return { t: 'lit', v: n.text === 'true' ? true : n.text === 'false' ? false : null };
  switch (c.type) {
    case 'numeric_lit':
      return { t: 'lit', v: Number(c.text) };
    case 'bool_lit':
      return { t: 'lit', v: c.text === 'true' };
    case 'null_lit':
      return { t: 'lit', v: null };
    case 'string_lit':
      return { t: 'lit', v: stringLit(c) };
    default:
      return { t: 'unknown', why: c.type };
  }
}

function lowerTemplate(n: Node): Expr {
  const heredoc = n.type === 'heredoc_template';
  const strip = heredoc && n.namedChildren[0]?.text === '<<-';
  const parts: Array<string | Expr> = [];
  for (const c of n.namedChildren) {
    if (!c) continue;
    if (c.type === 'template_literal') parts.push(heredoc ? c.text : unescape(c.text));
    else if (c.type === 'template_interpolation') {
      const ex = c.namedChildren.find((x) => x?.type === 'expression');
      parts.push(ex ? lowerExpr(ex) : { t: 'lit', v: '' });
    } else if (c.type === 'template_directive') parts.push({ t: 'unknown', why: 'template directive' });
  }
  if (heredoc) normaliseHeredoc(parts, strip);
  if (parts.length === 1 && typeof parts[0] === 'string') return { t: 'lit', v: parts[0] };
  if (parts.length === 0) return { t: 'lit', v: '' };
  return { t: 'tpl', parts };
}

/** Heredoc bodies start after the opening line; `<<-` removes the common indentation. */
function normaliseHeredoc(parts: Array<string | Expr>, strip: boolean): void {
  if (typeof parts[0] === 'string') parts[0] = parts[0].replace(/^[^\n]*\n/, (m) => (m.trim() === '' ? '' : m));
  if (!strip) return;
  const text = parts.filter((p): p is string => typeof p === 'string').join('\u0000');
  const indents = text.split('\n').filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
  const min = indents.length ? Math.min(...indents) : 0;
  if (!min) return;
  const re = new RegExp(`(^|\\n)[ \\t]{${min}}`, 'g');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (typeof p === 'string') parts[i] = (i === 0 ? p.replace(new RegExp(`^[ \\t]{0,${min}}`), '') : p).replace(re, '$1');
  }
}

function lowerCollection(n: Node): Expr {
  if (n.type === 'tuple') {
    return { t: 'tuple', items: n.namedChildren.filter((c): c is Node => c?.type === 'expression').map(lowerExpr) };
  }
  const items: Array<[Expr, Expr]> = [];
  for (const el of n.namedChildren) {
    if (el?.type !== 'object_elem') continue;
    const k = el.childForFieldName('key');
    const v = el.childForFieldName('val');
    if (!k || !v) continue;
    items.push([objectKey(k), lowerExpr(v)]);
  }
  return { t: 'object', items };
}

/** A bare identifier as an object key is a literal string, not a variable. */
function objectKey(k: Node): Expr {
  const kids = k.children.filter((c): c is Node => c !== null);
  if (kids.length === 1 && kids[0]?.type === 'variable_expr') return { t: 'lit', v: kids[0].text };
  return lowerExpr(k);
}

function lowerCall(n: Node): Expr {
  const name = n.namedChildren[0]?.text ?? '';
  const argsNode = n.namedChildren.find((c) => c?.type === 'function_arguments');
  const args = (argsNode?.namedChildren ?? []).filter((c): c is Node => c?.type === 'expression').map(lowerExpr);
  const expand = (argsNode?.namedChildren ?? []).some((c) => c?.type === 'ellipsis');
  return { t: 'call', name, args, expand };
}

function lowerFor(n: Node): Expr {
  const intro = n.namedChildren.find((c) => c?.type === 'for_intro');
  const ids = (intro?.namedChildren ?? []).filter((c): c is Node => c?.type === 'identifier').map((c) => c.text);
  const collNode = intro?.namedChildren.find((c) => c?.type === 'expression');
  const exprs = n.namedChildren.filter((c): c is Node => c?.type === 'expression').map(lowerExpr);
  const condNode = n.namedChildren.find((c) => c?.type === 'for_cond')?.namedChildren.find((c) => c?.type === 'expression');
  const [k, v] = ids.length === 2 ? [ids[0], ids[1]] : [undefined, ids[0]];
  const coll = collNode ? lowerExpr(collNode) : ({ t: 'unknown', why: 'for' } as Expr);
  const cond = condNode ? lowerExpr(condNode) : undefined;
  const group = n.namedChildren.some((c) => c?.type === 'ellipsis');
  if (n.type === 'for_object_expr') {
    const [key, val] = exprs;
    return { t: 'for', k, v: v ?? '_', coll, key, val: val ?? { t: 'unknown', why: 'for' }, cond, group };
  }
  return { t: 'for', k, v: v ?? '_', coll, val: exprs[0] ?? { t: 'unknown', why: 'for' }, cond, group };
}

function lowerOperation(n: Node): Expr {
  const kids = n.children.filter((c): c is Node => c !== null);
  if (n.type === 'unary_operation') {
    return { t: 'un', op: kids[0]?.text ?? '-', e: lowerTerm(kids.slice(1)) };
  }
  const opIdx = kids.findIndex((c, i) => i > 0 && !c.isNamed && c.type !== '(' && c.type !== ')' && isBinaryOp(c.type));
  if (opIdx < 0) return { t: 'unknown', why: 'operation' };
  return { t: 'bin', op: kids[opIdx]?.type ?? '', l: lowerTerm(kids.slice(0, opIdx)), r: lowerTerm(kids.slice(opIdx + 1)) };
}

const BINARY = new Set(['*', '/', '%', '+', '-', '>', '>=', '<', '<=', '==', '!=', '&&', '||']);
const isBinaryOp = (t: string) => BINARY.has(t);
