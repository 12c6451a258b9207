// `pnpm --filter @burnin/example-burn-in-from-tf1 start [epochs]` (after `build`): trains the
// regression once with the tutorial's chained decay and once with the burn-in it meant, and
// prints the learning rate and the loss of each epoch side by side.
import { EPOCH_STEPS, intendedBurnin, tutorialChain } from './schedules.js';
import { trainRegression } from './train.js';

const arg = process.argv[2];
const epochs = arg === undefined ? 6 : Number(arg);
if (!Number.isInteger(epochs) || epochs < 1 || epochs > 1000) {
  console.error(`error: epochs must be an integer 1..1000, got '${arg}'`);
  process.exit(2);
}
const chained = await trainRegression(tutorialChain(), epochs);
const burnin = await trainRegression(intendedBurnin(), epochs);
const e = (v: number) => v.toExponential(2).padStart(10);
console.log(
  `${EPOCH_STEPS} updates per epoch, Adam, MSE; lr = the rate of the epoch's first and last update`,
);
console.log(`MSE before training: ${chained.epochLoss[0].toPrecision(3)}`);
console.log('epoch | chained lr (first..last)  loss      | burn-in lr (first..last)  loss');
for (let k = 0; k < epochs; k++) {
  const a = k * EPOCH_STEPS;
  const z = a + EPOCH_STEPS - 1;
  console.log(
    `${String(k + 1).padStart(5)} | ${e(chained.lrs[a])}..${e(chained.lrs[z])} ${e(chained.epochLoss[k + 1])} | ${e(burnin.lrs[a])}..${e(burnin.lrs[z])} ${e(burnin.epochLoss[k + 1])}`,
  );
}
console.log(
  `final MSE: chained ${chained.epochLoss[epochs].toPrecision(3)}, burn-in ${burnin.epochLoss[epochs].toPrecision(3)} (noise floor ~0.01)`,
);
