import { describe, expect, it } from 'vitest';
import {
  constant,
  fromKerasConfig,
  keras,
  linear,
  parseLearningRateConfig,
  parsePipelineConfig,
  printLearningRateConfig,
  ScheduleOptionError,
  ScheduleParseError,
  tfod,
  toKerasConfig,
} from '../src/index.js';
import { evalAt, expectClose, loadReference } from './helpers.js';

const cases = loadReference();
const steps = [0, 1, 2, 5, 10, 99, 100, 101, 1000, 5000];

describe('Keras config interop', () => {
  it('round-trips every Keras reference case through JSON text and still matches Keras', () => {
    const kerasCases = cases.filter((c) => c.lib === 'keras');
    expect(kerasCases.length).toBeGreaterThan(0);
    for (const c of kerasCases) {
      const s = (
        keras as unknown as Record<string, (o: unknown) => ReturnType<typeof keras.cosineDecay>>
      )[c.fn](c.opts);
      const cfg = toKerasConfig(s);
      expect(cfg.module).toBe('keras.optimizers.schedules');
      expect(cfg.registered_name).toBeNull();
      const back = fromKerasConfig(JSON.stringify(cfg));
      expect(back.spec).toEqual(s.spec);
      expectClose(evalAt(back, c.steps), c.expected);
    }
  });

  it('reads configs written by Keras 3 and tf.keras 2', () => {
    // keras.optimizers.schedules.serialize(CosineDecay(0.05, 10, alpha=0.1, warmup_target=0.2, warmup_steps=2, name="my_cd"))
    const k3 = {
      module: 'keras.optimizers.schedules',
      class_name: 'CosineDecay',
      config: {
        initial_learning_rate: 0.05,
        decay_steps: 10,
        alpha: 0.1,
        name: 'my_cd',
        warmup_target: 0.2,
        warmup_steps: 2,
      },
      registered_name: null,
    };
    const s = fromKerasConfig(k3);
    const direct = keras.cosineDecay({
      initialLearningRate: 0.05,
      decaySteps: 10,
      alpha: 0.1,
      warmupTarget: 0.2,
      warmupSteps: 2,
    });
    expect(evalAt(s, steps)).toEqual(evalAt(direct, steps));
    const tf2 = {
      class_name: 'PiecewiseConstantDecay',
      config: { boundaries: [10, 20], values: [1, 2, 3], name: 'my_pcd' },
    };
    expect(evalAt(fromKerasConfig(tf2), [0, 10, 11, 20, 21])).toEqual([1, 1, 2, 2, 3]);
    expect(toKerasConfig(fromKerasConfig(tf2)).config).toEqual({
      boundaries: [10, 20],
      values: [1, 2, 3],
      name: 'PiecewiseConstant',
    });
  });

  it('serializes with snake_case keys and Keras default names', () => {
    const cfg = toKerasConfig(
      keras.cosineDecayRestarts({
        initialLearningRate: 0.05,
        firstDecaySteps: 10,
        alpha: 0.1,
        tMul: 3,
        mMul: 4,
      }),
    );
    expect(cfg).toEqual({
      module: 'keras.optimizers.schedules',
      class_name: 'CosineDecayRestarts',
      config: {
        initial_learning_rate: 0.05,
        first_decay_steps: 10,
        t_mul: 3,
        m_mul: 4,
        alpha: 0.1,
        name: 'SGDRDecay',
      },
      registered_name: null,
    });
    expect(
      toKerasConfig(keras.cosineDecay({ initialLearningRate: 1, decaySteps: 5 })).config
        .warmup_target,
    ).toBeNull();
  });

  it('rejects non-Keras schedules and bad configs', () => {
    expect(() => toKerasConfig(linear({ from: 0, to: 1, steps: 2 }))).toThrow(ScheduleOptionError);
    const bad: [unknown, string][] = [
      ['{not json', 'json'],
      [{ class_name: 'Nope', config: {} }, 'class_name'],
      [{ module: 'torch', class_name: 'ExponentialDecay', config: {} }, 'module'],
      [
        {
          class_name: 'ExponentialDecay',
          config: { initial_learning_rate: 1, decay_steps: 0, decay_rate: 0.5 },
        },
        'config.decay_steps',
      ],
      [
        {
          class_name: 'ExponentialDecay',
          config: { initial_learning_rate: 1, decay_steps: 1, decay_rate: 0.5, foo: 1 },
        },
        'config.foo',
      ],
      [
        {
          class_name: 'PiecewiseConstantDecay',
          config: { boundaries: [1, 'x'], values: [1, 2, 3] },
        },
        'config.boundaries[1]',
      ],
    ];
    for (const [json, option] of bad) {
      let err: unknown;
      try {
        fromKerasConfig(json);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(json)).toBeInstanceOf(ScheduleOptionError);
      expect((err as ScheduleOptionError).option).toBe(option);
    }
  });
});

