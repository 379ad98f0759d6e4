// Faults of the fleet inventory and of a host's history, through the whole local pipeline: a malformed
// fleet parameter added by hand (it costs that entry alone, and is alerted), and a host's size history
// outliving the images retention deletes (a shrunken image after retention still does not PASS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOutcome } from './outcomes.js';
import {
  catalogProblems,
  type FaultRig,
  imagesLost,
  listKeys,
  MiB,
  readRunReport,
  reportLine,
  runWeek,
  setFaults,
  startFaultRig,
  stopFaultRig,
  weekAfter,
} from './support.js';

describe('a malformed fleet parameter added by hand', () => {
  let rig: FaultRig;
  beforeAll(async () => {
    rig = await startFaultRig('fleet-param', [
      { host: 'aixprd01', sizeBytes: 16 * MiB },
      { host: 'aixprd02', sizeBytes: 16 * MiB },
    ]);
  }, 300_000);
  afterAll(() => stopFaultRig(rig));

  it('is skipped and alerted as FLEET_PARAMETER_INVALID, naming the parameter and field; every valid host still runs and is checked', async () => {
    const path = '/mksysb-vault/fleet/';
    rig.workflow.ssm.putParameter(`${path}aixnew01`, '{"host":"aixnew01","managedNodeId":"i-12345"}');
    rig.workflow.ssm.putParameter(`${path}typo`, '{"host":"aixnew02",');
    const run = await runWeek(rig, { date: '2026-11-23T02:00:00.000Z' });
    const report = await readRunReport(rig, run);
    const lines = ['aixprd01', 'aixprd02'].map((h) => reportLine(report, h));
    expect(lines).toEqual(['PASS verified', 'PASS verified']);
    const reasons = report.notStarted.map((n) => `${n.host}: ${n.reason}`);
    expect(reasons).toEqual([
      expect.stringMatching(
        /^aixnew01: FLEET_PARAMETER_INVALID: \/mksysb-vault\/fleet\/aixnew01 \(host "aixnew01"\) field managedNodeId: not an SSM managed node id/,
      ),
      expect.stringMatching(
        /^\/mksysb-vault\/fleet\/typo: FLEET_PARAMETER_INVALID: fleet parameter \/mksysb-vault\/fleet\/typo: not JSON/,
      ),
    ]);
    const digest = run.alerts.find((a) => a.attributes.kind === 'digest');
    expect(digest?.message).toMatch(/NOT STARTED \(2\)[\s\S]*field managedNodeId/);

    const daily = await rig.workflow.runFreshness({ date: '2026-11-24T08:00:00.000Z' });
    const flagged = daily.alerts.filter((a) => a.attributes.code === 'FLEET_PARAMETER_INVALID');
    expect(flagged.map((a) => a.attributes.host).sort()).toEqual(['/mksysb-vault/fleet/typo', 'aixnew01']);
    expect(flagged.find((a) => a.attributes.host === 'aixnew01')?.message).toMatch(/field managedNodeId/);
    // the valid hosts were checked: fresh, so no finding for them
    expect(daily.alerts.filter((a) => a.attributes.host?.startsWith('aixprd'))).toEqual([]);

    const lost = await imagesLost(rig);
    const problems = await catalogProblems(rig);
    recordOutcome({
      fault: 'malformed fleet parameter added by hand (bad managedNodeId; not JSON)',
      expected: 'entry skipped, FLEET_PARAMETER_INVALID in report, digest and daily alert; others PASS',
      observed: `${lines.join(', ')}; not started: ${report.notStarted.length}; daily alerts: ${flagged.length}`,
      imagesLost: lost.length,
      ok: lost.length === 0 && problems.length === 0,
    });
    expect(lost).toEqual([]);
    expect(problems).toEqual([]);
  }, 300_000);
});

describe("a host's size history after retention deleted its images", () => {
  // Retention keeps three weeks (no monthlies): without history entries the baseline would rest on
  // the three images left, one of them the shrunken one.
  let rig: FaultRig;
  const start = '2026-06-01T02:00:00.000Z';
  const week = (n: number) => weekAfter(start, n - 1);
  beforeAll(async () => {
    rig = await startFaultRig(
      'history',
      [
        { host: 'aixprd01', sizeBytes: 16 * MiB },
        { host: 'aixprd02', sizeBytes: 16 * MiB },
      ],
      { retention: { weekly: 3, monthly: 0 } },
    );
  }, 300_000);
  afterAll(() => stopFaultRig(rig));

  it('keeps judging a shrunken image against the host history: the next one does not PASS, a 6 MiB one FAILs', async () => {
    for (let n = 1; n <= 6; n += 1) await runWeek(rig, { date: week(n) });
    setFaults(rig, 'aixprd01', [], { sizeBytes: 9 * MiB }); // a 44% drop
    const dropped = await runWeek(rig, { date: week(7) });
    const droppedLine = reportLine(await readRunReport(rig, dropped), 'aixprd01');
    expect(droppedLine).toMatch(/^WARN verified SIZE_DROP/);
    // Retention has deleted the oldest images by now; their history entries stay.
    const history = (await listKeys(rig, 'history/aixprd01/')).map((o) => o.key);
    expect(history).toContain('history/aixprd01/aixprd01_mksysb_2026-06-01.json');
    const images = (await listKeys(rig, 'images/aixprd01/')).filter((o) => o.key.endsWith('.record.json'));
    expect(images.length).toBeLessThanOrEqual(4);

    const next = await runWeek(rig, { date: week(8) });
    const nextLine = reportLine(await readRunReport(rig, next), 'aixprd01');
    expect(nextLine).not.toMatch(/^PASS/);

    setFaults(rig, 'aixprd01', [], { sizeBytes: 6 * MiB });
    const tiny = await runWeek(rig, { date: week(9) });
    const tinyLine = reportLine(await readRunReport(rig, tiny), 'aixprd01');
    expect(tinyLine).toMatch(/^FAIL verified .*TINY_IMAGE/);

    const lost = await imagesLost(rig, week(9));
    const problems = await catalogProblems(rig);
    recordOutcome({
      fault: 'one 44% drop, retention deletes the old images, the next image as small, then 6 MiB',
      expected: 'history entries outlive the images: the next shrunken image WARNs, the 6 MiB one FAILs',
      observed: `week 7 ${droppedLine}; week 8 ${nextLine}; week 9 ${tinyLine}; ${history.length} history entries`,
      imagesLost: lost.length,
      ok: lost.length === 0 && problems.length === 0,
    });
    expect(lost).toEqual([]);
    expect(problems).toEqual([]);
  }, 600_000);
});
