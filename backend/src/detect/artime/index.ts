import { z } from 'zod';
import { pointwise } from '../numeric.js';
import { checkState, parseData, parseParams } from '../params.js';
import type { Detector, DetectorDefinition, DetectorState } from '../types.js';
import { createDvfa, type Dvfa, type DvfaState } from './dvfa.js';
import { haar, similarity, squash } from './features.js';

const KIND = 'artime';
const VERSION = 1;

const paramsSchema = z.object({
  /**
   * Points before the first score (ARTime: 15 % of the file, at most 750). The live service cannot know a
   * series' length, so 750; the NAB bench passes NAB's own probationary period (its protocol gives the length).
   */
  probation: z.number().int().min(32).max(100_000).default(750),
  /** Downsampled values per feature window (a power of two: its Haar transform is half the features). */
  window: z.union([z.literal(4), z.literal(8), z.literal(16)]).default(8),
  /** Feature windows the probationary period holds: sets the downsampling step (ARTime: 13). */
  windowsPerProbation: z.number().int().min(2).max(100).default(13),
  /** Levels the normalised value is rounded to (ARTime: 80). */
  levels: z.number().int().min(4).max(1000).default(80),
  /** A value this close (normalised) to the running median level is replaced by it (ARTime: 0.075). */
  chomp: z.number().min(0).max(0.5).default(0.075),
  /** Vigilance used to find the starting vigilance on the probationary samples (ARTime: 0.8). */
  initialRho: z.number().gt(0).lt(1).default(0.8),
  /**
   * Causal range: the normalisation range is the extent of the values seen so far (the probationary period's
   * at first), widened by `headroom` × that extent on each side. A value beyond it widens it, and everything
   * learned in normalised units (category boxes, feature window, median histogram) is mapped through the same
   * affine change, so the model stays the one it would be had the wider range held from the start.
   */
  headroom: z.number().min(0).max(4).default(0),
  /**
   * A value beyond the range: `widen` (above) or `clip` (the range stays the probationary one, widened by the
   * headroom, and a value beyond it is held at its edge: nothing learned moves, a level shift saturates).
   */
  escape: z.enum(['widen', 'clip']).default('widen'),
  /**
   * A range known in advance: NAB hands its detectors the whole file's minimum and maximum (the reference
   * ARTime normalises by them). Not causal; for measuring the NAB-style variant only.
   */
  range: z.tuple([z.number(), z.number()]).optional(),
  /** Categories kept (NAB files reach at most 616); beyond it the one that resonated longest ago is replaced. */
  capacity: z.number().int().min(16).max(100_000).default(1000),
  /**
   * A decision judges the whole downsampled block, so `hold` keeps its score on the points up to the next
   * decision (the live service needs a score that holds for 2 points in a row); off: one point, as the reference.
   */
  hold: z.boolean().default(false),
});
export type ArtimeParams = z.output<typeof paramsSchema>;

const ringSchema = z.object({ values: z.array(z.number()), pos: z.number().int() });
const dataSchema = z.object({
  n: z.number().int(),
  buffer: z.array(z.number()),
  ready: z.boolean(),
  dataLo: z.number().nullable(),
  dataHi: z.number().nullable(),
  dsWindow: z.array(z.number()),
  dsAvg: z.number(),
  dsi: z.number().int(),
  medbin: z.array(z.number()),
  medLevel: z.number().int(),
  below: z.number().int(),
  above: z.number().int(),
  fWindow: z.array(z.number()),
  art: z
    .object({
      dim: z.number().int(),
      weights: z.array(z.number()),
      used: z.array(z.number()),
      rhoLb: z.number(),
      rhoUb: z.number(),
      clock: z.number(),
    })
    .nullable(),
  lastAnomalyI: z.number().int(),
  lastAnomalySim: z.number(),
  lastRhoUpdateI: z.number().int(),
  maskAfterCat: z.boolean(),
  noNewCat: z.number().int(),
  matchSum: z.number(),
  matchCount: z.number().int(),
  sims: ringSchema,
  simDiffs: ringSchema,
  anomalySum: z.number(),
  anomalyCount: z.number().int(),
  anomalyLast: z.number(),
  held: z.number().default(0),
});
type ArtimeData = z.output<typeof dataSchema>;

/** A fixed-length window of numbers, oldest overwritten first. */
function ring(length: number, fill: number, saved?: { values: number[]; pos: number }) {
  const values = new Float64Array(length).fill(fill);
  let pos = 0;
  if (saved && saved.values.length === length) {
    values.set(saved.values);
    pos = saved.pos % length;
  }
  return {
    values,
    push(x: number) {
      values[pos] = x;
      pos = (pos + 1) % length;
    },
    save: () => ({ values: Array.from(values), pos }),
  };
}

