// tfjs-backend-wasm initialises once per process, so every thread configuration runs in its own
// child process (test/fixtures/threads/run.mjs on the built dist/index.js) and reports JSON.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidBackendOptionError, initBackend } from '../src/index.js';
import { loadNativeConvKernels } from '../src/native-loader.js';

const fixture = fileURLToPath(new URL('./fixtures/threads/run.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const cores = os.availableParallelism();
/** tfjs 4.22's threaded build uses at most 8 threads. */
const allCores = Math.min(cores, 8);
// What a single-threaded wasm backend's line says of the native convolutions on this machine.
const native = loadNativeConvKernels();
const nativeNote = native.ok
  ? `, native ${native.kernels.isa === 'avx512' ? 'AVX-512' : 'AVX2'} convolutions`
  : '';
/** Threads the native convolutions run on at threads: cores (their addon takes at most 64). */
const nativeAll = Math.min(cores, 64);
const nativeAllNote =
  native.ok && nativeAll > 1 ? `${nativeNote} on ${nativeAll} threads` : nativeNote;

interface ChildResult {
  choice: { name: string; reason: string; threads: number };
  lines: string[];
  threadsCount: number;
  multithreadFlag: boolean;
  restored: { cpus: boolean; worker: boolean };
  again?: { name: string; reason: string; threads: number };
  againLines?: string[];
  conv: number[];
  matMul: number[];
  backend: string;
  /** ms from the child's output to its exit, without process.exit. */
  exitMs: number;
}

function runChild(args: Record<string, unknown>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(args.nativeOff ? { BURNIN_NATIVE: '0' } : {}) },
    });
    let stdout = '';
    let stderr = '';
    let outputAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (stdout.includes('\n')) outputAt ??= Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      if (code !== 0 || outputAt === undefined) {
        reject(new Error(`child ${JSON.stringify(args)} exited ${code ?? signal}: ${stderr}`));
        return;
      }
      resolve({ ...JSON.parse(stdout), exitMs: Date.now() - outputAt });
    });
  });
}

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('threads option validation', () => {
  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 'four', '2', null, true])(
    'rejects threads: %s with InvalidBackendOptionError naming the range',
    async (threads) => {
      const attempt = initBackend('cpu', { threads: threads as never, log: () => {} });
      const error = (await attempt.catch((e: unknown) => e)) as InvalidBackendOptionError;
      expect(error).toBeInstanceOf(InvalidBackendOptionError);
      expect(error.option).toBe('threads');
      expect(error.value).toBe(threads);
      expect(error.allowed).toEqual(['auto', 'an integer >= 1']);
      expect(error.message).toMatch(/threads must be 'auto' or an integer >= 1/);
    },
  );

  it('names the bad value in the message', async () => {
    await expect(initBackend('cpu', { threads: Number.NaN })).rejects.toThrow(/got NaN$/);
    await expect(initBackend('cpu', { threads: 'four' as never })).rejects.toThrow(/got "four"$/);
  });

  it('cpu reports 1 thread', async () => {
    const choice = await initBackend('cpu', { threads: 4, log: () => {} });
    expect(choice.threads).toBe(1);
    expect(choice.reason).toBe('using cpu (pure JavaScript, slow, 1 thread) as requested');
  });
});

