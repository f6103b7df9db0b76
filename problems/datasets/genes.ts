/**
 * Microarray gene-expression datasets committed under problems/datasets/files/genes/ (converted
 * once from Debian's Bioconductor packages by files/convert-genes.sh; see files/SOURCES.md), read
 * with no R at run time.
 *
 * Files per source NAME (all gzipped, written by convert-genes.R):
 *   NAME.expr.i16.gz   probe-major little-endian int16, value = round(100 · log2 expression),
 *                      i.e. exactly the column-major layout of X (n samples × p probes): X_ij =
 *                      int16[j·n + i] / 100;
 *   NAME.probes.txt.gz one probe name per line (the feature names);
 *   NAME.samples.tsv.gz header + one row per sample (id, annotations).
 *
 * Tasks (one dataset name each; labels coded by `codeLabels`, sorted text → −1, +1 / 0 … C−1):
 *   all-bt        ALL, all 128 samples: B-cell (BT = B, B1…B4) vs T-cell (T, T1…T4); 95 / 33.
 *   all-bcrabl    ALL, B-cell samples with mol.biol BCR/ABL or NEG (the hard standard task); 37 / 42.
 *   all-mol       ALL, molecular subtypes with ≥ 10 samples: ALL1/AF4, BCR/ABL, NEG; 10 / 37 / 74.
 *   bladderbatch  bladderbatch, all 57 samples: cancer vs normal or biopsy; 40 / 17.
 * Values are the packages' own normalized log2 expressions (ALL: RMA; bladderbatch: frozen RMA),
 * quantized to 0.01 (far below the arrays' noise); the loader does not standardize (the gene
 * protocol standardizes with training-split statistics only).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { UserError } from '../errors.ts';
import type { Dataset } from '../dataset.ts';
import { codeLabels } from './labels.ts';
import { hashDataset } from './hash.ts';

/** One committed expression source (a Bioconductor ExpressionSet). */
interface GeneSource {
  readonly name: string;
  readonly n: number;
  readonly p: number;
  readonly origin: string;
  readonly licence: string;
}

const SOURCES: Readonly<Record<'all' | 'bladderbatch', GeneSource>> = {
  all: {
    name: 'all',
    n: 128,
    p: 12625,
    origin: 'Bioconductor ALL 1.40.0 (Debian r-bioc-all 1.40.0-1): Chiaretti et al. (2004), Blood 103(7), HG-U95Av2, RMA',
    licence: 'Artistic-2.0',
  },
  bladderbatch: {
    name: 'bladderbatch',
    n: 57,
    p: 22283,
    origin: 'Bioconductor bladderbatch 1.36.0 (Debian r-bioc-bladderbatch 1.36.0-1): Dyrskjøt et al. (2004), Cancer Res 64(11), HG-U133A, fRMA',
    licence: 'Artistic-2.0',
  },
};

/** A gene-selection task: a source, the samples it keeps, and the label text of each. */
export interface GeneTask {
  readonly name: string;
  readonly description: string;
  readonly source: keyof typeof SOURCES;
  readonly task: 'binary' | 'multiclass';
  /** Label text of a sample (its row of samples.tsv as column → value), or null to drop it. */
  label(row: Readonly<Record<string, string>>): string | null;
}

const MOL_CLASSES = ['ALL1/AF4', 'BCR/ABL', 'NEG'];

export const GENE_TASKS: readonly GeneTask[] = [
  {
    name: 'all-bt',
    description: 'ALL leukemia microarray 128×12,625: B-cell (95) vs T-cell (33) (Artistic-2.0)',
    source: 'all',
    task: 'binary',
    label: (r) => (r['BT'] ?? '').charAt(0) || null,
  },
  {
    name: 'all-bcrabl',
    description: 'ALL B-cell samples 79×12,625: BCR/ABL (37) vs NEG (42), the hard standard task (Artistic-2.0)',
    source: 'all',
    task: 'binary',
    label: (r) => ((r['BT'] ?? '').startsWith('B') && (r['mol.biol'] === 'BCR/ABL' || r['mol.biol'] === 'NEG') ? (r['mol.biol'] as string) : null),
  },
  {
    name: 'all-mol',
    description: 'ALL molecular subtypes with ≥ 10 samples 121×12,625: ALL1/AF4 (10), BCR/ABL (37), NEG (74) (Artistic-2.0)',
    source: 'all',
    task: 'multiclass',
    label: (r) => (MOL_CLASSES.includes(r['mol.biol'] ?? '') ? (r['mol.biol'] as string) : null),
  },
  {
    name: 'bladderbatch',
    description: 'bladder cancer microarray 57×22,283: cancer (40) vs normal or biopsy (17) (Artistic-2.0)',
    source: 'bladderbatch',
    task: 'binary',
    label: (r) => (r['cancer'] === 'Cancer' ? 'cancer' : r['cancer'] === 'Normal' || r['cancer'] === 'Biopsy' ? 'normal-or-biopsy' : null),
  },
];

