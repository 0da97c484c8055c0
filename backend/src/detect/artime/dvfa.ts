/**
 * Dual-vigilance fuzzy ART (DVFA; da Silva, Elnabarawy & Wunsch 2020) as ARTime uses it: inputs in [0,1]^d are
 * complement coded, each category is a fuzzy hyperbox (weights = element-wise minimum of what it learned), and
 * a sample either resonates with categories above the upper vigilance (they learn it), or opens a new category
 * of an existing cluster (best match between the vigilances), or opens a new cluster (below the lower one):
 * that last case is what ARTime treats as an anomaly candidate.
 *
 * The match of a category is ARTime's: feature similarity |x ∧ w|₁ / |w|₁ cubed, times the squared similarity
 * on the "energy" pair (the most recent value of the window and its complement).
 */

export interface DvfaState {
  dim: number;
  /** Category weights, `dim * 2` per category, flat. */
  weights: number[];
  /** Step at which each category last resonated (for eviction at capacity). */
  used: number[];
  rhoLb: number;
  rhoUb: number;
  clock: number;
}

export interface DvfaResult {
  /** -1 when the sample opened a new cluster (no category reached the lower vigilance), else 0. */
  cluster: -1 | 0;
  /** Best match over the categories (0 when there are none). */
  match: number;
  /** Energy similarity of the best-matching category. */
  energy: number;
}

export interface Dvfa {
  readonly dim: number;
  readonly size: number;
  rhoLb: number;
  rhoUb: number;
  /** Presents one sample (length `dim`, values in [0,1]); learns unless `learn` is false. */
  present(x: ArrayLike<number>, learn?: boolean): DvfaResult;
  /** Applies y → a·y + b to the raw (not wavelet) input dimensions `from..to` of every category. */
  rescale(from: number, to: number, a: number, b: number): void;
  save(): DvfaState;
}

/** Match of the uncommitted category: feature similarity 1/2 cubed, energy similarity 1/2 squared. */
const UNCOMMITTED_MATCH = 0.5 ** 3 * 0.5 ** 2;

export function createDvfa(dim: number, capacity: number, state?: DvfaState): Dvfa {
  const comp = dim * 2;
  let cap = Math.max(16, state ? state.used.length : 16);
  let weights = new Float64Array(cap * comp);
  let norms = new Float64Array(cap);
  let used = new Float64Array(cap);
  let size = 0;
  let clock = state?.clock ?? 0;
  const sample = new Float64Array(comp);
  let match = new Float64Array(cap);

  const grow = () => {
    cap *= 2;
    const w = new Float64Array(cap * comp);
    w.set(weights);
    weights = w;
    const n = new Float64Array(cap);
    n.set(norms);
    norms = n;
    const u = new Float64Array(cap);
    u.set(used);
    used = u;
    match = new Float64Array(cap);
  };
  const normOf = (c: number) => {
    let s = 0;
    for (let k = 0; k < comp; k++) s += weights[c * comp + k] ?? 0;
    return s;
  };
  const commit = (c: number) => {
    weights.set(sample, c * comp);
    norms[c] = normOf(c);
    used[c] = clock;
  };
  const add = () => {
    if (size >= capacity) {
      // At capacity the category that resonated longest ago makes room (a bounded model for a live series).
      let oldest = 0;
      for (let c = 1; c < size; c++) if ((used[c] ?? 0) < (used[oldest] ?? 0)) oldest = c;
      commit(oldest);
      return;
    }
    if (size === cap) grow();
    commit(size++);
  };

  if (state) {
    const n = state.used.length;
    while (cap < n) grow();
    weights.set(state.weights.slice(0, n * comp));
    state.used.forEach((u, c) => (used[c] = u));
    size = n;
    for (let c = 0; c < size; c++) norms[c] = normOf(c);
  }

  const self: Dvfa = {
    dim,
    get size() {
      return size;
    },
    rhoLb: state?.rhoLb ?? 0,
    rhoUb: state?.rhoUb ?? 0,
    present(x, learn = true) {
      for (let k = 0; k < dim; k++) {
        const v = Math.min(1, Math.max(0, x[k] ?? 0));
        sample[k] = v;
        sample[dim + k] = 1 - v;
      }
      clock++;
      // The uncommitted category (all weights 1, ARTime's first node) is always there: it bounds the best
      // match from below (1/32) and gives a sample unlike every category its energy similarity, 1/2.
      let best = -1;
      let bestMatch = UNCOMMITTED_MATCH;
      let bestEnergy = 0.5;
      // The hot loop: locals and plain indexes (this is most of ARTime's cost).
      const w = weights;
      const e1 = dim - 1;
      const e2 = comp - 1;
      const s1 = sample[e1] ?? 0;
      const s2 = sample[e2] ?? 0;
      for (let c = 0; c < size; c++) {
        const base = c * comp;
        let inter = 0;
        for (let k = 0; k < comp; k++) {
          const wk = w[base + k]!;
          const sk = sample[k]!;
          inter += sk < wk ? sk : wk;
        }
        const feature = inter / (norms[c]! || 0.001);
        const w1 = w[base + e1]!;
        const w2 = w[base + e2]!;
        const we = w1 + w2;
        // A box spanning the whole energy axis holds every value: similarity 1, not 0/0.
        const energy = we > 0 ? ((s1 < w1 ? s1 : w1) + (s2 < w2 ? s2 : w2)) / we : 1;
        const m = feature * feature * feature * energy * energy;
        match[c] = m;
        if (m > bestMatch) {
          best = c;
          bestMatch = m;
          bestEnergy = energy;
        }
      }
      const result: DvfaResult = { cluster: 0, match: bestMatch, energy: bestEnergy };
      if (!learn) return result;
      if (best >= 0 && bestMatch >= self.rhoUb) {
        // Resonance: every category above the upper vigilance learns the sample (fast commit: w ∧ x).
        for (let c = 0; c < size; c++) {
          if ((match[c] ?? 0) < self.rhoUb) continue;
          const base = c * comp;
          for (let k = 0; k < comp; k++)
            if ((sample[k] ?? 0) < (weights[base + k] ?? 0)) weights[base + k] = sample[k] ?? 0;
          norms[c] = normOf(c);
          used[c] = clock;
        }
        return result;
      }
      // Between the vigilances: a new category of the best cluster; below both: a new cluster.
      if (bestMatch < self.rhoLb) result.cluster = -1;
      add();
      return result;
    },
    rescale(from, to, a, b) {
      for (let c = 0; c < size; c++) {
        const base = c * comp;
        for (let k = from; k < to; k++) {
          // The box's lower corner maps directly; its upper corner is stored as 1 − upper in the complement.
          weights[base + k] = a * (weights[base + k] ?? 0) + b;
          weights[base + dim + k] = 1 - (a * (1 - (weights[base + dim + k] ?? 0)) + b);
        }
        norms[c] = normOf(c);
      }
    },
    save: () => ({
      dim,
      weights: Array.from(weights.subarray(0, size * comp)),
      used: Array.from(used.subarray(0, size)),
      rhoLb: self.rhoLb,
      rhoUb: self.rhoUb,
      clock,
    }),
  };
  return self;
}
