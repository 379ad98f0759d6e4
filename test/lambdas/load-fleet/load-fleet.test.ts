// load-fleet with mocked SSM and S3: the weekly run's host names, run id and week; one host's plan
// from its history; the errors it names.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { imageKey, runReportKey } from '../../../lambdas/core/catalog-keys.js';
import { renderImageRecord } from '../../../lambdas/core/image-record.js';
import { loadFleet, weekOf } from '../../../lambdas/load-fleet/load-fleet.js';
import { makeRecord } from '../../support/local-store.js';
import { body, mockedS3, noSuchKey, preconditionFailed, type S3Mock } from '../s3-mock.js';

const ssm = mockClient(SSMClient);
// The mock replaces every SSMClient's send: give it back, the next file in this worker (the suite
// shares modules, vitest.config.ts) may run the local SSM.
afterAll(() => ssm.restore());
const ssmClient = new SSMClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const PATH = '/mksysb-vault/fleet/';
let s3: S3Mock;
let deps: Parameters<typeof loadFleet>[1];

const fleetPages = [
  [
    {
      Name: `${PATH}part-0001`,
      Value: JSON.stringify([{ host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0' }]),
    },
    {
      Name: `${PATH}part-0002`,
      Value: JSON.stringify([{ host: 'aixold01', managedNodeId: 'mi-0123456789abcdef0', enabled: false }]),
    },
  ],
  [
    {
      Name: `${PATH}dbqa09`,
      Value: JSON.stringify({
        host: 'dbqa09',
        managedNodeId: 'i-0fedcba9876543210',
        mode: 'direct',
        volumeGroups: ['datavg'],
      }),
    },
  ],
];

beforeEach(() => {
  ssm.reset();
  ssm
    .on(GetParametersByPathCommand)
    .resolvesOnce({ Parameters: fleetPages[0], NextToken: 'page-2' })
    .resolvesOnce({ Parameters: fleetPages[1] });
  const mocked = mockedS3();
  s3 = mocked.s3;
  deps = {
    ssm: ssmClient,
    s3: mocked.client,
    bucket: 'vault',
    fleetParameterPath: PATH,
    timeZone: 'Europe/Paris',
    now: () => new Date('2026-11-23T02:01:05Z'),
    claimTtlSeconds: 6 * 3600,
  };
});

const run = (request: Record<string, unknown> = {}) =>
  loadFleet({ executionName: 'weekly-schedule-1', startTime: '2026-11-23T01:01:00.000Z', request }, deps);

describe('load-fleet for the weekly run', () => {
  it('returns the enabled hosts from every parameter page, names only', async () => {
    const out = await run();
    expect('hosts' in out && [...out.hosts].sort()).toEqual(['aixprd01', 'dbqa09']);
  });

  it('derives the run id from the start time and the execution name', async () => {
    expect(await run()).toMatchObject({
      runId: '20261123T010100Z-weekly-schedule-1',
      date: '2026-11-23T02:01:00.000+01:00',
    });
  });

  it('names executions by the Monday of the week in the schedule time zone, with -r<n> on a re-attempt', async () => {
    expect(await run({ attempt: 2 })).toMatchObject({ week: '2026-11-23', nameSuffix: '2026-11-23-r2' });
  });

  it('says which requested hosts it will not start, and why', async () => {
    const out = await run({ hosts: ['dbqa09', 'aixold01', 'nosuch'] });
    expect(out).toMatchObject({
      hosts: ['dbqa09'],
      notStarted: [
        { host: 'aixold01', reason: 'disabled in the fleet' },
        { host: 'nosuch', reason: 'not in the fleet' },
      ],
    });
  });
});

describe('load-fleet for the weekly Distributed Map', () => {
  const weekly = (request: Record<string, unknown> = {}) =>
    loadFleet(
      {
        action: 'weekly',
        executionName: 'weekly-schedule-1',
        startTime: '2026-11-23T01:01:00.000Z',
        request,
      },
      deps,
    );
  const written = (key: string) => {
    const call = s3.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key === key);
    return call ? JSON.parse(String(call.args[0].input.Body)) : undefined;
  };

  it('writes the hosts to start to the run fleet snapshot and returns its key and counts, no host name', async () => {
    const out = await weekly({ hosts: ['dbqa09', 'aixold01'] });
    const run = 'runs/2026-11-23/20261123T010100Z-weekly-schedule-1';
    expect(out).toEqual({
      runId: '20261123T010100Z-weekly-schedule-1',
      date: '2026-11-23T02:01:00.000+01:00',
      week: '2026-11-23',
      nameSuffix: '2026-11-23',
      bucket: 'vault',
      fleetKey: `${run}/fleet.json`,
      notStartedKey: `${run}/not-started.json`,
      resultsPrefix: `${run}/map`,
      hostCount: 1,
      notStartedCount: 1,
    });
    expect(written(`${run}/fleet.json`)).toEqual([{ host: 'dbqa09' }]);
    expect(written(`${run}/not-started.json`)).toEqual([
      { host: 'aixold01', reason: 'disabled in the fleet' },
    ]);
  });

  it("writes the freshness check's inventory and the fleet's problems beside it, returning keys and counts", async () => {
    ssm.reset();
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [...(fleetPages[0] ?? []), { Name: `${PATH}typo`, Value: '{' }],
    });
    const out = await loadFleet(
      { action: 'inventory', executionName: 'daily-1', startTime: '2026-11-24T07:00:00.000Z' },
      deps,
    );
    const run = 'runs/2026-11-24/20261124T070000Z-daily-1';
    expect(out).toEqual({
      runId: '20261124T070000Z-daily-1',
      date: '2026-11-24T08:00:00.000+01:00',
      fleetKey: `${run}/fleet.json`,
      fleetProblemsKey: `${run}/fleet-problems.json`,
      hostCount: 1,
      fleetProblemCount: 1,
    });
    expect(written(`${run}/fleet.json`)).toEqual([{ host: 'aixprd01' }]);
    expect(written(`${run}/fleet-problems.json`)).toEqual([
      expect.objectContaining({ parameter: `${PATH}typo`, host: null }),
    ]);
  });

  it("reads the deploy config's fleet object with the parameters under the path", async () => {
    s3.on(GetObjectCommand, { Bucket: 'cdk-assets', Key: 'abc.json' }).resolves({
      Body: body(JSON.stringify([{ host: 'aixcfg01', managedNodeId: 'mi-0123456789abcdef0' }])),
    });
    await loadFleet(
      { action: 'weekly', executionName: 'weekly-schedule-1', startTime: '2026-11-23T01:01:00.000Z' },
      { ...deps, fleetObject: { bucket: 'cdk-assets', key: 'abc.json' } },
    );
    const withObject = s3
      .commandCalls(PutObjectCommand)
      .find((c) => String(c.args[0].input.Key).endsWith('/fleet.json'));
    expect(
      JSON.parse(String(withObject?.args[0].input.Body))
        .map((h: { host: string }) => h.host)
        .sort(),
    ).toEqual(['aixcfg01', 'aixprd01', 'dbqa09']);
  });

  it('lets a parameter override a host of the fleet object: enabled false disables it without a redeploy', async () => {
    s3.on(GetObjectCommand, { Bucket: 'cdk-assets', Key: 'abc.json' }).resolves({
      Body: body(
        JSON.stringify([
          { host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0' },
          { host: 'aixcfg01', managedNodeId: 'mi-0123456789abcdef0' },
        ]),
      ),
    });
    ssm.reset();
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        {
          Name: `${PATH}aixprd01`,
          Value: JSON.stringify({ host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0', enabled: false }),
        },
      ],
    });
    const out = await loadFleet(
      { action: 'fleet', executionName: 'fresh-1', startTime: '2026-11-23T01:01:00.000Z' },
      { ...deps, fleetObject: { bucket: 'cdk-assets', key: 'abc.json' } },
    );
    expect(out).toMatchObject({ hosts: ['aixcfg01'], fleetProblems: [] });
  });
});

