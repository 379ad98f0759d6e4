// The vault's TOC index: what goes in comes back out, names cannot break its lines, and a damaged
// index is refused with the line and column that are wrong.
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  escapeField,
  parseTocIndex,
  renderTocIndex,
  type TocEntry,
  TocIndexBuilder,
  TocIndexError,
  unescapeField,
} from '../../../../lambdas/core/bff/toc-index.js';

const SHA = 'a'.repeat(64);
const META = { imageKey: 'images/aix01/mksysb/aix01_mksysb_2026-11-23', sha256: SHA };

function entry(path: string, overrides: Partial<TocEntry> = {}): TocEntry {
  return {
    path,
    type: 'file',
    mode: 0o100644,
    uid: 0,
    gid: 0,
    size: 1234,
    storedSize: 800,
    packed: true,
    mtime: 1_700_000_000,
    headerOffset: 2048,
    dataOffset: 2120,
    ...overrides,
  };
}

const gz = (text: string) => new Uint8Array(gzipSync(text));
const header = `mksysb-vault-toc\t1\timages/x\t${SHA}`;
const line = './etc/hosts\tfile\t100644\t0\t0\t10\t10\t0\t1\t0\t72';

function errorOf(bytes: Uint8Array): TocIndexError {
  try {
    parseTocIndex(bytes);
  } catch (error) {
    if (error instanceof TocIndexError) return error;
    throw error;
  }
  throw new Error('parseTocIndex accepted the index');
}

describe('renderTocIndex and parseTocIndex', () => {
  it('round-trips every field of every entry, and the header', () => {
    const entries = [
      entry('./bosinst.data', { packed: false, storedSize: 1234 }),
      entry('./usr', { type: 'directory', mode: 0o40755, size: 0, storedSize: 0, packed: false }),
      entry('./unix', { type: 'symlink', mode: 0o120777, uid: 2, gid: 2, size: 21, storedSize: 21 }),
      entry('./dev/null', {
        type: 'other',
        mode: 0o20666,
        headerOffset: 5_000_000_000,
        dataOffset: 5_000_000_072,
      }),
    ];
    const index = parseTocIndex(renderTocIndex(entries, META));
    expect(index).toEqual({ version: 1, ...META, entries });
  });

  it('keeps tabs, newlines, backslashes and control bytes in names without breaking lines', () => {
    const names = ['./a\tb', './c\nd', './e\\f', './g\rh\u0001\u007f', './ünïcödé ✓'];
    const index = parseTocIndex(
      renderTocIndex(
        names.map((n) => entry(n)),
        META,
      ),
    );
    expect(index.entries.map((e) => e.path)).toEqual(names);
    const text = gunzipSync(
      renderTocIndex(
        names.map((n) => entry(n)),
        META,
      ),
    ).toString('utf8');
    expect(text.split('\n')).toHaveLength(names.length + 2); // header, entries, final empty
  });

  it('writes one header line with format version, image key, sha256 and entry count', () => {
    const text = gunzipSync(renderTocIndex([entry('./a'), entry('./b')], META)).toString('utf8');
    expect(text.split('\n')[0]).toBe(`mksysb-vault-toc\t1\t${META.imageKey}\t${SHA}\t2`);
    expect(text.split('\n')[1]).toBe('./a\tfile\t100644\t0\t0\t1234\t800\t1\t1700000000\t2048\t2120');
  });

  it('round-trips an index with no entries', () => {
    expect(parseTocIndex(renderTocIndex([], META)).entries).toEqual([]);
  });
});

