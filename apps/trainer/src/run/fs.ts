import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileError, RunFileError } from './errors.js';

/**
 * Test-only fault injection, read from the `BURNIN_TEST_FAULTS` environment variable (JSON;
 * unset in normal use). Every write of a run file goes through {@link writeChunk}, which counts
 * the writes to files whose path contains `match` (all files when absent):
 * - `failWrite: N` — the N-th counted write throws `code` (default ENOSPC) after writing half
 *   its bytes (a torn write, as a full disk leaves it);
 * - `killWrite: N` — the N-th counted write writes half its bytes, then the process kills
 *   itself with SIGKILL;
 * - `failOpen: CODE` — opening any matching file for writing throws CODE (e.g. EROFS: a
 *   read-only folder where chmod cannot make one, as for root).
 */
interface Faults {
  match?: string;
  failWrite?: number;
  killWrite?: number;
  code?: string;
  failOpen?: string;
}

let faultSpec: string | undefined;
let faults: Faults | null = null;
let writes = 0;

function currentFaults(): Faults | null {
  const spec = process.env.BURNIN_TEST_FAULTS;
  if (spec !== faultSpec) {
    faultSpec = spec;
    faults = spec ? (JSON.parse(spec) as Faults) : null;
    writes = 0;
  }
  return faults;
}

function errno(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: injected fault, ${syscall} '${file}'`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  return e;
}

/** Opens `file` for writing ('w' or 'a'), honouring injected faults. */
export function openForWrite(file: string, flags: 'w' | 'a' | 'wx'): number {
  const f = currentFaults();
  if (f?.failOpen && (!f.match || file.includes(f.match))) throw errno(f.failOpen, 'open', file);
  return openSync(file, flags);
}

/** Writes all of `data` to `fd` (a descriptor of `file`), honouring injected faults. */
export function writeChunk(fd: number, file: string, data: Uint8Array): void {
  const f = currentFaults();
  if (f && (!f.match || file.includes(f.match))) {
    writes++;
    if (writes === f.killWrite || writes === f.failWrite) {
      const half = data.subarray(0, data.length >> 1);
      if (half.length) writeSync(fd, half);
      if (writes === f.killWrite) {
        fsyncSync(fd);
        process.kill(process.pid, 'SIGKILL');
      }
      throw errno(f.code ?? 'ENOSPC', 'write', file);
    }
  }
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, data.length - off);
}

/** fsyncs a folder so that a rename inside it survives a power loss (best effort). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems cannot fsync a folder; the rename itself is still atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function toBytes(c: Uint8Array | string): Uint8Array {
  return typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
}

/**
 * Replaces `file` atomically: writes the chunks to `file.tmp-<pid>` in the same folder,
 * fsyncs it, renames it over `file` and fsyncs the folder. A crash at any moment leaves the
 * old or the new complete file (and at most a stale temp file, removed by
 * {@link removeStaleTemps}); on an error the temp file is removed and a RunFileError naming
 * `file` is thrown.
 */
export function writeFileAtomic(file: string, chunks: Iterable<Uint8Array | string>): void {
  const tmp = `${file}.tmp-${process.pid}`;
  let fd: number | undefined;
  try {
    fd = openForWrite(tmp, 'w');
    for (const c of chunks) writeChunk(fd, file, toBytes(c));
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {}
    }
    try {
      unlinkSync(tmp);
    } catch {}
    throw fileError('write', file, e);
  }
  fsyncDir(dirname(file));
}

/** {@link writeFileAtomic} of pretty-printed JSON plus a newline. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, [`${JSON.stringify(value, null, 2)}\n`]);
}

/** Appends `text` to `file` (created when missing); errors name the file. */
export function appendText(file: string, text: string): void {
  let fd: number | undefined;
  try {
    fd = openForWrite(file, 'a');
    writeChunk(fd, file, Buffer.from(text, 'utf8'));
  } catch (e) {
    throw fileError('append to', file, e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Creates folder `dir` (and its parents); errors name the folder and what to do. */
export function makeDir(dir: string): void {
  try {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      const e = new Error('not a folder') as NodeJS.ErrnoException;
      e.code = 'ENOTDIR';
      throw e;
    }
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fileError('create folder', dir, e);
  }
}

const TEMP = /\.tmp-\d+$/;

/**
 * Removes temp files (`*.tmp-<pid>`) that a killed writer left in `dirs`. Call only while
 * holding the run lock. Returns the removed paths.
 */
export function removeStaleTemps(dirs: readonly string[]): string[] {
  const removed: string[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (!TEMP.test(n)) continue;
      const p = join(d, n);
      try {
        unlinkSync(p);
        removed.push(p);
      } catch (e) {
        throw fileError('remove the stale temp file', p, e);
      }
    }
  }
  return removed;
}

/**
 * Reads and parses a run's JSON file. A read failure is a one-line file error; text that is not
 * JSON is a RunFileError naming the file, followed by `advice` (what to do) when given.
 */
export function readRunJson(file: string, advice?: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw fileError('read', file, e);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const what = `${file} is damaged (not valid JSON: ${(e as Error).message})`;
    throw new RunFileError(advice ? `${what}; ${advice}` : what, file);
  }
}
