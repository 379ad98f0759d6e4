// The AWS quotas and how a figure is held to one: UTF-8 bytes of compact JSON (what Step Functions and
// SSM measure), the limit itself allowed, one over it an error that names the quota and the figure.
import { describe, expect, it } from 'vitest';
import {
  AwsLimitError,
  EXECUTION_HISTORY_LIMIT,
  jsonBytes,
  limitExceeded,
  SSM_DOCUMENT_LIMIT,
  STATE_PAYLOAD_LIMIT,
  shareOfLimit,
  TEMPLATE_BODY_LIMIT,
} from '../../../lambdas/core/aws-limits.js';

describe('AWS quotas', () => {
  it('are the figures AWS documents', () => {
    expect({
      payload: STATE_PAYLOAD_LIMIT.max,
      history: EXECUTION_HISTORY_LIMIT.max,
      template: TEMPLATE_BODY_LIMIT.max,
      document: SSM_DOCUMENT_LIMIT.max,
    }).toEqual({ payload: 262_144, history: 25_000, template: 1_000_000, document: 64_000 });
  });

  it('measure a payload in UTF-8 bytes of its compact JSON, not in characters', () => {
    expect(jsonBytes({ host: 'aïx' })).toBe('{"host":"aïx"}'.length + 1);
    expect(jsonBytes(undefined)).toBe(0);
  });

  it('allow the limit itself and refuse one more, naming the quota, the subject and the figure', () => {
    expect(limitExceeded(STATE_PAYLOAD_LIMIT, 262_144, 'the state A output')).toBeUndefined();
    const error = limitExceeded(STATE_PAYLOAD_LIMIT, 262_145, 'the state A output');
    expect(error).toBeInstanceOf(AwsLimitError);
    expect(error).toMatchObject({ limit: STATE_PAYLOAD_LIMIT, measured: 262_145 });
    expect(error?.message).toBe(
      `States.DataLimitExceeded: the state A output is 262,145 bytes, over the 262,144-byte limit (Step Functions state input/output size, ${STATE_PAYLOAD_LIMIT.source})`,
    );
  });

  it('say a figure as its share of the limit', () => {
    expect(shareOfLimit(EXECUTION_HISTORY_LIMIT, 7_023)).toBe('28.1% of 25,000 events');
  });
});
