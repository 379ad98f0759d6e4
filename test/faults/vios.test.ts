// A VIOS through the whole local pipeline (synthesized state machines, real handler logic, real host
// scripts on a simulated VIOS reached as padmin through oem_setup_env, local S3): a baseline week,
// then a week whose viosbr fails while backupios succeeds. The VIOS is FAIL (VIOSBR_MISSING, alerted
// by name), its mksysb of that week is uploaded, verified and kept, no earlier image is lost, and the
// LPAR beside it PASSes. Beside it vios2, whose padmin may use ioscli alone: preflight and backup run
// on the relay, backupios writes into the relay's NFS export, and the image, which nobody can list,
// is judged on the stored archive; its mount refused or its viosbr failing lose nothing, and an
// unmount that fails is alerted (the export left mounted on the VIOS).
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../../lambdas/core/catalog-keys.js';
import type { LocalRunResult, WeeklyOutput } from '../../lib/local/workflow-runner.js';
import { SIM_RELAY } from '../../lib/sim-lpar/index.js';
import {
  alertsOf,
  type FaultRig,
  judgeFault,
  listKeys,
  MiB,
  readObject,
  runWeek,
  setFaults,
  startFaultRig,
  stopFaultRig,
  weekAfter,
} from './support.js';

const START = '2026-09-07T02:00:00.000Z';
const week = (n: number) => weekAfter(START, n);
let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig(
    'vios',
    [
      { host: 'aixprd01', sizeBytes: 16 * MiB },
      { host: 'vios1', kind: 'vios', sizeBytes: 16 * MiB },
      { host: 'vios2', kind: 'vios', viosShell: 'ioscli', sizeBytes: 8 * MiB, files: 300 },
    ],
    {},
    {
      vios1: { kind: 'vios', viosShell: 'oem_setup_env' },
      vios2: { kind: 'vios', viosShell: 'ioscli', nfsExport: `${SIM_RELAY.name}:${SIM_RELAY.exportDir}` },
    },
  );
}, 60_000);

afterAll(async () => stopFaultRig(rig));

