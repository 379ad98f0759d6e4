// What status, history and the report read of the fleet, against the local S3 server with every call
// counted: 2 calls per host (its listing, its catalog index) whatever its images; a host without an
// index is read from its records and named; an image the index lacks is still the host's newest.
import { describe, expect, it } from 'vitest';
import { updateIndex } from '../../lambdas/adapters/catalog-index.js';
import { rebuildIndex, retireEntries } from '../../lambdas/core/catalog-index.js';
import type { ImageRecord } from '../../lambdas/core/image-record.js';
import { indexNotes, readFleet } from '../../lib/cli/fleet-view.js';
import { hostStatus } from '../../lib/cli/status.js';
import type { OpenStore } from '../../lib/cli/store.js';
import { countCalls, makeRecord, seedImage, useTestStore, weeklyDates } from '../support/local-store.js';

const local = useTestStore();
const NOW = new Date('2026-11-23T06:00:00.000Z');

/** The store as a command opens it, on a client of its own whose calls are counted. */
function openStore(): { store: OpenStore; calls: ReturnType<typeof countCalls> } {
  const client = local.store.client();
  const calls = countCalls(client);
  const store: OpenStore = {
    client,
    bucket: local.store.bucket,
    description: 'test store',
    local: true,
    presignClient: client,
    fleet: null,
    config: null,
    configSource: 'none',
    nextLocalRun: null,
    clock: NOW,
    close: async () => undefined,
  };
  return { store, calls };
}

async function seedHost(host: string, weeks: number, indexed: number): Promise<ImageRecord[]> {
  const records = weeklyDates('2026-11-23T02:00:00.000Z', weeks).map((date) => makeRecord({ host, date }));
  for (const r of records) await seedImage(local.client, local.store.bucket, r);
  if (indexed > 0)
    await updateIndex({ client: local.client, bucket: local.store.bucket }, host, () =>
      rebuildIndex(host, records.slice(0, indexed)),
    );
  return records;
}

describe('readFleet through the catalog index', () => {
  it('reads each host in at most 2 S3 calls, however many images it has', async () => {
    for (const host of ['aixfv01', 'aixfv02', 'aixfv03', 'aixfv04']) await seedHost(host, 20, 20);
    const { store, calls } = openStore();
    const fleet = await readFleet(store, ['aixfv01', 'aixfv02', 'aixfv03', 'aixfv04']);
    // One listing of the hosts, then per host its listing and its index: none of the 80 records.
    expect(calls).toHaveLength(1 + 2 * fleet.hosts.length);
    expect(calls.filter((c) => c.key?.endsWith('.record.json'))).toEqual([]);
    expect(fleet.hosts.map((v) => v.records.length)).toEqual([20, 20, 20, 20]);
    expect(indexNotes(fleet.hosts)).toEqual([]);
    const status = hostStatus(fleet.hosts[0] as (typeof fleet.hosts)[number], NOW, 8);
    expect(status).toMatchObject({ lastImage: '2026-11-23T02:00:00.000Z', state: 'ok', verdict: 'PASS' });
  });

  it("takes a host's newest image from its record when the index does not know it yet", async () => {
    await seedHost('aixfv05', 4, 3);
    const { store } = openStore();
    const [view] = (await readFleet(store, ['aixfv05'])).hosts;
    if (!view) throw new Error('no view');
    expect(hostStatus(view, NOW, 8)).toMatchObject({ lastImage: '2026-11-23T02:00:00.000Z', state: 'ok' });
    expect(view.indexNote).toBeNull();
  });

  it('names the hosts whose index is missing in one note, and still reads their images', async () => {
    await seedHost('aixfv06', 3, 0);
    await seedHost('aixfv07', 2, 0);
    const { store } = openStore();
    const fleet = await readFleet(store, ['aixfv06', 'aixfv07']);
    expect(fleet.hosts.map((v) => v.records.length)).toEqual([3, 2]);
    expect(indexNotes(fleet.hosts)).toEqual([
      'no catalog index for 2 hosts (aixfv06, aixfv07): their records were read instead; "mksysb-vault catalog rebuild" writes the indexes',
    ]);
  });

  it('holds the images retention deleted, marked retired, only when history asks', async () => {
    const records = await seedHost('aixfv08', 3, 0);
    const gone = makeRecord({ host: 'aixfv08', date: '2026-06-01T02:00:00.000Z' });
    const at = new Date('2026-11-20T00:00:00.000Z');
    await updateIndex({ client: local.client, bucket: local.store.bucket }, 'aixfv08', () =>
      retireEntries(rebuildIndex('aixfv08', [...records, gone]), [gone.key], at, 'beyond the policy'),
    );
    const { store } = openStore();
    const [view] = (await readFleet(store, ['aixfv08'], { history: true })).hosts;
    expect(view?.records).toHaveLength(3);
    expect(view?.retired?.map((e) => [e.key, e.retired?.because])).toEqual([[gone.key, 'beyond the policy']]);
  });
});
