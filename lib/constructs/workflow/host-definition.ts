// The per-host state machine, one host-week, in the order its states run: load-fleet (this host's
// parameters and history) → preflight, backup (SSM SendCommand, then a Wait/await-command/Choice loop
// whose waits come from the expected duration, so a one-hour mksysb costs a few polls) → for each image
// (mksysb, then each savevg): prepare-upload → transfer (SSM) → complete-upload → inspect-image (reads
// the stored bytes) → verify → notify. Every failure is caught: record-failure (outcome, anomaly, upload
// aborted) → notify, and the execution still succeeds with the host's FAIL line.
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { PREFLIGHT_EXPECTED_SECONDS } from '../../../lambdas/core/command-poll.js';
import { hostResultTemplate } from '../../../lambdas/core/run-summary.js';
import { type DeployConfig, partSizeBytes } from '../../config.js';
import { EXECUTION_TIMEOUT_SECONDS } from '../../host-scripts/index.js';
import type { WorkflowTasks } from './tasks.js';

/**
 * How a backup step ends when the relay lost it rather than the backup failing: the relay gave up
 * polling the LPAR (HostUnreachable) or its command ended with no status line (CommandFailed: killed,
 * e.g. by a relay restart). The detached backup may well still be running: the command is sent once
 * more and the relay attaches to it.
 */
export const BACKUP_LOST_ERRORS = ['HostUnreachable', 'CommandFailed'] as const;
/** Transfers of one image before its failure is recorded: each retry resumes the multipart upload. */
export const TRANSFER_ATTEMPTS = 3;
/** Images of one host uploaded at once (the mksysb and its savevg images share the relay's link). */
export const IMAGE_CONCURRENCY = 2;

/**
 * The line a state machine writes itself when no Lambda is left to (built by the one encoder of the
 * line, lambdas/core/run-summary.ts; the host filled in by States.Format).
 */
export const WORKFLOW_ERROR_LINE = hostResultTemplate({
  verdict: 'FAIL',
  outcome: 'error',
  sizeBytes: 0,
  codes: ['BACKUP_FAILED'],
});

/** A host-week's longest honest run: preflight, backup and three transfers at their SSM timeouts, plus slack. */
export function hostTimeout(workflow: DeployConfig['workflow']): Duration {
  return Duration.seconds(
    EXECUTION_TIMEOUT_SECONDS.preflight +
      workflow.backupTimeoutSeconds +
      3 * workflow.transferTimeoutSeconds +
      3600,
  );
}

const str = sfn.JsonPath.stringAt;
const num = sfn.JsonPath.numberAt;

