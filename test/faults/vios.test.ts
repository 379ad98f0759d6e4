// A VIOS through the whole local pipeline (synthesized state machines, real handler logic, real host
// scripts on a simulated VIOS reached as padmin through oem_setup_env, local S3): a baseline week,
// then a week whose viosbr fails while backupios succeeds. The VIOS is FAIL (VIOSBR_MISSING, alerted
// by name), its mksysb of that week is uploaded, verified and kept, no earlier image is lost, and the
// LPAR beside it PASSes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../../lambdas/core/catalog-keys.js';
import type { LocalRunResult, WeeklyOutput } from '../../lib/local/workflow-runner.js';
import {
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
    ],
    {},
    { vios1: { kind: 'vios', viosShell: 'oem_setup_env' } },
  );
}, 60_000);

afterAll(async () => stopFaultRig(rig));

describe('a VIOS through the local pipeline', () => {
  it('a baseline week: the VIOS PASS, its viosbr archive stored beside the image and in the record', async () => {
    const run = await runWeek(rig, { date: week(0) });
    expect(run.output.results.map((l) => l.split('|').slice(0, 3).join('|')).sort()).toEqual([
      'aixprd01|PASS|verified',
      'vios1|PASS|verified',
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

  describe('a week whose viosbr fails while backupios succeeds', () => {
    let run: LocalRunResult<WeeklyOutput>;
    beforeAll(async () => {
      setFaults(rig, 'vios1', ['viosbr_error']);
      run = await runWeek(rig, { date: week(1) });
      setFaults(rig, 'vios1', []);
    }, 120_000);

    it('the VIOS is FAIL VIOSBR_MISSING, alerted by name; its mksysb is kept; nothing lost', async () => {
      const image = `images/vios1/vios1_mksysb_${dayOf(week(1))}`;
      const keys = (await listKeys(rig, image)).map((o) => o.key);
      const j = await judgeFault(rig, {
        fault: 'viosbr fails while backupios succeeds (vios1)',
        expected: 'FAIL VIOSBR_MISSING, alert names the VIOS, its mksysb uploaded and kept, others PASS',
        run,
        host: 'vios1',
        line: /^FAIL verified VIOSBR_MISSING$/,
        alert: /^\[mksysb-vault\] FAIL vios1 VIOSBR_MISSING /,
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
});
