// The daily freshness state machine, in the order its states run: load-fleet (the enabled hosts and the
// fleet's problems, written to the run's inventory snapshot) → freshness (hosts without a recent
// verified image, written beside it) → notify (one alert per finding up to a cap, then one summary).
// The state carries keys and counts only: at 10,000 hosts it stays a few hundred bytes.
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WorkflowTasks } from './tasks.js';

export function freshnessDefinition(t: WorkflowTasks): sfn.IChainable {
  const str = sfn.JsonPath.stringAt;

  const loadFleet = t.invoke(
    'LoadInventory',
    'load-fleet',
    {
      action: 'inventory',
      executionName: str('$$.Execution.Name'),
      startTime: str('$$.Execution.StartTime'),
    },
    { resultPath: '$.fleet' },
  );
  const freshness = t.invoke(
    'CheckFreshness',
    'freshness',
    {
      runId: str('$.fleet.runId'),
      date: str('$.fleet.date'),
      fleetKey: str('$.fleet.fleetKey'),
      fleetProblemsKey: str('$.fleet.fleetProblemsKey'),
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
      findingsKey: str('$.freshness.findingsKey'),
    },
    { resultPath: '$.notified' },
  );

  return sfn.Chain.start(loadFleet).next(freshness).next(notify);
}
