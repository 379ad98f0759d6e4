// The dates records and events carry: zod's ISO formats accept what the pipeline writes (Z, a zone
// offset, a bare day) and refuse what only Date.parse would take, naming the field.
import { describe, expect, it } from 'vitest';
import { recordKey, UploadedImageSchema } from '../../../lambdas/core/catalog-keys.js';
import { parseImageRecord, renderImageRecord } from '../../../lambdas/core/image-record.js';
import { IsoDateSchema } from '../../../lambdas/core/iso-date.js';
import { makeRecord } from '../../support/local-store.js';

const upload = (date: string) => ({
  runId: 'run-2026-11-23',
  host: 'lpar01',
  kind: 'mksysb',
  date,
  key: 'images/lpar01/lpar01_mksysb_2026-11-23',
  sizeBytes: 1,
});

describe('ISO dates', () => {
  it.each([
    '2026-11-23T02:00:00.000Z',
    '2026-11-23T02:00:00Z',
    '2026-11-23T03:00:00.000+05:30',
    '2026-11-22T21:00:00-05:00',
    '2026-11-23',
  ])('accepts %s', (date) => {
    expect(IsoDateSchema.safeParse(date).success).toBe(true);
  });

  it.each([
    'Nov 23 2026',
    'Mon, 23 Nov 2026 02:00:00 GMT',
    '2026-11-23T02:00',
    '2026-11-23 02:00:00Z',
    '2026-02-30',
    'soon',
    '',
  ])('refuses %s, which is no ISO date, naming the field', (date) => {
    const parsed = UploadedImageSchema.safeParse(upload(date));
    expect(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'date: not an ISO date',
    ]);
  });

  it('reads a record dated in a zone offset, as a run in the fleet zone writes it', () => {
    const record = makeRecord({ host: 'lpar01', date: '2026-11-23T03:00:00.000+05:30' });
    const parsed = parseImageRecord(renderImageRecord(record), recordKey(record.key));
    expect(parsed).toMatchObject({ ok: true, record: { date: '2026-11-23T03:00:00.000+05:30' } });
  });

  it('reads a version-1 record dated by day only', () => {
    const {
      content: _c,
      changes: _ch,
      staging: _s,
      ...fields
    } = makeRecord({ host: 'lpar01', date: '2026-11-16' });
    const parsed = parseImageRecord(JSON.stringify({ ...fields, schemaVersion: 1 }), recordKey(fields.key));
    expect(parsed).toMatchObject({ ok: true, record: { date: '2026-11-16' } });
  });
});
