import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, threadsFlag } from '../args.js';
import { selectBackend } from '../backend.js';
import { ConfigError, resolveConfig, runThreads } from '../config.js';
import { buildRunReport } from '../report/build.js';
import { COCO_STAT_NAMES } from '../report/names.js';
import { fileError } from '../run/errors.js';
import { relaunchForGc } from '../run/gc-mode.js';
import { onStopSignals } from '../run/relaunch.js';
import { type TrainResult, train } from '../train/train.js';

export const TRAIN_USAGE = `Usage: burnin train [--config run.yaml] [--out runs/NAME] [--backend auto|tensorflow|wasm|cpu]
                    [--resume] [--preset default|smoke|demo] [--pipeline-config pipeline.config]
                    [--threads N|auto]`;

/** Exit code after a signal stopped (and saved) the run: 128 + the signal number. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Exit codes of train: 0 done, 1 bad input / file or environment problem, 2 usage,
 * 3 diverged, 130 / 143 / 129 stopped and saved by SIGINT / SIGTERM / SIGHUP.
 */
export async function runTrainCommand(
  argv: string[],
  defaults: { preset?: string; out?: string } = {},
): Promise<{ code: number; result?: TrainResult; outDir: string }> {
  const { flags } = parseArgs(argv, {
    strings: ['config', 'out', 'backend', 'preset', 'pipeline-config', 'threads'],
    booleans: ['resume'],
  });
  const threads = threadsFlag(flags.threads);
  const pipelineFile = flags['pipeline-config'] as string | undefined;
  let pipelineText: string | undefined;
  if (pipelineFile) {
    try {
      pipelineText = readFileSync(pipelineFile, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `cannot read ${pipelineFile}: ${(e as Error).message}`,
        '',
        pipelineFile,
      );
    }
  }
  const preset = (flags.preset as string | undefined) ?? defaults.preset;
  const config = resolveConfig({
    preset,
    configFile: flags.config as string | undefined,
    pipelineConfigText: pipelineText,
    pipelineConfigFile: pipelineFile,
  });
  const outDir =
    (flags.out as string | undefined) ??
    defaults.out ??
    join('runs', new Date().toISOString().replace(/[:.]/g, '-'));
  // every core busy with a training thread: run again with V8's GC on those threads (gc-mode.ts)
  const relaunched = await relaunchForGc(
    runThreads(config, threads),
    flags.out === undefined && defaults.out === undefined ? ['--out', outDir] : [],
  );
  if (relaunched !== null) return { code: relaunched, outDir };
  const log = (l: string) => console.log(l);
  const backend = await selectBackend(flags.backend as string | undefined, log);
  const controller = new AbortController();
  // SIGINT (Ctrl-C), SIGTERM (container stop, kill) and SIGHUP (closed terminal) all save a
  // checkpoint and summary.json; the exit code is then 128 + the signal number. A second
  // signal quits at once (the last complete checkpoint stays valid).
  let stopCode = 0;
  const onSignal = (sig: 'SIGINT' | 'SIGTERM' | 'SIGHUP') => {
    const code = SIGNAL_EXIT[sig];
    if (controller.signal.aborted) process.exit(stopCode || code);
    stopCode = code;
    const say = (l: string) => {
      try {
        console.log(l);
      } catch {} // the terminal may be gone (SIGHUP)
    };
    say(`\n${sig}: saving a checkpoint (send it again to quit at once)`);
    controller.abort();
  };
  // a relaunched child takes these signals from its launcher (relaunch.ts), once each
  const offSignals = onStopSignals(onSignal);
  try {
    const result = await train({
      config,
      outDir,
      resume: Boolean(flags.resume),
      log,
      progressBar: Boolean(process.stdout.isTTY),
      signal: controller.signal,
      backendName: backend,
      ...(threads !== undefined ? { threads } : {}),
    });
    const code =
      result.status === 'completed' ? 0 : result.status === 'diverged' ? 3 : stopCode || 130;
    let report: string | null = null;
    let reportError: unknown = null;
    try {
      report = await buildRunReport(outDir);
    } catch (e) {
      reportError = e;
    }
    const s = result.summary;
    const stats = s.final?.stats;
    console.log(
      `${result.status} at step ${result.step} in ${s.wallTimeSec.toFixed(0)} s wall, ${s.cpuTimeSec.toFixed(0)} s CPU (${s.imagesPerSec.toFixed(1)} images/s, ${backend}, ${s.threads} thread${s.threads === 1 ? '' : 's'})`,
    );
    if (stats)
      console.log(
        `final ${COCO_STAT_NAMES[0]} ${stats[0].toFixed(3)}  ${COCO_STAT_NAMES[1]} ${stats[1].toFixed(3)}  ${COCO_STAT_NAMES[2]} ${stats[2].toFixed(3)}`,
      );
    if (report) console.log(`report: ${report}`);
    if (s.message) console.log(s.message);
    if (reportError) {
      // the run itself is saved; a report that cannot be written is an environment problem
      const e =
        reportError instanceof Error &&
        /Error$/.test(reportError.name) &&
        reportError.name !== 'Error'
          ? reportError
          : fileError('write the report into', outDir, reportError);
      console.error(`error: report not written: ${e.message.split('\n')[0]}`);
      return { code: code === 0 ? 1 : code, result, outDir };
    }
    return { code, result, outDir };
  } finally {
    offSignals();
  }
}
