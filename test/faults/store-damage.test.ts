// A damaged store and a known-dead host, through the whole local pipeline: a stray object under
// images/ whose name no host can have (retention used to fail for the whole fleet every week), a
// record whose image object was deleted by hand (it used to count as the host's fresh PASS), and a
// host whose HOST_UNREACHABLE an operator acknowledged (it used to be re-alerted every run). After each,
// nothing the tools did lost an image, and what they found is said with its code, never a silent PASS.
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAcknowledgement } from '../../lambdas/adapters/acknowledgements.js';
import { listHostRecords } from '../../lambdas/adapters/catalog.js';
import { dayOf, imageKey } from '../../lambdas/core/catalog-keys.js';
import { judgeHost } from '../../lambdas/core/host-state.js';
import type { LocalRunResult, WeeklyOutput } from '../../lib/local/workflow-runner.js';
import { recordOutcome } from './outcomes.js';
import {
  alertsOf,
  type FaultRig,
  imagesLost,
  judgeFault,
  listKeys,
  MiB,
  readObject,
  readRunReport,
  runWeek,
  setFaults,
  startFaultRig,
  stopFaultRig,
  weekAfter,
} from './support.js';

const START = '2026-09-07T02:00:00.000Z';
const week = (n: number) => weekAfter(START, n);
const STRAYS = ['images/bad host!/junk', 'images/loose-object'];
let rig: FaultRig;
const store = () => ({ client: rig.store.client(), bucket: rig.store.bucket });

beforeAll(async () => {
  rig = await startFaultRig('store-damage', [
    { host: 'aixapp01', sizeBytes: 16 * MiB },
    { host: 'aixprd01', sizeBytes: 16 * MiB },
  ]);
  await runWeek(rig, { date: week(0) });
}, 120_000);

afterAll(async () => stopFaultRig(rig));

describe('a damaged store through the local pipeline', () => {
  it('a stray key under images/: every host PASS, retention runs and reports it, deletes nothing', async () => {
    for (const Key of STRAYS)
      await rig.store.client().send(new PutObjectCommand({ Bucket: rig.store.bucket, Key, Body: 'junk' }));
    const run = await runWeek(rig, { date: week(1) });
    const report = await readRunReport(rig, run);
    const retention = report.retention;
    const left = new Set((await listKeys(rig, 'images/')).map((o) => o.key));
    const j = await judgeFault(rig, {
      fault: 'stray keys under images/ (images/bad host!/junk, images/loose-object)',
      expected: 'every host PASS; retention runs, counts 2 stray keys as problems, deletes neither',
      run,
      host: 'aixapp01',
      line: /^PASS verified$/,
      alert: null,
      extra: [
        {
          ok: retention !== null && !('error' in retention) && retention.problems >= STRAYS.length,
          problem: `retention: ${JSON.stringify(retention)}`,
        },
        { ok: STRAYS.every((k) => left.has(k)), problem: 'a stray key was deleted' },
      ],
    });
    expect(j.ok, j.observed).toBe(true);
    expect(j.lost).toEqual([]);
  });

  it("an image object deleted by hand: not the host's fresh PASS; freshness alerts naming the image there", async () => {
    const gone = imageKey({ host: 'aixprd01', kind: 'mksysb', volumeGroup: 'rootvg', date: week(1) });
    const bytes = await readObject(rig, gone);
    await rig.store.client().send(new DeleteObjectCommand({ Bucket: rig.store.bucket, Key: gone }));
    try {
      const listed = await listHostRecords(store(), 'aixprd01');
      const state = judgeHost(
        { enabled: true, images: listed.records, missingImages: listed.missingImages, lastRun: null },
        new Date(week(1)),
        8,
      );
      // Nine days after week 0's image: the image there is stale, the deleted one would have been fresh.
      const check = await rig.workflow.runFreshness({
        date: new Date(Date.parse(week(0)) + 9 * 86_400_000).toISOString(),
      });
      const subjects = check.alerts.filter((m) => m.attributes.host === 'aixprd01').map((m) => m.subject);
      const stale = `[mksysb ${dayOf(week(0))}]`;
      const ok =
        listed.missingImages.includes(gone) &&
        state.state === 'fail' &&
        state.findings.includes('IMAGE_MISSING') &&
        subjects.some((s) => s.includes('STALE') && s.endsWith(stale));
      recordOutcome({
        fault: 'newest image object deleted by hand, its PASS record left (aixprd01)',
        expected: "status FAIL IMAGE_MISSING; freshness STALE naming the image there as the host's last PASS",
        observed: `missing ${listed.missingImages.join(' ') || 'none'}; state ${state.state} ${state.findings.join(' ')}; alert: ${subjects.join(' / ') || 'none'}`,
        imagesLost: 0,
        ok,
      });
      expect(listed.missingImages).toEqual([gone]);
      expect(state).toMatchObject({ state: 'fail', findings: ['IMAGE_MISSING'] });
      expect(subjects).toEqual([expect.stringMatching(/^\[mksysb-vault\] FAIL aixprd01 STALE .*\[mksysb /)]);
      expect(subjects[0]?.endsWith(stale)).toBe(true);
    } finally {
      // The damage was the test's, not the tools': put the bytes back for the weeks that follow.
      await rig.store
        .client()
        .send(new PutObjectCommand({ Bucket: rig.store.bucket, Key: gone, Body: bytes }));
    }
  });

  it('an acknowledged HOST_UNREACHABLE: not alerted, recorded as acknowledged, the host still FAIL', async () => {
    await writeAcknowledgement(store(), {
      schemaVersion: 1,
      host: 'aixapp01',
      code: 'HOST_UNREACHABLE',
      until: week(4),
      reason: 'being decommissioned',
      acknowledgedAt: week(1),
    });
    setFaults(rig, 'aixapp01', ['unreachable']);
    let run: LocalRunResult<WeeklyOutput>;
    try {
      run = await runWeek(rig, { date: week(2) });
    } finally {
      setFaults(rig, 'aixapp01', []);
    }
    const report = await readRunReport(rig, run);
    const line = report.results.find((r) => r.host === 'aixapp01');
    const j = await judgeFault(rig, {
      fault: 'a dead host whose HOST_UNREACHABLE is acknowledged (aixapp01)',
      expected: 'FAIL HOST_UNREACHABLE in the report, marked acknowledged; no alert; others PASS',
      run,
      host: 'aixapp01',
      line: /^FAIL unreachable HOST_UNREACHABLE$/,
      alert: null,
      extra: [
        {
          ok: line?.acknowledged.includes('HOST_UNREACHABLE') ?? false,
          problem: `report line acknowledged: ${JSON.stringify(line?.acknowledged)}`,
        },
      ],
    });
    expect(j.ok, j.observed).toBe(true);
    expect(alertsOf(run, 'aixapp01')).toEqual([]);
    expect(await imagesLost(rig)).toEqual([]);
  });
});
