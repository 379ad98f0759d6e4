// await-command with a mocked SSM: waits while the command runs (expected time first, then a
// backoff), the facts of a finished step, and the named errors of a host step that failed.
import { GetCommandInvocationCommand, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { awaitCommand } from '../../../lambdas/await-command/await-command.js';

const ssm = mockClient(SSMClient);
// The mock replaces every SSMClient's send: give it back, the next file in this worker (the suite
// shares modules, vitest.config.ts) may run the local SSM.
afterAll(() => ssm.restore());
const client = new SSMClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
const SENT = '2026-11-23T02:05:00.000Z';
const at = (seconds: number) => () => new Date(Date.parse(SENT) + seconds * 1000);
const poll = { host: 'lpar01', commandId: 'c-1', instanceId: 'mi-0123456789abcdef0' };
const SHA = 'ab'.repeat(32);

beforeEach(() => ssm.reset());

function finished(stdout: string, status = 'Success') {
  ssm.on(GetCommandInvocationCommand).resolves({
    Status: status as 'Success',
    ResponseCode: 0,
    ExecutionStartDateTime: SENT,
    ExecutionEndDateTime: '2026-11-23T03:05:00.000Z',
    StandardOutputContent: stdout,
    StandardErrorContent: 'ssh: connect to host lpar01 port 22: Connection timed out',
  });
}

const BACKUP = [
  'mksysb-vault.step=backup',
  'started=2026-11-23T02:05:01Z',
  'lock=free',
  'image=/mksysb/lpar01_mksysb_2026-11-23',
  'exit=0',
  'log_verdict=success',
  'log_codes=0512-038',
  'backup_oslevel=7200-05-03-2148',
  'size_bytes=4294967296',
  'sha256_tool=openssl',
  `sha256=${SHA}`,
  'toc_files=80239',
  'vg.datavg.image=/mksysb/lpar01_savevg_datavg_2026-11-23',
  'vg.datavg.exit=0',
  'vg.datavg.size_bytes=1073741824',
  `vg.datavg.sha256=${SHA}`,
  'vg.datavg.status=ok',
  'vg.appvg.image=/mksysb/lpar01_savevg_appvg_2026-11-23',
  'vg.appvg.exit=1',
  'vg.appvg.status=failed',
  'pruned=',
  'reason=savevg_failed:appvg',
  'ended=2026-11-23T03:05:00Z',
  'status=partial',
].join('\n');

describe('await-command', () => {
  it('waits out the rest of the expected time while the command runs', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress', ExecutionStartDateTime: SENT });
    const out = await awaitCommand(
      { ...poll, step: 'backup', expectedSeconds: 3600 },
      { ssm: client, now: at(600) },
    );
    expect(out).toMatchObject({ done: false, status: 'InProgress', nextWaitSeconds: 3180 });
  });

  it('doubles its waits, up to five minutes, while the command has not started (agent not answering)', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Delayed' });
    const waits: number[] = [];
    let waited = 21;
    for (let i = 0; i < 6; i += 1) {
      const out = await awaitCommand(
        { ...poll, step: 'preflight', expectedSeconds: 20, waitedSeconds: waited },
        { ssm: client, now: at(600) },
      );
      waited = out.nextWaitSeconds;
      waits.push(waited);
    }
    expect(waits).toEqual([42, 84, 168, 300, 300, 300]);
  });

  it('backs off in proportion to the time spent once the step runs past its expected time', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'InProgress', ExecutionStartDateTime: SENT });
    const out = await awaitCommand(
      { ...poll, step: 'backup', expectedSeconds: 3600 },
      { ssm: client, now: at(4000) },
    );
    expect(out.nextWaitSeconds).toBe(1000);
  });

  it('polls again soon when the invocation does not exist yet', async () => {
    ssm.on(GetCommandInvocationCommand).rejects(
      new SSMServiceException({
        name: 'InvocationDoesNotExist',
        $fault: 'client',
        $metadata: {},
        message: 'x',
      }),
    );
    const out = await awaitCommand(
      { ...poll, step: 'preflight', expectedSeconds: 20 },
      { ssm: client, now: at(1) },
    );
    expect(out).toMatchObject({ done: false, status: 'Pending', nextWaitSeconds: 20 });
  });

  it('hands the next step its first wait when the preflight is done', async () => {
    finished(['mksysb-vault.step=preflight', 'lock=free', 'status=ok'].join('\n'));
    const out = await awaitCommand(
      { ...poll, step: 'preflight', expectedSeconds: 20, nextStepWaitSeconds: 3780 },
      { ssm: client, now: at(30) },
    );
    expect(out).toEqual({
      commandId: 'c-1',
      instanceId: 'mi-0123456789abcdef0',
      done: true,
      status: 'ok',
      nextWaitSeconds: 3780,
      seconds: 3600,
      staging: null,
    });
  });

  it("carries what preflight measured of the staging filesystem into the workflow's state", async () => {
    finished(
      [
        'mksysb-vault.step=preflight',
        'staging_mount=/mksysb',
        'mksysb_expected_bytes=10737418240',
        'savevg_expected_bytes=1073741824',
        'staging_free_bytes=42949672960',
        'required_bytes=17716740096',
        'lock=free',
        'status=ok',
      ].join('\n'),
    );
    const out = await awaitCommand(
      { ...poll, step: 'preflight', expectedSeconds: 20 },
      { ssm: client, now: at(30) },
    );
    expect(out.staging).toEqual({
      mount: '/mksysb',
      freeBytes: 42949672960,
      requiredBytes: 17716740096,
      mksysbExpectedBytes: 10737418240,
      savevgExpectedBytes: 1073741824,
    });
  });

  it('returns the mksysb and each good savevg image, and an anomaly for the savevg that failed', async () => {
    finished(BACKUP);
    const out = await awaitCommand(
      { ...poll, step: 'backup', expectedSeconds: 3600, transferBytesPerSecond: 20 * 1024 * 1024 },
      { ssm: client, now: at(3700) },
    );
    expect(out.images?.map((i) => [i.kind, i.volumeGroup, i.sizeBytes, i.transferWaitSeconds])).toEqual([
      ['mksysb', 'rootvg', 4294967296, 216],
      ['savevg', 'datavg', 1073741824, 54],
    ]);
    expect(out.anomalies?.map((a) => [a.code, a.severity, a.evidence.volumeGroup])).toEqual([
      ['BACKUP_FAILED', 'fail', 'appvg'],
    ]);
  });

  it('throws HostUnreachable naming the host and the step when ssh cannot reach the LPAR', async () => {
    finished(
      [
        'mksysb-vault.step=preflight',
        'reason=ssh_unreachable',
        'relay_ssh_exit=255',
        'status=unreachable',
      ].join('\n'),
      'Failed',
    );
    await expect(
      awaitCommand({ ...poll, step: 'preflight', expectedSeconds: 20 }, { ssm: client, now: at(30) }),
    ).rejects.toMatchObject({
      name: 'HostUnreachable',
      message: 'host lpar01, step preflight: unreachable (ssh_unreachable)',
    });
  });

  it('throws HostRefused with the reason preflight gave', async () => {
    finished(
      ['mksysb-vault.step=preflight', 'reason=staging_too_small:free_1_required_2', 'status=refused'].join(
        '\n',
      ),
      'Failed',
    );
    await expect(
      awaitCommand({ ...poll, step: 'preflight', expectedSeconds: 20 }, { ssm: client, now: at(30) }),
    ).rejects.toMatchObject({ name: 'HostRefused', message: expect.stringContaining('staging_too_small') });
  });

  it('says why the parts of a failed transfer failed, each reason once with its count', async () => {
    finished(
      [
        'mksysb-vault.step=transfer',
        'parts_ok=0',
        'parts_failed=3',
        'failed_parts=1:image_changed_since_backup,2:image_changed_since_backup,3:http_503',
        'reason=all_parts_failed',
        'status=failed',
      ].join('\n'),
      'Failed',
    );
    await expect(
      awaitCommand({ ...poll, step: 'transfer', expectedSeconds: 300 }, { ssm: client, now: at(30) }),
    ).rejects.toMatchObject({
      message:
        'host lpar01, step transfer: failed (all_parts_failed; parts: image_changed_since_backup x2, http_503)',
    });
  });

  it('throws CommandTimedOut when SSM stopped the step at its execution timeout', async () => {
    finished('', 'TimedOut');
    await expect(
      awaitCommand({ ...poll, step: 'backup', expectedSeconds: 3600 }, { ssm: client, now: at(30) }),
    ).rejects.toMatchObject({ name: 'CommandTimedOut' });
  });

  it('throws CommandFailed with the parser error and the end of stderr when the output is not the protocol', async () => {
    finished('bash: line 1: sh: not found', 'Failed');
    await expect(
      awaitCommand({ ...poll, step: 'transfer', expectedSeconds: 300 }, { ssm: client, now: at(30) }),
    ).rejects.toMatchObject({
      name: 'CommandFailed',
      message: expect.stringMatching(/host lpar01, step transfer: .*not key=value.*stderr: ssh: connect/),
    });
  });
});

