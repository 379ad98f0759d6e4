// verify says what changed since the series' previous image, against the local S3 server: the record's
// `changes` from the two content indexes (built here with renderTocIndex) and `lsmksysb -L` sidecars,
// the size and OS level findings quoting it — and anything missing or unreadable only ever leaves a
// part null with the reason, never a different verdict.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { renderTocIndex, type TocEntry } from '../../../lambdas/core/bff/toc-index.js';
import { contentIndexKey, sidecarKey } from '../../../lambdas/core/catalog-keys.js';
import { type ImageRecord, parseImageRecord } from '../../../lambdas/core/image-record.js';
import { VerificationPolicySchema } from '../../../lambdas/core/policy.js';
import { verifyImage } from '../../../lambdas/verify/verify.js';
import {
  countCalls,
  inspectedImage,
  lsmksysbListing,
  makeRecord,
  SUCCESS_LOG,
  seedImage,
  useTestStore,
} from '../../support/local-store.js';
import { tocEntry } from '../../support/toc.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
// Images of a few MiB stand in for GB ones: the floor and the listing's slack are scaled down with them.
const policy = VerificationPolicySchema.parse({ absoluteFloorBytes: MiB, sizeMismatchSlackBytes: MiB });
const TODAY = '2026-11-23T02:00:00.000Z';
const EARLIER_DATES = ['2026-11-02', '2026-11-09', '2026-11-16'].map((d) => `${d}T02:00:00.000Z`);
const local = useTestStore();

const entry = tocEntry;

const BASE = [
  entry('.'),
  entry('./image.data', 9_000),
  entry('./usr'),
  entry('./usr/lib'),
  entry('./usr/lib/libc.a', 40 * MiB),
  entry('./var'),
  entry('./var/adm'),
  entry('./var/adm/ras'),
  entry('./home'),
];
const WITH_ORACLE = [
  ...BASE,
  entry('./home/oracle'),
  entry('./home/oracle/oradata.dbf', 9 * GiB),
  entry('./home/oracle/redo01.log', 614 * MiB),
];
const WITH_DUMP = [...WITH_ORACLE, entry('./var/adm/ras/dump.1', Math.round(3.1 * GiB))];

// `lsmksysb -L` listings in lslpp -L's columns (the layout of test/lambdas/core/lsmksysb.test.ts).
const filesets = (rows: [string, string][]) =>
  [
    '  Fileset                      Level  State  Type  Description (Uninstaller)',
    '  ----------------------------------------------------------------------------',
    ...rows.map(([name, level]) => `  ${name.padEnd(25)} ${level.padEnd(10)} C     F    ${name}`),
    '',
  ].join('\n');
const AIX72 = ['bos.rte', 'bos.mp64', 'bos.net.tcp.client', 'bos.net.tcp.server', 'bos.perf.tools'].map(
  (name) => [name, '7.2.5.0'] as [string, string],
);
const AIX73 = AIX72.map(([name]) => [name, '7.3.2.0'] as [string, string]);

interface Series {
  /** Today's image size; the three earlier images are 8 MiB. */
  readonly todayBytes: number;
  readonly olderToc?: TocEntry[];
  readonly newerToc?: TocEntry[];
  /** What becomes of the previous image's index: stored, never stored, or stored as garbage. */
  readonly olderIndex?: 'stored' | 'missing' | 'corrupt';
  readonly olderFilesets?: string | null;
  readonly newerFilesets?: string | null;
  readonly earlierOsLevel?: string;
  /** Records of the earlier images (default: PASS, 8 MiB, with an index key). */
  readonly earlier?: (date: string, host: string) => ImageRecord;
}

