// The weekly state machine, in the order its states run: load-fleet (host names only) → an inline Map
// (MaxConcurrency from the config) starting one child execution of the per-host machine per host, named
// `<host>-<week>` so a host-week runs once → retention → run report. The Map carries host names in and
// one result line per host back (lambdas/core/run-summary.ts), so the state stays small at 1,000 hosts.
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
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

export function weeklyDefinition(t: WorkflowTasks, props: WeeklyDefinitionProps): sfn.IChainable {
  const { scope } = t;
  const str = sfn.JsonPath.stringAt;

  const loadFleet = t.invoke(
    'LoadFleet',
    'load-fleet',
    {
      action: 'fleet',
      executionName: str('$$.Execution.Name'),
      startTime: str('$$.Execution.StartTime'),
      request: sfn.JsonPath.objectAt('$'),
    },
    { comment: 'Enabled host names, the run id and the week' },
  );
  const hosts = new sfn.Map(scope, 'Hosts', {
    comment: 'Each enabled host: a child execution, so each history stays small at 1,000 hosts',
    itemsPath: '$.hosts',
    maxConcurrency: props.config.workflow.maxConcurrency,
    itemSelector: {
      host: str('$$.Map.Item.Value'),
      runId: str('$.runId'),
      date: str('$.date'),
      nameSuffix: str('$.nameSuffix'),
    },
    // The result lines replace the host names (each line starts with its host): at 1,000 hosts
    // keeping both would make the state a third larger.
    resultPath: '$.hosts',
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
    comment: 'The run, one result line per host started, the hosts not started',
    parameters: {
      runId: str('$.runId'),
      date: str('$.date'),
      week: str('$.week'),
      results: sfn.JsonPath.listAt('$.hosts'),
      notStarted: sfn.JsonPath.listAt('$.notStarted'),
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
      results: sfn.JsonPath.listAt('$.results'),
      notStarted: sfn.JsonPath.listAt('$.notStarted'),
      retention: sfn.JsonPath.objectAt('$.retention'),
    },
    { resultPath: '$.report' },
  );
  // A failed retention is reported, not fatal: its error takes the place of its counts.
  retention.addCatch(runReport, { resultPath: '$.retention' });

  return sfn.Chain.start(loadFleet).next(hosts).next(collected).next(retention).next(runReport);
}
