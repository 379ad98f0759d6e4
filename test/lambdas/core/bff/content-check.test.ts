// The content check: judgeContent on reports of sound and damaged images, and the ContentInspector on
// archives built with the BFF writer (the same writer the simulated LPARs use).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  archivePath,
  BOOT_FILES,
  type ContentClaims,
  ContentInspector,
  type ContentInspectorOptions,
  type ContentReport,
  ContentReportSchema,
  judgeContent,
  savevgRequiredFiles,
} from '../../../../lambdas/core/bff/content-check.js';
import { parseTocIndex } from '../../../../lambdas/core/bff/toc-index.js';
import type { BffEntryType } from '../../../../lambdas/core/bff/types.js';
import { BffWriter } from '../../../../lambdas/core/bff/writer.js';
import { parseLsmksysb } from '../../../../lambdas/core/lsmksysb.js';

const SHA = createHash('sha256').update('image').digest('hex');

/** A sound rootvg image as the inspector reports it. */
function soundReport(overrides: Partial<ContentReport> = {}): ContentReport {
  return {
    bytesRead: 1_000_000,
    sha256: SHA,
    entries: 80_239,
    files: 70_000,
    directories: 10_239,
    contentBytes: 3_000_000,
    complete: true,
    problem: null,
    volumeGroup: 'rootvg',
    bootFiles: { present: BOOT_FILES.map((r) => r.paths[0] ?? ''), missing: [], empty: [] },
    imageData: {
      source: './image.data',
      volumeGroup: 'rootvg',
      logicalVolumes: ['hd5', 'hd6', 'hd4', 'hd2'],
      fileSystems: ['/', '/usr'],
      fileSystemsMissing: [],
      problems: [],
    },
    index: { entries: 80_239, complete: true },
    ...overrides,
  };
}

const listing = (() => {
  const r = parseLsmksysb(
    [
      'VOLUME GROUP: rootvg',
      'BACKUP DATE/TIME: Mon Nov 23 02:14:09 UTC 2026',
      'LV NAME TYPE LPs PPs PVs LV STATE MOUNT POINT',
      'hd5 boot 1 1 1 closed/syncd N/A',
      'hd6 paging 124 248 2 open/syncd N/A',
      'hd4 jfs2 8 8 1 open/syncd /',
      'hd2 jfs2 64 64 1 open/syncd /usr',
    ].join('\n'),
  );
  if (!r.ok) throw new Error(r.problems.join());
  return r.report;
})();

function claims(overrides: Partial<ContentClaims> = {}): ContentClaims {
  return {
    kind: 'mksysb',
    volumeGroup: 'rootvg',
    hostSha256: SHA,
    sizeBytes: 1_000_000,
    logFilesBackedUp: 80_239,
    lsmksysb: listing,
    ...overrides,
  };
}

const codes = (report: ContentReport, c: ContentClaims = claims()) =>
  judgeContent(report, c).map((a) => `${a.code}:${a.severity}`);

