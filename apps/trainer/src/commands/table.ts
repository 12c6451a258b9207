/**
 * The one table of `burnin` commands: dispatch (`cli.ts`), the global usage and each
 * command's `--help` all come from here, so they cannot drift apart. Imports nothing heavy:
 * each command's module (tfjs, sharp, ...) is loaded only when the command runs.
 */

/** One `burnin` command. */
export interface CommandEntry {
  /** What follows `burnin` on the command line. */
  readonly name: string;
  /** Synopsis lines, each starting with `burnin <name>`; the global usage lists them. */
  readonly synopsis: readonly string[];
  /** One sentence: what the command does. */
  readonly summary: string;
  /** Options and notes shown by `--help` below the synopsis (may be empty). */
  readonly details: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Preset names of `--preset` (the keys of config.ts' PRESETS; a test keeps them equal). */
export const PRESET_NAMES = ['default', 'smoke', 'compare', 'demo'] as const;

/** Schedules of `burnin compare` (the keys of compare.ts' scheduleFactories; tested equal). */
export const COMPARE_SCHEDULES = [
  'constant',
  'exponential',
  'burnin',
  'cosine',
  'onecycle',
] as const;

const BACKEND = '--backend auto|tensorflow|wasm|cpu';
const BACKEND_HELP = `  ${BACKEND}
                    tfjs backend (default auto: tfjs-node when installed, else wasm, else cpu)`;
const PRESETS = PRESET_NAMES.join('|');

const TRAIN_OPTIONS = `  --config FILE     YAML or JSON run config (merged over the preset)
  --out DIR         run folder (default runs/<timestamp>)
${BACKEND_HELP}
  --resume          continue from DIR/checkpoints/latest.ckpt
  --preset NAME     ${PRESET_NAMES.join(', ')} (default: default)
  --pipeline-config FILE
                    TF OD API pipeline.config: learning rate, batch_size, num_steps, optimizer
  --threads N|auto  data-parallel threads, 1..256 (default: train.threads, 'auto' = all cores)`;

const TRAIN_EXIT =
  'Exit codes: 0 done, 1 bad input (config, data), 2 usage, 3 diverged (NaN/Inf loss), 130 interrupted.';

/** Every command, in the order the global usage lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'train',
    synopsis: [
      `burnin train [--config run.yaml] [--out runs/NAME] [${BACKEND}]
             [--resume] [--preset ${PRESETS}]
             [--pipeline-config pipeline.config] [--threads N|auto]`,
    ],
    summary:
      'Trains the detector; writes checkpoints, metrics.jsonl, summary.json and report.html to --out.',
    details: `${TRAIN_OPTIONS}\n\nCtrl-C saves checkpoints/latest.ckpt (continue with --resume).\n${TRAIN_EXIT}`,
    run: async (argv) => (await (await import('./train.js')).runTrainCommand(argv)).code,
  },
  {
    name: 'demo',
    synopsis: ['burnin demo [train options]'],
    summary:
      'burnin train --preset demo --out runs/demo, then prints the report path and final AP/AP50.',
    details: `Every train option is accepted (they override the demo defaults):\n${TRAIN_OPTIONS}\n\n${TRAIN_EXIT}`,
    run: async (argv) =>
      (
        await (
          await import('./train.js')
        ).runTrainCommand(argv, {
          preset: 'demo',
          out: 'runs/demo',
        })
      ).code,
  },
  {
    name: 'eval',
    synopsis: [
      `burnin eval --checkpoint DIR|FILE.ckpt [--model EXPORT] [--json]
            [${BACKEND}]`,
      'burnin eval --gt GT.json --dt DT.json [--json]',
    ],
    summary:
      "COCO bbox evaluation: of a checkpoint on its run's validation set, or of a COCO results file against COCO ground truth (as pycocotools' COCOeval).",
    details: `  --checkpoint P    run folder (uses P/checkpoints/latest.ckpt) or a .ckpt file
  --gt FILE         ground truth (COCO instances.json format)
  --dt FILE         detection results: a list of { image_id, category_id, bbox, score }
  --model DIR       with --checkpoint: evaluate the exported model in DIR (burnin export)
                    on the checkpoint's validation set, instead of the checkpoint's weights
  --json            print JSON ({ step, stats } or { stats, perCategory }), not the summary
${BACKEND_HELP}`,
    run: async (argv) =>
      argv.some((a) => a === '--checkpoint' || a.startsWith('--checkpoint='))
        ? (await import('./eval-checkpoint.js')).runEvalCheckpointCommand(argv)
        : (await import('./eval-files.js')).runEvalFilesCommand(argv),
  },
  {
    name: 'predict',
    synopsis: [
      `burnin predict --checkpoint DIR image.png [-o out.png] [--json] [--score 0.3]
               [${BACKEND}]`,
    ],
    summary:
      'Detects objects in one image; prints the detections in original-image pixels (COCO results format with --json).',
    details: `  --checkpoint P    run folder (uses P/checkpoints/latest.ckpt) or a .ckpt file
  -o, --output FILE write a PNG of the image at its original size with the boxes drawn
  --json            print [{ image_id, category_id, category, bbox: [x, y, w, h], score }]
  --score S         minimum score, in [0, 1] (default 0.3)
${BACKEND_HELP}`,
    run: async (argv) => (await import('./predict.js')).runPredictCommand(argv),
  },
  {
    name: 'export',
    synopsis: [
      `burnin export --checkpoint DIR|FILE.ckpt --out DIR [--format graph|layers]
              [--quantize uint8|float16] [--score 0.3]`,
    ],
    summary:
      'Writes a standard tfjs model (model.json + weight shards), labels.json and an offline detection page (index.html, detect.js, tfjs builds) to --out.',
    details: `  --checkpoint P    run folder (uses P/checkpoints/latest.ckpt) or a .ckpt file
  --out DIR         export folder; an existing one is replaced only if it is an export
                    (labels.json with format burnin-export) or empty
  --format F        graph (tf.loadGraphModel, default) or layers (tf.loadLayersModel)
  --quantize Q      uint8 (affine per tensor) or float16 weights (default float32)
  --score S         the page's default minimum score, in [0, 1] (default 0.3)

Open DIR/index.html through any local web server; index.html?src=IMAGE&score=S detects at load.`,
    run: async (argv) => (await import('./export.js')).runExportCommand(argv),
  },
  {
    name: 'compare',
    synopsis: [
      `burnin compare --schedules a,b,c|all [--steps N] [--seeds 3] [--preset compare]
               [--out runs/compare] [${BACKEND}]`,
    ],
    summary:
      'Trains the same model once per schedule and seed; prints final/best AP and AP50 (mean ± std), steps to AP50 = 0.5 and divergences; writes compare.json and compare.html.',
    details: `  --schedules LIST  comma-separated, from: ${COMPARE_SCHEDULES.join(', ')};
                    'all' = every one (required: each schedule trains --seeds runs)
  --steps N         steps per run (default: the preset's train.steps)
  --seeds N         runs per schedule, seeds 0..N-1 (default 3)
  --preset NAME     ${PRESET_NAMES.join(', ')} (default: compare)
  --out DIR         output folder (default runs/compare); runs already in it with the
                    same settings are kept (finished) or resumed (interrupted)
${BACKEND_HELP}`,
    run: async (argv) => (await import('./compare.js')).runCompareCommand(argv),
  },
  {
    name: 'sweep',
    synopsis: [
      `burnin sweep [--peak-lr LIST] [--burnin-steps LIST] [--burnin-lr LIST]
             [--set KEY=a,b,c ...] [--seeds 3] [--steps N] [--preset demo]
             [--config FILE] [--eval-every N] [--jobs N] [--threads 1]
             [--out runs/sweep] [${BACKEND}]`,
    ],
    summary:
      'Trains a grid of schedule parameters x seeds as parallel child processes (resumable: finished cells are kept, interrupted ones resume); writes sweep.json (one entry per run: parameters, seed, status, final/best AP and AP50, steps to AP50 = 0.5, wall time) and sweep.html (AP vs peak rate per burn-in setting, paired differences with bootstrap intervals, divergence rate, early loss curves).',
    details: `Swept parameters (at least one; LIST = comma-separated values; the grid is every combination):
  --peak-lr LIST        learningRateBase of tfod.exponentialDecayWithBurnin, e.g. 1e-3,4e-3
  --burnin-steps LIST   its burninSteps (integers >= 0; 0 = no burn-in), e.g. 0,100,400
  --burnin-lr LIST      its burninLearningRate: a rate (> 0) or a factor of the peak rate, 0.1x
  --set KEY=a,b,c       any other config key under train., data. or model., e.g.
                        train.schedule.options.learningRateDecayFactor=0.5,0.8 or
                        train.optimizer=adam,momentum (repeatable)
The schedule is the base config's train.schedule (a JSON spec) or else the default burn-in
schedule scaled to --steps. Every cell is validated (config and schedule) before any runs;
a bad grid exits 2 naming the flag. Cells with burn-in steps 0 ignore --burnin-lr (run once).

  --seeds N         runs per grid point, seeds 0..N-1 (default 3)
  --steps N         steps per run (default: the preset's train.steps)
  --preset NAME     ${PRESET_NAMES.join(', ')} (default: demo)
  --config FILE     YAML or JSON run config merged over the preset
  --eval-every N    steps between evaluations (default: steps / 10)
  --jobs N          cells trained at once (default: cores / --threads)
  --threads N       data-parallel threads per cell (default 1; results depend on it)
  --out DIR         output folder (default runs/sweep): cells/<cell>/ (run folders), configs/,
                    sweep.settings.json, sweep.json, sweep.html. Run the same command again to
                    continue a stopped sweep; other settings on the same DIR are refused
${BACKEND_HELP}

Ctrl-C (or SIGTERM) stops the running cells, which save a checkpoint; a cell never outlives
the sweep, even on kill -9. A diverged cell (NaN/Inf loss) is a result, not an error.
Exit codes: 0 done, 1 bad input or a cell failed, 2 usage, 130 interrupted.`,
    run: async (argv) => (await import('./sweep.js')).runSweepCommand(argv),
  },
  {
    name: 'schedule',
    synopsis: [
      'burnin schedule <spec-or-config> [--steps N] [--svg out.svg] [--width W] [--height H]',
    ],
    summary: 'Prints a learning-rate schedule as an ASCII plot and writes it as an SVG file.',
    details: `<spec-or-config> is a file or an inline string holding one of:
  - a @burnin/schedules JSON spec     {"type": "tfod.exponentialDecayWithBurnin", "options": {...}}
  - a Keras schedule config           {"class_name": "ExponentialDecay", "config": {...}}
  - a TF Object Detection API pipeline.config, or just its learning_rate { ... } block
  - a YAML or JSON run config with a "schedule" field (any of the above), or a trainer run
    config (train.schedule, else the default schedule; train.steps)

  --steps N    optimizer steps to plot (default: the config's num_steps / steps, else 1000)
  --svg FILE   where to write the SVG (default schedule.svg)
  --width W    ASCII plot width in characters, 16..1000 (default 72)
  --height H   ASCII plot height in lines, 4..200 (default 16)`,
    run: async (argv) => (await import('./schedule.js')).runScheduleCommand(argv),
  },
  {
    name: 'lr-find',
    synopsis: [
      `burnin lr-find [--start 1e-6] [--end 1] [--steps 200] [--preset ${PRESETS}]
               [--config run.yaml] [--out runs/lr-find-TIME] [--apply]
               [${BACKEND}] [--threads N|auto]`,
    ],
    summary:
      'Learning-rate range test (Smith 2017): trains a fresh copy of the model with the rate ramped exponentially from --start to --end, stops when the smoothed loss diverges, suggests the rate of steepest descent; writes lr-find.json and lr-find.html.',
    details: `  --start LR        first learning rate, a number in (0, 10] (default 1e-6)
  --end LR          last learning rate, in (0, 10] and above --start (default 1)
  --steps N         ramp length, an integer 20..10000 (default 200): step i trains at
                    start * (end / start) ** (i / (N - 1)), one batch each
  --preset NAME     ${PRESET_NAMES.join(', ')} (default: default); the model, data, batch
                    size, optimizer and clipping of the run config
  --config FILE     YAML or JSON run config (merged over the preset)
  --out DIR         output folder (default runs/lr-find-<timestamp>); refused when it holds a
                    training run or an earlier lr-find.json (no checkpoint is read or written)
  --apply           also print the train.schedule block: the default burn-in schedule
                    (tfod.exponentialDecayWithBurnin) with the suggested rate as its base
${BACKEND_HELP}
  --threads N|auto  data-parallel threads, 1..256 or auto (default: the config's train.threads)

Smoothed loss: bias-corrected moving average (beta 0.98). The test stops at the first NaN or
infinite loss, gradient or weight, or once the smoothed loss exceeds 4x its best. The
suggestion is the steepest negative slope of the smoothed loss against log10(lr) before its
lowest point, leaving out the first 10 points and the last one (as Lightning's lr_find);
none when the loss never falls.
Exit 0 when the test ran (divergence is a normal end), 1 bad input, 2 usage, 130 interrupted.`,
    run: async (argv) => (await import('./lr-find.js')).runLrFindCommand(argv).then((r) => r.code),
  },
  {
    name: 'bench',
    synopsis: [`burnin bench [${PRESETS}] [steps]`],
    summary:
      'Training throughput (images/s, ms/step) through train() at 1 thread and at all cores, beside the PyTorch CPU twin (bench/torch_centernet.py).',
    details: `  preset   the preset to time (default demo)
  steps    steps per timed run, a positive integer (default 40)

Runs dist/bench.js (the same as pnpm --filter @burnin/trainer bench). The PyTorch twin runs
with the interpreter in BURNIN_PYTHON (default python3) and is skipped when torch is missing.`,
    run: async (argv) => (await import('./bench.js')).runBenchCommand(argv),
  },
];

/** Greedy word wrap of `text` to lines of at most `width` characters (longer words stay whole). */
export function wrap(text: string, width: number, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

/** Width the usage texts are wrapped to, characters. */
const WIDTH = 96;

/** The entry named `name`, or undefined. */
export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** A command's `--help` text: synopsis, summary, details; ends without a newline. */
export function commandUsage(c: CommandEntry): string {
  const syn = c.synopsis
    .map((s, i) =>
      s
        .split('\n')
        .map((l, k) => `${i === 0 && k === 0 ? 'Usage: ' : '       '}${l}`)
        .join('\n'),
    )
    .join('\n');
  return `${syn}\n\n${wrap(c.summary, WIDTH)}${c.details ? `\n\n${c.details}` : ''}`;
}

/** The usage of the command named `name` (throws for a name not in the table). */
export function usageOf(name: string): string {
  const c = findCommand(name);
  if (!c) throw new Error(`no command '${name}' in the command table`);
  return commandUsage(c);
}

/** `burnin --help`: every command's synopsis and summary, generated from {@link COMMANDS}. */
export function globalUsage(version: string): string {
  const lines = [
    `burnin ${version}: example object-detection trainer (TensorFlow.js, burn-in schedules, COCO metrics)`,
    '',
    'Usage: burnin <command> [options]',
    '',
    'Commands:',
  ];
  for (const c of COMMANDS) {
    for (const s of c.synopsis) lines.push(...s.split('\n').map((l) => `  ${l}`));
    lines.push(wrap(c.summary, WIDTH, '      '));
  }
  lines.push(
    '',
    "Run 'burnin <command> --help' or 'burnin help <command>' for a command's options;",
    "'burnin --version' prints the version.",
    'Exit codes: 0 ok, 1 bad input (files, data, config), 2 usage error, 3 training diverged,',
    '130 interrupted.',
  );
  return lines.join('\n');
}
