// `mksysb-vault catalog rebuild`: each host's index rebuilt from its records (the same index as
// upserting each record), retired entries kept, the missing, stale and orphan entries of the index it
// found reported, nothing written with --dry-run. rebuildHost against a test store, then the command
// as an operator runs it against a local data directory.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cli.js';
import { readIndex, updateIndex } from '../../lambdas/adapters/catalog-index.js';
import { writeHistoryEntry } from '../../lambdas/adapters/image-history.js';
import { emptyIndex, indexEntryOf, retireEntries, upsertEntry } from '../../lambdas/core/catalog-index.js';
import { catalogIndexKey } from '../../lambdas/core/catalog-keys.js';
import { historyEntryOfRecord } from '../../lambdas/core/image-history.js';
import type { ImageRecord } from '../../lambdas/core/image-record.js';
import { rebuildHost } from '../../lib/cli/catalog.js';
import { LOCAL_BUCKET, localPaths } from '../../lib/local/paths.js';
import { startLocalS3 } from '../../lib/local/s3-server.js';
import { runCliAsync } from '../support/cli.js';
import { makeRecord, seedImage, useTestStore, weeklyDates } from '../support/local-store.js';

const local = useTestStore();
const store = () => ({ client: local.client, bucket: local.store.bucket });
const STARTED = new Date('2026-11-24T00:00:00Z');
const recordsOf = (host: string, weeks: number) =>
  weeklyDates('2026-11-23T02:00:00.000Z', weeks).map((date) => makeRecord({ host, date }));
const upserted = (host: string, records: readonly ImageRecord[]) =>
  records.reduce((index, r) => upsertEntry(index, indexEntryOf(r)), emptyIndex(host));

async function indexText(client: S3Client, bucket: string, host: string): Promise<string> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: catalogIndexKey(host) }));
  return (await got.Body?.transformToString('utf8')) ?? '';
}

/**
 * A host whose index went wrong three ways: the newest record has no entry, one entry says FAIL of a
 * PASS image, one entry's record was deleted by hand. Plus an image retention deleted (history entry).
 */
async function damagedHost(client: S3Client, bucket: string, host: string) {
  const records = recordsOf(host, 5);
  const [retired, orphan, stale, kept, missing] = records;
  if (!retired || !orphan || !stale || !kept || !missing) throw new Error('fixture');
  const loc = { client, bucket };
  for (const r of [stale, kept, missing]) await seedImage(client, bucket, r);
  await writeHistoryEntry(loc, historyEntryOfRecord(retired, new Date('2026-11-20T00:00:00Z'), 'RETENTION'));
  const index = upsertEntry(upserted(host, [orphan, stale, kept]), {
    ...indexEntryOf(stale),
    verdict: 'FAIL',
  });
  await updateIndex(loc, host, () => index);
  return { records, retired, orphan, stale, kept, missing, live: [stale, kept, missing] };
}

describe('catalog rebuild', () => {
  it('rebuilding an index from the records gives the same index as upserting each record', async () => {
    const records = recordsOf('aixcat01', 4);
    for (const r of records) await seedImage(local.client, local.store.bucket, r);
    const result = await rebuildHost(store(), 'aixcat01', { dryRun: false, startedAt: STARTED });
    expect(result).toMatchObject({ found: 'absent', changed: true, written: true, disagreements: [] });
    const stored = await readIndex(store(), 'aixcat01');
    expect(stored.state === 'ok' && stored.index).toEqual(upserted('aixcat01', records));
    const again = await rebuildHost(store(), 'aixcat01', { dryRun: false, startedAt: STARTED });
    expect(again).toMatchObject({ found: 'ok', changed: false, written: false, disagreements: [] });
  });

  it('reports the missing, stale and orphan entries and repairs them, keeping the retired images', async () => {
    const host = 'aixcat02';
    const { retired, orphan, stale, missing, live } = await damagedHost(
      local.client,
      local.store.bucket,
      host,
    );
    const result = await rebuildHost(store(), host, { dryRun: false, startedAt: STARTED });
    expect(result.disagreements.map((d) => [d.kind, d.key])).toEqual([
      ['orphan', orphan.key],
      ['stale', stale.key],
      ['missing', missing.key],
    ]);
    expect(result).toMatchObject({ entries: 4, retired: 1, written: true });
    const stored = await readIndex(store(), host);
    if (stored.state !== 'ok') throw new Error(stored.state);
    // Known only from its history entry: without the fields a history entry does not keep.
    const { anomalies, content, staging, filesetsChanged, ...kept } = indexEntryOf(retired);
    const expected = upsertEntry(upserted(host, live), {
      ...kept,
      runId: null,
      storedSha256: null,
      retired: { at: '2026-11-20T00:00:00.000Z', because: 'RETENTION' },
    });
    expect(stored.index).toEqual(expected);
  });

  it('keeps an entry another writer added after the rebuild began, though it listed no record for it', async () => {
    const host = 'aixcat03';
    const [older, newer] = recordsOf(host, 2);
    if (!older || !newer) throw new Error('fixture');
    await seedImage(local.client, local.store.bucket, older);
    const meanwhile = { ...newer, verifiedAt: '2026-11-24T00:00:01.000Z' };
    await updateIndex(store(), host, () => upserted(host, [meanwhile]));
    const result = await rebuildHost(store(), host, { dryRun: false, startedAt: STARTED });
    const stored = await readIndex(store(), host);
    expect(stored.state === 'ok' && stored.index.entries.map((e) => e.key)).toEqual([newer.key, older.key]);
    expect(result.disagreements.map((d) => d.kind)).toEqual(['missing', 'orphan']);
  });

  it('keeps a retired entry of the old index that has no record and no history entry', async () => {
    const host = 'aixcat04';
    const [gone, here] = recordsOf(host, 2);
    if (!gone || !here) throw new Error('fixture');
    await seedImage(local.client, local.store.bucket, here);
    const old = retireEntries(upserted(host, [gone, here]), [gone.key], new Date('2026-11-21T00:00:00Z'));
    await updateIndex(store(), host, () => old);
    const result = await rebuildHost(store(), host, { dryRun: false, startedAt: STARTED });
    expect(result).toMatchObject({ changed: false, disagreements: [] });
  });
});

