/**
 * CSV loader: a header row, one target column y, every other column a numeric feature.
 *
 * Format (an RFC 4180 subset): comma-separated fields; a field may be double-quoted, inside
 * quotes commas and newlines are literal and "" is one quote. Blank lines are skipped. `.csv.gz`
 * files are gunzipped. Everything is validated here, once; errors are one-line UserErrors that
 * name the file, the line and column, and the fix.
 *
 * Output: X n×p column-major (X[i, j] = data[j·n + i]) in header order without the target; y real
 * (regression), ±1 (binary) or 0 … C−1 (multiclass) coded by `codeLabels`.
 */
import { UserError } from '../errors.ts';
import type { Dataset } from '../dataset.ts';
import { hashDataset } from './hash.ts';
import { codeLabels, listNames, type Task } from './labels.ts';
import { readDataText } from './read.ts';

export interface CsvOptions {
  /** Name of the target column; default: the column named `y` or `target` (case-insensitive). */
  readonly target?: string;
  readonly task: Task;
}

export function loadCsv(path: string, opts: CsvOptions): Dataset {
  const text = readDataText(path, 'CSV');
  const records = new RecordReader(text, path);

  const header = records.next();
  if (header === null) {
    throw new UserError(`${path}: file is empty; expected a header row of column names and at least one data row`);
  }
  const names = header.fields.map((s) => s.trim());
  checkHeader(path, names);
  const t = findTarget(path, names, opts.target);
  const targetName = names[t] as string;
  const ncols = names.length;
  const p = ncols - 1;
  if (p < 1) throw new UserError(`${path}: only the target column '${targetName}' is present; add at least one feature column`);
  const featureNames = names.filter((_, j) => j !== t);
  // colOf[j] = feature index of file column j (−1 for the target).
  const colOf = new Int32Array(ncols);
  for (let j = 0, f = 0; j < ncols; j++) colOf[j] = j === t ? -1 : f++;

  // Column-major buffer with row stride `cap` (an upper bound on the number of rows).
  const cap = Math.max(1, records.linesLeft());
  let data = new Float64Array(cap * p);
  const yNum: number[] = [];
  const yRaw: string[] = [];
  const regression = opts.task === 'regression';
  let n = 0;
  for (let rec = records.next(); rec !== null; rec = records.next()) {
    const fields = rec.fields;
    if (fields.length !== ncols) {
      throw new UserError(
        `${path} line ${rec.line}: ${fields.length} fields, expected ${ncols} as in the header; ` +
          `fix the row (quote fields that contain commas)`,
      );
    }
    for (let j = 0; j < ncols; j++) {
      const cell = fields[j] as string;
      const f = colOf[j] as number;
      if (f >= 0) {
        const v = +cell;
        // Number('') and Number('  ') are 0: a zero needs a non-blank cell.
        if (v - v === 0 && (v !== 0 || cell.trim() !== '')) data[f * cap + n] = v;
        else throw badCell(path, rec.line, names[j] as string, cell, false);
      } else if (regression) {
        const v = +cell;
        if (v - v === 0 && (v !== 0 || cell.trim() !== '')) yNum.push(v);
        else throw badCell(path, rec.line, targetName, cell, true);
      } else {
        const s = cell.trim();
        if (s === '') {
          throw new UserError(`${path} line ${rec.line}, column '${targetName}': empty target label; give every row a class label`);
        }
        yRaw.push(s);
      }
    }
    n++;
  }
  if (n === 0) throw new UserError(`${path}: has a header row but no data rows; add at least one row of values`);
  if (n < cap) {
    // Compact the columns to stride n.
    const packed = new Float64Array(n * p);
    for (let j = 0; j < p; j++) packed.set(data.subarray(j * cap, j * cap + n), j * n);
    data = packed;
  }

  const X = { n, p, data };
  let y: Float64Array;
  let labels: Record<string, number> | undefined;
  if (regression) {
    y = Float64Array.from(yNum);
  } else {
    const coded = codeLabels(yRaw, opts.task as 'binary' | 'multiclass', `${path} column '${targetName}'`);
    y = coded.y;
    labels = coded.labels;
  }
  return {
    name: path,
    X,
    y,
    featureNames,
    task: opts.task,
    ...(labels ? { labels } : {}),
    hash: hashDataset(X, y),
    notes: { source: path, format: 'csv', target: targetName },
  };
}

function checkHeader(path: string, names: readonly string[]): void {
  const seen = new Map<string, number>();
  const dups = new Set<string>();
  names.forEach((s, j) => {
    if (s === '') throw new UserError(`${path} line 1: column ${j + 1} has an empty name; give every column a name in the header row`);
    if (seen.has(s)) dups.add(s);
    seen.set(s, j);
  });
  if (dups.size > 0) {
    throw new UserError(`${path} line 1: duplicate column names (${listNames([...dups])}); rename them so each column is unique`);
  }
}

