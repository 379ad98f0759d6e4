// The catalog record's versions: verify writes version 4 (with the content check, what changed
// since the previous image and what preflight measured of staging); version-3, version-2 and version-1 records already in stores still parse, with what
// they lack set to null, so history keeps working on a store that predates a field.
import { describe, expect, it } from 'vitest';
import {
  IMAGE_RECORD_SCHEMA_VERSION,
  parseImageRecord,
  renderImageRecord,
} from '../../../lambdas/core/image-record.js';
import { makeRecord } from '../../support/local-store.js';

const DATE = '2026-11-23T02:00:00.000Z';
const KEY = 'images/lpar01/lpar01_mksysb_2026-11-23';

/** A record exactly as verify wrote it before the content check existed. */
function versionOneText(): string {
  const {
    content: _content,
    changes: _changes,
    staging: _staging,
    ...fields
  } = makeRecord({ host: 'lpar01', date: DATE });
  return JSON.stringify({ ...fields, schemaVersion: 1 });
}

/** A record exactly as verify wrote it before it compared images. */
function versionTwoText(): string {
  const { changes: _changes, staging: _staging, ...fields } = makeRecord({ host: 'lpar01', date: DATE });
  return JSON.stringify({ ...fields, schemaVersion: 2 });
}

/** A record exactly as verify wrote it before it kept what preflight measured of staging. */
function versionThreeText(): string {
  const { staging: _staging, ...fields } = makeRecord({ host: 'lpar01', date: DATE });
  return JSON.stringify({ ...fields, schemaVersion: 3 });
}

const STAGING = {
  mount: '/mksysb',
  freeBytes: 40 * 2 ** 30,
  requiredBytes: 15 * 2 ** 30,
  mksysbExpectedBytes: 10 * 2 ** 30,
  savevgExpectedBytes: 0,
};

describe('image records', () => {
  it('writes the current version, 4, with the content check, the changes and the staging space', () => {
    const text = renderImageRecord(makeRecord({ host: 'lpar01', date: DATE, staging: STAGING }));
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
    expect(json.changes).toBeNull();
    expect(json.staging).toEqual(STAGING);
    expect(IMAGE_RECORD_SCHEMA_VERSION).toBe(4);
  });

  it('reads a version-3 record as one whose staging space was never measured', () => {
    const parsed = parseImageRecord(versionThreeText(), `${KEY}.record.json`);
    expect(parsed.ok && { version: parsed.record.schemaVersion, staging: parsed.record.staging }).toEqual({
      version: 3,
      staging: null,
    });
  });

  it('refuses a version-3 record that carries a staging field, naming it', () => {
    const json = { ...JSON.parse(versionThreeText()), staging: STAGING };
    expect(parseImageRecord(JSON.stringify(json), `${KEY}.record.json`)).toEqual({
      ok: false,
      problem: `${KEY}.record.json: (record): Unrecognized key: "staging"`,
    });
  });

  it('reads a version-2 record as one whose changes were never compared', () => {
    const parsed = parseImageRecord(versionTwoText(), `${KEY}.record.json`);
    expect(
      parsed.ok && {
        version: parsed.record.schemaVersion,
        sha256: parsed.record.content?.sha256,
        changes: parsed.record.changes,
      },
    ).toEqual({ version: 2, sha256: 'a'.repeat(64), changes: null });
  });

  it('refuses a version-2 record that carries a changes field, naming it', () => {
    const json = { ...JSON.parse(versionTwoText()), changes: null };
    expect(parseImageRecord(JSON.stringify(json), `${KEY}.record.json`)).toEqual({
      ok: false,
      problem: `${KEY}.record.json: (record): Unrecognized key: "changes"`,
    });
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
    expect(parsed.ok && parsed.record.changes).toBeNull();
  });

  it('refuses a version-1 record that carries a content field, naming it', () => {
    const json = { ...JSON.parse(versionOneText()), content: null };
    expect(parseImageRecord(JSON.stringify(json), `${KEY}.record.json`)).toEqual({
      ok: false,
      problem: `${KEY}.record.json: (record): Unrecognized key: "content"`,
    });
  });

  it('refuses a current record without its content or changes field, naming it', () => {
    const { content: _content, ...noContent } = makeRecord({ host: 'lpar01', date: DATE });
    expect(parseImageRecord(JSON.stringify(noContent), `${KEY}.record.json`)).toEqual({
      ok: false,
      problem: `${KEY}.record.json: content: Invalid input: expected object, received undefined`,
    });
    const { changes: _changes, ...noChanges } = makeRecord({ host: 'lpar01', date: DATE });
    expect(parseImageRecord(JSON.stringify(noChanges), `${KEY}.record.json`)).toEqual({
      ok: false,
      problem: `${KEY}.record.json: changes: Invalid input: expected object, received undefined`,
    });
  });

  it('refuses a version it does not know', () => {
    const json = {
      ...JSON.parse(renderImageRecord(makeRecord({ host: 'lpar01', date: DATE }))),
      schemaVersion: 5,
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
