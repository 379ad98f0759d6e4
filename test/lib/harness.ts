// Shared pieces of the construct tests: a valid deploy config with overrides, and an App that skips
// Lambda bundling (esbuild per function is the slow part of a synth; templates are what is tested).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
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

/** What synthesizing with cdk-nag gave: the stack's template and each violation cdk-nag reported. */
export interface NaggedSynth {
  readonly template: Template;
  /** `<plugin> <rule> at <construct path>`, one per violating construct. */
  readonly violations: string[];
}

/**
 * Synthesizes `app` (Lambdas not bundled) with cdk-nag's AWS Solutions rules and returns `stack`'s
 * template with the violations. The template is written before validation runs, so it is read from
 * the assembly even when cdk-nag objects (a second synthesis would only throw the same report).
 */
export function synthWithNag(build: (app: App) => Stack): NaggedSynth {
  const outdir = mkdtempSync(join(tmpdir(), 'mksysb-vault-synth-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const violations: string[] = [];
  try {
    app.synth();
  } catch (error) {
    const report = join(outdir, 'validation-report.json');
    if (!existsSync(report)) throw error;
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as {
      pluginReports: {
        pluginName: string;
        violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
      }[];
    };
    for (const plugin of parsed.pluginReports)
      for (const v of plugin.violations)
        for (const c of v.violatingConstructs)
          violations.push(`${plugin.pluginName} ${v.ruleName} at ${c.constructPath}`);
  }
  const template = Template.fromJSON(
    JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')) as Record<string, unknown>,
  );
  return { template, violations };
}
