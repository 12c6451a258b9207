import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig, type TrainConfig, validateConfig } from '../src/config.js';
import { readCheckpoint } from '../src/train/checkpoint.js';

/** A tiny run: 6 steps of batch 4 on 8 synthetic 32 px images, checkpoint every 2 steps. */
export function tinyConfig(over: Partial<TrainConfig['train']> = {}): TrainConfig {
  const base = resolveConfig({ preset: 'smoke' });
  return validateConfig({
    ...base,
    data: { ...base.data, trainSize: 8, valSize: 2 },
    train: {
      ...base.train,
      steps: 6,
      logEvery: 1,
      evalEvery: 3,
      checkpointEvery: 2,
      threads: 1,
      ...over,
    },
  });
}

/** Tensors of a checkpoint as plain arrays, by name. */
export function weightsOf(file: string): Record<string, number[]> {
  const ck = readCheckpoint(file);
  return Object.fromEntries(ck.tensors.map((t) => [t.name, Array.from(t.data)]));
}

/** SHA-256 of every file under `dir` (relative path -> hash): proves nothing was touched. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p, `${rel}${n}/`);
      else out[`${rel}${n}`] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

/** Files under `dir` (recursively) whose name is a temp file of an atomic write. */
export function tempFiles(dir: string): string[] {
  return Object.keys(snapshot(dir)).filter((f) => /\.tmp-\d+$/.test(f));
}
