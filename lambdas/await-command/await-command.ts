// await-command: one poll of a host step that SSM Run Command is running. It reads the invocation
// (GetCommandInvocation), and while the command runs says how long to wait before the next poll
// (lambdas/core/command-poll.ts: the expected time first, then a backoff). When the command ends it
// parses the step's key=value output (lambdas/core/host-output.ts) and either returns the few facts
// the workflow needs or throws an error whose name says what happened to the host (HostUnreachable,
// HostAuthFailed, HostRefused, HostStepFailed, CommandTimedOut…), which the workflow's Catch records.
import {
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { parseWith } from '../adapters/validation.js';
import { type Anomaly, anomaly } from '../core/anomaly.js';
import {
  expectedTransferSeconds,
  firstWaitSeconds,
  MIN_WAIT_SECONDS,
  NOT_STARTED_MAX_WAIT_SECONDS,
  nextWaitSeconds,
} from '../core/command-poll.js';
import { imageExcludeList } from '../core/exclude-list.js';
import {
  type BackupOutput,
  HostOutputError,
  type PreflightOutput,
  parseHostOutput,
} from '../core/host-output.js';
import type { StagingSpace } from '../core/image-record.js';
import { parseRestoreTestOutput, RestoreTestOutputError } from '../core/restore-test.js';
import type { ViosbrClaim } from '../core/viosbr.js';
import type { HostStep } from '../core/vocabulary.js';
import {
  type AwaitCommandInput,
  AwaitCommandInputSchema,
  type AwaitCommandOutput,
  AwaitCommandOutputSchema,
  type BackupImage,
} from './schema.js';

export interface AwaitCommandDeps {
  readonly ssm: SSMClient;
  readonly now: () => Date;
}

/** The host step ended without doing its work; `name` says how (the workflow maps it to an anomaly). */
export class HostStepError extends Error {
  constructor(
    name: string,
    readonly host: string,
    readonly step: HostStep,
    readonly status: string,
    readonly reason: string,
  ) {
    super(`host ${host}, step ${step}: ${status}${reason ? ` (${reason})` : ''}`);
    this.name = name;
  }
}

const STATUS_ERROR: Readonly<Record<string, string>> = {
  unreachable: 'HostUnreachable',
  auth_failed: 'HostAuthFailed',
  refused: 'HostRefused',
  invalid: 'HostStepInvalid',
  failed: 'HostStepFailed',
  partial: 'HostStepFailed',
};

const RUNNING = new Set(['Pending', 'InProgress', 'Delayed', 'Cancelling']);

export async function awaitCommand(event: unknown, deps: AwaitCommandDeps): Promise<AwaitCommandOutput> {
  const input = parseWith(AwaitCommandInputSchema, event, 'await-command input');
  const base = { commandId: input.commandId, instanceId: input.instanceId };
  let invocation: GetCommandInvocationCommandOutput;
  try {
    invocation = await deps.ssm.send(
      new GetCommandInvocationCommand({ CommandId: input.commandId, InstanceId: input.instanceId }),
    );
  } catch (error) {
    // Right after SendCommand the invocation may not exist yet: poll again soon.
    if ((error as { name?: string }).name === 'InvocationDoesNotExist')
      return output({ ...base, done: false, status: 'Pending', nextWaitSeconds: firstWaitSeconds(0) });
    throw error;
  }
  const status = String(invocation.Status ?? 'Pending');
  const started = Date.parse(String(invocation.ExecutionStartDateTime ?? ''));
  const ended = Date.parse(String(invocation.ExecutionEndDateTime ?? ''));
  const now = deps.now().getTime();
  if (RUNNING.has(status)) {
    // Not started yet (Pending, Delayed: the relay's agent is not answering): each wait doubles the
    // last, up to five minutes, until SSM's delivery timeout ends the command.
    const waitSeconds = Number.isFinite(started)
      ? nextWaitSeconds(Math.max(0, (now - started) / 1000), input.expectedSeconds)
      : Math.min(
          NOT_STARTED_MAX_WAIT_SECONDS,
          Math.max(MIN_WAIT_SECONDS, Math.ceil(input.waitedSeconds * 2)),
        );
    return output({ ...base, done: false, status, nextWaitSeconds: waitSeconds });
  }
  const seconds =
    Number.isFinite(started) && Number.isFinite(ended) ? Math.max(0, (ended - started) / 1000) : undefined;
  const stdout = String(invocation.StandardOutputContent ?? '');
  if (status === 'TimedOut' || status === 'Cancelled')
    throw new HostStepError(
      status === 'TimedOut' ? 'CommandTimedOut' : 'CommandCancelled',
      input.host,
      input.step,
      status,
      String(invocation.StatusDetails ?? ''),
    );
  // A restore test's own outcome (ok, failed, refused) is the data its record keeps: done, with the
  // facts; only a test that never ran (unreachable, invalid) ends the poll with an error.
  if (input.step === 'restore-test') return restoreTestDone(input, base, status, invocation, seconds);
  let parsed: ReturnType<typeof parseHostOutput>;
  try {
    parsed = parseHostOutput(stdout, input.step, `${input.host} ${input.step} output`);
  } catch (error) {
    if (!(error instanceof HostOutputError)) throw error;
    const stderr = String(invocation.StandardErrorContent ?? '')
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    throw new HostStepError(
      'CommandFailed',
      input.host,
      input.step,
      `SSM ${status} with exit ${String(invocation.ResponseCode ?? '?')}`,
      `${error.message}${stderr ? `; stderr: ${stderr.slice(0, 300)}` : ''}`,
    );
  }
  const accepted = parsed.status === 'ok' || (parsed.status === 'partial' && input.step === 'backup');
  if (!accepted)
    throw new HostStepError(
      STATUS_ERROR[parsed.status] ?? 'HostStepFailed',
      input.host,
      input.step,
      parsed.status,
      [parsed.reason ?? '', 'failedParts' in parsed ? partReasons(parsed.failedParts) : '']
        .filter(Boolean)
        .join('; '),
    );
  const done = {
    ...base,
    done: true,
    status: parsed.status,
    nextWaitSeconds: input.nextStepWaitSeconds,
    // Always present once done: the record's timings (and next week's first wait) are taken from it.
    seconds: seconds ?? 0,
  };
  if (input.step === 'preflight')
    return output({ ...done, staging: stagingSpaceOf(parsed as PreflightOutput) });
  if (input.step !== 'backup') return output(done);
  const backup = parsed as BackupOutput;
  return output({ ...done, ...backupImages(input, backup, seconds ?? 0) });
}

/**
 * Refuses what the host reported but was never asked for: a savevg of a volume group the host is not
 * configured with, or an image whose name is not `<host>_mksysb_<date>` / `<host>_savevg_<vg>_<date>`
 * in the mksysb image's directory (staging). Whatever a host prints, only its own images are uploaded.
 */
function checkReportedImages(
  input: Pick<AwaitCommandInput, 'host' | 'volumeGroups'>,
  backup: BackupOutput,
): void {
  const refuse = (what: string) =>
    new HostStepError('HostStepFailed', input.host, 'backup', backup.status, `${what}: refusing its images`);
  if (input.volumeGroups !== undefined) {
    const configured = input.volumeGroups.split(',').filter(Boolean);
    const extra = backup.savevg.filter((vg) => !configured.includes(vg.volumeGroupName));
    if (extra.length > 0)
      throw refuse(
        `the backup reported a savevg of ${extra.map((vg) => `"${vg.volumeGroupName}"`).join(', ')}, which the host is not configured with (configured: ${configured.join(', ') || 'none'})`,
      );
  }
  const image = backup.image ?? '';
  const dir = image.slice(0, image.lastIndexOf('/') + 1);
  const named = (path: string | undefined, prefix: string) =>
    path === undefined ||
    (path.startsWith(dir) &&
      !path.includes('/../') &&
      new RegExp(`^${prefix}\\d{4}-\\d{2}-\\d{2}$`).test(path.slice(dir.length)));
  const escapeName = (name: string) => name.replace(/[.]/g, '\\.');
  if (backup.image !== undefined && (!dir || !named(image, `${escapeName(input.host)}_mksysb_`)))
    throw refuse(
      `the backup reported the image ${JSON.stringify(image)}, not <staging>/${input.host}_mksysb_<date>`,
    );
  for (const vg of backup.savevg)
    if (!named(vg.image, `${escapeName(input.host)}_savevg_${escapeName(vg.volumeGroupName)}_`))
      throw refuse(
        `the backup reported the savevg image ${JSON.stringify(vg.image)} of ${vg.volumeGroupName}, not ${dir}${input.host}_savevg_${vg.volumeGroupName}_<date>`,
      );
}

/** The images a backup made (mksysb first, then each good savevg) and anomalies of the ones that failed. */
export function backupImages(
  input: Pick<AwaitCommandInput, 'host' | 'transferBytesPerSecond' | 'volumeGroups' | 'viosShell'>,
  backup: BackupOutput,
  seconds: number,
): { images: BackupImage[]; anomalies: Anomaly[] } {
  checkReportedImages(input, backup);
  const rate = input.transferBytesPerSecond ?? 20 * 1024 * 1024;
  const image = (
    kind: 'mksysb' | 'savevg',
    volumeGroup: string,
    facts: {
      image?: string | undefined;
      sizeBytes?: number | undefined;
      sha256?: string | undefined;
      tocFiles?: number | null | undefined;
    },
  ): BackupImage => {
    if (!facts.image || facts.sizeBytes === undefined)
      throw new HostStepError(
        'HostStepFailed',
        input.host,
        'backup',
        'ok',
        `the ${kind === 'mksysb' ? 'mksysb' : `savevg of ${volumeGroup}`} reported no image path or size`,
      );
    const transfer = expectedTransferSeconds(facts.sizeBytes, rate);
    return {
      kind,
      volumeGroup,
      imagePath: facts.image,
      sizeBytes: facts.sizeBytes,
      sha256: facts.sha256 ?? null,
      osLevel: backup.backupOslevel ?? null,
      tocFileCount: facts.tocFiles ?? null,
      excludeList:
        kind === 'mksysb' && backup.excludeListSource !== undefined && backup.excludeListSource !== 'none'
          ? imageExcludeList({
              source: backup.excludeListSource,
              patterns: backup.excludeListPatterns,
              lineCount: backup.excludeListLines ?? backup.excludeListPatterns.length,
            })
          : null,
      viosbr: kind === 'mksysb' ? viosbrClaimOf(backup, Boolean(input.viosShell)) : null,
      // Only the fleet makes an image listing-less: what a host prints alone never does.
      listing:
        kind === 'mksysb' && input.viosShell === 'ioscli' && backup.listing === 'none' ? 'none' : 'host',
      backupSeconds: seconds,
      transferExpectedSeconds: Math.round(transfer),
      transferWaitSeconds: firstWaitSeconds(transfer),
    };
  };
  const images = [image('mksysb', 'rootvg', backup)];
  const anomalies: Anomaly[] = [];
  for (const vg of backup.savevg) {
    if (vg.status === 'ok') images.push(image('savevg', vg.volumeGroupName, vg));
    else
      anomalies.push(
        anomaly('BACKUP_FAILED', 'fail', `savevg of ${vg.volumeGroupName} failed (exit ${vg.exit ?? '?'})`, {
          volumeGroup: vg.volumeGroupName,
          exit: vg.exit ?? null,
          logCodes: vg.logCodes.join(','),
        }),
      );
  }
  if (backup.nfsUnmount === 'failed')
    anomalies.push(
      anomaly(
        'NFS_UNMOUNT_FAILED',
        'warn',
        `ioscli unmount ${backup.nfsMountPoint ?? '(the mount point)'} failed on ${input.host}: ${backup.nfsMount ?? "the relay's export"} is still mounted there: unmount it as padmin (unmount ${backup.nfsMountPoint ?? '<dir>'}) once nothing uses it, before next week's backup mounts it again`,
        { mountPoint: backup.nfsMountPoint ?? null, export: backup.nfsMount ?? null },
      ),
    );
  return { images, anomalies };
}

/**
 * What a VIOS's backup said of its viosbr archive, for verify (null: an LPAR). A status the step did
 * not print, or no viosbr lines at all from a host the fleet says is a VIOS (`vios`), is a failure:
 * verify then raises VIOSBR_MISSING rather than trust an archive nobody vouched for.
 */
export function viosbrClaimOf(backup: BackupOutput, vios = false): ViosbrClaim | null {
  const v = backup.viosbr;
  if (v === undefined) return vios ? { status: 'failed', exit: null, sizeBytes: null, sha256: null } : null;
  return {
    status: v.status === 'ok' ? 'ok' : 'failed',
    exit: v.exit ?? null,
    sizeBytes: v.sizeBytes ?? null,
    sha256: v.sha256 ?? null,
  };
}

/** What preflight measured of the staging filesystem, or null when it did not print all of it. */
export function stagingSpaceOf(preflight: PreflightOutput): StagingSpace | null {
  const { stagingFreeBytes, requiredBytes, mksysbExpectedBytes, savevgExpectedBytes } = preflight;
  if (
    stagingFreeBytes === undefined ||
    requiredBytes === undefined ||
    mksysbExpectedBytes === undefined ||
    savevgExpectedBytes === undefined
  )
    return null;
  return {
    mount: preflight.stagingMount ?? null,
    freeBytes: stagingFreeBytes,
    requiredBytes,
    mksysbExpectedBytes,
    savevgExpectedBytes,
  };
}

function output(value: AwaitCommandOutput): AwaitCommandOutput {
  return parseWith(AwaitCommandOutputSchema, value, 'await-command output');
}

/** Why parts failed, each reason once with its count: `parts: image_changed_since_backup x3`. */
function partReasons(failed: readonly { reason: string }[]): string {
  if (failed.length === 0) return '';
  const counts = new Map<string, number>();
  for (const p of failed) counts.set(p.reason, (counts.get(p.reason) ?? 0) + 1);
  return `parts: ${[...counts].map(([reason, n]) => (n > 1 ? `${reason} x${n}` : reason)).join(', ')}`;
}

/** The end of a restore-test command: its facts (ok, failed, refused), or the error of a test that never ran. */
function restoreTestDone(
  input: AwaitCommandInput,
  base: { commandId: string; instanceId: string },
  status: string,
  invocation: GetCommandInvocationCommandOutput,
  seconds: number | undefined,
): AwaitCommandOutput {
  const stdout = String(invocation.StandardOutputContent ?? '');
  let facts: ReturnType<typeof parseRestoreTestOutput>;
  try {
    facts = parseRestoreTestOutput(stdout, `${input.host} restore-test output`);
  } catch (error) {
    if (!(error instanceof RestoreTestOutputError)) throw error;
    throw new HostStepError(
      'CommandFailed',
      input.host,
      input.step,
      `SSM ${status} with exit ${String(invocation.ResponseCode ?? '?')}`,
      error.message,
    );
  }
  if (!['ok', 'failed', 'refused'].includes(facts.status))
    throw new HostStepError(
      STATUS_ERROR[facts.status] ?? 'HostStepFailed',
      input.host,
      input.step,
      facts.status,
      facts.reason ?? '',
    );
  return output({
    ...base,
    done: true,
    status: facts.status,
    nextWaitSeconds: input.nextStepWaitSeconds,
    seconds: seconds ?? 0,
    restore: facts,
  });
}
