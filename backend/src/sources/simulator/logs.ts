import type { Scenario } from './faults.js';
import { uniformAt } from './random.js';
import type { ServiceSpec } from './topology.js';

export interface SimLogLine {
  t: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

const INFO: Record<string, string[]> = {
  frontend: ['request complete http.req.method=GET http.req.path=/product/{product} http.resp.status=200 http.resp.took_ms={ms}', 'request complete http.req.method=GET http.req.path=/ http.resp.status=200 http.resp.took_ms={ms}', 'request complete http.req.method=POST http.req.path=/cart http.resp.status=302 http.resp.took_ms={ms}', 'serving home page session={session}'],
  cartservice: ['GetCartAsync called with userId={session}', 'AddItemAsync called with userId={session}, productId={product}, quantity=1', 'Checking CartService Health'],
  productcatalogservice: ['successfully parsed product catalog json', 'GetProduct id={product} took {ms}ms'],
  currencyservice: ['conversion request successful', 'Getting supported currencies...'],
  paymentservice: ['Transaction processed: visa ending 0454 Amount: USD{amount}', 'payment request received'],
  shippingservice: ['[GetQuote] received request', '[GetQuote] completed request', '[ShipOrder] completed request'],
  emailservice: ['A request to send order confirmation email to {session}@example.com has been received.'],
  checkoutservice: ['[PlaceOrder] user_id="{session}" user_currency="USD"', 'payment went through (transaction_id: {txn})', 'order confirmation email sent to "{session}@example.com"'],
  recommendationservice: ['[Recv ListRecommendations] product_ids=[\'{product}\']'],
  adservice: ['received ad request (context_words=[clothing])'],
  'redis-cart': ['DB saved on disk', '1 changes in 300 seconds. Saving...'],
};

const ERRORS: Record<Scenario | 'dependency', string[]> = {
  'memory-leak': ['GC overhead limit approaching: heap {pct}% of limit after full collection', 'allocation stall: heap {pct}% used, collection took {ms}ms'],
  'bad-deploy': ['unhandled exception in request handler: TypeError: Cannot read properties of undefined (reading \'currencyCode\')', 'request failed http.resp.status=500 error="nil pointer dereference in handler"'],
  'cpu-saturation': ['request queue saturated: {queue} requests waiting, worker pool busy', 'slow request took_ms={ms} (cpu throttled)'],
  'dependency-latency': ['slow query to backing store took {ms}ms', 'upstream storage latency above SLO: p99={ms}ms'],
  'crash-loop': ['panic: invalid value for FEATURE_FLAGS: unknown flag "cache-v2"', 'fatal: failed to load configuration, exiting with code 1'],
  'noisy-neighbour': ['request took_ms={ms}: CPU throttled (cfs_throttled_periods rising)', 'event loop lag {ms}ms'],
  'cascading-failure': ['connection pool exhausted: 0 of 64 connections free, waited {ms}ms', 'timed out acquiring connection after {ms}ms'],
  dependency: ['failed to call {dep}: rpc error: code = Unavailable desc = connection refused', 'failed to call {dep}: rpc error: code = DeadlineExceeded desc = context deadline exceeded', 'could not retrieve {dep} response: status 503'],
};

const PRODUCTS = ['OLJCESPC7Z', '66VCHSJNUP', '1YMWWN1N4O', 'L9ECAV7KIM', '2ZYFJ3GM2N', '0PUK6V6EV0', 'LS4PSXUNUM', '9SIQT8TOJO', '6E92ZMYYFZ'];

function fill(template: string, seedParts: number[], values: { ms: number; dep?: string; pct?: number }): string {
  const pick = <T>(xs: T[], k: number) => xs[Math.floor(uniformAt(...seedParts, k) * xs.length)] as T;
  return template
    .replaceAll('{ms}', String(Math.round(values.ms)))
    .replaceAll('{dep}', values.dep ?? 'backend')
    .replaceAll('{pct}', String(Math.round(values.pct ?? 90)))
    .replaceAll('{product}', pick(PRODUCTS, 1))
    .replaceAll('{session}', (uniformAt(...seedParts, 2) * 1e16).toString(16).slice(0, 8))
    .replaceAll('{txn}', (uniformAt(...seedParts, 3) * 1e16).toString(16).slice(0, 12))
    .replaceAll('{amount}', (uniformAt(...seedParts, 4) * 200).toFixed(2))
    .replaceAll('{queue}', String(Math.round(10 + uniformAt(...seedParts, 5) * 200)));
}

/**
 * The lines one pod writes during one tick: a trickle of info lines proportional to traffic, and error
 * lines proportional to the failing requests, worded after the cause.
 */
export function podLogLines(input: {
  spec: ServiceSpec;
  seed: number;
  noiseId: number;
  tick: number;
  t: number;
  stepMs: number;
  requestRate: number;
  errorRate: number;
  latencyMs: number;
  memoryPct: number;
  cause?: Scenario;
  failingDependency?: string;
}): SimLogLine[] {
  const { spec, seed, noiseId, tick, t, stepMs } = input;
  const lines: SimLogLine[] = [];
  const secs = stepMs / 1000;
  const infoExpected = Math.min(5, secs * (0.3 + 0.02 * input.requestRate));
  const errExpected = Math.min(5, input.requestRate * secs * input.errorRate * 0.05 + (input.cause ? 0.1 * secs : 0));
  const draws = (expected: number, k: number) => Math.floor(expected) + (uniformAt(seed, noiseId, tick, k) < expected % 1 ? 1 : 0);
  const infos = INFO[spec.name] ?? ['request complete'];
  for (let i = 0; i < draws(infoExpected, 1); i++) {
    const parts = [seed, noiseId, tick, 10 + i];
    const template = infos[Math.floor(uniformAt(...parts) * infos.length)] as string;
    lines.push({ t: t + Math.floor(uniformAt(...parts, 9) * stepMs), level: 'info', message: fill(template, parts, { ms: input.latencyMs }) });
  }
  for (let i = 0; i < draws(errExpected, 2); i++) {
    const parts = [seed, noiseId, tick, 100 + i];
    const own = input.cause && uniformAt(...parts, 8) < 0.7;
    const pool = own ? ERRORS[input.cause as Scenario] : ERRORS.dependency;
    const template = pool[Math.floor(uniformAt(...parts) * pool.length)] as string;
    const level = input.cause === 'memory-leak' || input.cause === 'cpu-saturation' || input.cause === 'noisy-neighbour' ? 'warn' : 'error';
    lines.push({
      t: t + Math.floor(uniformAt(...parts, 9) * stepMs),
      level,
      message: fill(template, parts, { ms: input.latencyMs, dep: input.failingDependency, pct: input.memoryPct }),
    });
  }
  return lines.sort((a, b) => a.t - b.t);
}

/** The text a container prints: JSON for the Go and Node services (as Online Boutique does), plain text otherwise. */
export function formatLogLine(spec: ServiceSpec, line: SimLogLine): string {
  const ts = new Date(line.t).toISOString();
  if (spec.language === 'go' || spec.language === 'node') {
    return JSON.stringify({ message: line.message, severity: line.level, timestamp: ts });
  }
  if (spec.language === 'redis') return `1:M ${ts} * ${line.message}`;
  return `${ts} ${line.level.toUpperCase()} ${line.message}`;
}