describe('a VIOS through the local pipeline', () => {
  it('a baseline week: the VIOS PASS, its viosbr archive stored beside the image and in the record', async () => {
    const run = await runWeek(rig, { date: week(0) });
    expect(run.output.results.map((l) => l.split('|').slice(0, 3).join('|')).sort()).toEqual([
      'aixprd01|PASS|verified',
      'vios1|PASS|verified',
      'vios2|PASS|verified',
    ]);
    const image = `images/vios1/vios1_mksysb_${dayOf(week(0))}`;
    const record = JSON.parse((await readObject(rig, `${image}.record.json`)).toString('utf8'));
    expect({ hostKind: record.hostKind, codes: record.viosbr?.codes }).toEqual({
      hostKind: 'vios',
      codes: [],
    });
    expect((await listKeys(rig, `${image}.viosbr.tar.gz`)).map((o) => o.key)).toEqual([
      `${image}.viosbr.tar.gz`,
    ]);
  });

  it('the ioscli VIOS PASSes on the content check alone: no listing, its image.data and boot files stored whole', async () => {
    const image = `images/vios2/vios2_mksysb_${dayOf(week(0))}`;
    const record = JSON.parse((await readObject(rig, `${image}.record.json`)).toString('utf8'));
    expect({
      verdict: record.verdict,
      lsmksysb: record.lsmksysb,
      content: record.content?.complete,
      codes: record.content?.codes,
      viosbr: record.viosbr?.codes,
    }).toEqual({ verdict: 'PASS', lsmksysb: null, content: true, codes: [], viosbr: [] });
    const keys = (await listKeys(rig, image)).map((o) => o.key);
    expect(keys).toContain(`${image}.viosbr.tar.gz`);
    expect(keys).not.toContain(`${image}.lsmksysb`);
    // The image stays in the relay's export (keepLocal), the VIOS's mount point is free again.
    const local = join(rig.dir, 'relay', SIM_RELAY.exportDir, 'vios2');
    expect(readdirSync(local)).toContain(`vios2_mksysb_${dayOf(week(0))}`);
  });

  viosbrFailureWeek('vios1', 1, 'viosbr fails while backupios succeeds (vios1)');

  describe('a week whose ioscli VIOS cannot mount the relay export', () => {
    let run: LocalRunResult<WeeklyOutput>;
    beforeAll(async () => {
      setFaults(rig, 'vios2', ['nfs_mount_refused']);
      run = await runWeek(rig, { date: week(2) });
      setFaults(rig, 'vios2', []);
    }, 120_000);

    it('vios2 is FAIL BACKUP_FAILED naming the refused mount; nothing uploaded, nothing lost', async () => {
      const image = `images/vios2/vios2_mksysb_${dayOf(week(2))}`;
      const keys = (await listKeys(rig, image)).map((o) => o.key);
      const alert = alertsOf(run, 'vios2')[0];
      const j = await judgeFault(rig, {
        fault: 'ioscli VIOS: mount of the relay NFS export refused (vios2)',
        expected:
          'FAIL BACKUP_FAILED nfs_mount_failed, alert names the VIOS, nothing uploaded, earlier images kept',
        run,
        host: 'vios2',
        line: /^FAIL backup_failed BACKUP_FAILED$/,
        alert: /^\[mksysb-vault\] FAIL vios2 BACKUP_FAILED /,
        extra: [
          { ok: keys.length === 0, problem: `objects were stored for the week (${keys.join(', ')})` },
          {
            ok: /nfs_mount_failed/.test(alert?.message ?? ''),
            problem: `the alert does not name the refused mount: ${alert?.message}`,
          },
        ],
      });
      expect({ ok: j.ok, observed: j.observed }).toEqual({ ok: true, observed: j.observed });
      expect(j.lost).toEqual([]);
    });
  });

  viosbrFailureWeek('vios2', 3, 'ioscli VIOS: viosbr fails while backupios succeeds (vios2)');

  describe('a week whose ioscli VIOS cannot unmount the relay export', () => {
    let run: LocalRunResult<WeeklyOutput>;
    let leftMounted = false;
    beforeAll(async () => {
      setFaults(rig, 'vios2', ['nfs_unmount_busy']);
      run = await runWeek(rig, { date: week(4) });
      setFaults(rig, 'vios2', []);
      // What the alert asks of the operator: unmount it (the stand-in's mount is a link).
      const mountPoint = join(rig.sim.hostRoot('vios2'), 'mnt');
      leftMounted = lstatSync(mountPoint).isSymbolicLink();
      rmSync(mountPoint);
      mkdirSync(mountPoint);
    }, 120_000);

    it('vios2 PASSes with a WARN alert NFS_UNMOUNT_FAILED naming the mount point; its image kept, nothing lost', async () => {
      const image = `images/vios2/vios2_mksysb_${dayOf(week(4))}`;
      const keys = (await listKeys(rig, image)).map((o) => o.key);
      const alert = alertsOf(run, 'vios2')[0];
      const j = await judgeFault(rig, {
        fault: 'ioscli VIOS: unmount of the relay NFS export fails, busy (vios2)',
        expected: 'PASS, WARN NFS_UNMOUNT_FAILED alert naming the mount point, image stored, nothing lost',
        run,
        host: 'vios2',
        line: /^PASS verified NFS_UNMOUNT_FAILED$/,
        alert: /^\[mksysb-vault\] WARN vios2 NFS_UNMOUNT_FAILED /,
        extra: [
          { ok: leftMounted, problem: 'the export was not left mounted: the fault did not happen' },
          { ok: keys.includes(image), problem: `the week's image is not in the store (${keys.join(', ')})` },
          {
            ok: /ioscli unmount \/mnt failed on vios2/.test(alert?.message ?? ''),
            problem: `the alert does not name the mount point: ${alert?.message}`,
          },
        ],
      });
      expect({ ok: j.ok, observed: j.observed }).toEqual({ ok: true, observed: j.observed });
      expect(j.lost).toEqual([]);
    });
  });
});

/**
 * The week `n` whose viosbr fails on `host` while backupios succeeds (through either shell): the VIOS
 * is FAIL VIOSBR_MISSING and alerted, its mksysb uploaded and kept, no viosbr archive stored.
 */
function viosbrFailureWeek(host: string, n: number, fault: string): void {
  describe(`a week whose viosbr fails on ${host} while backupios succeeds`, () => {
    let run: LocalRunResult<WeeklyOutput>;
    beforeAll(async () => {
      setFaults(rig, host, ['viosbr_error']);
      run = await runWeek(rig, { date: week(n) });
      setFaults(rig, host, []);
    }, 120_000);

    it(`${host} is FAIL VIOSBR_MISSING, alerted by name; its mksysb is kept; nothing lost`, async () => {
      const image = `images/${host}/${host}_mksysb_${dayOf(week(n))}`;
      const keys = (await listKeys(rig, image)).map((o) => o.key);
      const j = await judgeFault(rig, {
        fault,
        expected: 'FAIL VIOSBR_MISSING, alert names the VIOS, its mksysb uploaded and kept, others PASS',
        run,
        host,
        line: /^FAIL verified VIOSBR_MISSING$/,
        alert: new RegExp(`^\\[mksysb-vault\\] FAIL ${host} VIOSBR_MISSING `),
        extra: [
          {
            ok: keys.includes(image) && keys.includes(`${image}.record.json`),
            problem: `the week's mksysb or its record is not in the store (${keys.join(', ')})`,
          },
          {
            ok: !keys.includes(`${image}.viosbr.tar.gz`),
            problem: 'a viosbr archive was stored although viosbr failed',
          },
        ],
      });
      expect({ ok: j.ok, observed: j.observed }).toEqual({ ok: true, observed: j.observed });
      expect(j.lost).toEqual([]);
    });
  });
}
