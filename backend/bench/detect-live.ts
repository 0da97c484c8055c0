/**
 * Live detection quality on the simulated cluster: `npm run bench:detect:live -- [--quiet-minutes 60] [--late-seconds 40] [--settle-minutes 30] [--sensitivity 0.5]`
 *
 * The detection service as `npm start` wires it (default pipeline, two days of history), on a manual clock:
 * an hour of fault-free operation with late ticks (the detection tick fires up to --late-seconds after the
 * minute and the simulator lags behind, as on a loaded machine) — nothing may open and the displayed score
 * should stay under the alarm threshold — then every scenario, each on its own service, which must push that
 * service's `aegis_anomaly_score` over the threshold within 5 minutes. Prints one row per scenario.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  ANOMALY_ALARM_THRESHOLD,
  createDetectStore,
  DEFAULT_PIPELINE,
  type PipelineConfigInput,
} from '../src/detect/index.js';
import { runLiveCheck } from '../src/detect/service/live-check.js';
import { createManualClock } from '../src/platform/clock.js';
import { pgliteTestDatabase } from '../test/helpers/db.js';

const { values } = parseArgs({
  options: {
    'quiet-minutes': { type: 'string', default: '60' },
    'late-seconds': { type: 'string', default: '40' },
    seed: { type: 'string', default: '1' },
    'settle-minutes': { type: 'string', default: '30' },
    /** The pipeline's sensitivity (0.5 = the default's alarm surprise). */
    sensitivity: { type: 'string', default: '0.5' },
    /** A pipeline configuration (JSON) to check instead of the default, e.g. a NAB selection. */
    config: { type: 'string' },
  },
});

export const LIVE_SCENARIOS = [
  { scenario: 'memory-leak', service: 'cartservice' },
  { scenario: 'bad-deploy', service: 'checkoutservice' },
  { scenario: 'cpu-saturation', service: 'productcatalogservice' },
  { scenario: 'dependency-latency', service: 'currencyservice' },
  { scenario: 'crash-loop', service: 'paymentservice' },
  { scenario: 'noisy-neighbour', service: 'recommendationservice' },
  { scenario: 'cascading-failure', service: 'shippingservice' },
];

const pipeline: PipelineConfigInput = values.config
  ? (JSON.parse(await readFile(values.config, 'utf8')) as PipelineConfigInput)
  : DEFAULT_PIPELINE;
const tdb = await pgliteTestDatabase();
try {
  const started = performance.now();
  const result = await runLiveCheck({
    store: createDetectStore({ db: tdb.db, clock: createManualClock() }),
    quietMinutes: Number(values['quiet-minutes']),
    lateSeconds: Number(values['late-seconds']),
    seed: Number(values.seed),
    settleMinutes: Number(values['settle-minutes']),
    pipeline: { ...pipeline, sensitivity: Number(values.sensitivity) },
    scenarios: LIVE_SCENARIOS,
    onProgress: (line) => console.log(`  ${line}`),
  });
  const q = result.quiet;
  console.log(
    `\nfault-free, ${q.minutes} simulated minutes, ticks up to ${values['late-seconds']} s late: ${q.opened} anomalies opened; ` +
      `displayed score max ${q.maxScore.toFixed(3)} (${q.maxAt}), ${q.above05} of ${q.points} scores > 0.5 ` +
      `(${((100 * q.above05) / Math.max(1, q.points)).toFixed(2)} %), ${q.overThreshold} at or over the alarm threshold ${ANOMALY_ALARM_THRESHOLD}; ` +
      `the provisioned rule (service max > ${ANOMALY_ALARM_THRESHOLD} for 2 m) would have fired ${q.ruleFirings} times`,
  );
  for (const line of result.falseAlarms) console.log(`  opened while healthy: ${line}`);
  console.log('\nscenario            service                 max score (5 min)  minutes to threshold  minutes to anomaly  anomalies opened');
  for (const s of result.scenarios)
    console.log(
      `${s.scenario.padEnd(20)}${s.service.padEnd(24)}${s.maxScore.toFixed(3).padStart(17)}  ${String(s.minutesToThreshold ?? 'not reached').padStart(20)}  ${String(s.minutesToAnomaly ?? 'none').padStart(18)}  ${String(s.opened).padStart(16)}`,
    );
  const reached = result.scenarios.filter((s) => s.minutesToThreshold !== null).length;
  const flagged = result.scenarios.filter((s) => s.minutesToAnomaly !== null).length;
  console.log(
    `\n${reached}/${result.scenarios.length} scenarios over the threshold within 5 minutes, ${flagged}/${result.scenarios.length} with an anomaly opened on the service; ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
} finally {
  await tdb.dispose();
}
