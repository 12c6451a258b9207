import { vi } from 'vitest';
import { main } from '../src/cli.js';
import type { CommandIo } from '../src/io/command-io.js';

/**
 * Runs the CLI's `main(argv)` with console.log/info/error and process.stdout/stderr captured;
 * `out` and `err` are the captured lines joined by newlines.
 */
export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a) => {
      out.push(a.join(' '));
    }),
    vi.spyOn(console, 'info').mockImplementation(() => {}),
    vi.spyOn(console, 'error').mockImplementation((...a) => {
      err.push(a.join(' '));
    }),
    vi.spyOn(process.stdout, 'write').mockImplementation((t) => {
      out.push(String(t));
      return true;
    }),
    vi.spyOn(process.stderr, 'write').mockImplementation((t) => {
      err.push(String(t));
      return true;
    }),
  ];
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

/** A command's io that keeps what it writes (`out`, `err`). */
export function captureIo(): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
  };
  return io;
}
