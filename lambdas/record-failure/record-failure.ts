// record-failure: the end of every failed path in a host's workflow. It turns the caught error into
// the host's outcome and one anomaly (HOST_UNREACHABLE, AUTH_FAILED, PREFLIGHT_REFUSED, BACKUP_FAILED,
// TRANSFER_FAILED, UPLOAD_MISMATCH), aborts the multipart upload that was open (so no parts linger),
// and writes a failure record into the run's area (runs/<day>/<runId>/failures/), so the failure is
// in the store even if the alert is lost. It never touches an image or an image record.
import { AbortMultipartUploadCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { kindOf, storeCall } from '../adapters/store-error.js';
import { parseWith } from '../adapters/validation.js';
import { type Anomaly, type AnomalyCode, anomaly, type Severity } from '../core/anomaly.js';
import { dayOf, RUNS_PREFIX, validateHostName, validateRunId } from '../core/catalog-keys.js';
import { type HostOutcome, hostVerdict } from '../core/run-summary.js';
import {
  type RecordFailureInput,
  RecordFailureInputSchema,
  type RecordFailureOutput,
  RecordFailureOutputSchema,
} from './schema.js';

export interface RecordFailureDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly now: () => Date;
}

/** Where a failure of `host` in a run is recorded (beside the run report `runs/<day>/<runId>.json`). */
export function failureRecordKey(
  date: string,
  runId: string,
  host: string,
  image?: { kind: string; volumeGroup: string },
): string {
  const suffix = image ? (image.kind === 'mksysb' ? '_mksysb' : `_savevg_${image.volumeGroup}`) : '';
  return `${RUNS_PREFIX}${dayOf(date)}/${validateRunId(runId)}/failures/${validateHostName(host)}${suffix}.json`;
}

export interface ClassifiedFailure {
  readonly outcome: HostOutcome;
  readonly code: AnomalyCode | null;
  readonly severity: Severity;
  /** What happened, for a person: the anomaly message's first clause. */
  readonly what: string;
  readonly step: string | null;
  readonly detail: string;
}

/** The message of a caught error: a Lambda's Cause is JSON with errorMessage; a service's is text. */
export function causeMessage(cause: unknown): string {
  if (typeof cause !== 'string') return cause === undefined ? '' : JSON.stringify(cause);
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // plain text
  }
  return cause;
}

/** Which outcome and anomaly an error name stands for. Pure. */
export function classifyFailure(errorName: string, message: string, hadUpload: boolean): ClassifiedFailure {
  const step = /\bstep (preflight|backup|transfer)\b/.exec(message)?.[1] ?? (hadUpload ? 'transfer' : null);
  const during = step ? ` during ${step}` : '';
  const inTransfer = step === 'transfer' || hadUpload;
  const base = { step, detail: message };
  switch (errorName) {
    case 'HostUnreachable':
      return {
        ...base,
        outcome: 'unreachable',
        code: 'HOST_UNREACHABLE',
        severity: 'fail',
        what: `LPAR unreachable over ssh${during}`,
      };
    case 'HostAuthFailed':
      return {
        ...base,
        outcome: 'auth_failed',
        code: 'AUTH_FAILED',
        severity: 'fail',
        what: `ssh authentication refused${during}`,
      };
    case 'HostRefused':
      return {
        ...base,
        outcome: 'refused',
        code: 'PREFLIGHT_REFUSED',
        severity: 'fail',
        what: `the LPAR cannot take a backup now (${step ?? 'preflight'} refused)`,
      };
    case 'ImageExists':
      return {
        ...base,
        outcome: 'already_ran',
        code: null,
        severity: 'info',
        what: 'a verified image of this day exists already',
      };
    case 'HostBusy':
      return {
        ...base,
        outcome: 'busy',
        code: 'HOST_BUSY',
        severity: 'warn',
        what: 'another run of this host and day is still going: this run did not start',
      };
    case 'UploadMismatch':
      return {
        ...base,
        outcome: 'transfer_failed',
        code: 'UPLOAD_MISMATCH',
        severity: 'fail',
        what: 'the uploaded image is not the one the host made',
      };
    case 'TransferIncomplete':
      return {
        ...base,
        outcome: 'transfer_failed',
        code: 'TRANSFER_FAILED',
        severity: 'fail',
        what: 'the transfer did not deliver every part',
      };
    case 'HostNotInFleet':
      return {
        ...base,
        outcome: 'error',
        code: 'BACKUP_FAILED',
        severity: 'warn',
        what: 'the host left the fleet during the run',
      };
    case 'States.Timeout':
    case 'CommandTimedOut':
      return inTransfer
        ? {
            ...base,
            outcome: 'transfer_failed',
            code: 'TRANSFER_FAILED',
            severity: 'fail',
            what: 'the transfer timed out',
          }
        : {
            ...base,
            outcome: 'backup_failed',
            code: 'BACKUP_FAILED',
            severity: 'fail',
            what: `the ${step ?? 'backup'} timed out`,
          };
    case 'HostStepFailed':
    case 'HostStepInvalid':
    case 'CommandFailed':
    case 'CommandCancelled':
      return inTransfer
        ? {
            ...base,
            outcome: 'transfer_failed',
            code: 'TRANSFER_FAILED',
            severity: 'fail',
            what: 'the transfer failed',
          }
        : {
            ...base,
            outcome: 'backup_failed',
            code: 'BACKUP_FAILED',
            severity: 'fail',
            what: `the ${step ?? 'backup'} failed`,
          };
    default:
      return inTransfer
        ? {
            ...base,
            outcome: 'transfer_failed',
            code: 'TRANSFER_FAILED',
            severity: 'fail',
            what: `the image could not be completed or verified (${errorName})`,
          }
        : {
            ...base,
            outcome: 'error',
            code: 'BACKUP_FAILED',
            severity: 'fail',
            what: `the workflow failed (${errorName})`,
          };
  }
}

