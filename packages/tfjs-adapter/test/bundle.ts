import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build as esbuild, type Metafile } from 'esbuild';
import { build as tsup } from 'tsup';
import config from '../tsup.config.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds the package exactly as `pnpm build` does (this package's tsup config, ESM only, no
 * .d.ts) into a scratch folder inside the package (so its dependencies resolve), and returns
 * that folder: the `dist/` a consumer's bundler sees, always fresh from `src/`.
 */
export async function buildDist(): Promise<{ dir: string; cleanup: () => void }> {
  const dir = join(root, 'node_modules', '.cache', `bundle-test-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const configs = (Array.isArray(config) ? config : [config]) as { format?: string[] }[];
  const options = configs.find((c) => c.format?.includes('esm')) ?? configs[0];
  await tsup({
    ...(options as object),
    config: false,
    outDir: dir,
    format: ['esm'],
    dts: false,
    clean: false,
    silent: true,
  });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface BundleResult {
  code: string;
  gzip: number;
  metafile: Metafile;
  /** Every module esbuild read (metafile `inputs`), tree-shaken away or not. */
  inputs: string[];
  /** The modules with code in the bundle (`bytesInOutput > 0`). */
  included: string[];
}

/** Bundles `contents` (an ES module) with esbuild, minified, as a consumer's app would. */
export async function bundle(
  contents: string,
  resolveDir: string,
  options: BuildOptions = {},
): Promise<BundleResult> {
  const result = await esbuild({
    stdin: { contents, resolveDir, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
    ...options,
  });
  const code = result.outputFiles![0]!.text;
  return {
    code,
    gzip: gzipSync(code).length,
    metafile: result.metafile!,
    inputs: Object.keys(result.metafile!.inputs),
    included: Object.entries(Object.values(result.metafile!.outputs)[0]?.inputs ?? {})
      .filter(([, v]) => v.bytesInOutput > 0)
      .map(([k]) => k),
  };
}
