// The daily freshness state machine, in the order its states run: load-fleet (the enabled hosts and the
// fleet's problems) → freshness (hosts without a recent verified image) → notify (one alert per finding).
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowTasks } from './tasks.js';

export function freshnessDefinition(t: WorkflowTasks): sfn.IChainable {
  const str = sfn.JsonPath.stringAt;

  const loadFleet = t.invoke(
    'LoadInventory',
    'load-fleet',
    {
      action: 'fleet',
      executionName: str('$$.Execution.Name'),
      startTime: str('$$.Execution.StartTime'),
    },
    {
      resultSelector: {
        hosts: sfn.JsonPath.listAt('$.hosts'),
        fleetProblems: sfn.JsonPath.listAt('$.fleetProblems'),
      },
      resultPath: '$.fleet',
    },
  );
  const freshness = t.invoke(
    'CheckFreshness',
    'freshness',
    {
      hosts: sfn.JsonPath.listAt('$.fleet.hosts'),
      fleetProblems: sfn.JsonPath.listAt('$.fleet.fleetProblems'),
    },
    { resultPath: '$.freshness' },
  );
  const notify = t.invoke(
    'NotifyFindings',
    'notify',
    {
      kind: 'freshness',
      checkedAt: str('$.freshness.checkedAt'),
      maxAgeDays: sfn.JsonPath.numberAt('$.freshness.maxAgeDays'),
      findings: sfn.JsonPath.listAt('$.freshness.findings'),
    },
    { resultPath: '$.notified' },
  );

  return sfn.Chain.start(loadFleet).next(freshness).next(notify);
}
