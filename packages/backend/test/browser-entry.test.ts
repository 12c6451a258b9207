import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend } from '../src/browser.js';
import { initBackend as initNodeBackend } from '../src/index.js';
import config from '../tsup.config.js';

// The `browser` entry, exercised in Node with stand-in backends registered under the page
// backends' names (a MathBackendCPU each): tfjs only sees names and factories.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = { log: () => {} };

function fakeBackend(name: string, fails = false): void {
  tf.registerBackend(name, () => {
    if (fails) throw new Error(`no ${name} here`);
    return new MathBackendCPU();
  });
}

afterEach(async () => {
  for (const name of ['webgpu', 'webgl']) {
    if (tf.findBackendFactory(name) != null) tf.removeBackend(name);
  }
  await tf.setBackend('cpu');
});

describe('package.json', () => {
  it("maps the 'browser' condition of '.' to the browser build, before import/require", () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const conditions = Object.keys(pkg.exports['.']);
    expect(conditions[0]).toBe('browser');
    expect(pkg.exports['.'].browser.default).toBe('./dist/browser.js');
    const configs = (Array.isArray(config) ? config : [config]) as { entry?: unknown }[];
    const entries = configs.map((c) => c.entry);
    expect(entries).toContainEqual({ browser: 'src/browser.ts' });
  });
});

describe('esbuild, platform browser', () => {
  const bundle = (entry: string) =>
    build({
      entryPoints: [join(root, entry)],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
      metafile: true,
    });

  it('bundles the browser entry with no Node built-in', async () => {
    const out = await bundle('src/browser.ts');
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((i) => i.includes('wasm-threads'))).toBe(false);
    expect(inputs.filter((i) => /^node:|^(module|path|os|fs|worker_threads)$/.test(i))).toEqual([]);
    expect(out.outputFiles[0]?.text).not.toMatch(/["']node:/);
  });

  it('cannot bundle the Node entry (why the browser entry exists)', async () => {
    await expect(bundle('src/index.ts')).rejects.toThrow(/node:module|node:path|node:os/);
  });
});

describe('initBackend in a page', () => {
  it("'auto' keeps an active webgl backend instead of replacing it", async () => {
    fakeBackend('webgl');
    await tf.setBackend('webgl');
    const lines: string[] = [];
    const choice = await initBackend('auto', { log: (l) => lines.push(l) });
    expect(choice.name).toBe('webgl');
    expect(choice.reason).toBe('keeping the active webgl (GPU) backend');
    expect(lines).toEqual(['burnin: keeping the active webgl (GPU) backend']);
  });

  it("'auto' prefers webgpu, then webgl, over cpu", async () => {
    fakeBackend('webgl');
    fakeBackend('webgpu');
    expect((await initBackend('auto', quiet)).name).toBe('webgpu');
    tf.removeBackend('webgpu');
    await tf.setBackend('cpu');
    expect((await initBackend('auto', quiet)).name).toBe('webgl');
  });

  it("'auto' goes past a webgpu that fails to start and says so", async () => {
    fakeBackend('webgpu', true);
    fakeBackend('webgl');
    const choice = await initBackend('auto', quiet);
    expect(choice.name).toBe('webgl');
    expect(choice.reason).toMatch(/^the webgpu backend failed to initialize.*falling back to/);
  });

  it("'auto' without GPU or wasm backends falls back to cpu, naming what the page lacks", async () => {
    const choice = await initBackend('auto', quiet);
    expect(choice).toMatchObject({ name: 'cpu', threads: 1 });
    expect(choice.reason).toMatch(/webgpu not registered/);
    expect(choice.reason).toMatch(/wasm not registered .*tfjs-backend-wasm/);
  });

  it("'wasm' that is not there says how to serve the .wasm files (setWasmPaths)", async () => {
    const error = await initBackend('wasm', quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    const { fix, message } = error as BackendUnavailableError;
    expect(fix).toMatch(/setWasmPaths\(/);
    expect(fix).toMatch(/tfjs-backend-wasm-simd\.wasm/);
    expect(message).not.toMatch(/npm i @tensorflow\/tfjs-backend-wasm/);
  });

  it("'tensorflow' is refused in one line (Node only)", async () => {
    await expect(initBackend('tensorflow', quiet)).rejects.toThrow(
      /backend 'tensorflow' is not available: tfjs-node runs only in Node/,
    );
  });

  it('registers the training kernels and keeps tfjs-core gradients available', async () => {
    await initBackend('cpu', quiet);
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')).toBeDefined();
    for (const name of ['Add', 'Sum', 'BatchMatMul', 'Conv2D']) {
      expect(tf.getGradient(name)).toBeDefined();
    }
  });

  it('rejects an invalid threads value', async () => {
    await expect(initBackend('cpu', { ...quiet, threads: 0 })).rejects.toThrow(
      /threads must be 'auto' or an integer >= 1/,
    );
  });
});

describe('the Node entry and the browser backends', () => {
  it.each(['webgpu', 'webgl'] as const)("'%s' in Node is refused in one line", async (name) => {
    const error = await initNodeBackend(name, quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`backend '${name}' is not available: ${name} is a browser backend`),
    );
    expect((error as BackendUnavailableError).fix).toMatch(/browser/);
  });
});
