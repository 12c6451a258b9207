// Benchmark: evaluates each schedule family over 10^7 steps and prints ns/evaluation and
// bytes allocated per call. Run after `pnpm build`:
//   node --expose-gc --max-semi-space-size=64 bench/run.mjs [--steps N]
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../dist/index.js', import.meta.url))) {
  console.error('dist/ is missing: run `pnpm --filter @burnin/schedules build` first');
  process.exit(1);
}
const S = await import('../dist/index.js');

const argSteps = process.argv.indexOf('--steps');
const N = argSteps > 0 ? Number(process.argv[argSteps + 1]) : 10_000_000;
const ALLOC_CALLS = 1_000_000;
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc (bytes/call needs it)');
  process.exit(1);
}

const { tfod, keras, torch, optax, darknet, ultralytics } = S;
const cos = S.cosine({ from: 0.1, to: 0.001, steps: N });
const families = [
  ['constant', () => S.constant({ value: 0.1 })],
  ['linear', () => S.linear({ from: 0, to: 0.1, steps: N / 2 })],
  ['polynomial', () => S.polynomial({ from: 0.1, to: 0, steps: N, power: 0.9 })],
  ['exponential', () => S.exponential({ from: 0.1, rate: 0.96, steps: 1000, staircase: true })],
  ['cosine', () => cos],
  [
    'piecewiseConstant (3 boundaries)',
    () =>
      S.piecewiseConstant({
        boundaries: [N / 4, N / 2, (3 * N) / 4],
        values: [1, 0.1, 0.01, 0.001],
      }),
  ],
  [
    'piecewiseInterpolate (4 knots)',
    () =>
      S.piecewiseInterpolate({
        boundaries: [0, N / 4, N / 2, N],
        values: [0, 1, 0.5, 0],
        kind: 'cosine',
      }),
  ],
  [
    'join(linear, cosine)',
    () => S.join([S.linear({ from: 0, to: 0.1, steps: 1000 }), cos], [1000]),
  ],
  ['warmup(cosine)', () => S.warmup(cos, { steps: 1000 })],
  ['scale(cosine)', () => S.scale(cos, 2)],
  ['clamp(cosine)', () => S.clamp(cos, { min: 0.01 })],
  [
    'tfod.exponentialDecayWithBurnin',
    () =>
      S.exponentialDecayWithBurnin({
        learningRateBase: 0.004,
        learningRateDecaySteps: 800720,
        learningRateDecayFactor: 0.95,
        burninLearningRate: 0.002,
        burninSteps: 1000,
        minLearningRate: 1e-6,
      }),
  ],
  [
    'tfod.exponentialDecayWithWarmup',
    () =>
      tfod.exponentialDecayWithWarmup({
        learningRateBase: 0.004,
        learningRateDecaySteps: 1000,
        learningRateDecayFactor: 0.95,
        warmupSteps: 1000,
        staircase: false,
      }),
  ],
  [
    'tfod.cosineDecayWithWarmup',
    () =>
      tfod.cosineDecayWithWarmup({
        learningRateBase: 0.04,
        totalSteps: N,
        warmupLearningRate: 0.013,
        warmupSteps: 2000,
        holdBaseRateSteps: 100,
      }),
  ],
  [
    'tfod.manualStepping (3 boundaries, warmup)',
    () =>
      tfod.manualStepping({
        boundaries: [1000, N / 2, (3 * N) / 4],
        rates: [0.001, 0.01, 0.001, 0.0001],
        warmup: true,
      }),
  ],
  [
    'keras.exponentialDecay',
    () => keras.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96 }),
  ],
  [
    'keras.piecewiseConstantDecay',
    () => keras.piecewiseConstantDecay({ boundaries: [N / 4, N / 2], values: [1, 0.5, 0.1] }),
  ],
  [
    'keras.polynomialDecay (cycle)',
    () => keras.polynomialDecay({ initialLearningRate: 0.1, decaySteps: 100000, cycle: true }),
  ],
  [
    'keras.inverseTimeDecay',
    () => keras.inverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.5 }),
  ],
  [
    'keras.cosineDecay (warmup)',
    () =>
      keras.cosineDecay({
        initialLearningRate: 0,
        decaySteps: N,
        warmupTarget: 0.1,
        warmupSteps: 1000,
      }),
  ],
  [
    'keras.cosineDecayRestarts',
    () =>
      keras.cosineDecayRestarts({
        initialLearningRate: 0.1,
        firstDecaySteps: 1000,
        tMul: 2,
        mMul: 0.9,
      }),
  ],
  ['torch.stepLR', () => torch.stepLR({ lr: 0.1, stepSize: 1000, gamma: 0.5 })],
  ['torch.multiStepLR', () => torch.multiStepLR({ lr: 0.1, milestones: [N / 2, (3 * N) / 4] })],
  ['torch.constantLR', () => torch.constantLR({ lr: 0.1, factor: 0.5, totalIters: 1000 })],
  ['torch.linearLR', () => torch.linearLR({ lr: 0.1, startFactor: 0.1, totalIters: 1000 })],
  ['torch.exponentialLR', () => torch.exponentialLR({ lr: 0.1, gamma: 0.9999999 })],
  ['torch.polynomialLR', () => torch.polynomialLR({ lr: 0.1, totalIters: N, power: 0.9 })],
  ['torch.cosineAnnealingLR', () => torch.cosineAnnealingLR({ lr: 0.1, tMax: N })],
  [
    'torch.cosineAnnealingWarmRestarts (tMult 2)',
    () => torch.cosineAnnealingWarmRestarts({ lr: 0.1, t0: 1000, tMult: 2 }),
  ],
  [
    'torch.cyclicLR (triangular2)',
    () => torch.cyclicLR({ baseLr: 0.001, maxLr: 0.1, stepSizeUp: 2000, mode: 'triangular2' }),
  ],
  ['torch.oneCycleLR', () => torch.oneCycleLR({ maxLr: 0.1, totalSteps: N })],
  ['torch.oneCycleLRMomentum', () => torch.oneCycleLRMomentum({ maxLr: 0.1, totalSteps: N })],
  [
    'torch.sequentialLR(linearLR, cosineAnnealingLR)',
    () =>
      torch.sequentialLR({
        schedulers: [
          torch.linearLR({ lr: 0.1, totalIters: 1000 }),
          torch.cosineAnnealingLR({ lr: 0.1, tMax: N }),
        ],
        milestones: [1000],
      }),
  ],
  [
    'optax.exponentialDecay',
    () =>
      optax.exponentialDecay({
        initValue: 0.1,
        transitionSteps: 1000,
        decayRate: 0.5,
        transitionBegin: 100,
        endValue: 1e-5,
      }),
  ],
  [
    'optax.polynomialSchedule',
    () => optax.polynomialSchedule({ initValue: 0.1, endValue: 0, power: 2, transitionSteps: N }),
  ],
  [
    'optax.cosineDecaySchedule',
    () => optax.cosineDecaySchedule({ initValue: 0.1, decaySteps: N, alpha: 0.01 }),
  ],
  [
    'optax.warmupCosineDecaySchedule',
    () =>
      optax.warmupCosineDecaySchedule({
        initValue: 0,
        peakValue: 0.1,
        warmupSteps: 1000,
        decaySteps: N,
      }),
  ],
  [
    'optax.piecewiseConstantSchedule',
    () =>
      optax.piecewiseConstantSchedule({
        initValue: 0.1,
        boundariesAndScales: { 1000: 0.1, 100000: 0.1 },
      }),
  ],
  [
    'optax.linearOnecycleSchedule',
    () => optax.linearOnecycleSchedule({ transitionSteps: N, peakValue: 0.1 }),
  ],
  [
    'optax.sgdrSchedule (3 cycles)',
    () =>
      optax.sgdrSchedule({
        cosineKwargs: [1, 2, 4].map((k) => ({
          initValue: 0,
          peakValue: 0.1,
          warmupSteps: 100,
          decaySteps: Math.round((k * N) / 7),
        })),
      }),
  ],
  [
    'darknet.schedule (steps)',
    () =>
      darknet.schedule({
        learningRate: 0.001,
        burnIn: 1000,
        policy: 'steps',
        steps: [N / 2, (3 * N) / 4],
        scales: [0.1, 0.1],
      }),
  ],
  [
    'darknet.schedule (sgdr)',
    () => darknet.schedule({ learningRate: 0.001, burnIn: 1000, policy: 'sgdr', sgdrCycle: 1000 }),
  ],
  [
    'ultralytics.schedule (cos)',
    () => ultralytics.schedule({ iterationsPerEpoch: 1000, epochs: N / 1000, cosLr: true }),
  ],
];