/** Three weekly images of `host` before today, the previous one with an index and listings, and today's upload. */
async function seedSeries(host: string, series: Series) {
  const put = (key: string, body: Uint8Array | string) =>
    local.client.send(new PutObjectCommand({ Bucket: local.store.bucket, Key: key, Body: body }));
  const records = EARLIER_DATES.map(
    (date) =>
      series.earlier?.(date, host) ??
      makeRecord({ host, date, sizeBytes: 8 * MiB, osLevel: series.earlierOsLevel ?? '7300-02-01-2346' }),
  );
  for (const r of records) await seedImage(local.client, local.store.bucket, r);
  const previous = records[records.length - 1] as ImageRecord;
  const olderIndex = series.olderIndex ?? 'stored';
  if (olderIndex !== 'missing')
    await put(
      contentIndexKey(previous.key),
      olderIndex === 'corrupt'
        ? 'not an index'
        : renderTocIndex(series.olderToc ?? WITH_ORACLE, { imageKey: previous.key, sha256: 'a'.repeat(64) }),
    );
  if (series.olderFilesets !== null)
    await put(sidecarKey(previous.key, 'filesets'), series.olderFilesets ?? filesets(AIX73));

  const key = `images/${host}/${host}_mksysb_2026-11-23`;
  const toc = series.newerToc ?? WITH_ORACLE;
  await put(key, Buffer.alloc(series.todayBytes));
  await put(`${key}.lsmksysb`, lsmksysbListing(TODAY, { backupMB: 64, shrinkMB: 4 }));
  await put(`${key}.log`, SUCCESS_LOG);
  await put(contentIndexKey(key), renderTocIndex(toc, { imageKey: key, sha256: 'c'.repeat(64) }));
  if (series.newerFilesets !== null)
    await put(sidecarKey(key, 'filesets'), series.newerFilesets ?? filesets(AIX73));
  return { key, previous, entries: toc.length };
}

const inspected = (key: string, sizeBytes: number, indexEntries: number) =>
  inspectedImage(key, sizeBytes, TODAY, indexEntries);

async function verify(
  host: string,
  seeded: { key: string; entries: number },
  sizeBytes: number,
  s3 = local.client,
  series: { kind: 'mksysb' } | { kind: 'savevg'; volumeGroup: string } = { kind: 'mksysb' },
) {
  const out = await verifyImage(
    {
      runId: 'run-2026-11-23',
      host,
      ...series,
      date: TODAY,
      key: seeded.key,
      sizeBytes,
      sha256: 'c'.repeat(64),
      osLevel: '7300-02-01-2346',
      content: inspected(seeded.key, sizeBytes, seeded.entries),
    },
    { s3, bucket: local.store.bucket, policy, historyLimit: 26, now: () => new Date(TODAY) },
  );
  const object = await local.client.send(
    new GetObjectCommand({ Bucket: local.store.bucket, Key: out.recordKey }),
  );
  const parsed = parseImageRecord((await object.Body?.transformToString()) ?? '', out.recordKey);
  if (!parsed.ok) throw new Error(parsed.problem);
  return { out, record: parsed.record };
}

const codes = (out: { anomalies: { code: string }[] }) => out.anomalies.map((a) => a.code);

