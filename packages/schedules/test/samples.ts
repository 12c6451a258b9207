import * as lib from '../src/index.js';
import { loadReference } from './helpers.js';

type Factory = (options: unknown) => lib.Schedule;

lib.registerLambda('samples.decay', (e) => 0.9 ** e);

/** At least one schedule of every type `fromJSON` knows (reference cases plus extras). */
export function samples(): lib.Schedule[] {
  const out: lib.Schedule[] = [];
  for (const c of loadReference()) {
    out.push((lib as unknown as Record<string, Record<string, Factory>>)[c.lib][c.fn](c.opts));
  }
  const lin = lib.linear({ from: 0, to: 1, steps: 10 });
  const cos = lib.cosine({ from: 1, to: 0.1, steps: 90, exponent: 2 });
  out.push(
    lib.constant({ value: 0.1 }),
    lin,
    cos,
    lib.polynomial({ from: 1, to: 0, steps: 50, power: 0.5 }),
    lib.exponential({ from: 1, rate: 0.9, steps: 3, staircase: true }),
    lib.piecewiseConstant({ boundaries: [5, 10], values: [1, 0.1, 0.01] }),
    lib.piecewiseInterpolate({ boundaries: [0, 5, 10], values: [0, 1, 0], kind: 'cosine' }),
    lib.join([lin, cos], [10]),
    lib.warmup(cos, { steps: 5, from: 0.01 }),
    lib.scale(cos, 0.5),
    lib.clamp(cos, { min: 0.2, max: 0.8 }),
    lib.torch.cyclicLRMomentum({ baseLr: 0.1, maxLr: 1, stepSizeUp: 5 }),
    lib.torch.oneCycleLRMomentum({ maxLr: 1, totalSteps: 100 }),
    lib.torch.sequentialLR({
      schedulers: [
        lib.torch.linearLR({ lr: 1, totalIters: 5 }),
        lib.torch.cosineAnnealingLR({ lr: 1, tMax: 20 }),
      ],
      milestones: [5],
    }),
    lib.torch.lambdaLR({ lr: 0.1, lrLambda: 'samples.decay' }),
    lib.torch.multiplicativeLR({ lr: 0.1, lrLambda: 'samples.decay' }),
    lib.torch.chainedScheduler([
      lib.torch.constantLR({ lr: 1, factor: 0.5, totalIters: 3 }),
      lib.torch.exponentialLR({ lr: 1, gamma: 0.9 }),
    ]),
    lib.torch.swaLR({ lr: 0.1, swaLr: 0.01, annealEpochs: 5 }),
    lib.torch.reduceLROnPlateau({ lr: 0.1, metrics: [1, 0.9, 0.9, 0.9, 0.8], patience: 1 }),
    lib.torch.cyclicLR({ baseLr: 0.1, maxLr: 1, stepSizeUp: 5, scaleFn: 'samples.decay' }),
    lib.optax.warmupConstantSchedule({ initValue: 0, peakValue: 1, warmupSteps: 10 }),
    lib.darknet.schedule({ learningRate: 0.01, burnIn: 10, policy: 'random', seed: 7 }),
    lib.optax.constantSchedule({ value: 3 }),
    lib.optax.linearSchedule({ initValue: 0, endValue: 1, transitionSteps: 10 }),
    lib.optax.cosineDecaySchedule({ initValue: 1, decaySteps: 100, alpha: 0.1 }),
    lib.optax.warmupExponentialDecaySchedule({
      initValue: 0,
      peakValue: 1,
      warmupSteps: 10,
      transitionSteps: 5,
      decayRate: 0.5,
      endValue: 0.01,
    }),
    lib.optax.piecewiseInterpolateSchedule({
      interpolateType: 'linear',
      initValue: 1,
      boundariesAndScales: { 10: 2, 20: 0.1 },
    }),
    lib.optax.sgdrSchedule({
      cosineKwargs: [
        { initValue: 0, peakValue: 1, warmupSteps: 5, decaySteps: 50 },
        { initValue: 0, peakValue: 0.5, warmupSteps: 5, decaySteps: 100 },
      ],
    }),
    lib.optax.joinSchedules({ schedules: [lin, cos], boundaries: [10] }),
    lib.darknet.schedule({ learningRate: 0.01, burnIn: 10, policy: 'sgdr', sgdrCycle: 20 }),
    lib.ultralytics.schedule({ iterationsPerEpoch: 50, cosLr: true }),
    lib.ultralytics.momentum({ iterationsPerEpoch: 50 }),
  );
  return out;
}

/** The largest step a schedule accepts (torch OneCycleLR and darknet poly stop). */
export function lastStep(s: lib.Schedule): number {
  const o = s.spec.options;
  if (s.spec.type.startsWith('torch.oneCycleLR')) return o.totalSteps as number;
  if (s.spec.type === 'torch.reduceLROnPlateau') return (o.metrics as number[]).length;
  if (s.spec.type === 'darknet.schedule' && o.policy === 'poly') return o.maxBatches as number;
  return Number.MAX_SAFE_INTEGER;
}