describe('judgeContent', () => {
  it('finds nothing wrong with a sound image that agrees with every claim', () => {
    expect(judgeContent(soundReport(), claims())).toEqual([]);
  });

  it('fails a stored image whose SHA-256 is not the host’s', () => {
    const other = 'b'.repeat(64);
    const [a, ...rest] = judgeContent(soundReport(), claims({ hostSha256: other }));
    expect(rest).toEqual([]);
    expect(a).toMatchObject({ code: 'CHECKSUM_MISMATCH', severity: 'fail' });
    expect(a?.message).toBe(
      `SHA-256 of the 1000000 stored bytes is ${SHA.slice(0, 12)}…, the host computed bbbbbbbbbbbb…: S3 does not hold what the host wrote`,
    );
    expect(a?.evidence).toMatchObject({ storedSha256: SHA, hostSha256: other });
  });

  it('compares the host’s checksum without regard to case or surrounding blanks', () => {
    expect(judgeContent(soundReport(), claims({ hostSha256: ` ${SHA.toUpperCase()}\n` }))).toEqual([]);
  });

  it('fails a host checksum that is not a SHA-256 at all', () => {
    expect(codes(soundReport(), claims({ hostSha256: 'd41d8cd98f00b204e9800998ecf8427e' }))).toEqual([
      'CHECKSUM_MISMATCH:fail',
    ]);
  });

  it('fails a truncated archive with the offset and entry in one line', () => {
    const report = soundReport({
      complete: false,
      entries: 41_000,
      problem: {
        code: 'ARCHIVE_TRUNCATED',
        offset: 999_424,
        entry: './usr/lib/libc.a',
        message: 'input ended at byte 999424,\ninside the record of ./usr/lib/libc.a',
      },
    });
    const found = judgeContent(report, claims());
    expect(found.map((a) => a.code)).toEqual(['ARCHIVE_TRUNCATED']);
    expect(found[0]?.message).toBe(
      'the archive is cut short at byte 999424 in ./usr/lib/libc.a, after 41000 entries: input ended at byte 999424, inside the record of ./usr/lib/libc.a',
    );
    expect(found[0]?.evidence).toMatchObject({ offset: 999_424, entry: './usr/lib/libc.a', entries: 41_000 });
  });

  it('fails a corrupt archive with the reader’s code', () => {
    const report = soundReport({
      complete: false,
      problem: { code: 'ARCHIVE_CORRUPT', offset: 4096, entry: null, message: 'bad magic 0x0000' },
    });
    expect(codes(report)).toEqual(['ARCHIVE_CORRUPT:fail']);
  });

  it('fails an archive without its end record even when the reader named no problem', () => {
    expect(codes(soundReport({ complete: false }))).toEqual(['ARCHIVE_TRUNCATED:fail']);
  });

  it('does not judge a read that stopped before the end of the object', () => {
    const found = judgeContent(soundReport({ bytesRead: 400_000, complete: false }), claims());
    expect(found.map((a) => `${a.code}:${a.severity}`)).toEqual(['CONTENT_UNVERIFIED:warn']);
    expect(found[0]?.message).toMatch(/read 400000 bytes of an object of 1000000 .*not finished/);
  });

  it('fails an image without its boot files, naming them', () => {
    const report = soundReport({
      bootFiles: {
        present: ['./bosinst.data', './image.data', './unix', './sbin/rc.boot'],
        missing: ['./etc/inittab'],
        empty: ['./etc/filesystems'],
      },
    });
    const [a] = judgeContent(report, claims());
    expect(a).toMatchObject({ code: 'BOOT_FILES_MISSING', severity: 'fail' });
    expect(a?.message).toBe(
      'the mksysb image lacks ./etc/inittab and has an empty ./etc/filesystems (2 of 6 required files): it cannot be installed',
    );
  });

  it('fails an archive with fewer entries than the log says were backed up', () => {
    const [a] = judgeContent(soundReport({ entries: 60_000 }), claims());
    expect(a).toMatchObject({ code: 'CONTENT_MISMATCH', severity: 'fail' });
    expect(a?.message).toBe(
      'the stored archive holds 60000 entries, the log says 80239 files were backed up (-25.2%, tolerance 1%)',
    );
  });

  it('only warns when the archive holds more entries than the log counted', () => {
    expect(codes(soundReport({ entries: 90_000 }))).toEqual(['CONTENT_MISMATCH:warn']);
  });

  it('accepts an entry count within the file-count tolerance', () => {
    expect(codes(soundReport({ entries: 80_239 - 500 }))).toEqual([]);
    expect(
      judgeContent(soundReport({ entries: 79_000 }), claims(), { fileCountTolerancePercent: 5 }),
    ).toEqual([]);
  });

  it('fails an image whose image.data describes another volume group', () => {
    const report = soundReport({
      volumeGroup: 'datavg',
      imageData: {
        ...(soundReport().imageData as NonNullable<ContentReport['imageData']>),
        volumeGroup: 'datavg',
      },
    });
    const found = judgeContent(report, claims());
    expect(found.map((a) => `${a.code}:${a.severity}`)).toEqual(['CONTENT_MISMATCH:fail']);
    expect(found[0]?.message).toBe(
      './image.data in the image describes datavg, the mksysb run was for rootvg and the lsmksysb listing says rootvg: image and claims do not belong together',
    );
  });

  it('warns when image.data and the listing disagree on logical volumes and file systems', () => {
    const data = soundReport().imageData as NonNullable<ContentReport['imageData']>;
    const report = soundReport({
      imageData: { ...data, logicalVolumes: [...data.logicalVolumes, 'lv01'], fileSystems: ['/'] },
    });
    const found = judgeContent(report, claims());
    expect(found.map((a) => `${a.code}:${a.severity}`)).toEqual(['CONTENT_MISMATCH:warn']);
    expect(found[0]?.message).toBe(
      'image.data and the lsmksysb listing disagree: 1 logical volume only in image.data (lv01); 1 file system only in the listing (/usr)',
    );
  });

  it('warns about file systems of image.data that have no directory in the archive', () => {
    const data = soundReport().imageData as NonNullable<ContentReport['imageData']>;
    const found = judgeContent(
      soundReport({ imageData: { ...data, fileSystemsMissing: ['/usr'] } }),
      claims(),
    );
    expect(found.map((a) => a.message)).toEqual([
      '1 file system of ./image.data has no directory in the archive: /usr (excluded, or not backed up)',
    ]);
  });

  it('warns that an image.data which does not verify could not be compared fully', () => {
    const data = soundReport().imageData as NonNullable<ContentReport['imageData']>;
    const report = soundReport({ imageData: { ...data, problems: ['./image.data: no fs_data stanza'] } });
    expect(codes(report)).toEqual(['CONTENT_UNVERIFIED:warn']);
  });

  it('skips the log and listing comparisons when the host gave neither', () => {
    expect(
      judgeContent(soundReport({ entries: 5 }), claims({ logFilesBackedUp: null, lsmksysb: null })),
    ).toEqual([]);
  });

  it('never throws on a report that does not match its schema', () => {
    const broken = { bytesRead: 1_000_000, sha256: SHA } as unknown as ContentReport;
    const found = judgeContent(broken, claims());
    expect(found.map((a) => a.code)).toContain('CONTENT_UNVERIFIED');
  });

  it('writes every anomaly message on one line', () => {
    const report = soundReport({
      entries: 10,
      complete: false,
      problem: { code: 'ARCHIVE_CORRUPT', offset: 1, entry: './a\nb', message: 'line one\nline two' },
    });
    for (const a of judgeContent(report, claims({ hostSha256: 'x' }))) expect(a.message).not.toMatch(/\n/);
  });
});

