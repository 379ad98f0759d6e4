// freshness with a mocked S3: HOST_MISSED and STALE from the records (or the catalog index),
// STAGING_FULL_SOON from the forecast of the preflight readings they carry, and the errors it raises.
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { rebuildIndex } from '../../../lambdas/core/catalog-index.js';
import { catalogIndexKey } from '../../../lambdas/core/catalog-keys.js';
import { renderImageRecord } from '../../../lambdas/core/image-record.js';
import { checkFreshness } from '../../../lambdas/freshness/freshness.js';
import { makeRecord } from '../../support/local-store.js';
import { accessDenied, body, mockedS3, noSuchKey, type S3Mock, slowDown } from '../s3-mock.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const GiB = 2 ** 30;
/**
 * Eight weekly images up to 2026-11-23, growing 1 GiB a week, while the free staging space preflight
 * reads shrinks 2 GiB a week: on 2026-11-23, 46 GiB free for 1.5 × 26 GiB: refused from 2026-12-07.
 */
const filling = Array.from({ length: 8 }, (_, k) =>
  makeRecord({
    host: 'filling',
    date: new Date(Date.parse('2026-10-05T02:00:00.000Z') + k * 7 * 86_400_000).toISOString(),
    sizeBytes: (20 + k) * GiB,
    staging: {
      mount: '/mksysb',
      freeBytes: (60 - 2 * k) * GiB,
      requiredBytes: Math.round((19 + k) * GiB * 1.5),
      mksysbExpectedBytes: (19 + k) * GiB,
      savevgExpectedBytes: 0,
    },
  }),
);
const records = [
  makeRecord({ host: 'fresh', date: '2026-11-23T02:00:00.000Z' }),
  // stale: the newest image failed, the newest PASS is three weeks old.
  makeRecord({ host: 'stale', date: '2026-11-23T02:00:00.000Z', verdict: 'FAIL' }),
  makeRecord({ host: 'stale', date: '2026-11-02T02:00:00.000Z' }),
  ...filling,
];

let s3: S3Mock;
let deps: Parameters<typeof checkFreshness>[1];
/** Image objects the mocked bucket lists beside the records (a record alone is no image). */
let images: Set<string>;
beforeEach(() => {
  images = new Set(records.map((r) => r.key));
  const mocked = mockedS3();
  s3 = mocked.s3;
  deps = { s3: mocked.client, bucket: 'vault', maxAgeDays: 8, now: () => NOW };
  const texts = new Map(records.map((r) => [`${r.key}.record.json`, renderImageRecord(r)]));
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
    Contents: [...texts.keys(), ...images]
      .filter((k) => k.startsWith(input.Prefix))
      .map((Key) => ({ Key, Size: 1 })),
  }));
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const text = texts.get(input.Key);
    if (text === undefined) throw noSuchKey();
    return { Body: body(text) };
  });
});

