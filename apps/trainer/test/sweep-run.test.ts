import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, spawnCli } from './spawn-cli.js';

/**
 * `burnin sweep` end to end: the CLI bundled once into node_modules/.cache (not dist/, which
 * other builds replace), spawned, on the cpu backend with the smoke preset.
 */
const app = join(import.meta.dirname, '..');
const bundle = join(app, 'node_modules', '.cache', 'burnin-sweep-cli');
const root = mkdtempSync(join(tmpdir(), 'burnin-sweep-run-'));
let n = 0;
const fresh = () => join(root, `s${n++}`);

const cli = (args: string[]) => spawnCli(join(bundle, 'cli.js'), args);

const sweep = (out: string, ...extra: string[]) => [
  'sweep',
  '--preset',
  'smoke',
  '--backend',
  'cpu',
  '--out',
  out,
  ...extra,
];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ok();
}

const pidsOf = (out: string) => [...out.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
const json = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const cellDir = (out: string, id: string) => join(out, 'cells', id);

beforeAll(() => {
  bundleCli('burnin-sweep-cli');
}, 300_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('burnin sweep (spawned, cpu, smoke preset)', () => {
  it('runs the grid in parallel, writes sweep.json/html, never re-runs a finished cell, refuses other settings', {
    timeout: 300_000,
  }, async () => {
    const out = fresh();
    const args = sweep(
      out,
      '--steps',
      '6',
      '--eval-every',
      '3',
      '--peak-lr',
      '1e-3,4e-3',
      '--burnin-steps',
      '0,2',
      '--seeds',
      '1',
      '--jobs',
      '2',
    );
    const r = cli(args);
    const { code } = await r.done;
    expect(code, r.err()).toBe(0);
    expect(r.out()).toMatch(/4 cells .* 4 to run, 2 at a time \(1 thread each, backend cpu\)/);
    const s = json(join(out, 'sweep.json'));
    expect(s.runs).toHaveLength(4);
    for (const run of s.runs) {
      expect(run.status).toBe('completed');
      expect(run).toMatchObject({ step: 6, threads: 1, backend: 'cpu', seed: 0 });
      expect(run.finalAP).toBeGreaterThanOrEqual(0);
      expect(run.bestAP).toBeGreaterThanOrEqual(run.finalAP);
      expect(run.wallTimeSec).toBeGreaterThan(0);
      expect(run.loss.length).toBeGreaterThan(0);
      expect(Object.keys(run.labels)).toEqual(['learningRateBase', 'burninSteps']);
    }
    expect(s.analysis.groups.map((g: { name: string }) => g.name)).toEqual([
      'no burn-in',
      'burn-in 2',
    ]);
    expect(s.analysis.paired).toHaveLength(2);
    const html = readFileSync(join(out, 'sweep.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    for (const f of [
      'ap-vs-peak-lr.svg',
      'divergence-rate.svg',
      'paired-difference.svg',
      'loss-1e-3.svg',
    ])
      expect(existsSync(join(out, 'plots', f)), f).toBe(true);

    // the same command again: nothing is trained, no run file is rewritten
    const ids: string[] = s.runs.map((x: { id: string }) => x.id);
    const mtimes = () => ids.map((id) => statSync(join(cellDir(out, id), 'summary.json')).mtimeMs);
    const before = mtimes();
    const again = cli(args);
    expect((await again.done).code, again.err()).toBe(0);
    expect(again.out()).toMatch(/4 already finished; 0 to run/);
    expect(again.out()).not.toMatch(/sweep: start/);
    expect(mtimes()).toEqual(before);

    // other settings on the same --out: one line, exit 1, nothing touched
    const other = cli(
      sweep(
        out,
        '--steps',
        '8',
        '--eval-every',
        '3',
        '--peak-lr',
        '1e-3,4e-3',
        '--burnin-steps',
        '0,2',
        '--seeds',
        '1',
      ),
    );
    expect((await other.done).code).toBe(1);
    expect(other.err().trim()).toMatch(
      /^error: .* holds a sweep with other settings \(steps differ\); repeat its flags to continue it, or pass a fresh --out$/,
    );
    expect(mtimes()).toEqual(before);
  });

  it('records a diverged cell as a result (status diverged), not as a failure', {
    timeout: 300_000,
  }, async () => {
    const out = fresh();
    const r = cli(
      sweep(
        out,
        '--steps',
        '30',
        '--peak-lr',
        '10',
        '--set',
        'train.optimizer=sgd',
        '--seeds',
        '1',
      ),
    );
    expect((await r.done).code, r.err()).toBe(0);
    const s = json(join(out, 'sweep.json'));
    expect(s.runs[0].status).toBe('diverged');
    expect(s.analysis.groups[0].points[0]).toMatchObject({ diverged: 1, finished: 1 });
    expect(s.analysis.groups[0].highestStable).toBeNull();
  });

  it('kill -9 of the sweep: its cells stop (no orphan), finished cells are kept, the rest resume', {
    timeout: 300_000,
  }, async () => {
    const out = fresh();
    const args = sweep(
      out,
      '--steps',
      '120',
      '--eval-every',
      '60',
      '--peak-lr',
      '1e-3,2e-3,4e-3',
      '--seeds',
      '1',
      '--jobs',
      '1',
    );
    const r = cli(args);
    // the first cell finishes, then the second one starts and trains a little
    await r.waitFor(
      /completed learningRateBase-1e-3_seed0.*\n.*\n?.*start learningRateBase-2e-3_seed0 \(pid \d+\)/,
    );
    const second = cellDir(out, 'learningRateBase-2e-3_seed0');
    expect(await until(() => existsSync(join(second, 'checkpoints', 'latest.ckpt')), 60_000)).toBe(
      true,
    );
    const pids = pidsOf(r.out());
    expect(pids).toHaveLength(2);
    const firstSummary = statSync(
      join(cellDir(out, 'learningRateBase-1e-3_seed0'), 'summary.json'),
    ).mtimeMs;
    r.child.kill('SIGKILL');
    expect((await r.done).signal).toBe('SIGKILL');
    // the running cell sees its IPC channel close, saves and exits
    expect(
      await until(() => !alive(pids[1]), 30_000),
      `cell pid ${pids[1]} outlived the sweep`,
    ).toBe(true);
    expect(json(join(second, 'summary.json')).status).toBe('interrupted');
    // the third cell never started
    expect(
      existsSync(join(cellDir(out, 'learningRateBase-4e-3_seed0'), 'config.resolved.json')),
    ).toBe(false);

    const again = cli(args);
    expect((await again.done).code, again.err()).toBe(0);
    expect(again.out()).toMatch(/3 cells .* 1 already finished; 2 to run/);
    expect(again.out()).not.toMatch(/start learningRateBase-1e-3_seed0/);
    expect(readFileSync(join(second, 'train.log'), 'utf8')).toMatch(/resumed from .* at step \d+/);
    expect(
      statSync(join(cellDir(out, 'learningRateBase-1e-3_seed0'), 'summary.json')).mtimeMs,
    ).toBe(firstSummary);
    const s = json(join(out, 'sweep.json'));
    expect(s.runs.map((x: { status: string }) => x.status)).toEqual([
      'completed',
      'completed',
      'completed',
    ]);
    expect(s.runs.map((x: { step: number }) => x.step)).toEqual([120, 120, 120]);
  });

  it('Ctrl-C (SIGINT) stops the running cells, which save; exit 130; the same command continues', {
    timeout: 300_000,
  }, async () => {
    const out = fresh();
    const args = sweep(
      out,
      '--steps',
      '120',
      '--eval-every',
      '60',
      '--peak-lr',
      '1e-3,4e-3',
      '--seeds',
      '1',
      '--jobs',
      '2',
    );
    const r = cli(args);
    await r.waitFor(/start learningRateBase-4e-3_seed0 \(pid \d+\)/);
    const cells = ['learningRateBase-1e-3_seed0', 'learningRateBase-4e-3_seed0'].map((id) =>
      cellDir(out, id),
    );
    expect(
      await until(
        () => cells.every((d) => existsSync(join(d, 'checkpoints', 'latest.ckpt'))),
        60_000,
      ),
    ).toBe(true);
    const pids = pidsOf(r.out());
    r.child.kill('SIGINT');
    expect((await r.done).code, r.err()).toBe(130);
    for (const p of pids) expect(alive(p), `cell pid ${p}`).toBe(false);
    expect(r.out()).toMatch(/run the same command again to continue/);
    const s = json(join(out, 'sweep.json'));
    expect(s.runs.map((x: { status: string }) => x.status)).toEqual(['interrupted', 'interrupted']);
    const again = cli(args);
    expect((await again.done).code, again.err()).toBe(0);
    expect(json(join(out, 'sweep.json')).runs.map((x: { status: string }) => x.status)).toEqual([
      'completed',
      'completed',
    ]);
  });
});
