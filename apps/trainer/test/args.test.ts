import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../src/args.js';

const spec = {
  strings: ['out', 'o', 'threads'],
  booleans: ['resume'],
  aliases: { output: 'o' },
};

describe('parseArgs (node:util tokens)', () => {
  it('reads --name value, --name=value, -o value, aliases, booleans and positionals', () => {
    expect(
      parseArgs(
        ['a.png', '--out', 'runs/x', '--threads=2', '-o', 'p.json', '--resume', '-', 'b'],
        spec,
      ),
    ).toEqual({
      flags: { out: 'runs/x', threads: '2', o: 'p.json', resume: true },
      positionals: ['a.png', '-', 'b'],
    });
    expect(parseArgs(['--output', 'q.json'], spec).flags).toEqual({ o: 'q.json' });
    expect(parseArgs(['-o=r.json', '--out='], spec).flags).toEqual({ o: 'r.json', out: '' });
    // a value may start with one dash; the last of a repeated flag wins
    expect(parseArgs(['--out', '-1', '--out', 'b'], spec).flags).toEqual({ out: 'b' });
    expect(parseArgs(['--out=--resume'], spec).flags).toEqual({ out: '--resume' });
  });

  it('throws UsageError (exit 2) with the messages of the CLI', () => {
    const cases: [string[], string][] = [
      [['--bogus'], 'unknown option --bogus'],
      [['--bogus=3'], 'unknown option --bogus=3'],
      [['-xy'], 'unknown option -xy'],
      [['--'], 'unknown option --'],
      [['--out'], '--out needs a value'],
      [['-o'], '-o needs a value'],
      [['--out', '--resume'], '--out needs a value, got option --resume'],
      [['--resume=yes'], '--resume takes no value'],
      [['--out', 'a', '--bogus', 'b'], 'unknown option --bogus'],
    ];
    for (const [argv, message] of cases) {
      let err: unknown;
      try {
        parseArgs(argv, spec);
      } catch (e) {
        err = e;
      }
      expect(err, argv.join(' ')).toBeInstanceOf(UsageError);
      expect((err as UsageError).message, argv.join(' ')).toBe(message);
      expect((err as UsageError).exitCode).toBe(2);
    }
  });

  it('limits positionals', () => {
    expect(() => parseArgs(['x'], { ...spec, maxPositionals: 0 })).toThrow(
      "unexpected argument 'x' (this command takes options only)",
    );
    expect(() => parseArgs(['x', 'y'], { ...spec, maxPositionals: 1 })).toThrow(
      /^unexpected argument 'y'$/,
    );
    expect(parseArgs(['x'], { ...spec, maxPositionals: 1 }).positionals).toEqual(['x']);
  });
});
