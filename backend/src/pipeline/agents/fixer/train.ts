import { createManualClock } from '../../../platform/clock.js';
import { createSimulator, SCENARIOS, type Simulator } from '../../../sources/simulator/index.js';
import { mulberry32 } from '../../../sources/simulator/random.js';
import { type Bandit, createBandit, FIXER_ACTIONS } from './bandit.js';
import { FEATURE_NAMES } from './features.js';
import { runEpisode, type Episode } from './simulate.js';

const MIN = 60_000;
export const EPISODE_OPTIONS = { developMs: 8 * MIN, horizonMs: 6 * MIN };

export interface EpisodePlan {
  scenario: string;
  service: string;
  seed: number;
}

/** Seeded contexts: scenarios round-robin, services and fault seeds drawn from `seed`. */
export function planEpisodes(count: number, seed: number, services: string[]): EpisodePlan[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => ({
    scenario: SCENARIOS[i % SCENARIOS.length] as string,
    service: services[Math.floor(rnd() * services.length)] as string,
    seed: Math.floor(rnd() * 2 ** 31),
  }));
}

/** A base simulator per start time: traffic differs by hour, so contexts span the day. */
export function trainingBase(seed: number, startMs: number): Simulator {
  const sim = createSimulator({ clock: createManualClock(startMs), seed, stepMs: 15_000, historyMs: 2 * 3_600_000, logLinesPerPod: 50 });
  sim.advance(2 * MIN);
  return sim;
}

/** Services cheap to copy (their downstream closure is small); the entry service copies the whole shop. */
export function trainableServices(sim: Simulator): string[] {
  return sim.topology.services.map((s) => s.name).filter((s) => s !== sim.topology.entry);
}

/** Runs contexts; each tries every action, so one context is `FIXER_ACTIONS.length` episodes. */
export async function collectEpisodes(
  plans: EpisodePlan[],
  o: { seed: number; onProgress?: (done: number, total: number) => void; bases?: number },
): Promise<Episode[]> {
  const bases = Array.from({ length: o.bases ?? 4 }, (_, i) => trainingBase(o.seed + i, Date.UTC(2026, 0, 5 + i, 3 + 5 * i)));
  const out: Episode[] = [];
  for (const [i, p] of plans.entries()) {
    out.push(await runEpisode(bases[i % bases.length] as Simulator, p, FIXER_ACTIONS, EPISODE_OPTIONS));
    o.onProgress?.(i + 1, plans.length);
  }
  return out;
}

export function trainBandit(episodes: Episode[], calibration: Episode[] = []): Bandit {
  const bandit = createBandit({ dim: FEATURE_NAMES.length, horizonMs: EPISODE_OPTIONS.horizonMs, lambda: 1 });
  for (const e of episodes) for (const o of e.outcomes) bandit.update({ features: e.signature.features, action: o.action, success: o.success, recoveryMs: o.recoveryMs });
  if (calibration.length) {
    const pairs = calibration.flatMap((e) => {
      const est = bandit.estimate(e.signature.features);
      return e.outcomes.map((o) => ({ p: est.find((x) => x.action === o.action)?.pSuccess ?? 0, success: o.success }));
    });
    bandit.fitCalibration(pairs);
  }
  return bandit;
}