describe('mksysb-vault catalog rebuild, as an operator runs it', () => {
  it('--dry-run reports the disagreements and writes nothing; the rebuild repairs them; a second agrees', async () => {
    const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-catalog-'));
    const paths = localPaths(data);
    const s3 = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
    let client = s3.client();
    const { orphan, stale, missing, live } = await damagedHost(client, s3.bucket, 'aixcat09');
    const before = await indexText(client, s3.bucket, 'aixcat09');
    await client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: catalogIndexKey('aixbroken'), Body: '{"schemaVers' }),
    );
    client.destroy();
    await s3.close();
    writeFileSync(paths.state, JSON.stringify({ nextRunDate: '2026-11-30', clock: '2026-11-24T00:00:00Z' }));
    const cli = (...args: string[]) =>
      runCliAsync(['catalog', ...args, '--data', data], {
        env: { MKSYSB_VAULT_NOW: '2026-11-24T06:00:00Z' },
      });

    const dry = await cli('rebuild', '--dry-run');
    expect(dry.stderr).not.toMatch(/error/i);
    expect(dry.status).toBe(1);
    expect(dry.stdout).toMatch(/aixbroken\s+0\s+0\s+0\s+0\s+0\s+would be replaced/);
    expect(dry.stdout).toMatch(/aixcat09\s+4\s+1\s+1\s+1\s+1\s+would be rewritten/);
    expect(dry.stdout).toContain(`missing catalog/aixcat09/index.json: no entry for ${missing.key}`);
    expect(dry.stdout).toContain(
      `stale catalog/aixcat09/index.json: the entry of ${stale.key} differs from its record (verdict)`,
    );
    expect(dry.stdout).toContain(
      `orphan catalog/aixcat09/index.json: ${orphan.key} has an entry but no record`,
    );
    expect(dry.stdout).toContain('catalog/aixbroken/index.json: not JSON (unreadable index)');
    expect(dry.stdout).toContain(
      '2 hosts, 3 disagreements, 2 indexes would be written (dry run: nothing written)',
    );

    const reopened = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
    client = reopened.client();
    expect(await indexText(client, reopened.bucket, 'aixcat09')).toBe(before);
    client.destroy();
    await reopened.close();

    const rebuild = await cli('rebuild', '--host', 'aixcat09');
    expect(rebuild.status).toBe(1);
    expect(rebuild.stdout).toMatch(/aixcat09\s+4\s+1\s+1\s+1\s+1\s+rewritten/);
    const again = await cli('rebuild', '--host', 'aixcat09', '--json');
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).hosts[0]).toMatchObject({
      changed: false,
      disagreements: [],
      entries: 4,
    });

    const last = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
    client = last.client();
    const after = await readIndex({ client, bucket: last.bucket }, 'aixcat09');
    client.destroy();
    await last.close();
    expect(after.state === 'ok' && after.index.entries.filter((e) => !e.retired).map((e) => e.key)).toEqual(
      upserted('aixcat09', live).entries.map((e) => e.key),
    );
  }, 60_000);

  it('refuses an unknown action and a bad host name with exit 64, before any store is opened', async () => {
    const err: string[] = [];
    const io = {
      out: () => {},
      err: (text: string) => err.push(text),
      env: {},
      cwd: tmpdir(),
      now: () => STARTED,
    };
    expect(await main(['catalog', 'fix'], io)).toBe(64);
    expect(err.join('\n')).toContain('unknown catalog action "fix" (catalog rebuild)');
    expect(await main(['catalog', 'rebuild', '--host', 'bad/host'], io)).toBe(64);
    expect(err.join('\n')).toContain('bad/host');
  });
});
