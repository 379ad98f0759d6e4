// readHostCatalog against the local S3 server, every call counted: a host costs its listing and its
// index (2 calls) however many images it has; an image the index does not know yet (its record
// written, the index update lost) is still seen, from its record; a missing or unreadable index
// falls back to the records and says so, naming the host.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { updateIndex } from '../../../lambdas/adapters/catalog-index.js';
import { readHostCatalog } from '../../../lambdas/adapters/host-catalog.js';
import { writeHistoryEntry } from '../../../lambdas/adapters/image-history.js';
import { type CatalogIndex, rebuildIndex, retireEntries } from '../../../lambdas/core/catalog-index.js';
import { catalogIndexKey } from '../../../lambdas/core/catalog-keys.js';
import { historyEntryOfRecord } from '../../../lambdas/core/image-history.js';
import type { ImageRecord } from '../../../lambdas/core/image-record.js';
import { countCalls, makeRecord, seedImage, useTestStore, weeklyDates } from '../../support/local-store.js';

const local = useTestStore();
const store = () => ({ client: local.client, bucket: local.store.bucket });

/** A host's weekly records (newest last), each with its image object. */
async function seedHost(host: string, weeks: number): Promise<ImageRecord[]> {
  const records = weeklyDates('2026-11-23T02:00:00.000Z', weeks).map((date) => makeRecord({ host, date }));
  for (const r of records) await seedImage(local.client, local.store.bucket, r);
  return records;
}

async function writeIndex(host: string, index: CatalogIndex): Promise<void> {
  await updateIndex(store(), host, () => index, { replaceUnreadable: true });
}

/** A fresh client on the same store, counting what readHostCatalog sends. */
function counted() {
  const client = local.store.client();
  return { store: { client, bucket: local.store.bucket }, calls: countCalls(client) };
}

