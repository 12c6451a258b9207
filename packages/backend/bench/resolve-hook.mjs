// Node ESM resolve hook for the benchmark script: tfjs-core's ESM build (needed for
// `dist/register_all_gradients.js`, which its CommonJS bundle does not include) uses
// extensionless relative imports; retry those with `.js`, then `/index.js`, appended.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!specifier.startsWith('.') || specifier.endsWith('.js')) throw error;
    try {
      return await next(specifier + '.js', context);
    } catch {
      return next(specifier + '/index.js', context);
    }
  }
}`)}`,
);
