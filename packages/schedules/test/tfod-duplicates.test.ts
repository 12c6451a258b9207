import { describe, expect, it } from 'vitest';
import { parseLearningRateConfig, parsePipelineConfig, ScheduleParseError } from '../src/index.js';

const LR = 'learning_rate { constant_learning_rate { learning_rate: 0.1 } }';
const TRAIN = `train_config {
  batch_size: 8
  num_steps: 100
  optimizer { momentum_optimizer { ${LR} } }
}`;

function parseError(f: () => unknown): ScheduleParseError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScheduleParseError);
    return e as ScheduleParseError;
  }
  throw new Error('expected a ScheduleParseError');
}

describe('pipeline.config: singular fields given twice are refused (as protobuf text format does)', () => {
  it('a duplicate train_config names the field and the line of the second one', () => {
    const text = `${TRAIN}\ntrain_config {\n  batch_size: 64\n}\n`;
    const e = parseError(() => parsePipelineConfig(text));
    expect(e.field).toBe('train_config');
    expect(e.line).toBe(6);
    expect(e.message).toMatch(/train_config.*twice.*line 1/);
  });

  it('duplicate batch_size, num_steps, optimizer, learning_rate and momentum_optimizer_value', () => {
    const cases: [string, string][] = [
      ['batch_size', TRAIN.replace('batch_size: 8', 'batch_size: 8\n  batch_size: 16')],
      ['num_steps', TRAIN.replace('num_steps: 100', 'num_steps: 100 num_steps: 5')],
      [
        'optimizer',
        TRAIN.replace('num_steps: 100', `num_steps: 100 optimizer { adam_optimizer { ${LR} } }`),
      ],
      ['learning_rate', TRAIN.replace(`{ ${LR} }`, `{ ${LR} ${LR} }`)],
      [
        'momentum_optimizer_value',
        TRAIN.replace(
          `{ ${LR} }`,
          `{ ${LR} momentum_optimizer_value: 0.9 momentum_optimizer_value: 0.5 }`,
        ),
      ],
    ];
    for (const [field, text] of cases) {
      const e = parseError(() => parsePipelineConfig(text));
      expect(e.field, field).toBe(field);
      expect(e.message, field).toContain('twice');
    }
  });

  it('a bare learning_rate block given twice is refused', () => {
    const e = parseError(() => parseLearningRateConfig(`${LR}\n${LR}`));
    expect(e.field).toBe('learning_rate');
    expect(e.line).toBe(2);
  });

  it('repeated fields stay allowed (manual_step_learning_rate schedule entries)', () => {
    const s = parseLearningRateConfig(
      'manual_step_learning_rate { schedule { step: 2 learning_rate: 0.5 } schedule { step: 4 learning_rate: 0.25 } }',
    );
    expect([s(0), s(2), s(4)]).toEqual([0.002, 0.5, 0.25]);
    expect(parsePipelineConfig(TRAIN)).toMatchObject({ batchSize: 8, numSteps: 100 });
  });
});
