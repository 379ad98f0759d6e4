// The weekly state machine, in the order its states run: load-fleet (writes the run's fleet snapshot to
// the store, returns its key) → a Distributed Map (MaxConcurrency from the config) whose ItemReader
// reads that snapshot and whose map-run children each start one child execution of the per-host
// machine, named `<host>-<week>` so a host-week runs once; its ResultWriter writes every child's result
// to the store → retention → run report, which reads the results back (the reducer). No state carries
// anything per host: at 10,000 hosts the weekly execution's history and payloads are what they are at
// 10 (lambdas/core/map-run.ts has the keys and the ResultWriter layout).
import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { hostResultTemplate } from '../../../lambdas/core/run-summary.js';
import type { DeployConfig } from '../../config.js';
import { WORKFLOW_ERROR_LINE } from './host-definition.js';
import type { WorkflowTasks } from './tasks.js';

/** The line of a host whose host-week already has an execution (the host filled in by States.Format). */
const ALREADY_RAN_LINE = hostResultTemplate({
  verdict: 'SKIP',
  outcome: 'already_ran',
  sizeBytes: 0,
  codes: [],
});

export interface WeeklyDefinitionProps {
  readonly config: DeployConfig;
  /** The per-host state machine, started once per host. */
  readonly hostStateMachine: sfn.IStateMachine;
  /** The per-host machine's timeout (host-definition.ts hostTimeout). */
  readonly hostTimeout: Duration;
}

/** The Distributed Map's state name and label (the label names its map runs and their child executions). */
export const HOSTS_MAP = 'Hosts';

/**
 * A ResultWriterV2 whose bucket comes by path and that grants nothing itself: given a path, the CDK's
 * grants s3:PutObject, GetObject, ListMultipartUploadParts and AbortMultipartUpload on Resource "*";
 * backup-workflow.ts grants those four on the run's map/ prefix only.
 */
class ScopedResultWriter extends sfn.ResultWriterV2 {
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [];
  }
}

export function weeklyDefinition(t: WorkflowTasks, props: WeeklyDefinitionProps): sfn.IChainable {
  const { scope } = t;
  const str = sfn.JsonPath.stringAt;

  const loadFleet = t.invoke(
    'LoadFleet',
    'load-fleet',
    {
      action: 'weekly',
      executionName: str('$$.Execution.Name'),
      startTime: str('$$.Execution.StartTime'),
      request: sfn.JsonPath.objectAt('$'),
    },
    {
      comment: 'The run id, the week and the key of the fleet snapshot it wrote (no host names in the state)',
    },
  );
  // ResultWriterV2 (a bucket given by path) renders only under its feature flag: set on a scope of the
  // Map's own, so the app's other constructs keep their flags. The state's name is its id, HOSTS_MAP.
  const mapScope = new Construct(scope, 'HostsMapScope');
  mapScope.node.setContext(STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
  const hosts = new sfn.DistributedMap(mapScope, HOSTS_MAP, {
    comment: 'Each host in the snapshot: a map-run child that starts the host execution; results go to S3',
    label: HOSTS_MAP,
    mapExecutionType: sfn.StateMachineType.STANDARD,
    maxConcurrency: props.config.workflow.maxConcurrency,
    // Every child catches its host's failure itself; one that still fails is the host's FAIL line in
    // the report (lambdas/core/map-run.ts), never the end of the other hosts' run.
    toleratedFailurePercentage: 100,
    // The bucket by path, not as an IBucket: CDK would grant the state machine the whole bucket. The
    // role gets the snapshot and the results prefix only (backup-workflow.ts grantDistributedMap).
    itemReader: new sfn.S3JsonItemReader({ bucketNamePath: str('$.bucket'), key: str('$.fleetKey') }),
    resultWriterV2: new ScopedResultWriter({
      bucketNamePath: str('$.bucket'),
      prefix: str('$.resultsPrefix'),
    }),
    itemSelector: {
      host: str('$$.Map.Item.Value.host'),
      runId: str('$.runId'),
      date: str('$.date'),
      nameSuffix: str('$.nameSuffix'),
    },
    resultSelector: { Bucket: str('$.ResultWriterDetails.Bucket'), Key: str('$.ResultWriterDetails.Key') },
    resultPath: '$.mapResults',
  });
  const startHost = new tasks.StepFunctionsStartExecution(scope, 'StartHost', {
    comment: 'One child execution per host-week: its name makes a re-run of the week a no-op',
    stateMachine: props.hostStateMachine,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    associateWithParent: true,
    name: sfn.JsonPath.format('{}-{}', str('$.host'), str('$.nameSuffix')),
    input: sfn.TaskInput.fromObject({ host: str('$.host'), runId: str('$.runId'), date: str('$.date') }),
    resultSelector: { line: str('$.Output.line') },
    outputPath: '$.line',
    taskTimeout: sfn.Timeout.duration(props.hostTimeout.plus(Duration.hours(1))),
  });
  const alreadyRan = new sfn.Pass(scope, 'AlreadyRan', {
    comment: 'An execution of this host-week exists: the week is not run twice',
    parameters: { line: sfn.JsonPath.format(ALREADY_RAN_LINE, str('$.host')) },
    outputPath: '$.line',
  });
  const hostWorkflowFailed = new sfn.Pass(scope, 'HostWorkflowFailed', {
    comment: 'The child execution failed or timed out (it catches everything else itself)',
    parameters: { line: sfn.JsonPath.format(WORKFLOW_ERROR_LINE, str('$.host')) },
    outputPath: '$.line',
  });
  startHost.addCatch(alreadyRan, {
    errors: ['StepFunctions.ExecutionAlreadyExistsException'],
    resultPath: '$.error',
  });
  startHost.addCatch(hostWorkflowFailed, { resultPath: '$.error' });
  hosts.itemProcessor(startHost);

  const collected = new sfn.Pass(scope, 'RunResults', {
    comment: "The run: where its hosts' results and the hosts not started are (the run report reads them)",
    parameters: {
      runId: str('$.runId'),
      date: str('$.date'),
      week: str('$.week'),
      mapResults: sfn.JsonPath.objectAt('$.mapResults'),
      notStartedKey: str('$.notStartedKey'),
    },
  });
  const retention = t.invoke(
    'Retention',
    'retention',
    { dryRun: false },
    {
      resultSelector: {
        deletedObjects: sfn.JsonPath.numberAt('$.deletedObjects'),
        keep: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.keep')),
        delete: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.delete')),
        problems: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.problems')),
      },
      resultPath: '$.retention',
    },
  );
  const runReport = t.invoke(
    'RunReport',
    'run-report',
    {
      runId: str('$.runId'),
      date: str('$.date'),
      week: str('$.week'),
      mapResults: sfn.JsonPath.objectAt('$.mapResults'),
      notStartedKey: str('$.notStartedKey'),
      retention: sfn.JsonPath.objectAt('$.retention'),
    },
    { resultPath: '$.report' },
  );
  // A failed retention is reported, not fatal: its error takes the place of its counts.
  retention.addCatch(runReport, { resultPath: '$.retention' });

  return sfn.Chain.start(loadFleet).next(hosts).next(collected).next(retention).next(runReport);
}
