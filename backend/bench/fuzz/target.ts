import fc from 'fast-check';
import { z } from 'zod';
import { AegisError } from '../../src/platform/errors.js';

/** One input took longer than this: a hang. */
export const HANG_MS = 2000;

/**
 * A fuzz target: inputs from `arbitrary`, each given to `run`. `run` answers the reason an input was
 * rejected (a parse finding, a typed error it caught), or undefined when it was accepted. Typed errors
 * it throws count as rejections too; anything else thrown is a crash.
 */
export interface FuzzTarget<T = unknown> {
  name: string;
  /** Share of the bench's input budget, relative to the other targets. */
  weight: number;
  arbitrary: fc.Arbitrary<T>;
  run(input: T): string | undefined | Promise<string | undefined>;
  /** Set when `run` returns a promise (it then runs under a timeout). */
  async?: boolean;
  /** Builds what `run` needs once (a parser, a fake store). */
  setup?(): Promise<void>;
  /** Releases what setup built (a server). */
  teardown?(): Promise<void>;
}

/** An invariant the code under test broke on an accepted input: counted as a crash, never a rejection. */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

class HangError extends Error {
  override name = 'HangError';
}

/** The reason a typed error gives, with volatile parts (quoted text, numbers) folded so reasons can be counted. */
export function reasonOf(err: unknown): string | undefined {
  if (err instanceof AegisError) return `${err.code}: ${fold(err.message)}`;
  if (err instanceof z.ZodError) {
    const i = err.issues[0];
    return `zod ${i?.code ?? '?'} at ${i?.path.map((p) => (typeof p === 'number' ? 'N' : String(p))).join('.') || '(root)'}`;
  }
  return undefined;
}

export function fold(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/"[^"]*"/g, '"…"')
    .replace(/`[^`]*`/g, '`…`')
    .replace(/\d+/g, 'N')
    .slice(0, 70);
}

export interface TargetStats {
  name: string;
  tried: number;
  accepted: number;
  rejections: Map<string, number>;
  crashes: number;
  hangs: number;
  maxMs: number;
  seed: number;
  /** fast-check's report with the shrunk counterexample, when an input crashed or hung. */
  failure?: string;
  /** The shrunk input itself. */
  counterexample?: unknown;
}

/** Runs `numRuns` inputs of one target; stops at the first crash or hang and shrinks it. */
export async function fuzzTarget<T>(
  target: FuzzTarget<T>,
  o: { numRuns: number; seed: number; path?: string; hangMs?: number; onProgress?: (tried: number) => void; onInput?: (input: T) => void; onBeat?: () => void },
): Promise<TargetStats> {
  const hangMs = o.hangMs ?? HANG_MS;
  const stats: TargetStats = {
    name: target.name,
    tried: 0,
    accepted: 0,
    rejections: new Map(),
    crashes: 0,
    hangs: 0,
    maxMs: 0,
    seed: o.seed,
  };
  let failed = false;
  const record = (ms: number, outcome: { reason?: string; error?: unknown }) => {
    o.onBeat?.(); // shrinking is progress too, for a watchdog
    if (failed) return; // shrinking re-runs inputs: only the first pass is counted
    stats.tried++;
    o.onProgress?.(stats.tried);
    if (ms > stats.maxMs) stats.maxMs = ms;
    if (outcome.error !== undefined) {
      failed = true;
      if (outcome.error instanceof HangError) stats.hangs++;
      else stats.crashes++;
      return;
    }
    if (outcome.reason === undefined) stats.accepted++;
    else stats.rejections.set(outcome.reason, (stats.rejections.get(outcome.reason) ?? 0) + 1);
  };
  const settle = (ms: number, reason: string | undefined, thrown: unknown, threw: boolean) => {
    if (threw) {
      const typed = reasonOf(thrown);
      if (typed === undefined) {
        record(ms, { error: thrown });
        throw thrown;
      }
      reason = typed;
    }
    if (ms > hangMs) {
      const hang = new HangError(`one input took ${ms.toFixed(0)} ms (limit ${hangMs} ms)`);
      record(ms, { error: hang });
      throw hang;
    }
    record(ms, { reason });
    return true;
  };
  const params = { numRuns: o.numRuns, seed: o.seed, endOnFailure: false, ...(o.path ? { path: o.path } : {}) };
  let details: fc.RunDetails<[T]>;
  if (target.async) {
    const property = fc.asyncProperty(target.arbitrary, async (input) => {
      o.onInput?.(input);
      const t0 = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new HangError(`no answer within ${hangMs} ms`)), hangMs + 50);
        });
        const reason = await Promise.race([target.run(input), timeout]);
        return settle(performance.now() - t0, reason, undefined, false);
      } catch (err) {
        if (err instanceof HangError) {
          record(performance.now() - t0, { error: err });
          throw err;
        }
        return settle(performance.now() - t0, undefined, err, true);
      } finally {
        clearTimeout(timer);
      }
    });
    details = await fc.check(property, params);
  } else {
    const property = fc.property(target.arbitrary, (input) => {
      o.onInput?.(input);
      const t0 = performance.now();
      let reason: string | undefined;
      try {
        reason = target.run(input) as string | undefined;
      } catch (err) {
        return settle(performance.now() - t0, undefined, err, true);
      }
      return settle(performance.now() - t0, reason, undefined, false);
    });
    details = fc.check(property, params);
  }
  if (details.failed) {
    const err = details.errorInstance;
    const why = err instanceof Error ? `${err.name}: ${err.message}\n${(err.stack ?? '').split('\n').slice(1, 6).join('\n')}` : String(err);
    stats.counterexample = details.counterexample?.[0];
    stats.failure = `${why}\n${fc.defaultReportMessage(details) ?? 'failed'}`;
  }
  return stats;
}

/** For the property tests: one target, `numRuns` inputs, fails with the shrunk counterexample on a crash or hang. */
export async function assertNoCrash<T>(target: FuzzTarget<T>, numRuns: number, seed?: number): Promise<TargetStats> {
  await target.setup?.();
  let stats: TargetStats;
  try {
    stats = await fuzzTarget(target, { numRuns, seed: seed ?? Date.now() ^ (Math.random() * 0x7fffffff) });
  } finally {
    await target.teardown?.();
  }
  if (stats.failure) throw new Error(`${target.name}: ${stats.failure}`);
  return stats;
}

/** One input through a target, for regression tests: `accepted`, or the rejection reason; a crash throws. */
export async function outcomeOf<T>(target: FuzzTarget<T>, input: T): Promise<string> {
  try {
    return (await target.run(input)) ?? 'accepted';
  } catch (err) {
    const reason = reasonOf(err);
    if (reason === undefined) throw err;
    return reason;
  }
}
