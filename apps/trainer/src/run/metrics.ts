import { existsSync, readFileSync } from 'node:fs';
import { fileError } from './errors.js';
import { appendText, writeFileAtomic } from './fs.js';

/** One line of metrics.jsonl: `{type: 'train' | 'eval', step, ...}`. */
export type MetricLine = Record<string, unknown>;

/**
 * Reads metrics.jsonl. Lines that are not valid JSON (a line torn by a crash or a full disk)
 * are skipped; `onDamaged` receives their count. A missing file gives [].
 */
export function readMetrics(file: string, onDamaged?: (lines: number) => void): MetricLine[] {
  if (!existsSync(file)) return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw fileError('read', file, e);
  }
  const out: MetricLine[] = [];
  let damaged = 0;
  let from = 0;
  while (from < text.length) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    const line = text.slice(from, to);
    from = to + 1;
    if (!line.trim()) continue;
    try {
      const m = JSON.parse(line) as unknown;
      if (m !== null && typeof m === 'object' && Number.isFinite((m as { step?: unknown }).step))
        out.push(m as MetricLine);
      else damaged++;
    } catch {
      damaged++;
    }
  }
  if (damaged) onDamaged?.(damaged);
  return out;
}

/** Appends one line to metrics.jsonl (fsynced, see appendText). */
export function appendMetric(file: string, m: MetricLine): void {
  appendText(file, `${JSON.stringify(m)}\n`);
}

/** Replaces metrics.jsonl atomically with `lines` (an empty file for []). */
export function writeMetrics(file: string, lines: readonly MetricLine[]): void {
  writeFileAtomic(
    file,
    lines.map((m) => `${JSON.stringify(m)}\n`),
  );
}
