// freshness against the local S3 server: an inventory of hosts with fresh, stale, failed-only and
// missing images; savevg images do not count, and a host's unverified upload is not an image.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFreshnessFindings } from '../../lambdas/adapters/map-run.js';
import { checkFreshness } from '../../lambdas/freshness/freshness.js';
import type { FreshnessOutput } from '../../lambdas/freshness/schema.js';
import {
  makeRecord,
  seedImage,
  startTestStore,
  type TestStore,
  weeklyDates,
} from '../support/local-store.js';

const NOW = new Date('2026-11-23T12:00:00Z');
let store: TestStore;
let client: S3Client;
let out: FreshnessOutput;

beforeAll(async () => {
  store = await startTestStore();
  client = store.client();
  const seeds = [
    // ok01: a year of weekly PASS images up to today.
    ...weeklyDates('2026-11-23T02:00:00.000Z', 52).map((date) => makeRecord({ host: 'ok01', date })),
    // stale01: its last two runs failed; the newest PASS is 15 days old.
    makeRecord({ host: 'stale01', date: '2026-11-08T02:00:00.000Z' }),
    makeRecord({ host: 'stale01', date: '2026-11-16T02:00:00.000Z', verdict: 'FAIL' }),
    makeRecord({ host: 'stale01', date: '2026-11-23T02:00:00.000Z', verdict: 'FAIL' }),
    // failed01: never a PASS mksysb, only a fresh savevg, which cannot rebuild the host.
    makeRecord({ host: 'failed01', date: '2026-11-23T02:00:00.000Z', verdict: 'FAIL' }),
    makeRecord({ host: 'failed01', date: '2026-11-23T02:00:00.000Z', kind: 'savevg', volumeGroup: 'datavg' }),
    // warn01: a WARN image is not a PASS; its PASS of 9 days ago is just outside the window.
    makeRecord({ host: 'warn01', date: '2026-11-14T02:00:00.000Z' }),
    makeRecord({ host: 'warn01', date: '2026-11-22T02:00:00.000Z', verdict: 'WARN' }),
  ];
  for (const record of seeds) await seedImage(client, store.bucket, record);
  // unverified01: today's image arrived but was never verified (no record).
  await client.send(
    new PutObjectCommand({
      Bucket: store.bucket,
      Key: 'images/unverified01/unverified01_mksysb_2026-11-23',
      Body: Buffer.alloc(16),
    }),
  );
  out = await checkFreshness(
    { hosts: ['ok01', 'stale01', 'failed01', 'warn01', 'unverified01', 'new01'] },
    { s3: client, bucket: store.bucket, maxAgeDays: 8, now: () => NOW },
  );
}, 60_000);
afterAll(async () => {
  await store?.close();
});

describe('freshness over an inventory', () => {
  it('finds every host without a PASS mksysb image inside eight days, and only those', () => {
    expect(out.findings).toEqual([
      { host: 'failed01', finding: 'HOST_MISSED', lastPassDate: null, lastPassKey: null, ageDays: null },
      { host: 'new01', finding: 'HOST_MISSED', lastPassDate: null, lastPassKey: null, ageDays: null },
      {
        host: 'stale01',
        finding: 'STALE',
        lastPassDate: '2026-11-08T02:00:00.000Z',
        lastPassKey: 'images/stale01/stale01_mksysb_2026-11-08',
        ageDays: 15,
      },
      { host: 'unverified01', finding: 'HOST_MISSED', lastPassDate: null, lastPassKey: null, ageDays: null },
      {
        host: 'warn01',
        finding: 'STALE',
        lastPassDate: '2026-11-14T02:00:00.000Z',
        lastPassKey: 'images/warn01/warn01_mksysb_2026-11-14',
        ageDays: 9,
      },
    ]);
  });

  it('counts each inventoried host once', () => {
    expect(out.hosts).toBe(6);
  });
});

describe('freshness over an inventory snapshot in the store', () => {
  it('reads the snapshot and the fleet problems, writes the findings beside them, and returns counts and the key', async () => {
    const run = 'runs/2026-11-23/20261123T120000Z-daily';
    const put = (key: string, value: unknown) =>
      client.send(new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: JSON.stringify(value) }));
    await put(`${run}/fleet.json`, [{ host: 'ok01' }, { host: 'stale01' }, { host: 'new01' }]);
    await put(`${run}/fleet-problems.json`, [
      { parameter: '/mksysb-vault/fleet/typo', host: null, field: null, message: 'not JSON' },
    ]);
    const snapshot = await checkFreshness(
      {
        runId: '20261123T120000Z-daily',
        date: '2026-11-23T12:00:00.000Z',
        fleetKey: `${run}/fleet.json`,
        fleetProblemsKey: `${run}/fleet-problems.json`,
      },
      { s3: client, bucket: store.bucket, maxAgeDays: 8, now: () => NOW },
    );
    expect(snapshot).toEqual({
      checkedAt: NOW.toISOString(),
      maxAgeDays: 8,
      hosts: 3,
      findingsKey: `${run}/findings.json`,
      findingCount: 3,
      counts: { FLEET_PARAMETER_INVALID: 1, HOST_MISSED: 1, STALE: 1 },
    });
    const file = await readFreshnessFindings({ client, bucket: store.bucket }, `${run}/findings.json`);
    expect(file.findings.map((f) => `${f.host} ${f.finding}`)).toEqual([
      '/mksysb-vault/fleet/typo FLEET_PARAMETER_INVALID',
      'new01 HOST_MISSED',
      'stale01 STALE',
    ]);
  });
});
