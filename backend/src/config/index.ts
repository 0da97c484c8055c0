import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../platform/errors.js';
import { parseFailpoints } from '../platform/failpoints.js';

const optionalString = z.string().trim().min(1).optional();
/** A configured API token: long enough that guessing it is hopeless (the generated ones are 47 characters). */
const configuredToken = z.string().trim().min(16, 'must be at least 16 characters (e.g. openssl rand -hex 24)').optional();
const port = z.coerce.number().int().min(0).max(65535);
const flag = z
  .enum(['1', '0', 'true', 'false', 'on', 'off', 'yes', 'no'])
  .transform((v) => ['1', 'true', 'on', 'yes'].includes(v))
  .optional();

/** Every setting, named exactly as the environment variable that sets it (see DESIGN.md). */
export const configSchema = z
  .object({
    AEGIS_HOME: z.string().min(1).default('.aegis'),
    AEGIS_HOST: z.string().min(1).default('127.0.0.1'),
    AEGIS_PORT: port.default(8000),
    AEGIS_TLS_CERT: optionalString,
    AEGIS_TLS_KEY: optionalString,
    AEGIS_ADMIN_TOKEN: configuredToken,
    AEGIS_INGEST_TOKEN: configuredToken,
    AEGIS_GRAFANA_TOKEN: configuredToken,
    /** The datasource's read-only credential (role viewer), provisioned like the others. */
    AEGIS_VIEWER_TOKEN: configuredToken,
    AEGIS_URL: optionalString,
    AEGIS_TOKEN: optionalString,
    AEGIS_DATABASE_URL: optionalString,
    AEGIS_KUBECONFIG: optionalString,
    /** Where replicas' singleton leases live: PostgreSQL advisory locks, or coordination.k8s.io Leases in the pod's namespace. */
    AEGIS_LEASE_BACKEND: z.enum(['postgres', 'kubernetes']).default('postgres'),
    /** Make approved changes as the approver (Kubernetes impersonation): the user to act as, `{approver}` replaced by the approver's name. */
    AEGIS_IMPERSONATE_USER: z.string().trim().min(1).max(253).refine((v) => v.includes('{approver}'), 'must contain {approver}, e.g. "{approver}" or "oidc:{approver}"').optional(),
    /** A group to impersonate along with the user (needs AEGIS_IMPERSONATE_USER). */
    AEGIS_IMPERSONATE_GROUP: z.string().trim().min(1).max(253).optional(),
    AEGIS_SIMULATOR: flag,
    AEGIS_SIM_PORT: port.optional(),
    AEGIS_PROMETHEUS_URL: z.url().optional(),
    /** Metric naming of the Prometheus queries: default (cAdvisor + kube-state-metrics), istio, linkerd, otel; comma-separated merges. */
    AEGIS_METRIC_TEMPLATES: z.string().regex(/^\s*(default|istio|linkerd|otel)\s*(,\s*(default|istio|linkerd|otel)\s*)*$/, 'a comma-separated list of default, istio, linkerd, otel').default('default'),
    AEGIS_LOKI_URL: z.url().optional(),
    /** Tempo's query-frontend (e.g. http://tempo:3200): spans for root cause analysis. */
    AEGIS_TEMPO_URL: z.url().optional(),
    AEGIS_GRAFANA_URL: z.url().optional(),
    AEGIS_GRAFANA_API_TOKEN: optionalString,
    AEGIS_GRAFANA_WEBHOOK_SECRET: optionalString,
    AEGIS_GITHUB_WEBHOOK_SECRET: optionalString,
    AEGIS_SLACK_SIGNING_SECRET: optionalString,
    AEGIS_GITHUB_TOKEN: optionalString,
    AEGIS_SLACK_WEBHOOK_URL: z.url().optional(),
    AEGIS_SLACK_BOT_TOKEN: optionalString,
    AEGIS_LLM_URL: z.url().optional(),
    AEGIS_LLM_MODEL: optionalString,
    AEGIS_LLM_API_KEY: optionalString,
    AEGIS_TF_BACKEND: z.enum(['tensorflow', 'wasm', 'cpu']).optional(),
    /** Opt in to the LSTM ensemble member (off: bench:nab:ablation shows no held-out gain; README, Anomaly detection). */
    AEGIS_DETECT_LSTM: flag,
    AEGIS_EXTENSIONS_DIR: optionalString,
    /** Server folders POST /iac/scan may read with `path` (comma-separated; unset: none). */
    AEGIS_IAC_ROOTS: optionalString,
    AEGIS_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** Largest request body accepted, in bytes. */
    AEGIS_BODY_LIMIT: z.coerce.number().int().positive().default(1_048_576),
    /** Requests per second per API token (per client address without a valid one); 0 turns it off. */
    AEGIS_RATE_LIMIT: z.coerce.number().min(0).default(50),
    /** Requests a token may send at once before AEGIS_RATE_LIMIT applies. */
    AEGIS_RATE_LIMIT_BURST: z.coerce.number().int().positive().default(200),
    /** Webhook deliveries per second per sender; 0 (default): only the ingestion queue's back-pressure applies. */
    AEGIS_INGEST_RATE_LIMIT: z.coerce.number().min(0).default(0),
    /** Testing only: crash points to arm (`name[,name]`, see platform/failpoints.ts); a typo is refused. */
    AEGIS_FAILPOINTS: optionalString.superRefine((spec, ctx) => {
      try {
        parseFailpoints(spec);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  })
  .refine((c) => Boolean(c.AEGIS_TLS_CERT) === Boolean(c.AEGIS_TLS_KEY), {
    message: 'AEGIS_TLS_CERT and AEGIS_TLS_KEY must be set together',
  })
  .refine((c) => !c.AEGIS_IMPERSONATE_GROUP || Boolean(c.AEGIS_IMPERSONATE_USER), {
    message: 'AEGIS_IMPERSONATE_GROUP needs AEGIS_IMPERSONATE_USER (Kubernetes impersonates a group only along with a user)',
  });

export type AegisConfig = z.infer<typeof configSchema>;
export type ConfigKey = keyof AegisConfig;

/** Reads a YAML or JSON config file whose keys are the same names as the environment variables. */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`config file ${file} cannot be read: ${(err as Error).message}`);
  }
  const parsed: unknown = parseYaml(text);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputError(`config file ${file} must hold a mapping of AEGIS_* keys`);
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
}

