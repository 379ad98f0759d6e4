// The freshness check's alert cap: which findings are alerted one by one, and the one summary of the
// rest, bounded under SNS's message quota whatever the fleet's size.
import { describe, expect, it } from 'vitest';
import { SNS_MESSAGE_LIMIT } from '../../../lambdas/core/aws-limits.js';
import {
  capAlerts,
  countByFinding,
  FRESHNESS_ALERT_CAP,
  type FreshnessFinding,
  freshnessSummaryAlert,
} from '../../../lambdas/core/freshness.js';

const missed = (host: string): FreshnessFinding => ({
  host,
  finding: 'HOST_MISSED',
  lastPassDate: null,
  ageDays: null,
});
const staging = (host: string): FreshnessFinding => ({
  host,
  finding: 'STAGING_FULL_SOON',
  lastPassDate: null,
  ageDays: null,
  weeksUntilFull: 2,
});

describe('the freshness alert cap', () => {
  it('alerts every finding when there are no more than the cap', () => {
    const findings = [missed('aix01'), staging('aix02')];
    expect(capAlerts(findings)).toEqual({ alerted: findings, summarized: [] });
  });

  it('alerts the failures before the warnings, each in the check order, up to the cap', () => {
    const findings = [staging('aix00'), ...Array.from({ length: 60 }, (_, i) => missed(`aix${i + 1}`))];
    const { alerted, summarized } = capAlerts(findings);
    expect(alerted).toHaveLength(FRESHNESS_ALERT_CAP);
    expect(alerted.map((f) => f.host).slice(0, 2)).toEqual(['aix1', 'aix2']);
    expect(alerted.every((f) => f.finding === 'HOST_MISSED')).toBe(true);
    expect(summarized.map((f) => f.host)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `aix${i + 51}`),
      'aix00',
    ]);
  });

  it('counts the findings by code', () => {
    expect(countByFinding([missed('a'), staging('b'), missed('c')])).toEqual({
      HOST_MISSED: 2,
      STAGING_FULL_SOON: 1,
    });
  });
});

describe('the summary of the findings past the cap', () => {
  const summarized = [
    ...Array.from({ length: 9_000 }, (_, i) => missed(`aixlpar${String(i).padStart(5, '0')}`)),
    ...Array.from({ length: 950 }, (_, i) => staging(`aixdb${String(i).padStart(5, '0')}`)),
  ];
  const alert = freshnessSummaryAlert({
    checkedAt: '2026-12-04T08:00:00.000Z',
    hosts: 10_000,
    total: 10_000,
    alerted: 50,
    summarized,
    where: 's3://vault/runs/2026-12-04/run-1/findings.json',
  });

  it('names the count of each code and where the full list is', () => {
    expect(alert.subject).toBe(
      '[mksysb-vault] FRESHNESS FAIL 9,950 more findings: 9,000 HOST_MISSED, 950 STAGING_FULL_SOON',
    );
    expect(alert.message).toMatch(/^HOST_MISSED \(fail\): 9,000\n {2}aixlpar00000 .* and 8,980 more$/m);
    expect(alert.message).toMatch(/^STAGING_FULL_SOON \(warn\): 950$/m);
    expect(alert.message).toContain('s3://vault/runs/2026-12-04/run-1/findings.json');
    expect(alert.attributes).toEqual({
      severity: { DataType: 'String', StringValue: 'fail' },
      kind: { DataType: 'String', StringValue: 'summary' },
    });
  });

  it('stays far under the SNS message quota even when every name is a 2,000-character parameter', () => {
    const long = Array.from({ length: 10_000 }, (_, i) => ({
      ...missed(`/mksysb-vault/fleet/${'x'.repeat(2_000)}${i}`),
      finding: 'FLEET_PARAMETER_INVALID' as const,
    }));
    const big = freshnessSummaryAlert({
      ...{ checkedAt: 'now', hosts: 0, total: 10_000, alerted: 0 },
      summarized: long,
      where: 's3://v/k',
    });
    expect(Buffer.byteLength(big.message, 'utf8')).toBeLessThan(SNS_MESSAGE_LIMIT.max / 10);
  });
});
