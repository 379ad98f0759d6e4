// notify with a local SNS: one alert per anomaly at or above the minimum severity, the host's result
// line, the freshness findings — and a failure that could not be recorded still alerted as a FAIL.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeAcknowledgement } from '../../../lambdas/adapters/acknowledgements.js';
import { writeFreshnessFindings } from '../../../lambdas/adapters/map-run.js';
import { type AnomalyCode, anomaly } from '../../../lambdas/core/anomaly.js';
import type { FreshnessFindingsFile } from '../../../lambdas/core/freshness.js';
import { decodeHostResult } from '../../../lambdas/core/run-summary.js';
import { notify } from '../../../lambdas/notify/notify.js';
import { LocalSns } from '../../../lib/local/local-sns.js';
import { useTestStore } from '../../support/local-store.js';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:alerts';
const id = { host: 'aixapp01', runId: 'run-2026-11-23', date: '2026-11-23T02:01:00.000Z' };
let sns: LocalSns;
const deps = (minSeverity: 'info' | 'warn' | 'fail' = 'warn') => ({
  sns: sns.client(),
  topicArn: TOPIC,
  minSeverity,
});

beforeEach(() => {
  sns = new LocalSns();
});

describe('notify for a host', () => {
  it('alerts each anomaly at or above the minimum severity and returns the result line', async () => {
    const out = await notify(
      {
        ...id,
        sizeBytes: 4194304,
        results: [
          {
            verdict: 'FAIL',
            outcome: 'verified',
            anomalies: [
              anomaly('TINY_IMAGE', 'fail', '4.0 MB vs 26.0 MB expected', {}),
              anomaly('OSLEVEL_CHANGED', 'info', 'OS level changed', {}),
            ],
          },
        ],
      },
      deps(),
    );
    expect(out).toEqual({
      line: 'aixapp01|FAIL|verified|4194304|TINY_IMAGE',
      verdict: 'FAIL',
      published: 1,
      acknowledged: [],
    });
    expect(sns.messages.map((m) => m.subject)).toEqual([
      '[mksysb-vault] FAIL aixapp01 TINY_IMAGE 4.0 MB vs 26.0 MB expected [none made 2026-11-23]',
    ]);
    expect(sns.messages[0]?.attributes).toMatchObject({
      host: 'aixapp01',
      code: 'TINY_IMAGE',
      severity: 'fail',
    });
  });

  it('sends the changes that explain a size finding in the body of its alert', async () => {
    await notify(
      {
        ...id,
        results: [
          {
            verdict: 'WARN',
            outcome: 'verified',
            recordKey: 'images/aixapp01/aixapp01_mksysb_2026-11-23.record.json',
            anomalies: [
              anomaly(
                'SIZE_DROP',
                'warn',
                '11.0 GB vs 20.0 GB expected (median 20.0 GB): -45%; since 2026-11-16: -9.6 GB /home/oracle (directory removed, 2 entries); +3.1 GB /var/adm/ras/dump.1 (new)',
              ),
            ],
          },
        ],
      },
      deps(),
    );
    expect(sns.messages[0]?.message).toContain(
      '\n  since 2026-11-16: -9.6 GB /home/oracle (directory removed, 2 entries)\n  +3.1 GB /var/adm/ras/dump.1 (new)\n',
    );
  });

  it('still alerts, as a FAIL, a failure that could not be recorded (no anomalies came with it)', async () => {
    const out = await notify({ ...id, failure: { outcome: 'error', anomalies: [] } }, deps());
    expect(out.line).toBe('aixapp01|FAIL|error|0|BACKUP_FAILED');
    expect(sns.messages).toHaveLength(1);
    expect(sns.messages[0]?.subject).toMatch(
      /^\[mksysb-vault\] FAIL aixapp01 BACKUP_FAILED the workflow failed/,
    );
  });

  it('says nothing for a host-week that already ran', async () => {
    const out = await notify({ ...id, results: [{ verdict: 'SKIP', outcome: 'already_ran' }] }, deps());
    expect(out).toMatchObject({ verdict: 'SKIP', published: 0 });
    expect(sns.messages).toEqual([]);
  });

  it('names the field of an input that is not the schema', async () => {
    await expect(notify({ ...id, host: 'aix;reboot' }, deps())).rejects.toThrow(/host/);
    expect(sns.messages).toEqual([]);
  });
});

