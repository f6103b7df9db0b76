/**
 * IDX files (the MNIST / Fashion-MNIST format), optionally gzipped: a 4-byte magic
 * 0x00 0x00 <type> <ndims> (type 0x08 = unsigned byte), ndims big-endian uint32 sizes, then the
 * row-major data. Read with node:zlib; validated (magic, type, sizes against the file length).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { UserError } from '../errors.ts';

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Parses IDX bytes (unsigned-byte type only). `what` names the source in errors. */
export function parseIdx(bytes: Uint8Array, what: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new UserError(`${what}: not an IDX file (bad magic); expected MNIST-style IDX data`);
  if (bytes[2] !== 0x08) throw new UserError(`${what}: IDX type 0x${(bytes[2] as number).toString(16)} is not supported; only unsigned-byte (0x08) IDX files are`);
  const nd = bytes[3] as number;
  const head = 4 + 4 * nd;
  if (nd < 1 || bytes.length < head) throw new UserError(`${what}: truncated IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: nd }, (_, k) => view.getUint32(4 + 4 * k, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== head + size) throw new UserError(`${what}: IDX sizes [${dims.join(', ')}] need ${head + size} bytes, the file has ${bytes.length}`);
  return { dims, data: bytes.subarray(head) };
}

/** Reads an IDX file (gunzipped when its name ends in .gz). */
export function readIdx(path: string): IdxArray {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let bytes: Uint8Array;
  try {
    bytes = path.endsWith('.gz') ? gunzipSync(raw) : raw;
  } catch {
    throw new UserError(`${path}: not valid gzip data; re-download or re-extract the file`);
  }
  return parseIdx(bytes, path);
}

/** IDX bytes of an unsigned-byte array, gzipped at level 9 (deterministic: zlib writes no mtime). */
export function writeIdxGz(dims: readonly number[], data: Uint8Array): Buffer {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  const view = new DataView(head.buffer);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  const all = new Uint8Array(head.length + data.length);
  all.set(head);
  all.set(data, head.length);
  return gzipSync(all, { level: 9 });
}
