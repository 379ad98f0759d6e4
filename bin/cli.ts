// The `mksysb-vault` command line: one entry, one command per file under lib/cli/.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ackCommand } from '../lib/cli/ack.js';
import { type CliIo, type Command, cliClock, EXIT } from '../lib/cli/command.js';
import { diffCommand } from '../lib/cli/diff.js';
import { debugTrace, errorLine, exitCodeOf } from '../lib/cli/errors.js';
import { historyCommand } from '../lib/cli/history.js';
import { imageCommand } from '../lib/cli/image.js';
import { reportCommand } from '../lib/cli/report.js';
import { restoreFileCommand } from '../lib/cli/restore-file.js';
import { restoreKitCommand } from '../lib/cli/restore-kit.js';
import { retentionCommand } from '../lib/cli/retention.js';
import { runCommand, runNowCommand } from '../lib/cli/run.js';
import { statusCommand } from '../lib/cli/status.js';
import { verifyCommand } from '../lib/cli/verify.js';

export const COMMANDS: readonly Command[] = [
  runCommand,
  runNowCommand,
  statusCommand,
  historyCommand,
  diffCommand,
  reportCommand,
  retentionCommand,
  restoreKitCommand,
  restoreFileCommand,
  ackCommand,
  verifyCommand,
  imageCommand,
];

function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: mksysb-vault <command> [options]',
    '',
    'Weekly, verified, off-site AIX mksysb images. Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "mksysb-vault <command> --help" for a command\'s options.',
    'Any command also takes --debug: the stack of an internal error (exit 70).',
    '"mksysb-vault --version" (or -V) prints the version.',
    '',
    'Exit status: 0 ok/PASS, 1 WARN, 2 FAIL, 64 usage error or bad input, 69 the store or AWS could not',
    'be reached, 70 internal error.',
  ].join('\n');
}

/** The version in package.json, beside this file in a checkout and in the published package. */
export function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return z.object({ version: z.string() }).parse(JSON.parse(text)).version;
}

/** Runs one command line; `commands` is for tests (a command that fails in a given way). */
export async function main(
  argv: string[],
  io: CliIo = processIo(),
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  // --debug may come anywhere before a `--`; the commands never see it.
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  const debug = argv.slice(0, end).includes('--debug');
  const [name, ...rest] = debug
    ? [...argv.slice(0, end).filter((a) => a !== '--debug'), ...argv.slice(end)]
    : argv;
  if (name === undefined) {
    io.err(usage(commands)); // a usage error: not the output of anything asked for
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(usage(commands));
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.out(`mksysb-vault ${packageVersion()}`);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`mksysb-vault: unknown command "${name}"\n\n${usage(commands)}`);
    return EXIT.usage;
  }
  try {
    io.now(); // a bad $MKSYSB_VAULT_NOW is a usage error before any store is opened
    return await command.run(rest, io);
  } catch (error) {
    const code = exitCodeOf(error);
    io.err(`mksysb-vault ${name}: ${errorLine(error, code)}`);
    if (debug && code !== EXIT.usage) io.err(debugTrace(error));
    return code;
  }
}

function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    cwd: process.cwd(),
    // Read when a command asks, so a bad $MKSYSB_VAULT_NOW is that command's usage error (exit 64).
    now: () => cliClock(process.env)(),
  };
}
