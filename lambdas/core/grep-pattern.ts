// A grep basic regular expression read the way grep reads it, and what a list of them excludes:
// mksysb -e leaves out every `./path` that matches a line of /etc/exclude.rootvg "following the
// pattern-matching rules of the grep command" (IBM AIX Commands Reference, mksysb -e). Apart from
// lambdas/core/exclude-list.ts (validation, schemas) so the simulated mksysb, a process started for
// every backup, does not load zod with it. Pure: no I/O.

/** The character classes a bracket expression may name, as sets JavaScript reads. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  xdigit: '0-9A-Fa-f',
  punct: '!-\\/:-@\\[-`{-~',
};

export class ExcludePatternError extends Error {
  override name = 'ExcludePatternError';
}

/**
 * A grep basic regular expression as a JavaScript RegExp (what `grep -f` does with each line): `\(`
 * `\)` group, `\{m,n\}` repeats, a bracket expression is copied (its backslash is literal), and
 * `+ ? ( ) { } |` are plain characters. Throws ExcludePatternError for what grep refuses too
 * (an unclosed bracket or group).
 */
export function breToRegExp(pattern: string): RegExp {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === '\\') {
      const next = pattern.charAt(i + 1);
      if (next === '') throw new ExcludePatternError('ends in a lone backslash');
      if (next === '(' || next === ')' || next === '{' || next === '}') out += next;
      else if (/[0-9]/.test(next)) out += `\\${next}`;
      // An escaped letter means nothing to AIX's grep (no \w, \d): the letter itself.
      else out += /[A-Za-z]/.test(next) ? next : `\\${next}`;
      i += 2;
    } else if (c === '[') {
      // A bracket expression: its backslash is a character, [:class:] names a set, a ] first is a ].
      let j = i + 1;
      let body = '';
      if (pattern.charAt(j) === '^') {
        body += '^';
        j++;
      }
      if (pattern.charAt(j) === ']') {
        body += '\\]';
        j++;
      }
      while (j < pattern.length && pattern.charAt(j) !== ']') {
        if (pattern.startsWith('[:', j)) {
          const end = pattern.indexOf(':]', j + 2);
          const set = end < 0 ? undefined : POSIX_CLASSES[pattern.slice(j + 2, end)];
          if (set === undefined) throw new ExcludePatternError('has an unknown or unclosed [: :] class');
          body += set;
          j = end + 2;
        } else {
          const ch = pattern.charAt(j);
          body += ch === '\\' || ch === '[' ? `\\${ch}` : ch;
          j++;
        }
      }
      if (j >= pattern.length) throw new ExcludePatternError('has an unclosed [ bracket expression');
      out += `[${body}]`;
      i = j + 1;
    } else if (c === '^') {
      out += i === 0 ? '^' : '\\^';
      i++;
    } else if (c === '$') {
      out += i === pattern.length - 1 ? '$' : '\\$';
      i++;
    } else if (c === '*' && (i === 0 || (i === 1 && pattern.charAt(0) === '^'))) {
      // A leading * is a plain star in a BRE.
      out += '\\*';
      i++;
    } else if ('+?(){}|/'.includes(c)) {
      out += `\\${c}`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  try {
    return new RegExp(out);
  } catch (error) {
    throw new ExcludePatternError(`is not a valid grep pattern (${(error as Error).message})`);
  }
}

/**
 * Whether grep would exclude `name` (a `./path`) with these patterns: what preflight asks of the
 * staging directory, in TypeScript for the config check and the simulated mksysb.
 */
export function excludedBy(patterns: readonly string[]): (name: string) => boolean {
  const compiled = patterns.flatMap((p) => {
    try {
      return [breToRegExp(p)];
    } catch {
      return [];
    }
  });
  return (name) => compiled.some((re) => re.test(name));
}
