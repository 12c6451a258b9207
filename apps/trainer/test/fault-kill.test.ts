import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { tinyConfig, weightsOf } from './fault-helpers.js';
import { tempRoot } from './helpers.js';
import { aStepLogged, bundleCli, spawnCli } from './spawn-cli.js';

/**
 * Kills, signals and faults against the real CLI in child processes (cpu backend). The CLI
 * is bundled once into node_modules/.cache (not dist/, which other builds replace).
 */
const app = join(import.meta.dirname, '..');
const bundle = join(app, 'node_modules', '.cache', 'burnin-fault-cli');
const root = tempRoot('fault-kill').dir;
const configFile = join(root, 'run.json');
let n = 0;
const fresh = () => join(root, `r${n++}`);
const latestOf = (d: string) => join(d, 'checkpoints', 'latest.ckpt');
let ref: Record<string, number[]>;
let chunksPerCheckpoint = 0;

const cli = (args: string[], faults?: Record<string, unknown>) =>
  spawnCli(join(bundle, 'cli.js'), args, faults);

const train = (out: string, ...extra: string[]) => [
  'train',
  '--config',
  configFile,
  '--out',
  out,
  '--backend',
  'cpu',
  ...extra,
];

/** Lines of stderr that are not tfjs' banner. */
const errorLines = (s: string) => s.split('\n').filter((l) => l.startsWith('error:'));

async function resumeToReference(d: string): Promise<string> {
  const r = cli(train(d, '--resume'));
  const { code } = await r.done;
  expect(code, r.err()).toBe(0);
  expect(weightsOf(latestOf(d))).toEqual(ref);
  expect(readdirSync(join(d, 'checkpoints')).filter((f) => f.includes('.tmp-'))).toEqual([]);
  expect(existsSync(join(d, 'run.lock'))).toBe(false);
  return r.out();
}

beforeAll(async () => {
  bundleCli('burnin-fault-cli');
  const config = tinyConfig({ steps: 8, logEvery: 1, evalEvery: 4, checkpointEvery: 2 });
  writeFileSync(configFile, JSON.stringify(config));
  const d = fresh();
  const r = cli(train(d));
  expect((await r.done).code, r.err()).toBe(0);
  ref = weightsOf(latestOf(d));
  chunksPerCheckpoint = readCheckpoint(latestOf(d)).tensors.length + 4;
}, 120_000);

describe('kill -9 (spawned trainer)', () => {
  it('inside a checkpoint write: the previous checkpoint loads, the resume ends at the same weights', async () => {
    const d = fresh();
    // half of the 3rd chunk of the 2nd checkpoint (step 4), then SIGKILL
    const r = cli(train(d), { match: 'latest.ckpt', killWrite: chunksPerCheckpoint + 3 });
    expect((await r.done).signal).toBe('SIGKILL');
    expect(readCheckpoint(latestOf(d)).meta.step).toBe(2);
    expect(readdirSync(join(d, 'checkpoints')).some((f) => /latest\.ckpt\.tmp-\d+$/.test(f))).toBe(
      true,
    );
    const out = await resumeToReference(d);
    expect(out).toMatch(/lock: taking over the stale lock .*run\.lock of process \d+/);
    expect(out).toMatch(/removed the stale temp file .*latest\.ckpt\.tmp-\d+/);
  });

  it('inside a metrics append: the torn line is dropped, the resume ends at the same weights', async () => {
    const d = fresh();
    const r = cli(train(d), { match: 'metrics.jsonl', killWrite: 7 });
    expect((await r.done).signal).toBe('SIGKILL');
    expect(readFileSync(join(d, 'metrics.jsonl'), 'utf8').endsWith('\n')).toBe(false);
    await resumeToReference(d);
  });

  it('at random moments, twice in a row: the resumed run ends at the same weights', async () => {
    const d = fresh();
    for (let k = 0; k < 2; k++) {
      const r = cli(train(d, ...(k > 0 ? ['--resume'] : [])));
      await r.waitFor(/^train: /m);
      await new Promise((res) => setTimeout(res, Math.random() * 800));
      r.child.kill('SIGKILL');
      await r.done;
    }
    await resumeToReference(d);
  });
});

describe('signals and a second trainer (spawned)', () => {
  it('SIGTERM and SIGHUP save a checkpoint and summary.json, exit 143 / 129, and resume exactly', async () => {
    const d = fresh();
    for (const [sig, code] of [
      ['SIGTERM', 143],
      ['SIGHUP', 129],
    ] as const) {
      const metrics = join(d, 'metrics.jsonl');
      const logged = existsSync(metrics) ? readFileSync(metrics, 'utf8').length : 0;
      const r = cli(train(d, ...(sig === 'SIGHUP' ? ['--resume'] : [])));
      await r.waitFor(/^train: /m);
      // stop once a step (of this process) is logged
      await aStepLogged(d, logged);
      r.child.kill(sig);
      expect((await r.done).code, r.err()).toBe(code);
      const s = JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8'));
      expect(s.status).toBe('interrupted');
      expect(s.steps).toBeLessThan(8);
      expect(readCheckpoint(latestOf(d)).meta.step).toBe(s.steps);
      expect(r.out()).toContain(`${sig}: saving a checkpoint`);
      expect(r.out()).toContain(`interrupted at step ${s.steps}; continue with --resume`);
    }
    await resumeToReference(d);
  });

  it('a second trainer on the same folder is refused by the lock; the first is unharmed', async () => {
    const d = fresh();
    const a = cli(train(d));
    await a.waitFor(/^train: /m);
    a.child.kill('SIGSTOP'); // A holds the lock, paused mid-run
    const b = cli(train(d, '--resume'));
    const rb = await b.done;
    a.child.kill('SIGCONT');
    expect(rb.code).toBe(1);
    expect(errorLines(b.err())).toHaveLength(1);
    expect(errorLines(b.err())[0]).toMatch(
      new RegExp(
        `^error: ${d} is in use by another trainer \\(process ${a.child.pid},.*lock ${join(d, 'run.lock')}\\)`,
      ),
    );
    expect(b.err()).not.toMatch(/\n\s+at /);
    expect((await a.done).code).toBe(0);
    expect(weightsOf(latestOf(d))).toEqual(ref);
  });

  it('a full disk: one error line naming the file, exit 1, then a resume ends at the same weights', async () => {
    const d = fresh();
    const r = cli(train(d), { match: 'latest.ckpt', failWrite: chunksPerCheckpoint + 3 });
    expect((await r.done).code).toBe(1);
    expect(errorLines(r.err())).toEqual([
      `error: cannot write ${latestOf(d)}: no space left on the device (ENOSPC); free some space, then continue with --resume`,
    ]);
    expect(r.err()).not.toMatch(/\n\s+at /);
    await resumeToReference(d);
  });
});
