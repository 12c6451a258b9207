#!/usr/bin/env node
// `pnpm test:export`: the page of `burnin export` in a real browser. Trains a small run with the
// built CLI (apps/trainer/dist: run `pnpm build` first), draws a PNG test image, runs
// `burnin predict --json` on it, exports the run (graph, and layers), serves each export folder
// on 127.0.0.1 and opens `index.html?src=test.png&score=S&backend=B` in headless Chromium
// (Debian's `chromium`, driven by playwright-core; WebGL through SwiftShader), with every
// request that leaves 127.0.0.1 refused (the page must work offline). Checks that the page ran
// on the backend asked for (tf.getBackend()), decoded the PNG to the same pixels as sharp, and
// found the same detections as `predict --json`: same classes, boxes within 0.5 px, scores
// within 1e-3; and that `<pre id="detections">` holds them.
//
// Options: --keep (keep the temp folder), --verbose; CHROMIUM=/path/to/chromium in the environment.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const trainer = join(repo, 'apps', 'trainer');
const cli = join(trainer, 'dist', 'cli.js');
const sharp = createRequire(join(trainer, 'package.json'))('sharp');
const keep = process.argv.includes('--keep');
const verbose = process.argv.includes('--verbose');
const started = performance.now();
const temp = mkdtempSync(join(tmpdir(), 'burnin-export-browser-'));
const seconds = (t) => `${((performance.now() - t) / 1000).toFixed(1)} s`;
/** Minimum score of both sides: low enough that the small run finds several objects. */
const SCORE = 0.2;
const BOX_TOL = 0.5;
const SCORE_TOL = 1e-3;

const failures = [];
function check(ok, what, detail = '') {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `: ${detail}`}`);
  if (!ok) failures.push(what);
}

let browser;
const servers = [];
async function cleanup() {
  await browser?.close().catch(() => {});
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  if (keep) console.log(`kept ${temp}`);
  else rmSync(temp, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(signal, () => cleanup().finally(() => process.exit(130)));

function burnin(args) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: temp });
  if (verbose) process.stdout.write(r.stdout + r.stderr);
  if (r.status !== 0)
    throw new Error(`burnin ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const MIME = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.bin': 'application/octet-stream',
};

/** A static server for `root` on 127.0.0.1 (a free port); resolves to its URL. */
function serve(root) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    let file = join(root, path);
    if (!file.startsWith(root + sep) && file !== root) return res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  servers.push(server);
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${server.address().port}/`)),
  );
}

function findChromium() {
  const env = { ...process.env };
  if (env.CHROMIUM) return env.CHROMIUM;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'])
    if (existsSync(p)) return p;
  throw new Error('no chromium found: apt-get install -y chromium (or set CHROMIUM=/path/to/it)');
}

/** FNV-1a of bytes, as the page computes it. */
function fnv(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** A 120 x 90 PNG of shapes like the synthetic training set's (letterboxing resizes it). */
async function testImage(file) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="90">
    <defs><linearGradient id="g"><stop offset="0" stop-color="#3a3f58"/><stop offset="1" stop-color="#7d6a52"/></linearGradient></defs>
    <rect width="120" height="90" fill="url(#g)"/>
    <circle cx="30" cy="30" r="16" fill="#f0d040"/>
    <rect x="68" y="12" width="30" height="30" fill="#40c0f0"/>
    <polygon points="60,84 80,50 100,84" fill="#f05060"/>
    <circle cx="22" cy="70" r="9" fill="#60f080"/>
  </svg>`;
  const png = await sharp(Buffer.from(svg)).flatten().png().toBuffer();
  writeFileSync(file, png);
  const { data } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return fnv(data);
}

/** One-to-one match of page detections against predict's (same class, box, score). */
function compare(want, got) {
  if (!Array.isArray(got)) return `no detections array (${JSON.stringify(got)})`;
  if (got.length !== want.length) return `${got.length} detections, predict has ${want.length}`;
  const used = new Set();
  let worstBox = 0;
  let worstScore = 0;
  for (const w of want) {
    const k = got.findIndex(
      (g, i) =>
        !used.has(i) &&
        g.category_id === w.category_id &&
        g.bbox.every((v, j) => Math.abs(v - w.bbox[j]) <= BOX_TOL) &&
        Math.abs(g.score - w.score) <= SCORE_TOL,
    );
    if (k < 0) return `no match for ${JSON.stringify(w)}`;
    used.add(k);
    worstBox = Math.max(worstBox, ...got[k].bbox.map((v, j) => Math.abs(v - w.bbox[j])));
    worstScore = Math.max(worstScore, Math.abs(got[k].score - w.score));
  }
  return { worstBox, worstScore };
}

