/**
 * Runs this process' command again in a child Node process with extra V8 options (V8 reads
 * some only at start-up), as if it were this one: the same script, arguments, folder,
 * environment (plus {@link RELAUNCHED_ENV}), stdin, stdout and stderr, and its exit code.
 *
 * The signals that stop a run (SIGINT, SIGTERM, SIGHUP) reach a child that follows its launcher
 * ({@link followLauncher}) exactly once, as a message on its IPC channel. A Ctrl-C goes to the
 * whole process group, launcher and child, so the child ignores those signals from the OS and
 * acts on the launcher's message; a signal sent to the launcher alone is passed on the same
 * way. A child that does not follow (yet) gets the launcher's signals as signals. When the launcher dies (e.g. SIGKILL), the
 * channel closes and the child stops as on SIGTERM. Ctrl-Z and `fg` stop and continue both
 * processes (the same process group).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** Set to `1` in the child's environment. */
export const RELAUNCHED_ENV = 'BURNIN_RELAUNCHED';

/** The signals the launcher passes on. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

interface SignalMessage {
  burninSignal: StopSignal;
}

/** What a child sends once it takes its stop signals from the launcher ({@link followLauncher}). */
interface FollowingMessage {
  burninFollowing: true;
}

function isSignalMessage(m: unknown): m is SignalMessage {
  return (
    typeof m === 'object' &&
    m !== null &&
    (STOP_SIGNALS as readonly unknown[]).includes((m as SignalMessage).burninSignal)
  );
}

/** The script {@link relaunch} runs again; null: commands run in this process only. */
let entryScript: string | null = null;

/**
 * Lets {@link relaunch} run `script` again (the process' entry script, with the process'
 * arguments). Only an entry point calls this: a command run in-process by other code (tests,
 * a library user) is never restarted.
 */
export function allowRelaunch(script: string): void {
  entryScript = script;
}

/** Whether {@link allowRelaunch} was called (and this process is not a relaunched child). */
export function canRelaunch(): boolean {
  return entryScript !== null && process.env[RELAUNCHED_ENV] !== '1';
}

/**
 * After SIGHUP the terminal is gone: writes to it fail (EIO/EPIPE), which must not crash this
 * process (and lose what it is saving).
 */
function surviveClosedTerminal(): void {
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
}

/** Whether this process is a relaunched child that still has its launcher's channel. */
export function isRelaunched(): boolean {
  return process.env[RELAUNCHED_ENV] === '1' && typeof process.send === 'function';
}

/** Debugger options are left out: the child would open the same inspector port. */
const DEBUG_OPTION = /^--(inspect|debug)/;

/**
 * Runs the entry script ({@link allowRelaunch}) again with `v8Options` before this process'
 * own Node options, its arguments and
 * `extraArgs` after its arguments; resolves to the child's exit code (128 + the signal
 * number when a signal ended it). Rejects when the child cannot be started.
 */
export function relaunch(
  v8Options: readonly string[],
  extraArgs: readonly string[] = [],
): Promise<number> {
  if (entryScript === null) throw new Error('relaunch() without allowRelaunch()');
  const args = [
    ...v8Options,
    ...process.execArgv.filter((a) => !DEBUG_OPTION.test(a)),
    entryScript,
    ...process.argv.slice(2),
    ...extraArgs,
  ];
  const child = spawn(process.execPath, args, {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [RELAUNCHED_ENV]: '1' },
  });
  // until the child follows (a command that never does, or one still starting), signals go
  // to it as signals: its default action (or its own handlers) then applies, as without us
  let following = false;
  child.on('message', (m: unknown) => {
    if ((m as FollowingMessage | null)?.burninFollowing === true) following = true;
  });
  const pass = (sig: StopSignal) => {
    if (sig === 'SIGHUP') surviveClosedTerminal();
    if (following && child.connected)
      child.send({ burninSignal: sig } satisfies SignalMessage, () => {});
    else if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  const handlers = STOP_SIGNALS.map((sig) => [sig, () => pass(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  const done = () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
  return new Promise<number>((resolve, reject) => {
    child.on('error', (e) => {
      done();
      reject(e);
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

/**
 * In a relaunched child ({@link isRelaunched}): calls `onSignal` with each stop signal the
 * launcher passes on, and with SIGTERM when the launcher is gone; the same signals from the
 * OS are ignored (the launcher received them as well and passes them on). Returns the
 * function that undoes this and closes the channel, so that the process can exit.
 */
export function followLauncher(onSignal: (sig: StopSignal) => void): () => void {
  const ignore = () => {};
  const onMessage = (m: unknown) => {
    if (isSignalMessage(m)) onSignal(m.burninSignal);
  };
  const onDisconnect = () => onSignal('SIGTERM');
  for (const sig of STOP_SIGNALS) process.on(sig, ignore);
  process.on('message', onMessage);
  process.on('disconnect', onDisconnect);
  if (!process.connected)
    setImmediate(onDisconnect); // the launcher is already gone
  else process.send?.({ burninFollowing: true } satisfies FollowingMessage);
  return () => {
    for (const sig of STOP_SIGNALS) process.off(sig, ignore);
    process.off('message', onMessage);
    process.off('disconnect', onDisconnect);
    if (process.connected) process.disconnect();
  };
}

/**
 * Calls `onSignal` for each stop signal: from the launcher when this process is a relaunched
 * child ({@link followLauncher}), else from the OS. After SIGHUP, writes to the closed terminal
 * no longer throw or crash (`console.log` still may: wrap it). Returns the function that undoes
 * it.
 */
export function onStopSignals(onSignal: (sig: StopSignal) => void): () => void {
  const handle = (sig: StopSignal) => {
    if (sig === 'SIGHUP') surviveClosedTerminal();
    onSignal(sig);
  };
  if (isRelaunched()) return followLauncher(handle);
  const handlers = STOP_SIGNALS.map((sig) => [sig, () => handle(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
  };
}