describe('freshness', () => {
  it('turns each fleet parameter entry load-fleet skipped into FLEET_PARAMETER_INVALID, naming it', async () => {
    const out = await checkFreshness(
      {
        hosts: [],
        fleetProblems: [
          {
            parameter: '/mksysb-vault/fleet/aixnew01',
            host: 'aixnew01',
            field: 'managedNodeId',
            message:
              '/mksysb-vault/fleet/aixnew01 (host "aixnew01") field managedNodeId: not an SSM managed node id',
          },
        ],
      },
      deps,
    );
    expect(out.findings).toEqual([
      {
        host: 'aixnew01',
        finding: 'FLEET_PARAMETER_INVALID',
        lastPassDate: null,
        ageDays: null,
        problem:
          '/mksysb-vault/fleet/aixnew01 (host "aixnew01") field managedNodeId: not an SSM managed node id',
      },
    ]);
  });

  it('finds the host never backed up and the host whose newest PASS is too old', async () => {
    const out = await checkFreshness({ hosts: ['fresh', 'stale', 'never'] }, deps);
    expect(out).toEqual({
      checkedAt: NOW.toISOString(),
      maxAgeDays: 8,
      hosts: 3,
      findings: [
        { host: 'never', finding: 'HOST_MISSED', lastPassDate: null, ageDays: null, lastPassKey: null },
        {
          host: 'stale',
          finding: 'STALE',
          lastPassDate: '2026-11-02T02:00:00.000Z',
          ageDays: 21,
          lastPassKey: records[2]?.key,
        },
      ],
      findingCount: 2,
      counts: { HOST_MISSED: 1, STALE: 1 },
    });
  });

  it('warns STAGING_FULL_SOON of a host whose staging space preflight will refuse within the warning', async () => {
    const out = await checkFreshness({ hosts: ['fresh', 'filling'] }, { ...deps, stagingWarnWeeks: 4 });
    expect(out.findings).toEqual([
      expect.objectContaining({ host: 'filling', finding: 'STAGING_FULL_SOON', weeksUntilFull: 1 }),
    ]);
    expect(out.findings?.[0]?.forecast).toMatch(/^too small in 1 week: from 2026-12-07; 46\.0 GB free/);
    // Tested with the config's factor: at 1 × the image, the margin lasts beyond the warning.
    const none = await checkFreshness({ hosts: ['filling'] }, { ...deps, stagingSizeFactor: 1 });
    expect(none.findings).toEqual([]);
  });

  it("does not count a PASS record whose image object is gone as the host's last PASS", async () => {
    images.delete(records[0]?.key ?? '');
    const out = await checkFreshness({ hosts: ['fresh'] }, deps);
    expect(out.findings).toEqual([
      { host: 'fresh', finding: 'HOST_MISSED', lastPassDate: null, ageDays: null, lastPassKey: null },
    ]);
  });

  it('rejects an event without the inventory, naming the field, before any S3 call', async () => {
    await expect(checkFreshness({ host: 'fresh' }, deps)).rejects.toThrow(
      /^freshness input \(host fresh\) is invalid: hosts: /,
    );
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('reports throttling while listing a host as retryable, naming host and prefix', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'images/stale/' }).rejects(slowDown());
    await expect(checkFreshness({ hosts: ['fresh', 'stale'] }, deps)).rejects.toMatchObject({
      name: 'StoreThrottled',
      message:
        'S3 throttled listing objects for host stale (images/stale/): SlowDown; the step is safe to retry',
    });
  });

  it('fails on a record it may not read instead of calling the host missed', async () => {
    s3.on(GetObjectCommand).rejects(accessDenied());
    await expect(checkFreshness({ hosts: ['fresh'] }, deps)).rejects.toThrow(
      `reading the record for host fresh (${records[0]?.key}.record.json) failed: access denied (AccessDenied)`,
    );
  });
});

describe('freshness: restore tests', () => {
  it('raises RESTORE_TEST_OVERDUE for a host without a passing restore test within the window, only while they are on', async () => {
    // 'filling' was first backed up on 2026-10-05 and never restore-tested: 49 days on 2026-11-23.
    const on = await checkFreshness({ hosts: ['fresh', 'filling'] }, { ...deps, restoreWindowDays: 45 });
    expect(on.findings?.filter((f) => f.finding === 'RESTORE_TEST_OVERDUE')).toEqual([
      {
        host: 'filling',
        finding: 'RESTORE_TEST_OVERDUE',
        lastPassDate: null,
        ageDays: null,
        lastRestorePassAt: null,
        restoreWindowDays: 45,
      },
    ]);
    const off = await checkFreshness({ hosts: ['fresh', 'filling'] }, deps);
    expect(off.findings?.filter((f) => f.finding === 'RESTORE_TEST_OVERDUE')).toEqual([]);
  });
});

describe('freshness: through the catalog index', () => {
  it('reads each host with an index in 2 calls (its listing and its index), no record, with the same findings', async () => {
    const without = await checkFreshness({ hosts: ['stale', 'filling'] }, { ...deps, stagingWarnWeeks: 4 });
    const indexes = new Map(
      ['stale', 'filling'].map((host) => [
        catalogIndexKey(host),
        JSON.stringify(
          rebuildIndex(
            host,
            records.filter((r) => r.host === host),
          ),
        ),
      ]),
    );
    const texts = new Map(records.map((r) => [`${r.key}.record.json`, renderImageRecord(r)]));
    s3.reset();
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({
      Contents: [...texts.keys(), ...images]
        .filter((k) => k.startsWith(input.Prefix))
        .map((Key) => ({ Key, Size: 1 })),
    }));
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const text = indexes.get(input.Key) ?? texts.get(input.Key);
      if (text === undefined) throw noSuchKey();
      return { Body: body(text) };
    });
    const withIndex = await checkFreshness({ hosts: ['stale', 'filling'] }, { ...deps, stagingWarnWeeks: 4 });
    expect(withIndex).toEqual(without);
    expect(withIndex.findings?.map((f) => f.finding).sort()).toEqual(['STAGING_FULL_SOON', 'STALE']);
    // 9 records between the two hosts were read before; now none is.
    expect(
      s3
        .commandCalls(GetObjectCommand)
        .map((c) => c.args[0].input.Key)
        .sort(),
    ).toEqual([...indexes.keys()].sort());
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(2);
  });
});