export function hostDefinition(t: WorkflowTasks, config: DeployConfig): sfn.IChainable {
  const { scope } = t;
  const id = { host: str('$.host'), runId: str('$.runId'), date: str('$.date') };

  const loadHost = t.invoke(
    'LoadHost',
    'load-fleet',
    { action: 'host', ...id },
    { comment: "This host's SSM parameters and the waits its history suggests" },
  );
  const preflight = t.commandLoop(
    'preflight',
    t.sendCommand(
      'preflight',
      {
        staging: '$.plan.staging',
        expectedSizeBytes: '$.plan.expectedSizeBytes',
        sizeFactor: String(config.workflow.stagingSizeFactor),
        mksysbFlags: '$.plan.mksysbFlags',
        volumeGroups: '$.plan.volumeGroups',
        excludeList: '$.plan.excludeList',
        // An ioscli VIOS's preflight and backup run on the relay, against its NFS export.
        nfsExport: '$.plan.nfsExport',
        nfsMountPoint: '$.plan.nfsMountPoint',
      },
      EXECUTION_TIMEOUT_SECONDS.preflight,
    ),
    {
      expectedSeconds: PREFLIGHT_EXPECTED_SECONDS,
      nextStepWaitSeconds: num('$.plan.backupWaitSeconds'),
    },
  );
  // The preflight's poll result is replaced by the backup's: what it measured of the staging
  // filesystem is kept beside it, for each image's record (the forecast reads it there).
  const keepStaging = new sfn.Pass(scope, 'KeepStagingSpace', {
    comment: 'Keeps what preflight measured of the staging filesystem for the records',
    inputPath: '$.poll.staging',
    resultPath: '$.staging',
  });
  const backup = t.commandLoop(
    'backup',
    t.sendCommand(
      'backup',
      {
        staging: '$.plan.staging',
        date: '$.plan.day',
        volumeGroups: '$.plan.volumeGroups',
        mksysbFlags: '$.plan.mksysbFlags',
        keepLocal: '$.plan.keepLocal',
        excludeList: '$.plan.excludeList',
        // The part size prepare-upload plans with: backup writes each part's MD5 beside the image,
        // so the transfer streams parts without hashing them (a different plan falls back to hashing).
        partSizeBytes: String(partSizeBytes(config)),
        nfsExport: '$.plan.nfsExport',
        nfsMountPoint: '$.plan.nfsMountPoint',
      },
      config.workflow.backupTimeoutSeconds,
    ),
    {
      expectedSeconds: num('$.plan.backupExpectedSeconds'),
      transferBytesPerSecond: num('$.plan.transferBytesPerSecond'),
      // Only these volume groups' savevg images are accepted, whatever the host prints.
      volumeGroups: str('$.plan.volumeGroups'),
      // A VIOS's backup must say what became of its viosbr archive: silence is VIOSBR_MISSING.
      viosShell: str('$.plan.viosShell'),
    },
  );
  const images = new sfn.Map(scope, 'UploadImages', {
    comment: 'Each image the backup made (mksysb first, then savevg): upload and verify',
    itemsPath: '$.poll.images',
    maxConcurrency: IMAGE_CONCURRENCY,
    itemSelector: {
      ...id,
      plan: sfn.JsonPath.objectAt('$.plan'),
      image: sfn.JsonPath.objectAt('$$.Map.Item.Value'),
      staging: sfn.JsonPath.objectAt('$.staging'),
      poll: { nextWaitSeconds: num('$$.Map.Item.Value.transferWaitSeconds') },
      transferAttempt: { n: 1 },
    },
    resultPath: '$.results',
  });
  images.itemProcessor(imageDefinition(t, config, id));
  const notify = t.invoke(
    'NotifyHost',
    'notify',
    {
      ...id,
      sizeBytes: num('$.poll.images[0].sizeBytes'),
      results: sfn.JsonPath.objectAt('$.results'),
      anomalies: sfn.JsonPath.objectAt('$.poll.anomalies'),
    },
    { resultSelector: { line: str('$.line'), verdict: str('$.verdict') } },
  );
  const hostDone = new sfn.Succeed(scope, 'HostDone', { comment: 'The host result line is the output' });

  // The backup runs detached on the LPAR (backup.sh run=start): when the relay lost it (the LPAR
  // silent past the relay's patience, or the relay's command killed, e.g. by a restart), the
  // backup command is sent once more, and the relay attaches to the running backup or collects
  // the finished one instead of starting another mksysb.
  const backupAgain = new sfn.Pass(scope, 'BackupAttachAgain', {
    comment: 'Sends the backup command once more: the relay attaches to the detached backup',
    result: sfn.Result.fromObject({ again: true }),
    resultPath: '$.backupAttached',
  });
  const backupLost = new sfn.Choice(scope, 'BackupLost').when(
    sfn.Condition.and(
      sfn.Condition.isNotPresent('$.backupAttached'),
      sfn.Condition.or(...BACKUP_LOST_ERRORS.map((e) => sfn.Condition.stringEquals('$.error.Error', e))),
    ),
    backupAgain,
  );
  backupAgain.next(backup);
  backup.onFailure(backupLost);

  // Every other failure: record-failure (the outcome and anomaly, the failure record) → notify → done,
  // the result line FAIL whatever else fails on the way.
  const recordFailure = t.invoke(
    'RecordFailure',
    'record-failure',
    { ...id, error: sfn.JsonPath.objectAt('$.error') },
    {
      resultSelector: { outcome: str('$.outcome'), anomalies: sfn.JsonPath.objectAt('$.anomalies') },
      resultPath: '$.failure',
      comment: 'Maps the caught error to the host outcome and anomaly; writes the failure record',
    },
  );
  const failureUnrecorded = new sfn.Pass(scope, 'FailureUnrecorded', {
    comment: 'record-failure itself failed: alert with what is known',
    result: sfn.Result.fromObject({ outcome: 'error', anomalies: [] }),
    resultPath: '$.failure',
  });
  const notifyFailure = t.invoke(
    'NotifyFailure',
    'notify',
    { ...id, failure: sfn.JsonPath.objectAt('$.failure') },
    { resultSelector: { line: str('$.line'), verdict: str('$.verdict') } },
  );
  const notifyFailed = new sfn.Pass(scope, 'NotifyFailed', {
    comment: 'Even the alert failed: the result line still says FAIL',
    parameters: {
      line: sfn.JsonPath.format(WORKFLOW_ERROR_LINE, str('$.host')),
      verdict: 'FAIL',
    },
  });
  // Wired in the order the definition was first written in: the order in which a state's transitions
  // in were added decides where the synthesized definition lists it, and this order keeps the deployed
  // definition unchanged.
  notifyFailed.next(hostDone);
  notifyFailure.addCatch(notifyFailed, { resultPath: '$.notifyError' }).next(hostDone);
  failureUnrecorded.next(notifyFailure);
  recordFailure.addCatch(failureUnrecorded, { resultPath: '$.recordError' }).next(notifyFailure);
  notify.addCatch(notifyFailed, { resultPath: '$.notifyError' });
  images.addCatch(recordFailure, { resultPath: '$.error' });
  backupLost.otherwise(recordFailure);
  preflight.onFailure(recordFailure);
  loadHost.addCatch(recordFailure, { resultPath: '$.error' });

  return sfn.Chain.start(loadHost)
    .next(preflight)
    .next(keepStaging)
    .next(backup)
    .next(images)
    .next(notify)
    .next(hostDone);
}

