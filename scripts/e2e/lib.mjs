// Helpers of the publish end-to-end test (scripts/e2e-publish.mjs): child processes that are
// tracked so that they can be stopped on failure or on a signal, and a step runner that times
// each step and names the one that failed.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** Thrown by a step; `detail` holds the tail of the output of the command that failed. */
export class E2eError extends Error {
  constructor(message, detail = '') {
    super(message);
    this.name = 'E2eError';
    this.detail = detail;
  }
}

const children = new Set();

/** Kills every child process (and its process group) that is still running. */
export function killChildren(signal = 'SIGTERM') {
  for (const child of children) {
    try {
      // detached children lead their own process group: kill the whole group (turbo -> tsup, ...)
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  }
}

const tail = (text, lines = 40) => text.trimEnd().split('\n').slice(-lines).join('\n');

/**
 * Runs `command args` without a shell and resolves with its output; rejects with an E2eError
 * holding the last lines of the output when it exits non-zero or runs longer than `timeoutMs`
 * (then its process group is killed). `log` receives every chunk.
 */
export function exec(
  command,
  args,
  { cwd = process.cwd(), env = process.env, log, allowFailure = false, timeoutMs = 240_000 } = {},
) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      output += chunk;
      log?.(chunk);
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
      log?.(chunk);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new E2eError(`could not start \`${command}\`: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (!timedOut && (code === 0 || allowFailure)) {
        resolve({ code, stdout, output });
        return;
      }
      let how = `exited with code ${code}`;
      if (timedOut) how = `did not finish within ${timeoutMs / 1000} s and was killed`;
      else if (signal) how = `was killed by ${signal}`;
      const cmd = [command, ...args].join(' ');
      reject(new E2eError(`\`${cmd}\` ${how} (in ${cwd})`, tail(output)));
    });
  });
}

/** Starts a long-running child process (the registry); returned so the caller can stop it. */
export function startProcess(command, args, { cwd, env = process.env, onOutput } = {}) {
  const child = spawn(command, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.stdout.on('data', (chunk) => onOutput?.(chunk));
  child.stderr.on('data', (chunk) => onOutput?.(chunk));
  child.on('close', () => children.delete(child));
  return child;
}

/** Stops a child started with startProcess and waits (at most `ms`) for it to exit. */
export async function stopProcess(child, ms = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('close', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, ms);
  await exited;
  clearTimeout(timer);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs named steps in order, timing each; the first failure stops the run. */
export class Steps {
  results = [];

  async run(name, fn) {
    const started = performance.now();
    // the slot is taken at the start, so concurrent steps keep their order in the table
    const slot = this.results.push({ name, ok: false, ms: 0, running: true }) - 1;
    process.stdout.write(`\n▶ ${name}\n`);
    try {
      const value = await fn();
      const ms = performance.now() - started;
      this.results[slot] = { name, ok: true, ms };
      process.stdout.write(`✔ ${name} (${(ms / 1000).toFixed(1)} s)\n`);
      return value;
    } catch (err) {
      const ms = performance.now() - started;
      this.results[slot] = { name, ok: false, ms, error: err };
      throw new StepFailed(name, err);
    }
  }

  /**
   * Runs `[name, fn]` steps concurrently (each timed on its own); when all have settled,
   * throws the first failure, so every one of them gets a row in the table.
   */
  async runAll(entries) {
    const settled = await Promise.allSettled(entries.map(([name, fn]) => this.run(name, fn)));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => r.value);
  }

  /** Records a step that was timed elsewhere (the clean-up). */
  record(name, ok, ms, error) {
    this.results.push({ name, ok, ms, error });
  }

  /** The summary table: one row per step with its time, and a total row. */
  table(totalMs) {
    const rows = this.results.map((r) => [r.ok ? 'pass' : 'FAIL', r.name, fmt(r.ms)]);
    rows.push(['', 'total', fmt(totalMs)]);
    const w0 = Math.max(6, ...rows.map((r) => r[0].length));
    const w1 = Math.max(4, ...rows.map((r) => r[1].length));
    const w2 = Math.max(8, ...rows.map((r) => r[2].length));
    const line = (a, b, c) => `| ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c.padStart(w2)} |`;
    const rule = `|${'-'.repeat(w0 + 2)}|${'-'.repeat(w1 + 2)}|${'-'.repeat(w2 + 1)}:|`;
    return [line('result', 'step', 'time'), rule, ...rows.map((r) => line(...r))].join('\n');
  }
}

const fmt = (ms) => `${(ms / 1000).toFixed(1)} s`;

export class StepFailed extends Error {
  constructor(step, cause) {
    super(`step "${step}" failed: ${cause?.message ?? cause}`);
    this.name = 'StepFailed';
    this.step = step;
    this.detail = cause?.detail ?? '';
    this.cause = cause;
  }
}

/** Fails with a message naming what was expected and what was found. */
export function check(condition, message) {
  if (!condition) throw new E2eError(message);
}
