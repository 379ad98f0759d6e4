// Local mode runs a Distributed Map as Step Functions does (lib/local/distributed-map.ts): items from the
// ItemReader's object, each a map-run child execution (MaxConcurrency at once), results written by
// ResultWriter in AWS's layout and read back by the run report; the parent's history counts the Map as a
// few MapRun events, whatever the number of items.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { readMapRunLines } from '../../../lambdas/adapters/map-run.js';
import { AwsLimitError, STATE_PAYLOAD_LIMIT } from '../../../lambdas/core/aws-limits.js';
import { WORKFLOW_METADATA } from '../../../lib/constructs/backup-workflow.js';
import {
  DISTRIBUTED_MAP_EVENTS,
  LOCAL_DISTRIBUTED_MAP_RESOURCE,
  type MapRunChild,
  runDistributedMap,
  withLocalDistributedMaps,
} from '../../../lib/local/distributed-map.js';
import type { TemplateJson } from '../../../lib/local/resolve-template.js';
import { LocalWorkflow } from '../../../lib/local/workflow-runner.js';
import { useTestStore } from '../../support/local-store.js';

const local = useTestStore();
const MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:Weekly';

const mapState = (extra: Record<string, unknown> = {}) => ({
  Type: 'Map',
  ItemReader: {
    Resource: 'arn:aws:states:::s3:getObject',
    ReaderConfig: { InputType: 'JSON' },
    Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.key' },
  },
  ItemSelector: { 'host.$': '$$.Map.Item.Value.host', 'runId.$': '$.runId' },
  ItemProcessor: {
    ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
    StartAt: 'Item',
    States: { Item: { Type: 'Pass', End: true } },
  },
  MaxConcurrency: 3,
  Label: 'Hosts',
  ResultWriter: {
    Resource: 'arn:aws:states:::s3:putObject',
    Parameters: { 'Bucket.$': '$.bucket', 'Prefix.$': '$.prefix' },
  },
  ResultPath: '$.mapResults',
  Next: 'Done',
  ...extra,
});

const definition = {
  StartAt: 'Hosts',
  States: { Hosts: mapState(), Done: { Type: 'Succeed' } },
} as unknown as StateMachineDefinition;

async function putItems(key: string, hosts: readonly string[]): Promise<void> {
  await local.client.send(
    new PutObjectCommand({
      Bucket: local.store.bucket,
      Key: key,
      Body: JSON.stringify(hosts.map((host) => ({ host }))),
    }),
  );
}

async function getJson(key: string): Promise<unknown> {
  const object = await local.client.send(new GetObjectCommand({ Bucket: local.store.bucket, Key: key }));
  return JSON.parse((await object.Body?.transformToString()) ?? '');
}

/** Each item's child answered with a result line; `failing` hosts' children fail. */
function answering(
  failing: readonly string[] = [],
  seen: { running: number; most: number } = { running: 0, most: 0 },
) {
  return async (child: { name: string; arn: string; input: unknown }): Promise<MapRunChild> => {
    seen.running += 1;
    seen.most = Math.max(seen.most, seen.running);
    await new Promise((r) => setTimeout(r, 5));
    seen.running -= 1;
    const host = (child.input as { host: string }).host;
    const failed = failing.includes(host);
    return {
      name: child.name,
      executionArn: child.arn,
      status: failed ? 'FAILED' : 'SUCCEEDED',
      input: child.input,
      output: failed ? { error: 'States.TaskFailed', cause: 'boom' } : `${host}|PASS|verified|4096|`,
      startedAt: '2026-11-23T02:01:00.000Z',
      endedAt: '2026-11-23T03:01:00.000Z',
    };
  };
}

