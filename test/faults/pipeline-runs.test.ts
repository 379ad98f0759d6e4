// Faults of the runs themselves, through the whole local pipeline: a Lambda that throws mid-run and the
// week re-run, two runs of the same week at once, a clock a day fast and a day slow, a corrupted catalog
// record, and retention running while an upload is in flight. Retention runs with its default policy
// here (3 weeks, 6 months): an image it deletes by that policy, planned at the true date, is not lost;
// any other PASS image gone or changed is. The weeks are fixed dates: the local store stamps what a run
// writes with the run's simulated time (LocalWorkflow.now), which retention's stray grace compares
// against, so nothing here depends on the real date.

import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../../lambdas/core/catalog-keys.js';
import type { LocalRunResult, WeeklyOutput } from '../../lib/local/workflow-runner.js';
import { recordOutcome } from './outcomes.js';
import {
  alertsOf,
  catalogProblems,
  type FaultJudgement,
  type FaultRig,
  imagesLost,
  judgeFault,
  listKeys,
  MiB,
  openUploads,
  readObject,
  readRunReport,
  reportLine,
  runWeek,
  setFaults,
  snapshotPassImages,
  startFaultRig,
  stopFaultRig,
  weekAfter,
  writeObject,
} from './support.js';

const DAY_MS = 86_400_000;
const HOSTS = ['aixapp01', 'aixprd01', 'aixprd02'];
// Mondays 02:00 UTC: week 0 is 2026-06-01.
const week = (n: number) => weekAfter('2026-06-01T02:00:00.000Z', n);
const shifted = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY_MS).toISOString();
let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig(
    'runs',
    [
      { host: 'aixapp01', sizeBytes: 16 * MiB },
      { host: 'aixprd01', sizeBytes: 16 * MiB },
      { host: 'aixprd02', sizeBytes: 20 * MiB },
    ],
    {
      // Only the history can tell a 2 MiB image is wrong for a 16 MiB host.
      verification: { absoluteFloorBytes: MiB, sizeMismatchSlackBytes: 4 * MiB },
      retention: { weekly: 3, monthly: 6 },
    },
  );
}, 60_000);

afterAll(async () => stopFaultRig(rig));

function expectJudged(j: FaultJudgement): void {
  expect({ ok: j.ok, observed: j.observed }).toEqual({ ok: true, observed: j.observed });
  expect(j.lost).toEqual([]);
  expect(j.problems).toEqual([]);
  expect(j.othersNotPassing).toEqual([]);
  expect({ line: j.lineOk, alert: j.alertOk, observed: j.observed }).toEqual({
    line: true,
    alert: true,
    observed: j.observed,
  });
}

/** Objects under images/<host>/ of one day. */
async function dayObjects(host: string, date: string): Promise<string[]> {
  return (await listKeys(rig, `images/${host}/`)).map((o) => o.key).filter((k) => k.includes(dayOf(date)));
}

const lines = (run: LocalRunResult<WeeklyOutput>) =>
  run.output.results.map((l) => l.split('|').slice(0, 3).join('|')).sort();

