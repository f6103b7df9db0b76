/**
 * Target coding for classification datasets.
 *
 * - binary: the target must take exactly two distinct values. They are sorted (numerically when
 *   both are numbers, else by code point) and coded first → −1, second → +1. So {−1, 1} and
 *   {0, 1} keep their meaning (0 → −1, 1 → +1), and names such as {"B", "M"} give B → −1, M → +1.
 * - multiclass: C ≥ 2 distinct values, sorted the same way, coded 0 … C−1.
 *
 * Numeric labels are keyed by their canonical number text ("1.0" and "1" are one class, key "1").
 */
import { UserError } from '../errors.ts';
import type { Dataset } from '../dataset.ts';

export type Task = Dataset['task'];
export const TASKS: readonly Task[] = ['regression', 'binary', 'multiclass'];

export interface LabelCoding {
  /** Coded targets: ±1 (binary) or 0 … C−1 (multiclass). */
  readonly y: Float64Array;
  /** Original label text (canonical) → code. */
  readonly labels: Record<string, number>;
  /** Class names in code order. */
  readonly classes: readonly string[];
}

/** True when `s` is a finite decimal number as Number() reads it (and not blank). */
export function isNumericText(s: string): boolean {
  if (s.trim() === '') return false;
  return Number.isFinite(Number(s));
}

/**
 * Codes raw label strings for a classification task.
 * `source` names where the labels come from (a file path), for error messages.
 */
export function codeLabels(raw: readonly string[], task: 'binary' | 'multiclass', source: string): LabelCoding {
  const allNumeric = raw.every(isNumericText);
  const key = allNumeric ? (s: string) => String(Number(s)) : (s: string) => s.trim();
  const distinct = new Set<string>();
  for (const s of raw) distinct.add(key(s));
  const classes = [...distinct];
  if (allNumeric) classes.sort((a, b) => Number(a) - Number(b));
  else classes.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  if (classes.length === 0) throw new UserError(`${source}: no labels found; the file needs at least one data row`);
  if (classes.length === 1) {
    throw new UserError(
      `${source}: the target has a single class (${classes[0]}); ${task} classification needs at least two classes`,
    );
  }
  if (task === 'binary' && classes.length > 2) {
    throw new UserError(
      `${source}: binary target has ${classes.length} classes (${listNames(classes)}); use --problem multinomial`,
    );
  }
  const labels: Record<string, number> = {};
  classes.forEach((c, i) => {
    labels[c] = task === 'binary' ? (i === 0 ? -1 : 1) : i;
  });
  const y = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) y[i] = labels[key(raw[i] as string)] as number;
  return { y, labels, classes };
}

/** "a, b, c" for up to `max` names, then "… (k more)". */
export function listNames(names: readonly string[], max = 20): string {
  // Each name cut to 40 characters, so that a message stays one readable line.
  const show = (s: string): string => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
  if (names.length <= max) return names.map(show).join(', ');
  return `${names.slice(0, max).map(show).join(', ')}, … (${names.length - max} more)`;
}