/**
 * One image, an item of the UploadImages Map: prepare-upload → transfer → complete-upload →
 * inspect-image → verify; a failed transfer is resumed, every other failure ends in record-failure.
 */
function imageDefinition(
  t: WorkflowTasks,
  config: DeployConfig,
  id: Readonly<Record<'host' | 'runId' | 'date', string>>,
): sfn.IChainable {
  const { scope } = t;
  const imageId = {
    ...id,
    kind: str('$.image.kind'),
    volumeGroup: str('$.image.volumeGroup'),
  };

  const prepare = t.invoke(
    'PrepareUpload',
    'prepare-upload',
    {
      ...imageId,
      sizeBytes: num('$.image.sizeBytes'),
      sha256: str('$.image.sha256'),
      osLevel: str('$.image.osLevel'),
      viosbr: sfn.JsonPath.objectAt('$.image.viosbr'),
    },
    {
      resultSelector: {
        key: str('$.key'),
        uploadId: str('$.uploadId'),
        manifestKey: str('$.manifestKey'),
        manifestUrl: str('$.manifestUrl'),
      },
      resultPath: '$.upload',
    },
  );
  const transfer = t.commandLoop(
    'transfer',
    t.sendCommand(
      'transfer',
      {
        imagePath: '$.image.imagePath',
        manifestUrl: '$.upload.manifestUrl',
        parallelParts: String(config.transfer.parallelParts),
        partRetries: String(config.transfer.partRetries),
        retryDelaySeconds: String(config.transfer.retryDelaySeconds),
      },
      config.workflow.transferTimeoutSeconds,
    ),
    { expectedSeconds: num('$.image.transferExpectedSeconds') },
  );
  const complete = t.invoke(
    'CompleteUpload',
    'complete-upload',
    {
      runId: str('$.runId'),
      host: str('$.host'),
      key: str('$.upload.key'),
      uploadId: str('$.upload.uploadId'),
      manifestKey: str('$.upload.manifestKey'),
      sizeBytes: num('$.image.sizeBytes'),
      sha256: str('$.image.sha256'),
    },
    { resultPath: sfn.JsonPath.DISCARD },
  );
  // What the host said is a claim; what S3 holds is the evidence: the stored bytes, read once.
  const inspect = t.invoke(
    'InspectImage',
    'inspect-image',
    {
      ...imageId,
      key: str('$.upload.key'),
      sizeBytes: num('$.image.sizeBytes'),
    },
    {
      resultPath: '$.content',
      comment: 'Streams the stored object: its SHA-256, its archive walked to the end, its content index',
    },
  );
  const verify = t.invoke(
    'Verify',
    'verify',
    {
      ...imageId,
      key: str('$.upload.key'),
      sizeBytes: num('$.image.sizeBytes'),
      sha256: str('$.image.sha256'),
      osLevel: str('$.image.osLevel'),
      tocFileCount: num('$.image.tocFileCount'),
      excludeList: sfn.JsonPath.objectAt('$.image.excludeList'),
      viosbr: sfn.JsonPath.objectAt('$.image.viosbr'),
      // An ioscli VIOS's mksysb has no listing by design (await-command says so from the fleet).
      listing: str('$.image.listing'),
      content: sfn.JsonPath.objectAt('$.content'),
      staging: sfn.JsonPath.objectAt('$.staging'),
      timings: {
        backup: num('$.image.backupSeconds'),
        transfer: num('$.poll.seconds'),
        inspect: num('$.content.seconds'),
      },
    },
    {
      resultSelector: {
        verdict: str('$.verdict'),
        anomalies: sfn.JsonPath.objectAt('$.anomalies'),
        recordKey: str('$.recordKey'),
        outcome: 'verified',
      },
    },
  );

  // A failed transfer goes back to prepare-upload, which resumes the same multipart upload (the
  // parts S3 holds go on the new manifest): the next attempt sends only the parts S3 lacks, from
  // the staged image, without a new mksysb. After TRANSFER_ATTEMPTS the failure is recorded.
  const transferFailed = new sfn.Pass(scope, 'TransferFailed', {
    comment: 'Counts the attempt; the error stays in $.error for the record',
    parameters: { 'n.$': 'States.MathAdd($.transferAttempt.n, 1)' },
    resultPath: '$.transferAttempt',
  });
  const resumeTransfer = new sfn.Choice(scope, 'ResumeTransfer').when(
    sfn.Condition.numberLessThanEquals('$.transferAttempt.n', TRANSFER_ATTEMPTS),
    prepare,
  );
  transfer.onFailure(transferFailed);
  transferFailed.next(resumeTransfer);

  // Every other failure of the image is recorded; before the upload exists there is none to abort.
  const failureSelector = {
    verdict: str('$.verdict'),
    outcome: str('$.outcome'),
    anomalies: sfn.JsonPath.objectAt('$.anomalies'),
    recordKey: str('$.recordKey'),
  };
  const recordImageFailure = t.invoke(
    'RecordImageFailure',
    'record-failure',
    {
      ...id,
      error: sfn.JsonPath.objectAt('$.error'),
      image: { kind: str('$.image.kind'), volumeGroup: str('$.image.volumeGroup') },
    },
    { resultSelector: failureSelector },
  );
  const recordUploadFailure = t.invoke(
    'RecordUploadFailure',
    'record-failure',
    {
      ...id,
      error: sfn.JsonPath.objectAt('$.error'),
      image: { kind: str('$.image.kind'), volumeGroup: str('$.image.volumeGroup') },
      upload: { key: str('$.upload.key'), uploadId: str('$.upload.uploadId') },
    },
    { resultSelector: failureSelector, comment: 'Also aborts the open multipart upload' },
  );
  const imageFailureUnrecorded = new sfn.Pass(scope, 'ImageFailureUnrecorded', {
    result: sfn.Result.fromObject({ verdict: 'FAIL', outcome: 'error', anomalies: [] }),
  });
  prepare.addCatch(recordImageFailure, { resultPath: '$.error' });
  complete.addCatch(recordUploadFailure, { resultPath: '$.error' });
  inspect.addCatch(recordUploadFailure, { resultPath: '$.error' });
  verify.addCatch(recordUploadFailure, { resultPath: '$.error' });
  resumeTransfer.otherwise(recordUploadFailure);
  recordImageFailure.addCatch(imageFailureUnrecorded, { resultPath: '$.recordError' });
  recordUploadFailure.addCatch(imageFailureUnrecorded, { resultPath: '$.recordError' });

  return sfn.Chain.start(prepare).next(transfer).next(complete).next(inspect).next(verify);
}
