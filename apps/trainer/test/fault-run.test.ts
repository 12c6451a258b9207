import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { ConfigError } from '../src/config.js';
import { RunExistsError, RunFileError, RunLockedError } from '../src/run/errors.js';
import { CheckpointError, readCheckpoint } from '../src/train/checkpoint.js';
import { type CheckpointMeta, readMetrics, train } from '../src/train/train.js';
import { snapshot, tempFiles, tinyConfig, weightsOf } from './fault-helpers.js';
import { tempRoot } from './helpers.js';

const tmp = tempRoot('fault-run');
const root = tmp.dir;
const fresh = tmp.newPath;
const quiet = () => {};
const latestOf = (d: string) => join(d, 'checkpoints', 'latest.ckpt');
let ref: Record<string, number[]>;

beforeAll(async () => {
  await selectBackend('cpu', quiet);
  const d = fresh();
  const r = await train({ config: tinyConfig(), outDir: d, log: quiet });
  expect(r.status).toBe('completed');
  ref = weightsOf(latestOf(d));
});
afterAll(() => {
  delete process.env.BURNIN_TEST_FAULTS;
});

/** A run of tinyConfig() stopped (like Ctrl-C) after step `at`. */
async function interruptedAt(at: number): Promise<string> {
  const d = fresh();
  const ctl = new AbortController();
  const r = await train({
    config: tinyConfig(),
    outDir: d,
    log: quiet,
    signal: ctl.signal,
    onStep: (s) => {
      if (s === at) ctl.abort();
    },
  });
  expect(r.status).toBe('interrupted');
  return d;
}

/** Resumes `d` to the end and checks it reaches the uninterrupted run's weights. */
async function resumesToReference(d: string, lines: string[] = []): Promise<void> {
  const r = await train({
    config: tinyConfig(),
    outDir: d,
    log: (l) => lines.push(l),
    resume: true,
  });
  expect(r.status).toBe('completed');
  expect(weightsOf(latestOf(d))).toEqual(ref);
  expect(tempFiles(d)).toEqual([]);
  expect(existsSync(join(d, 'run.lock'))).toBe(false);
}

/** The error `p` rejects with. */
async function failure(p: Promise<unknown>): Promise<Error & { exitCode?: number }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { exitCode?: number };
  }
  throw new Error('expected a rejection');
}

/** Rewrites a format-2 checkpoint's header with `edit`, with a valid checksum. */
function editHeader(file: string, edit: (h: { meta: CheckpointMeta }) => string): void {
  const buf = readFileSync(file);
  const hlen = buf.readUInt32LE(8);
  const header = JSON.parse(buf.toString('utf8', 12, 12 + hlen));
  const text = Buffer.from(edit(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(text.length);
  const body = Buffer.concat([
    buf.subarray(0, 8),
    len,
    text,
    buf.subarray(12 + hlen, buf.length - 32),
  ]);
  writeFileSync(file, Buffer.concat([body, createHash('sha256').update(body).digest()]));
}

describe('a folder that holds a run (F3, F4)', () => {
  it('is refused without --resume, naming --resume and --out, and nothing is touched', async () => {
    const d = await interruptedAt(4);
    const before = snapshot(d);
    const e = await failure(train({ config: tinyConfig({ steps: 8 }), outDir: d, log: quiet }));
    expect(e).toBeInstanceOf(RunExistsError);
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/already holds a run .*--resume.*fresh --out/);
    expect(snapshot(d)).toEqual(before);
    await resumesToReference(d);
  });

  it('killed before its first checkpoint: another config is refused, the same one resumes', async () => {
    // what a kill -9 before the first checkpoint leaves
    const d = fresh();
    mkdirSync(join(d, 'checkpoints'), { recursive: true });
    writeFileSync(join(d, 'config.resolved.json'), JSON.stringify(tinyConfig()));
    writeFileSync(join(d, 'metrics.jsonl'), '');
    const before = snapshot(d);
    const other = tinyConfig({ steps: 8 });
    expect(await failure(train({ config: other, outDir: d, log: quiet }))).toBeInstanceOf(
      RunExistsError,
    );
    const e = await failure(train({ config: other, outDir: d, log: quiet, resume: true }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/configuration differs from .*config\.resolved\.json/);
    expect(snapshot(d)).toEqual(before);
    const lines: string[] = [];
    await resumesToReference(d, lines);
    expect(lines.join('\n')).toMatch(/no checkpoint in .* yet: starting .* from step 0/);
  });

  it('a folder a kill left right after the start (empty checkpoints/, stale lock) is reused', async () => {
    const d = fresh();
    mkdirSync(join(d, 'checkpoints'), { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(
      join(d, 'run.lock'),
      JSON.stringify({ pid: dead, host: hostname(), startedAt: new Date().toISOString() }),
    );
    const r = await train({ config: tinyConfig(), outDir: d, log: quiet });
    expect(r.status).toBe('completed');
    expect(weightsOf(latestOf(d))).toEqual(ref);
  });

  it('a checkpoint is only continued under the config it was trained with', async () => {
    const d = await interruptedAt(4);
    const other = tinyConfig({ steps: 8 });
    // config.resolved.json replaced (as the old `train --out` without --resume did)
    writeFileSync(join(d, 'config.resolved.json'), JSON.stringify(other));
    const e = await failure(train({ config: other, outDir: d, log: quiet, resume: true }));
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e.message).toContain(`checkpoint ${latestOf(d)}: field 'config'`);
  });
});

describe('run.lock (F5)', () => {
  it('a live trainer (or one on another host) holds the folder; a dead one is taken over', async () => {
    const d = await interruptedAt(2);
    const lock = join(d, 'run.lock');
    const startedAt = new Date().toISOString();
    // the parent of this test process is alive
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), startedAt }));
    const before = snapshot(d);
    let e = await failure(train({ config: tinyConfig(), outDir: d, log: quiet, resume: true }));
    expect(e).toBeInstanceOf(RunLockedError);
    expect(e.message).toContain(`process ${process.ppid}`);
    expect(e.message).toContain(lock);
    writeFileSync(lock, JSON.stringify({ pid: 1, host: 'elsewhere', startedAt }));
    e = await failure(train({ config: tinyConfig(), outDir: d, log: quiet, resume: true }));
    expect(e).toBeInstanceOf(RunLockedError);
    expect(e.message).toMatch(/on host elsewhere/);
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(lock, JSON.stringify({ pid: dead, host: hostname(), startedAt }));
    delete before['run.lock'];
    const lines: string[] = [];
    await resumesToReference(d, lines);
    expect(lines.filter((l) => l.includes('stale lock'))).toEqual([
      `lock: taking over the stale lock ${lock} of process ${dead} (no longer running)`,
    ]);
  });
});

