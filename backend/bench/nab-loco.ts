/**
 * `--loco`: the nested leave-one-category-out protocol (nab-nested.ts) — held-out headline, in-sample beside
 * it, the choice per fold, and whether the shipped DEFAULT_PIPELINE is what the procedure picks on all data.
 * `--ablation`: the nested protocol rerun with each member of the chosen default removed from the pool.
 */
import path from 'node:path';
import { DEFAULT_PIPELINE, parsePipelineConfig } from '../src/detect/index.js';
import { configOf, describe, loadNab, memberStreams, nested, POOL, writeOutputs } from './nab-nested.js';
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
}) {
  const all = await loadNab(o.work, o.files, o.nabRoot);
  const names = o.pool ?? Object.keys(POOL);
  console.log(`\nnested leave-one-category-out: ${all.length} labelled files, pool of ${names.length} members`);
  const streams = await memberStreams(
    all,
    Object.fromEntries(names.map((n) => [n, POOL[n]!])),
    o.cache,
  );
  const started = performance.now();
  const result = nested(all, streams, names);
  console.log(result.rows.join('\n'));
  const heldDir = path.join(o.outDir, '..', `${path.basename(o.outDir)}-heldout`);
  await writeOutputs(heldDir, all, result.outputs);
  const judged = await nabScore(o.scorer, heldDir, o.nabRoot);
  const fmt = (s: { profile: string; score: number }[]) => s.map((x) => `${x.profile} ${x.score.toFixed(2)}`).join(', ');
  console.log(`selection on all categories (the default): ${describe(result.chosen)}`);
  const same =
    JSON.stringify(parsePipelineConfig(configOf(result.chosen))) === JSON.stringify(parsePipelineConfig(DEFAULT_PIPELINE));
  console.log(`DEFAULT_PIPELINE is this selection: ${same ? 'yes' : 'NO — update backend/src/detect/pipeline/config.ts'}`);
  console.log(
    `\nHEADLINE nested leave-one-category-out, all held-out outputs as one corpus (nab_score.py): ${fmt(judged)}` +
      `\n  (TS scorer: standard ${result.heldOut.toFixed(2)}); in-sample (selection and score on all categories): standard ${result.inSample.toFixed(2)}` +
      `\n  (${((performance.now() - started) / 1000).toFixed(0)} s of selection)`,
  );
  if (!o.ablation) return;
  console.log('\nablation: nested protocol with one member of the default removed from the pool');
  console.log(`  ${'removed'.padEnd(22)} held-out  in-sample`);
  console.log(`  ${'(none)'.padEnd(22)} ${result.heldOut.toFixed(2).padStart(8)}  ${result.inSample.toFixed(2).padStart(8)}`);
  for (const m of result.chosen.members) {
    const r = nested(all, streams, names.filter((n) => n !== m.name));
    console.log(
      `  ${m.name.padEnd(22)} ${r.heldOut.toFixed(2).padStart(8)}  ${r.inSample.toFixed(2).padStart(8)}  (Δ held-out ${(r.heldOut - result.heldOut).toFixed(2)})`,
    );
  }
}
