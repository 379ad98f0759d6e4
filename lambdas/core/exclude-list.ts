// Exclude lists: the lines of AIX's /etc/exclude.rootvg, managed in the config per host or per group
// instead of by hand on every LPAR. mksysb -e leaves out every file whose name (as `find .` lists it,
// `./tmp/x`) matches one of the lines, "following the pattern-matching rules of the grep command"
// (IBM AIX Commands Reference, mksysb -e): each line is a grep basic regular expression. This module
// validates a pattern (a bad one silently drops the kernel from every image, or excludes nothing),
// reads a BRE the way grep does, carries a list to the host as hex (no character of a pattern can
// reach a shell), and compares two images' lists for `diff`. Pure: no I/O.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { breToRegExp, ExcludePatternError } from './grep-pattern.js';

/** At most this many lines, and this many bytes in all: the list travels as an SSM parameter (hex, twice as long). */
export const EXCLUDE_LIST_MAX_LINES = 100;
export const EXCLUDE_LIST_MAX_BYTES = 2048;
const PATTERN_MAX_LENGTH = 255;

/**
 * Names an image must hold for the system to boot and reinstall (the kernel, the boot script, the
 * install data, the ODM's customized devices, the shell and libc): a pattern matching any of them
 * would make every image of the host unrestorable, however clean its log.
 */
export const ESSENTIAL_NAMES = [
  './bosinst.data',
  './image.data',
  './unix',
  './usr/lib/boot/unix_64',
  './sbin/rc.boot',
  './etc/filesystems',
  './etc/inittab',
  './etc/passwd',
  './etc/objrepos/CuDv',
  './usr/bin/ksh',
  './usr/lib/libc.a',
  './usr/sbin/bosboot',
] as const;

/** Why a line cannot go into /etc/exclude.rootvg, or null when it can. */
export function excludePatternProblem(pattern: string): string | null {
  if (pattern === '')
    return 'an empty line matches every file: mksysb -e would back up nothing (remove the line)';
  if (pattern.length > PATTERN_MAX_LENGTH) return `longer than ${PATTERN_MAX_LENGTH} characters`;
  if (!/^[\x20-\x7e]+$/.test(pattern))
    return 'only printable ASCII characters (no tab, newline or non-ASCII letter) can be sent to the host';
  if (pattern !== pattern.trim())
    return 'starts or ends with a space, which grep would match literally: remove it';
  if (pattern.startsWith('^/'))
    return `names in a mksysb start with "./": write "^.${pattern.slice(1)}" (as in /etc/exclude.rootvg: ^./tmp/)`;
  let re: RegExp;
  try {
    re = breToRegExp(pattern);
  } catch (error) {
    if (error instanceof ExcludePatternError) return error.message;
    throw error;
  }
  const essential = ESSENTIAL_NAMES.find((name) => re.test(name));
  if (essential)
    return `matches ${essential}: the image would lose a file the system needs to boot or reinstall (anchor it, e.g. "^./tmp/")`;
  return null;
}

export const ExcludePatternSchema = z.string().superRefine((pattern, ctx) => {
  const problem = excludePatternProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: `"${pattern}": ${problem}` });
});

/** A list of patterns as the config gives it: each valid, no duplicate, within the transport's size. */
export const ExcludeListSchema = z
  .array(ExcludePatternSchema)
  .max(EXCLUDE_LIST_MAX_LINES, `at most ${EXCLUDE_LIST_MAX_LINES} patterns`)
  .superRefine((patterns, ctx) => {
    const seen = new Set<string>();
    patterns.forEach((p, index) => {
      if (seen.has(p)) ctx.addIssue({ code: 'custom', path: [index], message: `"${p}" is listed twice` });
      seen.add(p);
    });
    const bytes = excludeListText(patterns).length;
    if (bytes > EXCLUDE_LIST_MAX_BYTES)
      ctx.addIssue({
        code: 'custom',
        message: `the list is ${bytes} bytes, more than the ${EXCLUDE_LIST_MAX_BYTES} an SSM parameter carries`,
      });
  });

/** The file's text: one pattern a line, each ended by a newline; '' for no list. */
export function excludeListText(patterns: readonly string[]): string {
  return patterns.map((p) => `${p}\n`).join('');
}

/** The list as the `excludeList` SSM document parameter: the file's bytes in lower-case hex ('' for none). */
export function encodeExcludeList(patterns: readonly string[]): string {
  return Buffer.from(excludeListText(patterns), 'ascii').toString('hex');
}

