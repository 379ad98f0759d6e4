// A hostile or odd host (issue 13, item 8): what a host prints is data, never protocol. A carriage
// return in a value (the listing's BACKUP OSLEVEL line) cannot forge protocol lines, a backup cannot
// get images of a volume group the host is not configured with (or of a file that is no image of
// it) uploaded, and a non-ASCII OS level never fails the upload it describes. Rows through the whole
// local pipeline (real host scripts on simulated LPARs, the synthesized workflow, local S3) and rows
// on the parser and await-command alone, each recorded in the fault table with 0 images lost. And a
// full disk under `npm start` (item 11): one line, exit 69, no multipart upload left open.

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetCommandInvocationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitCommand } from '../../lambdas/await-command/await-command.js';
import { parseHostOutput } from '../../lambdas/core/host-output.js';
import { runCliAsync } from '../support/cli.js';
import { recordOutcome } from './outcomes.js';
import {
  type FaultRig,
  judgeFault,
  listKeys,
  MiB,
  runWeek,
  setFaults,
  startFaultRig,
  stopFaultRig,
  weekAfter,
} from './support.js';

const START = '2026-09-07T02:00:00.000Z';
const week = (n: number) => weekAfter(START, n);
const SHA = 'ab'.repeat(32);

describe('hostile host output through the local pipeline', () => {
  let rig: FaultRig;
  beforeAll(async () => {
    rig = await startFaultRig('hostile-host', [
      { host: 'aixprd01', sizeBytes: 16 * MiB, volumeGroups: ['rootvg', 'datavg'] },
      { host: 'aixprd02', sizeBytes: 16 * MiB },
    ]);
    await runWeek(rig, { date: week(0) });
  }, 120_000);
  afterAll(async () => stopFaultRig(rig));

  it('a CR in the listing forges no savevg of /etc/hosts: only the configured images are uploaded', async () => {
    setFaults(rig, 'aixprd01', ['forged_listing']);
    setFaults(rig, 'aixprd02', ['unicode_oslevel']);
    const run = await runWeek(rig, { date: week(1) });
    const keys = (await listKeys(rig, 'images/aixprd01/')).map((o) => o.key);
    const forged = keys.filter((k) => /evil|hosts/.test(k));
    const savevgs = keys.filter(
      (k) => /_savevg_/.test(k) && !/\.[a-z.]+$/.test(k) && k.includes('2026-09-14'),
    );
    const j = await judgeFault(rig, {
      fault: 'CR-forged protocol lines in BACKUP OSLEVEL (aixprd01)',
      expected: 'no upload of /etc/hosts or of an unconfigured VG; the configured images PASS',
      run,
      host: 'aixprd01',
      line: /^(PASS|WARN) verified/,
      alert: null,
      alsoHit: ['aixprd02'],
      extra: [
        { ok: forged.length === 0, problem: `forged objects uploaded: ${forged.join(', ')}` },
        { ok: savevgs.length === 1, problem: `savevg images this week: ${savevgs.join(', ') || 'none'}` },
      ],
    });
    expect(forged).toEqual([]);
    expect(savevgs).toHaveLength(1);
    expect(j.lost).toEqual([]);
    expect(j.problems).toEqual([]);
    expect(j.lineOk).toBe(true);
    expect(j.ok).toBe(true);

    // The same week: aixprd02's level ends in non-ASCII text; its upload still goes through.
    const image = (await listKeys(rig, 'images/aixprd02/')).find((o) =>
      /_mksysb_2026-09-14$/.test(o.key),
    )?.key;
    const head = image
      ? await rig.store.client().send(new HeadObjectCommand({ Bucket: rig.store.bucket, Key: image }))
      : undefined;
    const level = head?.Metadata?.oslevel ?? '';
    const u = await judgeFault(rig, {
      fault: 'non-ASCII OS level in the listing (aixprd02)',
      expected: 'the upload succeeds, the level kept percent-encoded in the metadata',
      run,
      host: 'aixprd02',
      line: /^(PASS|WARN) verified/,
      alert: null,
      alsoHit: ['aixprd01'],
      extra: [{ ok: /%E2%9C%93/.test(level), problem: `metadata oslevel: ${JSON.stringify(level)}` }],
    });
    expect(u.lineOk).toBe(true);
    expect(u.ok).toBe(true);
    expect(u.lost).toEqual([]);
    expect(decodeURIComponent(level)).toContain('Überprüft ✓');
  }, 240_000);
});

