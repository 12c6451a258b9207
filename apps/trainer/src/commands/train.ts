import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../args.js';
import { selectBackend } from '../backend.js';
import { ConfigError, MAX_THREADS, parseThreads, resolveConfig } from '../config.js';
import { buildRunReport } from '../report/build.js';
import { COCO_STAT_NAMES } from '../report/names.js';
import { type TrainResult, train } from '../train/train.js';

export const TRAIN_USAGE = `Usage: burnin train [--config run.yaml] [--out runs/NAME] [--backend auto|tensorflow|wasm|cpu]
                    [--resume] [--preset default|smoke|demo] [--pipeline-config pipeline.config]
                    [--threads N|auto]`;

/** Exit codes of train: 0 done, 1 bad input, 2 usage, 3 diverged, 130 interrupted. */
export async function runTrainCommand(
  argv: string[],
  defaults: { preset?: string; out?: string } = {},
): Promise<{ code: number; result?: TrainResult; outDir: string }> {
  const { flags } = parseArgs(argv, {
    strings: ['config', 'out', 'backend', 'preset', 'pipeline-config', 'threads'],
    booleans: ['resume'],
  });
  let threads: number | 'auto' | undefined;
  if (flags.threads !== undefined) {
    const t = parseThreads(String(flags.threads));
    if (t === null)
      throw new UsageError(
        `--threads must be an integer 1..${MAX_THREADS} or 'auto', got ${String(flags.threads)}`,
      );
    threads = t;
  }
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
  const log = (l: string) => console.log(l);
  const backend = await selectBackend(flags.backend as string | undefined, log);
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    console.log('\ninterrupt: saving a checkpoint (press Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
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
    const report = await buildRunReport(outDir);
    const s = result.summary;
    const stats = s.final?.stats;
    console.log(
      `${result.status} at step ${result.step} in ${s.wallTimeSec.toFixed(0)} s wall, ${s.cpuTimeSec.toFixed(0)} s CPU (${s.imagesPerSec.toFixed(1)} images/s, ${backend}, ${s.threads} thread${s.threads === 1 ? '' : 's'})`,
    );
    if (stats)
      console.log(
        `final ${COCO_STAT_NAMES[0]} ${stats[0].toFixed(3)}  ${COCO_STAT_NAMES[1]} ${stats[1].toFixed(3)}  ${COCO_STAT_NAMES[2]} ${stats[2].toFixed(3)}`,
      );
    console.log(`report: ${report}`);
    if (s.message) console.log(s.message);
    const code = result.status === 'completed' ? 0 : result.status === 'diverged' ? 3 : 130;
    return { code, result, outDir };
  } finally {
    process.off('SIGINT', onSigint);
  }
}
