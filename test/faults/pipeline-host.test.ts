// Faults on the host side, through the whole local pipeline (synthesized state machines, real handler
// logic, real host scripts on simulated LPARs, local S3): unreachable LPAR, ssh authentication refused,
// relay down, mksysb failing with a 0512 error, staging filesystem full, /tmp full, a tiny image, an
// image that drops and one that jumps in size. One fleet, one store, a week per fault: after each, the
// store still holds every earlier PASS image byte for byte, nothing half-written is listed, the report
// and the alert name the host and the cause, and the other hosts PASS.
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../../lambdas/core/catalog-keys.js';
import type { LocalRunResult, WeeklyOutput } from '../../lib/local/workflow-runner.js';
import {
  alertsOf,
  type FaultJudgement,
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
let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig(
    'host',
    [
      { host: 'aixprd01', sizeBytes: 16 * MiB, volumeGroups: ['rootvg', 'datavg'] },
      { host: 'aixprd02', sizeBytes: 20 * MiB },
      { host: 'aixapp01', sizeBytes: 16 * MiB },
      { host: 'dbqa09', sizeBytes: 20 * MiB },
    ],
    {},
    { aixapp01: { mksysbFlags: '-e' } },
  );
}, 60_000);

afterAll(async () => stopFaultRig(rig));

function expectJudged(j: FaultJudgement): void {
  expect({ ok: j.ok, observed: j.observed }).toEqual({ ok: true, observed: j.observed });
  expect(j.lost).toEqual([]);
  expect(j.problems).toEqual([]);
  expect(j.othersNotPassing).toEqual([]);
  expect({ line: j.lineOk, alert: j.alertOk, observed: j.observed }).toEqual({
    line: true,
    alert: true,
    observed: j.observed,
  });
}

