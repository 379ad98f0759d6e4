// Faults on the way to the store, through the whole local pipeline: a part that fails twice then goes
// through, a transfer that dies half-way (its multipart upload aborted, the next run succeeds), the
// local S3 answering 500/503 to a share of all requests (the SDK and curl retry with back-off), and a
// store that refuses every request for one host (a clear failure naming it). After each: every earlier
// PASS image still there byte for byte, no open multipart upload, nothing half-written listed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../../lambdas/core/catalog-keys.js';
import type { LocalRunResult, WeeklyOutput } from '../../lib/local/workflow-runner.js';
import { recordOutcome } from './outcomes.js';
import {
  alertsOf,
  type FaultJudgement,
  type FaultRig,
  imagesLost,
  judgeFault,
  listKeys,
  MiB,
  openUploads,
  readRunReport,
  runWeek,
  setFaults,
  startFaultRig,
  stopFaultRig,
  weekAfter,
} from './support.js';

const START = '2026-08-03T02:00:00.000Z';
const week = (n: number) => weekAfter(START, n);
let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig('transfer', [
    { host: 'aixprd01', sizeBytes: 16 * MiB },
    { host: 'aixprd02', sizeBytes: 24 * MiB },
    { host: 'aixapp01', sizeBytes: 16 * MiB },
  ]);
}, 60_000);

afterAll(async () => stopFaultRig(rig));

function expectJudged(j: FaultJudgement): void {
  expect(j.lost).toEqual([]);
  expect(j.problems).toEqual([]);
  expect(j.othersNotPassing).toEqual([]);
  expect({ line: j.lineOk, alert: j.alertOk, observed: j.observed }).toEqual({
    line: true,
    alert: true,
    observed: j.observed,
  });
}

