/**
 * `@burnin/metrics/node`: the helpers that read COCO JSON files with `node:fs`. Kept out of the
 * main entry so that `@burnin/metrics` bundles for browsers with no Node built-ins.
 */
export { evaluateCocoFiles, readCocoGroundTruth, readCocoResults } from './coco-files.js';
