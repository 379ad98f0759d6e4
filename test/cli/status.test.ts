// status's judgement of one host, pure: its newest image and its latest run. A host whose latest run
// failed after its last image is FAIL even while that image is still fresh.
import { describe, expect, it } from 'vitest';
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
