import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const app = join(import.meta.dirname, '..');

/**
 * Bundles the CLI (tsup, the package's config) into `node_modules/.cache/<name>` (not dist/,
 * which other builds replace while tests run); returns the bundled `cli.js`.
 */
export function bundleCli(name: string): string {
  const require = createRequire(import.meta.url);
  const out = join(app, 'node_modules', '.cache', name);
  execFileSync(
    process.execPath,
    [
      join(dirname(require.resolve('tsup/package.json')), 'dist', 'cli-default.js'),
      '--out-dir',
      out,
    ],
    { cwd: app, env: { ...process.env, BURNIN_DEV: '' }, stdio: 'ignore' },
  );
  return join(out, 'cli.js');
}

/** A CLI child process with its output so far. */
export interface SpawnedCli {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves when stdout has a line matching `re`; rejects if the process exits first. */
  waitFor: (re: RegExp) => Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `sig` to the child's whole process group (SpawnOptions.detached), as a Ctrl-C does. */
  group: (sig: NodeJS.Signals) => void;
}

/** Waits until run folder `d`'s metrics.jsonl holds more than `from` characters (a new step). */
export async function aStepLogged(d: string, from = 0): Promise<void> {
  const metrics = join(d, 'metrics.jsonl');
  while (!existsSync(metrics) || readFileSync(metrics, 'utf8').length <= from)
    await new Promise((res) => setTimeout(res, 10));
}

/** Extra settings of {@link spawnCli}. */
export interface SpawnOptions {
  /** Variables added to the child's environment. */
  env?: Record<string, string>;
  /** Start the child as the leader of a new process group (see SpawnedCli.group). */
  detached?: boolean;
}

/**
 * Spawns `node cliJs ...args` (a bundled CLI). `faults` is passed as BURNIN_TEST_FAULTS (the
 * trainer's injectable fault layer); without it the variable is removed from the child's env.
 */
export function spawnCli(
  cliJs: string,
  args: string[],
  faults?: Record<string, unknown>,
  options: SpawnOptions = {},
): SpawnedCli {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (faults) env.BURNIN_TEST_FAULTS = JSON.stringify(faults);
  else delete env.BURNIN_TEST_FAULTS;
  const child = spawn(process.execPath, [cliJs, ...args], {
    env,
    detached: options.detached ?? false,
  });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stdout?.on('data', (b) => {
    out += b;
    for (const w of waiters.splice(0)) {
      if (w.re.test(out)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr?.on('data', (b) => {
    err += b;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    out: () => out,
    err: () => err,
    waitFor: (re) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(out)) return resolve();
        waiters.push({ re, resolve });
        done.then(() => reject(new Error(`exited before ${re}: ${out}\n${err}`)));
      }),
    done,
    group: (sig) => process.kill(-(child.pid as number), sig),
  };
}
