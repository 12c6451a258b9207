import { exponentialDecayWithBurnin } from '@burnin/schedules';

const schedule = exponentialDecayWithBurnin({
  learningRateBase: 0.1,
  learningRateDecaySteps: 100,
  learningRateDecayFactor: 0.5,
  burninLearningRate: 0.01,
  burninSteps: 50,
  minLearningRate: 0.005,
});
for (let step = 0; step <= 500; step += 25) {
  const lr = schedule(step);
  console.log(`${String(step).padStart(4)}  ${lr.toFixed(5)}  ${'#'.repeat(Math.round(lr * 400))}`);
}
