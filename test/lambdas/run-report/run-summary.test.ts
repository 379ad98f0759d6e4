// An acknowledged alert in the run report: the host's line keeps its codes and says which of them an
// operator acknowledged, so the digest shows the failure and why nobody was paged; lines written
// before acknowledgements read as none acknowledged.
import { describe, expect, it } from 'vitest';
import {
  buildRunReport,
  DIGEST_BODY_BYTES,
  decodeHostResult,
  encodeHostResult,
  hostResultTemplate,
  runDigest,
} from '../../../lambdas/core/run-summary.js';

const meta = {
  runId: 'run-2026-11-23',
  date: '2026-11-23T02:01:00.000Z',
  week: '2026-11-23',
  notStarted: [],
  retention: null,
  writtenAt: '2026-11-23T04:00:00.000Z',
};

describe('acknowledged codes in the run report', () => {
  it('keeps the FAIL and names the acknowledged code in the digest', () => {
    const report = buildRunReport(
      ['aixdead1|FAIL|unreachable|0|HOST_UNREACHABLE|HOST_UNREACHABLE', 'aixprd01|PASS|verified|100|'],
      meta,
    );
    expect(report.counts.FAIL).toBe(1);
    expect(report.results[0]).toMatchObject({
      codes: ['HOST_UNREACHABLE'],
      acknowledged: ['HOST_UNREACHABLE'],
    });
    expect(runDigest(report).body).toMatch(
      /FAIL aixdead1 +unreachable +- +HOST_UNREACHABLE \(acknowledged, not alerted: HOST_UNREACHABLE\)/,
    );
  });

  it('reads a line written before acknowledgements as none acknowledged', () => {
    expect(decodeHostResult('aixprd01|FAIL|verified|4194304|TINY_IMAGE').acknowledged).toEqual([]);
  });
});

describe('the host-result line the state machine writes itself', () => {
  it("is the encoder's line with {} for the host, so States.Format fills in a line the decoder reads", () => {
    const fields = {
      verdict: 'FAIL',
      outcome: 'error',
      sizeBytes: 0,
      codes: ['BACKUP_FAILED'],
    } satisfies Parameters<typeof hostResultTemplate>[0];
    const template = hostResultTemplate(fields);
    expect(template).toBe('{}|FAIL|error|0|BACKUP_FAILED');
    const line = template.replace('{}', 'aixprd01');
    expect(line).toBe(encodeHostResult({ host: 'aixprd01', ...fields }));
    expect(decodeHostResult(line)).toMatchObject({ host: 'aixprd01', verdict: 'FAIL', outcome: 'error' });
  });
});

describe('the run digest of a large fleet', () => {
  it('stays within an SNS message at 10,000 hosts, keeping the FAIL lines and saying the rest are in the report', () => {
    const lines = Array.from({ length: 10_000 }, (_, i) =>
      i % 20 === 0
        ? `aixlpar${String(i).padStart(5, '0')}|FAIL|verified|4194304|TINY_IMAGE`
        : `aixlpar${String(i).padStart(5, '0')}|PASS|verified|8589934592|`,
    );
    const { body } = runDigest(buildRunReport(lines, meta));
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(DIGEST_BODY_BYTES);
    expect(body).toContain('FAIL (500)');
    expect(body).toContain('aixlpar09980');
    expect(body).toMatch(
      /… \d+ more line\(s\) left out to stay within an SNS message: the run report lists every host/,
    );
    expect(body.endsWith('retention: not run')).toBe(true);
  });

  it('lists every host of a fleet that fits', () => {
    const { body } = runDigest(
      buildRunReport(['aixa|PASS|verified|1|', 'aixb|FAIL|error|0|BACKUP_FAILED'], meta),
    );
    expect(body).toContain('aixa');
    expect(body).not.toContain('left out');
  });
});
