import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUN_FILE_NAMES, runFiles, runMarkersIn } from '../src/run/files.js';
import { LOCK_FILE } from '../src/run/lock.js';
import { tempRoot } from './helpers.js';

const tmp = tempRoot('run-files');

describe('RunFiles', () => {
  it('names every file of a run folder under its folder', () => {
    const f = runFiles(join('runs', 'a'));
    expect(f).toEqual({
      dir: join('runs', 'a'),
      config: join('runs', 'a', 'config.resolved.json'),
      metrics: join('runs', 'a', 'metrics.jsonl'),
      summary: join('runs', 'a', 'summary.json'),
      checkpoints: join('runs', 'a', 'checkpoints'),
      latest: join('runs', 'a', 'checkpoints', 'latest.ckpt'),
      best: join('runs', 'a', 'checkpoints', 'best.ckpt'),
      lock: join('runs', 'a', LOCK_FILE),
      report: join('runs', 'a', 'report.html'),
      diagnostic: join('runs', 'a', 'diagnostic.json'),
    });
    expect(Object.keys(RUN_FILE_NAMES).length + 1).toBe(Object.keys(f).length);
  });

  it('finds the files that mark a run; a lock and an empty checkpoints/ do not', () => {
    const dir = tmp.newDir();
    const f = runFiles(dir);
    mkdirSync(f.checkpoints);
    writeFileSync(f.lock, '{}');
    expect(runMarkersIn(f)).toEqual([]);
    writeFileSync(f.summary, '{}');
    writeFileSync(f.latest, '');
    expect(runMarkersIn(f)).toEqual(['summary.json', join('checkpoints', 'latest.ckpt')]);
  });
});