export const GENE_TASK_NAMES: readonly string[] = GENE_TASKS.map((t) => t.name);

/** The expression matrix, probe names and sample annotations of a source, as committed. */
export interface GeneSourceData {
  /** n × p column-major (probe-major) expression values. */
  readonly X: Float64Array;
  readonly n: number;
  readonly p: number;
  readonly probes: readonly string[];
  readonly samples: readonly Readonly<Record<string, string>>[];
  /** Hex sha256 of the decompressed int16 matrix bytes (the committed content). */
  readonly contentHash: string;
}

function filePath(name: string): string {
  return fileURLToPath(new URL(`./files/genes/${name}`, import.meta.url));
}

function readGz(name: string): Buffer {
  const path = filePath(name);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: cannot read the committed gene data (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); restore it with git checkout or rebuild it with sh problems/datasets/files/convert-genes.sh`);
  }
  try {
    return gunzipSync(buf);
  } catch (e) {
    throw new UserError(`${path}: not a valid gzip file (${(e as Error).message}); restore it with git checkout`);
  }
}

/** Absolute paths of a source's committed files (the content key hashes their bytes). */
export function geneSourceFiles(which: keyof typeof SOURCES): string[] {
  return [`${which}.expr.i16.gz`, `${which}.probes.txt.gz`, `${which}.samples.tsv.gz`].map(filePath);
}

const sourceCache = new Map<string, GeneSourceData>();

/** Reads a committed source (cached per process). */
export function loadGeneSource(which: keyof typeof SOURCES): GeneSourceData {
  const hit = sourceCache.get(which);
  if (hit) return hit;
  const src = SOURCES[which];
  const raw = readGz(`${which}.expr.i16.gz`);
  const { n, p } = src;
  if (raw.length !== 2 * n * p) throw new UserError(`${which}.expr.i16.gz holds ${raw.length / 2} values, expected ${n}×${p}; rebuild it with convert-genes.sh`);
  const X = new Float64Array(n * p);
  // X_ij = int16[j·n + i] / 100 (probe-major = column-major)
  for (let e = 0; e < n * p; e++) X[e] = raw.readInt16LE(2 * e) / 100;
  const probes = readGz(`${which}.probes.txt.gz`).toString('utf8').split('\n').filter((l) => l !== '');
  if (probes.length !== p) throw new UserError(`${which}.probes.txt.gz lists ${probes.length} probes, expected ${p}`);
  const lines = readGz(`${which}.samples.tsv.gz`).toString('utf8').split('\n').filter((l) => l !== '');
  const header = (lines[0] ?? '').split('\t');
  const samples = lines.slice(1).map((l) => {
    const f = l.split('\t');
    const row: Record<string, string> = {};
    header.forEach((h, k) => (row[h] = f[k] ?? ''));
    return row;
  });
  if (samples.length !== n) throw new UserError(`${which}.samples.tsv.gz has ${samples.length} samples, expected ${n}`);
  const data: GeneSourceData = { X, n, p, probes, samples, contentHash: createHash('sha256').update(raw).digest('hex') };
  sourceCache.set(which, data);
  return data;
}

/** The dataset of a gene task (module comment): the kept samples' rows of X, coded labels. */
export function loadGeneTask(name: string): Dataset {
  const t = GENE_TASKS.find((x) => x.name === name);
  if (!t) throw new UserError(`unknown gene dataset '${name}'; choose one of: ${GENE_TASK_NAMES.join(', ')}`);
  const src = loadGeneSource(t.source);
  const keep: number[] = [];
  const text: string[] = [];
  src.samples.forEach((row, i) => {
    const l = t.label(row);
    if (l !== null) {
      keep.push(i);
      text.push(l);
    }
  });
  const n = keep.length;
  const { p } = src;
  const data = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    const from = j * src.n;
    const to = j * n;
    for (let r = 0; r < n; r++) data[to + r] = src.X[from + (keep[r] as number)] as number;
  }
  const X = { n, p, data };
  const coded = codeLabels(text, t.task, name);
  const info = SOURCES[t.source];
  return {
    name,
    X,
    y: coded.y,
    featureNames: src.probes,
    task: t.task,
    labels: coded.labels,
    hash: hashDataset(X, coded.y),
    notes: {
      source: `builtin:${name}`,
      file: `problems/datasets/files/genes/${t.source}.expr.i16.gz`,
      origin: info.origin,
      licence: info.licence,
      classNames: coded.classes.join(','),
      standardized: false,
    },
  };
}
