/**
 * CSV loader: a header row, one target column y, every other column a numeric feature.
 *
 * Format (an RFC 4180 subset): comma-separated fields; a field may be double-quoted, inside
 * quotes commas and newlines are literal and "" is one quote. Blank lines are skipped; line
 * breaks are LF, CRLF or CR-only. `.csv.gz` files are gunzipped. Numbers are strict decimals
 * (`0x10`, blank cells, NaN and ±Inf are refused). An unnamed first column before named ones
 * (R's default `write.csv` row names) is dropped, with a note in the dataset's notes. A file
 * separated by `;`, tabs or `|` is refused with a message naming its separator.
 * Everything is validated here, once; errors are one-line UserErrors that name the file, the
 * line and column, and the fix.
 *
 * Streaming: the file is read line by line (read.ts) into row-major chunks and transposed once;
 * the peak memory is about twice the dense matrix (checked against the memory budget as rows
 * arrive, see limits.ts).
 *
 * Output: X n×p column-major (X[i, j] = data[j·n + i]) in header order without the target; y real
 * (regression), ±1 (binary) or 0 … C−1 (multiclass) coded by `codeLabels`.
 */
import { UserError } from '../errors.ts';
import type { Dataset } from '../dataset.ts';
import { hashDataset } from './hash.ts';
import { codeLabels, listNames, type Task } from './labels.ts';
import { clip, forEachLine, strictNumber } from './read.ts';
import { checkMemory } from '../limits.ts';

export interface CsvOptions {
  /** Name of the target column; default: the column named `y` or `target` (case-insensitive). */
  readonly target?: string;
  readonly task: Task;
}

export function loadCsv(path: string, opts: CsvOptions): Dataset {
  const regression = opts.task === 'regression';
  const st: { header: Header | null; rows: RowBuffer | null } = { header: null, rows: null };
  const yNum = new GrowableF64();
  const yRaw: string[] = [];
  const notes: Record<string, string> = {};
  const records = new RecordJoiner(path);

  const onRecord = (fields: string[], line: number): void => {
    if (st.header === null) {
      st.header = parseHeader(path, fields, opts.target);
      if (st.header.skip === 1) notes['dropped'] = 'the unnamed first column (R write.csv row names)';
      st.rows = new RowBuffer(path, st.header.p);
      return;
    }
    const { names, colOf, ncols, t, skip } = st.header;
    if (fields.length !== ncols) {
      if (fields.length === 1 && ncols > 1 && /[;\t]/.test(fields[0] as string)) throw delimiterError(path, line, fields[0] as string);
      throw new UserError(
        `${path} line ${line}: ${fields.length} fields, expected ${ncols} as in the header; ` +
          `fix the row (quote fields that contain commas)`,
      );
    }
    const row = (st.rows as RowBuffer).row();
    for (let j = skip; j < ncols; j++) {
      const cell = fields[j] as string;
      const f = colOf[j] as number;
      if (f >= 0) {
        const v = strictNumber(cell);
        if (v - v === 0) row[f] = v;
        else throw badCell(path, line, names[j] as string, cell, false);
      } else if (regression) {
        const v = strictNumber(cell);
        if (v - v === 0) yNum.push(v);
        else throw badCell(path, line, names[t] as string, cell, true);
      } else {
        const s = cell.trim();
        if (s === '') {
          throw new UserError(`${path} line ${line}, column '${names[t] as string}': empty target label; give every row a class label`);
        }
        yRaw.push(s);
      }
    }
  };
  forEachLine(path, 'CSV', (l, lineNo) => records.line(l, lineNo, onRecord));
  records.end();

  const h = st.header;
  if (h === null) {
    throw new UserError(`${path}: file is empty; expected a header row of column names and at least one data row`);
  }
  const buf = st.rows as RowBuffer;
  const n = buf.n;
  if (n === 0) throw new UserError(`${path}: has a header row but no data rows; add at least one row of values`);
  const X = { n, p: h.p, data: buf.columnMajor() };
  const targetName = h.names[h.t] as string;
  let y: Float64Array;
  let labels: Record<string, number> | undefined;
  if (regression) {
    y = yNum.take();
  } else {
    const coded = codeLabels(yRaw, opts.task as 'binary' | 'multiclass', `${path} column '${targetName}'`);
    y = coded.y;
    labels = coded.labels;
  }
  return {
    name: path,
    X,
    y,
    featureNames: h.names.filter((_, j) => j !== h.t && j >= h.skip),
    task: opts.task,
    ...(labels ? { labels } : {}),
    hash: hashDataset(X, y),
    notes: { source: path, format: 'csv', target: targetName, ...notes },
  };
}

