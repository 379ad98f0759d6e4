// Local mode holds the synthesized stack to CloudFormation's and SSM's size quotas
// (lambdas/core/aws-limits.ts) before it runs anything, and these tests pin the stack's margins
// under them: for the test fleet and for 10,000 hosts (issue 16), whose template is the same size, the
// fleet being a file asset and not resources of the stack; the bench prints both.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AwsLimitError,
  SSM_DOCUMENT_LIMIT,
  shareOfLimit,
  TEMPLATE_BODY_LIMIT,
} from '../../../lambdas/core/aws-limits.js';
import { parseDeployConfig } from '../../../lib/config.js';
import {
  checkStackLimits,
  documentBytes,
  synthesizeLocalStack,
  templateBodyBytes,
} from '../../../lib/local/pipeline.js';
import type { TemplateJson } from '../../../lib/local/resolve-template.js';
import { testConfig } from '../harness.js';

let testFleetBytes: number;

beforeAll(() => {
  testFleetBytes = templateBodyBytes(synthesizeLocalStack(testConfig()));
});

describe('the synthesized stack against the size quotas', () => {
  it('is refused at synthesis when its template is over the body limit, naming the quota and the bytes', () => {
    const lowered = { ...TEMPLATE_BODY_LIMIT, max: 100_000 };
    const synth = () => synthesizeLocalStack(testConfig({ stackName: 'Sized' }), { template: lowered });
    expect(synth).toThrow(AwsLimitError);
    expect(synth).toThrow(
      new RegExp(
        `^the template of stack Sized is ${testFleetBytes.toLocaleString('en-US')} bytes, over the 100,000-byte limit \\(CloudFormation template body size, https:`,
      ),
    );
  });

  it('is refused when an SSM document is over 64 KB, naming the document and its bytes', () => {
    const template = {
      Resources: {
        Backup: {
          Type: 'AWS::SSM::Document',
          Properties: { Content: { mainSteps: [{ name: 'backup', script: 'x'.repeat(70_000) }] } },
        },
      },
    } as unknown as TemplateJson;
    expect(() => checkStackLimits(template, 'Docs')).toThrow(
      /^MaxDocumentSizeExceeded: the SSM document Backup of stack Docs is 70,045 bytes, over the 64,000-byte limit \(SSM document content size, https:/,
    );
  });

  // Measured on 2026-12-04: 335,322 bytes (33.5%) for the test fleet; the restore-test machine and its
  // document came in that day. The fleet is a file asset (lib/constructs/fleet-parameters.ts): no host is
  // in the template, so its size no longer grows with the fleet.
  it('keeps the template of the test fleet within 40% of the 1,000,000-byte limit', () => {
    expect(testFleetBytes, shareOfLimit(TEMPLATE_BODY_LIMIT, testFleetBytes)).toBeLessThanOrEqual(
      0.4 * TEMPLATE_BODY_LIMIT.max,
    );
  });

  // Issue 16: at 10,000 hosts, half the limit at most. Measured on 2026-12-04: the same bytes as the
  // test fleet's, give or take the managed node ids in the SendCommand grant.
  it('keeps the template of a 10,000-host fleet within 50% of the limit, the size of a 3-host one', () => {
    const fleet = Array.from({ length: 10_000 }, (_, i) => ({
      host: `aixlpar${String(i + 1).padStart(5, '0')}`,
      managedNodeId: 'mi-0123456789abcdef0',
    }));
    const template = synthesizeLocalStack(parseDeployConfig({ fleet }, '10,000 hosts'));
    const bytes = templateBodyBytes(template);
    expect(bytes, shareOfLimit(TEMPLATE_BODY_LIMIT, bytes)).toBeLessThanOrEqual(
      0.5 * TEMPLATE_BODY_LIMIT.max,
    );
    expect(Math.abs(bytes - testFleetBytes)).toBeLessThan(2_000);
    // Each SSM document: its own quota, 64,000 bytes, as CloudFormation submits it (compact JSON);
    // each is pinned at 80% of it, room for the run-time parameters and for the scripts to grow.
    for (const [id, size] of Object.entries(documentBytes(template)))
      expect(size, `${id}: ${shareOfLimit(SSM_DOCUMENT_LIMIT, size)}`).toBeLessThanOrEqual(
        0.8 * SSM_DOCUMENT_LIMIT.max,
      );
  });
});
