import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readRunJson } from '../run/fs.js';
import { readMetrics, type TrainSummary } from '../train/train.js';

/** AP numbers of one finished run, from its metrics.jsonl evaluations. */
export interface RunScores {
  /** COCO AP / AP50 of the last evaluation (NaN when none was made). */
  finalAP: number;
  finalAP50: number;
  /** Best AP / AP50 over the evaluations (NaN when none). */
  bestAP: number;
  bestAP50: number;
  /** First evaluated step with AP50 >= 0.5, or null. */
  stepsToAP50: number | null;
}

/** {@link RunScores} of the evaluations in `<dir>/metrics.jsonl`. */
export function runScores(dir: string): RunScores {
  const evals = readMetrics(join(dir, 'metrics.jsonl')).filter((m) => m.type === 'eval');
  const st = evals.map((e) => e.stats as number[]);
  const reach = evals.find((e) => (e.stats as number[])[1] >= 0.5);
  return {
    finalAP: st.length ? st[st.length - 1][0] : Number.NaN,
    finalAP50: st.length ? st[st.length - 1][1] : Number.NaN,
    bestAP: st.length ? Math.max(...st.map((s) => s[0])) : Number.NaN,
    bestAP50: st.length ? Math.max(...st.map((s) => s[1])) : Number.NaN,
    stepsToAP50: reach ? (reach.step as number) : null,
  };
}

/** `(step, loss)` of the train lines of `<dir>/metrics.jsonl` up to `maxStep`. */
export function lossCurve(dir: string, maxStep: number): [number, number][] {
  return readMetrics(join(dir, 'metrics.jsonl'))
    .filter((m) => m.type === 'train' && (m.step as number) <= maxStep)
    .map((m) => [m.step as number, m.loss as number]);
}

/**
 * The run's summary.json when the run has ended for good (`completed` or `diverged`); null
 * when there is none yet or the run was interrupted (it is resumed).
 */
export function finishedSummary(dir: string): TrainSummary | null {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) return null;
  const s = readRunJson(
    file,
    'delete it to train the cell again from its checkpoint',
  ) as TrainSummary;
  return s.status === 'completed' || s.status === 'diverged' ? s : null;
}
