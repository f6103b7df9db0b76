/**
 * LIBSVM / svmlight loader: one sample per line, `label idx:val idx:val …` with strictly
 * increasing feature indices; absent entries are 0. `#` starts a comment, blank lines are
 * skipped, `qid:…` tokens are ignored, `.gz` files are gunzipped. Indices are 1-based (LIBSVM's
 * convention); a file that uses index 0 is read as zero-based (scikit-learn's
 * `dump_svmlight_file` default), as scikit-learn's `zero_based='auto'` does, and says so in its
 * notes; `zeroBased` forces either. Indices are plain decimal integers (`1e1`, `+3`, `0x1` are
 * refused), values strict decimal numbers.
 *
 * Output: dense X n×p column-major (X[i, j] = val of token `(j + base):val` on sample i), with
 * p = `nFeatures` when given, else the largest index present (+1 when zero-based). The file is
 * streamed line by line; the dense matrix is checked against the memory budget (limits.ts)
 * before it is allocated.
 */
import { UserError } from '../errors.ts';
import type { Dataset } from '../dataset.ts';
import { checkMemory } from '../limits.ts';
import { GrowableF64, GrowableI32 } from './csv.ts';
import { hashDataset } from './hash.ts';
import { codeLabels, type Task } from './labels.ts';
import { clip, forEachLine, strictNumber } from './read.ts';

export interface LibsvmOptions {
  readonly task: Task;
  /** Number of features p; must be ≥ the largest index in the file. Default: that largest index. */
  readonly nFeatures?: number;
  /** Index base: true = 0-based, false = 1-based; default: 0-based iff some index is 0. */
  readonly zeroBased?: boolean;
}

const INDEX = /^\d+$/;
/** Largest feature index accepted (2³¹ − 1; far larger than any dense matrix that fits). */
const MAX_INDEX = 2 ** 31 - 1;

export function loadLibsvm(path: string, opts: LibsvmOptions): Dataset {
  const { task, nFeatures } = opts;
  if (nFeatures !== undefined && !(Number.isInteger(nFeatures) && nFeatures >= 1)) {
    throw new UserError(`nFeatures=${nFeatures} for ${path}: must be a positive integer`);
  }
  // Triplets (row, index, val) of the sparse entries, densified once n and p are known.
  const rows = new GrowableI32();
  const cols = new GrowableI32();
  const vals = new GrowableF64();
  const labelText: string[] = [];
  const labelLine: number[] = [];
  let maxIdx = -1;
  let minIdx = Infinity;
  let n = 0;
  forEachLine(path, 'LIBSVM', (raw, lineNo) => {
    const hash = raw.indexOf('#');
    const line = hash >= 0 ? raw.slice(0, hash) : raw;
    const tokens = line.trim().split(/\s+/);
    if (tokens[0] === '') return;
    const label = tokens[0] as string;
    if (label.includes(':')) {
      throw new UserError(`${path} line ${lineNo}: starts with '${clip(label)}', not a label; each line is 'label idx:val …' (is the label column missing?)`);
    }
    labelText.push(label);
    labelLine.push(lineNo);
    let prev = -1;
    for (let k = 1; k < tokens.length; k++) {
      const tok = tokens[k] as string;
      const colon = tok.indexOf(':');
      if (colon <= 0 || colon === tok.length - 1 || tok.indexOf(':', colon + 1) >= 0) {
        throw new UserError(`${path} line ${lineNo}: malformed token '${clip(tok)}'; expected index:value (e.g. 3:0.5)`);
      }
      const idxText = tok.slice(0, colon);
      if (idxText === 'qid') continue;
      const valText = tok.slice(colon + 1);
      if (!INDEX.test(idxText)) {
        throw new UserError(`${path} line ${lineNo}: index '${clip(idxText)}' in '${clip(tok)}' is not a plain decimal integer; indices are written like 1, 2, 17`);
      }
      const idx = Number(idxText);
      if (idx > MAX_INDEX) throw new UserError(`${path} line ${lineNo}: index ${clip(idxText)} is above ${MAX_INDEX}; renumber the features`);
      if (idx <= prev) {
        throw new UserError(
          `${path} line ${lineNo}: index ${idx} follows ${prev}; indices must be strictly increasing on each line (sort them, no repeats)`,
        );
      }
      const v = strictNumber(valText);
      if (!Number.isFinite(v)) {
        const l = valText.toLowerCase().replace(/^[+-]/, '');
        const what =
          l === 'nan' ? 'is NaN' : l === 'inf' || l === 'infinity' || Math.abs(Number(valText)) === Infinity ? 'is infinite' : 'is not a decimal number';
        throw new UserError(`${path} line ${lineNo}: value '${clip(valText)}' of feature ${idx} ${what}; values must be finite decimal numbers`);
      }
      prev = idx;
      if (idx > maxIdx) maxIdx = idx;
      if (idx < minIdx) minIdx = idx;
      if (v !== 0) {
        rows.push(n);
        cols.push(idx);
        vals.push(v);
      }
    }
    n++;
  });
  if (n === 0) throw new UserError(`${path}: no data lines (empty file or only comments); expected lines 'label idx:val …'`);
  if (maxIdx < 0) throw new UserError(`${path}: no feature entries on any line; every sample would be empty`);
  const zeroBased = opts.zeroBased ?? minIdx === 0;
  if (!zeroBased && minIdx === 0) {
    throw new UserError(`${path}: index 0 appears but the file is read as 1-based; drop the one-based setting (zero-based files are detected)`);
  }
  const base = zeroBased ? 0 : 1;
  const pFile = maxIdx - base + 1;
  if (nFeatures !== undefined && pFile > nFeatures) {
    throw new UserError(`${path}: feature index ${maxIdx} exceeds nFeatures=${nFeatures}; raise nFeatures or fix the file`);
  }
  const p = nFeatures ?? pFile;
  checkMemory(`${path}: the dense ${n} × ${p} matrix (largest feature index ${maxIdx})`, n * p, 'renumber the features densely or drop the rare high-index ones');

  const data = new Float64Array(n * p);
  const R = rows.take();
  const J = cols.take();
  const V = vals.take();
  for (let e = 0; e < V.length; e++) data[((J[e] as number) - base) * n + (R[e] as number)] = V[e] as number;
  const X = { n, p, data };

  let y: Float64Array;
  let labels: Record<string, number> | undefined;
  if (task === 'regression') {
    y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = labelText[i] as string;
      const v = strictNumber(s);
      if (!Number.isFinite(v)) {
        throw new UserError(
          `${path} line ${labelLine[i]}: target '${clip(s)}' is not a finite decimal number; regression needs numeric targets`,
        );
      }
      y[i] = v;
    }
  } else {
    const coded = codeLabels(labelText, task, path);
    y = coded.y;
    labels = coded.labels;
  }
  const featureNames = Array.from({ length: p }, (_, j) => `f${j + base}`);
  return {
    name: path,
    X,
    y,
    featureNames,
    task,
    ...(labels ? { labels } : {}),
    hash: hashDataset(X, y),
    notes: { source: path, format: 'libsvm', ...(zeroBased ? { indexBase: 0, note: 'zero-based feature indices (index 0 present)' } : {}) },
  };
}
