import { exponentialDecayWithBurnin } from '@burnin/schedules';
import { describe, expect, it } from 'vitest';

describe('trainer wiring', () => {
  it('imports the schedules package through the workspace', () => {
    expect(typeof exponentialDecayWithBurnin).toBe('function');
  });
});