describe('required files', () => {
  it('asks a savevg image for its VG data file and its copy of /etc/filesystems', () => {
    expect(savevgRequiredFiles('datavg').map((r) => r.paths)).toEqual([
      ['./tmp/vgdata/datavg/datavg.data'],
      ['./tmp/vgdata/datavg/filesystems'],
    ]);
  });

  it('accepts the kernel under any of the names AIX levels use', () => {
    expect(BOOT_FILES.find((r) => r.paths.includes('./usr/lib/boot/unix_64'))?.paths).toContain('./unix');
  });
});

describe('archivePath', () => {
  it('writes every spelling of a name the way mksysb archives it', () => {
    expect(['/etc/hosts', 'etc/hosts', './etc/hosts', './/etc//hosts/'].map(archivePath)).toEqual(
      Array(4).fill('./etc/hosts'),
    );
    expect(['./', '.', '/'].map(archivePath)).toEqual(['.', '.', '.']);
  });
});

describe('ContentReportSchema', () => {
  it('accepts the report the judge is tested with', () => {
    expect(ContentReportSchema.parse(soundReport())).toEqual(soundReport());
  });
});

// ---- The inspector on real archives, written with the BFF writer ----

/** The composite rootvg image.data (test/fixtures/image-data/README.md): VG rootvg, file systems / and /usr. */
const IMAGE_DATA = readFileSync(
  fileURLToPath(
    new URL('../../../fixtures/image-data/synthetic-composite-rootvg.image.data', import.meta.url),
  ),
  'utf8',
);
const text = (t: string) => new TextEncoder().encode(t);
const MTIME = 1_795_000_000;

interface Item {
  readonly path: string;
  readonly type: BffEntryType;
  readonly data?: Uint8Array;
  readonly linkTarget?: string;
}

const MODES: Record<BffEntryType, number> = {
  file: 0o100644,
  directory: 0o40755,
  symlink: 0o120777,
  other: 0o20666,
};

function archive(items: readonly Item[], pack = true): Uint8Array {
  const writer = new BffWriter({ pack, date: MTIME });
  const chunks: Uint8Array[] = [writer.volumeHeader()];
  for (const i of items)
    chunks.push(...writer.entry({ ...i, mode: MODES[i.type], uid: 0, gid: 0, mtime: MTIME }));
  chunks.push(writer.end());
  return Buffer.concat(chunks);
}

