import '@tensorflow/tfjs-backend-cpu';
import {
  getKernel,
  type KernelConfig,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { registerFasterGradients } from './faster-gradients.js';
import { wasmAdamUpdateKernel } from './kernels/adam-update.js';
import { wasmBatchMatMulKernel, wasmFusedMatMulKernel } from './kernels/batch-mat-mul.js';
import { wasmFusedBatchNormConfig } from './kernels/batch-norm.js';
import { wasmCastKernel } from './kernels/cast.js';
import {
  cpuConvBiasActivationKernel,
  wasmConvBiasActivationKernel,
} from './kernels/conv-bias-activation.js';
import { wasmConv2DKernel, wasmFusedConv2DKernel } from './kernels/conv2d.js';
import { conv2DBackpropFilterKernel } from './kernels/conv2d-backprop-filter.js';
import { wasmConv2DBackpropInputKernel } from './kernels/conv2d-backprop-input.js';
import { wasmConcatConfig, wasmSliceConfig, wasmSplitVConfig } from './kernels/copy-region.js';
import {
  cpuAddConfig,
  cpuMeanConfig,
  cpuMultiplyConfig,
  cpuRealDivConfig,
  cpuSubConfig,
  cpuSumConfig,
} from './kernels/cpu-elementwise.js';
import {
  depthwiseBackpropFilterKernel,
  depthwiseBackpropInputKernel,
} from './kernels/depthwise-backprop.js';
import { rememberReplaced } from './kernels/fallback.js';
import { wasmGatherV2Kernel } from './kernels/gather.js';
import { wasmIdentityKernel } from './kernels/identity.js';
import { avgPoolGradKernel, maxPoolGradKernel } from './kernels/pool-grad.js';
import { reluGradKernel } from './kernels/relu-grad.js';
import { wasmResizeNearestNeighborKernel } from './kernels/resize-nearest.js';
import { resizeNearestNeighborGradKernel } from './kernels/resize-nearest-grad.js';
import { wasmTileKernel } from './kernels/tile.js';
import { unsortedSegmentSumKernel } from './kernels/unsorted-segment-sum.js';
import {
  wasmAddConfig,
  wasmMultiplyConfig,
  wasmRealDivConfig,
  wasmSubConfig,
} from './kernels/wasm-binary.js';
import { wasmMeanConfig, wasmSumConfig } from './kernels/wasm-reduce.js';

/**
 * Kernels the wasm backend lacks for training (it has no gradient kernels for conv filters,
 * depthwise convs or `tf.gather`), faster `Conv2D` / `FusedConv2D` and `BatchMatMul` /
 * `_FusedMatMul` (native), `Conv2DBackpropInput`,
 * `Tile`, `GatherV2` (model.fit's batching), `Slice` / `SplitV` / `Concat` (block copies),
 * `FusedBatchNorm`, `Add` / `Sub` / `Multiply` / `RealDiv` with a repeating operand (bias adds,
 * batch-norm scales) and leading-axes float32 `Sum` / `Mean` (other cases delegate to
 * the stock kernels), a copy-free `Identity` (the engine clones every tensor a gradient saves)
 * and same-dtype `Cast`, and corrected `MaxPoolGrad`, `AvgPoolGrad`, `ResizeNearestNeighborGrad`
 * (tfjs 4.22's are wrong in some cases) and `GatherV2` with `batchDims` > 0; and
 * `BurninReluGrad` (`dy * step(y)` in one pass) and `BurninConvBiasActivation` (conv, bias and
 * relu with the bits of the three kernels, in the native conv's epilogue), and native
 * `ResizeNearestNeighbor` upsampling by powers of two (copies, the stock kernel's bits).
 */
export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [
  wasmConv2DKernel,
  wasmFusedConv2DKernel,
  wasmBatchMatMulKernel,
  wasmFusedMatMulKernel,
  wasmAdamUpdateKernel,
  conv2DBackpropFilterKernel.wasm,
  wasmConv2DBackpropInputKernel,
  depthwiseBackpropFilterKernel.wasm,
  depthwiseBackpropInputKernel.wasm,
  unsortedSegmentSumKernel.wasm,
  maxPoolGradKernel.wasm,
  avgPoolGradKernel.wasm,
  resizeNearestNeighborGradKernel.wasm,
  wasmResizeNearestNeighborKernel,
  reluGradKernel.wasm,
  wasmConvBiasActivationKernel,
  wasmTileKernel,
  wasmGatherV2Kernel,
  wasmAddConfig,
  wasmSubConfig,
  wasmMultiplyConfig,
  wasmRealDivConfig,
  wasmFusedBatchNormConfig,
  wasmSliceConfig,
  wasmSplitVConfig,
  wasmConcatConfig,
  wasmSumConfig,
  wasmMeanConfig,
  wasmIdentityKernel,
  wasmCastKernel,
];

/**
 * Replacements for the cpu backend's slowest training kernels (including float32 `Add`, `Sub`,
 * `Multiply`, `RealDiv` with broadcasting, `Sum` and `Mean`, which dominate batch-norm
 * gradients), and corrected
 * `AvgPoolGrad` and `ResizeNearestNeighborGrad`, and `BurninReluGrad` and
 * `BurninConvBiasActivation` (here the Conv2D, Add and Relu kernels in turn).
 */
export const CPU_TRAINING_KERNELS: readonly KernelConfig[] = [
  conv2DBackpropFilterKernel.cpu,
  depthwiseBackpropFilterKernel.cpu,
  depthwiseBackpropInputKernel.cpu,
  maxPoolGradKernel.cpu,
  avgPoolGradKernel.cpu,
  unsortedSegmentSumKernel.cpu,
  resizeNearestNeighborGradKernel.cpu,
  reluGradKernel.cpu,
  cpuConvBiasActivationKernel,
  cpuAddConfig,
  cpuSubConfig,
  cpuMultiplyConfig,
  cpuRealDivConfig,
  cpuSumConfig,
  cpuMeanConfig,
];

/** Kernel names per backend that this package registers (for documentation and tests). */
export function trainingKernelNames(): { wasm: string[]; cpu: string[] } {
  return {
    wasm: WASM_TRAINING_KERNELS.map((k) => k.kernelName),
    cpu: CPU_TRAINING_KERNELS.map((k) => k.kernelName),
  };
}

const OURS: readonly KernelConfig[] = [...WASM_TRAINING_KERNELS, ...CPU_TRAINING_KERNELS];

function install(config: KernelConfig): void {
  const current = getKernel(config.kernelName, config.backendName);
  if (current?.kernelFunc === config.kernelFunc) return;
  if (current != null) {
    rememberReplaced(current, OURS);
    unregisterKernel(config.kernelName, config.backendName);
  }
  // A stock kernel we delegate to may need its setup (tfjs-backend-wasm binds its C function
  // there when the backend starts): keep it on ours.
  const setup =
    current != null && config.setupFunc == null && current.setupFunc != null
      ? { setupFunc: current.setupFunc, disposeFunc: current.disposeFunc }
      : {};
  registerKernel({ ...config, ...setup });
}

/**
 * Registers this package's training kernels in tfjs's global kernel registry: the wasm kernels
 * listed in {@link WASM_TRAINING_KERNELS} and the faster cpu kernels of
 * {@link CPU_TRAINING_KERNELS} (replacing the stock ones). Idempotent: calling it again changes
 * nothing. Call it after importing `@tensorflow/tfjs-backend-wasm`: that module registers its
 * own kernels when first imported and would replace ours (`initBackend` takes care of the
 * order). The cpu backend is imported here, so its registration always precedes ours.
 * It also replaces tfjs-core's `Sum`, `Mean` and `Relu` gradients with faster ones of the same
 * bits (no ones tensor; one `BurninReluGrad` kernel), see `faster-gradients.ts`.
 */
export function registerTrainingKernels(): void {
  for (const config of WASM_TRAINING_KERNELS) install(config);
  for (const config of CPU_TRAINING_KERNELS) install(config);
  registerFasterGradients();
}
