// The catalog record's versions: verify writes version 2 (with the content check); version-1 records
// already in stores still parse, as records whose stored bytes were never checked, so history keeps
// working on a store that predates the content check.
import { describe, expect, it } from 'vitest';
import {
  IMAGE_RECORD_SCHEMA_VERSION,
  parseImageRecord,
  renderImageRecord,
} from '../../../lambdas/shared/image-record.js';
import { makeRecord } from '../../support/local-store.js';

const DATE = '2026-11-23T02:00:00.000Z';
const KEY = 'images/lpar01/lpar01_mksysb_2026-11-23';

/** A record exactly as verify wrote it before the content check existed. */
function versionOneText(): string {
  const { content: _content, ...fields } = makeRecord({ host: 'lpar01', date: DATE });
  return JSON.stringify({ ...fields, schemaVersion: 1 });
}

describe('image records', () => {
  it('writes the current version, 2, with the content check', () => {
    const text = renderImageRecord(makeRecord({ host: 'lpar01', date: DATE }));
    const json = JSON.parse(text);
    expect({
      version: json.schemaVersion,
      sha256: json.content.sha256,
      indexKey: json.content.indexKey,
    }).toEqual({
      version: IMAGE_RECORD_SCHEMA_VERSION,
      sha256: 'a'.repeat(64),
      indexKey: `${KEY}.index.gz`,
    });
    expect(IMAGE_RECORD_SCHEMA_VERSION).toBe(2);
  });

  it('reads a version-1 record of an older store as one whose content was never checked', () => {
    const parsed = parseImageRecord(versionOneText(), `${KEY}.record.json`);
    expect(
      parsed.ok && {
        version: parsed.record.schemaVersion,
        content: parsed.record.content,
        verdict: parsed.record.verdict,
      },
    ).toEqual({
      version: 1,
      content: null,
      verdict: 'PASS',
    });
  });

  it('refuses a version-1 record that carries a content field, naming it', () => {
    const json = { ...JSON.parse(versionOneText()), content: null };
    expect(parseImageRecord(JSON.stringify(json), `${KEY}.record.json`)).toEqual({
      ok: false,
      problem: `${KEY}.record.json: (record): Unrecognized key: "content"`,
    });
  });

  it('refuses a version-2 record without its content field, naming it', () => {
    const { content: _content, ...fields } = makeRecord({ host: 'lpar01', date: DATE });
    expect(parseImageRecord(JSON.stringify(fields), `${KEY}.record.json`)).toEqual({
      ok: false,
      problem: `${KEY}.record.json: content: Invalid input: expected object, received undefined`,
    });
  });

  it('refuses a version it does not know', () => {
    const json = {
      ...JSON.parse(renderImageRecord(makeRecord({ host: 'lpar01', date: DATE }))),
      schemaVersion: 3,
    };
    const parsed = parseImageRecord(JSON.stringify(json), `${KEY}.record.json`);
    expect(parsed.ok ? 'parsed' : parsed.problem).toMatch(
      /^images\/lpar01\/lpar01_mksysb_2026-11-23\.record\.json: schemaVersion: /,
    );
  });

  it('never rewrites an old record as if it were current', () => {
    const parsed = parseImageRecord(versionOneText(), `${KEY}.record.json`);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(() => renderImageRecord(parsed.record)).toThrow(/schemaVersion/);
  });
});