function findTarget(path: string, names: readonly string[], target: string | undefined): number {
  if (target !== undefined) {
    const j = names.indexOf(target);
    if (j < 0) {
      throw new UserError(`${path}: no column named '${target}' for --target; the columns are: ${listNames(names)}`);
    }
    return j;
  }
  const cands: number[] = [];
  names.forEach((s, j) => {
    const l = s.toLowerCase();
    if (l === 'y' || l === 'target') cands.push(j);
  });
  if (cands.length === 1) return cands[0] as number;
  if (cands.length > 1) {
    const both = cands.map((j) => names[j] as string).join(', ');
    throw new UserError(`${path}: several columns could be the target (${both}); pass --target NAME to choose one`);
  }
  throw new UserError(`${path}: no column named 'y' or 'target'; pass --target NAME (columns: ${listNames(names)})`);
}

function badCell(path: string, line: number, column: string, cell: string, isTarget: boolean): UserError {
  const s = cell.trim();
  const l = s.toLowerCase().replace(/^[+-]/, '');
  const where = `${path} line ${line}, column '${column}'`;
  const role = isTarget ? 'regression targets' : 'features';
  if (s === '') return new UserError(`${where}: empty cell; ${role} must be finite numbers (fill in or drop the row)`);
  if (l === 'nan') return new UserError(`${where}: NaN; ${role} must be finite numbers (impute or drop the row)`);
  if (l === 'inf' || l === 'infinity' || Math.abs(Number(s)) === Infinity) {
    return new UserError(`${where}: '${s}' is infinite; ${role} must be finite numbers (fix or drop the row)`);
  }
  if (isTarget) {
    return new UserError(
      `${where}: '${s}' is not a number; regression needs a numeric target (use a classification problem for class labels)`,
    );
  }
  return new UserError(
    `${where}: '${s}' is not a number; every column but the target must be numeric (pass --target NAME if this is the label column)`,
  );
}

/** Splits the text into records, joining physical lines inside quoted fields. */
class RecordReader {
  private readonly lines: string[];
  private i = 0;

  constructor(
    text: string,
    private readonly path: string,
  ) {
    this.lines = text.split('\n');
  }

  /** Upper bound on the records still to come. */
  linesLeft(): number {
    return this.lines.length - this.i;
  }

  next(): { fields: string[]; line: number } | null {
    const lines = this.lines;
    while (this.i < lines.length) {
      const start = this.i;
      let rec = stripCr(lines[this.i++] as string);
      if (rec.trim() === '') continue;
      if (rec.indexOf('"') < 0) return { fields: rec.split(','), line: start + 1 };
      // An odd number of quotes means a quoted field continues on the next line.
      while (countQuotes(rec) % 2 === 1) {
        if (this.i >= lines.length) {
          throw new UserError(`${this.path} line ${start + 1}: unterminated quoted field; close the opening '"'`);
        }
        rec += '\n' + stripCr(lines[this.i++] as string);
      }
      return { fields: splitQuoted(rec, this.path, start + 1), line: start + 1 };
    }
    return null;
  }
}

function stripCr(s: string): string {
  return s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}

function countQuotes(s: string): number {
  let c = 0;
  for (let k = s.indexOf('"'); k >= 0; k = s.indexOf('"', k + 1)) c++;
  return c;
}

/** RFC 4180 fields of one record that contains quotes. */
function splitQuoted(rec: string, path: string, line: number): string[] {
  const out: string[] = [];
  let k = 0;
  const len = rec.length;
  for (;;) {
    // Leading spaces before an opening quote are tolerated.
    let q = k;
    while (q < len && rec.charCodeAt(q) === 32) q++;
    if (q < len && rec.charCodeAt(q) === 34) {
      let field = '';
      let m = q + 1;
      for (;;) {
        const close = rec.indexOf('"', m);
        if (close < 0) throw new UserError(`${path} line ${line}: unterminated quoted field; close the opening '"'`);
        field += rec.slice(m, close);
        if (rec.charCodeAt(close + 1) === 34) {
          field += '"';
          m = close + 2;
        } else {
          m = close + 1;
          break;
        }
      }
      while (m < len && rec.charCodeAt(m) === 32) m++;
      out.push(field);
      if (m >= len) return out;
      if (rec.charCodeAt(m) !== 44) {
        throw new UserError(`${path} line ${line}: text after a closing quote in field ${out.length}; quote the whole field`);
      }
      k = m + 1;
    } else {
      const comma = rec.indexOf(',', k);
      if (comma < 0) {
        out.push(rec.slice(k));
        return out;
      }
      out.push(rec.slice(k, comma));
      k = comma + 1;
    }
  }
}
