import { numberFlag, parseArgs, UsageError } from '../args.js';
import { exportCheckpoint } from '../export/export.js';
import { MODEL_FORMATS, type ModelFormat } from '../export/labels.js';
import type { Quantization } from '../export/weights.js';
import * as tf from '../tf.js';
import { usageOf } from './table.js';

/** `burnin export --help` (from the command table). */
export const EXPORT_USAGE = usageOf('export');

const QUANTIZE = ['uint8', 'float16'];

/** `burnin export`: a checkpoint to a tfjs model folder with an offline detection page. */
export async function runExportCommand(argv: string[]): Promise<number> {
  const { flags } = parseArgs(argv, {
    strings: ['checkpoint', 'out', 'format', 'quantize', 'score'],
    maxPositionals: 0,
  });
  if (!flags.checkpoint)
    throw new UsageError('export needs --checkpoint DIR|FILE.ckpt', { showUsage: true });
  if (!flags.out) throw new UsageError('export needs --out DIR', { showUsage: true });
  const format = (flags.format ?? 'graph') as ModelFormat;
  if (!MODEL_FORMATS.includes(format))
    throw new UsageError(
      `--format must be one of ${MODEL_FORMATS.join(', ')}, got ${String(flags.format)}`,
    );
  if (flags.quantize !== undefined && !QUANTIZE.includes(flags.quantize as string))
    throw new UsageError(
      `--quantize must be one of ${QUANTIZE.join(', ')}, got ${String(flags.quantize)}`,
    );
  const quantization = (flags.quantize ?? 'float32') as Quantization;
  const minScore = numberFlag(flags.score, 'score', 0.3, 0, 1);
  await tf.setBackend('cpu');
  const r = await exportCheckpoint({
    checkpoint: flags.checkpoint as string,
    out: flags.out as string,
    format,
    quantization,
    minScore,
  });
  console.log(
    `exported ${r.checkpoint} (step ${r.step}) to ${r.out}: ${format} model, ${quantization} weights (${r.weightBytes} bytes), ${r.files.length} files`,
  );
  console.log(`open ${r.out}/index.html through a local web server (e.g. npx serve ${r.out})`);
  return 0;
}
