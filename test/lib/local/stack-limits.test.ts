// Local mode holds the synthesized stack to CloudFormation's and SSM's size quotas
// (lambdas/core/aws-limits.ts) before it runs anything, and these tests pin the stack's margins
// under them. The template grows with the fleet (the fleet parameters are resources of the stack),
// so the margin is pinned for the test fleet and for 1,000 hosts; the bench prints 10,000.
import { beforeAll, describe, expect, it } from 'vitest';
import { AwsLimitError, shareOfLimit, TEMPLATE_BODY_LIMIT } from '../../../lambdas/core/aws-limits.js';
import { parseDeployConfig } from '../../../lib/config.js';
import { checkStackLimits, synthesizeLocalStack, templateBodyBytes } from '../../../lib/local/pipeline.js';
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

  // Measured on 2026-12-03: 258,715 bytes (25.9%) for the test fleet of 3 hosts.
  it('keeps the template of the test fleet within 30% of the 1,000,000-byte limit', () => {
    expect(testFleetBytes, shareOfLimit(TEMPLATE_BODY_LIMIT, testFleetBytes)).toBeLessThanOrEqual(
      0.3 * TEMPLATE_BODY_LIMIT.max,
    );
  });

  // Measured on 2026-12-03: 332,198 bytes (33.2%); each host adds about 75 bytes (its fleet parameter
  // entry), so a fleet of about 10,000 hosts reaches the limit (bench/orchestration.ts prints it).
  it('keeps the template of a 1,000-host fleet within 40% of the limit', () => {
    const fleet = Array.from({ length: 1000 }, (_, i) => ({
      host: `aixlpar${String(i + 1).padStart(4, '0')}`,
      managedNodeId: 'mi-0123456789abcdef0',
    }));
    const bytes = templateBodyBytes(synthesizeLocalStack(parseDeployConfig({ fleet }, '1,000 hosts')));
    expect(bytes, shareOfLimit(TEMPLATE_BODY_LIMIT, bytes)).toBeLessThanOrEqual(
      0.4 * TEMPLATE_BODY_LIMIT.max,
    );
  });
});
