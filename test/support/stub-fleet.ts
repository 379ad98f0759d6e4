// The weekly machine at N stand-in hosts (issue 16): the synthesized stack's weekly execution run locally
// with each host's child execution answered by the result an 8 GiB image gives (one host in twenty
// FAIL with two codes), so the weekly workflow itself is what is measured; and the daily freshness
// machine over the same fleet. Shared by the scale tests and bench/orchestration.ts.
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

/** Quotas lifted or lowered, and the run's date. */
export interface StubRunOptions {
  readonly date?: string;
  readonly limits?: LocalWorkflowOptions['limits'];
  readonly templateLimit?: AwsLimit;
  /** Progress of the run (the bench times the freshness check's states by it). */
  readonly onEvent?: LocalWorkflowOptions['onEvent'];
}

/** A LocalWorkflow of a stack synthesized for `hosts` stand-in hosts, given to `run` and then let go. */
async function withStubWorkflow<T>(
  hosts: number,
  store: LocalWorkflowOptions['store'],
  options: StubRunOptions,
  run: (workflow: LocalWorkflow, template: TemplateJson) => Promise<T>,
): Promise<T> {
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
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    return await run(workflow, template);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The weekly machine of a stack synthesized for `hosts` stand-in hosts, run once at `date`. `limits`
 * lifts or lowers the quotas (the template's too) to measure a whole figure.
 */
export async function runStubWeekly(
  hosts: number,
  store: LocalWorkflowOptions['store'],
  options: StubRunOptions = {},
): Promise<{ template: TemplateJson; run: LocalRunResult<WeeklyOutput> }> {
  return withStubWorkflow(hosts, store, options, async (workflow, template) => ({
    template,
    run: await workflow.runWeekly({ date: options.date ?? '2026-11-23T02:01:00Z' }),
  }));
}

/**
 * The daily freshness machine of the same stack at `date`: with no image of any stand-in host in the
 * store, every host is a finding (HOST_MISSED), the day the store is unreachable or the fleet new.
 */
export async function runStubFreshness(
  hosts: number,
  store: LocalWorkflowOptions['store'],
  options: StubRunOptions = {},
): Promise<{ template: TemplateJson; run: LocalRunResult }> {
  return withStubWorkflow(hosts, store, options, async (workflow, template) => ({
    template,
    run: await workflow.runFreshness({ date: options.date ?? '2026-11-24T08:00:00Z' }),
  }));
}
