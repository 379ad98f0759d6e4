// The restore-test state machine (issue 17 item 2), in the order its states run: load-fleet (the
// enabled hosts) → restore-test plan (the due hosts, each dealt a test LPAR and a spare disk) → one
// test after another (a Map of concurrency 1: a test LPAR restores one image at a time): restore-test
// prepare (the image's presigned GET URL, the command's parameters) → the restore-test host step (SSM,
// through the relay, polled like every step) → restore-test record (the result into the image record,
// RESTORE_FAILED for a FAIL). A test whose command never reported (the test LPAR unreachable, SSM
// refused it) is recorded as a FAIL with the reason; the run goes on to the next test.
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { EXECUTION_TIMEOUT_SECONDS } from '../../host-scripts/index.js';
import type { WorkflowTasks } from './tasks.js';

/** Tests of one run at once: one, so a test LPAR never restores two images together. */
export const RESTORE_TEST_CONCURRENCY = 1;
/** The first poll of a restore test: a download and an alt_disk_mksysb take tens of minutes. */
const RESTORE_EXPECTED_SECONDS = 1800;

export function restoreTestDefinition(t: WorkflowTasks): sfn.IChainable {
  const { scope } = t;
  const str = sfn.JsonPath.stringAt;

  const loadFleet = t.invoke(
    'LoadRestoreInventory',
    'load-fleet',
    {
      action: 'fleet',
      executionName: str('$$.Execution.Name'),
      startTime: str('$$.Execution.StartTime'),
    },
    { resultSelector: { hosts: sfn.JsonPath.listAt('$.hosts') }, resultPath: '$.fleet' },
  );
  const plan = t.invoke(
    'PlanRestoreTests',
    'restore-test',
    { action: 'plan', hosts: sfn.JsonPath.listAt('$.fleet.hosts'), executionName: str('$$.Execution.Name') },
    {
      resultPath: '$.plan',
      comment: 'The due hosts, oldest last test first, dealt over the test LPARs and disks',
    },
  );
  const tests = new sfn.Map(scope, 'RestoreTests', {
    comment: 'One restore test after another',
    itemsPath: '$.plan.tests',
    maxConcurrency: RESTORE_TEST_CONCURRENCY,
    // `plan.startedAt` empty until prepare fills the plan in: record takes its own clock then.
    itemSelector: {
      host: str('$$.Map.Item.Value.host'),
      runId: str('$$.Map.Item.Value.runId'),
      test: sfn.JsonPath.objectAt('$$.Map.Item.Value.test'),
      plan: { startedAt: '' },
    },
    resultPath: '$.results',
  });

  const prepare = t.invoke(
    'PrepareRestoreTest',
    'restore-test',
    { action: 'prepare', test: sfn.JsonPath.objectAt('$.test') },
    { resultPath: '$.plan', comment: "The image's presigned GET URL and the command's parameters" },
  );
  const firstWait = new sfn.Pass(scope, 'RestoreTestFirstWait', {
    result: sfn.Result.fromObject({ nextWaitSeconds: RESTORE_EXPECTED_SECONDS }),
    resultPath: '$.poll',
  });
  const command = t.commandLoop(
    'restore-test',
    t.sendCommand(
      'restore-test',
      {
        disk: '$.plan.disk',
        imageUrl: '$.plan.imageUrl',
        sha256: '$.plan.sha256',
        osLevel: '$.plan.osLevel',
        workDir: '$.plan.workDir',
      },
      EXECUTION_TIMEOUT_SECONDS['restore-test'],
    ),
    { expectedSeconds: RESTORE_EXPECTED_SECONDS },
  );
  const recordFields = {
    action: 'record',
    runId: str('$.runId'),
    test: sfn.JsonPath.objectAt('$.test'),
  };
  const record = t.invoke(
    'RecordRestoreTest',
    'restore-test',
    { ...recordFields, startedAt: str('$.plan.startedAt'), poll: sfn.JsonPath.objectAt('$.poll') },
    { comment: 'Judges the test, writes it into the image record, alerts RESTORE_FAILED' },
  );
  const recordError = t.invoke(
    'RecordRestoreTestError',
    'restore-test',
    { ...recordFields, startedAt: str('$.plan.startedAt'), error: sfn.JsonPath.objectAt('$.error') },
    { comment: 'The test never reported (unreachable, refused by SSM): a FAIL with the reason' },
  );
  const unrecorded = new sfn.Pass(scope, 'RestoreTestUnrecorded', {
    comment: 'Recording failed too: the run goes on to the next test',
    parameters: { host: str('$.test.imageHost'), result: 'FAIL', recorded: false },
  });
  prepare.addCatch(recordError, { resultPath: '$.error' });
  command.onFailure(recordError);
  record.addCatch(unrecorded, { resultPath: '$.recordError' });
  recordError.addCatch(unrecorded, { resultPath: '$.recordError' });
  tests.itemProcessor(sfn.Chain.start(prepare).next(firstWait).next(command).next(record));

  return sfn.Chain.start(loadFleet)
    .next(plan)
    .next(tests)
    .next(new sfn.Succeed(scope, 'RestoreTestsDone', { outputPath: '$.results' }));
}
