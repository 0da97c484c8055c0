import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

/** One Kubernetes API permission the code needs, as an RBAC rule sees it. */
export interface KubePermission {
  group: string;
  resource: string;
  verb: string;
  /** `cluster`: a cluster-scoped resource or a list/watch across all namespaces. */
  scope: 'cluster' | 'namespaced';
  /** Where the call is made (file:line), for the failure message. */
  at: string;
}

export interface KubeCallReport {
  permissions: KubePermission[];
  /** Uses of @kubernetes/client-node this analysis cannot map to a permission: the test fails on them. */
  unknown: string[];
}

const API_GROUPS: Record<string, string> = {
  CoreV1Api: '',
  AppsV1Api: 'apps',
  BatchV1Api: 'batch',
  CoordinationV1Api: 'coordination.k8s.io',
  EventsV1Api: 'events.k8s.io',
  NetworkingV1Api: 'networking.k8s.io',
  AutoscalingV1Api: 'autoscaling',
  AutoscalingV2Api: 'autoscaling',
  PolicyV1Api: 'policy',
  RbacAuthorizationV1Api: 'rbac.authorization.k8s.io',
};
const KINDS: Record<string, { resource: string; cluster?: boolean }> = {
  Pod: { resource: 'pods' },
  Deployment: { resource: 'deployments' },
  ReplicaSet: { resource: 'replicasets' },
  StatefulSet: { resource: 'statefulsets' },
  DaemonSet: { resource: 'daemonsets' },
  Service: { resource: 'services' },
  Endpoints: { resource: 'endpoints' },
  Event: { resource: 'events' },
  ConfigMap: { resource: 'configmaps' },
  Secret: { resource: 'secrets' },
  Job: { resource: 'jobs' },
  CronJob: { resource: 'cronjobs' },
  Lease: { resource: 'leases' },
  Ingress: { resource: 'ingresses' },
  HorizontalPodAutoscaler: { resource: 'horizontalpodautoscalers' },
  PodDisruptionBudget: { resource: 'poddisruptionbudgets' },
  Namespace: { resource: 'namespaces', cluster: true },
  Node: { resource: 'nodes', cluster: true },
};
const SUBRESOURCES: Record<string, string> = {
  Log: 'log',
  Scale: 'scale',
  Status: 'status',
  Eviction: 'eviction',
  Binding: 'binding',
  Ephemeralcontainers: 'ephemeralcontainers',
};
const VERBS: Record<string, string> = {
  list: 'list',
  read: 'get',
  watch: 'watch',
  create: 'create',
  patch: 'patch',
  replace: 'update',
  delete: 'delete',
  deleteCollection: 'deletecollection',
};
const METHOD =
  /^(deleteCollection|list|read|watch|create|patch|replace|delete)(Namespaced)?([A-Z][A-Za-z]*?)(ForAllNamespaces)?$/;

/** `listNamespacedPod` on CoreV1Api → list pods (namespaced); `readNamespacedPodLog` → get pods/log. */
export function permissionOfMethod(apiClass: string, method: string): Omit<KubePermission, 'at'> | undefined {
  const group = API_GROUPS[apiClass];
  const m = METHOD.exec(method);
  if (group === undefined || !m) return undefined;
  const [, verbWord = '', namespaced, kindAndSub = '', allNamespaces] = m;
  let kind = KINDS[kindAndSub];
  let sub = '';
  if (!kind) {
    const split = Object.keys(SUBRESOURCES).find(
      (s) => kindAndSub.endsWith(s) && KINDS[kindAndSub.slice(0, -s.length)],
    );
    if (!split) return undefined;
    kind = KINDS[kindAndSub.slice(0, -split.length)];
    sub = `/${SUBRESOURCES[split]}`;
  }
  if (!kind) return undefined;
  const verb = VERBS[verbWord] ?? verbWord;
  const scope = allNamespaces || kind.cluster || !namespaced ? 'cluster' : 'namespaced';
  return { group, resource: kind.resource + sub, verb, scope };
}

/** `/api/v1/namespaces/{ns}/events` → events (namespaced); `/apis/apps/v1/deployments` → deployments (cluster). */
export function permissionOfWatchPath(p: string): Omit<KubePermission, 'at'> | undefined {
  const m = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/(?:(namespaces)\/[^/]+\/)?([a-z]+)$/.exec(p);
  if (!m) return undefined;
  return { group: m[1] ?? '', resource: m[3] ?? '', verb: 'watch', scope: m[2] ? 'namespaced' : 'cluster' };
}

