/**
 * The look shared by every page, chart and figure: one colour per solver (a pure function of its
 * name), the chart configuration, and the axis helpers (log axes labelled 10ⁿ, the log/linear
 * toggle of time and iteration axes). Pages added later (compression, gene selection, …) import
 * from here so that a solver keeps its colour everywhere.
 *
 * Colours: the registered solvers have fixed entries of a colour-blind-safe palette (Okabe & Ito
 * 2008; Tol 2021, "muted"); any other name, e.g. a configuration `spred-adam[lr=0.01]` or a
 * plugin solver, is hashed (FNV-1a over its UTF-16 code units) into {@link VARIANT_PALETTE},
 * colours that no registered solver uses (two such names may share one; a registered solver's
 * colour is never taken). So the colour depends on the name alone, never on which other solvers
 * a chart shows.
 */

/** Colour-blind-safe palette: Okabe–Ito (yellow left out: unreadable on white) then Tol's muted. */
export const PALETTE: readonly string[] = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#D55E00', // vermillion
  '#CC79A7', // reddish purple
  '#56B4E9', // sky blue
  '#332288', // indigo
  '#999933', // olive
  '#882255', // wine
  '#44AA99', // teal
  '#AA4499', // purple
  '#DDCC77', // sand
  '#117733', // green
  '#CC6677', // rose
  '#555555', // grey
];

/** Colours of the names outside {@link SOLVER_COLORS} (Tol's muted, vibrant and light schemes, minus the fixed ones). */
export const VARIANT_PALETTE: readonly string[] = ['#AA4499', '#117733', '#CC6677', '#EE3377', '#33BBEE', '#EE7733', '#AAAA00', '#77AADD', '#000000'];

/** Fixed colours of the registered solvers (and of those the other branches register). */
export const SOLVER_COLORS: Readonly<Record<string, string>> = {
  cd: '#0072B2',
  lars: '#56B4E9',
  ista: '#999933',
  fista: '#009E73',
  'spred-sgd': '#E69F00',
  'spred-adam': '#D55E00',
  'spred-lbfgs': '#CC79A7',
  'prox-sgd': '#332288',
  'prox-adam': '#882255',
  'subgrad-adam': '#DDCC77',
  gmp: '#44AA99',
  // gmp's other pruning scopes, series of their own on the compression page (`gmp (layer)` is gmp's colour: seriesColor)
  'gmp (lamp)': '#225555',
  'gmp (global)': '#99DDFF',
  dense: '#555555',
  // the peers (harness/external/peers): greys and dark tones, so they read as references beside l1bench's solvers
  'sklearn-cd': '#1A1A1A',
  'sklearn-lars': '#7F7F7F',
  'sklearn-liblinear': '#4D4D00',
  'sklearn-saga': '#6F4E37',
  glmnet: '#BBBBBB',
};

/** FNV-1a (32 bit) of a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The colour of a solver (label): its fixed entry, else its hash into {@link VARIANT_PALETTE}. */
export function solverColor(name: string): string {
  return SOLVER_COLORS[name] ?? (VARIANT_PALETTE[fnv1a(name) % VARIANT_PALETTE.length] as string);
}

/** The colour of a compression-page series: gmp's default scope `gmp (layer)` is gmp's colour, any other its {@link solverColor}. */
export const seriesColor = (series: string): string => solverColor(series === 'gmp (layer)' ? 'gmp' : series);

/** A Vega-Lite colour scale that gives each of `labels` its {@link solverColor}. */
export function solverScale(labels: readonly string[]): { domain: string[]; range: string[] } {
  return { domain: [...labels], range: labels.map(solverColor) };
}

/** Superscript digits of an integer, as a Vega expression over the expression `e`. */
function superscriptExpr(e: string): string {
  const map: [string, string][] = [['-', '⁻'], ['−', '⁻'], ['0', '⁰'], ['1', '¹'], ['2', '²'], ['3', '³'], ['4', '⁴'], ['5', '⁵'], ['6', '⁶'], ['7', '⁷'], ['8', '⁸'], ['9', '⁹']];
  let out = `format(${e}, 'd')`;
  for (const [from, to] of map) out = `replace(${out}, regexp('${from}', 'g'), '${to}')`;
  return out;
}

/** Label expression of a log axis: 10ⁿ at powers of ten, 2·10ⁿ and 5·10ⁿ in plain notation, nothing elsewhere. */
export const LOG_LABEL_EXPR = `abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 ? (round(log(datum.value) / LN10) == 0 ? '1' : '10' + ${superscriptExpr('round(log(datum.value) / LN10)')}) : test(regexp('^[25]'), format(datum.value, '.0e')) ? format(datum.value, '~g') : ''`;

/** Label expression of a log axis labelled at powers of ten only (time axes spanning many decades). */
export const LOG_POW10_LABEL_EXPR = `abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 ? (round(log(datum.value) / LN10) == 0 ? '1' : '10' + ${superscriptExpr('round(log(datum.value) / LN10)')}) : ''`;

/**
 * Axis of a log scale: ticks at powers of ten labelled 10ⁿ; the intermediate ticks vega adds
 * when the range spans few decades are labelled only at 2·10ⁿ and 5·10ⁿ.
 */
export const LOG_AXIS = {
  tickCount: 6,
  labelExpr: LOG_LABEL_EXPR,
  labelFontSize: 11,
} as const;

/** Plain numbers on a linear axis (never SI prefixes such as "0.2k"). */
export const LINEAR_AXIS = { format: '~g', labelFontSize: 11 } as const;

/** Integer counts (support size, iterations) on a linear axis: 1,200 rather than 1.2k. */
export const COUNT_AXIS = { format: ',~r', labelFontSize: 11 } as const;

/** Scale types a time or iteration axis offers (log first: the default). */
export type AxisScale = 'log' | 'linear';

/**
 * Name of the Vega-Lite parameter that holds the x scale of a chart with a toggle (true: log).
 * Filters and label expressions of such a chart read it; assets/report.js sets it, together with
 * the scale type of every x encoding on the field `field`, when the reader switches the toggle.
 */
export const XLOG_PARAM = 'xlog';

/** What a chart payload says about its x toggle (read by assets/report.js). */
export interface XScaleToggle {
  /** The encoding field whose x scale toggles. */
  readonly field: string;
  readonly initial: AxisScale;
  /** Radio label, e.g. 'time / iteration axis'. */
  readonly label: string;
}

/** x axis of a time or iteration encoding under the toggle: log labels when log, plain numbers when linear. */
export function toggledAxis(): Record<string, unknown> {
  return { labelExpr: `${XLOG_PARAM} ? (${LOG_LABEL_EXPR}) : format(datum.value, '~g')`, labelFontSize: 11, tickCount: 6, labelOverlap: 'greedy', labelSeparation: 4 };
}

/** Shared look: paper-like typography and light grids. */
export const CHART_CONFIG = {
  font: 'Helvetica Neue, Helvetica, Arial, sans-serif',
  view: { stroke: '#888', strokeWidth: 0.6 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6', domainColor: '#555', tickColor: '#555', labelColor: '#222', titleColor: '#222' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 260, symbolStrokeWidth: 2 },
  title: { fontSize: 13, fontWeight: 'normal', anchor: 'start' },
  range: { category: PALETTE },
  line: { strokeWidth: 1.8 },
} as const;
