/**
 * Real datasets committed under problems/datasets/files/ (scikit-learn's packaged copies, see
 * files/SOURCES.md), read through the CSV loader so the same code path is used and tested.
 */
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.ts';
import type { Dataset } from '../dataset.ts';
import { loadCsv } from './csv.ts';
import type { Task } from './labels.ts';
import { standardize as standardizeDataset } from './standardize.ts';

export interface BuiltinInfo {
  readonly name: string;
  readonly description: string;
  readonly task: Task;
  readonly file: string;
  readonly n: number;
  readonly p: number;
  readonly origin: string;
  readonly licence: string;
  /** Meaning of the codes in the file's target column. */
  readonly classNames?: string;
}

const SKLEARN = 'scikit-learn 1.2.1 packaged copy (Debian python3-sklearn 1.2.1+dfsg-1)';

export const BUILTINS: readonly BuiltinInfo[] = [
  {
    name: 'diabetes',
    description: 'Efron et al. (2004) diabetes progression, 442×10, features scaled as sklearn (centered, unit column norm)',
    task: 'regression',
    file: 'diabetes.csv.gz',
    n: 442,
    p: 10,
    origin: `${SKLEARN}; original: Efron, Hastie, Johnstone, Tibshirani (2004), Least Angle Regression`,
    licence: 'BSD-3-Clause (scikit-learn packaging)',
  },
  {
    name: 'breast-cancer',
    description: 'UCI Breast Cancer Wisconsin (Diagnostic), 569×30, binary (0 malignant → −1, 1 benign → +1)',
    task: 'binary',
    file: 'breast-cancer.csv.gz',
    n: 569,
    p: 30,
    origin: `${SKLEARN}; original: UCI ML Repository, Breast Cancer Wisconsin (Diagnostic)`,
    licence: 'BSD-3-Clause (scikit-learn packaging); UCI: CC BY 4.0',
    classNames: '0=malignant,1=benign',
  },
  {
    name: 'wine',
    description: 'UCI Wine recognition, 178×13, 3 cultivars',
    task: 'multiclass',
    file: 'wine.csv.gz',
    n: 178,
    p: 13,
    origin: `${SKLEARN}; original: UCI ML Repository, Wine`,
    licence: 'BSD-3-Clause (scikit-learn packaging); UCI: CC BY 4.0',
    classNames: '0=class_0,1=class_1,2=class_2',
  },
  {
    name: 'digits',
    description: 'UCI optical handwritten digits (test set), 1797×64 (8×8 pixel counts 0–16), 10 classes',
    task: 'multiclass',
    file: 'digits.csv.gz',
    n: 1797,
    p: 64,
    origin: `${SKLEARN}; original: UCI ML Repository, Optical Recognition of Handwritten Digits`,
    licence: 'BSD-3-Clause (scikit-learn packaging); UCI: CC BY 4.0',
    classNames: 'digit 0–9',
  },
];

export const BUILTIN_NAMES: readonly string[] = BUILTINS.map((b) => b.name);

/** Absolute path of a builtin's committed file. */
export function builtinPath(info: BuiltinInfo): string {
  return fileURLToPath(new URL(`./files/${info.file}`, import.meta.url));
}

export function loadBuiltin(name: string, opts: { standardize?: boolean } = {}): Dataset {
  const info = BUILTINS.find((b) => b.name === name);
  if (!info) throw new UserError(`unknown builtin dataset '${name}'; choose one of: ${BUILTIN_NAMES.join(', ')}`);
  const path = builtinPath(info);
  const ds = loadCsv(path, { target: 'target', task: info.task });
  const loaded: Dataset = {
    ...ds,
    name: info.name,
    notes: {
      source: `builtin:${info.name}`,
      file: `problems/datasets/files/${info.file}`,
      origin: info.origin,
      licence: info.licence,
      ...(info.classNames ? { classNames: info.classNames } : {}),
      standardized: false,
    },
  };
  return opts.standardize ? standardizeDataset(loaded) : loaded;
}
