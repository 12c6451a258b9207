import { describe, expect, it } from 'vitest';
import * as lib from '../src/index.js';
import { evalAt, expectClose, loadReference } from './helpers.js';

const cases = loadReference();
type Factory = (options: unknown) => lib.Schedule;

describe('reference values computed by TF OD API, Keras, torch, optax and darknet', () => {
  it('has all 173 cases', () => {
    expect(cases.length).toBe(173);
  });

  it.each(cases.map((c, i) => [`${i} ${c.lib}.${c.fn} ${JSON.stringify(c.opts)}`, c] as const))(
    '%s',
    (_label, c) => {
      const ns = (lib as unknown as Record<string, Record<string, Factory>>)[c.lib];
      expect(ns, `namespace ${c.lib}`).toBeTypeOf('object');
      const factory = ns[c.fn];
      expect(factory, `${c.lib}.${c.fn}`).toBeTypeOf('function');
      const schedule = factory(c.opts);
      expectClose(evalAt(schedule, c.steps), c.expected);
      // The JSON round trip evaluates identically.
      const back = lib.fromJSON(JSON.parse(JSON.stringify(lib.toJSON(schedule))));
      expect(evalAt(back, c.steps)).toEqual(evalAt(schedule, c.steps));
    },
  );
});
