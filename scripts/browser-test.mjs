#!/usr/bin/env node
// `pnpm test:browser`: the packages in a real browser. Packs the packages (their built dist/:
// run `pnpm build` first), installs the tarballs into a fresh npm project outside the workspace,
// bundles e2e/browser/ (index.html + main.ts) with vite, serves it on 127.0.0.1 (the
// tfjs-backend-wasm .wasm files under /wasm/) and opens it in headless Chromium (Debian's
// `chromium`, driven by playwright-core; --no-sandbox when root). The page trains a few
// scheduled steps on wasm and on cpu, computes a loss and a COCO evaluation; this script checks
// that every update used the schedule's rate, that the loss is finite and goes down at every
// step, that nothing leaked, and that COCO AP equals what @burnin/metrics gives in Node on the
// same data.
//
// Options: --keep (keep the temp folder), --verbose; CHROMIUM=/path/to/chromium in the environment.
import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { killChildren } from './e2e/lib.mjs';
import { installConsumer, packAll } from './readme/consumer.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const verbose = process.argv.includes('--verbose');
const started = performance.now();
const temp = mkdtempSync(join(tmpdir(), 'burnin-browser-'));
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) =>
      !/^(npm_(command|lifecycle_|package_|execpath|node_execpath)|npm_config_(user_agent|verify_deps_before_run)|pnpm_config_|PNPM_|INIT_CWD)/i.test(
        k,
      ),
  ),
);
const log = (chunk) => {
  if (verbose) process.stdout.write(chunk);
};
const seconds = (t) => `${((performance.now() - t) / 1000).toFixed(1)} s`;
const GT = 'packages/metrics/test/fixtures/coco/fx1_gt.json';
const DT = 'packages/metrics/test/fixtures/coco/fx1_dt.json';

let server;
let browser;
async function cleanup() {
  killChildren();
  await browser?.close().catch(() => {});
  await new Promise((r) => (server ? server.close(r) : r()));
  if (keep) console.log(`kept ${temp}`);
  else rmSync(temp, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => cleanup().finally(() => process.exit(130)));
}

const failures = [];
function check(ok, what, detail = '') {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `: ${detail}`}`);
  if (!ok) failures.push(what);
}

const MIME = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css',
};

/** A static server for `root` on 127.0.0.1 (a free port); resolves to its URL. */
function serve(root) {
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    let file = join(root, path);
    if (!file.startsWith(root + sep) && file !== root) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolveUrl) =>
    server.listen(0, '127.0.0.1', () => resolveUrl(`http://127.0.0.1:${server.address().port}/`)),
  );
}

function findChromium() {
  const fromEnv = env.CHROMIUM;
  if (fromEnv) return fromEnv;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'])
    if (existsSync(p)) return p;
  throw new Error('no chromium found: apt-get install -y chromium (or set CHROMIUM=/path/to/it)');
}