describe('TocIndexBuilder', () => {
  it('gzips the index piece by piece into one stream gunzip reads whole', () => {
    const builder = new TocIndexBuilder(4096);
    for (let i = 0; i < 2000; i += 1) builder.add(entry(`./usr/lib/file${i}`, { headerOffset: i * 512 }));
    expect(builder.compressedBytes).toBeGreaterThan(0); // pieces were compressed before finish
    const index = parseTocIndex(builder.finish(META));
    expect(index.entries).toHaveLength(2000);
    expect(index.entries[1999]).toMatchObject({ path: './usr/lib/file1999', headerOffset: 1999 * 512 });
  });

  it('holds a rootvg-like entry in under 40 compressed bytes', () => {
    const builder = new TocIndexBuilder();
    const dirs = ['./usr/lib/nls/msg/en_US', './usr/share/man/info/en_US/a_doc_lib', './opt/freeware/lib'];
    let offset = 0;
    for (let i = 0; i < 20_000; i += 1) {
      const size = (i * 7919) % 200_000;
      builder.add(
        entry(`${dirs[i % 3]}/component${i % 97}/file-${i}.cat`, {
          size,
          storedSize: Math.floor(size * 0.6),
          headerOffset: offset,
          dataOffset: offset + 72,
          mtime: 1_600_000_000 + i,
        }),
      );
      offset += 72 + Math.floor(size * 0.6);
    }
    expect(builder.finish(META).length / 20_000).toBeLessThan(40);
  });
});

describe('escapeField and unescapeField', () => {
  it('leaves ordinary names as they are', () => {
    expect(escapeField('./usr/lib/boot/unix_64')).toBe('./usr/lib/boot/unix_64');
  });

  it('refuses an escape the writer never makes', () => {
    expect(unescapeField('./a\\q')).toBeNull();
    expect(unescapeField('./a\\x41')).toBeNull();
    expect(unescapeField('./a\\')).toBeNull();
  });
});

describe('parseTocIndex on a damaged index', () => {
  it('refuses bytes that are not gzip', () => {
    expect(errorOf(new TextEncoder().encode('plain text')).line).toBe(0);
  });

  it('refuses gzip that unpacks to more than the limit (a few KB of gzip can unpack to gigabytes)', () => {
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(4096);
    let caught: unknown;
    try {
      parseTocIndex(bomb, 1024 * 1024);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TocIndexError);
    expect((caught as TocIndexError).message).toMatch(/unpacks to more than 1048576 bytes/);
  });

  it('refuses an index cut short inside a line', () => {
    expect(errorOf(gz(`${header}\t1\n./etc/ho`)).message).toMatch(
      /does not end with a newline: it is cut short/,
    );
  });

  it('names the header field that is wrong', () => {
    const e = errorOf(gz(`mksysb-vault-toc\t1\timages/x\tNOTAHASH\t0\n`));
    expect([e.line, e.field]).toEqual([1, 'sha256']);
    expect(e.message).toBe('line 1, sha256: "NOTAHASH" is not 64 lowercase hex digits');
  });

  it('refuses an index from a newer format version', () => {
    expect(errorOf(gz(`mksysb-vault-toc\t2\timages/x\t${SHA}\t0\n`)).field).toBe('version');
  });

  it('refuses an entry count that does not match the lines', () => {
    expect(errorOf(gz(`${header}\t2\n${line}\n`)).message).toBe(
      'line 1, entryCount: the header says 2 entries, the index has 1',
    );
  });

  it('names the line and column of a bad entry field', () => {
    const bad = line.replace('\t10\t10\t', '\t10\tten\t');
    const e = errorOf(gz(`${header}\t2\n${line}\n${bad}\n`));
    expect(e.message).toBe('line 3, storedSize: "ten" is not a whole number');
    expect([e.line, e.field]).toEqual([3, 'storedSize']);
  });

  it('refuses a line with a missing column', () => {
    expect(errorOf(gz(`${header}\t1\n${line.split('\t').slice(0, 10).join('\t')}\n`)).message).toBe(
      'line 2: 10 columns, expected 11',
    );
  });

  it('refuses an unknown entry type and a mode that is not octal', () => {
    expect(errorOf(gz(`${header}\t1\n${line.replace('\tfile\t', '\tfifo\t')}\n`)).field).toBe('type');
    expect(errorOf(gz(`${header}\t1\n${line.replace('\t100644\t', '\t100689\t')}\n`)).field).toBe('mode');
  });
});
