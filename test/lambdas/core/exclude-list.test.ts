import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeExcludeList,
  ExcludeListSchema,
  encodeExcludeList,
  excludeListChange,
  excludeListSha256,
  excludePatternProblem,
  explainByExcludeList,
  imageExcludeList,
} from '../../../lambdas/core/exclude-list.js';
import { breToRegExp, excludedBy } from '../../../lambdas/core/grep-pattern.js';

describe('a grep basic regular expression read as grep reads it', () => {
  it.each([
    ['^./tmp/', './tmp/x', true],
    ['^./tmp/', './var/tmp/x', false],
    ['^./home/oracle/.*\\.dbf$', './home/oracle/u01/system.dbf', true],
    ['^./home/oracle/.*\\.dbf$', './home/oracle/u01/system.dbf.bak', false],
    // \( \) group and \{m\} repeat; a plain ( + ? | are characters.
    ['^./u0\\(1\\|2\\)/', './u01/x', false],
    ['^./a\\(bc\\)\\{2\\}$', './abcbc', true],
    ['^./c++/', './c++/lib', true],
    ['^./c++/', './cc/lib', false],
    ['^./why?/', './why?/x', true],
    ['^./log(old)/', './log(old)/x', true],
    // A bracket expression's backslash is a character; a leading * is a plain star.
    ['^./[a\\]x', './\\x', true],
    ['*core', './*core', true],
    ['^./x[[:digit:]]$', './x7', true],
    // $ and ^ are anchors only at the ends.
    ['^./a$b', './a$b', true],
  ])('%s on %s: %s', (pattern, name, matches) => {
    expect(breToRegExp(pattern).test(name)).toBe(matches);
  });
});

describe('an exclude pattern is checked before it can reach a host', () => {
  it('accepts the /etc/exclude.rootvg forms IBM documents', () => {
    for (const p of [
      '^./tmp/',
      '^./var/tmp/',
      '^./home/oracle/.*\\.dbf$',
      '/core$',
      '^./mksysb/',
      '^./var/adm/ras/',
    ])
      expect({ p, problem: excludePatternProblem(p) }).toEqual({ p, problem: null });
  });

  it.each([
    ['', /empty line matches every file/],
    ['^/tmp/', /names in a mksysb start with "\.\/": write "\^\.\/tmp\/"/],
    ['.', /matches \.\/bosinst\.data/],
    ['^./usr/', /matches \.\/usr\/lib\/boot\/unix_64/],
    ['unix', /matches \.\/unix/],
    ['^./etc/objrepos/', /matches \.\/etc\/objrepos\/CuDv/],
    ['^./tmp/[a-z', /unclosed \[ bracket/],
    ['^./a\\(b', /not a valid grep pattern/],
    ['^./tmp/\t', /printable ASCII/],
    ['^./données/', /printable ASCII/],
    [' ^./tmp/', /starts or ends with a space/],
    [`^./${'a'.repeat(300)}`, /longer than 255/],
  ])('refuses %j', (pattern, problem) => {
    expect(excludePatternProblem(pattern)).toMatch(problem);
  });

  it('refuses a list that names a pattern twice, or does not fit the parameter that carries it', () => {
    expect(ExcludeListSchema.safeParse(['^./tmp/', '^./tmp/']).error?.issues[0]?.message).toBe(
      '"^./tmp/" is listed twice',
    );
    const long = Array.from({ length: 20 }, (_, i) => `^./${String(i).padStart(3, '0')}${'x'.repeat(120)}/`);
    expect(ExcludeListSchema.safeParse(long).error?.issues[0]?.message).toMatch(
      /more than the 2048 an SSM parameter carries/,
    );
  });
});

describe('the list on its way to the host and into the record', () => {
  it('travels as the hex of the file, one pattern a line, and comes back whole', () => {
    const patterns = ['^./tmp/', "^./x'$(id)`id`;"];
    const hex = encodeExcludeList(patterns);
    expect(hex).toMatch(/^[0-9a-f]+$/);
    expect(Buffer.from(hex, 'hex').toString('ascii')).toBe("^./tmp/\n^./x'$(id)`id`;\n");
    expect(decodeExcludeList(hex)).toEqual(patterns);
    expect(encodeExcludeList([])).toBe('');
  });

  it('is recorded with the SHA-256 of the file the host wrote', () => {
    const recorded = imageExcludeList({ source: 'config', patterns: ['^./tmp/'], lineCount: 1 });
    expect(recorded?.sha256).toBe(createHash('sha256').update('^./tmp/\n').digest('hex'));
    expect(excludeListSha256(['^./tmp/'])).toBe(recorded?.sha256);
    expect(imageExcludeList(null)).toBeNull();
  });

  it('excludes a name when any line matches it, as grep -f does', () => {
    const excluded = excludedBy(['^./tmp/', '^./mksysb/']);
    expect(excluded('./mksysb/lpar01_mksysb_2025-01-05')).toBe(true);
    expect(excluded('./etc/hosts')).toBe(false);
  });
});

describe('what diff says of two images lists', () => {
  const list = (patterns: string[], source: 'config' | 'host' = 'config') =>
    imageExcludeList({ source, patterns, lineCount: patterns.length });

  it('names the patterns added and removed', () => {
    const change = excludeListChange(list(['^./tmp/']), list(['^./tmp/', '^./mksysb/']));
    expect(change).toMatchObject({ changed: true, added: ['^./mksysb/'], removed: [] });
    expect(change.line).toBe('exclude list changed: 1 pattern (config) → 2 patterns (config): +^./mksysb/');
  });

  it('says when a list appeared where there was none', () => {
    expect(excludeListChange(null, list(['^./tmp/'])).line).toBe(
      'exclude list changed: none (-e not used) → 1 pattern (config): +^./tmp/',
    );
  });

  it('says unchanged for the same file, whoever wrote it', () => {
    expect(excludeListChange(list(['^./tmp/']), list(['^./tmp/'])).changed).toBe(false);
    expect(excludeListChange(null, null).line).toBe('exclude list: unchanged, none (-e not used)');
  });

  it('says not known when a record predates exclude lists', () => {
    expect(excludeListChange(undefined, list(['^./tmp/'])).line).toMatch(/not known/);
  });
});

describe('a size finding after the exclude list changed', () => {
  const list = (patterns: string[]) =>
    imageExcludeList({ source: 'config', patterns, lineCount: patterns.length });
  const drop = {
    code: 'SIZE_DROP',
    severity: 'warn',
    message: 'size 6.0 GB: -40%',
    evidence: { percent: -40 },
  };
  const other = { code: 'LOG_WARNING', severity: 'warn', message: 'w', evidence: {} };

  it('names the change in the message and the evidence, and leaves other findings alone', () => {
    const [explained, untouched] = explainByExcludeList(
      [drop, other],
      list(['^./tmp/']),
      list(['^./tmp/', '^./u01/']),
    );
    expect(explained).toEqual({
      ...drop,
      message: 'size 6.0 GB: -40%; exclude list changed: 1 pattern (config) → 2 patterns (config): +^./u01/',
      evidence: { percent: -40, excludeListChanged: true },
    });
    expect(untouched).toEqual(other);
  });

  it('adds nothing when the list is the same or not known', () => {
    expect(explainByExcludeList([drop], list(['^./tmp/']), list(['^./tmp/']))).toEqual([drop]);
    expect(explainByExcludeList([drop], undefined, list(['^./tmp/']))).toEqual([drop]);
  });
});
