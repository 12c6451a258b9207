import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const md = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const tsBlocks = [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README', () => {
  it('the install line names what the examples import', () => {
    const install = md.slice(0, md.indexOf('## Quick start'));
    // One line (scripts/readme-examples.mjs installs the first `npm i` line of the block).
    expect(install).toMatch(
      /npm i @burnin\/tfjs-adapter (?:@burnin\/schedules )?@tensorflow\/tfjs(?![-\w])/,
    );
    expect(install).toMatch(/npm i [^\n]*@burnin\/schedules/);
  });

  it('imports the callbacks from @burnin/tfjs-adapter/callbacks', () => {
    for (const code of tsBlocks) {
      const main = code.match(/import \{([^}]*)\} from '@burnin\/tfjs-adapter';/)?.[1] ?? '';
      expect(main).not.toMatch(/learningRateLogger|learningRateScheduler|reduceLROnPlateau/);
    }
    expect(tsBlocks.join('\n')).toMatch(/from '@burnin\/tfjs-adapter\/callbacks'/);
  });
});
