import type { Span, Value } from '../../model.js';

/** Terraform expressions, lowered from the tree-sitter syntax tree so trees can be freed and ASTs cached by content hash. */
export type Expr =
  | { t: 'lit'; v: Value }
  | { t: 'tpl'; parts: Array<string | Expr> }
  | { t: 'var'; name: string }
  | { t: 'attr'; obj: Expr; name: string }
  | { t: 'idx'; obj: Expr; key: Expr }
  | { t: 'splat'; obj: Expr; ops: Array<{ attr: string } | { idx: Expr }> }
  | { t: 'tuple'; items: Expr[] }
  | { t: 'object'; items: Array<[Expr, Expr]> }
  | { t: 'call'; name: string; args: Expr[]; expand: boolean }
  | { t: 'cond'; c: Expr; a: Expr; b: Expr }
  | { t: 'un'; op: string; e: Expr }
  | { t: 'bin'; op: string; l: Expr; r: Expr }
  | { t: 'for'; k?: string; v: string; coll: Expr; key?: Expr; val: Expr; cond?: Expr; group: boolean }
  | { t: 'unknown'; why: string };

export interface AttrNode {
  name: string;
  expr: Expr;
  span: Span;
}

export interface BlockNode {
  type: string;
  labels: string[];
  span: Span;
  attrs: AttrNode[];
  blocks: BlockNode[];
}

export interface HclFile {
  path: string;
  blocks: BlockNode[];
  /** Top-level attributes (a .tfvars file). */
  attrs: AttrNode[];
}