// A fresh loop per family, so that every call site stays monomorphic as in a training loop.
const makeLoop = () =>
  new Function(
    's',
    'from',
    'to',
    'let acc = 0; for (let i = from; i < to; i++) acc += s(i); return acc;',
  );

let sink = 0;
const rows = [];
for (const [name, make] of families) {
  const s = make();
  const loop = makeLoop();
  for (let k = 0; k < 3; k++) sink += loop(s, 0, 200_000); // warm up (JIT)
  // bytes per call: young generation large enough (--max-semi-space-size=64) for no GC to run
  // Smallest of 3 measurements (the heap also grows for reasons unrelated to the loop).
  let bytes = Number.POSITIVE_INFINITY;
  for (let k = 0; k < 3; k++) {
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    sink += loop(s, 0, ALLOC_CALLS);
    const after = process.memoryUsage().heapUsed;
    bytes = Math.min(bytes, Math.max(0, after - before) / ALLOC_CALLS);
  }
  globalThis.gc();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  sink += loop(s, 0, N);
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  rows.push({ name, ns: Number(t1 - t0) / N, cpu: ((c1.user + c1.system) * 1000) / N, bytes });
}

const w = Math.max(...rows.map((r) => r.name.length));
const load = (await import('node:os')).loadavg()[0].toFixed(1);
console.log(
  `@burnin/schedules: ${N.toExponential(0)} evaluations per schedule, node ${process.version}, ${process.arch}, load average ${load}`,
);
console.log(
  'cpu = process CPU time per evaluation (robust on a shared machine); wall = elapsed time per evaluation',
);
const head = ['schedule'.padEnd(w), 'ns/eval cpu', 'ns/eval wall', 'bytes/call'];
console.log(`${head[0]}  ${head[1]}  ${head[2]}  ${head[3]}`);
console.log(`${'-'.repeat(w)}  ${'-'.repeat(11)}  ${'-'.repeat(12)}  ${'-'.repeat(10)}`);
for (const r of rows) {
  const cpu = r.cpu.toFixed(2).padStart(11);
  const wall = r.ns.toFixed(2).padStart(12);
  console.log(`${r.name.padEnd(w)}  ${cpu}  ${wall}  ${r.bytes.toFixed(3).padStart(10)}`);
}
const worst = rows.reduce((a, b) => (b.cpu > a.cpu ? b : a));
const maxBytes = Math.max(...rows.map((r) => r.bytes));
console.log(
  `\nslowest: ${worst.name} ${worst.cpu.toFixed(2)} ns/eval (cpu); max bytes/call ${maxBytes.toFixed(3)}`,
);
if (!Number.isFinite(sink)) console.log('(sink not finite)');