describe('a Distributed Map run locally', () => {
  it('is replaced by a stand-in Task that keeps where its result goes and what comes next', () => {
    const { definition: replaced, maps } = withLocalDistributedMaps(definition);
    expect(replaced.States.Hosts).toEqual({
      Type: 'Task',
      Resource: LOCAL_DISTRIBUTED_MAP_RESOURCE,
      ResultPath: '$.mapResults',
      Next: 'Done',
    });
    expect(maps.get('Hosts')).toMatchObject({
      label: 'Hosts',
      maxConcurrency: 3,
      toleratedFailurePercentage: 0,
    });
    // A Map state in the weekly parent's history: MapStateEntered, MapRunStarted, MapRunSucceeded, MapStateExited.
    expect(DISTRIBUTED_MAP_EVENTS).toBe(4);
  });

  it('leaves an inline Map to aws-local-stepfunctions', () => {
    const inline = {
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    } as unknown as StateMachineDefinition;
    expect(withLocalDistributedMaps(inline).definition).toEqual(inline);
  });

  it('runs each item of the ItemReader object as a child, MaxConcurrency at once, and writes ResultWriter manifest and results in the AWS layout', async () => {
    const hosts = Array.from({ length: 10 }, (_, i) => `aixlpar${i}`);
    await putItems('runs/2026-11-23/run-1/fleet.json', hosts);
    const seen = { running: 0, most: 0 };
    const state = withLocalDistributedMaps(definition).maps.get('Hosts');
    if (!state) throw new Error('no map');
    const output = (await runDistributedMap({
      state,
      input: {
        bucket: local.store.bucket,
        key: 'runs/2026-11-23/run-1/fleet.json',
        runId: 'run-1',
        prefix: 'runs/2026-11-23/run-1/map',
      },
      context: {},
      stateMachineArn: MACHINE,
      executionName: 'weekly-1',
      s3: local.client,
      runChild: answering([], seen),
    })) as { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
    expect(seen.most).toBe(3);
    expect(output.MapRunArn).toMatch(
      /^arn:aws:states:us-east-1:123456789012:mapRun:Weekly\/Hosts:[0-9a-f-]{36}$/,
    );
    expect(output.ResultWriterDetails.Key).toMatch(
      /^runs\/2026-11-23\/run-1\/map\/[0-9a-f-]{36}\/manifest\.json$/,
    );
    const manifest = (await getJson(output.ResultWriterDetails.Key)) as {
      ResultFiles: { SUCCEEDED: { Key: string }[]; FAILED: unknown[]; PENDING: unknown[] };
    };
    expect(manifest).toMatchObject({ DestinationBucket: local.store.bucket, MapRunArn: output.MapRunArn });
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    const [file] = manifest.ResultFiles.SUCCEEDED;
    expect(file?.Key).toMatch(/\/SUCCEEDED_0\.json$/);
    const entries = (await getJson(file?.Key ?? '')) as { Input: string; Output: string; Status: string }[];
    expect(entries).toHaveLength(10);
    expect(JSON.parse(entries[0]?.Input ?? '')).toEqual({ host: 'aixlpar0', runId: 'run-1' });
    expect(JSON.parse(entries[0]?.Output ?? '')).toBe('aixlpar0|PASS|verified|4096|');
  });

  it("gives the run report one line per host, a failed child's host a FAIL with BACKUP_FAILED", async () => {
    await putItems('runs/2026-11-23/run-2/fleet.json', ['aixa', 'aixb', 'aixc']);
    const state = withLocalDistributedMaps({
      StartAt: 'Hosts',
      States: { Hosts: mapState({ ToleratedFailurePercentage: 100 }), Done: { Type: 'Succeed' } },
    } as unknown as StateMachineDefinition).maps.get('Hosts');
    if (!state) throw new Error('no map');
    const output = (await runDistributedMap({
      state,
      input: {
        bucket: local.store.bucket,
        key: 'runs/2026-11-23/run-2/fleet.json',
        runId: 'run-2',
        prefix: 'runs/2026-11-23/run-2/map',
      },
      context: {},
      stateMachineArn: MACHINE,
      executionName: 'weekly-2',
      s3: local.client,
      runChild: answering(['aixb']),
    })) as { ResultWriterDetails: { Bucket: string; Key: string } };
    expect((await readMapRunLines(local.client, output.ResultWriterDetails)).sort()).toEqual([
      'aixa|PASS|verified|4096|',
      'aixb|FAIL|error|0|BACKUP_FAILED',
      'aixc|PASS|verified|4096|',
    ]);
  });

  it('fails with States.ExceedToleratedFailureThreshold past the tolerated failures', async () => {
    await putItems('runs/2026-11-23/run-3/fleet.json', ['aixa', 'aixb']);
    const state = withLocalDistributedMaps(definition).maps.get('Hosts');
    if (!state) throw new Error('no map');
    const run = runDistributedMap({
      state,
      input: {
        bucket: local.store.bucket,
        key: 'runs/2026-11-23/run-3/fleet.json',
        runId: 'run-3',
        prefix: 'p',
      },
      context: {},
      stateMachineArn: MACHINE,
      executionName: 'weekly-3',
      s3: local.client,
      runChild: answering(['aixa']),
    });
    await expect(run).rejects.toMatchObject({ name: 'States.ExceedToleratedFailureThreshold' });
  });
});

/** A template whose weekly machine is one Distributed Map of `processor`'s states (the others: Succeed). */
function weeklyTemplate(processor: Record<string, unknown>): TemplateJson {
  const machine = (kind: string, definition: unknown) => ({
    Type: 'AWS::StepFunctions::StateMachine',
    Metadata: { [WORKFLOW_METADATA]: kind },
    Properties: { DefinitionString: JSON.stringify(definition) },
  });
  const done = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };
  const map = mapState({
    ItemProcessor: { ...mapState().ItemProcessor, ...processor },
    Next: undefined,
    End: true,
  });
  return {
    Resources: {
      WeeklyMachine: machine('weekly', { StartAt: 'Hosts', States: { Hosts: map } }),
      HostMachine: machine('host', done),
      FreshnessMachine: machine('freshness', done),
      RestoreTestMachine: machine('restore-test', done),
      Preflight: {
        Type: 'AWS::SSM::Document',
        Properties: { Content: { mainSteps: [{ name: 'preflight' }] } },
      },
    },
  } as unknown as TemplateJson;
}

