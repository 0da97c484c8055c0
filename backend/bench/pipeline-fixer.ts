/**
 * The fixer's learned policy vs. a fixed rule table on held-out simulator scenarios.
 *
 *   npm run bench:pipeline:fixer [-- --episodes 1000 --test-contexts 140 --write-model]
 *
 * Training: seeded contexts (scenario × service × fault seed) on four base simulators; every context
 * tries every action on its own copy, so one context is five episodes. A separate calibration set fits
 * the confidence (isotonic); the held-out set uses other seeds and other base simulators (other times
 * of day). Prints success rate and time to recovery per policy, per scenario, and the reliability table.
 * `--write-model` stores the trained model as the fixer's shipped default.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  collectEpisodes,
  DEFAULT_MODEL_FILE,
  EPISODE_OPTIONS,
  FIXER_ACTIONS,
  planEpisodes,
  policies,
  reliability,
  scorePolicy,
  trainableServices,
  trainBandit,
  trainingBase,
  type PolicyScore,
  type StoredModel,
} from '../src/pipeline/agents/fixer/index.js';

export async function runFixerBench(args: { episodes: number; testContexts: number; writeModel: boolean; log: (s: string) => void }): Promise<void> {
  const { log } = args;
  const services = trainableServices(trainingBase(1, Date.UTC(2026, 0, 5)));
  const trainContexts = Math.ceil(args.episodes / FIXER_ACTIONS.length);
  const calContexts = Math.max(35, Math.round(trainContexts * 0.3));
  const progress = (label: string) => {
    let last = 0;
    return (done: number, total: number) => {
      if (done === total || performance.now() - last > 5_000) {
        last = performance.now();
        log(`  ${label}: ${done}/${total} contexts`);
      }
    };
  };
  const t0 = performance.now();
  log(`fixer: ${trainContexts} training contexts × ${FIXER_ACTIONS.length} actions = ${trainContexts * FIXER_ACTIONS.length} simulator episodes; ${calContexts} calibration contexts; ${args.testContexts} held-out contexts`);
  const train = await collectEpisodes(planEpisodes(trainContexts, 1, services), { seed: 1, onProgress: progress('train') });
  const cal = await collectEpisodes(planEpisodes(calContexts, 2, services), { seed: 1, onProgress: progress('calibration') });
  // Held out: other fault seeds, other base simulators (seeds 101-104, other start times).
  const test = await collectEpisodes(planEpisodes(args.testContexts, 3, services), { seed: 101, onProgress: progress('held-out') });
  const simSeconds = (performance.now() - t0) / 1000;
  const bandit = trainBandit(train, cal);
  log(`  simulated ${(train.length + cal.length + test.length) * FIXER_ACTIONS.length} episodes in ${simSeconds.toFixed(1)} s (load ${loadavg()[0]?.toFixed(2)})`);

  const horizon = EPISODE_OPTIONS.horizonMs;
  const scores = [
    scorePolicy('learned policy (bandit)', test, policies.bandit(bandit), horizon),
    scorePolicy('fixed rule table', test, policies.rules(), horizon),
    scorePolicy('oracle (best action in hindsight)', test, policies.oracle(), horizon),
  ];
  log('');
  log(`held-out scenarios: ${test.length} contexts, recovery = healthy within ${horizon / 60_000} min of acting`);
  log('policy                               success  mean TTR (recovered)  mean TTR (failures = horizon)');
  for (const s of scores) log(`${s.policy.padEnd(36)} ${pct(s.successRate).padStart(7)}  ${secs(s.meanRecoveryMs).padStart(20)}  ${secs(s.meanRecoveryCensoredMs).padStart(29)}`);
  log('');
  log('per scenario (successes/contexts; actions chosen):');
  for (const scenario of Object.keys(scores[0]?.byScenario ?? {})) {
    log(`  ${scenario}`);
    for (const s of scores) log(`    ${s.policy.padEnd(34)} ${cell(s, scenario)}`);
  }
  const rel = reliability(bandit, test);
  log('');
  log("confidence reliability (the learned policy's chosen action, held-out):");
  log('  bin        count  mean confidence  observed success');
  for (const r of rel.rows) if (r.count) log(`  ${r.bin.padEnd(9)} ${String(r.count).padStart(6)}  ${r.meanConfidence.toFixed(3).padStart(15)}  ${r.observedSuccess.toFixed(3).padStart(16)}`);
  log(`  expected calibration error ${rel.ece.toFixed(3)}, Brier score ${rel.brier.toFixed(3)}; abstained (confidence below the floor, nothing proposed) on ${rel.abstained} contexts`);
  if (args.writeModel) {
    const model: StoredModel = { state: bandit.state(), episodes: (train.length + cal.length) * FIXER_ACTIONS.length };
    await writeFile(DEFAULT_MODEL_FILE, JSON.stringify(model) + '\n');
    log(`wrote ${DEFAULT_MODEL_FILE} (${model.episodes} episodes)`);
  }
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const secs = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(0)} s`);
function cell(s: PolicyScore, scenario: string): string {
  const x = s.byScenario[scenario];
  if (!x) return '—';
  return `${x.success}/${x.contexts}  ${Object.entries(x.actions).map(([a, n]) => `${a}×${n}`).join(', ')}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      episodes: { type: 'string', default: '1000' },
      'test-contexts': { type: 'string', default: '140' },
      'write-model': { type: 'boolean', default: false },
    },
  });
  await runFixerBench({ episodes: Number(values.episodes), testContexts: Number(values['test-contexts']), writeModel: values['write-model'], log: (s) => console.log(s) });
}