describe('notify for freshness', () => {
  it('alerts each stale or missed host', async () => {
    const out = await notify(
      {
        kind: 'freshness',
        checkedAt: '2026-11-24T08:00:00.000Z',
        maxAgeDays: 8,
        findings: [
          {
            host: 'aixapp01',
            finding: 'STALE',
            lastPassDate: '2026-11-09T02:01:00.000Z',
            ageDays: 15,
            lastPassKey: 'images/aixapp01/aixapp01_mksysb_2026-11-09',
          },
          { host: 'aixnew01', finding: 'HOST_MISSED', lastPassDate: null, ageDays: null },
        ],
      },
      deps(),
    );
    expect(out.published).toBe(2);
    expect(sns.messages.map((m) => m.subject)).toEqual([
      '[mksysb-vault] FAIL aixapp01 STALE newest PASS mksysb is 15 days old (limit 8) [mksysb 2026-11-09]',
      '[mksysb-vault] FAIL aixnew01 HOST_MISSED no PASS mksysb image ever [none ever]',
    ]);
  });

  it('warns, never pages, of a staging filesystem preflight will soon refuse', async () => {
    const finding = {
      host: 'aixprd02',
      finding: 'STAGING_FULL_SOON' as const,
      lastPassDate: null,
      ageDays: null,
      weeksUntilFull: 2,
      forecast:
        'too small in 2 weeks: from 2026-12-07; 46.0 GB free on 2026-11-23, 1.5 × 26.0 GB = 39.0 GB needed',
    };
    const input = {
      kind: 'freshness',
      checkedAt: '2026-11-24T08:00:00.000Z',
      maxAgeDays: 8,
      findings: [finding],
    };
    expect((await notify(input, deps('fail'))).published).toBe(0);
    expect((await notify(input, deps('warn'))).published).toBe(1);
    expect(sns.messages.map((m) => [m.subject, m.attributes.severity])).toEqual([
      ['[mksysb-vault] WARN aixprd02 STAGING_FULL_SOON staging too small in 2 weeks [next mksysb]', 'warn'],
    ]);
  });
});

describe('notify with acknowledgements in the store', () => {
  const local = useTestStore();
  const store = () => ({ client: local.client, bucket: local.store.bucket });
  const NOW = new Date('2026-11-23T02:30:00.000Z');
  const ack = (host: string, code: AnomalyCode, until: string) => ({
    schemaVersion: 1 as const,
    host,
    code,
    until,
    reason: 'being decommissioned',
    acknowledgedAt: '2026-11-20T09:00:00.000Z',
  });
  const unreachable = {
    outcome: 'unreachable' as const,
    anomalies: [anomaly('HOST_UNREACHABLE', 'fail', 'LPAR unreachable over ssh during preflight', {})],
  };
  const withStore = () => ({ ...deps(), store: store(), now: () => NOW });

  beforeAll(async () => {
    await writeAcknowledgement(store(), ack('aixdead1', 'HOST_UNREACHABLE', '2026-12-31T23:59:59.999Z'));
    await writeAcknowledgement(store(), ack('aixold01', 'HOST_UNREACHABLE', '2026-11-01T00:00:00.000Z'));
    await writeAcknowledgement(store(), ack('aixdead1', 'STALE', '2026-12-31T23:59:59.999Z'));
    await local.client.send(
      new PutObjectCommand({
        Bucket: local.store.bucket,
        Key: 'acks/aixbad01/HOST_UNREACHABLE.json',
        Body: '{',
      }),
    );
  });

  it('publishes no alert of an acknowledged code, and records it as acknowledged in the result line', async () => {
    const out = await notify({ ...id, host: 'aixdead1', failure: unreachable }, withStore());
    expect(out).toEqual({
      line: 'aixdead1|FAIL|unreachable|0|HOST_UNREACHABLE|HOST_UNREACHABLE',
      verdict: 'FAIL',
      published: 0,
      acknowledged: ['HOST_UNREACHABLE'],
    });
    expect(sns.messages).toEqual([]);
    expect(decodeHostResult(out.line ?? '')).toMatchObject({
      codes: ['HOST_UNREACHABLE'],
      acknowledged: ['HOST_UNREACHABLE'],
    });
  });

  it('alerts again once the acknowledgement has expired', async () => {
    const out = await notify({ ...id, host: 'aixold01', failure: unreachable }, withStore());
    expect(out.published).toBe(1);
    expect(out.acknowledged).toEqual([]);
  });

  it('alerts a code that is not acknowledged, and when an acknowledgement cannot be read', async () => {
    const busy = { outcome: 'busy' as const, anomalies: [anomaly('HOST_BUSY', 'warn', 'another run', {})] };
    expect((await notify({ ...id, host: 'aixdead1', failure: busy }, withStore())).published).toBe(1);
    expect((await notify({ ...id, host: 'aixbad01', failure: unreachable }, withStore())).published).toBe(1);
  });

  it('holds back an acknowledged freshness finding and says so in its result', async () => {
    const out = await notify(
      {
        kind: 'freshness',
        checkedAt: NOW.toISOString(),
        maxAgeDays: 8,
        findings: [
          { host: 'aixdead1', finding: 'STALE', lastPassDate: '2026-10-19T02:00:00.000Z', ageDays: 35 },
          { host: 'aixold01', finding: 'STALE', lastPassDate: '2026-10-19T02:00:00.000Z', ageDays: 35 },
        ],
      },
      withStore(),
    );
    expect(out.published).toBe(1);
    expect(out.acknowledged).toEqual(['aixdead1 STALE acknowledged until 2026-12-31 (being decommissioned)']);
    expect(sns.messages.map((m) => m.attributes.host)).toEqual(['aixold01']);
  });
});

