// The streaming BFF reader on the real samples of test/fixtures/bff/ (sources in its README) and on
// damaged copies of them: damage is reported with its offset, never thrown.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entryData } from '../../../../lambdas/core/bff/extract.js';
import {
  BffReader,
  type CapturedEntry,
  headerChecksum,
  readArchive,
} from '../../../../lambdas/core/bff/reader.js';
import type { ArchiveSummary } from '../../../../lambdas/core/bff/types.js';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/bff/', import.meta.url));
const sample = (name: string) => new Uint8Array(readFileSync(`${FIXTURES}${name}`));
const testBff = sample('test.bff');
/** Where test.bff's records start (read off a hex dump). */
const RECORDS = { backup: 72, fileTxt: 184, folder: 312, fileInFolder: 432, end: 584 };

function readAll(bytes: Uint8Array, chunk = bytes.length) {
  const reader = new BffReader({ capture: () => true });
  const entries: CapturedEntry[] = [];
  for (let at = 0; at < bytes.length; at += chunk)
    entries.push(...reader.push(bytes.subarray(at, at + chunk)));
  return { entries, summary: reader.end() };
}

describe('the real sample test.bff', () => {
  it('lists its two directories and two files with their types, sizes and modes', () => {
    const { entries } = readAll(testBff);
    expect(entries.map((e) => [e.path, e.type, e.size, e.mode.toString(8), e.uid, e.gid])).toEqual([
      ['backup', 'directory', 0, '240755', 388113, 21803],
      ['backup/file.txt', 'file', 3, '100644', 388113, 21803],
      ['backup/folder', 'directory', 0, '240755', 388113, 21803],
      ['backup/folder/file_in_folder.txt', 'file', 3, '100644', 388113, 21803],
    ]);
  });

  it('gives each file the offset of its header and data, unpacked', () => {
    const file = readAll(testBff).entries[1] as CapturedEntry;
    expect(file).toMatchObject({ headerOffset: 184, dataOffset: 304, storedSize: 3, packed: false });
    expect(file.mtime).toBe(0x66545968);
  });

  it('captures the file contents byte for byte', () => {
    const data = readAll(testBff).entries.map((e) => e.data && Buffer.from(e.data).toString());
    expect(data).toEqual([undefined, 'abc', undefined, 'xyz']);
  });

  it('extracts each file from the stored range its entry names', () => {
    const files = readAll(testBff).entries.filter((e) => e.type === 'file');
    const text = files.map((e) =>
      Buffer.from(entryData(testBff.subarray(e.dataOffset, e.dataOffset + e.storedSize), e)).toString(),
    );
    expect(text).toEqual(['abc', 'xyz']);
  });

  it('stops at the end record and reports a complete, sound archive', () => {
    expect(readAll(testBff).summary).toEqual({
      entries: 4,
      files: 2,
      directories: 2,
      contentBytes: 6,
      bytesRead: RECORDS.end + 8,
      complete: true,
      problem: null,
    });
  });

  it('gives the same entries fed one byte at a time as in one chunk', () => {
    expect(readAll(testBff, 1)).toEqual(readAll(testBff));
  });

  it('keeps only the files the capture predicate asks for', () => {
    const reader = new BffReader({ capture: (e) => e.path.endsWith('file.txt') });
    const data = reader.push(testBff).map((e) => e.data && Buffer.from(e.data).toString());
    expect(data).toEqual([undefined, 'abc', undefined, undefined]);
  });

  it('keeps no data of files larger than maxCaptureBytes', () => {
    const reader = new BffReader({ capture: () => true, maxCaptureBytes: 2 });
    expect(reader.push(testBff).some((e) => e.data)).toBe(false);
  });

  it('reads an archive from an async stream and reports each entry', async () => {
    async function* chunks() {
      for (let at = 0; at < testBff.length; at += 100) yield testBff.subarray(at, at + 100);
    }
    const seen: string[] = [];
    const summary = await readArchive(chunks(), { onEntry: (e) => seen.push(e.path) });
    expect(seen).toHaveLength(4);
    expect(summary.complete).toBe(true);
  });
});

describe('the sample test_acl.bff, which is not as AIX writes it', () => {
  it('is reported corrupt at the volume header checksum, which is zero', () => {
    const { entries, summary } = readAll(sample('test_acl.bff'));
    expect(entries).toEqual([]);
    expect(summary.problem).toMatchObject({ code: 'ARCHIVE_CORRUPT', offset: 4, entry: null });
    expect(summary.problem?.message).toMatch(/checksum at byte 4 is 0x0000/);
  });
});

/** A copy of test.bff with `change` applied; the header checksum is fixed unless `keepChecksum`. */
function damaged(change: (bytes: Uint8Array) => void): Uint8Array {
  const bytes = testBff.slice();
  change(bytes);
  return bytes;
}

function fixChecksum(bytes: Uint8Array, recordAt: number): void {
  const length = (bytes[recordAt] as number) * 8;
  const sum = headerChecksum(bytes, recordAt, length);
  bytes[recordAt + 4] = sum & 0xff;
  bytes[recordAt + 5] = sum >> 8;
}

const problemOf = (bytes: Uint8Array): ArchiveSummary['problem'] => readAll(bytes).summary.problem;

