import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A test file's temp folder, and run folders inside it. */
export interface TempRoot {
  /** The folder itself (exists until the file's tests are done). */
  readonly dir: string;
  /** A new path inside `dir` that does not exist yet (`r0`, `r1`, ...): a fresh `--out`. */
  newPath(): string;
  /** A new empty folder inside `dir`, named `<name>-XXXXXX`. */
  newDir(name?: string): string;
}

/**
 * Creates a temp folder `burnin-<prefix>-XXXXXX` for the calling test file and removes it
 * (recursively) after the file's tests. Call it at module level (it registers an afterAll).
 */
export function tempRoot(prefix: string): TempRoot {
  const dir = mkdtempSync(join(tmpdir(), `burnin-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return {
    dir,
    newPath: () => join(dir, `r${n++}`),
    newDir: (name = 'run') => mkdtempSync(join(dir, `${name}-`)),
  };
}