/**
 * The header row: names, the target column, the file column → feature index map. An unnamed
 * first column followed by named ones is R's `write.csv` row-name column: it is skipped.
 */
interface Header {
  readonly names: readonly string[];
  /** File column of the target. */
  readonly t: number;
  /** colOf[j] = feature index of file column j (−1 for the target and a skipped row-name column). */
  readonly colOf: Int32Array;
  readonly ncols: number;
  readonly p: number;
  /** 1 when the first column holds row names (skipped), else 0. */
  readonly skip: number;
}

function parseHeader(path: string, fields: string[], target: string | undefined): Header {
  const names = fields.map((s) => s.trim());
  if (names.length === 1 && /[;\t|]/.test(names[0] as string)) throw delimiterError(path, 1, names[0] as string);
  const skip = names.length > 2 && names[0] === '' && names.slice(1).every((s) => s !== '') ? 1 : 0;
  checkHeader(path, names.slice(skip), skip);
  const t = findTarget(path, names, target, skip);
  const targetName = names[t] as string;
  const ncols = names.length;
  const p = ncols - 1 - skip;
  if (p < 1) throw new UserError(`${path}: only the target column '${targetName}' is present; add at least one feature column`);
  const colOf = new Int32Array(ncols).fill(-1);
  for (let j = skip, f = 0; j < ncols; j++) if (j !== t) colOf[j] = f++;
  return { names, t, colOf, ncols, p, skip };
}

function delimiterError(path: string, line: number, text: string): UserError {
  const d = text.includes(';') ? ';' : text.includes('\t') ? 'tab' : '|';
  const show = d === 'tab' ? '\\t' : d;
  return new UserError(
    `${path} line ${line}: no commas, but '${d}' separators: the file looks ${d}-separated; l1bench reads comma-separated CSV — convert it (e.g. tr '${show}' ',' < in > out.csv; with decimal commas, change them to points first)`,
  );
}

/** A growable Float64 vector. */
export class GrowableF64 {
  private a = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  take(): Float64Array {
    return this.a.slice(0, this.length);
  }
}

/** A growable Int32 vector (row and column indices of sparse entries). */
export class GrowableI32 {
  private a = new Int32Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = v;
  }
  take(): Int32Array {
    return this.a.slice(0, this.length);
  }
}

/**
 * Rows of p features in row-major chunks of about 8 MB (the row count is unknown while
 * streaming), turned into the column-major matrix once at the end: peak ≈ 2× the dense matrix.
 */
class RowBuffer {
  private readonly chunkRows: number;
  private chunks: (Float64Array | null)[] = [];
  n = 0;
  constructor(
    private readonly path: string,
    private readonly p: number,
  ) {
    this.chunkRows = Math.max(1, Math.floor(2 ** 20 / p));
  }
  /** The next row's p slots (zeroed). */
  row(): Float64Array {
    const r = this.n % this.chunkRows;
    if (r === 0) {
      checkMemory(`${this.path}: ${this.n + this.chunkRows} rows × ${this.p} columns`, (this.n + this.chunkRows) * this.p, 'subsample the rows or select columns', { copies: 2 });
      this.chunks.push(new Float64Array(this.chunkRows * this.p));
    }
    this.n++;
    const c = this.chunks[this.chunks.length - 1] as Float64Array;
    return c.subarray(r * this.p, (r + 1) * this.p);
  }
  /** X[i, j] = data[j·n + i]; releases the chunks. */
  columnMajor(): Float64Array {
    const { n, p, chunkRows } = this;
    const data = new Float64Array(n * p);
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c] as Float64Array;
      const i0 = c * chunkRows;
      const rowsHere = Math.min(chunkRows, n - i0);
      for (let r = 0; r < rowsHere; r++) {
        const off = r * p;
        for (let j = 0; j < p; j++) data[j * n + i0 + r] = chunk[off + j] as number;
      }
      this.chunks[c] = null;
    }
    this.chunks = [];
    return data;
  }
}

