/**
 * Fashion-MNIST: the IDX reader (round trip, bad files), stratified subsets, the committed
 * 6,000 / 1,000 subset (shapes, class counts, content hash, that it is a subset of the official
 * files), and the real loader on Debian's installed dataset-fashion-mnist (skipped with a reason
 * only where the package is not installed and cannot be: not root).
 */
import t from 'tap';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseIdx, readIdx, writeIdxGz } from '../problems/datasets/idx.ts';
import { FASHION_MNIST_DIR, checkFashionMnist, loadFashionMnist, readOfficial, stratifiedSubset } from '../problems/datasets/fashion-mnist.ts';

t.test('IDX: round trip and one-line errors for bad files', async (t) => {
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
  const gz = writeIdxGz([2, 3, 4], data);
  const back = parseIdx(gunzipSync(gz), 'mem');
  t.same(back.dims, [2, 3, 4]);
  t.same(Array.from(back.data), Array.from(data));
  const dir = mkdtempSync(join(tmpdir(), 'idx-'));
  writeFileSync(join(dir, 'a.idx.gz'), gz);
  t.same(readIdx(join(dir, 'a.idx.gz')).dims, [2, 3, 4], 'gzipped file read by name');
  t.throws(() => parseIdx(Uint8Array.from([1, 2, 3, 4]), 'x'), { name: 'UserError', message: /bad magic/ });
  t.throws(() => parseIdx(Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), 'x'), { name: 'UserError', message: /only unsigned-byte/ });
  t.throws(() => parseIdx(gunzipSync(gz).subarray(0, 20), 'x'), { name: 'UserError', message: /need 40 bytes, the file has 20/ });
  writeFileSync(join(dir, 'b.gz'), 'not gzip');
  t.throws(() => readIdx(join(dir, 'b.gz')), { name: 'UserError', message: /not valid gzip/ });
  t.throws(() => readOfficial(join(dir, 'none')), { name: 'UserError', message: /apt-get install dataset-fashion-mnist/ });
  t.throws(() => checkFashionMnist('fashion-mnist:train=ten'), { name: 'UserError', message: /train=N,test=M/ });
});

t.test('stratified subsets keep the class proportions (largest remainder)', async (t) => {
  // 3 classes of 50, 30, 20
  const labels = Uint8Array.from([...Array(50).fill(0), ...Array(30).fill(1), ...Array(20).fill(2)]);
  const idx = stratifiedSubset(labels, 11, 7, 3);
  const counts = [0, 0, 0];
  for (const i of idx) counts[labels[i] as number]! += 1;
  t.same(counts, [6, 3, 2], '11·(0.5, 0.3, 0.2) = (5.5, 3.3, 2.2) → (6, 3, 2)');
  t.same(Array.from(idx), Array.from(idx).sort((a, b) => a - b), 'sorted');
  t.equal(new Set(idx).size, 11, 'no repeats');
  t.same(Array.from(stratifiedSubset(labels, 11, 7, 3)), Array.from(idx), 'seeded: same subset');
  t.notSame(Array.from(stratifiedSubset(labels, 11, 8, 3)), Array.from(idx), 'another seed, another subset');
});

t.test('the committed subset fashion-mnist-small: 6000/1000, 600/100 per class, content hash', async (t) => {
  const d = loadFashionMnist('fashion-mnist-small');
  t.equal(d.p, 784);
  t.equal(d.train.y.length, 6000);
  t.equal(d.test!.y.length, 1000);
  const per = (y: Int32Array): number[] => Array.from({ length: 10 }, (_, c) => y.filter((v) => v === c).length);
  t.same(per(d.train.y), Array(10).fill(600));
  t.same(per(d.test!.y), Array(10).fill(100));
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of d.train.X) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  t.ok(lo === 0 && hi === 1, `pixels scaled to [0, 1]: [${lo}, ${hi}]`);
  t.equal(d.hash, '9d432cc9c9cce3f108baaa981cae305d5904c791f15ba62f7fd813aba11fd972', 'content hash of both splits (scaled pixels and labels)');
  const sub = loadFashionMnist('fashion-mnist-small:train=600,test=100');
  t.same(per(sub.train.y), Array(10).fill(60), 'a stratified subset of the subset');
  t.not(sub.hash, d.hash);
});

const installed = existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
t.test('the real loader on the installed dataset-fashion-mnist', { skip: installed ? false : `dataset-fashion-mnist is not installed (${FASHION_MNIST_DIR}); .ci/run installs it with apt-get install dataset-fashion-mnist` }, async (t) => {
  const d = loadFashionMnist('fashion-mnist');
  t.equal(d.train.y.length, 60000);
  t.equal(d.test!.y.length, 10000);
  t.equal(d.train.X.length, 60000 * 784);
  const per = (y: Int32Array): number[] => Array.from({ length: 10 }, (_, c) => y.filter((v) => v === c).length);
  t.same(per(d.train.y), Array(10).fill(6000), 'official train split: 6000 per class');
  t.same(per(d.test!.y), Array(10).fill(1000), 'official test split: 1000 per class');
  t.equal(d.hash, 'ff053b7549318f80ca0688ea4d4763926c2de132532e451c063dacbe22946fbe', 'content hash of the official split');
  // the committed subset is exactly the stratified 6000/1000 sample of these files (seeds 0, 1)
  const raw = readOfficial();
  const small = loadFashionMnist('fashion-mnist-small');
  const trIdx = stratifiedSubset(raw.train.labels.data, 6000, 0);
  let same = true;
  for (let r = 0; r < trIdx.length && same; r++) {
    const i = trIdx[r] as number;
    if (small.train.y[r] !== d.train.y[i]) same = false;
    for (let j = 0; j < 784 && same; j += 7) if (small.train.X[r * 784 + j] !== d.train.X[i * 784 + j]) same = false;
  }
  t.ok(same, 'fashion-mnist-small = the stratified subset of the official train split');
  const sub = loadFashionMnist('fashion-mnist:train=2000,test=500');
  t.same(per(sub.train.y), Array(10).fill(200));
  t.same(per(sub.test!.y), Array(10).fill(50));
});
