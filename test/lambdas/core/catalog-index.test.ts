// The per-host catalog index as pure functions: entries from records, idempotent upserts, retired
// entries, a rebuild that equals upserting every record, and the disagreements `catalog rebuild` reports.
import { describe, expect, it } from 'vitest';
import {
  addMissingEntries,
  type CatalogIndex,
  compareIndex,
  emptyIndex,
  indexEntryOf,
  parseCatalogIndex,
  rebuildIndex,
  renderCatalogIndex,
  retireEntries,
  retireRecords,
  upsertEntry,
} from '../../../lambdas/core/catalog-index.js';
import { catalogIndexKey } from '../../../lambdas/core/catalog-keys.js';
import { historyEntryOfRecord } from '../../../lambdas/core/image-history.js';
import { makeRecord, weeklyDates } from '../../support/local-store.js';

const HOST = 'lpar01';
const records = weeklyDates('2026-11-23T02:00:00.000Z', 4).map((date) => makeRecord({ host: HOST, date }));
const savevg = makeRecord({
  host: HOST,
  date: '2026-11-23T02:00:00.000Z',
  kind: 'savevg',
  volumeGroup: 'datavg',
  verdict: 'WARN',
  anomalies: [{ code: 'SIZE_DROP', severity: 'warn', message: 'smaller', evidence: {} }],
});
const all = [...records, savevg];
const upserted = (rs: typeof all) =>
  rs.reduce((index, r) => upsertEntry(index, indexEntryOf(r)), emptyIndex(HOST));