describe('notify for freshness from the findings object, capped', () => {
  const local = useTestStore();
  const KEY = 'runs/2026-12-04/20261204T080000Z-freshness/findings.json';
  const NOW = new Date('2026-12-04T08:05:00.000Z');
  const stale = (i: number) => ({
    host: `aixlpar${String(i).padStart(5, '0')}`,
    finding: 'STALE' as const,
    lastPassDate: '2026-11-02T02:00:00.000Z',
    ageDays: 32,
  });
  const withStore = () => ({
    ...deps(),
    store: { client: local.client, bucket: local.store.bucket },
    now: () => NOW,
  });
  const input = { kind: 'freshness', checkedAt: '2026-12-04T08:00:00.000Z', maxAgeDays: 8, findingsKey: KEY };

  beforeAll(async () => {
    const findings = [
      {
        host: 'aixprd02',
        finding: 'STAGING_FULL_SOON',
        lastPassDate: null,
        ageDays: null,
        weeksUntilFull: 1,
      },
      ...Array.from({ length: 120 }, (_, i) => stale(i + 1)),
    ];
    await writeFreshnessFindings({ client: local.client, bucket: local.store.bucket }, KEY, {
      schemaVersion: 1,
      checkedAt: input.checkedAt,
      maxAgeDays: 8,
      hosts: 200,
      findings: findings as FreshnessFindingsFile['findings'],
    });
    await writeAcknowledgement(
      { client: local.client, bucket: local.store.bucket },
      {
        schemaVersion: 1,
        host: 'aixlpar00001',
        code: 'STALE',
        until: '2026-12-31T23:59:59.999Z',
        reason: 'being decommissioned',
        acknowledgedAt: '2026-12-01T09:00:00.000Z',
      },
    );
  });

  it('alerts the 50 most severe one by one, then one summary naming the count by code and the object', async () => {
    const out = await notify(input, withStore());
    expect(out).toMatchObject({ published: 51, summarized: 70 });
    expect(out.acknowledged).toEqual([
      'aixlpar00001 STALE acknowledged until 2026-12-31 (being decommissioned)',
    ]);
    const single = sns.messages.slice(0, 50);
    expect(single.every((m) => m.attributes.code === 'STALE')).toBe(true);
    expect(single[0]?.attributes.host).toBe('aixlpar00002');
    const summary = sns.messages[50];
    expect(summary?.attributes.kind).toBe('summary');
    expect(summary?.subject).toBe(
      '[mksysb-vault] FRESHNESS FAIL 70 more findings: 69 STALE, 1 STAGING_FULL_SOON',
    );
    expect(summary?.message).toContain(`s3://${local.store.bucket}/${KEY}`);
  });

  it('publishes no summary when the findings fit under the cap', async () => {
    const few = await notify({ ...input, findingsKey: undefined, findings: [stale(2)] }, withStore());
    expect(few).toEqual({ published: 1, acknowledged: [] });
    expect(sns.messages.map((m) => m.attributes.kind)).toEqual(['anomaly']);
  });

  it('names the key when the findings object cannot be read', async () => {
    await expect(notify({ ...input, findingsKey: `${KEY}.gone` }, withStore())).rejects.toThrow(
      /findings\.json\.gone/,
    );
  });
});
