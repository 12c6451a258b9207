import { type ChildProcess, spawn } from 'node:child_process';

/** A CLI child process with its output so far. */
export interface SpawnedCli {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves when stdout has a line matching `re`; rejects if the process exits first. */
  waitFor: (re: RegExp) => Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `node cliJs ...args` (a bundled CLI). `faults` is passed as BURNIN_TEST_FAULTS (the
 * trainer's injectable fault layer); without it the variable is removed from the child's env.
 */
export function spawnCli(
  cliJs: string,
  args: string[],
  faults?: Record<string, unknown>,
): SpawnedCli {
  const env = { ...process.env };
  if (faults) env.BURNIN_TEST_FAULTS = JSON.stringify(faults);
  else delete env.BURNIN_TEST_FAULTS;
  const child = spawn(process.execPath, [cliJs, ...args], { env });
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
  };
}
