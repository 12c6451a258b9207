/** Progress display: a redrawn bar on a TTY, periodic plain lines otherwise. */
export interface Progress {
  update(step: number, v: { loss: number; lr: number; ips: number }): void;
  /** A line that must stay visible (e.g. an evaluation result). */
  note(line: string): void;
  done(): void;
}

function fmtTime(sec: number): string {
  if (!Number.isFinite(sec)) return '--:--';
  const s = Math.round(sec);
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** Creates a progress display for `total` steps. */
export function createProgress(total: number, tty: boolean, log: (l: string) => void): Progress {
  const start = Date.now();
  let first = -1;
  let lastPrint = 0;
  let drawn = false;
  const line = (step: number, v: { loss: number; lr: number; ips: number }) => {
    if (first < 0) first = step - 1;
    const elapsed = (Date.now() - start) / 1000;
    const eta = ((total - step) * elapsed) / Math.max(1, step - first);
    return `step ${step}/${total} loss ${v.loss.toFixed(4)} lr ${v.lr.toExponential(2)} ${v.ips.toFixed(1)} img/s ETA ${fmtTime(eta)}`;
  };
  return {
    update(step, v) {
      if (tty) {
        const width = 24;
        const filled = Math.round((step / total) * width);
        const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
        process.stdout.write(`\r${bar} ${line(step, v)}\x1b[K`);
        drawn = true;
      } else if (Date.now() - lastPrint > 10_000 || step === total) {
        lastPrint = Date.now();
        log(line(step, v));
      }
    },
    note(l) {
      if (tty && drawn) process.stdout.write('\r\x1b[K');
      log(l);
    },
    done() {
      if (tty && drawn) process.stdout.write('\n');
      drawn = false;
    },
  };
}
