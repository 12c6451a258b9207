import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exponentialDecayWithBurnin } from '@burnin/schedules';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseArgs, UsageError } from '../src/args.js';
import { cliVersion, exitCodeOf } from '../src/cli.js';
import { parseBenchArgs } from '../src/commands/bench.js';
import { scheduleFactories } from '../src/commands/compare.js';
import {
  COMMANDS,
  COMPARE_SCHEDULES,
  commandUsage,
  globalUsage,
  PRESET_NAMES,
  usageOf,
} from '../src/commands/table.js';
import { TRAIN_USAGE } from '../src/commands/train.js';
import { ConfigError, PRESETS } from '../src/config.js';
import { LIBRARY_INPUT_ERRORS, TrainerError } from '../src/errors.js';
import { CheckpointError } from '../src/train/checkpoint.js';
import { DatasetError } from '../src/train/train.js';
import { runCli } from './cli-helpers.js';

const root = join(import.meta.dirname, '..');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
const run = runCli;
const dir = mkdtempSync(join(tmpdir(), 'burnin-cli-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The `--long` option names a usage text documents. */
const longFlags = (text: string) =>
  new Set([...text.matchAll(/--([a-z][a-z-]*)/g)].map((m) => m[1]));

describe('trainer wiring', () => {
  it('imports the schedules package through the workspace', () => {
    expect(typeof exponentialDecayWithBurnin).toBe('function');
  });
});

describe('burnin --version, --help, help <cmd>', () => {
  it('--version, -v and version print the version of package.json on stdout, exit 0', async () => {
    expect(cliVersion()).toBe(version);
    for (const a of ['--version', '-v', 'version']) {
      const r = await run([a]);
      expect(r).toEqual({ code: 0, out: version, err: '' });
    }
  });

  it('burnin alone prints the usage on stderr, exit 2; --help, -h and help on stdout, exit 0', async () => {
    const bare = await run([]);
    expect(bare.code).toBe(2);
    expect(bare.out).toBe('');
    expect(bare.err).toBe(globalUsage(version));
    for (const a of ['--help', '-h', 'help']) {
      expect(await run([a])).toEqual({ code: 0, out: globalUsage(version), err: '' });
    }
  });

  it('every command answers --help, -h and help <cmd> with its own usage on stdout, exit 0', async () => {
    expect(COMMANDS.map((c) => c.name)).toEqual([
      'train',
      'demo',
      'eval',
      'predict',
      'export',
      'compare',
      'sweep',
      'schedule',
      'lr-find',
      'bench',
    ]);
    for (const c of COMMANDS) {
      const usage = commandUsage(c);
      expect(usage.startsWith(`Usage: burnin ${c.name}`)).toBe(true);
      for (const argv of [
        [c.name, '--help'],
        [c.name, '-h'],
        ['help', c.name],
        ['--help', c.name],
        // help wins over the other arguments, which are not parsed (no training starts)
        [c.name, '--preset', 'smoke', '--help'],
      ]) {
        expect(await run(argv), argv.join(' ')).toEqual({ code: 0, out: usage, err: '' });
      }
    }
  });

  it('the global usage is generated from the table: every synopsis and summary verbatim', () => {
    const g = globalUsage(version);
    for (const c of COMMANDS) {
      for (const s of c.synopsis) for (const line of s.split('\n')) expect(g).toContain(line);
      expect(g.replace(/\s+/g, ' ')).toContain(c.summary);
    }
    // wrapped for a terminal
    for (const line of g.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    for (const c of COMMANDS)
      for (const line of commandUsage(c).split('\n'))
        expect(line.length, line).toBeLessThanOrEqual(100);
    expect(g).toContain(`burnin ${version}`);
  });

  it("the table's lists match the code: presets, compare schedules, train's own usage", () => {
    expect([...PRESET_NAMES].sort()).toEqual(Object.keys(PRESETS).sort());
    expect([...COMPARE_SCHEDULES]).toEqual(Object.keys(scheduleFactories()));
    // train.ts keeps its own TRAIN_USAGE: the table documents exactly the same options
    expect(longFlags(usageOf('train'))).toEqual(longFlags(TRAIN_USAGE));
    expect(longFlags(usageOf('demo'))).toEqual(longFlags(TRAIN_USAGE));
  });

  it('every option a usage documents is accepted by the command (no "unknown option")', async () => {
    const cases: Record<string, string[]> = {
      eval: ['--checkpoint', '--gt', '--dt', '--model', '--json', '--backend'],
      predict: ['--checkpoint', '--output', '--json', '--score', '--backend'],
      compare: ['--schedules', '--steps', '--seeds', '--preset', '--out', '--backend'],
      schedule: ['--steps', '--svg', '--width', '--height'],
      export: ['--checkpoint', '--out', '--format', '--quantize', '--score'],
    };
    for (const [cmd, flags] of Object.entries(cases)) {
      expect(longFlags(usageOf(cmd))).toEqual(new Set(flags.map((f) => f.slice(2))));
      for (const f of flags) {
        // each is given a value that fails later, so no command runs to completion
        const argv =
          cmd === 'compare' && f !== '--schedules'
            ? [cmd, f, 'x', '--schedules', '']
            : cmd === 'eval' && (f === '--checkpoint' || f === '--backend' || f === '--model')
              ? [cmd, '--checkpoint', join(dir, 'missing'), f, 'x']
              : [cmd, f, ...(f === '--json' ? [] : ['x'])];
        const r = await run(argv);
        expect(r.err, argv.join(' ')).not.toMatch(/unknown option|Unknown option/);
        expect(r.code, argv.join(' ')).not.toBe(0);
      }
    }
  });
});

describe('exit codes: 2 for every usage error, 1 for bad input', () => {
  const missingImage = join(dir, 'missing.png');

  it('every usage error exits 2 with its message on stderr and nothing on stdout', async () => {
    const cases: [string[], RegExp][] = [
      // unknown command / option / help topic
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['--frobnicate'], /unknown option '--frobnicate'/],
      [['help', 'frobnicate'], /unknown command 'frobnicate'/],
      [['train', '--bogus'], /unknown option --bogus/],
      // a missing value, also when the next word is an option
      [['predict', '--checkpoint'], /--checkpoint needs a value/],
      [['predict', '--checkpoint', join(dir, 'x'), missingImage, '-o'], /error: -o needs a value/],
      [['eval', '--checkpoint', join(dir, 'x'), '--json=yes'], /error: --json takes no value/],
      [['train', '--config', join(dir, 'none.yaml'), '--out', '--resume'], /--out needs a value/],
      // stray positional arguments
      [['compare', 'constant,burnin'], /unexpected argument 'constant,burnin'/],
      [['eval', '--checkpoint', join(dir, 'x'), 'extra'], /unexpected argument 'extra'/],
      // bad values
      [['train', '--threads', '0'], /--threads must be/],
      [['train', '--preset', 'smok', '--out', join(dir, 'smok')], /unknown preset 'smok'/],
      [['demo', '--preset', 'smok', '--out', join(dir, 'smok')], /unknown preset 'smok'/],
      [
        ['compare', '--schedules', 'constant', '--preset', 'smok', '--out', join(dir, 'smok')],
        /unknown preset 'smok'/,
      ],
      [['predict', '--checkpoint', join(dir, 'x'), missingImage, '--score', ''], /--score must be/],
      [
        ['predict', '--checkpoint', join(dir, 'x'), missingImage, '--score', '2'],
        /--score must be/,
      ],
      [
        ['predict', '--checkpoint', join(dir, 'x'), missingImage, '--backend', 'gpu'],
        /--backend must be one of/,
      ],
      [['compare', '--schedules', '', '--out', join(dir, 'cmp-empty')], /at least one schedule/],
      [
        ['compare', '--schedules', 'constant,nope', '--out', join(dir, 'cmp-u')],
        /unknown schedule/,
      ],
      [['compare', '--schedules', 'constant,constant', '--out', join(dir, 'cmp-2')], /twice/],
      [['eval', '--gt', 'a.json'], /both --gt and --dt/],
      [['schedule', '--steps', 'x', 'spec.json'], /--steps must be/],
      [['bench', 'nope'], /unknown preset 'nope'/],
      [['bench', 'smoke', '0'], /--steps must be a positive integer/],
      [['bench', '--fast'], /unknown option --fast/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.err, argv.join(' ')).toMatch(/^error: /);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.out, argv.join(' ')).toBe('');
    }
    // nothing was written for any of them
    expect(existsSync(join(dir, 'smok'))).toBe(false);
  });

  it('a usage error from a command ends with a pointer to its --help', async () => {
    const r = await run(['train', '--bogus']);
    expect(r.err).toBe("error: unknown option --bogus\n(run 'burnin train --help' for usage)");
  });

  it('compare without --schedules prints its usage and exits 2 without training', async () => {
    const out = join(dir, 'cmp-none');
    const r = await run([
      'compare',
      '--preset',
      'smoke',
      '--steps',
      '1',
      '--seeds',
      '1',
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('compare needs --schedules');
    expect(r.err).toContain(usageOf('compare'));
    expect(existsSync(out)).toBe(false);
  });

  it('predict without an image prints its usage, exit 2', async () => {
    const r = await run(['predict', '--checkpoint', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('predict needs one image path, got 0');
    expect(r.err).toContain(usageOf('predict'));
  });

  it('bad input (files, data) exits 1 with one error line on stderr', async () => {
    const cases: [string[], RegExp][] = [
      [['predict', '--checkpoint', join(dir, 'nope'), missingImage], /cannot read checkpoint/],
      [['eval', '--gt', join(dir, 'gt.json'), '--dt', join(dir, 'dt.json')], /file not found/],
      [['schedule', join(dir, 'none.yaml')], /file not found/],
      // an output folder that cannot be created
      [
        [
          'compare',
          '--schedules',
          'constant',
          '--steps',
          '1',
          '--seeds',
          '1',
          '--preset',
          'smoke',
          '--backend',
          'cpu',
          '--out',
          join(dir, 'file.txt', 'sub'),
        ],
        /file\.txt\/sub: cannot write: /,
      ],
    ];
    writeFileSync(join(dir, 'file.txt'), 'not a folder');
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
      expect(r.err, argv.join(' ')).toMatch(/^error: /);
    }
  });
});

describe('error contract: any thrown error with a numeric exitCode', () => {
  it('exitCodeOf takes exitCode first, then the known classes, else undefined', () => {
    expect(exitCodeOf(Object.assign(new Error('disk full'), { exitCode: 1 }))).toBe(1);
    expect(exitCodeOf(Object.assign(new Error('bad flag'), { exitCode: 2 }))).toBe(2);
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new ConfigError('x', 'train.steps'))).toBe(1);
    expect(exitCodeOf(new CheckpointError('x'))).toBe(1);
    expect(exitCodeOf(new DatasetError('x'))).toBe(1);
    expect(exitCodeOf(new Error('bug'))).toBeUndefined();
    expect(exitCodeOf(new TypeError('bug'))).toBeUndefined();
    expect(exitCodeOf('a string')).toBeUndefined();
    // bugs keep their stack: no error is one line just because its name ends in "Error"
    expect(exitCodeOf(new RangeError('bug'))).toBeUndefined();
    expect(exitCodeOf(new ReferenceError('x is not defined'))).toBeUndefined();
    expect(exitCodeOf(new SyntaxError('Unexpected token'))).toBeUndefined();
    class SomethingError extends Error {
      override name = 'SomethingError';
    }
    expect(exitCodeOf(new SomethingError('bug'))).toBeUndefined();
  });

  it("every trainer error is a TrainerError with exit code 1 (usage: 2); the libraries' input errors are listed", async () => {
    const modules = await Promise.all([
      import('../src/args.js'),
      import('../src/config.js'),
      import('../src/train/parallel.js'),
      import('../src/train/train.js'),
      import('../src/train/checkpoint.js'),
      import('../src/data/synthetic.js'),
      import('../src/run/errors.js'),
      import('../src/io/errors.js'),
      import('../src/commands/bench.js'),
      import('../src/commands/schedule.js'),
    ]);
    const classes = modules.flatMap((m) =>
      Object.values(m).filter(
        (v): v is new (...a: never[]) => Error =>
          typeof v === 'function' && v.prototype instanceof Error,
      ),
    );
    expect(classes.length).toBeGreaterThanOrEqual(15);
    for (const C of classes) {
      expect(C.prototype instanceof TrainerError, C.name).toBe(true);
      const e = new (C as unknown as new (...a: string[]) => Error)('x', 'x', 'x');
      expect(exitCodeOf(e), C.name).toBe(C === UsageError ? 2 : 1);
    }
    const libraries = await Promise.all([
      import('@burnin/schedules'),
      import('@burnin/metrics'),
      import('@burnin/backend'),
      import('@burnin/losses'),
      import('@burnin/tfjs-adapter'),
    ]);
    const names = libraries.flatMap((m) =>
      Object.entries(m)
        .filter(
          ([, v]) =>
            typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof Error,
        )
        .map(([k]) => k),
    );
    expect(new Set(names)).toEqual(LIBRARY_INPUT_ERRORS);
  });

  it('main prints "error: <message>" (one line, no stack) and returns the exitCode', async () => {
    vi.resetModules();
    vi.doMock('../src/commands/schedule.js', () => ({
      runScheduleCommand: async () => {
        throw Object.assign(new Error('cannot write out.svg: disk full'), { exitCode: 1 });
      },
    }));
    try {
      const fresh = (await import('../src/cli.js')).main;
      const err: string[] = [];
      const spy = vi.spyOn(console, 'error').mockImplementation((...a) => {
        err.push(a.join(' '));
      });
      try {
        expect(await fresh(['schedule', 'x'])).toBe(1);
      } finally {
        spy.mockRestore();
      }
      expect(err).toEqual(['error: cannot write out.svg: disk full']);
    } finally {
      vi.doUnmock('../src/commands/schedule.js');
      vi.resetModules();
    }
  });
});

describe('argument parsing', () => {
  it('a value that is itself a long option is refused; --name=--value is allowed', () => {
    const spec = { strings: ['out'], booleans: ['resume'] };
    expect(() => parseArgs(['--out', '--resume'], spec)).toThrow(
      /--out needs a value, got option --resume/,
    );
    expect(parseArgs(['--out=--resume'], spec).flags.out).toBe('--resume');
    expect(parseArgs(['--out', '-x'], spec).flags.out).toBe('-x');
  });

  it('bench takes [preset] [steps] with defaults demo 40', () => {
    expect(parseBenchArgs([])).toEqual({ preset: 'demo', steps: 40 });
    expect(parseBenchArgs(['smoke', '3'])).toEqual({ preset: 'smoke', steps: 3 });
    expect(() => parseBenchArgs(['smoke', '3', '4'])).toThrow(UsageError);
  });
});

describe('burnin bench', () => {
  it('runs the built bench script with the preset and steps, exit 0', async () => {
    const script = join(root, 'dist', 'bench.js');
    if (!existsSync(script)) {
      const { execFileSync } = await import('node:child_process');
      execFileSync('pnpm', ['build'], { cwd: root, stdio: 'ignore' });
    }
    const { runBenchCommand } = await import('../src/commands/bench.js');
    let out = '';
    let err = '';
    const code = await runBenchCommand(['smoke', '1'], {
      stdout: (t) => {
        out += t;
      },
      stderr: (t) => {
        err += t;
      },
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/^preset smoke: input 32px/);
    expect(out).toContain('1 steps x 2 rounds');
    // each run in its own process, with the GC burnin train would choose for its threads
    expect(out).toMatch(
      /^V8 GC \(BURNIN_GC=auto, as burnin train\): .*concurrent \(helper threads\) elsewhere$/m,
    );
    expect(out).toMatch(/^peak RSS \d+ MiB \(the largest run's process\)$/m);
  });
});
