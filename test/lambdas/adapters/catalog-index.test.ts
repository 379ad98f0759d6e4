// The catalog index's read-modify-write against the local store (whose proxy answers If-Match and
// If-None-Match like S3, with 412): concurrent writers all land, a stale ETag is retried, an
// unreadable index is refused naming its key unless the change is the rebuild.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { CatalogIndexError, readIndex, updateIndex } from '../../../lambdas/adapters/catalog-index.js';
import { emptyIndex, indexEntryOf, rebuildIndex, upsertEntry } from '../../../lambdas/core/catalog-index.js';
import { catalogIndexKey } from '../../../lambdas/core/catalog-keys.js';
import { countCalls, makeRecord, useTestStore, weeklyDates } from '../../support/local-store.js';

const local = useTestStore();
const store = () => ({ client: local.client, bucket: local.store.bucket });
const recordsOf = (host: string, weeks: number) =>
  weeklyDates('2026-11-23T02:00:00.000Z', weeks).map((date) => makeRecord({ host, date }));
const upsert = (record: ReturnType<typeof makeRecord>) => (current: ReturnType<typeof emptyIndex> | null) =>
  upsertEntry(current ?? emptyIndex(record.host), indexEntryOf(record));

describe('updateIndex', () => {
  it('creates the index with If-None-Match and reads it back with its ETag', async () => {
    const [record] = recordsOf('aixidx01', 1);
    if (!record) throw new Error('fixture');
    const headers: Record<string, string>[] = [];
    const client = local.store.client();
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers?.['if-none-match'] !== undefined) headers.push(request.headers);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'headers' },
    );
    const update = await updateIndex({ client, bucket: local.store.bucket }, 'aixidx01', upsert(record));
    client.destroy();
    // Like every PUT of the vault: a checksum, which a bucket under Object Lock requires.
    expect(headers).toEqual([
      expect.objectContaining({ 'if-none-match': '*', 'x-amz-checksum-crc32': expect.any(String) }),
    ]);
    expect(update).toMatchObject({ key: 'catalog/aixidx01/index.json', written: true, attempts: 1 });
    const stored = await readIndex(store(), 'aixidx01');
    expect(stored.state === 'ok' && stored.index.entries.map((e) => e.key)).toEqual([record.key]);
    expect(stored.state === 'ok' && stored.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('writes nothing when the same record is upserted again', async () => {
    const [record] = recordsOf('aixidx02', 1);
    if (!record) throw new Error('fixture');
    await updateIndex(store(), 'aixidx02', upsert(record));
    const calls = countCalls(local.client);
    const again = await updateIndex(store(), 'aixidx02', upsert(record));
    expect(again.written).toBe(false);
    expect(calls.filter((c) => c.key === catalogIndexKey('aixidx02')).map((c) => c.command)).toEqual([
      'GetObjectCommand',
    ]);
  });

  it('lands every one of six concurrent writers of the same host, none losing another one', async () => {
    const records = recordsOf('aixidx03', 6);
    const updates = await Promise.all(records.map((r) => updateIndex(store(), 'aixidx03', upsert(r))));
    expect(updates.every((u) => u.written)).toBe(true);
    expect(updates.some((u) => u.attempts > 1)).toBe(true);
    const stored = await readIndex(store(), 'aixidx03');
    expect(stored.state === 'ok' && stored.index).toEqual(rebuildIndex('aixidx03', records));
  });

  it('retries a write whose ETag went stale, re-applying its change to what the other writer wrote', async () => {
    const [first, second, third] = recordsOf('aixidx04', 3);
    if (!first || !second || !third) throw new Error('fixture');
    await updateIndex(store(), 'aixidx04', upsert(first));
    // Another writer lands between this writer's read and its write: its If-Match no longer holds.
    const client = local.store.client();
    let interfered = false;
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { IfMatch?: string };
        if (!interfered && input.IfMatch !== undefined) {
          interfered = true;
          await updateIndex(store(), 'aixidx04', upsert(second));
        }
        return next(args);
      },
      { step: 'initialize', name: 'interfere' },
    );
    const update = await updateIndex({ client, bucket: local.store.bucket }, 'aixidx04', upsert(third));
    client.destroy();
    expect(update.attempts).toBe(2);
    const stored = await readIndex(store(), 'aixidx04');
    expect(stored.state === 'ok' && stored.index).toEqual(rebuildIndex('aixidx04', [first, second, third]));
  });

  it('starts from the index the caller read (no GET), and from a fresh read when that one went stale', async () => {
    const [first, second, third] = recordsOf('aixidx07', 3);
    if (!first || !second || !third) throw new Error('fixture');
    await updateIndex(store(), 'aixidx07', upsert(first));
    const read = await readIndex(store(), 'aixidx07');
    const client = local.store.client();
    const calls = countCalls(client);
    const update = await updateIndex({ client, bucket: local.store.bucket }, 'aixidx07', upsert(second), {
      read,
    });
    client.destroy();
    expect(update).toMatchObject({ written: true, attempts: 1 });
    expect(calls.filter((c) => c.key === catalogIndexKey('aixidx07')).map((c) => c.command)).toEqual([
      'PutObjectCommand',
    ]);
    // `read` is now stale (second landed since): its If-Match fails, the next attempt reads afresh.
    const late = await updateIndex(store(), 'aixidx07', upsert(third), { read });
    expect(late).toMatchObject({ written: true, attempts: 2 });
    const stored = await readIndex(store(), 'aixidx07');
    expect(stored.state === 'ok' && stored.index).toEqual(rebuildIndex('aixidx07', [first, second, third]));
  });

  it('refuses to change an index that does not parse, naming its key and the rebuild', async () => {
    const key = catalogIndexKey('aixidx05');
    await local.client.send(new PutObjectCommand({ Bucket: local.store.bucket, Key: key, Body: '{"schem' }));
    const [record] = recordsOf('aixidx05', 1);
    if (!record) throw new Error('fixture');
    const update = updateIndex(store(), 'aixidx05', upsert(record));
    await expect(update).rejects.toBeInstanceOf(CatalogIndexError);
    await expect(update).rejects.toThrow(
      `${key}: not JSON: the catalog index of aixidx05 cannot be read, so it was not changed; run "mksysb-vault catalog rebuild --host aixidx05"`,
    );
    const rebuilt = await updateIndex(store(), 'aixidx05', () => rebuildIndex('aixidx05', [record]), {
      replaceUnreadable: true,
    });
    expect(rebuilt.written).toBe(true);
    expect((await readIndex(store(), 'aixidx05')).state).toBe('ok');
  });

  it('reads a host with no index as absent', async () => {
    expect(await readIndex(store(), 'aixidx06')).toEqual({
      state: 'absent',
      key: 'catalog/aixidx06/index.json',
    });
  });
});
