// The `mksysb-vault` command line: one entry, one command per file under lib/cli/.
import { type CliIo, type Command, cliClock, EXIT, UsageError } from '../lib/cli/command.js';
import { diffCommand } from '../lib/cli/diff.js';
import { historyCommand } from '../lib/cli/history.js';
import { imageCommand } from '../lib/cli/image.js';
import { reportCommand } from '../lib/cli/report.js';
import { restoreFileCommand } from '../lib/cli/restore-file.js';
import { restoreKitCommand } from '../lib/cli/restore-kit.js';
import { retentionCommand } from '../lib/cli/retention.js';
import { runCommand, runNowCommand } from '../lib/cli/run.js';
import { statusCommand } from '../lib/cli/status.js';
import { verifyCommand } from '../lib/cli/verify.js';
import { ConfigError } from '../lib/config.js';

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
  verifyCommand,
  imageCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: mksysb-vault <command> [options]',
    '',
    'Weekly, verified, off-site AIX mksysb images. Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "mksysb-vault <command> --help" for a command\'s options.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`mksysb-vault: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    io.now(); // a bad $MKSYSB_VAULT_NOW is a usage error before any store is opened
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.err(`mksysb-vault ${name}: ${error.message}`);
      return EXIT.usage;
    }
    io.err(`mksysb-vault ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.unavailable;
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