describe('await-command: restore-test', () => {
  const input = { ...poll, host: 'tlpar01', step: 'restore-test', waitedSeconds: 60, expectedSeconds: 1800 };

  it('returns a failed restore test as done, with its facts for the record step to judge', async () => {
    finished(
      [
        'mksysb-vault.step=restore-test',
        'disk=hdisk1',
        'disk_vg=None',
        'download=ok',
        'alt_disk_mksysb_exit=1',
        'alt_disk_mksysb_message=0505-158 alt_disk_mksysb: restore failed',
        'cleanup=ok',
        'reason=alt_disk_mksysb_failed',
        'status=failed',
      ].join('\n'),
      'Failed',
    );
    const out = await awaitCommand(input, { ssm: client, now: at(3700) });
    expect(out).toMatchObject({
      done: true,
      status: 'failed',
      restore: { altDiskMksysbExit: 1, cleanup: 'ok' },
    });
  });

  it('throws HostUnreachable when the test LPAR never ran the script', async () => {
    finished(
      [
        'mksysb-vault.step=restore-test',
        'relay_ssh_exit=255',
        'reason=ssh:Connection_timed_out',
        'status=unreachable',
      ].join('\n'),
      'Failed',
    );
    await expect(awaitCommand(input, { ssm: client, now: at(60) })).rejects.toMatchObject({
      name: 'HostUnreachable',
    });
  });
});
