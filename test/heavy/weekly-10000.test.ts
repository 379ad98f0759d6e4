// Issue 16's acceptance: a local run of 10,000 simulated hosts with stand-in host steps completes
// inside every AWS quota local mode enforces (none is lifted), and each margin is pinned: at half the
// quota or less the weekly execution's history and largest state, every map-run child's, and the
// template body; each SSM document at 80% (the backup document is 66% of its 64,000 bytes: its script
// body, not the fleet, sets it). And the daily freshness machine over the same 10,000 hosts, every one a
// finding (no image of any is in the store): its history and largest state at half the quota or less,
// and its alerts capped at 50 and one summary, each message within SNS's quota (the local topic
// refuses a larger one).
import { describe, expect, it } from 'vitest';
import {
  EXECUTION_HISTORY_LIMIT,
  SSM_DOCUMENT_LIMIT,
  STATE_PAYLOAD_LIMIT,
  shareOfLimit,
  TEMPLATE_BODY_LIMIT,
} from '../../lambdas/core/aws-limits.js';
import { FRESHNESS_ALERT_CAP } from '../../lambdas/core/freshness.js';
import { documentBytes, templateBodyBytes } from '../../lib/local/pipeline.js';
import { useTestStore } from '../support/local-store.js';
import { runStubFreshness, runStubWeekly } from '../support/stub-fleet.js';

const local = useTestStore();

describe('the weekly workflow at 10,000 stand-in hosts', () => {
  it('completes within every quota, each pinned at its margin', async () => {
    const { template, run } = await runStubWeekly(10_000, {
      endpoint: local.store.endpoint,
      bucket: local.store.bucket,
    });
    expect(run.output.results).toHaveLength(10_000);
    const half = (limit: { max: number }) => limit.max / 2;
    const { payload, history } = run.peaks;
    expect(payload.bytes, shareOfLimit(STATE_PAYLOAD_LIMIT, payload.bytes)).toBeLessThanOrEqual(
      half(STATE_PAYLOAD_LIMIT),
    );
    expect(history.events, shareOfLimit(EXECUTION_HISTORY_LIMIT, history.events)).toBeLessThanOrEqual(
      half(EXECUTION_HISTORY_LIMIT),
    );
    const bytes = templateBodyBytes(template);
    expect(bytes, shareOfLimit(TEMPLATE_BODY_LIMIT, bytes)).toBeLessThanOrEqual(half(TEMPLATE_BODY_LIMIT));
    for (const [id, size] of Object.entries(documentBytes(template)))
      expect(size, `${id}: ${shareOfLimit(SSM_DOCUMENT_LIMIT, size)}`).toBeLessThanOrEqual(
        0.8 * SSM_DOCUMENT_LIMIT.max,
      );
  }, 600_000);

  it('checks freshness within every quota, and alerts 50 findings and one summary', async () => {
    const { run } = await runStubFreshness(10_000, {
      endpoint: local.store.endpoint,
      bucket: local.store.bucket,
    });
    const output = run.output as { freshness: { findingCount: number; findings: unknown[] } };
    expect(output.freshness.findingCount).toBe(10_000);
    expect(output.freshness.findings).toHaveLength(10_000);
    const { payload, history } = run.peaks;
    expect(payload.bytes, shareOfLimit(STATE_PAYLOAD_LIMIT, payload.bytes)).toBeLessThanOrEqual(
      STATE_PAYLOAD_LIMIT.max / 2,
    );
    expect(history.events, shareOfLimit(EXECUTION_HISTORY_LIMIT, history.events)).toBeLessThanOrEqual(
      EXECUTION_HISTORY_LIMIT.max / 2,
    );
    expect(run.alerts).toHaveLength(FRESHNESS_ALERT_CAP + 1);
    expect(run.alerts.at(-1)?.subject).toMatch(/FRESHNESS FAIL 9,950 more findings: 9,950 HOST_MISSED/);
  }, 600_000);
});
