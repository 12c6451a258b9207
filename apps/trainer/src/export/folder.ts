/**
 * Writes an export folder all at once: every file goes into a temp folder next to `--out`
 * (`.NAME.export-tmp-<pid>`), fsynced, and the temp folder is renamed to `--out` at the end,
 * so `--out` holds either nothing new or the whole export. An existing `--out` is replaced only
 * when it is an export (its labels.json says `format: 'burnin-export'`) or an empty folder.
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { TrainerError } from '../errors.js';
import { fsyncDir, openForWrite, writeChunk } from '../run/fs.js';
import { EXPORT_FORMAT } from './labels.js';
import type { ExportFile } from './model-files.js';

/** `--out` cannot be used or written (not an export, read-only, disk full, ...). */
export class ExportWriteError extends TrainerError {
  override name = 'ExportWriteError';
}

/** A file copied into the export: from an absolute path to a name inside the folder. */
export interface ExportAsset {
  from: string;
  name: string;
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `the folder is read-only or not writable (${err.code})`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left on the device (${err.code})`;
    case 'ENOENT':
      return 'no such file or folder (ENOENT)';
    case 'ENOTDIR':
      return 'a file is in the way where a folder should be (ENOTDIR)';
    default:
      return String(err?.message ?? e).split('\n')[0];
  }
}

/**
 * Why `out` may not be replaced by an export, or null when it may: it does not exist, is an
 * empty folder, or is an export folder (labels.json with format 'burnin-export').
 */
export function outProblem(out: string): string | null {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(out);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return `cannot be read: ${reason(e)}`;
  }
  if (!st.isDirectory()) return 'exists and is not a folder';
  const names = readdirSync(out);
  if (names.length === 0) return null;
  const labels = join(out, 'labels.json');
  let format: unknown;
  try {
    format = (JSON.parse(readFileSync(labels, 'utf8')) as { format?: unknown })?.format;
  } catch {
    format = undefined;
  }
  if (format !== EXPORT_FORMAT)
    return `exists and is not a burnin export (no ${labels} with format '${EXPORT_FORMAT}'); choose another --out or empty it`;
  return null;
}

function writeFileSynced(file: string, bytes: Uint8Array): void {
  const fd = openForWrite(file, 'wx');
  try {
    writeChunk(fd, file, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `files` and copies `assets` into a new folder `out` (replacing an export or an empty
 * folder there), all or nothing. Throws {@link ExportWriteError} naming `--out` or the file
 * that failed; the temp folder is removed on failure and `out` is left as it was.
 */
export function writeExportFolder(
  out: string,
  files: readonly ExportFile[],
  assets: readonly ExportAsset[],
): void {
  const target = resolve(out);
  const problem = outProblem(target);
  if (problem) throw new ExportWriteError(`--out ${out} ${problem}`);
  const parent = dirname(target);
  const base = basename(target);
  if (!existsSync(parent))
    throw new ExportWriteError(`cannot write export ${out}: its folder ${parent} does not exist`);
  // leftovers of an export that was killed (their pid is in the name)
  for (const n of readdirSync(parent))
    if (n.startsWith(`.${base}.export-tmp-`) || n.startsWith(`.${base}.export-old-`))
      rmSync(join(parent, n), { recursive: true, force: true });
  const temp = join(parent, `.${base}.export-tmp-${process.pid}`);
  try {
    mkdirSync(temp);
  } catch (e) {
    throw new ExportWriteError(`cannot write export ${out}: cannot create ${temp}: ${reason(e)}`);
  }
  let current = temp;
  try {
    for (const f of files) {
      current = join(temp, f.name);
      mkdirSync(dirname(current), { recursive: true });
      writeFileSynced(current, f.bytes);
    }
    for (const a of assets) {
      current = join(temp, a.name);
      mkdirSync(dirname(current), { recursive: true });
      copyFileSync(a.from, current);
    }
    fsyncDir(temp);
    current = target;
    if (existsSync(target)) {
      const old = join(parent, `.${base}.export-old-${process.pid}`);
      renameSync(target, old);
      try {
        renameSync(temp, target);
      } catch (e) {
        renameSync(old, target);
        throw e;
      }
      rmSync(old, { recursive: true, force: true });
    } else renameSync(temp, target);
    fsyncDir(parent);
  } catch (e) {
    rmSync(temp, { recursive: true, force: true });
    if (e instanceof ExportWriteError) throw e;
    throw new ExportWriteError(`cannot write export ${out}: ${current}: ${reason(e)}`);
  }
}
