/**
 * Writes the committed Fashion-MNIST subset (fashion-mnist-small): a stratified 6,000 / 1,000
 * sample of the official train / test splits (seeds 0 and 1, problems/datasets/fashion-mnist.ts
 * `stratifiedSubset`), as gzipped IDX files with the official names.
 *
 *     apt-get install dataset-fashion-mnist
 *     npx tsx problems/datasets/files/convert-fashion-mnist.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FASHION_MNIST_SMALL_DIR, readOfficial, stratifiedSubset, subsetRaw } from '../fashion-mnist.ts';
import { writeIdxGz } from '../idx.ts';

const { train, test } = readOfficial();
mkdirSync(FASHION_MNIST_SMALL_DIR, { recursive: true });
for (const [raw, count, seed, prefix] of [[train, 6000, 0, 'train'], [test, 1000, 1, 't10k']] as const) {
  const sub = subsetRaw(raw, stratifiedSubset(raw.labels.data, count, seed));
  writeFileSync(join(FASHION_MNIST_SMALL_DIR, `${prefix}-images-idx3-ubyte.gz`), writeIdxGz([count, 28, 28], sub.images));
  writeFileSync(join(FASHION_MNIST_SMALL_DIR, `${prefix}-labels-idx1-ubyte.gz`), writeIdxGz([count], sub.labels));
}
console.log(`wrote ${FASHION_MNIST_SMALL_DIR}`);
