/** Reading a data file as text, with the boundary checks shared by the CSV and LIBSVM loaders. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../errors.ts';

/**
 * Returns the file's text (gunzipped when the name ends in `.gz`, BOM stripped).
 * Throws UserError for a missing path, a directory, an unreadable file or a corrupt gzip stream.
 */
export function readDataText(path: string, what: string): string {
  if (!existsSync(path)) throw new UserError(`${path}: file not found; check the ${what} path`);
  if (statSync(path).isDirectory()) throw new UserError(`${path}: is a directory; give the path of a ${what} file`);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: cannot read the ${what} file (${(e as Error).message}); check its permissions`);
  }
  if (path.toLowerCase().endsWith('.gz')) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new UserError(`${path}: not a valid gzip file (${(e as Error).message}); re-compress it or drop the .gz suffix`);
    }
  }
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
