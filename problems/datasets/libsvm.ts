/**
 * LIBSVM / svmlight loader: one sample per line, `label idx:val idx:val …` with 1-based,
 * strictly increasing feature indices; absent entries are 0. `#` starts a comment, blank lines
 * are skipped, `qid:…` tokens are ignored, `.gz` files are gunzipped.
 *
 * Output: dense X n×p column-major (X[i, j−1] = val of token `j:val` on sample i), with
 * p = `nFeatures` when given, else the largest index present; y as in the CSV loader.
 */
import { UserError } from '../errors.ts';
import type { Dataset } from '../dataset.ts';
import { hashDataset } from './hash.ts';
import { codeLabels, type Task } from './labels.ts';
import { readDataText } from './read.ts';

export interface LibsvmOptions {
  readonly task: Task;
  /** Number of features p; must be ≥ the largest index in the file. Default: that largest index. */
  readonly nFeatures?: number;
}

export function loadLibsvm(path: string, opts: LibsvmOptions): Dataset {
  const { task, nFeatures } = opts;
  if (nFeatures !== undefined && !(Number.isInteger(nFeatures) && nFeatures >= 1)) {
    throw new UserError(`nFeatures=${nFeatures} for ${path}: must be a positive integer`);
  }
  const text = readDataText(path, 'LIBSVM');
  const lines = text.split('\n');

  // Triplets (row, col, val) of the sparse entries, then densified once n and p are known.
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  const labelText: string[] = [];
  const labelLine: number[] = [];
  let maxIdx = 0;
  let n = 0;
  for (let li = 0; li < lines.length; li++) {
    let line = lines[li] as string;
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    const tokens = line.trim().split(/\s+/);
    if (tokens[0] === '') continue;
    const lineNo = li + 1;
    labelText.push(tokens[0] as string);
    labelLine.push(lineNo);
    let prev = 0;
    for (let k = 1; k < tokens.length; k++) {
      const tok = tokens[k] as string;
      const colon = tok.indexOf(':');
      if (colon <= 0 || colon === tok.length - 1 || tok.indexOf(':', colon + 1) >= 0) {
        throw new UserError(`${path} line ${lineNo}: malformed token '${tok}'; expected index:value (e.g. 3:0.5)`);
      }
      const idxText = tok.slice(0, colon);
      if (idxText === 'qid') continue;
      const valText = tok.slice(colon + 1);
      const idx = Number(idxText);
      if (!Number.isInteger(idx)) {
        throw new UserError(`${path} line ${lineNo}: index '${idxText}' in '${tok}' is not an integer; indices are 1-based integers`);
      }
      if (idx <= 0) {
        throw new UserError(`${path} line ${lineNo}: index ${idx} in '${tok}' is not positive; LIBSVM indices start at 1`);
      }
      if (idx <= prev) {
        throw new UserError(
          `${path} line ${lineNo}: index ${idx} follows ${prev}; indices must be strictly increasing on each line (sort them, no repeats)`,
        );
      }
      const v = Number(valText);
      if (Number.isNaN(v)) {
        const l = valText.toLowerCase().replace(/^[+-]/, '');
        const what = l === 'nan' ? 'is NaN' : l === 'inf' || l === 'infinity' ? 'is infinite' : 'is not a number';
        throw new UserError(`${path} line ${lineNo}: value '${valText}' of feature ${idx} ${what}; values must be finite numbers`);
      }
      if (!Number.isFinite(v)) {
        throw new UserError(`${path} line ${lineNo}: value '${valText}' of feature ${idx} is infinite; values must be finite numbers`);
      }
      prev = idx;
      if (idx > maxIdx) maxIdx = idx;
      if (v !== 0) {
        rows.push(n);
        cols.push(idx - 1);
        vals.push(v);
      }
    }
    n++;
  }
  if (n === 0) throw new UserError(`${path}: no data lines (empty file or only comments); expected lines 'label idx:val …'`);
  if (nFeatures !== undefined && maxIdx > nFeatures) {
    throw new UserError(`${path}: feature index ${maxIdx} exceeds nFeatures=${nFeatures}; raise nFeatures or fix the file`);
  }
  const p = nFeatures ?? maxIdx;
  if (p === 0) throw new UserError(`${path}: no feature entries on any line; every sample would be empty`);

  const data = new Float64Array(n * p);
  for (let e = 0; e < vals.length; e++) data[(cols[e] as number) * n + (rows[e] as number)] = vals[e] as number;
  const X = { n, p, data };

  let y: Float64Array;
  let labels: Record<string, number> | undefined;
  if (task === 'regression') {
    y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = labelText[i] as string;
      const v = Number(s);
      if (!Number.isFinite(v)) {
        throw new UserError(
          `${path} line ${labelLine[i]}: target '${s}' is not a finite number; regression needs numeric targets`,
        );
      }
      y[i] = v;
    }
  } else {
    const coded = codeLabels(labelText, task, path);
    y = coded.y;
    labels = coded.labels;
  }
  const featureNames = Array.from({ length: p }, (_, j) => `f${j + 1}`);
  return {
    name: path,
    X,
    y,
    featureNames,
    task,
    ...(labels ? { labels } : {}),
    hash: hashDataset(X, y),
    notes: { source: path, format: 'libsvm' },
  };
}
