import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../backend.js';
import { resolveConfig, runThreads } from '../config.js';
import { applyBlock } from '../lrfind/apply.js';
import { renderLrFindHtml } from '../lrfind/html.js';
import { parseLrFindArgs } from '../lrfind/options.js';
import { describeStop, type LrFindFile, smoothedDrop, WEAK_DROP } from '../lrfind/result.js';
import { runLrFind } from '../lrfind/run.js';
import { RunExistsError } from '../run/errors.js';
import { makeDir, writeFileAtomic, writeJsonAtomic } from '../run/fs.js';
import { relaunchForGc, singleThreadedGc } from '../run/gc-mode.js';
import { onStopSignals } from '../run/relaunch.js';

/** Files in a folder that mark a training run, which lr-find never writes into. */
const RUN_MARKERS = ['config.resolved.json', 'metrics.jsonl', 'summary.json', 'checkpoints'];

/** Exit code after SIGINT / SIGTERM / SIGHUP stopped the test (results so far are written). */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/** Outcome of {@link runLrFindCommand}. */
export interface LrFindCommandResult {
  code: number;
  outDir: string;
  result?: LrFindFile;
}

/**
 * `burnin lr-find`: the learning-rate range test on a fresh model built from the run config
 * (`--preset`, `--config`), writing `lr-find.json` and `lr-find.html` into `--out` (default
 * `runs/lr-find-<timestamp>`). Exit 0 when the test ran (to the end or to divergence: both are
 * normal ends of a range test), 1 for bad input (a config field, an `--out` that holds a
 * training run or an earlier lr-find.json, an unwritable folder, `--apply` without a
 * suggestion), 2 for a usage error (bad `--start`, `--end`, `--steps`, `--threads`,
 * `--backend`, `--preset`), 130 / 143 / 129 after SIGINT / SIGTERM / SIGHUP (the points so far
 * are written).
 */
export async function runLrFindCommand(argv: string[]): Promise<LrFindCommandResult> {
  const o = parseLrFindArgs(argv);
  const config = resolveConfig({ preset: o.preset, configFile: o.config });
  const outDir = o.out ?? join('runs', `lr-find-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const held = RUN_MARKERS.filter((f) => existsSync(join(outDir, f)));
  if (held.length)
    throw new RunExistsError(
      `--out ${outDir} holds a training run (${held.join(', ')}); lr-find never writes into a run folder: pass a fresh --out`,
    );
  const jsonFile = join(outDir, 'lr-find.json');
  const htmlFile = join(outDir, 'lr-find.html');
  if (existsSync(jsonFile))
    throw new RunExistsError(
      `--out ${outDir} already holds lr-find.json (an earlier test); pass a fresh --out`,
    );
  // every core busy with a training thread: run again with V8's GC on those threads (gc-mode.ts)
  const relaunched = await relaunchForGc(
    runThreads(config, o.threads),
    o.out === undefined ? ['--out', outDir] : [],
  );
  if (relaunched !== null) return { code: relaunched, outDir };
  const log = (l: string) => console.log(l);
  const backend = await selectBackend(o.backend, log);
  makeDir(outDir);

  const controller = new AbortController();
  let stopCode = 0;
  const onSignal = (sig: keyof typeof SIGNAL_EXIT) => {
    if (controller.signal.aborted) process.exit(stopCode);
    stopCode = SIGNAL_EXIT[sig];
    try {
      console.log(`\n${sig}: stopping after this step (send it again to quit at once)`);
    } catch {} // the terminal may be gone (SIGHUP)
    controller.abort();
  };
  // a relaunched child takes these signals from its launcher (relaunch.ts), once each
  const offSignals = onStopSignals(onSignal);
  const every = Math.max(1, Math.round(o.steps / 10));
  let result: LrFindFile;
  try {
    log(
      `lr-find: ${o.steps} steps, lr ${o.start} -> ${o.end} (exponential), ${config.train.optimizer}, batch ${config.train.batchSize}, ${backend}${singleThreadedGc() ? ', V8 GC on the training threads (--single-threaded-gc)' : ''}`,
    );
    result = await runLrFind({
      config,
      start: o.start,
      end: o.end,
      steps: o.steps,
      backendName: backend,
      ...(o.threads !== undefined ? { threads: o.threads } : {}),
      signal: controller.signal,
      onPoint: (p) => {
        if ((p.step + 1) % every === 0)
          log(
            `step ${p.step + 1}/${o.steps}  lr ${p.lr.toExponential(2)}  loss ${p.loss.toFixed(4)}  smoothed ${p.smoothed.toFixed(4)}`,
          );
      },
    });
  } finally {
    offSignals();
  }
  const block =
    result.suggestedLr === null ? null : applyBlock(result.suggestedLr, config.train.steps);
  writeJsonAtomic(jsonFile, result);
  writeFileAtomic(htmlFile, [renderLrFindHtml(result, block)]);
  log(describeStop(result));
  log(
    result.suggestedLr === null
      ? 'no suggested learning rate: too few points after the skipped ones, or the loss never fell (see lr-find.html)'
      : `suggested learning rate: ${result.suggestedLr.toPrecision(3)} (step ${result.suggestedStep}, steepest descent of the smoothed loss)`,
  );
  const drop = smoothedDrop(result);
  if (result.suggestedLr !== null && drop !== null && drop < WEAK_DROP)
    log(
      `warning: the smoothed loss fell only ${(100 * drop).toFixed(1)}% over the ramp: the suggestion is noise more than signal (try more --steps or a larger batch)`,
    );
  log(`wrote ${jsonFile}, ${htmlFile}`);
  if (stopCode) return { code: stopCode, outDir, result };
  if (o.apply) {
    if (!block) {
      console.error('error: --apply: there is no suggested learning rate to apply');
      return { code: 1, outDir, result };
    }
    log(
      `\n# train.schedule for ${config.train.steps} steps: the default burn-in schedule at base ${result.suggestedLr?.toPrecision(3)}\n${block.trimEnd()}`,
    );
  }
  return { code: 0, outDir, result };
}
