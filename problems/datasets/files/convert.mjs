#!/usr/bin/env node
// Rebuilds the committed builtin datasets (diabetes, breast-cancer, wine, digits) from the CSV
// files that scikit-learn packages, as shipped by Debian's python3-sklearn (no Python needed):
//
//   apt-get update && cd /tmp && apt-get download python3-sklearn && dpkg -x python3-sklearn_*.deb /tmp/sk
//   node problems/datasets/files/convert.mjs /tmp/sk/usr/lib/python3/dist-packages/sklearn/datasets/data
//
// Each output is one gzipped CSV with a header row (feature names + `target`), written next to
// this script. See SOURCES.md for what each conversion does.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';

const src = process.argv[2];
if (!src) {
  console.error('usage: node convert.mjs <sklearn/datasets/data directory>');
  process.exit(2);
}
const outDir = dirname(fileURLToPath(import.meta.url));

const read = (name) => {
  const buf = readFileSync(join(src, name));
  return (name.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
};
const lines = (text) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
const quote = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const checkNumber = (s, where) => {
  if (s.trim() === '' || !Number.isFinite(Number(s))) throw new Error(`${where}: '${s}' is not a finite number`);
  return s;
};

function write(name, header, rows) {
  const text = [header.map(quote).join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
  const gz = gzipSync(Buffer.from(text), { level: 9 }); // Node writes mtime 0: reproducible bytes
  writeFileSync(join(outDir, name), gz);
  console.log(`${name}: ${rows.length} rows × ${header.length - 1} features + target, ${gz.length} bytes`);
}

// sklearn's load_csv_data format: first line "n_samples,n_features,class names…", then rows of
// n_features values and an integer class index.
function sklearnCsv(file, featureNames) {
  const ls = lines(read(file));
  const [ns, nf] = ls[0].split(',').map(Number);
  if (nf !== featureNames.length) throw new Error(`${file}: ${nf} features, expected ${featureNames.length}`);
  const body = ls.slice(1);
  if (body.length !== ns) throw new Error(`${file}: ${body.length} rows, header says ${ns}`);
  const rows = body.map((l, i) => {
    const f = l.split(',');
    if (f.length !== nf + 1) throw new Error(`${file} row ${i + 1}: ${f.length} fields`);
    return f.map((s) => checkNumber(s, `${file} row ${i + 1}`));
  });
  return { rows, classNames: ls[0].split(',').slice(2) };
}

// Feature names as in sklearn/datasets/_base.py (scikit-learn 1.2.1).
const BREAST = [
  'mean radius', 'mean texture', 'mean perimeter', 'mean area', 'mean smoothness', 'mean compactness',
  'mean concavity', 'mean concave points', 'mean symmetry', 'mean fractal dimension',
  'radius error', 'texture error', 'perimeter error', 'area error', 'smoothness error', 'compactness error',
  'concavity error', 'concave points error', 'symmetry error', 'fractal dimension error',
  'worst radius', 'worst texture', 'worst perimeter', 'worst area', 'worst smoothness', 'worst compactness',
  'worst concavity', 'worst concave points', 'worst symmetry', 'worst fractal dimension',
];
const WINE = [
  'alcohol', 'malic_acid', 'ash', 'alcalinity_of_ash', 'magnesium', 'total_phenols', 'flavanoids',
  'nonflavanoid_phenols', 'proanthocyanins', 'color_intensity', 'hue', 'od280/od315_of_diluted_wines', 'proline',
];
const DIABETES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
const DIGITS = [];
for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) DIGITS.push(`pixel_${r}_${c}`);

// breast-cancer: values copied verbatim; target 0 = malignant, 1 = benign (sklearn's coding).
{
  const { rows, classNames } = sklearnCsv('breast_cancer.csv', BREAST);
  if (classNames.join() !== 'malignant,benign') throw new Error(`breast_cancer.csv: classes ${classNames}`);
  write('breast-cancer.csv.gz', [...BREAST, 'target'], rows);
}
// wine: values copied verbatim; target 0, 1, 2 (class_0 … class_2).
{
  const { rows } = sklearnCsv('wine_data.csv', WINE);
  write('wine.csv.gz', [...WINE, 'target'], rows);
}
// digits: no header line; 64 pixel counts (0–16) then the digit 0–9.
{
  const rows = lines(read('digits.csv.gz')).map((l, i) => {
    const f = l.split(',');
    if (f.length !== 65) throw new Error(`digits row ${i + 1}: ${f.length} fields`);
    return f.map((s) => String(Number(checkNumber(s, `digits row ${i + 1}`))));
  });
  write('digits.csv.gz', [...DIGITS, 'target'], rows);
}
// diabetes: space-separated raw values (age, sex, bmi, bp, s1–s6) and a separate target file.
// Features are scaled as sklearn's load_diabetes(scaled=True) does: each column centered and
// divided by its population standard deviation times sqrt(n) (so each column's sum of squares
// is 1). Written with JavaScript's shortest round-trip number text.
{
  const raw = lines(read('diabetes_data_raw.csv.gz')).map((l) => l.split(/\s+/).map((s) => Number(checkNumber(s, 'diabetes data'))));
  const target = lines(read('diabetes_target.csv.gz')).map((s) => Number(checkNumber(s, 'diabetes target')));
  const n = raw.length;
  if (target.length !== n) throw new Error(`diabetes: ${n} rows but ${target.length} targets`);
  const p = DIABETES.length;
  const scaled = raw.map(() => new Array(p));
  for (let j = 0; j < p; j++) {
    let mu = 0;
    for (let i = 0; i < n; i++) mu += raw[i][j];
    mu /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (raw[i][j] - mu) ** 2;
    const sd = Math.sqrt(ss / n);
    for (let i = 0; i < n; i++) scaled[i][j] = (raw[i][j] - mu) / sd / Math.sqrt(n);
  }
  const rows = scaled.map((r, i) => [...r.map(String), String(target[i])]);
  write('diabetes.csv.gz', [...DIABETES, 'target'], rows);
}