describe('host faults through the local pipeline', () => {
  it('two baseline weeks: every host PASS with its images catalogued', async () => {
    for (const n of [0, 1]) {
      const run = await runWeek(rig, { date: week(n) });
      expect(run.output.results.map((l) => l.split('|').slice(0, 3).join('|')).sort()).toEqual([
        'aixapp01|PASS|verified',
        'aixprd01|PASS|verified',
        'aixprd02|PASS|verified',
        'dbqa09|PASS|verified',
      ]);
    }
    // Two mksysb each, plus aixprd01's two savevg images of datavg.
    expect(rig.passImages.size).toBe(10);
  });

  describe('a week with an unreachable LPAR, refused ssh keys and a relay that is down', () => {
    let run: LocalRunResult<WeeklyOutput>;
    const hit = ['aixapp01', 'dbqa09', 'aixprd02'];
    beforeAll(async () => {
      setFaults(rig, 'aixapp01', ['unreachable']);
      setFaults(rig, 'dbqa09', ['auth_failure']);
      setFaults(rig, 'aixprd02', ['relay_down']);
      run = await runWeek(rig, { date: week(2) });
      for (const host of hit) setFaults(rig, host, []);
    }, 120_000);

    it('the unreachable LPAR: FAIL HOST_UNREACHABLE, alerted by name, nothing lost, aixprd01 PASS', async () => {
      const j = await judgeFault(rig, {
        fault: 'LPAR unreachable (aixapp01)',
        expected: 'FAIL HOST_UNREACHABLE, alert names host, others PASS',
        run,
        host: 'aixapp01',
        line: /^FAIL unreachable HOST_UNREACHABLE$/,
        alert: /^\[mksysb-vault\] FAIL aixapp01 HOST_UNREACHABLE /,
        alsoHit: hit,
      });
      expectJudged(j);
    });

    it('ssh authentication refused: FAIL AUTH_FAILED for that host', async () => {
      const j = await judgeFault(rig, {
        fault: 'SSH authentication failure (dbqa09)',
        expected: 'FAIL AUTH_FAILED, alert names host, others PASS',
        run,
        host: 'dbqa09',
        line: /^FAIL auth_failed AUTH_FAILED$/,
        alert: /^\[mksysb-vault\] FAIL dbqa09 AUTH_FAILED /,
        alsoHit: hit,
      });
      expectJudged(j);
    });

    it('the relay is down (SSM never delivers the preflight): it times out, FAIL naming the host', async () => {
      const commands = rig.workflow.ssm.commands.filter((c) => c.host === 'aixprd02');
      const alert = alertsOf(run, 'aixprd02')[0];
      const j = await judgeFault(rig, {
        fault: 'relay down: SSM command never delivered (aixprd02)',
        expected: 'delivery times out: FAIL BACKUP_FAILED "preflight timed out", alert',
        run,
        host: 'aixprd02',
        line: /^FAIL backup_failed BACKUP_FAILED$/,
        alert: /^\[mksysb-vault\] FAIL aixprd02 BACKUP_FAILED /,
        alsoHit: hit,
        extra: [
          {
            ok: commands.at(-1)?.step === 'preflight',
            problem: `last command sent to aixprd02 was ${commands.at(-1)?.step}, not preflight`,
          },
          {
            ok: /preflight timed out/.test(alert?.message ?? ''),
            problem: 'the alert does not say the preflight timed out',
          },
        ],
      });
      expectJudged(j);
    });
  });

  describe('a week with mksysb failing on 0512-013, a full staging filesystem and a full /tmp', () => {
    let run: LocalRunResult<WeeklyOutput>;
    const hit = ['dbqa09', 'aixprd02', 'aixapp01'];
    let stagingBefore: string[];
    let stagingAfter: string[];
    beforeAll(async () => {
      const staging = rig.sim.stagingDir('aixprd02');
      writeFileSync(join(staging, 'operator-notes.txt'), 'kept by the operator\n');
      stagingBefore = listing(staging);
      setFaults(rig, 'dbqa09', ['mksysb_error']);
      setFaults(rig, 'aixprd02', [], { stagingFreeBytes: 4 * MiB });
      // aixapp01 runs mksysb without -X: a full /tmp must stop it before bosboot fails.
      setFaults(rig, 'aixapp01', ['tmp_full'], { tmpFreeBytes: MiB });
      run = await runWeek(rig, { date: week(3) });
      stagingAfter = listing(staging);
      setFaults(rig, 'dbqa09', []);
      setFaults(rig, 'aixprd02', [], { stagingFreeBytes: 500 * 1024 * MiB });
      setFaults(rig, 'aixapp01', [], { tmpFreeBytes: 1024 * MiB });
    }, 120_000);

    it('mksysb exits 1 with 0512-013: FAIL BACKUP_FAILED naming the exit, nothing uploaded', async () => {
      const alert = alertsOf(run, 'dbqa09')[0];
      const j = await judgeFault(rig, {
        fault: 'mksysb fails with 0512-013 (dbqa09)',
        expected: 'FAIL BACKUP_FAILED mksysb_exit_1, alert, nothing uploaded',
        run,
        host: 'dbqa09',
        line: /^FAIL backup_failed BACKUP_FAILED$/,
        alert: /^\[mksysb-vault\] FAIL dbqa09 BACKUP_FAILED /,
        alsoHit: hit,
        extra: [
          { ok: /mksysb_exit_1/.test(alert?.message ?? ''), problem: 'the alert does not say mksysb_exit_1' },
          {
            ok: !(await listKeys(rig, 'images/dbqa09/')).some((o) => o.key.includes(dayOf(week(3)))),
            problem: 'objects of the failed day were written under images/dbqa09/',
          },
        ],
      });
      expectJudged(j);
    });

    it('staging full: preflight refuses, and nothing in staging is deleted to make room', async () => {
      const alert = alertsOf(run, 'aixprd02')[0];
      const j = await judgeFault(rig, {
        fault: 'staging filesystem full (aixprd02)',
        expected: 'FAIL PREFLIGHT_REFUSED staging_too_small, staging files untouched',
        run,
        host: 'aixprd02',
        line: /^FAIL refused PREFLIGHT_REFUSED$/,
        alert: /^\[mksysb-vault\] FAIL aixprd02 PREFLIGHT_REFUSED /,
        alsoHit: hit,
        extra: [
          {
            ok: JSON.stringify(stagingAfter) === JSON.stringify(stagingBefore),
            problem: `staging changed: ${JSON.stringify(stagingBefore)} -> ${JSON.stringify(stagingAfter)}`,
          },
          {
            ok: /staging_too_small/.test(alert?.message ?? ''),
            problem: 'the alert does not say staging_too_small',
          },
        ],
      });
      expectJudged(j);
      // The two local images kept from the good weeks (with their sidecars) and the operator's file.
      expect(stagingBefore.filter((f) => /_mksysb_\d{4}-\d{2}-\d{2} /.test(f))).toHaveLength(2);
      expect(stagingAfter).toEqual(stagingBefore);
    });

    it('/tmp full: preflight refuses tmp_too_small before mksysb runs, FAIL naming the host', async () => {
      const alert = alertsOf(run, 'aixapp01')[0];
      const j = await judgeFault(rig, {
        fault: '/tmp full, mksysb without -X (aixapp01)',
        expected: 'FAIL PREFLIGHT_REFUSED tmp_too_small, alert',
        run,
        host: 'aixapp01',
        line: /^FAIL refused PREFLIGHT_REFUSED$/,
        alert: /^\[mksysb-vault\] FAIL aixapp01 PREFLIGHT_REFUSED /,
        alsoHit: hit,
        extra: [
          { ok: /tmp_too_small/.test(alert?.message ?? ''), problem: 'the alert does not say tmp_too_small' },
        ],
      });
      expectJudged(j);
    });
  });

  describe('a week with a tiny image, a cut archive, a size drop and a size jump', () => {
    let run: LocalRunResult<WeeklyOutput>;
    const hit = ['aixapp01', 'aixprd02', 'dbqa09', 'aixprd01'];
    beforeAll(async () => {
      setFaults(rig, 'aixapp01', ['tiny_image']);
      setFaults(rig, 'aixprd01', ['cut_short']);
      setFaults(rig, 'aixprd02', [], { sizeBytes: 10 * MiB });
      setFaults(rig, 'dbqa09', [], { sizeBytes: 48 * MiB });
      run = await runWeek(rig, { date: week(4) });
      setFaults(rig, 'aixapp01', []);
      setFaults(rig, 'aixprd01', []);
      setFaults(rig, 'aixprd02', [], { sizeBytes: 20 * MiB });
      setFaults(rig, 'dbqa09', [], { sizeBytes: 20 * MiB });
    }, 120_000);

    it('the tiny image is uploaded but judged FAIL TINY_IMAGE, the earlier good images stay', async () => {
      const j = await judgeFault(rig, {
        fault: 'tiny image, 4 MiB of 16 (aixapp01)',
        expected: 'FAIL (file count short), TINY_IMAGE alert with the size, good images kept',
        run,
        host: 'aixapp01',
        line: /^FAIL verified .*TINY_IMAGE/,
        alert: /^\[mksysb-vault\] (FAIL|WARN) aixapp01 TINY_IMAGE 4\.0 MB /,
        alsoHit: hit,
      });
      expectJudged(j);
    });

    it('an archive cut short while mksysb says it succeeded: FAIL ARCHIVE_TRUNCATED naming the entry cut', async () => {
      const j = await judgeFault(rig, {
        fault: 'archive cut at 3/5, mksysb exit 0 (aixprd01, cut_short)',
        expected: 'FAIL ARCHIVE_TRUNCATED from the stored bytes, alerted with the entry cut',
        run,
        host: 'aixprd01',
        line: /^FAIL verified .*ARCHIVE_TRUNCATED/,
        alert: /^\[mksysb-vault\] FAIL aixprd01 ARCHIVE_TRUNCATED /,
        alsoHit: hit,
      });
      expectJudged(j);
    });

    it('a drop from 20 to 10 MiB: WARN SIZE_DROP with the size in the subject', async () => {
      const j = await judgeFault(rig, {
        fault: 'image size drop 20 -> 10 MiB (aixprd02)',
        expected: 'WARN SIZE_DROP, alert, image kept',
        run,
        host: 'aixprd02',
        line: /^WARN verified SIZE_DROP$/,
        alert: /^\[mksysb-vault\] WARN aixprd02 SIZE_DROP 10\.0 MB /,
        alsoHit: hit,
      });
      expectJudged(j);
    });

    it('a jump from 20 to 48 MiB: WARN SIZE_JUMP with the size in the subject', async () => {
      const j = await judgeFault(rig, {
        fault: 'image size jump 20 -> 48 MiB (dbqa09)',
        expected: 'WARN SIZE_JUMP, alert, image kept',
        run,
        host: 'dbqa09',
        line: /^WARN verified SIZE_JUMP$/,
        alert: /^\[mksysb-vault\] WARN dbqa09 SIZE_JUMP 48\.0 MB /,
        alsoHit: hit,
      });
      expectJudged(j);
    });
  });
});