export async function recordFailure(event: unknown, deps: RecordFailureDeps): Promise<RecordFailureOutput> {
  const input: RecordFailureInput = parseWith(RecordFailureInputSchema, event, 'record-failure input');
  const message = causeMessage(input.error.Cause);
  const failure = classifyFailure(input.error.Error, message, input.upload !== undefined);
  const anomalies: Anomaly[] = failure.code
    ? [
        anomaly(failure.code, failure.severity, `${failure.what}: ${message.slice(0, 600)}`, {
          error: input.error.Error,
          step: failure.step,
          image: input.image ? `${input.image.kind}:${input.image.volumeGroup}` : null,
        }),
      ]
    : [];
  const uploadAborted = input.upload ? await abortUpload(input, deps) : undefined;
  const key = failureRecordKey(input.date, input.runId, input.host, input.image);
  const record = {
    schemaVersion: 1,
    host: input.host,
    runId: input.runId,
    date: input.date,
    outcome: failure.outcome,
    step: failure.step,
    error: { name: input.error.Error, message },
    image: input.image ?? null,
    upload: input.upload ? { key: input.upload.key, aborted: uploadAborted ?? false } : null,
    anomalies,
    recordedAt: deps.now().toISOString(),
  };
  await storeCall({ action: 'writing the failure record', key, host: input.host }, () =>
    deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: key,
        Body: `${JSON.stringify(record, null, 2)}\n`,
        ContentType: 'application/json',
      }),
    ),
  );
  return parseWith(
    RecordFailureOutputSchema,
    {
      verdict: hostVerdict(failure.outcome, []) === 'SKIP' ? 'SKIP' : 'FAIL',
      outcome: failure.outcome,
      anomalies,
      recordKey: key,
      ...(uploadAborted === undefined ? {} : { uploadAborted }),
    },
    'record-failure output',
  );
}

/** Aborts the open upload; an upload that is already gone counts as aborted before. */
async function abortUpload(input: RecordFailureInput, deps: RecordFailureDeps): Promise<boolean> {
  const upload = input.upload as NonNullable<RecordFailureInput['upload']>;
  try {
    await deps.s3.send(
      new AbortMultipartUploadCommand({ Bucket: deps.bucket, Key: upload.key, UploadId: upload.uploadId }),
    );
    return true;
  } catch (error) {
    if (kindOf(error) === 'no-such-upload' || kindOf(error) === 'not-found') return false;
    return storeCall({ action: 'aborting the multipart upload', key: upload.key, host: input.host }, () =>
      Promise.reject(error),
    );
  }
}