describe('run faults through the local pipeline', () => {
  it('two baseline weeks: every host PASS', async () => {
    for (const n of [0, 1]) {
      const run = await runWeek(rig, { date: week(n) });
      expect(lines(run)).toEqual(HOSTS.map((h) => `${h}|PASS|verified`));
    }
  });

  it('verify throws mid-run for one host, and a re-run of the week for it makes one image and one record', async () => {
    const date = week(2);
    const record = `/images/aixprd01/aixprd01_mksysb_${dayOf(date)}.record.json`;
    rig.store.injectFailures((r) => (r.method === 'PUT' && r.path.endsWith(record) ? 500 : undefined));
    let first: LocalRunResult<WeeklyOutput>;
    try {
      first = await runWeek(rig, { date });
    } finally {
      rig.store.injectFailures(undefined);
    }
    const firstLine = reportLine(await readRunReport(rig, first), 'aixprd01');
    const rerun = await runWeek(rig, {
      date: shifted(date, 0.25),
      executionName: 'manual-rerun-aixprd01',
      input: { hosts: ['aixprd01'], attempt: 2 },
    });
    const objects = await dayObjects('aixprd01', date);
    const j = await judgeFault(rig, {
      fault: 'verify throws (record PUT refused), week re-run (aixprd01)',
      expected: 'first run FAIL alerted; re-run PASS; one image, one record',
      run: rerun,
      host: 'aixprd01',
      line: /^PASS verified$/,
      alert: null,
      retainedAt: rerun.execution.endedAt,
      extra: [
        { ok: firstLine.startsWith('FAIL'), problem: `the first run said ${firstLine}` },
        {
          ok: alertsOf(first, 'aixprd01').length > 0,
          problem: 'the first run sent no alert for aixprd01',
        },
        {
          ok: objects.filter((k) => k.endsWith(dayOf(date)) || k.endsWith('.record.json')).length === 2,
          problem: `objects of the day: ${objects.join(', ')}`,
        },
      ],
    });
    expectJudged(j);
    expect(firstLine).toMatch(/^FAIL /);
    expect(lines(first).filter((l) => !l.startsWith('aixprd01'))).toEqual([
      'aixapp01|PASS|verified',
      'aixprd02|PASS|verified',
    ]);
  });

  it('two runs of the same week started at once: each host runs once, the other run says already_ran', async () => {
    const date = week(3);
    const [a, b] = await Promise.all([
      rig.workflow.runWeekly({ date, executionName: 'weekly-scheduled' }),
      rig.workflow.runWeekly({ date: shifted(date, 1 / 24), executionName: 'weekly-manual' }),
    ]);
    const all = [...a.output.results, ...b.output.results].map((l) => l.split('|').slice(0, 3).join('|'));
    const perHost = HOSTS.map((h) => all.filter((l) => l.startsWith(`${h}|`)).sort());
    const objects = (await Promise.all(HOSTS.map((h) => dayObjects(h, date)))).flat();
    const lost = await imagesLost(rig, b.execution.endedAt);
    const problems = await catalogProblems(rig);
    const reports = await Promise.all([readRunReport(rig, a), readRunReport(rig, b)]);
    const ok =
      perHost.every(
        (l) =>
          l.join() ===
          [`${l[0]?.split('|')[0]}|PASS|verified`, `${l[0]?.split('|')[0]}|SKIP|already_ran`].sort().join(),
      ) &&
      lost.length === 0 &&
      problems.length === 0;
    recordOutcome({
      fault: 'two runs of the same week at once',
      expected: 'each host PASS in one run, SKIP already_ran in the other; one image each',
      observed: `${perHost.map((l) => l.join(' + ')).join('; ')}; reports ${reports.map((r) => `${r.counts.PASS} PASS/${r.counts.SKIP} SKIP`).join(' and ')}`,
      imagesLost: lost.length,
      ok,
    });
    for (const [i, host] of HOSTS.entries())
      expect(perHost[i]).toEqual([`${host}|PASS|verified`, `${host}|SKIP|already_ran`]);
    expect(objects.filter((k) => k.endsWith('.record.json'))).toHaveLength(3);
    expect(reports.map((r) => r.counts.PASS + r.counts.SKIP)).toEqual([3, 3]);
    expect(lost).toEqual([]);
    expect(problems).toEqual([]);
    await snapshotPassImages(rig);
  });

  it('a clock a day fast: the run lands in its own week, one image per host, nothing deleted early', async () => {
    const date = shifted(week(4), 1);
    const run = await runWeek(rig, { date });
    const objects = (await Promise.all(HOSTS.map((h) => dayObjects(h, date)))).flat();
    const j = await judgeFault(rig, {
      fault: 'clock a day fast (run dated Tuesday)',
      expected: `images dated ${dayOf(date)} in week ${dayOf(week(4))}, one each, all PASS`,
      run,
      host: 'aixprd01',
      line: /^PASS verified$/,
      alert: null,
      // The true date is a day before the run's clock.
      retainedAt: shifted(run.execution.endedAt, -1),
      extra: [
        { ok: run.output.week === dayOf(week(4)), problem: `the run says week ${run.output.week}` },
        {
          ok: objects.filter((k) => k.endsWith('.record.json')).length === 3,
          problem: `records of ${dayOf(date)}: ${objects.filter((k) => k.endsWith('.record.json')).join(', ')}`,
        },
      ],
    });
    expectJudged(j);
  });

  it('a clock a day slow: the run falls in the week already done, so nothing runs twice and nothing is deleted', async () => {
    // The schedule fires on Monday 02:00 of week 5, but the clock still says Sunday of week 4.
    const date = shifted(week(5), -1);
    const run = await runWeek(rig, { date });
    const objects = (await Promise.all(HOSTS.map((h) => dayObjects(h, date)))).flat();
    const lost = await imagesLost(rig, shifted(run.execution.endedAt, 1));
    const problems = await catalogProblems(rig);
    recordOutcome({
      fault: 'clock a day slow (run dated Sunday of the week done)',
      expected: 'every host SKIP already_ran (no second image that week); nothing deleted',
      observed: `${lines(run).join(', ')}; week ${run.output.week}; ${objects.length} objects of ${dayOf(date)}`,
      imagesLost: lost.length,
      ok:
        lines(run).every((l) => l.endsWith('|SKIP|already_ran')) &&
        objects.length === 0 &&
        lost.length === 0 &&
        problems.length === 0,
    });
    expect(run.output.week).toBe(dayOf(week(4)));
    expect(lines(run)).toEqual(HOSTS.map((h) => `${h}|SKIP|already_ran`));
    expect(objects).toEqual([]);
    expect(lost).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("a corrupted catalog: a host's records overwritten with garbage, then an image an eighth of its size", async () => {
    const records = (await listKeys(rig, 'images/aixapp01/')).filter((o) => o.key.endsWith('.record.json'));
    const originals = await Promise.all(records.map(({ key }) => readObject(rig, key)));
    for (const { key } of records) await writeObject(rig, key, '\u0000\u00ff{"schemaVersion": 1, garbage');
    setFaults(rig, 'aixapp01', [], { sizeBytes: 2 * MiB });
    const date = week(5);
    const run = await runWeek(rig, { date });
    setFaults(rig, 'aixapp01', [], { sizeBytes: 16 * MiB });
    const report = await readRunReport(rig, run);
    const survivors = await Promise.all(records.map(async ({ key }) => (await listKeys(rig, key)).length));
    const j = await judgeFault(rig, {
      fault: `corrupted catalog: ${records.length} records of aixapp01 garbage, then a 2 MiB image`,
      expected:
        'HISTORY_UNREADABLE reported (the record verify compares with); the small image not PASS; garbage records and their images kept',
      run,
      host: 'aixapp01',
      line: /^(WARN|FAIL) verified .*HISTORY_UNREADABLE/,
      alert: /^\[mksysb-vault\] (WARN|FAIL) aixapp01 HISTORY_UNREADABLE /,
      retainedAt: run.execution.endedAt,
      extra: [
        {
          ok: survivors.every((n) => n === 1),
          problem: 'a garbage record was deleted (retention must leave unreadable records alone)',
        },
        // Retention plans from the catalog index and reads the record only of an image it would
        // delete (never deleting one whose record it cannot read): the garbage is not its to report.
        {
          ok: report.retention !== null && !('error' in report.retention),
          problem: `retention reported ${JSON.stringify(report.retention)}`,
        },
      ],
    });
    // What the operator does: put the records back from their bucket versions.
    for (const [i, { key }] of records.entries()) await writeObject(rig, key, originals[i] ?? '');
    expectJudged(j);
    expect(reportLine(report, 'aixapp01')).not.toMatch(/^PASS/);
  });

  it('retention runs while an upload is in flight: the open upload and its first sidecar are left alone', async () => {
    const date = week(6);
    const key = `images/aixprd02/aixprd02_mksysb_${dayOf(date)}`;
    const s3 = rig.store.client();
    const bucket = rig.store.bucket;
    // Sent a day before the run: inside the 2-day grace, so the sidecar is not a stray.
    const sendingSince = rig.store.stampWith(() => new Date(Date.parse(date) - DAY_MS));
    // aixprd02 is still sending this week's image (a slow link): part 1 and the log are in, the rest is not.
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const uploadId = upload.UploadId ?? '';
    await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: 1,
        Body: Buffer.alloc(8 * MiB, 7),
      }),
    );
    await writeObject(rig, `${key}.log`, '0512-038 mksysb: Backup Completed Successfully.\n');
    sendingSince();
    const run = await runWeek(rig, { date, input: { hosts: ['aixapp01', 'aixprd01'] } });
    const stillOpen = rig.store.uploadExists(uploadId);
    const logKept = (await listKeys(rig, `${key}.log`)).length === 1;
    const listedAsImage = (await listKeys(rig, key)).some(
      (o) => o.key === key || o.key === `${key}.record.json`,
    );
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    const j = await judgeFault(rig, {
      fault: 'retention while an upload is in flight (aixprd02)',
      expected: 'open upload and its sidecar untouched, not listed or counted as an image',
      run,
      host: 'aixprd01',
      line: /^PASS verified$/,
      alert: null,
      // aixapp01's garbage records of the last fault are still there (kept, never read as "no history"),
      // so its images stay WARN HISTORY_UNREADABLE until someone repairs them: not this fault's doing.
      alsoHit: ['aixapp01'],
      retainedAt: run.execution.endedAt,
      extra: [
        { ok: stillOpen, problem: 'the open multipart upload was aborted or deleted' },
        { ok: logKept, problem: `${key}.log was deleted while its upload was open` },
        { ok: !listedAsImage, problem: `${key} is listed as an image` },
      ],
    });
    expectJudged(j);
    expect(stillOpen).toBe(true);
    expect(logKept).toBe(true);
    expect(listedAsImage).toBe(false);
    expect(openUploads(rig)).toEqual([]);
  });

  it('a clean week after all that: every host PASS, nothing lost', async () => {
    const date = week(7);
    const run = await runWeek(rig, { date });
    expect(lines(run)).toEqual(HOSTS.map((h) => `${h}|PASS|verified`));
    expect(await imagesLost(rig, run.execution.endedAt)).toEqual([]);
  });

  it('the weekly run and a run-now of the same host-day overlap: one runs, the other is refused busy, one image whose bytes the record describes', async () => {
    const date = week(8);
    const [weekly, runNow] = await Promise.all([
      rig.workflow.runWeekly({ date, executionName: 'weekly-overlap' }),
      rig.workflow.runWeekly({
        date: shifted(date, 1 / 1440),
        executionName: 'run-now-overlap',
        input: { hosts: ['aixprd01'], attempt: 2 },
      }),
    ]);
    await snapshotPassImages(rig);
    const prd01 = [weekly, runNow]
      .flatMap((r) => r.output.results)
      .filter((l) => l.startsWith('aixprd01|'))
      .map((l) => l.split('|').slice(1, 3).join(' '))
      .sort();
    // Each run's alerts are what was published while it ran: with two at once, both hold both runs'.
    const busyAlerts = [
      ...new Set(
        [weekly, runNow].flatMap((r) =>
          alertsOf(r, 'aixprd01')
            .filter((m) => m.attributes.code === 'HOST_BUSY')
            .map((m) => JSON.stringify(m)),
        ),
      ),
    ];
    const recordOfDay = `images/aixprd01/aixprd01_mksysb_${dayOf(date)}.record.json`;
    const records = (await dayObjects('aixprd01', date)).filter((k) => k === recordOfDay);
    // Read by name: if it is not there, the error says so and what the host's folder holds.
    const record = JSON.parse((await readObject(rig, recordOfDay)).toString('utf8')) as {
      key: string;
      sha256: string;
      content: { sha256: string | null } | null;
    };
    const stored = createHash('sha256')
      .update(await readObject(rig, record.key))
      .digest('hex');
    const lost = await imagesLost(rig, runNow.execution.endedAt);
    const ok =
      prd01.join() === ['PASS verified', 'SKIP busy'].join() &&
      busyAlerts.length === 1 &&
      records.length === 1 &&
      record.sha256 === stored &&
      record.content?.sha256 === stored &&
      lost.length === 0;
    recordOutcome({
      fault: 'weekly run and run-now --attempt 2 of one host-day at once (aixprd01)',
      expected: 'one PASS, the other SKIP busy with a HOST_BUSY alert; the record describes the stored bytes',
      observed: `${prd01.join(' + ')}; ${busyAlerts.length} HOST_BUSY alert(s); record SHA-256 ${record.sha256 === stored ? '=' : '≠'} stored`,
      imagesLost: lost.length,
      ok,
    });
    expect(prd01).toEqual(['PASS verified', 'SKIP busy']);
    expect(busyAlerts).toHaveLength(1);
    expect(records).toHaveLength(1);
    expect({ host: record.sha256, inspected: record.content?.sha256 }).toEqual({
      host: stored,
      inspected: stored,
    });
    expect(lost).toEqual([]);
  });

  it('a tiny image (the tiny_image fault) answered the same day with run-now --attempt 2: the re-run makes a PASS image in place of the FAIL one', async () => {
    const date = week(9);
    setFaults(rig, 'aixprd02', ['tiny_image']);
    const first = await runWeek(rig, { date, executionName: 'weekly-tiny' });
    setFaults(rig, 'aixprd02', []);
    const again = await runWeek(rig, {
      date: shifted(date, 3 / 24),
      executionName: 'run-now-attempt-2',
      input: { hosts: ['aixprd02'], attempt: 2 },
    });
    const firstLine = reportLine(await readRunReport(rig, first), 'aixprd02');
    const j = await judgeFault(rig, {
      fault: 'tiny image, then run-now --attempt 2 the same day (aixprd02)',
      expected:
        'first FAIL (boot files missing) alerted; the re-run PASS; its record in place of the FAIL one',
      run: again,
      host: 'aixprd02',
      line: /^PASS verified$/,
      alert: null,
      retainedAt: again.execution.endedAt,
      extra: [
        {
          ok: /^FAIL verified .*BOOT_FILES_MISSING/.test(firstLine),
          problem: `the first run said ${firstLine}`,
        },
        {
          ok: alertsOf(first, 'aixprd02').some((m) => m.attributes.code === 'BOOT_FILES_MISSING'),
          problem: 'no BOOT_FILES_MISSING alert for aixprd02',
        },
      ],
    });
    expectJudged(j);
    const mksysbRecord = `images/aixprd02/aixprd02_mksysb_${dayOf(date)}.record.json`;
    expect(JSON.parse((await readObject(rig, mksysbRecord)).toString('utf8')).verdict).toBe('PASS');
  });
});
