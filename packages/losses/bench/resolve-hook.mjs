// tfjs-core's ESM files (dist/register_all_gradients.js and what it imports) use
// extensionless relative specifiers, which Node's ESM loader rejects; try '.js' first, then
// '/index.js'. Only used by the benchmark (tests run under vitest, which resolves these itself).
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && !/\.(m|c)?js$|\.json$/.test(specifier)) {
    for (const candidate of [`${specifier}.js`, `${specifier}/index.js`]) {
      try {
        return await next(candidate, context);
      } catch {
        // try the next candidate
      }
    }
  }
  return next(specifier, context);
}
