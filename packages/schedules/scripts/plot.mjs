#!/usr/bin/env node
// Prints a schedule's curve in the terminal and optionally writes an SVG file.
// Usage (after `pnpm build`):
//   node scripts/plot.mjs <schedule> --steps N [--svg out.svg] [--width W] [--height H]
// <schedule> is a file or inline text: a schedule spec JSON ({ type, options }), a Keras
// schedule config JSON ({ class_name, config }), or a TF OD API pipeline.config /
// learning_rate { ... } block.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import {
  asciiPlot,
  fromJSON,
  fromKerasConfig,
  parseLearningRateConfig,
  svgPlot,
} from '../dist/index.js';

function usage(message) {
  if (message) console.error(`error: ${message}`);
  console.error(
    'usage: node scripts/plot.mjs <spec.json|keras.json|pipeline.config|inline> --steps N [--svg out.svg] [--width W] [--height H]',
  );
  process.exit(2);
}

const args = process.argv.slice(2);
const flags = {};
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i].startsWith('--')) flags[args[i].slice(2)] = args[++i];
  else positional.push(args[i]);
}
if (positional.length !== 1) usage('give exactly one schedule');
if (!flags.steps) usage('--steps is required');
const source = existsSync(positional[0]) ? readFileSync(positional[0], 'utf8') : positional[0];

let schedule;
const trimmed = source.trim();
if (trimmed.startsWith('{') && trimmed.includes('"')) {
  const json = JSON.parse(trimmed);
  schedule = 'class_name' in json ? fromKerasConfig(json) : fromJSON(json);
} else {
  schedule = parseLearningRateConfig(source);
}

const steps = Number(flags.steps);
const size = (k) => (flags[k] === undefined ? undefined : Number(flags[k]));
console.log(schedule.spec.type);
process.stdout.write(asciiPlot(schedule, { steps, width: size('width'), height: size('height') }));
if (flags.svg) {
  writeFileSync(flags.svg, svgPlot(schedule, { steps }));
  console.log(`wrote ${flags.svg}`);
}
