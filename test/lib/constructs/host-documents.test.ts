import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HostDocuments } from '../../../lib/constructs/host-documents.js';
import { HOST_SCRIPTS, HOST_STEPS, type HostStep } from '../../../lib/host-scripts/index.js';
import { testConfig, testStack } from '../harness.js';

interface DocumentContent {
  schemaVersion: string;
  parameters: Record<string, { default?: string; allowedPattern: string }>;
  mainSteps: { action: string; name: string; inputs: { timeoutSeconds: string; runCommand: string[] } }[];
}

describe('HostDocuments', () => {
  let template: Template;
  let documents: HostDocuments;
  let stack: Stack;
  const content: Partial<Record<HostStep, DocumentContent>> = {};
  beforeAll(() => {
    stack = testStack();
    const config = testConfig({
      workflow: { backupTimeoutSeconds: 28_800, transferTimeoutSeconds: 14_400, stagingSizeFactor: 2 },
      transfer: { parallelParts: 6, partRetries: 7, retryDelaySeconds: 3 },
    });
    documents = new HostDocuments(stack, 'HostDocuments', config);
    template = Template.fromStack(stack);
    for (const step of HOST_STEPS) {
      const [resource] = Object.values(
        template.findResources('AWS::SSM::Document', {
          Properties: { Content: { mainSteps: [{ name: step }] } },
        }),
      );
      content[step] = (resource as { Properties: { Content: DocumentContent } }).Properties.Content;
    }
  });

  it('registers one Command document per host step', () => {
    template.resourceCountIs('AWS::SSM::Document', HOST_STEPS.length);
    template.allResourcesProperties('AWS::SSM::Document', {
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
    });
    for (const step of HOST_STEPS) expect(content[step]?.schemaVersion).toBe('2.2');
  });

  it('embeds each step script and, for the ssh steps, the relay wrapper', () => {
    for (const step of HOST_STEPS) {
      const script = content[step]?.mainSteps[0]?.inputs.runCommand.join('\n') ?? '';
      expect(script).toContain(HOST_SCRIPTS[step]);
      if (step === 'transfer') expect(script).not.toContain(HOST_SCRIPTS.relay);
      else expect(script).toContain(HOST_SCRIPTS.relay);
    }
  });

  it('takes the per-host values as parameters with allowed patterns', () => {
    for (const step of HOST_STEPS) {
      const parameters = content[step]?.parameters ?? {};
      for (const name of ['host', 'mode', 'address', 'sshUser', 'staging', 'volumeGroups', 'timeoutSeconds'])
        expect(parameters[name]?.allowedPattern, `${step}.${name}`).toMatch(/^\^/);
      expect(parameters.host?.default).toBeUndefined();
    }
  });

  it('sets the step timeouts from the workflow config', () => {
    expect(content.preflight?.parameters.timeoutSeconds?.default).toBe('600');
    expect(content.backup?.parameters.timeoutSeconds?.default).toBe('28800');
    expect(content.transfer?.parameters.timeoutSeconds?.default).toBe('14400');
    for (const step of HOST_STEPS)
      expect(content[step]?.mainSteps[0]?.inputs.timeoutSeconds).toBe('{{ timeoutSeconds }}');
  });

  it('sets the sizing and transfer defaults from the config', () => {
    expect(content.preflight?.parameters.sizeFactor?.default).toBe('2');
    expect(content.transfer?.parameters.parallelParts?.default).toBe('6');
    expect(content.transfer?.parameters.partRetries?.default).toBe('7');
    expect(content.transfer?.parameters.retryDelaySeconds?.default).toBe('3');
  });

  it('exposes each document name and ARN for SendCommand and its policy', () => {
    const resolved = (value: string) => stack.resolve(value);
    for (const step of HOST_STEPS) {
      expect(resolved(documents.documentNames[step])).toEqual({
        Ref: expect.stringMatching(/^HostDocuments/),
      });
      expect(JSON.stringify(resolved(documents.documentArns[step]))).toMatch(/:document\//);
    }
  });
});
