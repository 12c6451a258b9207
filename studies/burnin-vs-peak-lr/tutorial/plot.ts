// Draws chained-vs-burnin.svg from reference.json (TensorFlow's values) with the trainer's
// lineChart. From the repository root (tsup bundles the one import):
//   pnpm exec tsup studies/burnin-vs-peak-lr/tutorial/plot.ts --format esm -d /tmp/burnin-plot \
//     && node /tmp/burnin-plot/plot.mjs studies/burnin-vs-peak-lr/tutorial
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart } from '../../../apps/trainer/src/report/svg.js';

const dir = process.argv[2] ?? 'studies/burnin-vs-peak-lr/tutorial';
const ref = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as {
  epochSteps: number;
  steps: number[];
  chained: { expected: number[] };
  burnin: { expected: number[] };
};
const E = ref.epochSteps;
const curve = (values: number[]) => ref.steps.map((s, i) => [s / E, values[i]] as [number, number]);
const svg = lineChart(
  [
    {
      name: 'tutorial: two chained exponential_decay calls',
      color: '#d62728',
      points: curve(ref.chained.expected),
    },
    {
      name: 'exponential_decay_with_burnin (what it meant)',
      color: '#1f77b4',
      points: curve(ref.burnin.expected),
    },
  ],
  {
    title: `Learning rate per update (TensorFlow's values, ${E} updates per epoch)`,
    xLabel: 'epoch',
    logY: true,
    width: 720,
    height: 320,
    legend: 'bottom-left',
    markers: [
      {
        x: 4,
        y: ref.burnin.expected[4 * E],
        label: 'burn-in: 0.01, then 0.1 halved each epoch',
        color: '#1f77b4',
      },
      {
        x: 2,
        y: ref.chained.expected[2 * E],
        label: 'chained: 20x lower every epoch',
        color: '#d62728',
      },
    ],
  },
);
// a <title> for screen readers (and biome's a11y rule, which lints committed SVG files)
const titled = svg.replace(
  /^(<svg [^>]*>)/,
  "$1<title>The tutorial's chained exponential_decay against exponential_decay_with_burnin</title>",
);
writeFileSync(join(dir, 'chained-vs-burnin.svg'), `${titled}\n`);
console.log(`wrote ${join(dir, 'chained-vs-burnin.svg')}`);
