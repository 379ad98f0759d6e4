// History entries: the key each image's entry has, parsing them strictly, and the size history verify
// builds from records and entries together.
import { describe, expect, it } from 'vitest';
import {
  historyEntryOfRecord,
  historyKey,
  mergeHistory,
  parseHistoryKey,
  parseImageHistoryEntry,
  renderImageHistoryEntry,
} from '../../../lambdas/core/image-history.js';
import { historyEntryOf } from '../../../lambdas/core/image-record.js';
import { makeRecord } from '../../support/local-store.js';

const MiB = 1024 * 1024;
const RETIRED = new Date('2026-11-23T12:00:00Z');

describe('history keys', () => {
  it('name the entry by the image, under history/<host>/', () => {
    expect(historyKey('images/lpar01/lpar01_savevg_datavg_2026-06-01')).toBe(
      'history/lpar01/lpar01_savevg_datavg_2026-06-01.json',
    );
    expect(parseHistoryKey('history/lpar01/lpar01_mksysb_2026-06-01.json')).toMatchObject({
      host: 'lpar01',
      kind: 'mksysb',
      day: '2026-06-01',
    });
    expect(parseHistoryKey('history/lpar01/junk.json')).toBeNull();
  });
});

describe('history entries', () => {
  const record = makeRecord({ host: 'lpar01', date: '2026-06-01T02:00:00.000Z', sizeBytes: 16 * MiB });
  const entry = historyEntryOfRecord(record, RETIRED, 'older than the window');

  it("keep the image's size, verdict, OS level, SHA-256 and codes, and when and why it went", () => {
    const key = historyKey(record.key);
    const parsed = parseImageHistoryEntry(renderImageHistoryEntry(entry), key);
    expect(parsed).toEqual({ ok: true, entry });
    expect(entry).toMatchObject({
      sizeBytes: 16 * MiB,
      sha256: record.sha256,
      verdict: record.verdict,
      osLevel: record.osLevel,
      retiredAt: RETIRED.toISOString(),
      retiredBecause: 'older than the window',
    });
  });

  it('refuse an entry under another image’s key, naming both', () => {
    const parsed = parseImageHistoryEntry(
      renderImageHistoryEntry(entry),
      'history/lpar01/lpar01_mksysb_2026-06-08.json',
    );
    expect(parsed).toEqual({
      ok: false,
      problem: `history/lpar01/lpar01_mksysb_2026-06-08.json: names image ${record.key}, not the image its key names`,
    });
  });

  it('join the records in the size history, newest first; a record wins over an entry of the same image', () => {
    const kept = makeRecord({ host: 'lpar01', date: '2026-06-08T02:00:00.000Z', sizeBytes: 9 * MiB });
    const again = historyEntryOfRecord({ ...kept, sizeBytes: 1 }, RETIRED, 'x');
    const history = mergeHistory([kept], [entry, again], historyEntryOf, 10);
    expect(history.map((h) => [h.date.slice(0, 10), h.sizeBytes / MiB])).toEqual([
      ['2026-06-08', 9],
      ['2026-06-01', 16],
    ]);
    expect(mergeHistory([kept], [entry], historyEntryOf, 1)).toHaveLength(1);
  });
});
