import type { Rule } from '../engine/rule.js';
import { s3Rules } from './terraform/s3.js';

/** Every built-in rule. */
export const BUILTIN_RULES: Rule[] = [...s3Rules];
