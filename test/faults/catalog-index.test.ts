// A crash between a record write and its catalog index update, through the whole local pipeline:
// verify's PUT of aixcat01's index is refused in week 1 (the record is written, the index is not).
// Meanwhile status and retention still see the week-1 image (from its record, which the listing shows
// and the index lacks); the next week's verify repairs the index; and `catalog rebuild` repairs an
// index that lost an entry the same way, reporting it as missing first. 0 images lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listHostRecords } from '../../lambdas/adapters/catalog.js';
import { readIndex } from '../../lambdas/adapters/catalog-index.js';
import { applyRetention } from '../../lambdas/adapters/retention.js';
import { compareIndex } from '../../lambdas/core/catalog-index.js';
import { rebuildHost } from '../../lib/cli/catalog.js';
import { readFleet } from '../../lib/cli/fleet-view.js';
import { hostStatus } from '../../lib/cli/status.js';
import type { S3Request } from '../../lib/local/s3-server.js';
import { recordOutcome } from './outcomes.js';
import {
  type FaultRig,
  imagesLost,
  judgeFault,
  MiB,
  openRigStore,
  runWeek,
  startFaultRig,
  stopFaultRig,
  weekAfter,
} from './support.js';

const START = '2026-08-03T02:00:00.000Z';
const week = (n: number) => weekAfter(START, n);
const HOST = 'aixcat01';
let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig('catalog-index', [
    { host: HOST, sizeBytes: 16 * MiB },
    { host: 'aixcat02', sizeBytes: 16 * MiB },
  ]);
}, 120_000);

afterAll(async () => {
  await stopFaultRig(rig);
});

const store = () => ({ client: rig.store.client(), bucket: rig.store.bucket });

/** The image keys of the host's index entries, and those of its records the index lacks. */
async function indexState(host: string): Promise<{ entries: string[]; missing: string[] }> {
  const stored = await readIndex(store(), host);
  if (stored.state !== 'ok') throw new Error(`${stored.key}: ${stored.state}`);
  const { records } = await listHostRecords(store(), host);
  return {
    entries: stored.index.entries.map((e) => e.key),
    missing: compareIndex(stored.index, records)
      .filter((d) => d.kind === 'missing')
      .map((d) => d.key),
  };
}

/** Refuses every PUT of the host's index (what a verify that stopped after its record leaves behind). */
const refuseIndexPut = (request: S3Request) =>
  request.method === 'PUT' && request.path.endsWith(`/catalog/${HOST}/index.json`) ? 403 : undefined;

describe('a crash between a record write and its index update', () => {
  it('status and retention still see the image; the next verify repairs the index', async () => {
    await runWeek(rig, { date: week(0) });
    rig.store.injectFailures(refuseIndexPut);
    let week1: Awaited<ReturnType<typeof runWeek>>;
    try {
      week1 = await runWeek(rig, { date: week(1) });
    } finally {
      rig.store.injectFailures(undefined);
    }
    const newest = `images/${HOST}/${HOST}_mksysb_${week(1).slice(0, 10)}`;
    const afterCrash = await indexState(HOST);
    // Meanwhile: status's newest image and retention's plan include the image the index lacks.
    const now = weekAfter(week(1), 0.1);
    const [view] = (await readFleet(openRigStore(rig.store, rig.config, now), [HOST])).hosts;
    const status = view ? hostStatus(view, new Date(now), 8) : null;
    const plan = await applyRetention(
      { hosts: [HOST], dryRun: true },
      {
        s3: store().client,
        bucket: rig.store.bucket,
        policy: rig.config.retention,
        objectLock: false,
        now: () => new Date(now),
      },
    );
    const kept = plan.keep.map((d) => d.key);

    const week2 = await runWeek(rig, { date: week(2) });
    const repaired = await indexState(HOST);
    const j = await judgeFault(rig, {
      fault: `crash between a record write and its index update (${HOST}'s index PUT refused in week 1)`,
      expected: 'PASS; status and retention still see the image; the next verify repairs the index',
      run: week2,
      host: HOST,
      line: /^PASS verified$/,
      alert: null,
      extra: [
        {
          ok: afterCrash.missing.includes(newest),
          problem: `the refused update did not leave ${newest} out of the index`,
        },
        {
          ok: status?.lastImage === week(1),
          problem: `status's newest image: ${status?.lastImage}, not ${week(1)}`,
        },
        {
          ok: kept.includes(newest) && plan.delete.length === 0,
          problem: `retention's plan: keep ${kept.join(', ')}; delete ${plan.delete.length}`,
        },
        {
          ok: repaired.missing.length === 0,
          problem: `still missing from the index after week 2: ${repaired.missing.join(', ')}`,
        },
        {
          ok: repaired.entries.length === 3,
          problem: `index entries after week 2: ${repaired.entries.join(', ')}`,
        },
      ],
    });
    expect(week1.output).toBeDefined();
    expect(afterCrash.missing).toEqual([newest]);
    expect(status?.lastImage).toBe(week(1));
    expect(kept).toContain(newest);
    expect(repaired.missing).toEqual([]);
    expect(j.ok, j.observed).toBe(true);
  });

  it('catalog rebuild reports the missing entry and repairs it', async () => {
    rig.store.injectFailures(refuseIndexPut);
    try {
      await runWeek(rig, { date: week(3) });
    } finally {
      rig.store.injectFailures(undefined);
    }
    const before = await indexState(HOST);
    const rebuilt = await rebuildHost(store(), HOST, {
      dryRun: false,
      startedAt: new Date(weekAfter(week(3), 0.1)),
    });
    const after = await indexState(HOST);
    const lost = await imagesLost(rig);
    const reported = rebuilt.disagreements.map((d) => `${d.kind} ${d.key}`);
    const ok =
      before.missing.length === 1 && after.missing.length === 0 && lost.length === 0 && rebuilt.written;
    recordOutcome({
      fault: `crash between a record write and its index update, then catalog rebuild (${HOST}, week 3)`,
      expected: 'rebuild reports the entry missing and writes it; 0 images lost',
      observed: `reported: ${reported.join(', ') || 'nothing'}; missing after: ${after.missing.length}; entries: ${after.entries.length}`,
      imagesLost: lost.length,
      ok,
    });
    expect(reported).toEqual(before.missing.map((key) => `missing ${key}`));
    expect(after.missing).toEqual([]);
    expect(lost).toEqual([]);
  });
});
