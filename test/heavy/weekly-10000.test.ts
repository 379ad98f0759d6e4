// Issue 16's acceptance: a local run of 10,000 simulated hosts with stand-in host steps completes
// inside every AWS quota local mode enforces (none is lifted), and each margin is pinned: at half the
// quota or less the weekly execution's history and largest state, every map-run child's, and the
// template body; each SSM document at 80% (the backup document is 66% of its 64,000 bytes: its script
// body, not the fleet, sets it).
import { describe, expect, it } from 'vitest';
import {
  EXECUTION_HISTORY_LIMIT,
  SSM_DOCUMENT_LIMIT,
  STATE_PAYLOAD_LIMIT,
  shareOfLimit,
  TEMPLATE_BODY_LIMIT,
} from '../../lambdas/core/aws-limits.js';
import { documentBytes, templateBodyBytes } from '../../lib/local/pipeline.js';
import { useTestStore } from '../support/local-store.js';
import { runStubWeekly } from '../support/stub-fleet.js';

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
});
