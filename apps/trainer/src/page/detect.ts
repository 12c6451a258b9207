/// <reference lib="dom" />
/**
 * The exported page's script (bundled by tsup into `detect.js`; `@tensorflow/tfjs-core` is the
 * page's global `tf`, from the tfjs builds in `tfjs/`). It loads the model as labels.json says,
 * letterboxes an image with the trainer's own code (`model/letterbox.ts`) and decodes with the
 * trainer's own rules (`model/decode.ts`), so it finds what `burnin predict --json` finds.
 *
 * `index.html?src=IMAGE&score=S&backend=webgl|wasm|cpu` detects on IMAGE at load. The result is
 * written into `<pre id="detections">` and `window.burnin` (`{ state, backend, detections,
 * input }`); a file picker and drag-and-drop run it on the user's images.
 */
import * as tf from '@tensorflow/tfjs-core';
import { decodeDetections, type ImageResult, toImageResults } from '../model/decode.js';
import { flattenRgba, letterboxRgb } from '../model/letterbox.js';

interface Labels {
  modelFormat: 'graph' | 'layers';
  classNames: string[];
  inputSize: number;
  input: string;
  outputs: string[];
  decode: { topK: number; scoreThreshold: number; nmsIou: number };
  minScore: number;
}

interface Model {
  run(x: tf.Tensor4D): tf.Tensor4D[];
}

interface PageState {
  state: 'loading' | 'ready' | 'done' | 'error';
  backend?: string;
  error?: string;
  detections?: ImageResult[];
  /** The letterboxed input: its size and an FNV-1a hash of its values as bytes (v * 255). */
  input?: { size: number; hash: string; sum: number };
  /** The decoded image (RGB bytes after alpha over grey): its size and FNV-1a hash. */
  pixels?: { width: number; height: number; hash: string };
}

type Tf = typeof tf & {
  wasm?: { setWasmPaths(p: string): void };
  loadGraphModel?(url: string): Promise<{ execute(i: object, o: string[]): tf.Tensor[] }>;
  loadLayersModel?(url: string): Promise<{ predict(x: tf.Tensor): tf.Tensor[] }>;
};
/** The page's global tf, which tf-converter / tf-layers extend when their script loads. */
const tfx = (): Tf => (globalThis as unknown as { tf: Tf }).tf;
const state: PageState = { state: 'loading' };
(window as unknown as { burnin: PageState }).burnin = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (t: string) => {
  $('status').textContent = t;
};

/** FNV-1a of bytes (or of [0, 1] floats as bytes, v * 255), and their sum. */
function digest(values: ArrayLike<number>, unit: number): { hash: string; sum: number } {
  let h = 0x811c9dc5;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const b = Math.round(values[i] * unit);
    sum += b;
    h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return { hash: h.toString(16).padStart(8, '0'), sum };
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

async function setBackend(wanted: string | null): Promise<string> {
  tfx().wasm?.setWasmPaths('tfjs/');
  for (const name of wanted ? [wanted] : ['webgl', 'wasm', 'cpu']) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return tf.getBackend();
      }
    } catch {
      // try the next one
    }
  }
  throw new Error(`backend ${wanted ?? 'webgl, wasm or cpu'} is not available in this browser`);
}

async function loadModel(labels: Labels): Promise<Model> {
  if (labels.modelFormat === 'graph') {
    await loadScript('tfjs/tf-converter.min.js');
    const m = await (tfx().loadGraphModel as NonNullable<Tf['loadGraphModel']>)('model.json');
    return { run: (x) => m.execute({ [labels.input]: x }, labels.outputs) as tf.Tensor4D[] };
  }
  await loadScript('tfjs/tf-layers.min.js');
  const m = await (tfx().loadLayersModel as NonNullable<Tf['loadLayersModel']>)('model.json');
  return { run: (x) => m.predict(x) as tf.Tensor4D[] };
}

/** Decoded RGBA of an image, without colour conversion, as the browser orients it (EXIF). */
async function decodeImage(blob: Blob): Promise<{ rgba: Uint8ClampedArray; bitmap: ImageBitmap }> {
  const bitmap = await createImageBitmap(blob, {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
    imageOrientation: 'from-image',
  });
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  ctx.drawImage(bitmap, 0, 0);
  return { rgba: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data, bitmap };
}

