import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { buildRunReport } from '../src/report/build.js';
import { lineChart } from '../src/report/svg.js';
import { train } from '../src/train/train.js';
import { tinyConfig } from './fault-helpers.js';
import { tempRoot } from './helpers.js';

const root = tempRoot('fault-report').dir;
beforeAll(async () => {
  await selectBackend('cpu', () => {});
});

describe('long runs (F10)', () => {
  it('the report of a 200,000-step run is built from its metrics, with a bounded size', async () => {
    const steps = 200_000;
    const config = tinyConfig({ steps, logEvery: 1, evalEvery: 1000, checkpointEvery: 1000 });
    const d = join(root, 'long');
    mkdirSync(d);
    writeFileSync(join(d, 'config.resolved.json'), JSON.stringify(config));
    const lines: string[] = [];
    for (let s = 1; s <= steps; s++) {
      const loss = 2 / Math.sqrt(s);
      lines.push(
        JSON.stringify({
          type: 'train',
          step: s,
          epoch: 0,
          lr: 1e-3,
          loss,
          heatmap: loss / 2,
          box: loss / 4,
          imagesPerSec: 100,
          gradNorm: 1,
        }),
      );
      if (s % 1000 === 0)
        lines.push(
          JSON.stringify({ type: 'eval', step: s, epoch: 0, stats: Array(12).fill(s / steps) }),
        );
    }
    writeFileSync(join(d, 'metrics.jsonl'), `${lines.join('\n')}\n`);
    // weights for the report's images: a short run of the same model
    const short = join(root, 'short');
    await train({ config: tinyConfig(), outDir: short, log: () => {} });
    mkdirSync(join(d, 'checkpoints'));
    copyFileSync(join(short, 'checkpoints', 'latest.ckpt'), join(d, 'checkpoints', 'latest.ckpt'));
    const stats = Array(12).fill(0.5);
    writeFileSync(
      join(d, 'summary.json'),
      JSON.stringify({
        status: 'completed',
        steps,
        backend: 'cpu',
        wallTimeSec: 1,
        imagesPerSec: 1,
        final: { step: steps, stats },
        best: { step: steps, stats },
      }),
    );
    const file = await buildRunReport(d);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<svg/g)).toHaveLength(3);
    expect(html.match(/data:image\/png;base64,/g)).toHaveLength(2);
    expect(statSync(file).size).toBeLessThan(1_000_000);
    // the last logged step is on the x axis of the loss chart
    expect(html).toContain('2.0e+5');
  });

  it('lineChart takes more points than fit in a call stack', () => {
    const points: [number, number][] = Array.from({ length: 500_000 }, (_, i) => [i, i % 7]);
    const svg = lineChart([{ name: 'x', color: '#000', points }], { title: 't' });
    expect(svg.length).toBeLessThan(200_000);
    expect(svg).toContain('5.0e+5');
  });
});
