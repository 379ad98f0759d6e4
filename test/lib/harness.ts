// Shared pieces of the construct tests: a valid deploy config with overrides, and an App that skips
// Lambda bundling (esbuild per function is the slow part of a synth; templates are what is tested).
import { App, Stack } from 'aws-cdk-lib';
import { type DeployConfig, type DeployConfigInput, parseDeployConfig } from '../../lib/config.js';

export const TEST_FLEET = [
  { host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0', volumeGroups: ['datavg'] },
  { host: 'aixprd02', managedNodeId: 'mi-0123456789abcdef0', address: '10.20.30.42' },
  { host: 'dbqa09', managedNodeId: 'i-0fedcba9876543210', mode: 'direct' as const },
];

export function testConfigInput(overrides: Partial<DeployConfigInput> = {}): DeployConfigInput {
  return {
    fleet: TEST_FLEET,
    schedule: { cron: 'cron(1 2 ? * MON *)', timeZone: 'Europe/Paris' },
    alerts: { emails: ['aix-oncall@example.com', 'storage-team@example.com'] },
    ...overrides,
  };
}

export function testConfig(overrides: Partial<DeployConfigInput> = {}): DeployConfig {
  return parseDeployConfig(testConfigInput(overrides), 'test config');
}

/**
 * An App whose stacks are synthesized without bundling any Lambda and without CloudFormation's
 * template linter (seconds per synthesis; the assembled stack's test and `cdk synth` run it).
 */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
}

export function testStack(app = testApp(), id = 'Test'): Stack {
  return new Stack(app, id, { env: { account: '111122223333', region: 'eu-west-3' } });
}
