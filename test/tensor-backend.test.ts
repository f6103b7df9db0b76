/**
 * TensorFlow.js backend selection: wasm and cpu activate and report themselves; the optional
 * libtensorflow backends (not installed here, never dependencies) fail with a one-line
 * UserError naming the package and how to install it; no silent fallback.
 */
import t from 'tap';
import * as tf from '@tensorflow/tfjs';
import { initBackend, activeBackend, missingPackageMessage } from '../problems/tensor/backend.ts';
import { UserError } from '../problems/errors.ts';

t.test('wasm and cpu activate, idempotently, and compute', async (t) => {
  t.equal(await initBackend('wasm'), 'wasm');
  t.equal(tf.getBackend(), 'wasm');
  t.equal(await initBackend('wasm'), 'wasm', 'second call is a no-op');
  t.equal(activeBackend(), 'wasm');
  const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const b = tf.matMul(a, a);
  t.same(Array.from(b.dataSync()), [7, 10, 15, 22], 'a 2×2 product on wasm');
  t.equal(await initBackend('cpu'), 'cpu');
  t.equal(tf.getBackend(), 'cpu');
  const c = tf.matMul(a, a);
  t.same(Array.from(c.dataSync()), [7, 10, 15, 22], 'the same product on cpu (tensor moved across backends)');
  tf.dispose([a, b, c]);
  t.equal(await initBackend('wasm'), 'wasm', 'switch back');
});

t.test('tensorflow and tensorflow-gpu without their packages: one-line UserError', async (t) => {
  const before = tf.getBackend();
  for (const [name, pkg] of [
    ['tensorflow', '@tensorflow/tfjs-node'],
    ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ] as const) {
    let err: unknown = null;
    try {
      await initBackend(name);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof UserError, `${name}: a UserError`);
    const msg = (err as Error).message;
    t.equal(msg.split('\n').length, 1, 'one line');
    t.equal(msg, missingPackageMessage(name));
    t.match(msg, `backend '${name}' needs ${pkg}, which is not installed`);
    t.match(msg, `npm install ${pkg}`);
    t.match(msg, '--backend wasm');
    if (name === 'tensorflow-gpu') t.match(msg, 'CUDA');
    t.equal(tf.getBackend(), before, 'the active backend is unchanged (no fallback)');
  }
  t.equal(
    missingPackageMessage('tensorflow-gpu'),
    "backend 'tensorflow-gpu' needs @tensorflow/tfjs-node-gpu, which is not installed; on a machine with internet and CUDA run `npm install @tensorflow/tfjs-node-gpu`, or use --backend wasm",
  );
});

t.test('unknown backend name', async (t) => {
  await t.rejects(initBackend('webgl' as never), { name: 'UserError', message: "unknown TensorFlow.js backend 'webgl'; choose one of: auto, wasm, webgpu, cpu, tensorflow, tensorflow-gpu" });
});
