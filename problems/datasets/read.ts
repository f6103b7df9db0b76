/**
 * Reading a data file as a stream of lines, with the boundary checks shared by the CSV and
 * LIBSVM loaders. The file is never held as one string: it is read in 1 MiB chunks
 * (`readSync`), decoded incrementally (UTF-8, BOM stripped) and cut into lines.
 *
 * Checks: the path must name a regular file (`stat`: FIFOs, sockets and devices such as
 * /dev/zero are refused, and the file is opened non-blocking so a FIFO cannot hang the open);
 * its size (after gunzip for `.gz`) must be ≤ MAX_DATA_FILE_BYTES; reading it must finish within
 * the read timeout (L1BENCH_READ_TIMEOUT seconds, default DEFAULT_READ_TIMEOUT_SECONDS; checked
 * between chunks). `.gz` files are gunzipped in memory with the output bounded by the limit.
 *
 * A file with a NUL byte in its first 64 KiB is refused as binary.
 *
 * Line breaks: `\n` and `\r\n`; a file with `\r` but no `\n` in its first chunk (old Mac
 * CR-only line endings) is split on `\r`.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { gunzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { UserError } from '../errors.ts';
import { DEFAULT_READ_TIMEOUT_SECONDS, MAX_DATA_FILE_BYTES, formatBytes } from '../limits.ts';

const CHUNK = 1 << 20;
/** Largest .gz file accepted: it is gunzipped in one buffer (Node's Buffer limit). */
const MAX_GZ_BYTES = 2 ** 32 - 1;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** Read timeout in seconds (L1BENCH_READ_TIMEOUT, else the default). */
export function readTimeoutSeconds(): number {
  const v = Number(process.env['L1BENCH_READ_TIMEOUT']);
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_READ_TIMEOUT_SECONDS;
}

/** stat of a data path, refusing anything but an existing regular file (symlinks are followed). */
export function statDataFile(path: string, what: string): Stats {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`${path}: file not found; check the ${what} path`);
    throw new UserError(`${path}: cannot read the ${what} file (${code ?? (e as Error).message}); check its permissions`);
  }
  if (!st.isFile()) {
    throw new UserError(`${path}: is ${kindOf(st)}, not a regular file; give the path of a ${what} file (copy a stream to a file first)`);
  }
  return st;
}

function tooBig(path: string, what: string, bytes: number | string): UserError {
  return new UserError(
    `${path}: the ${what} data is ${typeof bytes === 'number' ? formatBytes(bytes) : bytes}, above the limit of ${formatBytes(MAX_DATA_FILE_BYTES)}; subsample or split the file`,
  );
}