describe('verify: what changed since the previous image', () => {
  it('explains a SIZE_DROP with the directory that went, in the message and in the record', async () => {
    const seeded = await seedSeries('chg01', { todayBytes: 5 * MiB, newerToc: BASE });
    const { out, record } = await verify('chg01', seeded, 5 * MiB);
    const drop = out.anomalies.find((a) => a.code === 'SIZE_DROP');
    expect(drop?.message).toMatch(
      /^5\.0 MB vs 8\.0 MB expected \(median 8\.0 MB\): -37\.5%; since 2026-11-16: -9\.6 GB \/home\/oracle \(directory removed, 2 entries\)$/,
    );
    expect(drop?.evidence.comparedWith).toBe(seeded.previous.key);
    expect(record.changes).toEqual({
      comparedWith: { key: seeded.previous.key, date: EARLIER_DATES[2], sizeBytes: 8 * MiB },
      entries: {
        added: 0,
        removed: 3,
        grown: 0,
        shrunk: 0,
        contributors: [
          {
            path: '/home/oracle',
            delta: -(9 * GiB + 614 * MiB),
            change: 'removed',
            line: '-9.6 GB /home/oracle (directory removed, 2 entries)',
          },
        ],
      },
      filesets: { added: [], removed: [], upgraded: [], downgraded: [] },
      unavailable: null,
    });
  });

  it('explains a SIZE_JUMP with the new big file', async () => {
    const seeded = await seedSeries('chg02', { todayBytes: 14 * MiB, newerToc: WITH_DUMP });
    const { out, record } = await verify('chg02', seeded, 14 * MiB);
    expect(codes(out)).toEqual(['SIZE_JUMP']);
    expect(out.anomalies[0]?.message).toMatch(
      /; since 2026-11-16: \+3\.1 GB \/var\/adm\/ras\/dump\.1 \(new\)$/,
    );
    expect(record.changes?.entries?.contributors.map((c) => [c.path, c.change])).toEqual([
      ['/var/adm/ras/dump.1', 'added'],
    ]);
  });

  it('names the filesets an OS level upgrade changed, bos.rte first', async () => {
    const seeded = await seedSeries('chg03', {
      todayBytes: 8 * MiB,
      earlierOsLevel: '7200-05-06-2320',
      olderFilesets: filesets(AIX72),
    });
    const { out, record } = await verify('chg03', seeded, 8 * MiB);
    expect(out.anomalies.find((a) => a.code === 'OSLEVEL_CHANGED')?.message).toBe(
      'from 7200-05-06-2320 to 7300-02-01-2346; since 2026-11-16: bos.rte 7.2.5.0 → 7.3.2.0, bos.mp64 7.2.5.0 → 7.3.2.0, bos.net.tcp.client 7.2.5.0 → 7.3.2.0 and 2 more',
    );
    expect(record.changes?.filesets?.upgraded).toHaveLength(5);
    expect(record.changes?.filesets?.upgraded[0]).toEqual({
      name: 'bos.mp64',
      from: '7.2.5.0',
      to: '7.3.2.0',
    });
  });

  it('compares within a series only: the first mksysb of a host gets no changes, its savevg does', async () => {
    const host = 'chg04';
    const put = (key: string, body: Uint8Array | string) =>
      local.client.send(new PutObjectCommand({ Bucket: local.store.bucket, Key: key, Body: body }));
    const earlier = makeRecord({
      host,
      date: EARLIER_DATES[2] as string,
      kind: 'savevg',
      volumeGroup: 'datavg',
      sizeBytes: 8 * MiB,
    });
    await seedImage(local.client, local.store.bucket, earlier);
    await put(
      contentIndexKey(earlier.key),
      renderTocIndex(BASE, { imageKey: earlier.key, sha256: 'a'.repeat(64) }),
    );
    const today = async (key: string, vg: string, toc: TocEntry[]) => {
      await put(key, Buffer.alloc(8 * MiB));
      await put(`${key}.lsmksysb`, lsmksysbListing(TODAY, { backupMB: 64, shrinkMB: 4, vg }));
      await put(`${key}.log`, SUCCESS_LOG);
      await put(contentIndexKey(key), renderTocIndex(toc, { imageKey: key, sha256: 'c'.repeat(64) }));
      return { key, entries: toc.length };
    };
    const mksysb = await verify(
      host,
      await today(`images/${host}/${host}_mksysb_2026-11-23`, 'rootvg', BASE),
      8 * MiB,
    );
    const savevg = await verify(
      host,
      await today(`images/${host}/${host}_savevg_datavg_2026-11-23`, 'datavg', WITH_DUMP),
      8 * MiB,
      local.client,
      { kind: 'savevg', volumeGroup: 'datavg' },
    );
    expect({
      mksysb: mksysb.record.changes,
      savevg: savevg.record.changes?.comparedWith.key,
      contributors: savevg.record.changes?.entries?.contributors.map((c) => c.line),
    }).toEqual({
      mksysb: null,
      savevg: earlier.key,
      contributors: ['+9.6 GB /home/oracle (new directory, 2 entries)', '+3.1 GB /var/adm/ras/dump.1 (new)'],
    });
  });

  it('names a missing earlier index in unavailable, explains nothing and keeps the verdict', async () => {
    const seeded = await seedSeries('chg05', { todayBytes: 5 * MiB, newerToc: BASE, olderIndex: 'missing' });
    const { out, record } = await verify('chg05', seeded, 5 * MiB);
    const index = contentIndexKey(seeded.previous.key);
    expect({
      verdict: out.verdict,
      codes: codes(out),
      message: out.anomalies[0]?.message,
      evidence: out.anomalies[0]?.evidence.changesUnavailable,
      entries: record.changes?.entries,
      filesets: record.changes?.filesets === null,
      unavailable: record.changes?.unavailable,
    }).toEqual({
      verdict: 'WARN',
      codes: ['SIZE_DROP'],
      message: '5.0 MB vs 8.0 MB expected (median 8.0 MB): -37.5%',
      evidence: `the content index ${index} of the image of 2026-11-16 is missing (deleted, or never written)`,
      entries: null,
      filesets: false,
      unavailable: `the content index ${index} of the image of 2026-11-16 is missing (deleted, or never written)`,
    });
  });

  it('names a corrupt earlier index in unavailable and keeps the verdict', async () => {
    const seeded = await seedSeries('chg06', { todayBytes: 5 * MiB, newerToc: BASE, olderIndex: 'corrupt' });
    const { out, record } = await verify('chg06', seeded, 5 * MiB);
    expect({ verdict: out.verdict, codes: codes(out), entries: record.changes?.entries }).toEqual({
      verdict: 'WARN',
      codes: ['SIZE_DROP'],
      entries: null,
    });
    expect(record.changes?.unavailable).toMatch(
      new RegExp(
        `^the content index ${contentIndexKey(seeded.previous.key)} is unreadable: the index is not gzip data`,
      ),
    );
  });

  it('says which fileset listing is not stored, and still compares the content', async () => {
    const seeded = await seedSeries('chg07', { todayBytes: 8 * MiB, olderFilesets: null });
    const { out, record } = await verify('chg07', seeded, 8 * MiB);
    expect({
      verdict: out.verdict,
      filesets: record.changes?.filesets,
      entries: record.changes?.entries?.contributors,
      unavailable: record.changes?.unavailable,
    }).toEqual({
      verdict: 'PASS',
      filesets: null,
      entries: [],
      unavailable: `no fileset listing (lsmksysb -L) is stored with the image of 2026-11-16 (${seeded.previous.key}.filesets)`,
    });
  });

  it('compares with the newest image that did not FAIL: a truncated one explains nothing', async () => {
    const seeded = await seedSeries('chg08', {
      todayBytes: 5 * MiB,
      newerToc: BASE,
      earlier: (date, host) =>
        date === EARLIER_DATES[2]
          ? makeRecord({ host, date, sizeBytes: 40 * 1024, verdict: 'FAIL' })
          : makeRecord({ host, date, sizeBytes: 8 * MiB }),
    });
    const older = `images/chg08/chg08_mksysb_2026-11-09`;
    await local.client.send(
      new PutObjectCommand({
        Bucket: local.store.bucket,
        Key: contentIndexKey(older),
        Body: renderTocIndex(WITH_ORACLE, { imageKey: older, sha256: 'a'.repeat(64) }),
      }),
    );
    const { out, record } = await verify('chg08', seeded, 5 * MiB);
    expect(record.changes?.comparedWith.key).toBe(older);
    expect(out.anomalies[0]?.message).toMatch(/; since 2026-11-09: -9\.6 GB \/home\/oracle/);
  });

  it('skips an index over the limit without reading it', async () => {
    const seeded = await seedSeries('chg09', {
      todayBytes: 5 * MiB,
      newerToc: BASE,
      earlier: (date, host) => {
        const r = makeRecord({ host, date, sizeBytes: 8 * MiB });
        return { ...r, content: r.content && { ...r.content, entries: 2_000_000 } };
      },
    });
    const counted = local.store.client();
    const calls = countCalls(counted);
    const { out, record } = await verify('chg09', seeded, 5 * MiB, counted);
    const index = contentIndexKey(seeded.previous.key);
    expect({
      verdict: out.verdict,
      reads: calls.filter((c) => c.key === index).length,
      entries: record.changes?.entries,
    }).toEqual({ verdict: 'WARN', reads: 0, entries: null });
    expect(record.changes?.unavailable).toContain(
      `the content index ${index} of the image of 2026-11-16 is too large`,
    );
  });
});
