export { mean, median, quantile, summarize, censoredMedian, type Summary } from './summary.ts';
export { mannWhitneyU, midranks, EXACT_MAX_N, type MannWhitneyMethod, type MannWhitneyResult } from './mann-whitney.ts';
export { erfc, normalUpperTail } from './normal.ts';
