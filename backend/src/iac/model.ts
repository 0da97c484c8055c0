/** The unified resource model every parser produces and every rule reads. */

export type Framework = 'terraform' | 'cloudformation' | 'kubernetes';
export const FRAMEWORKS: readonly Framework[] = ['terraform', 'cloudformation', 'kubernetes'];

/** A value the evaluator could not determine (a reference to another resource, a missing variable…). Rules never fire on it. */
export class Unknown {
  /**
   * @param ref what the value refers to (`aws_s3_bucket.b.arn`), for relating resources
   * @param text for a string template with unknown parts: the text with each unknown part replaced by a marker,
   *   which policy checks may parse (the known structure of a JSON policy) while every other check sees an unknown
   */
  constructor(
    readonly ref?: string,
    readonly text?: string,
  ) {}
}

/** Stands in for an unknown interpolation inside `Unknown.text`. */
export const UNKNOWN_MARK = '\u0000unknown\u0000';
export const isUnknown = (v: unknown): v is Unknown => v instanceof Unknown;

export type Value = string | number | boolean | null | Unknown | Value[] | { [key: string]: Value };
export type ValueMap = { [key: string]: Value };

export interface Span {
  line: number;
  endLine: number;
}

/** Looks up the source span of an attribute path; a Map satisfies it. */
export interface PositionIndex {
  get(path: string): Span | undefined;
  has(path: string): boolean;
}

export interface Resource {
  framework: Framework;
  /** `aws_s3_bucket`, `AWS::S3::Bucket`, `Deployment`. */
  kind: string;
  /** Stable address: `module.net.aws_s3_bucket.logs["a"]`, the CFN logical id, `Deployment/ns/name`. */
  address: string;
  /** Local name (`logs`, the logical id, metadata.name). */
  name: string;
  file: string;
  span: Span;
  /** Evaluated attributes; Terraform blocks are arrays of objects. */
  attrs: ValueMap;
  /** Source position of each attribute by dotted path (`versioning.0.enabled`); YAML parsers answer lazily. */
  pos: PositionIndex;
  /** Rule ids suppressed on this resource, with the stated reason. */
  suppressed: Map<string, string>;
}

/** A file that could not be parsed (or a document inside it). The scan goes on without it. */
export interface ParseError {
  file: string;
  line: number;
  message: string;
  framework?: Framework;
}

export interface SourceFile {
  path: string;
  content: string;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const severityRank = (s: Severity): number => SEVERITIES.length - SEVERITIES.indexOf(s);

export type Category = 'security' | 'reliability' | 'performance' | 'cost';
export const CATEGORIES: readonly Category[] = ['security', 'reliability', 'performance', 'cost'];

/** A machine fix: set (or remove) one attribute; applied by the fixer and re-scanned in tests. */
export interface FixPatch {
  /** Dotted attribute path relative to the resource. */
  path: string;
  /** The value to set; `undefined` removes the attribute. */
  value?: Value;
}

export interface Finding {
  ruleId: string;
  title: string;
  severity: Severity;
  category: Category;
  framework: Framework;
  file: string;
  line: number;
  endLine: number;
  resource: string;
  kind: string;
  /** Lines of the whole resource (block, template resource, manifest document). */
  resourceLine: number;
  resourceEndLine: number;
  message: string;
  remediation: string;
  fix?: FixPatch;
  /** Attribute path the finding points at (`spec.containers.1.securityContext`): tells apart hits of one rule on one resource. */
  at?: string;
  /** Rules of the same family that fired at the same place and were merged into this finding (named in its message). */
  alsoRules?: string[];
}

export const PARSE_RULE_ID = 'iac-parse-error';

export function isObject(v: Value | undefined): v is ValueMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Unknown);
}
