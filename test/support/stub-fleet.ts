// The weekly machine at N stand-in hosts (issue 16): the synthesized stack's weekly execution run locally
// with each host's child execution answered by the result an 8 GiB image gives (one host in twenty
// FAIL with two codes), so the weekly workflow itself is what is measured. Shared by the scale tests and
// bench/orchestration.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsLimit } from '../../lambdas/core/aws-limits.js';
import { parseDeployConfig } from '../../lib/config.js';
import { synthesizeLocalStack } from '../../lib/local/pipeline.js';
import type { TemplateJson } from '../../lib/local/resolve-template.js';
import {
  type LocalRunResult,
  LocalWorkflow,
  type LocalWorkflowOptions,
  type WeeklyOutput,
} from '../../lib/local/workflow-runner.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const stubFleet = (hosts: number) =>
  Array.from({ length: hosts }, (_, i) => ({
    host: `aixlpar${String(i + 1).padStart(5, '0')}`,
    managedNodeId: 'mi-0123456789abcdef0',
  }));

/** Each host's child execution answered: one host in twenty FAIL with two anomaly codes, the rest PASS at 8 GiB. */
export const stubHost: NonNullable<LocalWorkflowOptions['stubHostExecution']> = ({ host }) => {
  const n = Number(/\d+$/.exec(host)?.[0] ?? 0);
  return n % 20 === 0
    ? { line: `${host}|FAIL|verified|${4 * MiB}|TINY_IMAGE,FILE_COUNT_MISMATCH`, verdict: 'FAIL' }
    : { line: `${host}|PASS|verified|${8 * GiB + n * 4096}|`, verdict: 'PASS' };
};

/**
 * The weekly machine of a stack synthesized for `hosts` stand-in hosts, run once at `date`. `limits`
 * lifts or lowers the quotas (the template's too) to measure a whole figure.
 */
export async function runStubWeekly(
  hosts: number,
  store: LocalWorkflowOptions['store'],
  options: {
    readonly date?: string;
    readonly limits?: LocalWorkflowOptions['limits'];
    readonly templateLimit?: AwsLimit;
  } = {},
): Promise<{ template: TemplateJson; run: LocalRunResult<WeeklyOutput> }> {
  const fleet = stubFleet(hosts);
  const config = parseDeployConfig({ fleet, workflow: { maxConcurrency: 50 } }, `${hosts} stand-in hosts`);
  const template = synthesizeLocalStack(
    config,
    options.templateLimit ? { template: options.templateLimit } : {},
  );
  const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-stub-fleet-'));
  try {
    const workflow = new LocalWorkflow({
      template,
      store,
      simFleetDir: dir,
      fleet,
      stubHostExecution: stubHost,
      ...(options.limits ? { limits: options.limits } : {}),
    });
    const run = await workflow.runWeekly({ date: options.date ?? '2026-11-23T02:01:00Z' });
    return { template, run };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