describe('catalog index', () => {
  it('keeps what the fleet-wide reads need of a record: size, verdict, codes, OS level, both checksums', () => {
    const entry = indexEntryOf(savevg);
    expect(entry).toMatchObject({
      key: 'images/lpar01/lpar01_savevg_datavg_2026-11-23',
      kind: 'savevg',
      volumeGroup: 'datavg',
      sizeBytes: savevg.sizeBytes,
      verdict: 'WARN',
      codes: ['SIZE_DROP'],
      osLevel: '7300-02-01-2346',
      sha256: 'a'.repeat(64),
      storedSha256: 'a'.repeat(64),
      runId: 'run-2026-11-23',
      retired: null,
    });
  });

  it('upserting the same record twice changes nothing', () => {
    const once = upsertEntry(emptyIndex(HOST), indexEntryOf(savevg));
    expect(upsertEntry(once, indexEntryOf(savevg))).toBe(once);
  });

  it('upserting a changed record replaces its entry', () => {
    const once = upsertEntry(emptyIndex(HOST), indexEntryOf(savevg));
    const twice = upsertEntry(once, indexEntryOf({ ...savevg, verdict: 'FAIL' }));
    expect(twice.entries).toHaveLength(1);
    expect(twice.entries[0]?.verdict).toBe('FAIL');
  });

  it('keeps entries newest first whatever order they were upserted in', () => {
    expect(upserted([...all].reverse())).toEqual(upserted(all));
    expect(upserted(all).entries.map((e) => e.date.slice(0, 10))).toEqual([
      '2026-11-23',
      '2026-11-23',
      '2026-11-16',
      '2026-11-09',
      '2026-11-02',
    ]);
  });

  it('rebuilding from the records gives the same index as upserting each record', () => {
    expect(rebuildIndex(HOST, all)).toEqual(upserted(all));
    expect(renderCatalogIndex(rebuildIndex(HOST, [...all].reverse()))).toBe(
      renderCatalogIndex(upserted(all)),
    );
  });

  it('retires an entry once, keeping its first date, and ignores keys it has no entry for', () => {
    const key = records[0]?.key ?? '';
    const index = upserted(all);
    const retired = retireEntries(
      index,
      [key, 'images/lpar01/lpar01_mksysb_2020-01-06'],
      new Date('2026-12-01T00:00:00Z'),
      'RETENTION',
    );
    expect(retired.entries.find((e) => e.key === key)?.retired).toEqual({
      at: '2026-12-01T00:00:00.000Z',
      because: 'RETENTION',
    });
    expect(retired.entries).toHaveLength(index.entries.length);
    expect(retireEntries(retired, [key], new Date('2026-12-08T00:00:00Z'))).toBe(retired);
  });

  it('retiring a deleted image the index lacks puts its entry in first, retired', () => {
    const [first, second] = records;
    if (!first || !second) throw new Error('fixture');
    const index = upserted([second]);
    const at = new Date('2026-12-01T00:00:00Z');
    const retired = retireRecords(index, [{ record: first, because: 'RETENTION' }], at);
    expect(retired.entries.find((e) => e.key === first.key)).toEqual({
      ...indexEntryOf(first),
      retired: { at: '2026-12-01T00:00:00.000Z', because: 'RETENTION' },
    });
    expect(
      retireRecords(retired, [{ record: first, because: 'RETENTION' }], new Date('2026-12-08T00:00:00Z')),
    ).toBe(retired);
  });

  it('adds only the entries the index lacks, never overwriting one it has', () => {
    const [first, second] = records;
    if (!first || !second) throw new Error('fixture');
    const index = retireEntries(upserted([second]), [second.key], new Date('2026-12-01T00:00:00Z'));
    const added = addMissingEntries(index, [indexEntryOf(first), indexEntryOf(second)]);
    expect(added.entries.map((e) => [e.key, e.retired === null])).toEqual([
      [second.key, false],
      [first.key, true],
    ]);
    expect(addMissingEntries(added, [indexEntryOf(first)])).toBe(added);
  });

  it('a rebuild keeps the retired entries that have no record, from the old index and from history/', () => {
    const [oldest, second, ...rest] = records;
    if (!oldest || !second) throw new Error('fixture');
    const previous = retireEntries(upserted(all), [oldest.key], new Date('2026-12-01T00:00:00Z'));
    const history = [historyEntryOfRecord(second, new Date('2026-12-02T00:00:00Z'), 'RETENTION')];
    const rebuilt = rebuildIndex(HOST, [...rest, savevg], history, previous);
    expect(rebuilt.entries.map((e) => [e.key, e.retired?.at ?? null])).toEqual([
      [records[3]?.key, null],
      [savevg.key, null],
      [records[2]?.key, null],
      [second.key, '2026-12-02T00:00:00.000Z'],
      [oldest.key, '2026-12-01T00:00:00.000Z'],
    ]);
    expect(compareIndex(rebuilt, [...rest, savevg])).toEqual([]);
  });

  it('reports a missing entry, a stale entry and a live entry with no record', () => {
    const [gone, stale, missing] = records;
    if (!gone || !stale || !missing) throw new Error('fixture');
    const index: CatalogIndex = {
      ...upserted(all),
      entries: upserted(all)
        .entries.filter((e) => e.key !== missing.key)
        .map((e) => (e.key === stale.key ? { ...e, sizeBytes: 1, verdict: 'FAIL' } : e)),
    };
    const present = all.filter((r) => r !== gone);
    const where = catalogIndexKey(HOST);
    expect(compareIndex(index, present)).toEqual([
      {
        key: gone.key,
        kind: 'orphan',
        problem: `${where}: ${gone.key} has an entry but no record, and is not marked retired`,
      },
      {
        key: stale.key,
        kind: 'stale',
        problem: `${where}: the entry of ${stale.key} differs from its record (sizeBytes, verdict)`,
      },
      { key: missing.key, kind: 'missing', problem: `${where}: no entry for ${missing.key}` },
    ]);
  });

  it('a retired entry whose record is still there is stale', () => {
    const index = retireEntries(upserted(all), [savevg.key], new Date('2026-12-01T00:00:00Z'));
    expect(compareIndex(index, all).map((d) => [d.key, d.kind])).toEqual([[savevg.key, 'stale']]);
  });

  it('reads back what it renders, and names the key of one that is not an index', () => {
    const key = catalogIndexKey(HOST);
    const index = upserted(all);
    expect(parseCatalogIndex(renderCatalogIndex(index), key)).toEqual({ ok: true, index });
    expect(parseCatalogIndex('{"schemaVersion":1,', key)).toEqual({ ok: false, problem: `${key}: not JSON` });
    expect(parseCatalogIndex(renderCatalogIndex(index), catalogIndexKey('lpar02'))).toMatchObject({
      ok: false,
    });
    const bad = JSON.stringify({ ...index, entries: [{ ...index.entries[0], sizeBytes: -1 }] });
    expect(parseCatalogIndex(bad, key)).toEqual({
      ok: false,
      problem: expect.stringContaining(`${key}: entries.0.sizeBytes:`),
    });
  });
});