describe('the run day in the schedule time zone', () => {
  // The run's date carries the schedule's offset, so its day (images, claims, run report) is the
  // local day the schedule fired on, never the UTC day.
  beforeEach(() => {
    ssm.reset();
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: fleetPages.flat() });
  });
  const runIn = (timeZone: string, startTime: string) =>
    loadFleet({ executionName: 'weekly-schedule-1', startTime, request: {} }, { ...deps, timeZone });
  const hostDay = async (timeZone: string, date: string) => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(GetObjectCommand).rejects(noSuchKey());
    const out = await loadFleet(
      { action: 'host', host: 'aixprd01', runId: 'run-1', date },
      { ...deps, timeZone },
    );
    return 'plan' in out ? out.plan.day : null;
  };

  it('dates a Monday 03:00 run in Asia/Kolkata (Sunday 21:30 UTC) Monday, through to its claim and keys', async () => {
    const out = await runIn('Asia/Kolkata', '2026-11-22T21:30:00.000Z');
    expect(out).toMatchObject({ date: '2026-11-23T03:00:00.000+05:30', week: '2026-11-23' });
    const date = 'date' in out ? out.date : '';
    expect(Date.parse(date)).toBe(Date.parse('2026-11-22T21:30:00.000Z'));
    expect(await hostDay('Asia/Kolkata', date)).toBe('2026-11-23');
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Key: 'locks/aixprd01/2026-11-23.json' });
    expect(imageKey({ host: 'aixprd01', kind: 'mksysb', volumeGroup: 'rootvg', date })).toBe(
      'images/aixprd01/aixprd01_mksysb_2026-11-23',
    );
    expect(runReportKey(date, 'run-1')).toBe('runs/2026-11-23/run-1.json');
  });

  it('dates a Sunday 20:30 run in America/New_York Sunday in the week DST starts and the week before', async () => {
    // 2027-03-14 is the Sunday DST starts: 20:30 EDT is 00:30 UTC Monday; a week before, 20:30 EST is 01:30 UTC Monday.
    const before = await runIn('America/New_York', '2027-03-08T01:30:00.000Z');
    const after = await runIn('America/New_York', '2027-03-15T00:30:00.000Z');
    expect('date' in before && before.date).toBe('2027-03-07T20:30:00.000-05:00');
    expect('date' in after && after.date).toBe('2027-03-14T20:30:00.000-04:00');
    expect(await hostDay('America/New_York', 'date' in after ? after.date : '')).toBe('2027-03-14');
  });

  it('keeps UTC dates as they were for a schedule in UTC', async () => {
    expect(await runIn('UTC', '2026-11-22T21:30:00.000Z')).toMatchObject({
      date: '2026-11-22T21:30:00.000Z',
    });
  });
});