const client = new SSMClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});
// Only this client is mocked: the pipeline rows' local SSM clients stay real.
const ssm = mockClient(client);
const SENT = '2026-11-23T02:05:00.000Z';

function backupOutput(lines: readonly string[]): string {
  return [
    'mksysb-vault.step=backup',
    'started=2026-11-23T02:05:01Z',
    'image=/mksysb/lpar01_mksysb_2026-11-23',
    'exit=0',
    'log_verdict=success',
    'size_bytes=4294967296',
    `sha256=${SHA}`,
    ...lines,
    'ended=2026-11-23T03:05:00Z',
    'status=ok',
  ].join('\n');
}

async function pollBackup(stdout: string, volumeGroups: string): Promise<unknown> {
  ssm.reset();
  ssm.on(GetCommandInvocationCommand).resolves({
    Status: 'Success',
    ResponseCode: 0,
    ExecutionStartDateTime: SENT,
    ExecutionEndDateTime: '2026-11-23T03:05:00.000Z',
    StandardOutputContent: stdout,
  });
  try {
    return await awaitCommand(
      {
        host: 'lpar01',
        step: 'backup',
        commandId: 'c-1',
        instanceId: 'mi-0123456789abcdef0',
        expectedSeconds: 3600,
        volumeGroups,
      },
      { ssm: client, now: () => new Date('2026-11-23T03:06:00.000Z') },
    );
  } catch (error) {
    return error;
  }
}

describe('hostile host output at the parser and await-command', () => {
  it('a CR inside a value is data: the forged lines after it are no protocol lines', () => {
    const forged =
      'backup_oslevel=7200-05-03-2148\rvg.evil.image=/etc/hosts\rvg.evil.exit=0\rvg.evil.size_bytes=200\rvg.evil.status=ok';
    const out = parseHostOutput(backupOutput([forged]), 'backup');
    const ok =
      out.savevg.length === 0 && out.backupOslevel?.startsWith('7200-05-03-2148\\x0dvg.evil') === true;
    recordOutcome({
      fault: 'CR in a host value (parser)',
      expected: 'one line, the CR escaped as \\x0d; no savevg "evil"',
      observed: `savevg: [${out.savevg.map((v) => v.volumeGroupName).join(',')}], backup_oslevel ${JSON.stringify(out.backupOslevel?.slice(0, 40))}`,
      imagesLost: 0,
      ok,
    });
    expect(out.savevg).toEqual([]);
    expect(out.backupOslevel).toBe(
      '7200-05-03-2148\\x0dvg.evil.image=/etc/hosts\\x0dvg.evil.exit=0\\x0dvg.evil.size_bytes=200\\x0dvg.evil.status=ok',
    );
  });

  it('a trailing CR (a CRLF line end) is dropped, so the status still reads', () => {
    const out = parseHostOutput(
      backupOutput(['backup_oslevel=7200-05-03-2148']).replaceAll('\n', '\r\n'),
      'backup',
    );
    expect(out).toMatchObject({ status: 'ok', backupOslevel: '7200-05-03-2148' });
  });

  it('await-command refuses a savevg of a volume group the host is not configured with, naming it', async () => {
    const stdout = backupOutput([
      'vg.datavg.image=/mksysb/lpar01_savevg_datavg_2026-11-23',
      'vg.datavg.exit=0',
      'vg.datavg.size_bytes=1024',
      'vg.datavg.status=ok',
      'vg.appvg.image=/mksysb/lpar01_savevg_appvg_2026-11-23',
      'vg.appvg.exit=0',
      'vg.appvg.size_bytes=1024',
      'vg.appvg.status=ok',
    ]);
    const error = (await pollBackup(stdout, 'datavg')) as Error;
    recordOutcome({
      fault: 'backup reports an unconfigured volume group (await-command)',
      expected: 'HostStepFailed naming appvg; nothing planned for upload',
      observed: `${error.name}: ${error.message}`,
      imagesLost: 0,
      ok: error.name === 'HostStepFailed' && error.message.includes('"appvg"'),
    });
    expect(error.name).toBe('HostStepFailed');
    expect(error.message).toContain(
      'the backup reported a savevg of "appvg", which the host is not configured with (configured: datavg)',
    );
  });

  it('await-command refuses an image that is not one of the host in staging (/etc/hosts)', async () => {
    const stdout = backupOutput([
      'vg.datavg.image=/etc/hosts',
      'vg.datavg.exit=0',
      'vg.datavg.size_bytes=200',
      'vg.datavg.status=ok',
    ]);
    const error = (await pollBackup(stdout, 'datavg')) as Error;
    recordOutcome({
      fault: 'backup reports /etc/hosts as a savevg image (await-command)',
      expected: 'HostStepFailed naming the path; nothing planned for upload',
      observed: `${error.name}: ${error.message}`,
      imagesLost: 0,
      ok: error.name === 'HostStepFailed' && error.message.includes('/etc/hosts'),
    });
    expect(error.name).toBe('HostStepFailed');
    expect(error.message).toContain('"/etc/hosts"');
  });

  it('await-command takes the configured volume groups as before', async () => {
    const stdout = backupOutput([
      'vg.datavg.image=/mksysb/lpar01_savevg_datavg_2026-11-23',
      'vg.datavg.exit=0',
      'vg.datavg.size_bytes=1024',
      'vg.datavg.status=ok',
    ]);
    const out = (await pollBackup(stdout, 'datavg')) as { images: { kind: string; volumeGroup: string }[] };
    expect(out.images.map((i) => `${i.kind}:${i.volumeGroup}`)).toEqual(['mksysb:rootvg', 'savevg:datavg']);
  });
});

