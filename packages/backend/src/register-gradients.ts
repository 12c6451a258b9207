// Every gradient tfjs-core defines (`tf.grad`, `minimize`, conv steps need them), registered
// into tfjs' global gradient registry as a side effect. tfjs-core ships these registrations
// only as extensionless ESM files, which Node cannot import: the Node build of this package
// bundles them (tsup.config.ts, `noExternal`); the browser build leaves the import to the
// page's bundler, so the page's own tfjs-core copy is used.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { getGradient } from '@tensorflow/tfjs-core';

/** Kernels whose gradients `initBackend` checks are registered (a sample across op families). */
const SAMPLE = ['Add', 'Sum', 'BatchMatMul', 'Conv2D', 'Relu', 'Mean'] as const;

/** The names of sampled kernels with no registered gradient (empty when all are there). */
export function missingGradients(): string[] {
  return SAMPLE.filter((name) => getGradient(name) == null);
}
