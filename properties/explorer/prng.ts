/**
 * mulberry32: a tiny, well-known 32-bit PRNG. The same seed gives the same sequence on every
 * machine, which is all the random and PCT strategies need.
 */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export const below = (random: () => number, n: number): number => Math.floor(random() * n);