/** What mksysb writes first, then a few directories and the files a rootvg needs to boot. */
function rootvgItems(): Item[] {
  return [
    { path: './bosinst.data', type: 'file', data: text('control_flow:\n    CONSOLE = Default\n') },
    { path: './image.data', type: 'file', data: text(IMAGE_DATA) },
    { path: './', type: 'directory' },
    { path: './etc', type: 'directory' },
    { path: './etc/filesystems', type: 'file', data: text('/:\n\tdev = /dev/hd4\n') },
    { path: './etc/inittab', type: 'file', data: text('init:2:initdefault:\n') },
    { path: './sbin', type: 'directory' },
    { path: './sbin/rc.boot', type: 'file', data: text('#!/bin/ksh\n') },
    { path: './unix', type: 'symlink', linkTarget: '/usr/lib/boot/unix_64' },
    { path: './usr', type: 'directory' },
    { path: './usr/lib/boot/unix_64', type: 'file', data: new Uint8Array(20_000).fill(7) },
    { path: './usr/share/big.txt', type: 'file', data: text('the same line again\n'.repeat(2000)) },
  ];
}

function inspect(bytes: Uint8Array, options: ContentInspectorOptions = { kind: 'mksysb' }, chunk = 997) {
  const inspector = new ContentInspector(options);
  for (let at = 0; at < bytes.length; at += chunk) inspector.push(bytes.subarray(at, at + chunk));
  return { inspector, report: inspector.finish() };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('ContentInspector', () => {
  const bytes = archive(rootvgItems());
  const { inspector, report } = inspect(bytes);

  it('hashes the stored bytes and counts the entries of a sound archive', () => {
    expect(report).toMatchObject({
      bytesRead: bytes.length,
      sha256: sha256(bytes),
      entries: 12,
      directories: 4,
      complete: true,
      problem: null,
    });
    expect(ContentReportSchema.safeParse(report).success).toBe(true);
  });

  it('finds every boot file of a rootvg image, the kernel by its link', () => {
    expect(report.bootFiles).toEqual({
      present: [
        './bosinst.data',
        './image.data',
        './unix',
        './sbin/rc.boot',
        './etc/inittab',
        './etc/filesystems',
      ],
      missing: [],
      empty: [],
    });
  });

  it('reads the image’s image.data: its volume group, logical volumes and file systems', () => {
    expect(report.volumeGroup).toBe('rootvg');
    expect(report.imageData).toEqual({
      source: './image.data',
      volumeGroup: 'rootvg',
      logicalVolumes: ['hd5', 'hd6', 'hd4', 'hd2'],
      fileSystems: ['/', '/usr'],
      fileSystemsMissing: [],
      problems: [],
    });
  });

  it('gives the same report whatever the chunk size', () => {
    for (const chunk of [1, 8, 4096, bytes.length])
      expect(inspect(bytes, { kind: 'mksysb' }, chunk).report).toEqual(report);
  });

  it('passes a sound image whose claims agree', () => {
    const c = claims({ sizeBytes: bytes.length, hostSha256: sha256(bytes), logFilesBackedUp: 12 });
    expect(judgeContent(report, c)).toEqual([]);
  });

  it('writes an index whose offsets read each file straight from the stored bytes', () => {
    const index = parseTocIndex(inspector.renderIndex('images/aix01/mksysb/aix01_mksysb_2026-11-23'));
    expect(index).toMatchObject({
      sha256: report.sha256,
      imageKey: 'images/aix01/mksysb/aix01_mksysb_2026-11-23',
    });
    expect(index.entries.map((e) => e.path)).toEqual(rootvgItems().map((i) => i.path));
    const inittab = index.entries.find((e) => e.path === './etc/inittab');
    expect(inittab?.packed).toBe(false);
    const at = inittab?.dataOffset ?? 0;
    expect(new TextDecoder().decode(bytes.subarray(at, at + (inittab?.storedSize ?? 0)))).toBe(
      'init:2:initdefault:\n',
    );
    expect(index.entries.find((e) => e.path === './usr/share/big.txt')?.packed).toBe(true);
  });

  it('reports a boot file that is missing and one that is empty', () => {
    const items = rootvgItems()
      .filter((i) => i.path !== './etc/inittab')
      .map((i) => (i.path === './sbin/rc.boot' ? { ...i, data: new Uint8Array(0) } : i));
    const found = inspect(archive(items)).report.bootFiles;
    expect([found.missing, found.empty]).toEqual([['./etc/inittab'], ['./sbin/rc.boot']]);
  });

  it('reports a file system of image.data that has no directory in the archive', () => {
    const items = rootvgItems().filter((i) => i.path !== './usr');
    expect(inspect(archive(items)).report.imageData?.fileSystemsMissing).toEqual(['/usr']);
  });

  it('reports an archive cut short, and the judge fails it with the offset', () => {
    const cut = bytes.subarray(0, bytes.length - 3000);
    const r = inspect(cut).report;
    expect(r).toMatchObject({ complete: false, bytesRead: cut.length, sha256: sha256(cut) });
    expect(r.problem?.code).toBe('ARCHIVE_TRUNCATED');
    const found = judgeContent(
      r,
      claims({ sizeBytes: cut.length, hostSha256: sha256(bytes), logFilesBackedUp: 12 }),
    );
    expect(found.map((a) => a.code)).toEqual(['CHECKSUM_MISMATCH', 'ARCHIVE_TRUNCATED']);
    expect(found[1]?.evidence.offset).toBe(r.problem?.offset ?? -1);
  });

  it('reports damaged bytes in the middle of the archive as corrupt', () => {
    const damaged = Uint8Array.from(bytes);
    const inittab = parseTocIndex(inspector.renderIndex('k')).entries.find((e) => e.path === './etc/inittab');
    damaged.fill(0xff, inittab?.headerOffset ?? 0, (inittab?.headerOffset ?? 0) + 16);
    const r = inspect(damaged).report;
    expect(r.problem?.code).toBe('ARCHIVE_CORRUPT');
    expect(r.complete).toBe(false);
  });

  it('never throws on bytes that are not an archive at all', () => {
    const r = inspect(text('this is not a backup archive, it is a text file'.repeat(50))).report;
    expect(r.complete).toBe(false);
    expect(r.problem).not.toBeNull();
  });

  it('finds a savevg image’s volume group and required files without being told the VG', () => {
    const vgData = IMAGE_DATA.replaceAll('rootvg', 'datavg');
    const items: Item[] = [
      { path: './tmp/vgdata/vgdata.files', type: 'file', data: text('./tmp/vgdata/datavg/datavg.data\n') },
      { path: './tmp/vgdata/datavg/filesystems', type: 'file', data: text('/data:\n\tdev = /dev/lv01\n') },
      { path: './tmp/vgdata/datavg/datavg.data', type: 'file', data: text(vgData) },
      { path: './', type: 'directory' },
      { path: './usr', type: 'directory' },
    ];
    const r = inspect(archive(items, false), { kind: 'savevg' }).report;
    expect(r.volumeGroup).toBe('datavg');
    expect(r.bootFiles).toEqual({
      present: ['./tmp/vgdata/datavg/datavg.data', './tmp/vgdata/datavg/filesystems'],
      missing: [],
      empty: [],
    });
    expect(
      judgeContent(
        r,
        claims({
          kind: 'savevg',
          volumeGroup: 'datavg',
          sizeBytes: r.bytesRead,
          hostSha256: null,
          logFilesBackedUp: null,
          lsmksysb: null,
        }),
      ),
    ).toEqual([]);
  });

  it('fails a savevg image that holds another volume group than the one declared', () => {
    const items: Item[] = [
      { path: './tmp/vgdata/datavg/filesystems', type: 'file', data: text('x') },
      {
        path: './tmp/vgdata/datavg/datavg.data',
        type: 'file',
        data: text(IMAGE_DATA.replaceAll('rootvg', 'datavg')),
      },
    ];
    const r = inspect(archive(items, false), { kind: 'savevg', volumeGroup: 'appvg' }).report;
    expect(r.bootFiles.missing).toEqual(['./tmp/vgdata/appvg/appvg.data', './tmp/vgdata/appvg/filesystems']);
    const found = judgeContent(
      r,
      claims({
        kind: 'savevg',
        volumeGroup: 'appvg',
        sizeBytes: r.bytesRead,
        hostSha256: null,
        logFilesBackedUp: null,
        lsmksysb: null,
      }),
    );
    expect(found.map((a) => `${a.code}:${a.severity}`)).toEqual([
      'BOOT_FILES_MISSING:fail',
      'CONTENT_MISMATCH:fail',
    ]);
    expect(found[1]?.message).toMatch(
      /^\.\/tmp\/vgdata\/datavg\/datavg\.data in the image describes datavg, the savevg run was for appvg/,
    );
  });
});