describe('readHostCatalog', () => {
  it('reads a host of 12 images in 2 S3 calls: its listing and its index', async () => {
    const records = await seedHost('aixidx01', 12);
    await writeIndex('aixidx01', rebuildIndex('aixidx01', records));
    const { store: s, calls } = counted();
    const catalog = await readHostCatalog(s, 'aixidx01');
    expect(calls.map((c) => c.command).sort()).toEqual(['GetObjectCommand', 'ListObjectsV2Command']);
    expect(catalog.index).toBe('ok');
    expect(catalog.indexNote).toBeNull();
    expect(catalog.images.map((i) => i.key)).toEqual(records.map((r) => r.key).reverse());
    expect(catalog.images[0]).toMatchObject({ verdict: 'PASS', sizeBytes: records[11]?.sizeBytes });
    expect(catalog.records).toEqual([]);
  });

  it('sees an image the index does not know yet (record written, index not updated) by reading its record', async () => {
    const records = await seedHost('aixidx02', 6);
    // The newest verify wrote its record and stopped before its index update.
    await writeIndex('aixidx02', rebuildIndex('aixidx02', records.slice(0, 5)));
    const newest = records[5] as ImageRecord;
    const { store: s, calls } = counted();
    const catalog = await readHostCatalog(s, 'aixidx02');
    expect(catalog.images.map((i) => i.key)[0]).toBe(newest.key);
    expect(catalog.images).toHaveLength(6);
    expect(catalog.lacking).toEqual([newest.key]);
    expect(calls.filter((c) => c.key === `${newest.key}.record.json`)).toHaveLength(1);
    expect(calls).toHaveLength(3);
  });

  it('reads every record of a host whose index is missing, and names the host', async () => {
    const records = await seedHost('aixidx03', 4);
    const catalog = await readHostCatalog(store(), 'aixidx03');
    expect(catalog.index).toBe('absent');
    expect(catalog.images.map((i) => i.key)).toEqual(records.map((r) => r.key).reverse());
    expect(catalog.indexNote).toBe(
      'aixidx03: no catalog index (catalog/aixidx03/index.json): 4 record(s) of aixidx03 read instead; "mksysb-vault catalog rebuild --host aixidx03" writes it',
    );
  });

  it('reads every record of a host whose index is unreadable, saying what is wrong with it', async () => {
    const records = await seedHost('aixidx04', 3);
    await local.client.send(
      new PutObjectCommand({ Bucket: local.store.bucket, Key: catalogIndexKey('aixidx04'), Body: '{' }),
    );
    const catalog = await readHostCatalog(store(), 'aixidx04');
    expect(catalog.index).toBe('unreadable');
    expect(catalog.images).toHaveLength(records.length);
    expect(catalog.indexNote).toContain(
      'aixidx04: unreadable catalog index catalog/aixidx04/index.json: not JSON',
    );
  });

  it('reads the records of a host whose index it may not read, saying so', async () => {
    const records = await seedHost('aixidx10', 2);
    await writeIndex('aixidx10', rebuildIndex('aixidx10', records));
    local.store.injectFailures((r) =>
      r.method === 'GET' && r.path.endsWith('/catalog/aixidx10/index.json') ? 403 : undefined,
    );
    try {
      const catalog = await readHostCatalog(store(), 'aixidx10');
      expect(catalog.index).toBe('unreadable');
      expect(catalog.images).toHaveLength(2);
      expect(catalog.indexNote).toContain('aixidx10: unreadable catalog index');
    } finally {
      local.store.injectFailures(undefined);
    }
  });

  it('says nothing of a missing index for a host with no records yet', async () => {
    await local.client.send(
      new PutObjectCommand({
        Bucket: local.store.bucket,
        Key: 'images/aixidx05/aixidx05_mksysb_2026-11-23',
        Body: 'x',
      }),
    );
    const catalog = await readHostCatalog(store(), 'aixidx05');
    expect(catalog).toMatchObject({ index: 'absent', indexNote: null, images: [] });
  });

  it('takes no image from an index entry whose record is not listed', async () => {
    const records = await seedHost('aixidx06', 2);
    const gone = makeRecord({ host: 'aixidx06', date: '2026-10-05T02:00:00.000Z' });
    await writeIndex('aixidx06', rebuildIndex('aixidx06', [...records, gone]));
    const catalog = await readHostCatalog(store(), 'aixidx06');
    expect(catalog.images.map((i) => i.key)).not.toContain(gone.key);
    expect(catalog.images).toHaveLength(2);
  });

  it('reads the record of an entry written before the index kept anomalies and staging', async () => {
    const records = await seedHost('aixidx07', 3);
    const index = rebuildIndex('aixidx07', records);
    const old = index.entries.map(({ anomalies, content, staging, filesetsChanged, ...kept }) => kept);
    await writeIndex('aixidx07', {
      ...index,
      entries: [old[0] as (typeof index.entries)[number], ...index.entries.slice(1)],
    });
    const catalog = await readHostCatalog(store(), 'aixidx07');
    expect(catalog.index).toBe('ok');
    expect(catalog.lacking).toEqual([index.entries[0]?.key]);
    expect(catalog.images).toHaveLength(3);
  });

  it('lists retired images apart, and with history also the history entries the index lacks', async () => {
    const records = await seedHost('aixidx08', 2);
    const retired = makeRecord({ host: 'aixidx08', date: '2026-09-07T02:00:00.000Z' });
    const unindexed = makeRecord({ host: 'aixidx08', date: '2026-08-31T02:00:00.000Z' });
    const at = new Date('2026-11-20T00:00:00.000Z');
    await writeIndex(
      'aixidx08',
      retireEntries(rebuildIndex('aixidx08', [...records, retired]), [retired.key], at, 'WEEKLY'),
    );
    // Retention deleted another image and stopped before its index update: only its history entry says so.
    await writeHistoryEntry(store(), historyEntryOfRecord(unindexed, at, 'WEEKLY'));
    const plain = await readHostCatalog(store(), 'aixidx08');
    expect(plain.retired.map((e) => e.key)).toEqual([retired.key]);
    expect(plain.historyRead).toEqual([]);
    const withHistory = await readHostCatalog(store(), 'aixidx08', { history: true });
    expect(withHistory.historyRead.map((e) => e.key)).toEqual([unindexed.key]);
    expect(withHistory.images).toHaveLength(2);
  });

  it('filters by series and day as the record listing does', async () => {
    const records = await seedHost('aixidx09', 5);
    await writeIndex('aixidx09', rebuildIndex('aixidx09', records));
    const catalog = await readHostCatalog(store(), 'aixidx09', {
      filter: { kind: 'mksysb', beforeDay: '2026-11-23', newest: 2 },
    });
    expect(catalog.images.map((i) => i.date.slice(0, 10))).toEqual(['2026-11-16', '2026-11-09']);
  });
});
