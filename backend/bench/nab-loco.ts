/**
 * `--loco`: the nested leave-one-category-out protocol (nab-nested.ts) — held-out headline, in-sample beside
 * it, the choice per fold, and whether the shipped DEFAULT_PIPELINE is what the procedure picks on all data.
 * `--ablation`: each fold's chosen ensemble with one member removed (or the LSTM added), re-scored held out.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_PIPELINE, parsePipelineConfig } from '../src/detect/index.js';
import {
  ablate,
  BENCH_ONLY,
  configOf,
  DEFAULT_PROCEDURE,
  describe,
  loadNab,
  memberStreams,
  nested,
  OPT_IN,
  POOL,
  type Procedure,
  SECOND_STAGE,
  writeOutputs,
} from './nab-nested.js';
import { liveCheck } from './nab-feasible.js';
import { nabScore } from './nab-run.js';

export async function runLoco(o: {
  work: string;
  files: string[];
  outDir: string;
  nabRoot: string;
  scorer: string;
  cache?: string;
  ablation?: boolean;
  pool?: string[];
  /** Second-stage members (default SECOND_STAGE, none with --pool). */
  second?: string[];
  /** Live feasibility as a hard constraint of the selection (nab-feasible.ts). */
  liveCheck?: boolean;
  procedure?: Procedure;
}) {
  const procedure = o.procedure ?? DEFAULT_PROCEDURE;
  const all = await loadNab(o.work, o.files, o.nabRoot);
  // Opt-in members (the LSTM, ARTime) are not candidates by default: the ablation adds them to every fold's
  // choice (`--ablation`), and --pool offers them to the selection.
  const second = o.second ?? (o.pool ? [] : SECOND_STAGE);
  const names =
    o.pool ??
    Object.keys(POOL).filter(
      (n) => !OPT_IN.includes(n) && !SECOND_STAGE.includes(n) && !BENCH_ONLY.includes(n) && !second.includes(n),
    );
  console.log(
    `\nnested leave-one-category-out: ${all.length} labelled files, pool of ${names.length} members` +
      (second.length ? `, then ${second.length} second-stage members (${second.join(', ')})` : ''),
  );
  const streams = await memberStreams(
    all,
    Object.fromEntries([...names, ...second].map((n) => [n, POOL[n]!])),
    o.cache,
  );
  const started = performance.now();
  const feasible = o.liveCheck
    ? liveCheck(Object.fromEntries([...names, ...second].map((n) => [n, POOL[n]!])))
    : undefined;
  console.log(`procedure: --mix ${procedure.mix} --align ${procedure.align}`);
  const result = nested(all, streams, { names, second, feasible, procedure });
  console.log(result.rows.join('\n'));
  const heldDir = path.join(o.outDir, '..', `${path.basename(o.outDir)}-heldout`);
  await writeOutputs(heldDir, all, result.outputs);
  const judged = await nabScore(o.scorer, heldDir, o.nabRoot);
  const fmt = (s: { profile: string; score: number }[]) =>
    s.map((x) => `${x.profile} ${x.score.toFixed(2)}`).join(', ');
  console.log(`selection on all categories (the default): ${describe(result.chosen)}`);
  const selectionFile = path.join(o.outDir, '..', `${path.basename(o.outDir)}-selection.json`);
  await writeFile(selectionFile, JSON.stringify(configOf(result.chosen), null, 2));
  console.log(`  its pipeline configuration: ${selectionFile}`);
  const same =
    JSON.stringify(parsePipelineConfig(configOf(result.chosen))) ===
    JSON.stringify(parsePipelineConfig(DEFAULT_PIPELINE));
  console.log(
    `DEFAULT_PIPELINE is this selection: ${same ? 'yes' : 'NO — update backend/src/detect/pipeline/config.ts'}`,
  );
  console.log(
    `\nHEADLINE nested leave-one-category-out, all held-out outputs as one corpus (nab_score.py): ${fmt(judged)}` +
      `\n  (TS scorer: standard ${result.heldOut.toFixed(2)}); in-sample (selection and score on all categories): standard ${result.inSample.toFixed(2)}` +
      `\n  (${((performance.now() - started) / 1000).toFixed(0)} s of selection)`,
  );
  if (!o.ablation) return;
  const used = [...new Set(result.folds.flatMap((f) => f.choice.members.map((m) => m.name)))];
  const missing = OPT_IN.filter((n) => !streams.has(n));
  const extra = await memberStreams(all, Object.fromEntries(missing.map((n) => [n, POOL[n]!])), o.cache);
  for (const [n, s] of extra) streams.set(n, s);
  console.log(
    "\nablation on the held-out protocol: each fold's chosen ensemble with one member removed (or the LSTM added),",
  );
  console.log('its held-out category re-scored; all held-out outputs as one corpus (standard)');
  console.log(`  ${'change'.padEnd(26)} ${'folds using it'.padStart(14)}  held-out   Δ`);
  console.log(`  ${'(none)'.padEnd(26)} ${''.padStart(14)}  ${result.heldOut.toFixed(2).padStart(8)}`);
  const row = (label: string, folds: number, score: number) =>
    console.log(
      `  ${label.padEnd(26)} ${String(folds).padStart(14)}  ${score.toFixed(2).padStart(8)}  ${(score - result.heldOut >= 0 ? '+' : '') + (score - result.heldOut).toFixed(2)}`,
    );
  for (const name of used) {
    const folds = result.folds.filter((f) => f.choice.members.some((m) => m.name === name)).length;
    row(
      `without ${name}`,
      folds,
      ablate(result, all, streams, (c) => ({ ...c, members: c.members.filter((m) => m.name !== name) })),
    );
  }
  for (const name of OPT_IN)
    row(
      `with ${name} added`,
      result.folds.length,
      ablate(result, all, streams, (c) => ({ ...c, members: [...c.members, { name, weight: 1 }] })),
    );
}