/** Part PUT attempts the simulated curl saw for a host (one part number a line). */
function partPuts(host: string): number[] {
  try {
    return readFileSync(join(rig.sim.hostRoot(host), 'state/part-puts'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe('transfer and store faults through the local pipeline', () => {
  it('a baseline week: every host PASS', async () => {
    const run = await runWeek(rig, { date: week(0) });
    expect(run.output.results.filter((l) => !l.includes('|PASS|verified|'))).toEqual([]);
    expect(rig.passImages.size).toBe(3);
  });

  describe('a week where every part of one host fails twice and one part of another never goes through', () => {
    let run: LocalRunResult<WeeklyOutput>;
    let puts: { before: number[]; after: number[] };
    beforeAll(async () => {
      const before = partPuts('aixprd02');
      setFaults(rig, 'aixprd02', ['part_fail:2']);
      // Part 2 fails more often than the 3 retries: the transfer dies after part 1 went up.
      setFaults(rig, 'aixapp01', ['part_fail:50:2']);
      run = await runWeek(rig, { date: week(1) });
      puts = { before, after: partPuts('aixprd02') };
      setFaults(rig, 'aixprd02', []);
      setFaults(rig, 'aixapp01', []);
    }, 120_000);

    it('the part that fails twice is retried on its own and the image PASSes', async () => {
      const attempts = puts.after.slice(puts.before.length);
      const j = await judgeFault(rig, {
        fault: 'each transfer part fails twice, then succeeds (aixprd02)',
        expected: 'each part retried, image PASS, no alert',
        run,
        host: 'aixprd02',
        line: /^PASS verified$/,
        alert: null,
        alsoHit: ['aixapp01'],
        extra: [
          {
            ok: [1, 2, 3].every((p) => attempts.filter((a) => a === p).length === 3),
            problem: `part PUT attempts ${JSON.stringify(attempts)}, expected 3 of each of parts 1-3`,
          },
        ],
      });
      expectJudged(j);
    });

    it('the transfer that dies half-way: FAIL TRANSFER_FAILED, its multipart upload aborted, no image listed', async () => {
      const day = dayOf(week(1));
      const listed = (await listKeys(rig, 'images/aixapp01/')).filter((o) => o.key.includes(day));
      const j = await judgeFault(rig, {
        fault: 'transfer dies half-way: part 2 never accepted (aixapp01)',
        expected: 'FAIL TRANSFER_FAILED, upload aborted, nothing listed as image',
        run,
        host: 'aixapp01',
        line: /^FAIL transfer_failed TRANSFER_FAILED$/,
        alert: /^\[mksysb-vault\] FAIL aixapp01 TRANSFER_FAILED /,
        alsoHit: ['aixprd02'],
        extra: [
          {
            ok: !listed.some((o) => o.key.endsWith(`_${day}`) || o.key.endsWith('.record.json')),
            problem: `listed for the failed day: ${listed.map((o) => o.key).join(', ')}`,
          },
        ],
      });
      expectJudged(j);
      expect(openUploads(rig)).toEqual([]);
    });
  });

  it('the next week, with the local S3 failing one request in seven (500 and 503): every host PASSes, the dead transfer too', async () => {
    let n = 0;
    const failedBefore = rig.store.injectedFailures;
    rig.store.injectFailures(() => {
      n += 1;
      return n % 7 === 0 ? (n % 2 === 0 ? 500 : 503) : undefined;
    });
    let run: LocalRunResult<WeeklyOutput>;
    try {
      run = await runWeek(rig, { date: week(2) });
    } finally {
      rig.store.injectFailures(undefined);
    }
    const injected = rig.store.injectedFailures - failedBefore;
    const retried = await judgeFault(rig, {
      fault: 'transfer that died last week, retried next run (aixapp01)',
      expected: 'PASS, no alert',
      run,
      host: 'aixapp01',
      line: /^PASS verified$/,
      alert: null,
    });
    const flaky = await judgeFault(rig, {
      fault: `local S3 answers 500/503 to 1 request in 7 (${injected} injected)`,
      expected: 'SDK and curl retry with back-off: every host PASS',
      run,
      host: 'aixprd01',
      line: /^PASS verified$/,
      alert: null,
      extra: [{ ok: injected > 10, problem: `only ${injected} failures were injected` }],
    });
    expectJudged(retried);
    expectJudged(flaky);
    expect(injected).toBeGreaterThan(10);
  });

  it('a store that refuses every request for one host: FAIL naming the host and the store, the others PASS', async () => {
    rig.store.injectFailures((request) => (/\/aixprd02[/_]/.test(request.path) ? 503 : undefined));
    let run: LocalRunResult<WeeklyOutput>;
    try {
      run = await runWeek(rig, { date: week(3) });
    } finally {
      rig.store.injectFailures(undefined);
    }
    const alert = alertsOf(run, 'aixprd02')[0];
    const j = await judgeFault(rig, {
      fault: 'store refuses every request for one host (aixprd02)',
      expected: 'FAIL naming host and S3 error, others PASS, nothing lost',
      run,
      host: 'aixprd02',
      line: /^FAIL /,
      alert: /^\[mksysb-vault\] FAIL aixprd02 /,
      extra: [
        {
          ok: /503|SlowDown|store|S3/i.test(alert?.message ?? ''),
          problem: `the alert does not name the store error: ${(alert?.message ?? '').slice(0, 200)}`,
        },
      ],
    });
    expectJudged(j);
  });

  it('a store that refuses every request: the weekly execution fails naming the store and the key, nothing lost', async () => {
    rig.store.injectFailures(() => 503);
    let error: unknown;
    const before = rig.sns.messages.length;
    try {
      await rig.workflow.runWeekly({ date: week(4) });
    } catch (e) {
      error = e;
    } finally {
      rig.store.injectFailures(undefined);
    }
    const alerted = rig.sns.messages.slice(before).map((m) => m.attributes.host ?? m.attributes.kind);
    const lost = await imagesLost(rig);
    const message = error instanceof Error ? error.message : String(error);
    // The run's first S3 call fails it, named with its key: today reading the fleet object (the
    // deployed fleet, before the snapshot the Distributed Map reads and the run report).
    const named = /S3 throttled (reading|writing) the [a-z ]+ \([^)]+\.json\): SlowDown/.test(message);
    recordOutcome({
      fault: 'store refuses every request (all hosts)',
      expected: 'weekly execution FAILED naming the S3 error and key (ExecutionsFailed alarm); nothing lost',
      observed: `${message.replace(/^.*errorMessage\\?":\\?"/, '').slice(0, 110)}; SNS messages: ${alerted.length}`,
      imagesLost: lost.length,
      ok: error !== undefined && named && lost.length === 0 && openUploads(rig).length === 0,
    });
    expect(lost).toEqual([]);
    expect(message).toMatch(/weekly execution .* failed/);
    expect(named).toBe(true);
    expect(openUploads(rig)).toEqual([]);
  });

  it('once the store answers again, the next week PASSes everywhere and reports it', async () => {
    const run = await runWeek(rig, { date: week(5) });
    const report = await readRunReport(rig, run);
    expect(report.counts).toMatchObject({ hosts: 3, PASS: 3, FAIL: 0 });
    expect(await imagesLost(rig)).toEqual([]);
  });
});
