import { UsageError } from './args.js';
import { ConfigError } from './config.js';
import { CheckpointError } from './train/checkpoint.js';
import { DatasetError } from './train/train.js';

const USAGE = `burnin: example object-detection trainer (TensorFlow.js, burn-in schedules, COCO metrics)

Commands:
  burnin train [--config run.yaml] [--out runs/NAME] [--backend auto|tensorflow|wasm|cpu]
               [--resume] [--preset default|smoke|demo] [--pipeline-config pipeline.config]
               [--threads N|auto]  data-parallel threads (default: train.threads, 'auto' = all cores)
  burnin demo                      train --preset demo --out runs/demo, then print the report path
  burnin eval --checkpoint DIR [--json]
  burnin eval --gt gt.json --dt dt.json [--json]
  burnin predict --checkpoint DIR image.png [-o out.png] [--json]
  burnin compare --schedules a,b,c [--steps N] [--seeds 3] [--preset P] [--out DIR]
  burnin schedule <spec or config> [--steps N] [--svg out.svg]
  burnin bench                     (see: pnpm --filter @burnin/trainer bench)`;

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'train':
        return (await (await import('./commands/train.js')).runTrainCommand(rest)).code;
      case 'demo': {
        const { runTrainCommand } = await import('./commands/train.js');
        return (await runTrainCommand(rest, { preset: 'demo', out: 'runs/demo' })).code;
      }
      case 'eval':
        if (rest.some((a) => a === '--checkpoint' || a.startsWith('--checkpoint=')))
          return await (await import('./commands/eval-checkpoint.js')).runEvalCheckpointCommand(
            rest,
          );
        return await (await import('./commands/eval-files.js')).runEvalFilesCommand(rest);
      case 'predict':
        return await (await import('./commands/predict.js')).runPredictCommand(rest);
      case 'compare':
        return await (await import('./commands/compare.js')).runCompareCommand(rest);
      case 'schedule':
        return await (await import('./commands/schedule.js')).runScheduleCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        console.error(`unknown command '${cmd}'\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    if (
      e instanceof ConfigError ||
      e instanceof DatasetError ||
      e instanceof CheckpointError ||
      (e instanceof Error && /Error$/.test(e.name) && e.name !== 'Error' && e.name !== 'TypeError')
    ) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

const isMain = process.argv[1] && /cli\.(js|ts|mjs)$/.test(process.argv[1]);
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
