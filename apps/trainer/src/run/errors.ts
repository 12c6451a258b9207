import { TrainerError } from '../errors.js';
/**
 * A file or folder of a run that could not be used (disk full, read-only, a file where a
 * folder should be, damaged contents). The message names the file and what to do; the CLI
 * prints it on one line and exits with {@link RunFileError.exitCode}.
 */
export class RunFileError extends TrainerError {
  override name = 'RunFileError';
  constructor(
    message: string,
    /** The file or folder concerned. */
    readonly file: string,
    /** The Node error code (ENOSPC, EROFS, ...), when an fs call failed. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** `train --out` names a folder that already holds a run, and `--resume` was not given. */
export class RunExistsError extends TrainerError {
  override name = 'RunExistsError';
}

/** Another trainer holds the run folder's lock. */
export class RunLockedError extends TrainerError {
  override name = 'RunLockedError';
}

/**
 * Wraps a failed fs call on `file` into a {@link RunFileError} whose message says what failed
 * (`action`, e.g. 'write'), which file, and what to do. Errors that are already ours pass.
 */
export function fileError(action: string, file: string, e: unknown): Error {
  if (e instanceof RunFileError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const what = `cannot ${action} ${file}`;
  let msg: string;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      msg = `${what}: no space left on the device (${code}); free some space, then continue with --resume`;
      break;
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      msg = `${what}: the folder is read-only or not writable (${code}); fix its permissions or choose another --out`;
      break;
    case 'ENOTDIR':
    case 'EEXIST':
      msg = `${what}: a file is in the way where a folder should be (${code}); move it away or choose another --out`;
      break;
    case 'EISDIR':
      msg = `${what}: it is a folder, a file was expected (EISDIR); move it away or choose another --out`;
      break;
    case 'ENOENT':
      msg = `${what}: no such file or folder (ENOENT)`;
      break;
    default:
      msg = `${what}: ${typeof err?.message === 'string' ? err.message.split('\n')[0] : String(e)}`;
  }
  return new RunFileError(msg, file, code);
}