describe('a week of images whose stored bytes are not what the host says', () => {
  let run: LocalRunResult<WeeklyOutput>;
  const hit = ['aixprd01', 'aixprd02', 'aixapp01', 'dbqa09'];
  beforeAll(async () => {
    // A block of the archive overwritten on the LPAR before backup hashed it: the checksums agree.
    setFaults(rig, 'aixprd01', ['bit_flip']);
    // The image rewritten after backup described it, while backup's part MD5s are there to tell.
    setFaults(rig, 'aixprd02', ['replaced_after_backup']);
    // The same without openssl on the LPAR: no part MD5s, so only the stored bytes can tell.
    setFaults(rig, 'aixapp01', ['replaced_after_backup'], {
      tools: { openssl: false, csum: true, gzip: true },
    });
    setFaults(rig, 'dbqa09', ['wrong_vg']);
    run = await runWeek(rig, { date: week(5) });
    for (const host of hit) setFaults(rig, host, []);
    setFaults(rig, 'aixapp01', [], { tools: { openssl: true, csum: false, gzip: true } });
  }, 300_000);

  it('a corrupted block in the archive: FAIL ARCHIVE_CORRUPT with its offset, though the host SHA-256 agrees', async () => {
    const j = await judgeFault(rig, {
      fault: 'archive block overwritten before the checksum (aixprd01, bit_flip)',
      expected: 'FAIL ARCHIVE_CORRUPT from the stored bytes, alerted; good images kept',
      run,
      host: 'aixprd01',
      line: /^FAIL verified .*ARCHIVE_CORRUPT/,
      alert: /^\[mksysb-vault\] FAIL aixprd01 ARCHIVE_CORRUPT /,
      alsoHit: hit,
    });
    expectJudged(j);
  });

  it('the image rewritten after backup, part MD5s at hand: the transfer refuses to send it, FAIL TRANSFER_FAILED', async () => {
    const j = await judgeFault(rig, {
      fault: 'image rewritten after backup (aixprd02, replaced_after_backup)',
      expected: 'FAIL TRANSFER_FAILED image_changed_since_backup; nothing of it stored as an image',
      run,
      host: 'aixprd02',
      line: /^FAIL transfer_failed TRANSFER_FAILED$/,
      alert: /^\[mksysb-vault\] FAIL aixprd02 TRANSFER_FAILED /,
      alsoHit: hit,
      extra: [
        {
          ok: alertsOf(run, 'aixprd02').some((m) => m.message.includes('image_changed_since_backup')),
          problem: 'the alert does not say the image changed since backup',
        },
        {
          ok: !(await listKeys(rig, 'images/aixprd02/')).some((o) =>
            o.key.endsWith(`_mksysb_${dayOf(week(5))}.record.json`),
          ),
          problem: 'a record was written for the rewritten image',
        },
      ],
    });
    expectJudged(j);
  });

  it('the image rewritten after backup, no part MD5s: uploaded, but FAIL CHECKSUM_MISMATCH from the stored bytes', async () => {
    const j = await judgeFault(rig, {
      fault: 'image rewritten after backup, no openssl (aixapp01)',
      expected: 'FAIL CHECKSUM_MISMATCH: the stored SHA-256 is not the host one',
      run,
      host: 'aixapp01',
      line: /^FAIL verified .*CHECKSUM_MISMATCH/,
      alert: /^\[mksysb-vault\] FAIL aixapp01 CHECKSUM_MISMATCH /,
      alsoHit: hit,
    });
    expectJudged(j);
  });

  it('a mksysb of another volume group: FAIL, its own image.data names the VG', async () => {
    const j = await judgeFault(rig, {
      fault: 'mksysb writes an archive of datavg (dbqa09, wrong_vg)',
      expected: 'FAIL NOT_ROOTVG (listing) and BOOT_FILES_MISSING (the archive holds no kernel, no rc.boot)',
      run,
      host: 'dbqa09',
      line: /^FAIL verified .*NOT_ROOTVG.*BOOT_FILES_MISSING/,
      alert: /^\[mksysb-vault\] FAIL dbqa09 BOOT_FILES_MISSING /,
      alsoHit: hit,
    });
    expectJudged(j);
  });
});

/** Files in a staging directory with their sizes, sorted. */
function listing(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((name) => `${name} ${statSync(join(dir, name)).size}`);
}
