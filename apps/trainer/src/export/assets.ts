/**
 * The static files of an export's page: `index.html` and `detect.js` (built by tsup into
 * `dist/page/` from `src/page/`), and the tfjs builds the page loads, copied from this
 * trainer's node_modules into `tfjs/` (no CDN: the page works offline).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrainerError } from '../errors.js';
import type { ExportAsset } from './folder.js';
import type { ModelFormat } from './labels.js';

const require = createRequire(import.meta.url);

/** The page is not built (run the trainer's build), or a tfjs build is missing. */
export class ExportAssetError extends TrainerError {
  override name = 'ExportAssetError';
}

function distOf(pkg: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'dist');
}

/** The folder holding the built page (`dist/page/`), from the bundle or from the sources. */
export function pageDir(): string {
  const candidates = [
    fileURLToPath(new URL('./page/', import.meta.url)),
    fileURLToPath(new URL('../../dist/page/', import.meta.url)),
  ];
  const dir = candidates.find((d) => existsSync(join(d, 'detect.js')));
  if (!dir)
    throw new ExportAssetError(
      `the export page is not built (no detect.js in ${candidates.join(' or ')}): run pnpm --filter @burnin/trainer build`,
    );
  return dir;
}

/** The tfjs builds of the page, by file name under `tfjs/`. */
export function tfjsAssets(format: ModelFormat): ExportAsset[] {
  const core = distOf('@tensorflow/tfjs-core');
  const wasm = distOf('@tensorflow/tfjs-backend-wasm');
  const list: ExportAsset[] = [
    { from: join(core, 'tf-core.min.js'), name: 'tfjs/tf-core.min.js' },
    {
      from: join(distOf('@tensorflow/tfjs-backend-cpu'), 'tf-backend-cpu.min.js'),
      name: 'tfjs/tf-backend-cpu.min.js',
    },
    {
      from: join(distOf('@tensorflow/tfjs-backend-webgl'), 'tf-backend-webgl.min.js'),
      name: 'tfjs/tf-backend-webgl.min.js',
    },
    { from: join(wasm, 'tf-backend-wasm.min.js'), name: 'tfjs/tf-backend-wasm.min.js' },
    ...[
      'tfjs-backend-wasm.wasm',
      'tfjs-backend-wasm-simd.wasm',
      'tfjs-backend-wasm-threaded-simd.wasm',
    ].map((f) => ({ from: join(wasm, f), name: `tfjs/${f}` })),
    format === 'graph'
      ? {
          from: join(distOf('@tensorflow/tfjs-converter'), 'tf-converter.min.js'),
          name: 'tfjs/tf-converter.min.js',
        }
      : {
          from: join(distOf('@tensorflow/tfjs-layers'), 'tf-layers.min.js'),
          name: 'tfjs/tf-layers.min.js',
        },
  ];
  for (const a of list)
    if (!existsSync(a.from))
      throw new ExportAssetError(
        `the tfjs build ${a.from} is missing: reinstall the trainer's dependencies`,
      );
  return list;
}

/** Every static file of the page: `index.html`, `detect.js` and the tfjs builds. */
export function pageAssets(format: ModelFormat): ExportAsset[] {
  const dir = pageDir();
  return [
    { from: join(dir, 'index.html'), name: 'index.html' },
    { from: join(dir, 'detect.js'), name: 'detect.js' },
    ...tfjsAssets(format),
  ];
}