function checkHeader(path: string, names: readonly string[], offset: number): void {
  const seen = new Map<string, number>();
  const dups = new Set<string>();
  names.forEach((s, j) => {
    if (s === '') throw new UserError(`${path} line 1: column ${j + 1 + offset} has an empty name; give every column a name in the header row`);
    if (seen.has(s)) dups.add(s);
    seen.set(s, j);
  });
  if (dups.size > 0) {
    throw new UserError(`${path} line 1: duplicate column names (${listNames([...dups])}); rename them so each column is unique`);
  }
}

function findTarget(path: string, names: readonly string[], target: string | undefined, skip: number): number {
  if (target !== undefined) {
    const j = names.indexOf(target, skip);
    if (j < 0) {
      throw new UserError(`${path}: no column named '${target}' for --target; the columns are: ${listNames(names)}`);
    }
    return j;
  }
  const cands: number[] = [];
  names.forEach((s, j) => {
    const l = s.toLowerCase();
    if (j >= skip && (l === 'y' || l === 'target')) cands.push(j);
  });
  if (cands.length === 1) return cands[0] as number;
  if (cands.length > 1) {
    const both = cands.map((j) => names[j] as string).join(', ');
    throw new UserError(`${path}: several columns could be the target (${both}); pass --target NAME to choose one`);
  }
  throw new UserError(`${path}: no column named 'y' or 'target'; pass --target NAME (columns: ${listNames(names)})`);
}

function badCell(path: string, line: number, column: string, cell: string, isTarget: boolean): UserError {
  // Quote at most 40 characters of the cell: one line stays one readable line.
  const full = cell.trim();
  const s = clip(full);
  const l = full.toLowerCase().replace(/^[+-]/, '');
  const where = `${path} line ${line}, column '${column}'`;
  const role = isTarget ? 'regression targets' : 'features';
  if (full === '') return new UserError(`${where}: empty cell; ${role} must be finite numbers (fill in or drop the row)`);
  if (l === 'nan') return new UserError(`${where}: NaN; ${role} must be finite numbers (impute or drop the row)`);
  if (l === 'inf' || l === 'infinity' || Math.abs(Number(full)) === Infinity) {
    return new UserError(`${where}: '${s}' is infinite; ${role} must be finite numbers (fix or drop the row)`);
  }
  if (Number.isFinite(Number(full))) {
    return new UserError(`${where}: '${s}' is not a decimal number; write ${role} in decimal notation (e.g. 16, 0.5, 1e-3)`);
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

/** Joins physical lines into records (a quoted field may span lines) and splits their fields. */
class RecordJoiner {
  private pending: string | null = null;
  private pendingLine = 0;
  constructor(private readonly path: string) {}

  line(l: string, lineNo: number, onRecord: (fields: string[], line: number) => void): void {
    if (this.pending !== null) {
      const rec = this.pending + '\n' + l;
      if (countQuotes(rec) % 2 === 1) {
        this.pending = rec;
        return;
      }
      this.pending = null;
      onRecord(splitQuoted(rec, this.path, this.pendingLine), this.pendingLine);
      return;
    }
    if (l.trim() === '') return;
    if (l.indexOf('"') < 0) {
      onRecord(l.split(','), lineNo);
      return;
    }
    // An odd number of quotes means a quoted field continues on the next line.
    if (countQuotes(l) % 2 === 1) {
      this.pending = l;
      this.pendingLine = lineNo;
      return;
    }
    onRecord(splitQuoted(l, this.path, lineNo), lineNo);
  }

  end(): void {
    if (this.pending !== null) {
      throw new UserError(`${this.path} line ${this.pendingLine}: unterminated quoted field; close the opening '"'`);
    }
  }
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