// The model zoo's ssd_mobilenet_v2_fpnlite_320x320_coco17_tpu-8 pipeline.config (abridged).
const PIPELINE = `
model {
  ssd {
    num_classes: 90
    image_resizer { fixed_shape_resizer { height: 320 width: 320 } }
  }
}
train_config: {
  batch_size: 128
  data_augmentation_options {
    random_horizontal_flip {
    }
  }
  sync_replicas: true
  optimizer {
    momentum_optimizer: {
      learning_rate: {
        cosine_decay_learning_rate {
          learning_rate_base: .08
          total_steps: 50000
          warmup_learning_rate: .026666
          warmup_steps: 1000
        }
      }
      momentum_optimizer_value: 0.9
    }
    use_moving_average: false
  }
  fine_tune_checkpoint: "PATH_TO_BE_CONFIGURED" # a comment
  num_steps: 50000
  startup_delay_steps: 0.0
  replicas_to_aggregate: 8
  max_number_of_boxes: 100
  unpad_groundtruth_tensors: false
  fine_tune_checkpoint_type: "classification"
}
train_input_reader: {
  label_map_path: "PATH_TO_BE_CONFIGURED/label_map.txt"
  tf_record_input_reader { input_path: "PATH_TO_BE_CONFIGURED/train2017-?????-of-00256.tfrecord" }
}
`;

