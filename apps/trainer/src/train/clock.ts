/** Time a run has spent, summed over its resumed segments. */
export interface RunTime {
  /** Wall seconds. */
  wallSec: number;
  /** CPU seconds (user + system) of the trainer process. */
  cpuSec: number;
  /** Wall milliseconds inside training steps (batch, gradients, update). */
  trainMs: number;
  /** Images trained on. */
  images: number;
}

/** Measures a run segment on top of the time of the segments before it. */
export interface RunClock {
  /** Counts one training step of `ms` wall milliseconds over `images` images. */
  addStep(ms: number, images: number): void;
  /** The run's time so far: the earlier segments' plus this one's. */
  elapsed(): RunTime;
}

/** Starts the clock of a run segment now; `before` is the time of the earlier segments. */
export function startClock(before: RunTime): RunClock {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let trainMs = 0;
  let images = 0;
  return {
    addStep(ms, n) {
      trainMs += ms;
      images += n;
    },
    elapsed() {
      const c = process.cpuUsage(cpu0);
      return {
        wallSec: before.wallSec + (performance.now() - t0) / 1000,
        cpuSec: before.cpuSec + (c.user + c.system) / 1e6,
        trainMs: before.trainMs + trainMs,
        images: before.images + images,
      };
    },
  };
}
