// The `mksysb-vault` command line: one entry, one command per file under lib/cli/.
import { readFileSync } from 'node:fs';
import { type CliIo, type Command, cliClock, EXIT } from '../lib/cli/command.js';
import { packagePath } from '../lib/package-root.js';

/**
 * A command as the entry knows it before it runs: its name and summary for the usage text, and its
 * module, loaded only when it is the one asked for. `--help` and `--version` load none of them (nor
 * the SDK, the local store or the simulator they bring): the start stays well under half a second.
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'run',
    summary: 'run the whole pipeline locally (what "npm start" does), week after week',
    load: async () => (await import('../lib/cli/run.js')).runCommand,
  },
  {
    name: 'run-now',
    summary: 'start the weekly workflow now (locally, or StartExecution on AWS)',
    load: async () => (await import('../lib/cli/run.js')).runNowCommand,
  },
  {
    name: 'status',
    summary: 'one row per host: newest image, age, size, verdict, trend, next run',
    load: async () => (await import('../lib/cli/status.js')).statusCommand,
  },
  {
    name: 'history',
    summary: "one host's images with sizes, verdicts, anomalies and OS levels",
    load: async () => (await import('../lib/cli/history.js')).historyCommand,
  },
  {
    name: 'diff',
    summary: 'what changed between two images of a host: files, directories, file systems, filesets',
    load: async () => (await import('../lib/cli/diff.js')).diffCommand,
  },
  {
    name: 'report',
    summary: 'an HTML report of the fleet with size charts and anomalies (--evidence: compliance CSV)',
    load: async () => (await import('../lib/cli/report.js')).reportCommand,
  },
  {
    name: 'retention',
    summary: 'what retention would delete and why (--apply to delete)',
    load: async () => (await import('../lib/cli/retention.js')).retentionCommand,
  },
  {
    name: 'restore-kit',
    summary: 'the steps to rebuild a host from its image (download, checksum, NIM)',
    load: async () => (await import('../lib/cli/restore-kit.js')).restoreKitCommand,
  },
  {
    name: 'restore-file',
    summary: 'one file or directory out of a stored image, reading only its bytes (no AIX needed)',
    load: async () => (await import('../lib/cli/restore-file.js')).restoreFileCommand,
  },
  {
    name: 'ack',
    summary: "acknowledge a host's alert code until a date (--list, --clear)",
    load: async () => (await import('../lib/cli/ack.js')).ackCommand,
  },
  {
    name: 'catalog',
    summary: "rebuild each host's catalog index from its records and report where it disagreed",
    load: async () => (await import('../lib/cli/catalog.js')).catalogCommand,
  },
  {
    name: 'verify',
    summary: 'judge one image offline from its lsmksysb listing, log, size and history',
    load: async () => (await import('../lib/cli/verify.js')).verifyCommand,
  },
  {
    name: 'image',
    summary: 'look inside an image without AIX: table of contents, one file, content check',
    load: async () => (await import('../lib/cli/image.js')).imageCommand,
  },
];

function usage(commands: readonly CommandEntry[]): string {
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

/** The version in package.json, at the package's root in a checkout and in an installed package. */
export function packageVersion(): string {
  const text = readFileSync(packagePath('package.json'), 'utf8');
  const { version } = JSON.parse(text) as { version?: unknown };
  if (typeof version !== 'string') throw new Error(`${packagePath('package.json')}: no "version" string`);
  return version;
}

/** Runs one command line; `commands` is for tests (a command that fails in a given way). */
export async function main(
  argv: string[],
  io: CliIo = processIo(),
  commands: readonly CommandEntry[] = COMMANDS,
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
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.err(`mksysb-vault: unknown command "${name}"\n\n${usage(commands)}`);
    return EXIT.usage;
  }
  try {
    io.now(); // a bad $MKSYSB_VAULT_NOW is a usage error before any store is opened
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    // Loaded only now: telling a store error from an internal one needs the store's error classes.
    const { debugTrace, errorLine, exitCodeOf } = await import('../lib/cli/errors.js');
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
