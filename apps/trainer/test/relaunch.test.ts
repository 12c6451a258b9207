import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GcSettingError,
  gcSetting,
  SINGLE_THREADED_GC_FLAG,
  singleThreadedGc,
  wantsSingleThreadedGc,
} from '../src/run/gc-mode.js';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { tinyConfig, weightsOf } from './fault-helpers.js';
import { tempRoot } from './helpers.js';
import { aStepLogged, bundleCli, spawnCli } from './spawn-cli.js';

describe('gc mode', () => {
  it('reads BURNIN_GC: unset or empty is auto; anything else but the three is a typed error', () => {
    expect(gcSetting({})).toBe('auto');
    expect(gcSetting({ BURNIN_GC: '' })).toBe('auto');
    for (const v of ['auto', 'single-threaded', 'concurrent'] as const)
      expect(gcSetting({ BURNIN_GC: v })).toBe(v);
    for (const v of ['single', 'AUTO', '1', ' auto'])
      expect(() => gcSetting({ BURNIN_GC: v })).toThrow(
        new GcSettingError(
          `BURNIN_GC must be one of auto, single-threaded, concurrent, got ${JSON.stringify(v)}`,
        ),
      );
  });

  it('auto: single-threaded only when more than one thread uses every core', () => {
    const cases: [number, number, boolean][] = [
      [1, 1, false],
      [1, 2, false],
      [2, 2, true],
      [2, 4, false],
      [3, 4, false],
      [4, 4, true],
      [8, 4, true],
    ];
    for (const [threads, cores, want] of cases)
      expect(wantsSingleThreadedGc(threads, cores, 'auto'), `${threads} on ${cores}`).toBe(want);
    expect(wantsSingleThreadedGc(1, 16, 'single-threaded')).toBe(true);
    expect(wantsSingleThreadedGc(16, 16, 'concurrent')).toBe(false);
  });

  it('sees the V8 option among the Node options', () => {
    expect(singleThreadedGc([])).toBe(false);
    expect(singleThreadedGc(['--max-old-space-size=100'])).toBe(false);
    expect(singleThreadedGc(['--max-old-space-size=100', SINGLE_THREADED_GC_FLAG])).toBe(true);
  });
});

/**
 * `burnin train` restarting itself with --single-threaded-gc (BURNIN_GC=single-threaded forces
 * it at 2 threads on any machine), against the real CLI bundled into node_modules/.cache.
 */
const root = tempRoot('relaunch');
const configFile = join(root.dir, 'run.json');
let cliJs = '';

/** `node cli.js <command> ... --threads 2` with BURNIN_GC=`gc`, in its own process group. */
const spawnWith = (gc: string, args: string[]) =>
  spawnCli(
    cliJs,
    [...args, '--config', configFile, '--backend', 'cpu', '--threads', '2'],
    undefined,
    {
      env: { BURNIN_GC: gc },
      detached: true,
    },
  );
const trainCli = (out: string, gc: string, ...extra: string[]) =>
  spawnWith(gc, ['train', '--out', out, ...extra]);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let ref: Record<string, number[]>;

beforeAll(async () => {
  cliJs = bundleCli('burnin-relaunch-cli');
  writeFileSync(
    configFile,
    JSON.stringify(tinyConfig({ steps: 8, logEvery: 1, evalEvery: 4, checkpointEvery: 2 })),
  );
  // the reference: the same run in one process, V8's GC left concurrent
  const d = root.newPath();
  const r = trainCli(d, 'concurrent');
  const { code } = await r.done;
  expect(code, r.err()).toBe(0);
  expect(r.out()).not.toContain(SINGLE_THREADED_GC_FLAG);
  ref = weightsOf(join(d, 'checkpoints', 'latest.ckpt'));
}, 120_000);

