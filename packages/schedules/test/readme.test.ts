import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'),
  'utf8',
);
const tsBlocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README', () => {
  it('never assigns optimizer.learningRate in code (protected in tfjs; SGD/Momentum ignore it)', () => {
    for (const block of tsBlocks) expect(block).not.toMatch(/\.learningRate\s*=/);
  });

  it('the first example trains through withSchedule and says what to install', () => {
    expect(tsBlocks[0]).toMatch(/import \{ withSchedule \} from '@burnin\/tfjs-adapter'/);
    expect(tsBlocks[0]).toMatch(/withSchedule\(tf\.train\.\w+\([^)]*\), lr\)/);
    const intro = readme.slice(0, readme.indexOf(tsBlocks[0]!));
    expect(intro).toMatch(/npm i @burnin\/schedules @burnin\/tfjs-adapter @tensorflow\/tfjs/);
  });
});