const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6'];

function draw(bitmap: ImageBitmap, results: ImageResult[]): void {
  const canvas = $<HTMLCanvasElement>('view');
  const zoom = Math.max(1, Math.floor(480 / Math.max(bitmap.width, bitmap.height)));
  canvas.width = bitmap.width * zoom;
  canvas.height = bitmap.height * zoom;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 2;
  ctx.font = '13px monospace';
  results.forEach((r, i) => {
    const [x, y, w, h] = r.bbox.map((v) => v * zoom);
    const c = COLORS[(r.category_id - 1) % COLORS.length];
    ctx.strokeStyle = c;
    ctx.strokeRect(x, y, w, h);
    const text = `${r.category} ${r.score.toFixed(2)}`;
    ctx.fillStyle = c;
    const ty = y >= 16 ? y - 16 : y;
    ctx.fillRect(x, ty, ctx.measureText(text).width + 6, 16);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, x + 3, ty + 12);
    if (i > 200) return;
  });
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  state.backend = await setBackend(params.get('backend'));
  const labels = (await (await fetch('labels.json')).json()) as Labels;
  const model = await loadModel(labels);
  const scoreInput = $<HTMLInputElement>('score');
  const fromUrl = params.get('score');
  if (fromUrl !== null) {
    const s = Number(fromUrl);
    if (!(fromUrl.trim() !== '' && s >= 0 && s <= 1))
      throw new Error(`score must be a number in [0, 1], got ${JSON.stringify(fromUrl)}`);
    scoreInput.value = String(s);
  } else scoreInput.value = String(labels.minScore);
  state.state = 'ready';
  status(
    `model ready (${labels.modelFormat}, ${labels.classNames.length} classes, input ${labels.inputSize} px) on ${state.backend}`,
  );

  const detect = async (blob: Blob, name: string) => {
    const minScore = Number(scoreInput.value);
    if (!(minScore >= 0 && minScore <= 1))
      throw new Error(`score must be in [0, 1], got ${scoreInput.value}`);
    const { rgba, bitmap } = await decodeImage(blob);
    const rgb = flattenRgba(rgba, bitmap.width, bitmap.height);
    const input = letterboxRgb(rgb, bitmap.width, bitmap.height, labels.inputSize);
    const S = labels.inputSize;
    const x = tf.tensor4d(input.image, [1, S, S, 3]);
    const [heatmap, reg] = model.run(x);
    let results: ImageResult[];
    try {
      const dets = decodeDetections(heatmap, reg, labels.decode)[0];
      results = toImageResults(dets, input, labels.classNames, minScore);
    } finally {
      tf.dispose([x, heatmap, reg]);
    }
    state.detections = results;
    state.input = { size: S, ...digest(input.image, 255) };
    state.pixels = { width: bitmap.width, height: bitmap.height, hash: digest(rgb, 1).hash };
    $('detections').textContent = JSON.stringify(results);
    draw(bitmap, results);
    status(`${name}: ${results.length} detections (score >= ${minScore}) on ${state.backend}`);
  };
  const run = (p: Promise<void>) =>
    p.catch((e: Error) => {
      state.error = e.message;
      status(`error: ${e.message}`);
    });

  $<HTMLInputElement>('file').addEventListener('change', (ev) => {
    const f = (ev.target as HTMLInputElement).files?.[0];
    if (f) run(detect(f, f.name));
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (ev) => {
    ev.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    const f = ev.dataTransfer?.files?.[0];
    if (f) run(detect(f, f.name));
  });

  const src = params.get('src');
  if (src) {
    const res = await fetch(src);
    if (!res.ok) throw new Error(`cannot load ${src}: HTTP ${res.status}`);
    await detect(await res.blob(), src);
  }
  state.state = 'done';
}

main().catch((e: Error) => {
  state.state = 'error';
  state.error = e.message;
  status(`error: ${e.message}`);
});
