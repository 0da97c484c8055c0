/** Deterministic randomness: every draw is a pure function of the seed and what it is for. */

/** mulberry32: a small, fast 32-bit PRNG. */
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

/** Mixes integers into one 32-bit hash (murmur3 finaliser per word). */
export function hashInts(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    let k = Math.imul(v | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Uniform in [0,1) for the given coordinates. */
export function uniformAt(...values: number[]): number {
  return hashInts(...values) / 4294967296;
}

/** Approximately standard normal (sum of uniforms; cheap and bounded to ±3.5). */
export function normalAt(...values: number[]): number {
  const h1 = hashInts(...values, 1);
  const h2 = hashInts(...values, 2);
  const u = (h1 & 0xffff) / 65536 + (h1 >>> 16) / 65536 + (h2 & 0xffff) / 65536 + (h2 >>> 16) / 65536;
  return (u - 2) * 1.7320508;
}

const HASH_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes-style random suffix (the alphabet avoids vowels and look-alikes). */
export function k8sSuffix(seed: number, length: number): string {
  const rnd = mulberry32(seed);
  let s = '';
  for (let i = 0; i < length; i++) s += HASH_ALPHABET[Math.floor(rnd() * HASH_ALPHABET.length)];
  return s;
}