/**
 * ARTime (Hampton 2021, the best published NAB detector), our own implementation: the series is downsampled so
 * the probationary period holds a fixed number of feature windows; each downsampled value keeps its window's
 * spike (max or min, whichever is further from a moving average), is normalised, rounded to levels and pulled
 * to the running median level when close to it; a feature vector is the Haar transform of the last `window`
 * values (squashed to [0,1]) beside the values themselves. A dual-vigilance fuzzy ART learns the features; a
 * sample that opens a new cluster, outside the masking that follows a new category or an anomaly, scores a
 * confidence from how far its match lies below the vigilances. The vigilances adapt: the upper one follows the
 * mean match, the lower one rises towards the recent minimum match or falls by the recent shortfalls.
 * Only the past is used: the range is learned causally (`headroom`), and the probationary period is the fixed
 * `probation` points, processed as one batch when it ends (all scored 0, as in the reference).
 */
export function createArtimeDetector(params?: Partial<ArtimeParams>, data?: ArtimeData): Detector {
  const p = parseParams(KIND, paramsSchema, params);
  const W = p.window;
  const L = p.levels;
  const step = Math.max(1, Math.floor(p.probation / (W * p.windowsPerProbation)));
  const trend = Math.floor(p.probation / step);
  const maskAfterAnomaly = Math.floor(W * 1.5);

  let n = data?.n ?? 0;
  let buffer: number[] = data?.buffer ?? [];
  let ready = data?.ready ?? false;
  let dataLo = data?.dataLo ?? Infinity;
  let dataHi = data?.dataHi ?? -Infinity;
  // Normalisation: y = (x − lo) / span, set from the data extent once the probationary period ends.
  let lo = 0;
  let span = 1;
  const dsWindow = new Float64Array(step);
  if (data) dsWindow.set(data.dsWindow.slice(0, step));
  let dsAvg = data?.dsAvg ?? 0;
  let dsi = data?.dsi ?? 1;
  const medbin = new Int32Array(L + 1);
  if (data) medbin.set(data.medbin.slice(0, L + 1));
  let medLevel = data?.medLevel ?? 0;
  let below = data?.below ?? 0;
  let above = data?.above ?? 0;
  const fWindow = new Float64Array(W);
  if (data) fWindow.set(data.fWindow.slice(0, W));
  let art: Dvfa | undefined = data?.art ? createDvfa(2 * W, p.capacity, data.art as DvfaState) : undefined;
  let lastAnomalyI = data?.lastAnomalyI ?? 0;
  let lastAnomalySim = data?.lastAnomalySim ?? 0;
  let lastRhoUpdateI = data?.lastRhoUpdateI ?? 0;
  let maskAfterCat = data?.maskAfterCat ?? false;
  let noNewCat = data?.noNewCat ?? 0;
  let matchSum = data?.matchSum ?? 0;
  let matchCount = data?.matchCount ?? 0;
  const sims = ring(Math.floor(trend / 2) + 1, 1, data?.sims);
  const simDiffs = ring(trend + 1, 0, data?.simDiffs);
  let anomalySum = data?.anomalySum ?? 0;
  let anomalyCount = data?.anomalyCount ?? 0;
  let anomalyLast = data?.anomalyLast ?? 0;
  let held = data?.held ?? 0;

  const features = new Float64Array(2 * W);
  const scratch = new Float64Array(W);
  const wave = new Float64Array(W);

  /** Normalisation range from the data extent seen so far (widened by the headroom). */
  const setRange = () => {
    const extent = dataHi - dataLo;
    if (extent > 0) {
      lo = dataLo - p.headroom * extent;
      span = extent * (1 + 2 * p.headroom);
    } else {
      lo = dataLo;
      span = Math.max(1, Math.abs(dataLo)) * 1e-9;
    }
  };
  if (p.range) {
    dataLo = Math.min(dataLo, p.range[0]);
    dataHi = Math.max(dataHi, p.range[1]);
  }
  if (Number.isFinite(dataLo)) setRange();

  const quantise = (y: number) => Math.round(Math.min(1, Math.max(0, y)) * L);

  /** A value beyond the range widens it; what was learned in normalised units moves with it. */
  const widen = (x: number) => {
    const [oldLo, oldSpan] = [lo, span];
    dataLo = Math.min(dataLo, x);
    dataHi = Math.max(dataHi, x);
    setRange();
    const a = oldSpan / span;
    const b = (oldLo - lo) / span;
    for (let k = 0; k < W; k++) fWindow[k] = quantise(a * (fWindow[k] ?? 0) + b) / L;
    const bins = Int32Array.from(medbin);
    medbin.fill(0);
    for (let l = 0; l <= L; l++) {
      const c = bins[l] ?? 0;
      if (c) medbin[quantise(a * (l / L) + b)]! += c;
    }
    medLevel = quantise(a * (medLevel / L) + b);
    below = 0;
    above = 0;
    for (let l = 0; l <= L; l++) {
      if (l < medLevel) below += medbin[l] ?? 0;
      else if (l > medLevel) above += medbin[l] ?? 0;
    }
    art?.rescale(W, 2 * W, a, b);
  };

  /** One downsampled step: the last `step` raw values → the feature vector (zeros until a window is full). */
  const featurize = (block: ArrayLike<number>) => {
    let sum = 0;
    let mx = -Infinity;
    let mn = Infinity;
    for (let k = 0; k < block.length; k++) {
      const v = block[k] ?? 0;
      sum += v;
      if (v > mx) mx = v;
      if (v < mn) mn = v;
    }
    const mean = sum / block.length;
    if (dsi === 1) dsAvg = mean;
    dsAvg = (dsAvg + mean) / 2;
    // Keep the window's spike, above or below, unless it is within 10 % of the mean.
    let ds = Math.abs(mx - dsAvg) < Math.abs(mn - dsAvg) ? mn : mx;
    if (Math.abs(ds - mean) < 0.1 * Math.abs(mean)) ds = mean;
    if (p.escape === 'widen' && (ds < dataLo || ds > dataHi)) widen(ds);
    const level = quantise((ds - lo) / span);
    let y = level / L;
    // Running median of the levels (one bin move per step, as the reference does).
    medbin[level]! += 1;
    const medPos = Math.floor(dsi / 2);
    if (dsi === 1) medLevel = level;
    if (medLevel > level) below++;
    else if (medLevel < level) above++;
    if (medPos < above) {
      below += medbin[medLevel] ?? 0;
      medLevel++;
      while (medLevel < L && (medbin[medLevel] ?? 0) === 0) medLevel++;
      above -= medbin[medLevel] ?? 0;
    } else if (medPos < below) {
      above += medbin[medLevel] ?? 0;
      medLevel--;
      while (medLevel > 0 && (medbin[medLevel] ?? 0) === 0) medLevel--;
      below -= medbin[medLevel] ?? 0;
    }
    const med = medLevel / L;
    if (Math.abs(y - med) < p.chomp) y = med;
    fWindow.copyWithin(0, 1);
    fWindow[W - 1] = y;
    if (dsi >= W) {
      for (let k = 0; k < W; k++) scratch[k] = fWindow[k] ?? 0;
      squash(scratch);
      haar(scratch, wave, new Float64Array(W));
      squash(wave);
      features.set(wave, 0);
      features.set(fWindow, W);
    } else features.fill(0);
    return features;
  };

  const confidence = (match: number, energy: number, a: Dvfa) => {
    const fs = Math.min(0.999, match);
    const ub = (1 - fs - (1 - a.rhoUb)) / (1 - fs);
    const lb = (1 - fs - (1 - a.rhoLb)) / (1 - fs);
    const s = Math.min(1, ub * 0.35 + lb * 0.65 + (1 - energy) * 1.5);
    return Math.max(0, Math.round(s * 1e6) / 1e6);
  };

  /** One feature vector at downsampled index i: learns it and returns the anomaly confidence (0 if none). */
  const detect = (f: Float64Array, i: number, a: Dvfa): number => {
    const afterAnomaly = i - lastAnomalyI;
    const updateAfterAnomaly = afterAnomaly === maskAfterAnomaly;
    const updateForTrend = i - lastRhoUpdateI >= Math.floor(trend / 2);
    const maskingAfterAnomaly = afterAnomaly <= maskAfterAnomaly;
    if (i > trend + maskAfterAnomaly && maskAfterCat && noNewCat >= maskAfterAnomaly) maskAfterCat = false;
    // Before a full feature window the sample is matched but not learned (keeps the reference's indexing).
    const r = a.present(f, i >= W);
    const newCluster = i < W || r.cluster === -1;
    noNewCat = newCluster ? 0 : noNewCat + 1;
    matchSum += r.match;
    matchCount++;
    sims.push(r.match);
    simDiffs.push(a.rhoUb - r.match);
    if (afterAnomaly < maskAfterAnomaly && anomalyCount > 0 && r.match < anomalyLast) {
      anomalySum += r.match - anomalyLast;
      anomalyLast = r.match;
    }
    const masking = maskAfterCat || maskingAfterAnomaly;
    const belowLast = r.match < lastAnomalySim * (maskingAfterAnomaly ? 0.9 : 0.7);
    let score = 0;
    if (i > trend && newCluster && (!masking || belowLast)) {
      score = confidence(r.match, r.energy, a);
      anomalySum += r.match;
      anomalyCount++;
      anomalyLast = r.match;
      lastAnomalySim = r.match;
      lastAnomalyI = i;
    }
    maskAfterCat = newCluster || maskAfterCat;
    if (i > trend && (updateAfterAnomaly || updateForTrend)) adaptVigilance(i, a);
    return score;
  };

  /** Upper vigilance → the mean match (capped); lower → towards the recent minimum, or down by the shortfalls. */
  const adaptVigilance = (i: number, a: Dvfa) => {
    const minSim = Math.min(...sims.values);
    const ub = Math.min(0.97, matchSum / matchCount);
    let lb: number;
    if (a.rhoLb <= minSim) lb = a.rhoLb + (minSim - a.rhoLb) * 0.19;
    else {
      let decr = 0;
      if (i > trend * 2) {
        let s = 0;
        let c = 0;
        for (const d of simDiffs.values)
          if (d > 0.05) {
            s += Math.min(0.37, d);
            c++;
          }
        if (c > 0) decr = s / c;
      }
      lb = a.rhoLb - Math.max(0.01, decr) / 2;
      if (anomalyCount > 0) lb = Math.max(anomalySum / anomalyCount, lb);
    }
    a.rhoLb = Math.min(ub, lb);
    a.rhoUb = ub;
    lastRhoUpdateI = i;
    maskAfterCat = true;
  };

  /** The starting vigilance: the mean match of a trial ART run over the probationary features, least typical first. */
  const initialVigilance = (xs: Float64Array[]) => {
    const m = xs.length;
    const totals = new Float64Array(m).fill(1);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < i; j++) {
        const s = similarity(xs[i]!, xs[j]!);
        totals[i]! += s;
        totals[j]! += s;
      }
    const order = Array.from({ length: m }, (_v, k) => k).sort((x, y) => (totals[x] ?? 0) - (totals[y] ?? 0));
    const trial = createDvfa(2 * W, p.capacity);
    trial.rhoLb = p.initialRho;
    trial.rhoUb = p.initialRho;
    // As in the reference, the first sample only meets the uncommitted category (match 0, not learned).
    const matches = order.map((k, j) => (j === 0 ? 0 : trial.present(xs[k]!).match));
    const tail = matches.slice(Math.floor(trend / 2) - 1);
    return tail.length ? tail.reduce((s, x) => s + x, 0) / tail.length : p.initialRho;
  };

  /** End of the probationary period: the range, then every buffered step's features, in one batch. */
  const finishProbation = () => {
    for (const x of buffer) {
      if (x < dataLo) dataLo = x;
      if (x > dataHi) dataHi = x;
    }
    setRange();
    const batch: Float64Array[] = [];
    for (let d = 0; d < trend; d++) {
      batch.push(Float64Array.from(featurize(buffer.slice(d * step, (d + 1) * step))));
      dsi++;
    }
    const a = createDvfa(2 * W, p.capacity);
    const rho = initialVigilance(batch.slice(W - 1));
    a.rhoLb = rho;
    a.rhoUb = rho;
    batch.forEach((f, k) => detect(f, k + 1, a));
    art = a;
    buffer = [];
    ready = true;
  };

  const stepPoint = (x: number): number => {
    dsWindow[n % step] = x;
    n++;
    if (!ready) {
      buffer.push(x);
      if (n === trend * step) finishProbation();
      return 0;
    }
    if (n % step !== 0 || !art) return held;
    const f = featurize(dsWindow);
    const score = detect(f, dsi, art);
    dsi++;
    if (p.hold) held = score;
    return score;
  };

  return {
    kind: KIND,
    ...pointwise(stepPoint),
    save: (): DetectorState => ({
      kind: KIND,
      version: VERSION,
      params: p,
      data: {
        n,
        buffer: [...buffer],
        ready,
        dataLo: Number.isFinite(dataLo) ? dataLo : null,
        dataHi: Number.isFinite(dataHi) ? dataHi : null,
        dsWindow: Array.from(dsWindow),
        dsAvg,
        dsi,
        medbin: Array.from(medbin),
        medLevel,
        below,
        above,
        fWindow: Array.from(fWindow),
        art: art ? art.save() : null,
        lastAnomalyI,
        lastAnomalySim,
        lastRhoUpdateI,
        maskAfterCat,
        noNewCat,
        matchSum,
        matchCount,
        sims: sims.save(),
        simDiffs: simDiffs.save(),
        anomalySum,
        anomalyCount,
        anomalyLast,
        held,
      } satisfies ArtimeData,
    }),
  };
}

export const artimeDetector: DetectorDefinition = {
  id: KIND,
  description: 'ARTime: dual-vigilance fuzzy ART over Haar features of a downsampled window (causal range)',
  create: (params) => createArtimeDetector(params),
  restore(state) {
    checkState(KIND, VERSION, state);
    const data = parseData(KIND, dataSchema, state.data);
    return createArtimeDetector(state.params, data);
  },
};
