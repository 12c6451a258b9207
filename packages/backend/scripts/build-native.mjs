#!/usr/bin/env node
// Compiles native/*.cc into dist/native/burnin-conv-linux-x64.node, the Node-API addon with the
// native conv kernels (AVX-512 and AVX2 + FMA builds of native/conv.h, picked at run time) and
// the fused Adam update (native/adam.cc) and nearest-neighbour upsampling (native/resize.cc).
// Runs after tsup in `pnpm build`. Needs g++ and Node's headers (node_api.h: /usr/include/node,
// or NODE_INCLUDE). Elsewhere (other platforms, no compiler) it says so and exits 0: the
// package then runs its wasm kernels. BURNIN_NATIVE_REQUIRED=1 makes a failed build an error.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native');
const outDir = join(root, 'dist', 'native');
const out = join(outDir, `burnin-conv-${process.platform}-${process.arch}.node`);
const required = process.env.BURNIN_NATIVE_REQUIRED === '1';

function skip(why) {
  if (required) {
    console.error(`build-native: ${why}`);
    process.exit(1);
  }
  console.warn(`build-native: ${why}; the package will use its wasm kernels`);
  process.exit(0);
}

if (process.platform !== 'linux' || process.arch !== 'x64')
  skip(`no native build for ${process.platform}-${process.arch}`);
const includes = [
  process.env.NODE_INCLUDE,
  '/usr/include/node',
  join(dirname(process.execPath), '..', 'include', 'node'),
].filter(Boolean);
const include = includes.find((d) => existsSync(join(d, 'node_api.h')));
if (include == null)
  skip(`node_api.h not found (looked in ${includes.join(', ')}; set NODE_INCLUDE)`);
const cxx = process.env.CXX ?? 'g++';
const flags = [
  '-O3',
  '-std=c++17',
  '-fPIC',
  '-pthread',
  '-fno-exceptions',
  '-fno-rtti',
  '-fvisibility=hidden',
  '-ffp-contract=fast',
  '-Wall',
  '-Wextra',
  '-Werror',
  `-I${include}`,
];
const units = [
  ['addon.cc', []],
  ['pool.cc', []],
  ['resize.cc', []],
  // baseline x86-64 (SSE2, no FMA) and no contraction: the float32 rounding of tfjs's Adam
  ['adam.cc', ['-ffp-contract=off', '-fno-math-errno']],
  ['conv-avx512.cc', ['-mavx512f', '-mfma']],
  ['conv-avx2.cc', ['-mavx2', '-mfma']],
];
const tmp = mkdtempSync(join(tmpdir(), 'burnin-native-'));
try {
  const objects = units.map(([file, isa]) => {
    const obj = join(tmp, file.replace(/\.cc$/, '.o'));
    execFileSync(cxx, [...flags, ...isa, '-c', join(src, file), '-o', obj], { stdio: 'inherit' });
    return obj;
  });
  mkdirSync(outDir, { recursive: true });
  execFileSync(
    cxx,
    ['-shared', '-s', '-static-libstdc++', '-static-libgcc', '-pthread', '-o', out, ...objects],
    { stdio: 'inherit' },
  );
  console.log(`build-native: wrote ${out}`);
} catch (error) {
  skip(`${cxx} failed (${error instanceof Error ? error.message.split('\n')[0] : error})`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
