// Local mode holds every execution to Step Functions' quotas (lambdas/core/aws-limits.ts), as AWS
// does: a state whose input or output is over 256 KiB fails with States.DataLimitExceeded, an
// execution past 25,000 history events fails, and either fails the local run, naming the quota and
// the figure. Small state machines written here (not the synthesized stack) reach them in a few states.
import { describe, expect, it } from 'vitest';
import { AwsLimitError, EXECUTION_HISTORY_LIMIT } from '../../../lambdas/core/aws-limits.js';
import { WORKFLOW_METADATA } from '../../../lib/constructs/backup-workflow.js';
import type { TemplateJson } from '../../../lib/local/resolve-template.js';
import { LocalWorkflow, type LocalWorkflowOptions } from '../../../lib/local/workflow-runner.js';

const DATE = '2026-11-23T02:01:00.000Z';
const HOST_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:HostMachine';

type States = Record<string, Record<string, unknown>>;
const machine = (kind: string, StartAt: string, States: States) => ({
  Type: 'AWS::StepFunctions::StateMachine',
  Metadata: { [WORKFLOW_METADATA]: kind },
  Properties: { DefinitionString: JSON.stringify({ StartAt, States }) },
});
const done: States = { Done: { Type: 'Succeed' } };

/** A template with the machines local mode expects: the weekly and host ones given, and one document. */
function template(weekly: States, host: States = done): TemplateJson {
  return {
    Resources: {
      WeeklyMachine: machine('weekly', Object.keys(weekly)[0] as string, weekly),
      HostMachine: machine('host', Object.keys(host)[0] as string, host),
      FreshnessMachine: machine('freshness', 'Done', done),
      RestoreTestMachine: machine('restore-test', 'Done', done),
      Preflight: {
        Type: 'AWS::SSM::Document',
        Properties: { Content: { mainSteps: [{ name: 'preflight' }] } },
      },
    },
  } as unknown as TemplateJson;
}

function workflow(t: TemplateJson, limits?: LocalWorkflowOptions['limits']): LocalWorkflow {
  return new LocalWorkflow({
    template: t,
    store: { endpoint: 'http://127.0.0.1:9', bucket: 'local' },
    simFleetDir: '/nonexistent',
    fleet: [],
    stepSeconds: () => 1,
    ...(limits ? { limits } : {}),
  });
}

/** A Pass state whose output is a string of `chars` ASCII characters: its JSON is chars + 2 bytes. */
const bigPass = (chars: number, Next?: string) => ({
  Type: 'Pass',
  Result: 'x'.repeat(chars),
  ...(Next ? { Next } : { End: true }),
});

/** A Map over `$.items` whose each iteration is one Pass state: 2 + 2 events per item. */
const mapOfPasses: States = {
  Items: {
    Type: 'Map',
    ItemsPath: '$.items',
    ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', End: true } } },
    End: true,
  },
};
const items = (n: number) => ({ items: Array.from({ length: n }, (_, i) => i) });

describe('local mode holds each execution to Step Functions quotas', () => {
  it('fails a run whose state output is over 256 KiB with States.DataLimitExceeded, naming the state and its bytes', async () => {
    const run = workflow(template({ RunReport: bigPass(270_110) })).runWeekly({
      date: DATE,
      executionName: 'big',
    });
    await expect(run).rejects.toThrow(AwsLimitError);
    await expect(run).rejects.toThrow(
      /^States\.DataLimitExceeded: the state RunReport output of execution big is 270,112 bytes, over the 262,144-byte limit \(Step Functions state input\/output size, https:/,
    );
  });

  it('fails a run whose execution history passes the limit, naming the quota and the events counted', async () => {
    // 2 for the execution, 4 for the Map, 2 + 2 per item: the event after the 100th is the 102nd.
    const limits = { history: { ...EXECUTION_HISTORY_LIMIT, max: 100 } };
    const run = workflow(template(mapOfPasses), limits).runWeekly({
      date: DATE,
      executionName: 'long',
      input: items(30),
    });
    await expect(run).rejects.toThrow(
      /^the history of execution long is 102 events, over the 100-event limit \(Step Functions execution history size, https:/,
    );
  });

  it('fails the run when a host execution is over a quota, though the weekly execution catches its failure', async () => {
    const weekly: States = {
      StartHost: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution.sync:2',
        Parameters: { StateMachineArn: HOST_ARN, Name: 'host-lpar01', Input: { host: 'lpar01' } },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'HostFailed' }],
        End: true,
      },
      HostFailed: { Type: 'Pass', End: true },
    };
    const run = workflow(template(weekly, { Inspect: bigPass(300_000) })).runWeekly({ date: DATE });
    await expect(run).rejects.toThrow(
      /^States\.DataLimitExceeded: the state Inspect output of execution host-lpar01 is 300,002 bytes/,
    );
  });

  it("lets a state output of exactly 262,144 bytes through, and reports the run's largest payload and history", async () => {
    const result = await workflow(
      template({ Small: { Type: 'Pass', Result: { a: 1 }, Next: 'RunReport' }, RunReport: bigPass(262_142) }),
    ).runWeekly({ date: DATE, executionName: 'at-the-limit' });
    // ExecutionStarted, PassStateEntered and PassStateExited of each state, ExecutionSucceeded.
    expect(result.peaks).toEqual({
      payload: { bytes: 262_144, state: 'RunReport', execution: 'at-the-limit' },
      history: { events: 6, execution: 'at-the-limit' },
    });
    expect(result.execution).toMatchObject({ maxPayloadBytes: 262_144, historyEvents: 6 });
  });
});