async function main() {
  let t = performance.now();
  const tarballs = await packAll(repo, join(temp, 'tarballs'), env);
  const app = join(temp, 'page');
  const names = [
    '@burnin/backend',
    '@burnin/losses',
    '@burnin/metrics',
    '@burnin/schedules',
    '@burnin/tfjs-adapter',
    '@tensorflow/tfjs-core',
    '@tensorflow/tfjs-backend-cpu',
    '@tensorflow/tfjs-backend-wasm',
  ];
  await installConsumer(app, {
    names,
    tarballs,
    repo,
    type: 'module',
    devDependencies: {},
    env,
    log,
  });
  console.log(`packed and installed ${names.join(' ')} (${seconds(t)})`);

  // The page, its data and the .wasm files (public/ is copied as is by vite).
  t = performance.now();
  for (const f of ['index.html', 'main.ts'])
    copyFileSync(join(repo, 'e2e', 'browser', f), join(app, f));
  mkdirSync(join(app, 'public', 'wasm'), { recursive: true });
  copyFileSync(join(repo, GT), join(app, 'public', 'gt.json'));
  copyFileSync(join(repo, DT), join(app, 'public', 'dt.json'));
  const wasmDist = join(app, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  for (const f of readdirSync(wasmDist).filter((f) => f.endsWith('.wasm')))
    copyFileSync(join(wasmDist, f), join(app, 'public', 'wasm', f));
  const built = await build({
    root: app,
    logLevel: verbose ? 'info' : 'warn',
    configFile: false,
    build: {
      outDir: join(app, 'dist'),
      target: 'es2022',
      emptyOutDir: true,
      chunkSizeWarningLimit: 10_000,
    },
  });
  const output = (Array.isArray(built) ? built : [built]).flatMap((b) => b.output ?? []);
  const bundled = output.flatMap((o) => Object.keys(o.modules ?? {}));
  check(
    bundled.some((m) => m.includes('@burnin/backend/dist/browser.js')),
    "vite bundled @burnin/backend's browser entry",
  );
  check(
    !bundled.some((m) => /wasm-threads|@burnin\/backend\/dist\/index\.js/.test(m)),
    'and not its Node entry',
  );
  console.log(`  vite build (${seconds(t)})`);

  // The same COCO evaluation in Node, from the installed package.
  const requireFromApp = createRequire(join(app, 'package.json'));
  const metrics = await import(pathToFileURL(requireFromApp.resolve('@burnin/metrics')).href);
  const node = await import(pathToFileURL(requireFromApp.resolve('@burnin/metrics/node')).href);
  const nodeStats = (await node.evaluateCocoFiles(join(repo, GT), join(repo, DT))).stats;
  check(
    typeof metrics.CocoEvaluator === 'function',
    '@burnin/metrics loads in Node from the same install',
  );

  t = performance.now();
  const url = await serve(join(app, 'dist'));
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  browser = await chromium.launch({ executablePath: findChromium(), headless: true, args });
  const page = await browser.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(
    () => window.__burnin !== undefined || window.__burninError !== undefined,
    null,
    { timeout: 180_000 },
  );
  const error = await page.evaluate(() => window.__burninError);
  if (error) throw new Error(`the page failed: ${error}\n${consoleLines.join('\n')}`);
  const result = await page.evaluate(() => window.__burnin);
  console.log(
    `  ${browser.version ? `Chromium ${browser.version()}` : 'Chromium'}: page done (${seconds(t)})`,
  );
  if (verbose) console.log(JSON.stringify(result, null, 2), consoleLines.join('\n'));

  check(
    result.auto.name === 'wasm',
    `initBackend('auto') in the page picks wasm (no GPU backend imported): ${result.auto.reason}`,
  );
  for (const [k, run] of result.runs.entries()) {
    const name = run.backend;
    check(
      name === ['wasm', 'cpu'][k],
      `run ${k + 1} trained on ${['wasm', 'cpu'][k]} (${run.reason})`,
      `got ${name}`,
    );
    check(run.ourConvFilterGrad, `${name}: a Conv2DBackpropFilter kernel is registered`);
    const worst = Math.max(
      ...run.rates.map((r, k) => Math.abs(r - run.scheduled[k]) / run.scheduled[k]),
    );
    check(
      run.rates.length === run.scheduled.length && worst < 1e-5,
      `${name}: every update used the schedule's rate (${run.scheduled.join(', ')}; worst relative error ${worst.toExponential(1)})`,
      `rates ${run.rates.join(', ')}`,
    );
    const finite = run.losses.every(Number.isFinite);
    const down = run.losses.every((l, k) => k === 0 || l < run.losses[k - 1]);
    check(
      finite && down,
      `${name}: the loss is finite and goes down at every step (${run.losses.map((l) => l.toFixed(4)).join(' > ')})`,
    );
    check(
      Math.abs(run.giou - result.runs[0].giou) < 1e-6 && Number.isFinite(run.giou),
      `${name}: giouLoss = ${run.giou}`,
    );
    check(run.leaked === 0, `${name}: no tensors leaked`, `${run.leaked} left`);
  }
  const same =
    result.cocoStats.length === 12 && result.cocoStats.every((v, i) => v === nodeStats[i]);
  check(
    same,
    `COCO stats in the page equal @burnin/metrics in Node (AP ${nodeStats[0]})`,
    `page ${result.cocoStats.join(', ')} vs node ${nodeStats.join(', ')}`,
  );
  console.log(
    `\nbrowser test: ${failures.length === 0 ? 'passed' : `${failures.length} failed`} (${seconds(started)})`,
  );
  if (failures.length > 0) process.exitCode = 1;
}

main()
  .catch((error) => {
    console.error(`browser-test: ${error.message}\n${error.detail ?? ''}`);
    process.exitCode = 1;
  })
  .finally(cleanup);