describe('a Distributed Map in a local run', () => {
  const input = (run: string) => ({
    bucket: local.store.bucket,
    key: `runs/2026-11-23/${run}/fleet.json`,
    runId: run,
    prefix: `runs/2026-11-23/${run}/map`,
  });
  const workflow = (template: TemplateJson, limits?: { payload?: typeof STATE_PAYLOAD_LIMIT }) =>
    new LocalWorkflow({
      template,
      store: { endpoint: local.store.endpoint, bucket: local.store.bucket },
      simFleetDir: '/nonexistent',
      fleet: [],
      ...(limits ? { limits } : {}),
    });

  it("counts the Map as four events of the parent's history whatever its items, and each map-run child's own", async () => {
    await putItems('runs/2026-11-23/run-4/fleet.json', ['aixa', 'aixb', 'aixc', 'aixd', 'aixe']);
    const result = await workflow(weeklyTemplate({})).runWeekly({
      date: '2026-11-23T02:01:00Z',
      executionName: 'map-4',
      input: input('run-4'),
    });
    // ExecutionStarted, the Map's four, ExecutionSucceeded.
    expect(result.execution.historyEvents).toBe(6);
    expect(result.mapRunChildren).toHaveLength(5);
    // Each child: ExecutionStarted, PassStateEntered, PassStateExited, ExecutionSucceeded.
    expect(result.mapRunChildren.map((c) => [c.machine, c.historyEvents])).toEqual(
      Array.from({ length: 5 }, () => ['map-run', 4]),
    );
  });

  it('fails the run when a map-run child is over a quota, naming the child', async () => {
    await putItems('runs/2026-11-23/run-5/fleet.json', ['aixa']);
    const big = { StartAt: 'Item', States: { Item: { Type: 'Pass', Result: 'x'.repeat(2000), End: true } } };
    const run = workflow(weeklyTemplate(big), { payload: { ...STATE_PAYLOAD_LIMIT, max: 1000 } }).runWeekly({
      date: '2026-11-23T02:01:00Z',
      executionName: 'map-5',
      input: input('run-5'),
    });
    await expect(run).rejects.toThrow(AwsLimitError);
    await expect(run).rejects.toThrow(
      /^States\.DataLimitExceeded: the state Item output of execution [0-9a-f-]{36} is 2,002 bytes/,
    );
  });
});