const KNOWN_KEYS = new Set(Object.keys(configSchema.shape));

/** AEGIS_* variables in the environment that Aegis does not know: reported as a warning at start. */
export function unknownEnvKeys(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((k) => k.startsWith('AEGIS_') && k !== 'AEGIS_CONFIG' && !KNOWN_KEYS.has(k));
}

/**
 * Environment wins over the file; unknown keys in a file are refused so a typo never silently does nothing.
 * `cwd` anchors a relative AEGIS_HOME.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  opts: { file?: string; cwd?: string } = {},
): AegisConfig {
  const file = opts.file ?? env.AEGIS_CONFIG;
  const fromFile = file ? readConfigFile(file) : {};
  const unknownInFile = Object.keys(fromFile).filter((k) => !KNOWN_KEYS.has(k));
  if (unknownInFile.length) throw new InputError(`unknown keys in ${file}: ${unknownInFile.join(', ')}`);
  const fromEnv = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => KNOWN_KEYS.has(k) && v !== undefined && v !== ''),
  );
  const result = configSchema.safeParse({ ...fromFile, ...fromEnv });
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new InputError(`invalid configuration: ${issues}`);
  }
  const config = result.data;
  return { ...config, AEGIS_HOME: path.resolve(opts.cwd ?? process.cwd(), config.AEGIS_HOME) };
}

/** Values that must never be printed: used to scrub logs and error bodies. */
export function secretValues(config: AegisConfig): string[] {
  const keys: ConfigKey[] = [
    'AEGIS_ADMIN_TOKEN',
    'AEGIS_INGEST_TOKEN',
    'AEGIS_GRAFANA_TOKEN',
    'AEGIS_VIEWER_TOKEN',
    'AEGIS_TOKEN',
    'AEGIS_GRAFANA_API_TOKEN',
    'AEGIS_GRAFANA_WEBHOOK_SECRET',
    'AEGIS_GITHUB_WEBHOOK_SECRET',
    'AEGIS_SLACK_SIGNING_SECRET',
    'AEGIS_GITHUB_TOKEN',
    'AEGIS_SLACK_BOT_TOKEN',
    'AEGIS_LLM_API_KEY',
    'AEGIS_SLACK_WEBHOOK_URL', // Slack's incoming-webhook URL carries its credential in the path
  ];
  return keys.map((k) => config[k]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}
