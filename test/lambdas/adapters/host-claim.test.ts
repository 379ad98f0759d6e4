// One writer per host-day, against the local store (whose proxy answers S3's conditional writes).
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimHostDay, HostBusyError, releaseHostDay } from '../../../lambdas/adapters/host-claim.js';
import { startTestStore, type TestStore } from '../../support/local-store.js';

let store: TestStore;
let location: { client: ReturnType<TestStore['client']>; bucket: string };
beforeAll(async () => {
  store = await startTestStore();
  location = { client: store.client(), bucket: store.bucket };
});
afterAll(async () => {
  location?.client.destroy();
  await store?.close();
});

const at = (iso: string) => new Date(iso);
const request = (host: string, runId: string, now = '2026-11-23T02:01:00Z') => ({
  host,
  date: '2026-11-23T02:01:00Z',
  runId,
  now: at(now),
  ttlSeconds: 6 * 3600,
});

describe('the host-day claim', () => {
  it('lets the first run claim the day and refuses a second run, naming the holder', async () => {
    const key = await claimHostDay(location, request('aixprd01', 'weekly-1'));
    expect(key).toBe('locks/aixprd01/2026-11-23.json');
    const second = claimHostDay(location, request('aixprd01', 'run-now-2', '2026-11-23T03:00:00Z'));
    await expect(second).rejects.toBeInstanceOf(HostBusyError);
    await expect(second).rejects.toThrow(/another run \(weekly-1\) has held 2026-11-23/);
  });

  it('is a no-op for the run that holds it (a retried Lambda)', async () => {
    await claimHostDay(location, request('aixprd02', 'weekly-1'));
    await expect(claimHostDay(location, request('aixprd02', 'weekly-1'))).resolves.toBe(
      'locks/aixprd02/2026-11-23.json',
    );
  });

  it('lets a later run claim the day once the holder gave it up (the same-day re-run after a FAIL)', async () => {
    await claimHostDay(location, request('dbqa09', 'weekly-1'));
    expect(await releaseHostDay(location, request('dbqa09', 'weekly-1'))).toBe(true);
    await expect(claimHostDay(location, request('dbqa09', 'run-now-2'))).resolves.toContain('dbqa09');
  });

  it('never gives up a claim another run holds', async () => {
    await claimHostDay(location, request('aixapp01', 'weekly-1'));
    expect(await releaseHostDay(location, request('aixapp01', 'someone-else'))).toBe(false);
    await expect(claimHostDay(location, request('aixapp01', 'run-now-2'))).rejects.toThrow(HostBusyError);
  });

  it('takes over the claim of a run that died, once it has expired', async () => {
    await claimHostDay(location, request('aixapp02', 'weekly-1', '2026-11-23T02:00:00Z'));
    const later = request('aixapp02', 'run-now-2', '2026-11-23T08:00:01Z');
    await expect(claimHostDay(location, later)).resolves.toContain('aixapp02');
    const body = await (
      await location.client.send(
        new GetObjectCommand({ Bucket: location.bucket, Key: 'locks/aixapp02/2026-11-23.json' }),
      )
    ).Body?.transformToString();
    expect(JSON.parse(body ?? '{}').runId).toBe('run-now-2');
  });

  it('lets exactly one of two runs racing for an expired claim win', async () => {
    await location.client.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: 'locks/aixapp03/2026-11-23.json',
        Body: 'not json',
      }),
    );
    const results = await Promise.allSettled([
      claimHostDay(location, request('aixapp03', 'run-a')),
      claimHostDay(location, request('aixapp03', 'run-b')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });

  it('answers a conditional PUT on an existing key with 412, as S3 does', async () => {
    await location.client.send(new PutObjectCommand({ Bucket: location.bucket, Key: 'cond/x', Body: 'a' }));
    await expect(
      location.client.send(
        new PutObjectCommand({ Bucket: location.bucket, Key: 'cond/x', Body: 'b', IfNoneMatch: '*' }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
  });
});
