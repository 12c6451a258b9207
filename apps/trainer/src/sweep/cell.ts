/**
 * Entry of one sweep cell (dist/sweep-cell.js), started by `burnin sweep` with an IPC
 * channel: runs `burnin train` with the arguments it was given, with its exit codes. When
 * the channel disconnects (the sweep ended, crashed or was killed with SIGKILL), the cell
 * stops as `burnin train` does on SIGTERM: it saves a checkpoint (the next sweep resumes it)
 * and exits, so that no cell outlives its sweep.
 */
import { runTrainCommand } from '../commands/train.js';
import { exitCodeOf } from '../errors.js';
import { allowRelaunch } from '../run/relaunch.js';

const onDisconnect = () => process.kill(process.pid, 'SIGTERM');
if (process.connected) process.on('disconnect', onDisconnect);
else setImmediate(onDisconnect); // started without a channel, or the sweep is already gone

function end(code: number): void {
  process.off('disconnect', onDisconnect);
  process.exitCode = code;
  if (process.connected) process.disconnect();
}

// a cell whose threads use every core starts itself again with V8 options (run/relaunch.ts)
allowRelaunch(process.argv[1]);
runTrainCommand(process.argv.slice(2)).then(
  (r) => end(r.code),
  (e: unknown) => {
    // as the CLI: an input error is one line and its exit code, anything else its stack
    const code = exitCodeOf(e);
    console.error(code !== undefined ? `error: ${(e as Error).message}` : e);
    end(code ?? 1);
  },
);
