// `mksysb-vault diff` as a user runs it: a spawned command against a local data directory seeded with
// records, the vault's content indexes beside them and their `lsmksysb -L` sidecars (never the images:
// the stand-in image objects are 16 zero bytes).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderTocIndex, type TocEntry } from '../../lambdas/core/bff/toc-index.js';
import { contentIndexKey, sidecarKey } from '../../lambdas/core/catalog-keys.js';
import { imageExcludeList } from '../../lambdas/core/exclude-list.js';
import type { CurrentImageRecord } from '../../lambdas/core/image-record.js';
import { parseLsmksysb } from '../../lambdas/core/lsmksysb.js';
import { LOCAL_BUCKET, localPaths } from '../../lib/local/paths.js';
import { startLocalS3 } from '../../lib/local/s3-server.js';
import { afterConfigLine, runCliAsync } from '../support/cli.js';
import { lsmksysbListing, makeRecord, seedImage } from '../support/local-store.js';
import { tocEntry } from '../support/toc.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-diff-'));
// The clock is passed in (the command does not depend on it, the store it opens does).
const cli = (...args: string[]) =>
  runCliAsync(['diff', ...args, '--data', data], { env: { MKSYSB_VAULT_NOW: '2026-11-23T06:00:00Z' } });

const entry = tocEntry;

const BASE = [
  entry('.'),
  entry('./bosinst.data', 4_000),
  entry('./image.data', 9_000),
  entry('./usr'),
  entry('./usr/lib'),
  entry('./usr/lib/libc.a', 40 * MiB),
  entry('./var'),
  entry('./var/adm'),
  entry('./var/adm/ras'),
  entry('./var/adm/ras/errlog', MiB),
  entry('./home'),
  entry('./opt'),
  entry('./opt/app'),
  entry('./opt/app/lib.jar', 800 * MiB),
  entry('./opt/app/data.db', 400 * MiB),
];
const OLDER_TOC = [
  ...BASE,
  entry('./home/oracle'),
  entry('./home/oracle/oradata.dbf', 9 * GiB),
  entry('./home/oracle/redo01.log', 614 * MiB),
];
const NEWER_TOC = [
  ...BASE.map((e) =>
    e.path === './opt/app/lib.jar'
      ? entry(e.path, 1400 * MiB)
      : e.path === './opt/app/data.db'
        ? entry(e.path, 1000 * MiB)
        : e,
  ),
  entry('./var/adm/ras/dump.1', Math.round(3.1 * GiB)),
];

// Fileset listings in lslpp -L's columns (the layout of test/lambdas/core/lsmksysb.test.ts).
const filesets = (rows: [string, string][]) =>
  [
    '  Fileset                      Level  State  Type  Description (Uninstaller)',
    '  ----------------------------------------------------------------------------',
    ...rows.map(([name, level]) => `  ${name.padEnd(25)} ${level.padEnd(10)} C     F    ${name}`),
    '',
  ].join('\n');
const OLDER_FILESETS = filesets([
  ['bos.rte', '7.2.5.0'],
  ['bos.mp64', '7.2.5.0'],
  ['openssl.base', '1.0.2.2101'],
  ['Firefox.base.rte', '3.5.13.1'],
]);
const NEWER_FILESETS = filesets([
  ['bos.rte', '7.2.5.101'],
  ['bos.mp64', '7.2.5.0'],
  ['openssl.base', '1.0.2.2100'],
  ['openssh.base.client', '9.2.112.2401'],
]);

/** A record whose listing names /, /usr and /home as file systems. */
function record(host: string, date: string, fields: Partial<CurrentImageRecord> = {}): CurrentImageRecord {
  const listing = `${lsmksysbListing(date)}hd1                 jfs2       1       1       1    open/syncd    /home\n`;
  const parsed = parseLsmksysb(listing);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return makeRecord({ host, date, lsmksysb: parsed.report, ...fields });
}

beforeAll(async () => {
  const s3 = await startLocalS3({ directory: localPaths(data).store, bucket: LOCAL_BUCKET });
  const client = s3.client();
  const put = (key: string, body: Uint8Array | string) =>
    client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  const seed = async (r: CurrentImageRecord, toc: TocEntry[] | null, fileList: string | null) => {
    await seedImage(client, s3.bucket, r);
    if (toc)
      await put(contentIndexKey(r.key), renderTocIndex(toc, { imageKey: r.key, sha256: 'a'.repeat(64) }));
    if (fileList !== null) await put(sidecarKey(r.key, 'filesets'), fileList);
  };
  // aixprd01: an image from before the content check (no index), then two indexed images.
  await seed(record('aixprd01', '2026-11-09T02:00:00Z', { content: null }), null, OLDER_FILESETS);
  await seed(
    record('aixprd01', '2026-11-16T02:00:00Z', {
      sizeBytes: 20 * GiB,
      osLevel: '7200-05-06-2320',
      excludeList: imageExcludeList({ source: 'config', patterns: ['^./tmp/'], lineCount: 1 }),
    }),
    OLDER_TOC,
    OLDER_FILESETS,
  );
  await seed(
    record('aixprd01', '2026-11-23T02:00:00Z', {
      sizeBytes: 13 * GiB,
      osLevel: '7300-02-01-2346',
      excludeList: imageExcludeList({
        source: 'config',
        patterns: ['^./mksysb/', '^./home/oracle/'],
        lineCount: 2,
      }),
    }),
    NEWER_TOC,
    NEWER_FILESETS,
  );
  // aixtst02: one image. aixdev03: two images without fileset listings.
  await seed(record('aixtst02', '2026-11-23T02:00:00Z'), BASE, OLDER_FILESETS);
  await seed(record('aixdev03', '2026-11-16T02:00:00Z'), BASE, null);
  await seed(record('aixdev03', '2026-11-23T02:00:00Z'), NEWER_TOC, null);
  // aixbad04: the newer index is not an index.
  await seed(record('aixbad04', '2026-11-16T02:00:00Z'), BASE, null);
  const bad = record('aixbad04', '2026-11-23T02:00:00Z');
  await seedImage(client, s3.bucket, bad);
  await put(contentIndexKey(bad.key), 'not an index');
  client.destroy();
  await s3.close();
}, 60_000);

