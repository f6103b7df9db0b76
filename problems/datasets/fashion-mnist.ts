/**
 * Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; MIT licence): 28×28 grey images of 10 clothing
 * classes, 60,000 train / 10,000 test (6,000 / 1,000 per class). Pixels are scaled to [0, 1]
 * (x/255); p = 784. Specs:
 *   - `fashion-mnist`                   the official split, from Debian's `dataset-fashion-mnist`
 *                                       (IDX gz under /usr/share/datasets/fashion-mnist);
 *   - `fashion-mnist:train=N,test=M`    stratified subsets of the official splits (per class
 *                                       ⌊N/10⌋ … by largest remainder, the first in a seeded
 *                                       permutation; optional `seed=S`, default 0);
 *   - `fashion-mnist-small`             the stratified 6,000 / 1,000 subset committed in the
 *                                       repository (problems/datasets/files/fashion-mnist-small/),
 *                                       so the default suite needs no apt step.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.ts';
import { Rng } from '../rng.ts';
import { readIdx, type IdxArray } from './idx.ts';
import type { ClassSplit, SplitData } from './splits.ts';

/** Where Debian's dataset-fashion-mnist puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** The committed stratified subset. */
export const FASHION_MNIST_SMALL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'files', 'fashion-mnist-small');
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

const OFFICIAL = { trainImages: 'train-images-idx3-ubyte.gz', trainLabels: 'train-labels-idx1-ubyte.gz', testImages: 't10k-images-idx3-ubyte.gz', testLabels: 't10k-labels-idx1-ubyte.gz' };
const SMALL = { trainImages: 'train-images-idx3-ubyte.gz', trainLabels: 'train-labels-idx1-ubyte.gz', testImages: 't10k-images-idx3-ubyte.gz', testLabels: 't10k-labels-idx1-ubyte.gz' };

/** Whether a dataset spec names Fashion-MNIST. */
export function isFashionMnist(spec: string): boolean {
  const head = spec.trim().split(':')[0];
  return head === 'fashion-mnist' || head === 'fashion-mnist-small';
}

/** Images and labels of one split as raw bytes, checked against each other. */
export interface RawSplit {
  readonly images: IdxArray;
  readonly labels: IdxArray;
}

function readSplit(dir: string, images: string, labels: string): RawSplit {
  const im = readIdx(join(dir, images));
  const lb = readIdx(join(dir, labels));
  if (im.dims.length !== 3 || im.dims[1] !== 28 || im.dims[2] !== 28) throw new UserError(`${join(dir, images)}: expected n×28×28 images, got [${im.dims.join(', ')}]`);
  if (lb.dims.length !== 1 || lb.dims[0] !== im.dims[0]) throw new UserError(`${join(dir, labels)}: ${lb.dims[0]} labels for ${im.dims[0]} images`);
  for (let i = 0; i < lb.data.length; i++) if ((lb.data[i] as number) > 9) throw new UserError(`${join(dir, labels)}: label ${lb.data[i]} at ${i} is not a class 0–9`);
  return { images: im, labels: lb };
}

/** The official raw splits (errors name the apt package when it is missing). */
export function readOfficial(dir = FASHION_MNIST_DIR): { train: RawSplit; test: RawSplit } {
  if (!existsSync(join(dir, OFFICIAL.trainImages))) {
    throw new UserError(`fashion-mnist: ${join(dir, OFFICIAL.trainImages)} not found; install the data with: apt-get install dataset-fashion-mnist (or use fashion-mnist-small, the subset in the repository)`);
  }
  return { train: readSplit(dir, OFFICIAL.trainImages, OFFICIAL.trainLabels), test: readSplit(dir, OFFICIAL.testImages, OFFICIAL.testLabels) };
}

/**
 * Indices of a stratified subset of `count` samples: class c gets its share count·n_c/n rounded by
 * largest remainder, taken first-come in a seeded permutation; returned sorted.
 */