describe('damaged files (F6, F8, F9, F11, F12)', () => {
  it('a torn metrics line and stale temp files do not stop a resume', async () => {
    const d = await interruptedAt(4);
    appendFileSync(join(d, 'metrics.jsonl'), '{"type":"train","step":5,"epoch":2,"lr":0.00');
    writeFileSync(`${latestOf(d)}.tmp-999999`, Buffer.alloc(4096, 7));
    writeFileSync(join(d, 'config.resolved.json.tmp-999998'), '{');
    const lines: string[] = [];
    await resumesToReference(d, lines);
    expect(lines.join('\n')).toMatch(/skipped 1 damaged line\(s\) of .*metrics\.jsonl/);
    expect(lines.filter((l) => l.startsWith('removed the stale temp file'))).toHaveLength(2);
    const text = readFileSync(join(d, 'metrics.jsonl'), 'utf8');
    const rows = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.filter((m) => m.type === 'train').map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a flipped byte, an edited or unreadable header are refused naming the checkpoint', async () => {
    const d = await interruptedAt(4);
    const file = latestOf(d);
    const good = readFileSync(file);
    const resume = () =>
      failure(train({ config: tinyConfig(), outDir: d, log: quiet, resume: true }));
    const flipped = Buffer.from(good);
    flipped[flipped.length - 100] ^= 0x01;
    writeFileSync(file, flipped);
    let e = await resume();
    expect(e).toBeInstanceOf(CheckpointError);
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain(`checkpoint ${file} is damaged (checksum mismatch`);
    expect(readFileSync(file).equals(flipped)).toBe(true);

    writeFileSync(file, good);
    editHeader(file, (h) => JSON.stringify({ ...h, meta: { ...h.meta, step: 3.5 } }));
    e = await resume();
    expect(e.message).toContain(
      `checkpoint ${file}: field 'step' is 3.5, expected an integer 0..6`,
    );
    writeFileSync(file, good);
    editHeader(file, (h) => JSON.stringify({ ...h, meta: { ...h.meta, step: 5 } }));
    expect((await resume()).message).toMatch(/field 'dataPosition' is 16, expected 20/);
    writeFileSync(file, good);
    editHeader(file, (h) =>
      JSON.stringify(h).replace(
        '"opt/stem/kernel/m","shape":[3,3,3,4]',
        '"opt/stem/kernel/m","shape":[3,3,4,3]',
      ),
    );
    expect((await resume()).message).toContain(
      `checkpoint ${file} does not match the model (optimizer tensor opt/stem/kernel/m: shape [3,3,4,3], expected [3,3,3,4])`,
    );
    writeFileSync(file, good);
    editHeader(file, (h) => JSON.stringify(h).slice(0, -2));
    expect((await resume()).message).toContain(
      `checkpoint ${file} has a header that is not valid JSON`,
    );
    expect((await resume()).message.includes('\n')).toBe(false);

    // format 1 (before checksums) is still read
    const hlen = good.readUInt32LE(8);
    const header = JSON.parse(good.toString('utf8', 12, 12 + hlen));
    delete header.version;
    const h1 = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(h1.length);
    const v1 = join(d, 'v1.ckpt');
    writeFileSync(
      v1,
      Buffer.concat([Buffer.from('BURNCKP1'), len, h1, good.subarray(12 + hlen, good.length - 32)]),
    );
    writeFileSync(file, good);
    expect(weightsOf(v1)).toEqual(weightsOf(file));
    await resumesToReference(d);
  });

  it('a file where a folder should be, or a damaged config.resolved.json: one line naming it', async () => {
    const f = join(root, 'a-file');
    writeFileSync(f, 'x');
    let e = await failure(train({ config: tinyConfig(), outDir: f, log: quiet }));
    expect(e).toBeInstanceOf(RunFileError);
    expect(e.message).toBe(
      `cannot use ${f}: a file is in the way where a folder should be (ENOTDIR); move it away or choose another --out`,
    );
    e = await failure(train({ config: tinyConfig(), outDir: join(f, 'run'), log: quiet }));
    expect(e).toBeInstanceOf(RunFileError);
    expect(e.message).toContain(
      `cannot create folder ${join(f, 'run', 'checkpoints')}: a file is in the way`,
    );
    const d = await interruptedAt(2);
    writeFileSync(join(d, 'config.resolved.json'), '{"seed": 0,');
    e = await failure(train({ config: tinyConfig(), outDir: d, log: quiet, resume: true }));
    expect(e).toBeInstanceOf(RunFileError);
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/config\.resolved\.json is damaged \(not valid JSON/);
    expect(e.message.includes('\n')).toBe(false);
  });

  it('a full disk inside a checkpoint write: error names the file, no temp left, resumable', async () => {
    const d = fresh();
    const chunks = readCheckpoint(latestOf(join(root, 'r0'))).tensors.length + 4;
    // the 2nd chunk of the 2nd checkpoint write (step 4) fails after half its bytes
    process.env.BURNIN_TEST_FAULTS = JSON.stringify({
      match: 'latest.ckpt',
      failWrite: chunks + 2,
    });
    let e: Error & { exitCode?: number };
    try {
      e = await failure(train({ config: tinyConfig(), outDir: d, log: quiet }));
    } finally {
      delete process.env.BURNIN_TEST_FAULTS;
    }
    expect(e).toBeInstanceOf(RunFileError);
    expect(e.message).toBe(
      `cannot write ${latestOf(d)}: no space left on the device (ENOSPC); free some space, then continue with --resume`,
    );
    expect(tempFiles(d)).toEqual([]);
    expect(readCheckpoint(latestOf(d)).meta.step).toBe(2); // the previous good one
    expect(existsSync(join(d, 'run.lock'))).toBe(false);
    await resumesToReference(d);
  });

  it('a full disk inside a metrics append: the torn line is dropped on resume', async () => {
    const d = fresh();
    process.env.BURNIN_TEST_FAULTS = JSON.stringify({ match: 'metrics.jsonl', failWrite: 4 });
    let e: Error;
    try {
      e = await failure(train({ config: tinyConfig(), outDir: d, log: quiet }));
    } finally {
      delete process.env.BURNIN_TEST_FAULTS;
    }
    expect(e.message).toMatch(/^cannot append to .*metrics\.jsonl: no space left on the device/);
    expect(readFileSync(join(d, 'metrics.jsonl'), 'utf8').endsWith('\n')).toBe(false);
    await resumesToReference(d);
    expect(
      readMetrics(join(d, 'metrics.jsonl'), () => {
        throw new Error('damaged line left');
      }).length,
    ).toBeGreaterThan(0);
  });

  it('a read-only run folder is refused with one line naming the file', async () => {
    const d = await interruptedAt(2);
    const before = snapshot(d);
    // chmod does not stop root: then the write layer fails every open like a read-only fs
    chmodSync(d, 0o555);
    let blocks = false;
    try {
      writeFileSync(join(d, 'probe'), '');
      rmSync(join(d, 'probe'));
    } catch {
      blocks = true;
    }
    if (!blocks) process.env.BURNIN_TEST_FAULTS = JSON.stringify({ match: d, failOpen: 'EROFS' });
    let e: Error;
    try {
      e = await failure(train({ config: tinyConfig(), outDir: d, log: quiet, resume: true }));
    } finally {
      delete process.env.BURNIN_TEST_FAULTS;
      chmodSync(d, 0o755);
    }
    expect(e).toBeInstanceOf(RunFileError);
    expect(e.message).toMatch(
      new RegExp(
        `^cannot create the lock file ${join(d, 'run.lock')}: the folder is read-only or not writable \\((EROFS|EACCES)\\)`,
      ),
    );
    expect(snapshot(d)).toEqual(before);
    await resumesToReference(d);
  });
});

describe('summary.json of a resumed run', () => {
  it('counts the time before the checkpoint', async () => {
    const d = await interruptedAt(4);
    const t = readCheckpoint<CheckpointMeta>(latestOf(d)).meta.time;
    expect(t?.wallSec).toBeGreaterThan(0);
    await resumesToReference(d);
    const s = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'));
    expect(s.wallTimeSec).toBeGreaterThan(t?.wallSec as number);
    expect(s.cpuTimeSec).toBeGreaterThan(t?.cpuSec as number);
  });
});
