/**
 * Entry of one sweep cell (dist/sweep-cell.js), started by `burnin sweep` with an IPC
 * channel: runs `burnin train` with the arguments it was given, with its exit codes. When
 * the channel disconnects (the sweep ended, crashed or was killed with SIGKILL), the cell
 * stops as `burnin train` does on SIGTERM: it saves a checkpoint (the next sweep resumes it)
 * and exits, so that no cell outlives its sweep.
 */
import { runTrainCommand } from '../commands/train.js';
import { LIBRARY_INPUT_ERRORS } from '../errors.js';

const onDisconnect = () => process.kill(process.pid, 'SIGTERM');
if (process.connected) process.on('disconnect', onDisconnect);
else setImmediate(onDisconnect); // started without a channel, or the sweep is already gone

function end(code: number): void {
  process.off('disconnect', onDisconnect);
  process.exitCode = code;
  if (process.connected) process.disconnect();
}

runTrainCommand(process.argv.slice(2)).then(
  (r) => end(r.code),
  (e: unknown) => {
    // as the CLI: an input error is one line and its exit code, anything else its stack
    const code = (e as { exitCode?: unknown })?.exitCode;
    const known =
      typeof code === 'number' || (e instanceof Error && LIBRARY_INPUT_ERRORS.has(e.name));
    console.error(known ? `error: ${(e as Error).message}` : e);
    end(typeof code === 'number' ? code : 1);
  },
);