export function stratifiedSubset(labels: Uint8Array, count: number, seed: number, classes = 10): Int32Array {
  const n = labels.length;
  if (!Number.isInteger(count) || count < classes || count > n) throw new UserError(`a stratified subset needs between ${classes} and ${n} samples, got ${count}`);
  const byClass = Array.from({ length: classes }, () => 0);
  for (let i = 0; i < n; i++) byClass[labels[i] as number]! += 1;
  const exact = byClass.map((m) => (count * m) / n);
  const quota = exact.map(Math.floor);
  const left = count - quota.reduce((a, b) => a + b, 0);
  const order = exact.map((e, c) => ({ c, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.c - b.c);
  for (let k = 0; k < left; k++) quota[(order[k] as { c: number }).c]! += 1;
  const perm = new Rng(seed ^ 0x3c6ef372).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const out: number[] = [];
  for (const i of perm) {
    const c = labels[i] as number;
    if ((quota[c] as number) > 0) {
      quota[c]! -= 1;
      out.push(i);
    }
  }
  return Int32Array.from(out).sort();
}

/** Selected rows of a raw split, pixels scaled to [0, 1]. */
function toSplit(raw: RawSplit, idx: Int32Array | null): ClassSplit {
  const p = 784;
  const n = idx ? idx.length : (raw.labels.dims[0] as number);
  const X = new Float32Array(n * p);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const i = idx ? (idx[r] as number) : r;
    const src = raw.images.data.subarray(i * p, (i + 1) * p);
    for (let j = 0; j < p; j++) X[r * p + j] = (src[j] as number) / 255;
    y[r] = raw.labels.data[i] as number;
  }
  return { X, y };
}

/** Raw subset (bytes) of a split: what the conversion script writes. */
export function subsetRaw(raw: RawSplit, idx: Int32Array): { images: Uint8Array; labels: Uint8Array } {
  const p = 784;
  const images = new Uint8Array(idx.length * p);
  const labels = new Uint8Array(idx.length);
  idx.forEach((i, r) => {
    images.set(raw.images.data.subarray(i * p, (i + 1) * p), r * p);
    labels[r] = raw.labels.data[i] as number;
  });
  return { images, labels };
}

function hashRaw(parts: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

const cache = new Map<string, SplitData>();

/** A parsed Fashion-MNIST spec. */
interface FashionSpec {
  readonly head: 'fashion-mnist' | 'fashion-mnist-small';
  readonly train?: number;
  readonly test?: number;
  readonly seed: number;
}

function parseFashionSpec(spec: string): FashionSpec {
  const key = spec.trim();
  const colon = key.indexOf(':');
  const head = colon >= 0 ? key.slice(0, colon) : key;
  if (head !== 'fashion-mnist' && head !== 'fashion-mnist-small') throw new UserError(`dataset '${spec}' is not a Fashion-MNIST spec`);
  const args = new Map<string, number>();
  if (colon >= 0) {
    for (const kv of key.slice(colon + 1).split(',')) {
      const [k, v] = kv.split('=').map((s) => s.trim());
      const x = Number(v);
      if (!k || !['train', 'test', 'seed'].includes(k) || v === undefined || v === '' || !Number.isInteger(x) || x < 0) {
        throw new UserError(`dataset '${spec}': expected ${head}:train=N,test=M[,seed=S] with non-negative integers, got '${kv}'`);
      }
      args.set(k, x);
    }
  }
  const tr = args.get('train');
  const te = args.get('test');
  return { head, seed: args.get('seed') ?? 0, ...(tr !== undefined ? { train: tr } : {}), ...(te !== undefined ? { test: te } : {}) };
}

/** Checks a spec and that its files exist, without reading them (UserError naming the fix). */
export function checkFashionMnist(spec: string): void {
  const s = parseFashionSpec(spec);
  const file = s.head === 'fashion-mnist-small' ? join(FASHION_MNIST_SMALL_DIR, SMALL.trainImages) : join(FASHION_MNIST_DIR, OFFICIAL.trainImages);
  if (!existsSync(file)) {
    throw new UserError(
      s.head === 'fashion-mnist-small'
        ? `fashion-mnist-small: ${FASHION_MNIST_SMALL_DIR} is missing from this checkout; restore it with git checkout`
        : `fashion-mnist: ${file} not found; install the data with: apt-get install dataset-fashion-mnist (or use fashion-mnist-small, the subset in the repository)`,
    );
  }
}

/** Loads a Fashion-MNIST spec (module comment). */
export function loadFashionMnist(spec: string): SplitData {
  const key = spec.trim();
  const hit = cache.get(key);
  if (hit) return hit;
  const parsed = parseFashionSpec(key);
  checkFashionMnist(key);
  const head = parsed.head;
  let train: RawSplit;
  let test: RawSplit;
  let source: string;
  if (head === 'fashion-mnist-small') {
    train = readSplit(FASHION_MNIST_SMALL_DIR, SMALL.trainImages, SMALL.trainLabels);
    test = readSplit(FASHION_MNIST_SMALL_DIR, SMALL.testImages, SMALL.testLabels);
    source = 'repository subset (problems/datasets/files/fashion-mnist-small, stratified 6000/1000 of the official split)';
  } else {
    ({ train, test } = readOfficial());
    source = `Debian dataset-fashion-mnist (${FASHION_MNIST_DIR})`;
  }
  const seed = parsed.seed;
  const nTrain = parsed.train;
  const nTest = parsed.test;
  const trIdx = nTrain !== undefined && nTrain !== train.labels.data.length ? stratifiedSubset(train.labels.data, nTrain, seed) : null;
  const teIdx = nTest !== undefined && nTest !== test.labels.data.length ? (nTest === 0 ? new Int32Array(0) : stratifiedSubset(test.labels.data, nTest, seed + 1)) : null;
  const tr = toSplit(train, trIdx);
  const te = toSplit(test, teIdx);
  const data: SplitData = {
    p: 784,
    classes: 10,
    train: tr,
    test: te.y.length > 0 ? te : null,
    name: key,
    hash: hashRaw([new Uint8Array(tr.X.buffer), new Uint8Array(tr.y.buffer), new Uint8Array(te.X.buffer), new Uint8Array(te.y.buffer)]),
    notes: { source, licence: 'MIT (Zalando Research)', scaling: 'pixels x/255 in [0, 1]', nTrain: tr.y.length, nTest: te.y.length, subsetSeed: seed },
    labels: Object.fromEntries(FASHION_CLASSES.map((c, i) => [c, i])),
  };
  cache.set(key, data);
  return data;
}
