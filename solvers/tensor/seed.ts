/**
 * The data order of a run: epoch permutations from Rng(dataOrderSeed(seed)), a stream of its
 * own, so every method (either engine) sees the same batches in the same order for one seed.
 */
export function dataOrderSeed(seed: number): number {
  return (seed ^ 0x5bd1e995) >>> 0;
}
