/**
 * mulberry32: a small seeded generator, good enough to pick fixtures in the differential tests.
 * One seed always gives the same sequence, so a failing random case can be replayed by its seed.
 */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Numbers in [0, 1). */
export function prngFloat(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

/** Integers in [0, n). */
export function prngInt(seed: number): (n: number) => number {
  const next = mulberry32(seed);
  return (n) => next() % n;
}