describe('burnin train relaunched with --single-threaded-gc (spawned)', () => {
  it('says so in its first line and trains the same bits as one process', async () => {
    const d = root.newPath();
    const r = trainCli(d, 'single-threaded');
    const { code } = await r.done;
    expect(code, r.err()).toBe(0);
    expect(r.out()).toMatch(
      /^train: cpu, 2 threads \(data-parallel: .*\), V8 GC on the training threads \(--single-threaded-gc\), \d+ parameters$/m,
    );
    expect(JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).threads).toBe(2);
    expect(weightsOf(join(d, 'checkpoints', 'latest.ckpt'))).toEqual(ref);
  });

  it('a Ctrl-C (SIGINT to the process group) saves once and exits 130; SIGTERM to the launcher alone, 143; the run resumes exactly', async () => {
    const d = root.newPath();
    const a = trainCli(d, 'single-threaded');
    await a.waitFor(/^train: /m);
    await aStepLogged(d);
    a.group('SIGINT');
    expect((await a.done).code, a.err()).toBe(130);
    // delivered to both processes, acted on once: a second signal would have quit unsaved
    expect(a.out().match(/SIGINT: saving a checkpoint/g)).toHaveLength(1);
    const s = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'));
    expect(s.status).toBe('interrupted');
    expect(readCheckpoint(join(d, 'checkpoints', 'latest.ckpt')).meta.step).toBe(s.steps);

    const logged = readFileSync(join(d, 'metrics.jsonl'), 'utf8').length;
    const b = trainCli(d, 'single-threaded', '--resume');
    await b.waitFor(/^train: /m);
    await aStepLogged(d, logged);
    b.child.kill('SIGTERM');
    expect((await b.done).code, b.err()).toBe(143);
    expect(b.out().match(/SIGTERM: saving a checkpoint/g)).toHaveLength(1);

    const c = trainCli(d, 'single-threaded', '--resume');
    expect((await c.done).code, c.err()).toBe(0);
    expect(weightsOf(join(d, 'checkpoints', 'latest.ckpt'))).toEqual(ref);
  });

  it('when the launcher is killed (SIGKILL), the training process saves and exits', async () => {
    const d = root.newPath();
    const r = trainCli(d, 'single-threaded');
    await r.waitFor(/^train: /m);
    await aStepLogged(d);
    const lock = JSON.parse(readFileSync(join(d, 'run.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).not.toBe(r.child.pid);
    r.child.kill('SIGKILL');
    expect((await r.done).signal).toBe('SIGKILL');
    for (let i = 0; i < 2000 && alive(lock.pid); i++)
      await new Promise((res) => setTimeout(res, 10));
    expect(alive(lock.pid)).toBe(false);
    const s = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'));
    expect(s.status).toBe('interrupted');
    expect(readCheckpoint(join(d, 'checkpoints', 'latest.ckpt')).meta.step).toBe(s.steps);
    expect(existsSync(join(d, 'run.lock'))).toBe(false);
  });

  it('lr-find restarts itself the same way, and its SIGTERM still writes the points so far', async () => {
    const d = root.newPath();
    const r = spawnWith('single-threaded', ['lr-find', '--out', d, '--steps', '400']);
    await r.waitFor(/^step \d+\/400/m);
    r.child.kill('SIGTERM');
    const { code } = await r.done;
    const out = r.out();
    expect(out).toMatch(
      /^lr-find: 400 steps, .*, cpu, V8 GC on the training threads \(--single-threaded-gc\)$/m,
    );
    expect(out.match(/SIGTERM: stopping after this step/g)).toHaveLength(1);
    expect(code).toBe(143);
    const points = JSON.parse(readFileSync(join(d, 'lr-find.json'), 'utf8')).points;
    expect(points.length).toBeGreaterThan(0);
    expect(points.length).toBeLessThan(400);
  });

  it("a command that does not follow its launcher (compare) gets the launcher's signals as signals", async () => {
    const d = root.newPath();
    const args = ['compare', '--schedules', 'constant', '--seeds', '1', '--steps', '2000'];
    const r = spawnCli(cliJs, [...args, '--out', d, '--backend', 'cpu'], undefined, {
      env: { BURNIN_GC: 'single-threaded' },
    });
    await r.waitFor(/^compare: constant seed 0/m);
    r.child.kill('SIGTERM');
    expect((await r.done).code, r.err()).toBe(143);
    // the compare process itself ended too: nothing runs with this --out any more
    const { execFileSync } = await import('node:child_process');
    const left = () =>
      execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(d));
    for (let i = 0; i < 500 && left().length > 0; i++)
      await new Promise((res) => setTimeout(res, 10));
    expect(left()).toEqual([]);
  });

  it('a bad BURNIN_GC is one error line naming it, exit 1, before anything is written', async () => {
    const d = root.newPath();
    const r = trainCli(d, 'sometimes');
    expect((await r.done).code).toBe(1);
    expect(r.err()).toContain(
      'error: BURNIN_GC must be one of auto, single-threaded, concurrent, got "sometimes"',
    );
    expect(existsSync(d)).toBe(false);
  });
});
