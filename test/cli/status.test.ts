// status's judgement of one host, pure: its newest image and its latest run. A host whose latest run
// failed after its last image is FAIL even while that image is still fresh.
import { describe, expect, it } from 'vitest';
import { catalogImageOf, indexEntryOf } from '../../lambdas/core/catalog-index.js';
import {
  type RestoreCheck,
  RestoreCheckSchema,
  type RestoreTestResult,
} from '../../lambdas/core/restore-test.js';
import { buildRunReport, type RunReport } from '../../lambdas/core/run-summary.js';
import { lastRunOf } from '../../lib/cli/fleet-view.js';
import { hostStatus } from '../../lib/cli/status.js';
import { makeRecord } from '../support/local-store.js';

const report = (date: string, lines: string[], notStarted: { host: string; reason: string }[] = []) =>
  buildRunReport(lines, {
    runId: `run-${date}`,
    date,
    week: date,
    notStarted,
    retention: null,
    writtenAt: date,
  });

const view = (date: string) => ({
  host: 'aixapp01',
  inFleet: true,
  enabled: true,
  records: [makeRecord({ host: 'aixapp01', date })],
  problems: [],
});

describe('status of one host', () => {
  const reports: RunReport[] = [
    report('2026-11-23T02:01:00.000Z', ['aixprd01|PASS|verified|100|']),
    report('2026-11-16T02:01:00.000Z', ['aixapp01|FAIL|unreachable|0|HOST_UNREACHABLE']),
    report('2026-11-09T02:01:00.000Z', ['aixapp01|PASS|verified|100|']),
  ];

  it('finds the host in the newest report that has it (a partial run-now does not hide it)', () => {
    expect(lastRunOf('aixapp01', reports)).toEqual({
      date: '2026-11-16T02:01:00.000Z',
      verdict: 'FAIL',
      outcome: 'unreachable',
      codes: ['HOST_UNREACHABLE'],
    });
    expect(lastRunOf('aixnew01', reports)).toBeNull();
  });

  it('is FAIL when the latest run failed after the last image, though the image is fresh', () => {
    const now = new Date('2026-11-17T08:00:00Z');
    const status = hostStatus(view('2026-11-09T02:01:00.000Z'), now, 8, lastRunOf('aixapp01', reports));
    expect(status.state).toBe('fail');
    expect(hostStatus(view('2026-11-09T02:01:00.000Z'), now, 8, null).state).toBe('ok');
  });

  it('reports a host the run could not start as FAIL with the reason', () => {
    const notStarted = [report('2026-11-23T02:01:00.000Z', [], [{ host: 'aixapp01', reason: 'disabled' }])];
    expect(lastRunOf('aixapp01', notStarted)).toMatchObject({ outcome: 'not_started', codes: ['disabled'] });
  });

  it("carries the host's kind from the fleet: a VIOS is shown as one", () => {
    const now = new Date('2026-11-17T08:00:00Z');
    expect(hostStatus({ ...view('2026-11-16T02:01:00.000Z'), kind: 'vios' }, now, 8).kind).toBe('vios');
    expect(hostStatus(view('2026-11-16T02:01:00.000Z'), now, 8).kind).toBeNull();
  });
});

describe("status after a restore test of the host's newest image", () => {
  const now = new Date('2026-11-23T08:00:00Z');
  // The checks in the order a test makes them (the schema's), up to the clean-up.
  const CHECKS: RestoreCheck['name'][] = RestoreCheckSchema.shape.name.options.filter(
    (name) => name !== 'cleanup',
  );
  /** An image record with one restore test: its checks held up to `failed`, which did not (null: PASS). */
  const tested = (date: string, failed: RestoreCheck['name'] | null) => {
    const reached = failed === null ? CHECKS : CHECKS.slice(0, CHECKS.indexOf(failed) + 1);
    const checks = reached.map((name) => ({ name, ok: name !== failed, detail: '' }));
    const test: RestoreTestResult = {
      result: failed === null ? 'PASS' : 'FAIL',
      reason: failed === null ? null : `${failed}: seen`,
      startedAt: '2026-11-21T10:00:00.000Z',
      finishedAt: '2026-11-21T10:30:00.000Z',
      rtoSeconds: null,
      target: { host: 'aixtlp01', disk: 'hdisk1' },
      runId: 'restore-2026-11-21',
      checks,
    };
    return { ...makeRecord({ host: 'aixapp01', date }), restoreTests: [test] };
  };
  const withRecords = (records: ReturnType<typeof tested>[]) => ({
    ...view(records[0]?.date ?? ''),
    records,
  });

  it("is FAIL RESTORE_FAILED when the test found the image not the record's (bytes, OS level, boot files), from the records or the index", () => {
    for (const failed of ['sha256', 'oslevel', 'key_files'] as const) {
      const records = [tested('2026-11-16T02:01:00.000Z', failed)];
      const status = hostStatus(withRecords(records), now, 8);
      expect(status, failed).toMatchObject({ state: 'fail', verdict: 'PASS', findings: ['RESTORE_FAILED'] });
      const entries = records.map((r) => catalogImageOf(indexEntryOf(r), 'aixapp01'));
      expect(hostStatus({ ...view(''), records: entries as never }, now, 8).state, failed).toBe('fail');
    }
  });

  it('stays OK when the test LPAR could not run the test: the image is unproven, not disproved', () => {
    for (const failed of ['target_reachable', 'disk_free', 'download', 'alt_disk_mksysb', 'wake'] as const)
      expect(
        hostStatus(withRecords([tested('2026-11-16T02:01:00.000Z', failed)]), now, 8),
        failed,
      ).toMatchObject({
        state: 'ok',
        findings: [],
      });
    expect(hostStatus(withRecords([tested('2026-11-16T02:01:00.000Z', null)]), now, 8).state).toBe('ok');
  });

  it('is OK again once a newer image is stored (the test will try that one)', () => {
    const newer = makeRecord({ host: 'aixapp01', date: '2026-11-23T02:01:00.000Z' });
    const records = [tested('2026-11-16T02:01:00.000Z', 'sha256'), newer as ReturnType<typeof tested>];
    expect(hostStatus(withRecords(records), now, 8)).toMatchObject({ state: 'ok', findings: [] });
  });

  it('does not count an index entry written before the failed check was kept', () => {
    const entry = catalogImageOf(indexEntryOf(tested('2026-11-16T02:01:00.000Z', 'sha256')), 'aixapp01');
    const { failedCheck: _, ...older } = entry?.restoreTest ?? {};
    const records = [{ ...entry, restoreTest: older }];
    expect(hostStatus({ ...view(''), records: records as never }, now, 8).state).toBe('ok');
  });
});