/** The patterns of an `excludeList` parameter value. */
export function decodeExcludeList(hex: string): string[] {
  if (!/^([0-9a-f]{2})*$/.test(hex))
    throw new ExcludePatternError('not an even run of lower-case hex digits');
  return Buffer.from(hex, 'hex')
    .toString('ascii')
    .split('\n')
    .filter((l) => l !== '');
}

/** SHA-256 of the file's text, as `sha256sum /etc/exclude.rootvg` would print it. */
export function excludeListSha256(patterns: readonly string[]): string {
  return createHash('sha256').update(excludeListText(patterns), 'ascii').digest('hex');
}

/**
 * The exclude list an image was made with, as the image record keeps it. `source`: `config` (the
 * list mksysb-vault wrote this run) or `host` (a file already on the LPAR, used because the host's
 * mksysbFlags ask for -e). `lineCount` is the file's; `patterns` holds at most the first 200 lines.
 */
export const ImageExcludeListSchema = z
  .object({
    source: z.enum(['config', 'host']),
    patterns: z.array(z.string()),
    lineCount: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();
export type ImageExcludeList = z.infer<typeof ImageExcludeListSchema>;

/** The record's exclude list from what the backup reported; null when mksysb ran without -e. */
export function imageExcludeList(
  reported: { source: 'config' | 'host'; patterns: readonly string[]; lineCount: number } | null | undefined,
): ImageExcludeList | null {
  if (!reported) return null;
  return {
    source: reported.source,
    patterns: [...reported.patterns],
    lineCount: reported.lineCount,
    sha256: excludeListSha256(reported.patterns),
  };
}

/** How the exclude list changed between an older and a newer image. */
export interface ExcludeListChange {
  readonly changed: boolean;
  readonly added: string[];
  readonly removed: string[];
  /** For people: `exclude list: +^./u01/tmp/ -^./tmp/`, `exclude list: none → 3 patterns`, `unchanged`. */
  readonly line: string;
}

/**
 * What `diff` says of the two images' lists. `undefined` is an image whose record predates exclude
 * lists (not known); null is an image made without -e.
 */
export function excludeListChange(
  older: ImageExcludeList | null | undefined,
  newer: ImageExcludeList | null | undefined,
): ExcludeListChange {
  if (older === undefined || newer === undefined)
    return {
      changed: false,
      added: [],
      removed: [],
      line: `exclude list: not known (the record of the ${older === undefined ? 'older' : 'newer'} image predates exclude lists)`,
    };
  const before = older?.patterns ?? [];
  const after = newer?.patterns ?? [];
  const added = after.filter((p) => !before.includes(p));
  const removed = before.filter((p) => !after.includes(p));
  const describe = (l: ImageExcludeList | null) =>
    l === null ? 'none (-e not used)' : `${l.lineCount} pattern${l.lineCount === 1 ? '' : 's'} (${l.source})`;
  const changed = (older?.sha256 ?? null) !== (newer?.sha256 ?? null);
  if (!changed) return { changed, added, removed, line: `exclude list: unchanged, ${describe(newer)}` };
  const edits = [...added.map((p) => `+${p}`), ...removed.map((p) => `-${p}`)].join(' ');
  return {
    changed,
    added,
    removed,
    line: `exclude list changed: ${describe(older)} → ${describe(newer)}${edits ? `: ${edits}` : ''}`,
  };
}

/** Size findings a change of the exclude list can explain. */
const SIZE_CODES: ReadonlySet<string> = new Set(['TINY_IMAGE', 'SIZE_DROP', 'SIZE_JUMP']);

/**
 * The anomalies with the exclude list's change named in each size finding (`…; exclude list changed:
 * 1 pattern (config) → 2 patterns (config): +^./u01/`) and `excludeListChanged` in its evidence: a
 * drop right after a pattern was added is explained, not a mystery. Severity and code never change.
 */
export function explainByExcludeList<
  A extends { code: string; message: string; evidence: Record<string, string | number | boolean | null> },
>(
  anomalies: readonly A[],
  earlier: ImageExcludeList | null | undefined,
  current: ImageExcludeList | null | undefined,
): A[] {
  const change = excludeListChange(earlier, current);
  if (!change.changed) return [...anomalies];
  return anomalies.map((a) =>
    SIZE_CODES.has(a.code)
      ? {
          ...a,
          message: `${a.message}; ${change.line}`,
          evidence: { ...a.evidence, excludeListChanged: true },
        }
      : a,
  );
}
