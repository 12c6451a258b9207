import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), 'utf8');
const tsBlocks = (md: string) => [...md.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
/** Whether a code block that uses tfjs also gets a backend (else: No backend found in registry). */
const hasBackend = (code: string) =>
  /from '@tensorflow\/tfjs'/.test(code) ||
  /import '@tensorflow\/tfjs-backend-\w+'/.test(code) ||
  /initBackend\(/.test(code);

describe('README examples say what they install and get a backend', () => {
  it('packages/losses/README.md', () => {
    const md = read('../README.md');
    expect(md).toMatch(/npm i @burnin\/losses @tensorflow\/tfjs(?![-\w])/);
    expect(md).toMatch(
      /npm i @burnin\/losses @tensorflow\/tfjs-core @tensorflow\/tfjs-backend-cpu/,
    );
    for (const code of tsBlocks(md)) {
      if (/from '@tensorflow\/tfjs(-core)?'/.test(code)) expect(hasBackend(code)).toBe(true);
    }
  });

  it("the root README's losses example imports a backend", () => {
    const md = read('../../../README.md');
    const section = md.slice(
      md.indexOf('## @burnin/losses'),
      md.indexOf('## @burnin/tfjs-adapter'),
    );
    const [code] = tsBlocks(section);
    expect(code).toBeDefined();
    expect(hasBackend(code!)).toBe(true);
  });
});
