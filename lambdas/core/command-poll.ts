// How the workflow polls a running SSM command without tight loops: the first wait is what the step is
// expected to take (from the host's history, or its size at an assumed rate), later waits back off in
// proportion to the time already spent. A one-hour mksysb that took an hour last week costs one poll;
// one that runs long costs a poll per fifth of its elapsed time, never a poll a minute. Pure.

/** Waits are whole seconds between these bounds. */
export const MIN_WAIT_SECONDS = 20;
/** The longest single wait while the step is still within its expected time: a host that dies early is noticed within this. */
export const MAX_WAIT_BEFORE_EXPECTED_SECONDS = 7200;
/** The longest single wait once the step runs past its expected time. */
export const MAX_WAIT_OVERDUE_SECONDS = 2700;
/** The longest wait while a command has not started (Pending, Delayed): waits double up to this. */
export const NOT_STARTED_MAX_WAIT_SECONDS = 300;
/** Past the expected time, each wait is this share of the time already spent. */
export const OVERDUE_BACKOFF = 0.25;
/** Slack added to the expected time so a step that takes as long as last week is done at the first poll. */
export const EXPECTED_SLACK = 1.05;

/** Assumed rates for a host without history: a mksysb of 8 GiB in about an hour, 20 MiB/s transfers. */
export const ASSUMED_BACKUP_BYTES_PER_SECOND = 2.5 * 1024 * 1024;
export const ASSUMED_TRANSFER_BYTES_PER_SECOND = 20 * 1024 * 1024;
/** A preflight runs a few commands on the LPAR. */
export const PREFLIGHT_EXPECTED_SECONDS = 20;

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, Math.ceil(value)));
}

/** The wait before the first poll of a step expected to take `expectedSeconds`. */
export function firstWaitSeconds(expectedSeconds: number): number {
  return clamp(expectedSeconds * EXPECTED_SLACK, MIN_WAIT_SECONDS, MAX_WAIT_BEFORE_EXPECTED_SECONDS);
}

/** The wait before the next poll of a step that has run `elapsedSeconds` and is not done. */
export function nextWaitSeconds(elapsedSeconds: number, expectedSeconds: number): number {
  const remaining = expectedSeconds * EXPECTED_SLACK - elapsedSeconds;
  if (remaining >= MIN_WAIT_SECONDS)
    return clamp(remaining, MIN_WAIT_SECONDS, MAX_WAIT_BEFORE_EXPECTED_SECONDS);
  return clamp(elapsedSeconds * OVERDUE_BACKOFF, MIN_WAIT_SECONDS * 3, MAX_WAIT_OVERDUE_SECONDS);
}

/** What an earlier image of the host says about how long its steps take. */
export interface StepHistory {
  readonly sizeBytes: number;
  readonly backupSeconds?: number | undefined;
  readonly transferSeconds?: number | undefined;
}

/** Expected mksysb duration for an image of about `sizeBytes`, scaled from the last image when known. */
export function expectedBackupSeconds(sizeBytes: number, last: StepHistory | null): number {
  if (last?.backupSeconds && last.sizeBytes > 0)
    return Math.max(1, (last.backupSeconds * Math.max(sizeBytes, 1)) / last.sizeBytes);
  return Math.max(1, sizeBytes / ASSUMED_BACKUP_BYTES_PER_SECOND);
}

/** Bytes per second the host's last transfer reached, or the assumed rate. */
export function transferRate(last: StepHistory | null): number {
  if (last?.transferSeconds && last.transferSeconds > 0 && last.sizeBytes > 0)
    return last.sizeBytes / last.transferSeconds;
  return ASSUMED_TRANSFER_BYTES_PER_SECOND;
}

/** Expected transfer duration of `sizeBytes` at `bytesPerSecond`. */
export function expectedTransferSeconds(sizeBytes: number, bytesPerSecond: number): number {
  return Math.max(1, sizeBytes / Math.max(1, bytesPerSecond));
}
