import type { Rule } from '../engine/rule.js';
import { costRules } from './cost.js';
import { accessRules } from './kubernetes/access.js';
import { availabilityRules } from './kubernetes/availability.js';
import { componentRules } from './kubernetes/components.js';
import { workloadRules } from './kubernetes/workloads.js';
import { iamRules } from './terraform/iam.js';
import { moreTfRules } from './terraform/more.js';
import { s3Rules } from './terraform/s3.js';
import { tfTableRules } from './terraform/table.js';
import { cfnTableRules } from './cloudformation/table.js';
import { cfnNetworkPolicyRules } from './cloudformation/network-policy.js';

/** Every built-in rule. */
export const BUILTIN_RULES: Rule[] = [...s3Rules, ...iamRules, ...moreTfRules, ...tfTableRules, ...cfnTableRules, ...cfnNetworkPolicyRules, ...workloadRules, ...componentRules, ...accessRules, ...availabilityRules, ...costRules];
