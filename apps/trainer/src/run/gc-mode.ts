/**
 * Where V8 collects garbage during a run. By default V8 marks and sweeps on helper threads
 * beside the JavaScript thread; that is free while a core idles, but when every core runs a
 * training thread the helpers take turns on those cores and each step waits for the thread
 * they slowed. `--single-threaded-gc` keeps each thread's collection on that thread. V8 reads
 * it only at start-up, for the whole process, so `burnin train` restarts itself with it
 * (see relaunch.ts) when it will use every core.
 */
import { availableParallelism } from 'node:os';
import { TrainerError } from '../errors.js';
import { canRelaunch, relaunch } from './relaunch.js';

/** The V8 option: each isolate collects its garbage on its own thread only. */
export const SINGLE_THREADED_GC_FLAG = '--single-threaded-gc';

/** Environment variable that chooses the mode (see {@link GcSetting}). */
export const GC_ENV = 'BURNIN_GC';

/**
 * `auto` (default): single-threaded when the run's threads use every core (and more than
 * one); `single-threaded` / `concurrent`: always / never.
 */
export type GcSetting = 'auto' | 'single-threaded' | 'concurrent';

const SETTINGS: readonly GcSetting[] = ['auto', 'single-threaded', 'concurrent'];

/** BURNIN_GC holds something else than a {@link GcSetting}. */
export class GcSettingError extends TrainerError {
  override name = 'GcSettingError';
}

/** The setting in `env` (BURNIN_GC; unset or empty: `auto`); throws {@link GcSettingError}. */
export function gcSetting(env: NodeJS.ProcessEnv = process.env): GcSetting {
  const v = env[GC_ENV];
  if (v === undefined || v === '') return 'auto';
  if ((SETTINGS as readonly string[]).includes(v)) return v as GcSetting;
  throw new GcSettingError(
    `${GC_ENV} must be one of ${SETTINGS.join(', ')}, got ${JSON.stringify(v)}`,
  );
}

/**
 * Whether a run of `threads` training threads on `cores` cores should collect garbage on its
 * own threads: with `auto`, when threads > 1 and threads >= cores (no core left for V8's
 * helpers). One thread keeps a core free for them, so it stays concurrent.
 */
export function wantsSingleThreadedGc(threads: number, cores: number, setting: GcSetting): boolean {
  if (setting === 'single-threaded') return true;
  if (setting === 'concurrent') return false;
  return threads > 1 && threads >= cores;
}

/**
 * The V8 options a run of `threads` training threads gets (see {@link wantsSingleThreadedGc}):
 * `[SINGLE_THREADED_GC_FLAG]` or none. Throws {@link GcSettingError} for a bad BURNIN_GC.
 */
export function gcV8Options(
  threads: number,
  cores: number = availableParallelism(),
  setting: GcSetting = gcSetting(),
): string[] {
  return wantsSingleThreadedGc(threads, cores, setting) ? [SINGLE_THREADED_GC_FLAG] : [];
}

/** Whether this process runs with {@link SINGLE_THREADED_GC_FLAG}. */
export function singleThreadedGc(execArgv: readonly string[] = process.execArgv): boolean {
  return execArgv.includes(SINGLE_THREADED_GC_FLAG);
}

/**
 * For a command about to run `threads` training threads: when this process may restart
 * itself (an entry point, see relaunch.ts), wants the single-threaded GC (BURNIN_GC, the
 * cores) and runs without it, runs the command again with it (`extraArgs` appended) and
 * resolves to that run's exit code; else resolves to null (run here). A bad BURNIN_GC throws
 * {@link GcSettingError} either way.
 */
export async function relaunchForGc(
  threads: number,
  extraArgs: readonly string[] = [],
): Promise<number | null> {
  const options = gcV8Options(threads);
  if (!canRelaunch() || singleThreadedGc() || options.length === 0) return null;
  return relaunch(options, extraArgs);
}
