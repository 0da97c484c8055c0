/**
 * Isolation forest (Liu, Ting & Zhou 2008) on typed arrays: ψ-subsampled trees stored as flat node
 * arrays, seeded, trivially serialisable. Faster than `ml-isolation-forest` at equal quality (bench:detect).
 */
export interface ForestOptions {
  trees: number;
  sampleSize: number;
  seed: number;
}

export interface Forest {
  dims: number;
  sampleSize: number;
  trees: number;
  /** Start offset of each tree's nodes. */
  roots: Int32Array;
  /** Split feature per node; −1 marks a leaf. */
  feat: Int16Array;
  /** Split value, or a leaf's size. */
  val: Float64Array;
  left: Int32Array;
  right: Int32Array;
}

/** mulberry32: small, fast, seeded; the forest must be reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EULER = 0.5772156649;
/** Average path length of an unsuccessful BST search among n points. */
export function avgPath(n: number): number {
  if (n > 2) return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
  return n === 2 ? 1 : 0;
}

/** Fits on `rows` (row-major n × dims). */
export function fitForest(rows: Float64Array, dims: number, opts: ForestOptions): Forest {
  const n = Math.floor(rows.length / dims);
  const psi = Math.max(2, Math.min(opts.sampleSize, n));
  const maxDepth = Math.ceil(Math.log2(psi));
  const maxNodes = 2 * psi; // a binary tree over psi points has at most 2·psi − 1 nodes
  const feat = new Int16Array(opts.trees * maxNodes).fill(-1);
  const val = new Float64Array(opts.trees * maxNodes);
  const left = new Int32Array(opts.trees * maxNodes);
  const right = new Int32Array(opts.trees * maxNodes);
  const roots = new Int32Array(opts.trees);
  const rand = mulberry32(opts.seed);
  const index = new Int32Array(n);
  const sample = new Int32Array(psi);
  let next = 0;

  const build = (lo: number, hi: number, depth: number): number => {
    const node = next++;
    const size = hi - lo;
    if (size <= 1 || depth >= maxDepth) {
      val[node] = size;
      return node;
    }
    const f = Math.floor(rand() * dims);
    let min = Infinity;
    let max = -Infinity;
    for (let i = lo; i < hi; i++) {
      const x = rows[(sample[i] ?? 0) * dims + f] ?? 0;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    if (min === max) {
      val[node] = size;
      return node;
    }
    const split = min + rand() * (max - min);
    let i = lo;
    let j = hi - 1;
    while (i <= j) {
      if ((rows[(sample[i] ?? 0) * dims + f] ?? 0) < split) i++;
      else {
        const tmp = sample[i] ?? 0;
        sample[i] = sample[j] ?? 0;
        sample[j] = tmp;
        j--;
      }
    }
    feat[node] = f;
    val[node] = split;
    left[node] = build(lo, i, depth + 1);
    right[node] = build(i, hi, depth + 1);
    return node;
  };

  for (let t = 0; t < opts.trees; t++) {
    for (let i = 0; i < n; i++) index[i] = i;
    // Partial Fisher–Yates: the first psi entries become a sample without replacement.
    for (let i = 0; i < psi; i++) {
      const j = i + Math.floor(rand() * (n - i));
      const tmp = index[i] ?? 0;
      index[i] = index[j] ?? 0;
      index[j] = tmp;
      sample[i] = index[i] ?? 0;
    }
    roots[t] = build(0, psi, 0);
  }
  return {
    dims,
    sampleSize: psi,
    trees: opts.trees,
    roots,
    feat: feat.slice(0, next),
    val: val.slice(0, next),
    left: left.slice(0, next),
    right: right.slice(0, next),
  };
}

/** Anomaly score in (0, 1] for one row starting at `offset`; about 0.5 is ordinary, near 1 is isolated early. */
export function scoreRow(forest: Forest, row: ArrayLike<number>, offset = 0): number {
  const { feat, val, left, right, roots } = forest;
  let total = 0;
  for (let t = 0; t < forest.trees; t++) {
    let node = roots[t] ?? 0;
    let depth = 0;
    let f = feat[node] ?? -1;
    while (f >= 0) {
      node = (row[offset + f] ?? 0) < (val[node] ?? 0) ? (left[node] ?? 0) : (right[node] ?? 0);
      f = feat[node] ?? -1;
      depth++;
    }
    total += depth + avgPath(val[node] ?? 0);
  }
  return Math.pow(2, -total / forest.trees / avgPath(forest.sampleSize));
}

export function scoreRows(forest: Forest, rows: Float64Array, out?: Float64Array): Float64Array {
  const n = Math.floor(rows.length / forest.dims);
  const scores = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = scoreRow(forest, rows, i * forest.dims);
  return scores;
}

export interface ForestJson {
  dims: number;
  sampleSize: number;
  trees: number;
  roots: number[];
  feat: number[];
  val: number[];
  left: number[];
  right: number[];
}

export const forestToJson = (f: Forest): ForestJson => ({
  dims: f.dims,
  sampleSize: f.sampleSize,
  trees: f.trees,
  roots: Array.from(f.roots),
  feat: Array.from(f.feat),
  val: Array.from(f.val),
  left: Array.from(f.left),
  right: Array.from(f.right),
});

export const forestFromJson = (j: ForestJson): Forest => ({
  dims: j.dims,
  sampleSize: j.sampleSize,
  trees: j.trees,
  roots: Int32Array.from(j.roots),
  feat: Int16Array.from(j.feat),
  val: Float64Array.from(j.val),
  left: Int32Array.from(j.left),
  right: Int32Array.from(j.right),
});
