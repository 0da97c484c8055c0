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
import { withEquivalents } from './equivalents/index.js';
import { secretRules } from './secrets.js';
import { tfBreadthRules } from './terraform/breadth.js';
import { customerKeyRules } from './terraform/customer-keys.js';
import { tfServiceRules } from './terraform/services.js';
import { k8sBreadthRules } from './kubernetes/breadth.js';
import { cfnBreadthRules } from './cloudformation/breadth.js';
import { providerNoticeRule } from './coverage-notice.js';
import { azureRules } from './terraform/azure.js';
import { gcpRules } from './terraform/gcp.js';

/** Every built-in rule as declared in code (KICS equivalents named by query directory). */
export const DECLARED_RULES: Rule[] = [...s3Rules, ...iamRules, ...moreTfRules, ...tfTableRules, ...tfBreadthRules, ...customerKeyRules, ...tfServiceRules, ...azureRules, ...gcpRules, ...cfnTableRules, ...cfnNetworkPolicyRules, ...cfnBreadthRules, ...workloadRules, ...componentRules, ...accessRules, ...k8sBreadthRules, ...availabilityRules, ...costRules, ...secretRules, providerNoticeRule];

/** Every built-in rule, with its Checkov/KICS/Trivy equivalents from the mapping data. */
export const BUILTIN_RULES: Rule[] = withEquivalents(DECLARED_RULES);