describe('a damaged archive', () => {
  it.each([
    [0, null, /before the end-of-archive record/],
    [40, null, /inside the record header at offset 0/],
    [RECORDS.fileTxt + 30, null, /inside the record header at offset 184/],
    [RECORDS.fileTxt + 100, 'backup/file.txt', /inside the record of backup\/file.txt/],
    [RECORDS.fileTxt + 121, 'backup/file.txt', /inside the record of backup\/file.txt/],
    [RECORDS.folder, null, /before the end-of-archive record/],
    [RECORDS.end + 4, null, /inside the record header at offset 584/],
  ])('cut at byte %i is truncated there, in entry %s', (cut, entry, message) => {
    const problem = problemOf(testBff.subarray(0, cut));
    expect(problem).toMatchObject({ code: 'ARCHIVE_TRUNCATED', offset: cut, entry });
    expect(problem?.message).toMatch(message);
  });

  it('reports the entries read before a cut', () => {
    const { entries, summary } = readAll(testBff.subarray(0, RECORDS.folder + 20));
    expect(entries.map((e) => e.path)).toEqual(['backup', 'backup/file.txt']);
    expect(summary).toMatchObject({ entries: 2, complete: false, bytesRead: RECORDS.folder + 20 });
  });

  it('with a flipped byte in a file header is corrupt at that header checksum', () => {
    const problem = problemOf(
      damaged((b) => {
        b[RECORDS.fileTxt + 24] = 200;
      }),
    );
    expect(problem).toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      offset: RECORDS.fileTxt + 4,
      entry: 'backup/file.txt',
    });
    expect(problem?.message).toMatch(/header checksum at byte 188 is 0x076E/);
  });

  it('with a flipped byte in the checksum itself is corrupt there', () => {
    const problem = problemOf(
      damaged((b) => {
        b[RECORDS.folder + 5] = (b[RECORDS.folder + 5] as number) ^ 0x10;
      }),
    );
    expect(problem).toMatchObject({ code: 'ARCHIVE_CORRUPT', offset: RECORDS.folder + 4 });
  });

  it('with a bad record magic is corrupt at that record', () => {
    const problem = problemOf(
      damaged((b) => {
        b[RECORDS.folder + 2] = 0x6a;
      }),
    );
    expect(problem).toMatchObject({ code: 'ARCHIVE_CORRUPT', offset: RECORDS.folder, entry: null });
    expect(problem?.message).toMatch(/expected a record magic 0xEA6B or 0xEA6C at byte 314, found 0xEA6A/);
  });

  it('with garbage after the volume header is corrupt at the first record', () => {
    const bytes = damaged((b) => b.fill(0x5a, RECORDS.backup, RECORDS.backup + 200));
    expect(problemOf(bytes)).toMatchObject({ code: 'ARCHIVE_CORRUPT', offset: RECORDS.backup });
  });

  it('that is not a by-name archive at all is corrupt at byte 0', () => {
    const problem = problemOf(new TextEncoder().encode('#!/bin/ksh\necho not a backup\n'));
    expect(problem).toMatchObject({ code: 'ARCHIVE_CORRUPT', offset: 0 });
    expect(problem?.message).toMatch(/expected a by-name volume header/);
  });

  it('whose plain record stores fewer bytes than the file size is corrupt (checksum made right)', () => {
    const bytes = damaged((b) => {
      b[RECORDS.fileTxt + 56] = 2; // dsize 2 for a 3-byte file
      fixChecksum(b, RECORDS.fileTxt);
    });
    expect(problemOf(bytes)).toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      offset: RECORDS.fileTxt + 56,
      entry: 'backup/file.txt',
    });
  });

  it('whose mode has no file type is corrupt at the mode field', () => {
    const bytes = damaged((b) => {
      b[RECORDS.folder + 13] = 0x01; // mode 0x141ED -> 0x101ED: no S_IFMT bits
      fixChecksum(b, RECORDS.folder);
    });
    expect(problemOf(bytes)).toMatchObject({ code: 'ARCHIVE_CORRUPT', offset: RECORDS.folder + 12 });
  });

  it('with an impossible security header is corrupt there', () => {
    const bytes = damaged((b) => void b.set([0xff, 0xff, 0xff, 0x7f], RECORDS.fileTxt + 80));
    expect(problemOf(bytes)).toMatchObject({
      code: 'ARCHIVE_CORRUPT',
      offset: RECORDS.fileTxt + 80,
      entry: 'backup/file.txt',
    });
  });

  it('stops consuming at the first problem', () => {
    const reader = new BffReader();
    reader.push(
      damaged((b) => {
        b[RECORDS.folder + 2] = 0;
      }),
    );
    expect(reader.push(testBff)).toEqual([]);
    expect(reader.end().bytesRead).toBe(RECORDS.folder + 8);
  });

  it('never throws, whatever byte is changed', () => {
    for (let at = 0; at < RECORDS.end + 8; at++) {
      for (const value of [0x00, 0xff, 0x5a]) {
        const bytes = testBff.slice();
        bytes[at] = value;
        expect(() => readAll(bytes, 7)).not.toThrow();
      }
    }
  });
});
