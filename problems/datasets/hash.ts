/**
 * Content hash of a dataset: hex sha256 over the raw little-endian Float64 bytes of
 * [n, p], then X.data (column-major, n·p values), then y (n values).
 * Two datasets hash equal iff their shapes and every bit of X and y are equal.
 */
import { createHash } from 'node:crypto';
import type { Matrix } from '../types.ts';

export function hashDataset(X: Matrix, y: Float64Array): string {
  const h = createHash('sha256');
  h.update(bytes(new Float64Array([X.n, X.p])));
  h.update(bytes(X.data));
  h.update(bytes(y));
  return h.digest('hex');
}

function bytes(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