/** The string values an expression may take: literals, templates (substitutions become `*`), both arms of `?:`, local consts. */
function stringValues(e: ts.Expression, consts: Map<string, ts.Expression>, depth = 0): string[] | undefined {
  if (depth > 5) return undefined;
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
  if (ts.isTemplateExpression(e)) return [e.head.text + e.templateSpans.map((s) => '*' + s.literal.text).join('')];
  if (ts.isParenthesizedExpression(e)) return stringValues(e.expression, consts, depth + 1);
  if (ts.isConditionalExpression(e)) {
    const a = stringValues(e.whenTrue, consts, depth + 1);
    const b = stringValues(e.whenFalse, consts, depth + 1);
    return a && b ? [...a, ...b] : undefined;
  }
  if (ts.isIdentifier(e)) {
    const init = consts.get(e.text);
    return init ? stringValues(init, consts, depth + 1) : undefined;
  }
  return undefined;
}

/** Reads one file's client-node use: API clients made with makeApiClient(XApi), their calls, and Watch paths. */
export function analyseSource(file: string, text: string): KubeCallReport {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const clients = new Map<string, string>();
  const consts = new Map<string, ts.Expression>();
  const permissions: KubePermission[] = [];
  const unknown: string[] = [];
  const where = (n: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;

  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      consts.set(n.name.text, n.initializer);
      const init = n.initializer;
      if (
        ts.isCallExpression(init) &&
        ts.isPropertyAccessExpression(init.expression) &&
        init.expression.name.text === 'makeApiClient'
      ) {
        const arg = init.arguments[0];
        if (arg && ts.isIdentifier(arg)) clients.set(n.name.text, arg.text);
      }
    }
    ts.forEachChild(n, collect);
  };
  collect(source);

  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const method = n.expression.name.text;
      const receiver = n.expression.expression;
      if (method === 'makeApiClient') {
        const bound =
          ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name) && clients.has(n.parent.name.text);
        if (!bound) unknown.push(`${where(n)}: makeApiClient result not bound to a const`);
      } else if (ts.isIdentifier(receiver) && clients.has(receiver.text)) {
        const apiClass = clients.get(receiver.text) ?? '';
        const p = permissionOfMethod(apiClass, method);
        if (p) permissions.push({ ...p, at: where(n) });
        else unknown.push(`${where(n)}: ${apiClass}.${method}`);
      } else if (
        method === 'watch' &&
        ts.isNewExpression(receiver) &&
        ts.isIdentifier(receiver.expression) &&
        receiver.expression.text === 'Watch'
      ) {
        const arg = n.arguments[0];
        const paths = arg ? stringValues(arg, consts) : undefined;
        if (!paths) unknown.push(`${where(n)}: Watch.watch path is not a literal`);
        for (const p of paths ?? []) {
          const perm = permissionOfWatchPath(p);
          if (perm) permissions.push({ ...perm, at: where(n) });
          else unknown.push(`${where(n)}: Watch.watch(${p})`);
        }
      }
    }
    if (
      ts.isNewExpression(n) &&
      ts.isIdentifier(n.expression) &&
      ['Log', 'Exec', 'Attach', 'PortForward', 'Cp', 'Metrics', 'Informer'].includes(n.expression.text)
    ) {
      unknown.push(`${where(n)}: new ${n.expression.text}(…) is not mapped`);
    }
    if (
      ts.isIdentifier(n) &&
      ['KubernetesObjectApi', 'makeInformer'].includes(n.text) &&
      !ts.isImportSpecifier(n.parent)
    ) {
      unknown.push(`${where(n)}: ${n.text} is not mapped`);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return { permissions, unknown };
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(full)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

/**
 * Every Kubernetes API call the backend makes: files importing @kubernetes/client-node under `srcDir`,
 * except the simulated cluster (it serves the API, it does not call it).
 */
export async function kubeApiCalls(srcDir: string, exclude: string[] = ['sources/simulator']): Promise<KubeCallReport> {
  const report: KubeCallReport = { permissions: [], unknown: [] };
  for (const file of await sourceFiles(srcDir)) {
    const rel = path.relative(srcDir, file).split(path.sep).join('/');
    if (exclude.some((x) => rel.startsWith(x))) continue;
    const text = await readFile(file, 'utf8');
    if (!text.includes('@kubernetes/client-node')) continue;
    const r = analyseSource(rel, text);
    report.permissions.push(...r.permissions);
    report.unknown.push(...r.unknown);
  }
  return report;
}