describe('TF OD API pipeline.config interop', () => {
  it('parses a whole pipeline.config', () => {
    const p = parsePipelineConfig(PIPELINE);
    expect(p.batchSize).toBe(128);
    expect(p.numSteps).toBe(50000);
    expect(p.optimizer).toBe('momentum_optimizer');
    expect(p.momentum).toBe(0.9);
    const want = tfod.cosineDecayWithWarmup({
      learningRateBase: 0.08,
      totalSteps: 50000,
      warmupLearningRate: 0.026666,
      warmupSteps: 1000,
    });
    expect(p.learningRate.spec).toEqual(want.spec);
    expect(parseLearningRateConfig(PIPELINE).spec).toEqual(want.spec);
  });

  it('uses optimizer.proto / train.proto defaults for missing fields', () => {
    const s = parseLearningRateConfig(
      'learning_rate { exponential_decay_learning_rate { initial_learning_rate: 0.004 } }',
    );
    expect(s.spec).toEqual(
      tfod.exponentialDecayWithBurnin({
        learningRateBase: 0.004,
        learningRateDecaySteps: 4000000,
        learningRateDecayFactor: 0.95,
        staircase: true,
        burninLearningRate: 0,
        burninSteps: 0,
        minLearningRate: 0,
      }).spec,
    );
    const c = parseLearningRateConfig('cosine_decay_learning_rate { }');
    expect(c.spec.options).toEqual({
      learningRateBase: 0.002,
      totalSteps: 4000000,
      warmupLearningRate: 0.0002,
      warmupSteps: 10000,
      holdBaseRateSteps: 0,
    });
    expect(parseLearningRateConfig('learning_rate { constant_learning_rate { } }')(5)).toBe(0.002);
    const p = parsePipelineConfig(
      'train_config { optimizer { rms_prop_optimizer { learning_rate { constant_learning_rate { learning_rate: 0.1 } } } } }',
    );
    expect(p).toMatchObject({
      batchSize: 32,
      numSteps: 0,
      optimizer: 'rms_prop_optimizer',
      momentum: 0.9,
    });
    const a = parsePipelineConfig(
      'optimizer { adam_optimizer { learning_rate { constant_learning_rate { learning_rate: 0.1 } } } }',
    );
    expect(a.optimizer).toBe('adam_optimizer');
    expect(a.momentum).toBeUndefined();
    expect(a.batchSize).toBeUndefined();
  });

  it('parses manual_step_learning_rate with schedule entries and matches TF semantics', () => {
    const s = parseLearningRateConfig(`
      learning_rate {
        manual_step_learning_rate {
          initial_learning_rate: 0.02
          schedule { step: 4 learning_rate: 0.1 }
          schedule { step: 6 learning_rate: 0.01 }
          schedule { step: 8 learning_rate: 0.001 }
          warmup: true
        }
      }`);
    // learning_schedules_test.py testManualSteppingWithWarmup
    expectClose(
      evalAt(s, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      [0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001],
    );
  });

  it('print -> parse round-trips every printable tfod reference case', () => {
    const printable = cases.filter(
      (c) => c.lib === 'tfod' && c.fn !== 'exponentialDecayWithWarmup',
    );
    expect(printable.length).toBeGreaterThan(40);
    for (const c of printable) {
      const s = (
        tfod as unknown as Record<string, (o: unknown) => ReturnType<typeof tfod.manualStepping>>
      )[c.fn](c.opts);
      const text = printLearningRateConfig(s);
      const back = parseLearningRateConfig(text);
      expect(back.spec, text).toEqual(s.spec);
      expectClose(evalAt(back, c.steps), c.expected);
    }
    expect(printLearningRateConfig(constant({ value: 0.5 }))).toContain('learning_rate: 0.5');
    expect(() => printLearningRateConfig(linear({ from: 0, to: 1, steps: 2 }))).toThrow(
      ScheduleOptionError,
    );
  });

  it('errors name the line and the field', () => {
    const bad: [string, number, string | undefined, RegExp][] = [
      [
        'learning_rate {\n  exponential_decay_learning_rate {\n    decay_step: 10\n  }\n}',
        3,
        'decay_step',
        /unknown field/,
      ],
      [
        'learning_rate {\n  cosine_decay_learning_rate {\n    total_steps: -5\n  }\n}',
        3,
        'total_steps',
        /unsigned/,
      ],
      [
        'learning_rate {\n  cosine_decay_learning_rate {\n    total_steps: "x"\n  }\n}',
        3,
        'total_steps',
        /number/,
      ],
      [
        'learning_rate {\n  exponential_decay_learning_rate {\n    staircase: maybe\n  }\n}',
        3,
        'staircase',
        /true or false/,
      ],
      [
        'learning_rate {\n  cosine_decay_learning_rate {\n    total_steps: 10\n',
        4,
        undefined,
        /expected "}"/,
      ],
      [
        'learning_rate {\n  polynomial_learning_rate { }\n}',
        2,
        'polynomial_learning_rate',
        /unknown learning rate type/,
      ],
      [
        'learning_rate {\n  cosine_decay_learning_rate {\n    total_steps: 10\n    warmup_steps: 20\n  }\n}',
        2,
        'cosine_decay_learning_rate',
        /totalSteps/,
      ],
      ['train_config {\n  batch_size: 3\n}', 1, undefined, /no learning_rate/],
      [
        'learning_rate {\n  constant_learning_rate { learning_rate: 0.1 }\n  constant_learning_rate { learning_rate: 0.2 }\n}',
        1,
        'learning_rate',
        /exactly one/,
      ],
      [
        'learning_rate {\n  constant_learning_rate { learning_rate: 0.1 learning_rate: 0.2 }\n}',
        2,
        'learning_rate',
        /twice/,
      ],
    ];
    for (const [text, line, field, message] of bad) {
      let err: unknown;
      try {
        parseLearningRateConfig(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toBeInstanceOf(ScheduleParseError);
      const pe = err as ScheduleParseError;
      expect(pe.line, text).toBe(line);
      expect(pe.field, text).toBe(field);
      expect(pe.message).toMatch(message);
      expect(pe.message).toMatch(new RegExp(`^line ${line}`));
    }
  });
});
