// The shape every `mksysb-vault` command has, and the small pieces they share: option parsing with
// clear usage errors, exit codes, and the streams they write to (injected, so tests read them).
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { validateHostName } from '../../lambdas/core/catalog-keys.js';
import type { Verdict } from '../../lambdas/core/vocabulary.js';

/**
 * Exit codes: 0 PASS/ok, 1 WARN, 2 FAIL; then sysexits: 64 usage error or bad input (EX_USAGE), 69
 * the store or AWS could not be reached or refused (EX_UNAVAILABLE), 70 an internal error (EX_SOFTWARE).
 */
export const EXIT = { ok: 0, warn: 1, fail: 2, usage: 64, unavailable: 69, internal: 70 } as const;

/** The exit code of a verdict: a script acts on PASS, WARN and FAIL without reading the output. */
export const VERDICT_EXIT: Readonly<Record<Verdict, number>> = {
  PASS: EXIT.ok,
  WARN: EXIT.warn,
  FAIL: EXIT.fail,
};

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** The time the command takes as now: the real clock, or $MKSYSB_VAULT_NOW (tests, replays). */
  readonly now: () => Date;
}

/**
 * The clock a CLI process runs on: the real one, or the instant $MKSYSB_VAULT_NOW names (ISO 8601),
 * so ages and "stale" can be checked against a fixed time. A value that is not a date is a UsageError.
 */
export function cliClock(env: NodeJS.ProcessEnv): () => Date {
  const fixed = env.MKSYSB_VAULT_NOW;
  if (fixed === undefined || fixed === '') return () => new Date();
  const at = parseDateText(fixed);
  if (typeof at === 'string')
    throw new UsageError(`MKSYSB_VAULT_NOW=${fixed}: ${at} (expected ISO 8601, e.g. 2026-11-23T06:00:00Z)`);
  return () => at;
}

const DATE_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-](\d{2}):(\d{2})))?$/;

/**
 * The CLI's one date parser: `YYYY-MM-DD` (midnight UTC) or an ISO 8601 date-time with `Z` or an
 * offset, checked against the calendar (no 2026-02-30, no month 13, no 25:00), never rolled over as
 * Date.parse does. Returns the instant, or why the text is not one.
 */
export function parseDateText(text: string): Date | string {
  const m = DATE_TEXT.exec(text);
  if (!m) return 'not a date';
  const part = (i: number) => Number(m[i] ?? 0);
  const [year, month, day, hour, minute, second] = [part(1), part(2), part(3), part(4), part(5), part(6)];
  if (month < 1 || month > 12) return `there is no month ${m[2]}`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) {
    const name = new Intl.DateTimeFormat('en', { month: 'long', timeZone: 'UTC' }).format(
      Date.UTC(year, month - 1),
    );
    return `${name} ${year} has ${days} days`;
  }
  if (hour > 23 || minute > 59 || second > 59)
    return `${m[4]}:${m[5]}${m[6] ? `:${m[6]}` : ''} is not a time of day`;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return `${m[7]} is not a UTC offset`;
  return new Date(Date.parse(text));
}

/** A day option (`--date 2026-11-23`): a real calendar day, or a UsageError naming the option. */
export function dayOption(option: string, text: string): string {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseDateText(text) : 'not a day';
  if (typeof at === 'string')
    throw new UsageError(`${option} ${JSON.stringify(text)}: ${at} (a day is YYYY-MM-DD, e.g. 2026-11-23)`);
  return text;
}

/** A date option that may also be a date-time (`--start 2026-11-01`, `--date 2026-11-23T02:01:00Z`). */
export function dateOption(option: string, text: string): Date {
  const at = parseDateText(text);
  if (typeof at === 'string')
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: ${at} (YYYY-MM-DD or ISO 8601, e.g. 2026-11-23 or 2026-11-23T02:01:00Z)`,
    );
  return at;
}

/** One `mksysb-vault <name>` command (its one-line summary is in bin/cli.ts's table, COMMANDS). */
export interface Command {
  readonly name: string;
  /** The full `--help` text. */
  readonly help: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

/** A problem with what the user typed or pointed at: printed as one line, exit 64. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parseOptions<T extends Options>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = 0,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>> {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: allowPositionals > 0, strict: true });
    if (parsed.positionals.length > allowPositionals)
      throw new UsageError(`unexpected argument "${parsed.positionals[allowPositionals]}"`);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = error instanceof Error ? error.message.replace(/\. To specify .*$/s, '') : String(error);
    throw new UsageError(`${message} (see "mksysb-vault ${command} --help")`);
  }
}

/**
 * A whole-number option (`--weeks 8`); anything else is a UsageError naming the option, what it got
 * and what it takes: `--weeks "0": a whole number from 1 to 520`.
 */
export function wholeNumberOption(
  option: string,
  text: string,
  range: { min: number; max?: number; unit?: string },
): number {
  const n = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  const { min, max = Number.MAX_SAFE_INTEGER, unit } = range;
  if (!(n >= min && n <= max))
    throw new UsageError(
      `${option} ${JSON.stringify(text)}: a whole number${unit ? ` of ${unit}` : ''} from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`,
    );
  return n;
}

/** A host name the user typed, checked as the catalog checks it; a bad one is a UsageError (`prefix` names the option). */
export function usageHostName(host: string, prefix = ''): string {
  try {
    return validateHostName(host);
  } catch (error) {
    throw new UsageError(`${prefix}${(error as Error).message}`);
  }
}

/**
 * What is wrong with the directory an output file (`--out`) would go into, named, so "no such file"
 * never leaves the user guessing which part of the path is wrong; null when it is there.
 */
function outputDirectoryProblem(path: string): string | null {
  const parent = dirname(resolve(path));
  try {
    return statSync(parent).isDirectory() ? null : `${parent} is not a directory`;
  } catch {
    return `the directory ${parent} does not exist`;
  }
}

/** Refuses an output path whose directory is missing, before any work is done (exit 64). */
export function checkOutputDirectory(option: string, path: string): void {
  const problem = outputDirectoryProblem(path);
  if (problem !== null) throw new UsageError(`${option} ${path}: ${problem}`);
}

/** Why writing `path` failed, in words, as the UsageError the command ends with (exit 64). */
export function outputError(option: string, path: string, error: unknown): UsageError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? (outputDirectoryProblem(path) ?? 'no such file or directory')
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'ELOOP'
            ? 'is a symbolic link: not written through'
            : code === 'ENOSPC'
              ? 'no space left on the device'
              : (code ?? (error as Error).message);
  return new UsageError(`${option} ${path}: ${why}`);
}

/** Reads a text file the user named, or throws a UsageError naming the option, the file and why. */
export function readUserFile(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : (error as Error).message;
    throw new UsageError(`${option} ${path}: ${why}`);
  }
}

/** A fixed-width text table: the human output of list-like commands. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
