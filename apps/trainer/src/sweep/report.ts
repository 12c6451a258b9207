import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../run/fs.js';
import type { Axis } from './grid.js';
import type { SweepRun } from './record.js';

/** What sweep.json holds besides the analysis. */
export interface SweepState {
  settings: unknown;
  axes: readonly Axis[];
  runs: readonly SweepRun[];
}

/** Writes `<out>/sweep.json` and `<out>/sweep.html` (both atomically). */
export function writeSweepReport(outDir: string, s: SweepState): void {
  writeJsonAtomic(join(outDir, 'sweep.json'), {
    format: 'burnin-sweep',
    version: 1,
    settings: s.settings,
    axes: s.axes.map((a) => ({ flag: a.flag, path: a.path, name: a.name, values: a.values })),
    runs: s.runs,
  });
  writeFileAtomic(join(outDir, 'sweep.html'), ['<!doctype html><title>burnin sweep</title>\n']);
}