describe('wasm threads (one child process per configuration)', () => {
  const results: Record<string, ChildResult> = {};

  beforeAll(async () => {
    if (!existsSync(dist)) throw new Error('run `pnpm build` first: the children import dist/');
    // One at a time: they compete for the same cores.
    results.raw = await runChild({ raw: true });
    results.one = await runChild({ threads: 1 });
    results.oneWasm = await runChild({ threads: 1, nativeOff: true });
    results.all = await runChild({ threads: cores });
    results.allWasm = await runChild({ threads: cores, nativeOff: true });
    results.auto = await runChild({});
    results.again = await runChild({ threads: cores, again: 1 });
    results.againWasm = await runChild({ threads: cores, again: 1, nativeOff: true });
    results.broken = await runChild({ threads: 2, sabotage: true, nativeOff: true });
  }, 240_000);

  it('threads: 1 is the single-threaded SIMD build (with the native convolutions and products where they load)', () => {
    const { one, raw } = results;
    expect(one.threadsCount).toBe(1);
    expect(one.choice).toEqual({
      name: 'wasm',
      reason: `using wasm (SIMD, 1 thread${nativeNote}) as requested`,
      threads: 1,
    });
    expect(one.multithreadFlag).toBe(false);
    // (the native kernels sum in their own order: the last bits differ from XNNPACK's)
    expect(maxAbsDiff(one.conv, raw.conv)).toBeLessThan(1e-5);
    expect(maxAbsDiff(one.matMul, raw.matMul)).toBeLessThan(1e-5);
  });

  it('threads: 1 with BURNIN_NATIVE=0 is bit-identical to a plain tf.setBackend', () => {
    const { oneWasm, raw } = results;
    expect(oneWasm.choice?.reason).toBe('using wasm (SIMD, 1 thread) as requested');
    expect(oneWasm.conv).toEqual(raw.conv);
    expect(oneWasm.matMul).toEqual(raw.matMul);
  });

  it.runIf(native.ok)(
    `threads: ${cores} (every core) runs the native convolutions on ${nativeAll} thread(s) beside the single-threaded build, with the same bits`,
    () => {
      const { all, one } = results;
      expect(all.threadsCount).toBe(1);
      expect(all.multithreadFlag).toBe(false);
      expect(all.choice.threads).toBe(nativeAll);
      expect(all.lines).toEqual([
        `burnin: using wasm (SIMD, 1 thread${nativeAllNote}) as requested`,
      ]);
      // The native kernels split their work so that every sum keeps its order.
      expect(all.conv).toEqual(one.conv);
      expect(all.matMul).toEqual(one.matMul);
    },
  );

  it(`threads: ${cores} with BURNIN_NATIVE=0 runs XNNPACK's pool on ${allCores} thread(s) with the same outputs`, () => {
    const { allWasm, oneWasm } = results;
    expect(allWasm.threadsCount).toBe(allCores);
    expect(allWasm.choice.threads).toBe(allCores);
    expect(allWasm.lines).toEqual([
      `burnin: using wasm (SIMD, ${allCores} thread${allCores === 1 ? '' : 's'}) as requested`,
    ]);
    expect(maxAbsDiff(allWasm.conv, oneWasm.conv)).toBeLessThan(1e-5);
    expect(maxAbsDiff(allWasm.matMul, oneWasm.matMul)).toBeLessThan(1e-5);
  });

  it("'auto' (the default) uses every core", () => {
    const { auto, all } = results;
    expect(auto.choice).toEqual(all.choice);
    expect(auto.threadsCount).toBe(all.threadsCount);
    expect(auto.choice.threads).toBe(native.ok ? nativeAll : allCores);
  });

  it('leaves no global patch behind (os.cpus, globalThis.Worker)', () => {
    for (const result of Object.values(results)) {
      expect(result.restored).toEqual({ cpus: true, worker: true });
    }
  });

  it('the pthread workers do not keep the process alive: every child exits by itself', () => {
    for (const result of Object.values(results)) expect(result.exitMs).toBeLessThan(1000);
  });

  it.runIf(native.ok)(
    'a second initBackend sets the native convolutions to its own count (the build stays single-threaded)',
    () => {
      const { again } = results;
      expect(again.again).toEqual({
        name: 'wasm',
        reason: `using wasm (SIMD, 1 thread${nativeNote}) as requested`,
        threads: 1,
      });
      expect(again.againLines).toEqual([
        `burnin: using wasm (SIMD, 1 thread${nativeNote}) as requested`,
      ]);
    },
  );

  it("a second initBackend keeps the threaded build's first thread count and says so in its one line", () => {
    const { againWasm } = results;
    expect(againWasm.again?.threads).toBe(allCores);
    expect(againWasm.againLines).toHaveLength(1);
    if (allCores === 1) {
      expect(againWasm.againLines?.[0]).toBe('burnin: using wasm (SIMD, 1 thread) as requested');
    } else {
      expect(againWasm.againLines?.[0]).toBe(
        `burnin: using wasm (SIMD, ${allCores} threads; threads: 1 does not apply: the wasm backend was initialised earlier in this process and keeps ${allCores} threads) as requested`,
      );
    }
  });

  it('falls back to the single-threaded SIMD build, with one line, when workers cannot start', () => {
    const { broken, oneWasm } = results;
    expect(broken.backend).toBe('wasm');
    expect(broken.threadsCount).toBe(1);
    expect(broken.multithreadFlag).toBe(false);
    expect(broken.lines).toEqual([
      `burnin: using wasm (SIMD, 1 thread; the threaded build failed to start: a pthread worker could not be created (worker_threads disabled by the test)) as requested`,
    ]);
    expect(broken.conv).toEqual(oneWasm.conv);
    expect(broken.matMul).toEqual(oneWasm.matMul);
  });
});
