// The weekly workflow does not grow with the fleet (issue 16): its Distributed Map reads the hosts from
// the store and writes their results there, so the weekly execution's history and largest state are
// the same at 300 hosts as at 3, each host costs one map-run child of a few events, and the run report
// still has every host. (At 10,000 hosts: test/heavy/weekly-10000.test.ts; the bench prints both.)

import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { RunReportSchema } from '../../lambdas/core/run-summary.js';
import { useTestStore } from '../support/local-store.js';
import { runStubWeekly } from '../support/stub-fleet.js';

const local = useTestStore();

describe('the weekly workflow at 3 and at 300 stand-in hosts', () => {
  it('has the same weekly history and a largest state under 1 KB, one small map-run child per host, every host in the report', async () => {
    const store = { endpoint: local.store.endpoint, bucket: local.store.bucket };
    const small = (await runStubWeekly(3, store, { date: '2026-11-23T02:01:00Z' })).run;
    const large = (await runStubWeekly(300, store, { date: '2026-11-30T02:01:00Z' })).run;
    expect(large.execution.historyEvents).toBe(small.execution.historyEvents);
    expect(large.execution.transitions).toBe(small.execution.transitions);
    expect(large.peaks.payload.bytes).toBeLessThan(1024);
    expect(large.peaks.history).toEqual({
      events: large.execution.historyEvents,
      execution: large.execution.name,
    });
    // ExecutionStarted, the StartHost Task's five events, ExecutionSucceeded; one transition per host.
    expect(new Set(large.mapRunChildren.map((c) => c.historyEvents))).toEqual(new Set([7]));
    expect(new Set(large.mapRunChildren.map((c) => c.transitions))).toEqual(new Set([1]));
    expect(large.mapRunChildren).toHaveLength(300);
    const object = await local.client.send(
      new GetObjectCommand({ Bucket: local.store.bucket, Key: large.output.report.reportKey }),
    );
    const report = RunReportSchema.parse(JSON.parse((await object.Body?.transformToString()) ?? ''));
    expect(report.counts).toMatchObject({ hosts: 300, PASS: 285, FAIL: 15 });
  }, 120_000);
});
