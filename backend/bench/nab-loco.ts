/**
 * Leave-one-category-out: for each NAB category, the configuration is chosen among a small candidate set
 * by its standard score on the OTHER categories only, then scored on the held-out category. The chosen
 * outputs of all categories are also scored together as one corpus. Shows the default is not fitted to
 * one category's files.
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_PIPELINE, type PipelineConfigInput } from '../src/detect/index.js';
import { nabScore, type ProfileScore, runCorpus, writeWindowsSubset } from './nab-run.js';

type Members = NonNullable<PipelineConfigInput['members']>;
const withMembers = (f: (m: Members) => Members): PipelineConfigInput => ({
  ...DEFAULT_PIPELINE,
  members: f(DEFAULT_PIPELINE.members),
});

/** The candidates: the default and small, plausible changes to it (one knob each). */
export const LOCO_CANDIDATES: Record<string, PipelineConfigInput> = {
  default: DEFAULT_PIPELINE,
  'plus-iforest': withMembers((m) => [...m, { detector: 'iforest', params: {} }]),
  'without-shape': withMembers((m) => m.filter((x) => x.detector !== 'knn' && x.detector !== 'context')),
  'zscore-window-2000': withMembers((m) =>
    m.map((x) => (x.detector === 'zscore' ? { ...x, params: { window: 2000 } } : x)),
  ),
  'forget-0.0005': { ...DEFAULT_PIPELINE, calibration: { forget: 0.0005 } },
  'suppress-300': { ...DEFAULT_PIPELINE, postRules: { suppressWindow: 300 } },
};

export async function runLoco(o: { work: string; files: string[]; outDir: string; nabRoot: string; scorer: string }) {
  const base = path.join(o.outDir, '..', `${path.basename(o.outDir)}-loco`);
  await rm(base, { recursive: true, force: true });
  const windows = JSON.parse(await readFile(path.join(o.nabRoot, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    unknown[]
  >;
  const categories = [...new Set(Object.keys(windows).map((k) => k.split('/')[0] ?? ''))].sort();
  console.log(
    `\nleave-one-category-out over ${categories.length} categories, ${Object.keys(LOCO_CANDIDATES).length} candidates: ${Object.keys(LOCO_CANDIDATES).join(', ')}`,
  );
  for (const [name, config] of Object.entries(LOCO_CANDIDATES)) {
    await runCorpus(o.work, o.files, path.join(base, name), config);
  }
  const standard = (s: ProfileScore[]) => s.find((x) => x.profile === 'standard')?.score ?? -Infinity;
  const combined = path.join(base, 'chosen');
  const rows: string[] = [];
  for (const held of categories) {
    const inHeld = (k: string) => k.startsWith(`${held}/`);
    const othersFile = path.join(base, `.windows-without-${held}.json`);
    await writeWindowsSubset(o.nabRoot, (k) => !inHeld(k), othersFile);
    let best = { name: '', score: -Infinity };
    for (const name of Object.keys(LOCO_CANDIDATES)) {
      const s = standard(await nabScore(o.scorer, path.join(base, name), o.nabRoot, { windows: othersFile }));
      if (s > best.score) best = { name, score: s };
    }
    // Copy the chosen candidate's outputs for the held-out category into the combined result.
    for (const rel of o.files.filter((f) => f.split(path.sep).includes(held))) {
      await mkdir(path.dirname(path.join(combined, rel)), { recursive: true });
      await cp(path.join(base, best.name, rel), path.join(combined, rel));
    }
    const heldWindows = Object.entries(windows)
      .filter(([k]) => inHeld(k))
      .reduce((a, [, w]) => a + w.length, 0);
    if (heldWindows === 0) {
      rows.push(`  ${held.padEnd(24)} chosen ${best.name.padEnd(18)} (no windows: judged only in the combined run)`);
      continue;
    }
    const heldFile = path.join(base, `.windows-${held}.json`);
    await writeWindowsSubset(o.nabRoot, inHeld, heldFile);
    const scores = await nabScore(o.scorer, path.join(base, best.name), o.nabRoot, { windows: heldFile });
    rows.push(
      `  ${held.padEnd(24)} chosen ${best.name.padEnd(18)} on held-out: ${scores.map((s) => `${s.profile} ${s.score.toFixed(2)}`).join(', ')}`,
    );
  }
  console.log(rows.join('\n'));
  const all = await nabScore(o.scorer, combined, o.nabRoot);
  console.log(
    `leave-one-category-out, all held-out outputs scored as one corpus: ${all.map((s) => `${s.profile} ${s.score.toFixed(2)}`).join(', ')}`,
  );
  await rm(base, { recursive: true, force: true }).catch(() => {});
  return all;
}