describe.concurrent('mksysb-vault diff', () => {
  it('compares the last two images: sizes, top contributors, directories, file systems, filesets, OS level', async () => {
    const r = await cli('aixprd01');
    expect(afterConfigLine(r.stderr)).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toContain('aixprd01 mksysb: 2026-11-16 → 2026-11-23');
    expect(out).toContain('image    20.0 GB → 13.0 GB (-7.0 GB)');
    expect(out).toContain('entries  1 added, 3 removed, 2 grown, 0 shrunk');
    const contributors = out.slice(out.indexOf('Top contributors:'), out.indexOf('By top-level directory:'));
    expect(contributors.trim().split('\n').slice(1)).toEqual([
      '  -9.6 GB /home/oracle (directory removed, 2 entries)',
      '  +3.1 GB /var/adm/ras/dump.1 (new)',
      '  +1.2 GB /opt/app (grew: 2 entries changed)',
    ]);
    expect(out).toMatch(
      /By top-level directory:\nDIRECTORY\s+OLD\s+NEW\s+DELTA\s+ENTRIES\n\/home\s+9\.6 GB\s+0 B\s+-9\.6 GB\s+4 → 1\n/,
    );
    expect(out).toMatch(
      /By file system:\nFILE SYSTEM\s+OLD\s+NEW\s+DELTA\s+ENTRIES\n\/home\s+9\.6 GB\s+0 B\s+-9\.6 GB/,
    );
    // /opt and /var have no file systems of their own in the listing: their changes count on /.
    expect(out).toMatch(/^\/\s+1\.2 GB\s+5\.4 GB\s+\+4\.3 GB\s+11 → 12$/m);
    expect(out).toMatch(/^\/usr\s+40\.0 MB\s+40\.0 MB\s+0 B\s+3 → 3$/m);
    expect(out).toContain('Filesets: 1 upgraded, 1 downgraded, 1 added, 1 removed, 1 unchanged');
    expect(out).toContain('  upgraded   bos.rte 7.2.5.0 → 7.2.5.101');
    expect(out).toContain('  downgraded openssl.base 1.0.2.2101 → 1.0.2.2100');
    expect(out).toContain('  added      openssh.base.client 9.2.112.2401');
    expect(out).toContain('  removed    Firefox.base.rte 3.5.13.1');
    expect(out).toContain('OS level: 7200-05-06-2320 → 7300-02-01-2346 (upgraded)');
  });

  it('says when the exclude list changed between the two images, pattern by pattern', async () => {
    const r = await cli('aixprd01');
    expect(r.stdout).toContain(
      'Exclude list changed: 1 pattern (config) → 2 patterns (config): +^./mksysb/ +^./home/oracle/ -^./tmp/',
    );
    const json = JSON.parse((await cli('aixprd01', '--json')).stdout);
    expect(json.excludeList).toMatchObject({
      changed: true,
      recorded: true,
      added: ['^./mksysb/', '^./home/oracle/'],
      removed: ['^./tmp/'],
      from: { source: 'config', patterns: ['^./tmp/'], lineCount: 1 },
      to: { source: 'config', patterns: ['^./mksysb/', '^./home/oracle/'], lineCount: 2 },
    });
  });

  it('says the exclude list is not known when a record predates it', async () => {
    const r = await cli('aixdev03');
    expect(r.stdout).toContain(
      'Exclude list: not known (the record of the older image predates exclude lists)',
    );
  });

  it('prints one JSON object with the stable fields --help documents', async () => {
    const r = await cli('aixprd01', '--json');
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual([
      'host',
      'kind',
      'volumeGroup',
      'from',
      'to',
      'imageDelta',
      'content',
      'counts',
      'topContributors',
      'directories',
      'fileSystems',
      'addedTrees',
      'removedTrees',
      'added',
      'removed',
      'grown',
      'shrunk',
      'filesets',
      'osLevel',
      'excludeList',
      'notes',
    ]);
    expect(json.from).toEqual({
      date: '2026-11-16',
      key: 'images/aixprd01/aixprd01_mksysb_2026-11-16',
      sizeBytes: 20 * GiB,
      osLevel: '7200-05-06-2320',
      entries: OLDER_TOC.length,
      contentBytes: OLDER_TOC.reduce((s, e) => s + e.size, 0),
    });
    expect(json.imageDelta).toBe(-7 * GiB);
    expect(json.counts).toEqual({ added: 1, removed: 3, grown: 2, shrunk: 0, modified: 0, unchanged: 13 });
    expect(json.topContributors[0]).toEqual({
      path: '/home/oracle',
      delta: -(9 * GiB + 614 * MiB),
      change: 'removed',
      scope: 'tree',
      entries: 3,
      line: '-9.6 GB /home/oracle (directory removed, 2 entries)',
    });
    expect(json.removedTrees).toEqual([
      { path: '/home/oracle', change: 'removed', delta: -(9 * GiB + 614 * MiB), entries: 3 },
    ]);
    expect(json.fileSystems.map((f: { mountPoint: string }) => f.mountPoint)).toEqual(['/home', '/', '/usr']);
    expect(json.filesets.upgraded).toEqual([{ name: 'bos.rte', from: '7.2.5.0', to: '7.2.5.101' }]);
    expect(json.osLevel).toEqual({
      from: '7200-05-06-2320',
      to: '7300-02-01-2346',
      direction: 'upgraded',
      source: 'oslevel',
    });
    expect(json.notes).toEqual([]);
    const help = await cli('--help');
    for (const field of Object.keys(json)) expect(help.stdout).toContain(field);
  });

  it('limits the top contributors to --top', async () => {
    const r = await cli('aixprd01', '--top', '1', '--json');
    expect(JSON.parse(r.stdout).topContributors).toHaveLength(1);
  });

  it('says when an image has no content index, naming the host and day, exit 2', async () => {
    const r = await cli('aixprd01', '--from', '2026-11-09');
    expect(afterConfigLine(r.stderr)).toBe(
      'mksysb-vault diff: the aixprd01 mksysb image of 2026-11-09 has no content index (images/aixprd01/aixprd01_mksysb_2026-11-09.index.gz): its stored bytes were never checked (the record predates the content check); it cannot be compared\n',
    );
    expect(r.status).toBe(2);
  });

  it('says which index is unreadable and why, exit 2', async () => {
    const r = await cli('aixbad04');
    expect(afterConfigLine(r.stderr)).toMatch(
      /^mksysb-vault diff: the content index of the aixbad04 mksysb image of 2026-11-23 is unreadable: images\/aixbad04\/aixbad04_mksysb_2026-11-23\.index\.gz: the index is not gzip data/,
    );
    expect(r.status).toBe(2);
  });

  it('lists the days the host has when there is no image that day, exit 64', async () => {
    const r = await cli('aixprd01', '--to', '2026-11-02');
    expect(r.stderr).toContain(
      'aixprd01 has no mksysb image of 2026-11-02 (it has: 2026-11-23, 2026-11-16, 2026-11-09)',
    );
    expect(r.status).toBe(64);
  });

  it('refuses a host with only one image', async () => {
    const r = await cli('aixtst02');
    expect(r.stderr).toContain('aixtst02 has only one mksysb image (2026-11-23): nothing to compare it with');
    expect(r.status).toBe(64);
  });

  it('names the hosts that have images when the host has none', async () => {
    const r = await cli('aixnone09');
    expect(r.stderr).toContain('no mksysb image of "aixnone09"');
    expect(r.stderr).toContain('(hosts with images: aixbad04, aixdev03, aixprd01, aixtst02)');
    expect(r.status).toBe(64);
  });

  it('compares the files without fileset listings and says why filesets are missing', async () => {
    const text = await cli('aixdev03');
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('+3.1 GB /var/adm/ras/dump.1 (new)');
    expect(text.stdout).toContain('Filesets: not compared (an image has no fileset listing)');
    expect(text.stdout).toContain(
      'note: no fileset listing (lsmksysb -L) is stored with the image of 2026-11-16',
    );
    const json = JSON.parse((await cli('aixdev03', '--json')).stdout);
    expect(json.filesets).toBeNull();
    expect(json.osLevel).toMatchObject({ direction: 'same', source: 'oslevel' });
  });

  it('refuses days that are not days, and the same day twice', async () => {
    const bad = await cli('aixprd01', '--from', 'last-week');
    expect(bad.stderr).toContain('--from "last-week": not a day (a day is YYYY-MM-DD');
    expect(bad.status).toBe(64);
    const same = await cli('aixprd01', '--from', '2026-11-16', '--to', '2026-11-16');
    expect(same.stderr).toContain('--from and --to are the same day');
    expect(same.status).toBe(64);
    const newest = await cli('aixprd01', '--from', '2026-11-23');
    expect(newest.stderr).toContain(
      '--from 2026-11-23 is the newest mksysb image of aixprd01: give --to another day',
    );
    expect(newest.status).toBe(64);
  });
});