/** Calls `onChunk` with successive byte chunks of the (gunzipped) file. */
function readChunks(path: string, what: string, onChunk: (b: Buffer) => void): void {
  const st = statDataFile(path, what);
  const gz = path.toLowerCase().endsWith('.gz');
  if (st.size > (gz ? MAX_GZ_BYTES : MAX_DATA_FILE_BYTES)) throw tooBig(path, what, st.size);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new UserError(`${path}: cannot read the ${what} file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check its permissions`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new UserError(`${path}: is not a regular file; give the path of a ${what} file`);
    const limitS = readTimeoutSeconds();
    const t0 = performance.now();
    const buf = Buffer.allocUnsafe(CHUNK);
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      let k: number;
      try {
        k = readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        throw new UserError(`${path}: reading the ${what} file failed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      if (k === 0) break;
      total += k;
      if (total > MAX_DATA_FILE_BYTES) throw tooBig(path, what, `over ${formatBytes(MAX_DATA_FILE_BYTES)}`);
      if ((performance.now() - t0) / 1000 > limitS) {
        throw new UserError(`${path}: reading the ${what} file took over ${limitS} s (read timeout); copy it to a local disk or raise L1BENCH_READ_TIMEOUT`);
      }
      if (gz) parts.push(Buffer.from(buf.subarray(0, k)));
      else onChunk(buf.subarray(0, k));
    }
    if (gz) {
      let out: Buffer;
      try {
        out = gunzipSync(Buffer.concat(parts), { maxOutputLength: Math.min(MAX_DATA_FILE_BYTES, 2 ** 32 - 1) });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooBig(path, what, 'over the limit once gunzipped');
        throw new UserError(`${path}: not a valid gzip file (${(e as Error).message}); re-compress it or drop the .gz suffix`);
      }
      parts.length = 0;
      for (let off = 0; off < out.length; off += CHUNK) onChunk(out.subarray(off, Math.min(out.length, off + CHUNK)));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams the file's lines to `onLine(line, lineNo)` (1-based, line break removed, BOM
 * stripped). `onLine` returning false stops the read early.
 */
export function forEachLine(path: string, what: string, onLine: (line: string, lineNo: number) => boolean | void): void {
  const dec = new StringDecoder('utf8');
  let carry = '';
  let sep: '\n' | '\r' | null = null;
  let lineNo = 0;
  let first = true;
  let stopped = false;
  const emit = (l: string): void => {
    if (stopped) return;
    lineNo++;
    const s = sep === '\n' && l.charCodeAt(l.length - 1) === 13 ? l.slice(0, -1) : l;
    if (onLine(s, lineNo) === false) stopped = true;
  };
  const feed = (text: string, final: boolean): void => {
    let s = carry + text;
    if (first && s.length > 0) {
      first = false;
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
    }
    if (sep === null) {
      if (s.includes('\n')) sep = '\n';
      else if (s.includes('\r')) sep = '\r';
    }
    if (sep === null) {
      carry = s;
    } else {
      let start = 0;
      for (let k = s.indexOf(sep); k >= 0 && !stopped; k = s.indexOf(sep, start)) {
        emit(s.slice(start, k));
        start = k + 1;
      }
      carry = s.slice(start);
    }
    if (final && carry !== '') emit(carry);
  };
  let checked = false;
  try {
    readChunks(path, what, (b) => {
      if (stopped) throw STOP;
      if (!checked) {
        checked = true;
        // Text data never holds a NUL byte; executables, images and databases do.
        if (b.subarray(0, 65536).includes(0)) {
          throw new UserError(`${path}: is a binary file (it contains NUL bytes), not ${what} text; give the path of a ${what} file (UTF-16 text: save it as UTF-8)`);
        }
      }
      feed(dec.write(b), false);
      if (stopped) throw STOP;
    });
  } catch (e) {
    if (e !== STOP) throw e;
    return;
  }
  feed(dec.end(), true);
}

const STOP = Symbol('stop');

/** The first `max` non-empty lines of the file (for format sniffing). */
export function headLines(path: string, what: string, max: number): string[] {
  const out: string[] = [];
  forEachLine(path, what, (l) => {
    if (l.trim() !== '') out.push(l);
    return out.length < max;
  });
  return out;
}

/**
 * Strict decimal number: what Number() accepts minus its non-decimal forms (0x…, 0o…, 0b…,
 * blank = 0). Returns NaN when the cell is not a finite decimal number.
 */
export function strictNumber(cell: string): number {
  const v = +cell;
  if (v - v !== 0) return NaN;
  let i = 0;
  while (i < cell.length && cell.charCodeAt(i) <= 32) i++;
  if (i === cell.length) return NaN; // blank: Number('') is 0
  if (cell.charCodeAt(i) === 48) {
    const c = cell.charCodeAt(i + 1) | 32;
    if (c === 120 || c === 111 || c === 98) return NaN; // 0x 0o 0b
  }
  return v;
}


/**
 * The whole (gunzipped, BOM-stripped) text of a small side file — groups, metadata — with the
 * same checks as `forEachLine` (regular file, size limit, read timeout). Data matrices are read
 * with `forEachLine` instead, never as one string.
 */
export function readDataText(path: string, what: string): string {
  const parts: string[] = [];
  forEachLine(path, what, (l) => {
    parts.push(l);
  });
  return parts.join('\n');
}

/** `s` cut to 40 characters (with …) for quoting in a one-line error message. */
export function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