describe('load-fleet with a malformed fleet parameter', () => {
  beforeEach(() => {
    ssm.reset();
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        ...fleetPages.flat(),
        {
          Name: `${PATH}aixnew01`,
          Value: '{"host":"aixnew01","managedNodeId":"i-12345"}',
        },
      ],
    });
  });

  it('skips that entry alone, names its parameter and field as FLEET_PARAMETER_INVALID, and runs every valid host', async () => {
    const out = await run();
    expect('hosts' in out && [...out.hosts].sort()).toEqual(['aixprd01', 'dbqa09']);
    expect('notStarted' in out && out.notStarted).toEqual([
      {
        host: 'aixnew01',
        reason:
          'FLEET_PARAMETER_INVALID: /mksysb-vault/fleet/aixnew01 (host "aixnew01") field managedNodeId: not an SSM managed node id (i-… or mi-…) (skipped; every valid host runs)',
      },
    ]);
    expect('fleetProblems' in out && out.fleetProblems).toMatchObject([
      { parameter: `${PATH}aixnew01`, host: 'aixnew01', field: 'managedNodeId' },
    ]);
  });

  it('still loads a valid host for its own run', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(GetObjectCommand).rejects(noSuchKey());
    const out = await loadFleet(
      { action: 'host', host: 'dbqa09', runId: 'run-1', date: '2026-11-23T02:01:00Z' },
      deps,
    );
    expect('plan' in out && out.plan.mode).toBe('direct');
  });
});