async function main() {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run pnpm build first`);
  let t = performance.now();
  const config = join(temp, 'run.json');
  writeFileSync(
    config,
    JSON.stringify({
      data: { imageSize: 64, trainSize: 512, valSize: 8, maxObjects: 3 },
      model: { widths: [8, 16, 16], headWidth: 16 },
      train: { steps: 300, batchSize: 8, logEvery: 50, evalEvery: 300, checkpointEvery: 300 },
    }),
  );
  burnin(['train', '--preset', 'smoke', '--config', config, '--out', 'run', '--threads', '1']);
  console.log(`trained a small run (${seconds(t)})`);

  const image = join(temp, 'test.png');
  const sharpHash = await testImage(image);
  const want = JSON.parse(
    burnin(['predict', '--checkpoint', 'run', image, '--json', '--score', String(SCORE)]),
  );
  check(want.length >= 2, `predict --json finds ${want.length} objects at score >= ${SCORE}`);

  const exports = [];
  for (const format of ['graph', 'layers']) {
    const out = join(temp, `export-${format}`);
    burnin(['export', '--checkpoint', 'run', '--out', out, '--format', format]);
    copyFileSync(image, join(out, 'test.png'));
    exports.push({ format, out, url: await serve(out) });
  }
  console.log(`exported graph and layers (${seconds(t)})`);

  t = performance.now();
  const args = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  browser = await chromium.launch({ executablePath: findChromium(), headless: true, args });
  console.log(`  Chromium ${browser.version()}`);
  const runs = [
    { format: 'graph', backend: 'webgl' },
    { format: 'graph', backend: 'wasm' },
    { format: 'layers', backend: 'wasm' },
  ];
  for (const run of runs) {
    const ex = exports.find((e) => e.format === run.format);
    const context = await browser.newContext();
    const outside = [];
    await context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.hostname === '127.0.0.1') return route.continue();
      outside.push(u.href);
      return route.abort();
    });
    const page = await context.newPage();
    const lines = [];
    page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
    const name = `${run.format} model on ${run.backend}`;
    await page.goto(`${ex.url}index.html?src=test.png&score=${SCORE}&backend=${run.backend}`);
    await page.waitForFunction(() => ['done', 'error'].includes(window.burnin?.state), null, {
      timeout: 180_000,
    });
    const r = await page.evaluate(() => window.burnin);
    const pre = await page.textContent('#detections');
    if (verbose) console.log(JSON.stringify(r), lines.join('\n'));
    check(r.state === 'done', `${name}: the page ran`, `${r.error}\n${lines.join('\n')}`);
    check(r.backend === run.backend, `${name}: tf.getBackend() is ${r.backend}`);
    check(outside.length === 0, `${name}: no request left 127.0.0.1`, outside.join(', '));
    check(
      r.pixels?.hash === sharpHash && r.pixels.width === 120 && r.pixels.height === 90,
      `${name}: the browser decoded the PNG to sharp's pixels (FNV ${sharpHash})`,
      JSON.stringify(r.pixels),
    );
    const c = compare(want, r.detections);
    check(
      typeof c === 'object',
      typeof c === 'object'
        ? `${name}: the same ${want.length} detections as predict --json (worst box ${c.worstBox.toFixed(3)} px, score ${c.worstScore.toExponential(1)})`
        : `${name}: the same detections as predict --json`,
      typeof c === 'string' ? c : '',
    );
    check(pre === JSON.stringify(r.detections), `${name}: <pre id="detections"> holds them`);
    await context.close();
  }
  console.log(`  pages (${seconds(t)})`);
  console.log(
    `\nexport browser test: ${failures.length === 0 ? 'passed' : `${failures.length} failed`} (${seconds(started)})`,
  );
  if (failures.length > 0) process.exitCode = 1;
}

main()
  .catch((error) => {
    console.error(`export-browser-test: ${error.message}`);
    process.exitCode = 1;
  })
  .finally(cleanup);
