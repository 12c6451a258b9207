import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from './args.js';
// Only light modules here: `--help` and `--version` must not load tfjs. Each command's module
// is imported when it runs (commands/table.ts).
import { COMMANDS, commandUsage, findCommand, globalUsage } from './commands/table.js';
import { exitCodeOf } from './errors.js';
import { allowRelaunch } from './run/relaunch.js';

export { exitCodeOf };

/** The trainer's version, from its package.json (next to src/ and dist/). */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

const HELP = new Set(['--help', '-h']);

/**
 * Runs the CLI with `argv` (without node and script); resolves to the exit code. Help goes to
 * stdout (exit 0); usage errors to stderr (exit 2). Every command, its `--help` and the global
 * usage come from the command table (commands/table.ts).
 */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) {
    console.error(globalUsage(cliVersion()));
    return 2;
  }
  if (cmd === '--version' || cmd === '-v' || cmd === 'version') {
    console.log(cliVersion());
    return 0;
  }
  if (HELP.has(cmd) || cmd === 'help') {
    if (rest.length === 0) {
      console.log(globalUsage(cliVersion()));
      return 0;
    }
    const target = rest.length === 1 ? findCommand(rest[0]) : undefined;
    if (!target) {
      console.error(
        rest.length === 1
          ? `error: unknown command '${rest[0]}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`
          : `error: help takes one command name, got ${rest.length}`,
      );
      return 2;
    }
    console.log(commandUsage(target));
    return 0;
  }
  const command = findCommand(cmd);
  if (!command) {
    console.error(
      `error: unknown ${cmd.startsWith('-') ? 'option' : 'command'} '${cmd}'\n\n${globalUsage(cliVersion())}`,
    );
    return 2;
  }
  // --help / -h anywhere after the command name answers before the command parses anything
  if (rest.some((a) => HELP.has(a))) {
    console.log(commandUsage(command));
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    const code = exitCodeOf(e);
    if (code === undefined) throw e;
    const message = (e as Error).message;
    console.error(`error: ${message}`);
    if (e instanceof UsageError)
      console.error(
        e.showUsage ? `\n${commandUsage(command)}` : `(run 'burnin ${cmd} --help' for usage)`,
      );
    return code;
  }
}

/** True when this module is the process' entry script (also through a bin symlink). */
function isEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  // `burnin train` may start itself again with V8 options (run/relaunch.ts)
  allowRelaunch(process.argv[1]);
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