describe('weekOf', () => {
  it('puts Monday 01:30 in Tokyo (Sunday in UTC) in the Tokyo week that starts that Monday', () => {
    expect(weekOf(new Date('2026-11-22T16:30:00Z'), 'Asia/Tokyo')).toBe('2026-11-23');
  });

  it('puts Sunday 23:00 UTC in the week that started the Monday before', () => {
    expect(weekOf(new Date('2026-11-29T23:00:00Z'), 'UTC')).toBe('2026-11-23');
  });
});

describe('load-fleet for one host', () => {
  const host = (name: string) =>
    loadFleet({ action: 'host', host: name, runId: 'run-1', date: '2026-11-23T02:01:00Z' }, deps);

  it('seeds the backup wait from the last image: its time scaled by its size', async () => {
    const last = makeRecord({
      host: 'dbqa09',
      date: '2026-11-16T02:01:00.000Z',
      sizeBytes: 4 * 1024 ** 3,
      timings: { backup: 1800, transfer: 200 },
    });
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `${last.key}.record.json`, Size: 1 }] });
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(GetObjectCommand, { Key: `${last.key}.record.json` }).resolves({
      Body: body(renderImageRecord(last)),
    });
    const out = await host('dbqa09');
    expect('plan' in out && out.plan).toMatchObject({
      managedNodeId: 'i-0fedcba9876543210',
      mode: 'direct',
      volumeGroups: 'datavg',
      day: '2026-11-23',
      expectedSizeBytes: String(4 * 1024 ** 3),
      backupExpectedSeconds: 1800,
      backupWaitSeconds: 1890,
      transferBytesPerSecond: Math.round((4 * 1024 ** 3) / 200),
    });
  });

  it('falls back to the fleet expected size without history', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(GetObjectCommand).rejects(noSuchKey());
    const out = await host('aixprd01');
    expect('plan' in out && out.plan.expectedSizeBytes).toBe(String(8 * 1024 ** 3));
  });

  it('claims the host-day for its run before anything touches the host', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(GetObjectCommand).rejects(noSuchKey());
    await host('aixprd01');
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Key: 'locks/aixprd01/2026-11-23.json',
      IfNoneMatch: '*',
    });
  });

  it('refuses to start while another run holds the host-day (HostBusy), naming that run', async () => {
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    s3.on(GetObjectCommand, { Key: 'locks/aixprd01/2026-11-23.json' }).resolves({
      Body: body(
        JSON.stringify({
          host: 'aixprd01',
          day: '2026-11-23',
          runId: 'weekly-1',
          claimedAt: '2026-11-23T02:01:00Z',
          expiresAt: '2026-11-23T20:00:00Z',
        }),
      ),
      ETag: '"abc"',
    });
    await expect(host('aixprd01')).rejects.toMatchObject({
      name: 'HostBusy',
      message: expect.stringContaining('another run (weekly-1)'),
    });
  });

  it('refuses a day whose mksysb is already verified (ImageExists) before any backup runs', async () => {
    const today = makeRecord({ host: 'aixprd01', date: '2026-11-23T02:01:00.000Z', verdict: 'PASS' });
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(GetObjectCommand, { Key: `${today.key}.record.json` }).resolves({
      Body: body(renderImageRecord(today)),
    });
    await expect(host('aixprd01')).rejects.toMatchObject({ name: 'ImageExists' });
  });

  it('lets the same day be run again when its mksysb FAILed (the answer to a TINY_IMAGE)', async () => {
    const today = makeRecord({ host: 'aixprd01', date: '2026-11-23T02:01:00.000Z', verdict: 'FAIL' });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(GetObjectCommand, { Key: `${today.key}.record.json` }).resolves({
      Body: body(renderImageRecord(today)),
    });
    await expect(host('aixprd01')).resolves.toMatchObject({ host: 'aixprd01' });
  });

  it('throws HostNotInFleet for a host removed from the fleet, naming the path', async () => {
    await expect(host('gone01')).rejects.toMatchObject({
      name: 'HostNotInFleet',
      message: expect.stringContaining(`host gone01 is not in the fleet under ${PATH}`),
    });
  });
});