// A full disk under the local pipeline (issue 13, item 11): `npm start` ends with one line naming the
// data directory and the space a run needs, exit 69, and no multipart upload left open. The disk
// fills through the local mode's stand-in (MKSYSB_VAULT_LOCAL_DISK_BYTES: the store takes 12 MB of
// writes, then refuses them as a full s3rver does and the filesystem reads 0 free).
describe('a full disk in local mode', () => {
  it('npm start ends with one line naming the directory and the space needed, exit 69, no upload left open', async () => {
    const data = mkdtempSync(join(tmpdir(), 'mksysb-vault-disk-full-'));
    const r = await runCliAsync(
      [
        'run',
        '--local',
        '--data',
        data,
        '--scenario',
        'test/fixtures/scenarios/two-hosts.json',
        '--start',
        '2030-01-01',
      ],
      { env: { MKSYSB_VAULT_LOCAL_DISK_BYTES: String(12_000_000) } },
    );
    const uploads = join(data, 'store', 'mksysb-vault-local', '._S3rver_uploads');
    const open = existsSync(uploads) ? readdirSync(uploads) : [];
    const last = r.stderr.trim().split('\n').at(-1) ?? '';
    const ok =
      r.status === 69 &&
      open.length === 0 &&
      last.startsWith(
        `mksysb-vault run: the local data directory ${data} is out of space (0 MiB free): a weekly run of this fleet needs about 44 MiB more`,
      ) &&
      !/\n\s+at /.test(r.stderr);
    recordOutcome({
      fault: 'full disk under npm start (local data directory)',
      expected: 'exit 69, one line naming the directory and the space needed, no multipart upload open',
      observed: `exit ${r.status}; ${last.slice(0, 140)}; open uploads: ${open.length}`,
      imagesLost: 0,
      ok,
    });
    expect(r.status).toBe(69);
    expect(last).toContain(`the local data directory ${data} is out of space (0 MiB free)`);
    expect(last).toContain(
      'needs about 44 MiB more; free space there or give --data a directory on a larger filesystem',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(open).toEqual([]);
    rmSync(data, { recursive: true, force: true });
  }, 240_000);
});
