// retention with a mocked S3: a dry run deletes nothing; a real run deletes the image and its
// sidecars before the record, so a delete that fails at any point leaves the record and the next
// run finishes the job; every S3 failure names the host and the key.
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectRetentionCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectRetentionCommand,
} from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyRetention } from '../../../lambdas/adapters/retention.js';
import { indexEntryOf, rebuildIndex, renderCatalogIndex } from '../../../lambdas/core/catalog-index.js';
import { type ImageRecord, renderImageRecord } from '../../../lambdas/core/image-record.js';
import { RetentionPolicySchema } from '../../../lambdas/core/retention-plan.js';
import { makeRecord } from '../../support/local-store.js';
import {
  accessDenied,
  body,
  mockedS3,
  noSuchKey,
  preconditionFailed,
  type S3Mock,
  slowDown,
} from '../s3-mock.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const RECENT = ['2026-11-09', '2026-11-16', '2026-11-23'].map((day) =>
  makeRecord({ host: 'lpar01', date: `${day}T02:00:00.000Z` }),
);
const OLD = makeRecord({ host: 'lpar01', date: '2025-10-20T02:00:00.000Z' });
const OLD_RECORD = `${OLD.key}.record.json`;
const OLD_OBJECTS = [
  OLD.key,
  `${OLD.key}.log`,
  `${OLD.key}.lsmksysb`,
  `${OLD.key}.filesets`,
  `${OLD.key}.toc.gz`,
  `${OLD.key}.viosbr.tar.gz`,
  `${OLD.key}.index.gz`,
  OLD_RECORD,
];
// No monthlies: the year-old image has no reason to be kept.
const policy = RetentionPolicySchema.parse({ monthly: 0 });

let s3: S3Mock;
let deps: Parameters<typeof applyRetention>[1];
/** The objects the mocked bucket lists under images/lpar01/. */
let listed: string[];
/** The record texts GetObject answers, by key. */
let records: Map<string, string>;

beforeEach(() => {
  const mocked = mockedS3();
  s3 = mocked.s3;
  deps = { s3: mocked.client, bucket: 'vault', policy, objectLock: false, now: () => NOW };
  listed = [...RECENT, OLD].flatMap((r) => [r.key, `${r.key}.log`, `${r.key}.record.json`]);
  records = new Map([...RECENT, OLD].map((r) => [`${r.key}.record.json`, renderImageRecord(r)]));
  s3.on(ListObjectsV2Command, { Prefix: 'images/lpar01/' }).callsFake(() => ({
    Contents: listed.map((Key) => ({ Key, Size: 1, LastModified: NOW })),
  }));
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const text = records.get(input.Key);
    if (text === undefined) throw noSuchKey();
    return { Body: body(text) };
  });
  s3.on(DeleteObjectsCommand).resolves({});
  s3.on(DeleteObjectCommand).resolves({});
  s3.on(PutObjectCommand).resolves({});
});

const run = (dryRun: boolean) => applyRetention({ hosts: ['lpar01'], dryRun }, deps);
/** The commands sent, by class name, in the order they were sent. */
const sentCommands = () => s3.calls().map((call) => (call.args[0] as object).constructor.name);

describe('retention', () => {
  it('returns the plan on a dry run and deletes nothing', async () => {
    const out = await run(true);
    expect({
      delete: out.delete.map((d) => [d.key, d.objects]),
      kept: out.keep.map((d) => d.date.slice(0, 10)),
      deletedObjects: out.deletedObjects,
    }).toEqual({
      delete: [[OLD.key, OLD_OBJECTS]],
      kept: ['2026-11-09', '2026-11-16', '2026-11-23'],
      deletedObjects: 0,
    });
    expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('deletes the image and its sidecars first and the record last', async () => {
    const out = await run(false);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Delete: { Objects: OLD_OBJECTS.slice(0, -1).map((Key) => ({ Key })), Quiet: true },
    });
    expect(s3).toHaveReceivedCommandExactlyOnceWith(DeleteObjectCommand, { Key: OLD_RECORD });
    expect({
      order: sentCommands().filter((c) => c.startsWith('Delete')),
      deletedObjects: out.deletedObjects,
    }).toEqual({
      order: ['DeleteObjectsCommand', 'DeleteObjectCommand'],
      deletedObjects: OLD_OBJECTS.length,
    });
  });

  it("writes the image's history entry before deleting anything of it", async () => {
    await run(false);
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Key: 'history/lpar01/lpar01_mksysb_2025-10-20.json',
      IfNoneMatch: '*',
    });
    expect(JSON.parse(String(put?.Body))).toMatchObject({
      key: OLD.key,
      date: OLD.date,
      sizeBytes: OLD.sizeBytes,
      sha256: OLD.sha256,
      verdict: OLD.verdict,
      osLevel: OLD.osLevel,
      retiredAt: NOW.toISOString(),
    });
    expect(sentCommands().filter((c) => c.startsWith('Delete') || c.startsWith('Put'))).toEqual([
      'PutObjectCommand',
      'DeleteObjectsCommand',
      'DeleteObjectCommand',
      // the host's catalog index, once the record is gone (below)
      'PutObjectCommand',
    ]);
  });

  it('plans from the catalog index, and keeps an image the index lacks, read from its record', async () => {
    // The newest verify wrote its record and stopped before its index update: the index lacks it.
    const [first, second, newest] = RECENT as [ImageRecord, ImageRecord, ImageRecord];
    records.set(
      'catalog/lpar01/index.json',
      renderCatalogIndex(rebuildIndex('lpar01', [first, second, OLD])),
    );
    const out = await run(true);
    expect(out.keep.map((d) => d.key)).toContain(newest.key);
    expect(out.delete.map((d) => d.key)).toEqual([OLD.key]);
    expect(out.strays).toEqual([]);
    expect({ notes: out.notes, problems: out.problems }).toEqual({ notes: [], problems: [] });
    // The index stands for the images it knows; only the record it lacks is read.
    const recordReads = s3
      .commandCalls(GetObjectCommand)
      .map((c) => c.args[0].input.Key)
      .filter((key) => key?.endsWith('.record.json'));
    expect(recordReads).toEqual([`${newest.key}.record.json`]);
  });

  it('names the host whose index is missing in its notes, not its problems, and plans from the records', async () => {
    const out = await run(true);
    expect(out.delete.map((d) => d.key)).toEqual([OLD.key]);
    expect(out.problems).toEqual([]);
    expect(out.notes).toEqual([
      expect.stringContaining('lpar01: no catalog index (catalog/lpar01/index.json)'),
    ]);
  });

  it("marks the deleted image retired in its host's catalog index, after the record is gone", async () => {
    const out = await run(false);
    const index = s3.commandCalls(PutObjectCommand, { Key: 'catalog/lpar01/index.json' });
    expect(index).toHaveLength(1);
    expect(index[0]?.args[0].input.IfNoneMatch).toBe('*');
    expect(JSON.parse(String(index[0]?.args[0].input.Body)).entries).toEqual([
      { ...indexEntryOf(OLD), retired: { at: NOW.toISOString(), because: out.delete[0]?.reason } },
    ]);
    expect(out.problems).toEqual([]);
  });

  it('deletes the image though its catalog index cannot be written, saying so in its problems', async () => {
    s3.on(PutObjectCommand, { Key: 'catalog/lpar01/index.json' }).rejects(accessDenied());
    const out = await run(false);
    expect(out.deletedObjects).toBe(OLD_OBJECTS.length);
    expect(out.problems).toEqual([
      expect.stringContaining(
        'the catalog index of lpar01 (catalog/lpar01/index.json) was not updated with the 1 image(s) retention deleted',
      ),
    ]);
  });

  it('deletes nothing of an image whose history entry cannot be written, naming the key', async () => {
    s3.on(PutObjectCommand).rejects(accessDenied());
    await expect(run(false)).rejects.toThrow(
      'writing the history entry (before deleting the image) for host lpar01 (history/lpar01/lpar01_mksysb_2025-10-20.json) failed: access denied',
    );
    expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('goes on when the history entry is already there (an earlier run stopped mid-delete)', async () => {
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    const out = await run(false);
    expect(out.deletedObjects).toBe(OLD_OBJECTS.length);
  });

  it('leaves the record when S3 refuses to delete the image, naming host and key', async () => {
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: OLD.key, Code: 'AccessDenied', Message: 'Access Denied' }],
    });
    await expect(run(false)).rejects.toMatchObject({
      name: 'RetentionDeleteError',
      message: `retention for host lpar01: S3 refused to delete 1 object(s), first ${OLD.key}: AccessDenied Access Denied; the record ${OLD_RECORD} was left in place; the next run retries`,
    });
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('leaves the record when the delete is throttled, as a retryable StoreThrottled', async () => {
    s3.on(DeleteObjectsCommand).rejects(slowDown());
    await expect(run(false)).rejects.toMatchObject({
      name: 'StoreThrottled',
      message: `S3 throttled deleting objects for host lpar01 (${OLD.key}): SlowDown; the step is safe to retry`,
    });
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('finishes on the next run a delete whose record could not be removed', async () => {
    s3.on(DeleteObjectCommand).rejectsOnce(accessDenied()).resolves({});
    await expect(run(false)).rejects.toThrow(
      `deleting the record (its image is gone) for host lpar01 (${OLD_RECORD}) failed: access denied`,
    );
    // The image and sidecars are gone; the record still lists it, so the plan is made again.
    listed = listed.filter((k) => !k.startsWith(OLD.key) || k === OLD_RECORD);
    const again = await run(false);
    expect({
      planned: again.delete.map((d) => d.key),
      recordDeletes: s3.commandCalls(DeleteObjectCommand, { Key: OLD_RECORD }).length,
    }).toEqual({ planned: [OLD.key], recordDeletes: 2 });
  });

  it('names host and prefix when it may not list the host', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'images/lpar01/' }).rejects(accessDenied());
    await expect(run(true)).rejects.toMatchObject({
      name: 'StoreAccessDenied',
      message: expect.stringContaining(
        'listing objects for host lpar01 (images/lpar01/) failed: access denied',
      ),
    });
  });

  it('keeps an image whose Object Lock has not expired', async () => {
    s3.on(GetObjectRetentionCommand, { Key: OLD.key }).resolves({
      Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2027-01-01T00:00:00Z') },
    });
    const out = await applyRetention({ hosts: ['lpar01'] }, { ...deps, objectLock: true });
    expect({
      deletes: out.delete.length,
      rules: out.keep.find((d) => d.key === OLD.key)?.rules,
    }).toEqual({ deletes: 0, rules: ['OBJECT_LOCK'] });
    expect(s3).not.toHaveReceivedCommand(DeleteObjectsCommand);
  });

  describe('with Object Lock on', () => {
    // October's last image: its month is over, so it is the monthly keeper for six months.
    const OCTOBER = makeRecord({ host: 'lpar01', date: '2026-10-26T02:00:00.000Z' });
    const lockRun = () =>
      applyRetention(
        { hosts: ['lpar01'] },
        { ...deps, objectLock: true, policy: RetentionPolicySchema.parse({ monthly: 6 }) },
      );
    beforeEach(() => {
      listed.push(OCTOBER.key, `${OCTOBER.key}.record.json`);
      records.set(`${OCTOBER.key}.record.json`, renderImageRecord(OCTOBER));
      // Every object carries the bucket's default lock: 21 days from its upload.
      s3.on(GetObjectRetentionCommand).callsFake((input: { Key: string }) => {
        const day = /(\d{4}-\d{2}-\d{2})/.exec(input.Key)?.[1] ?? '2026-01-01';
        return {
          Retention: {
            Mode: 'COMPLIANCE',
            RetainUntilDate: new Date(Date.parse(`${day}T03:00:00Z`) + 21 * 86_400_000),
          },
        };
      });
      s3.on(PutObjectRetentionCommand).resolves({});
    });

    it("extends a monthly keeper's lock (image and record) to the end of its six months, in its own mode", async () => {
      const out = await lockRun();
      expect(out.keep.find((d) => d.key === OCTOBER.key)?.keepUntil).toBe('2027-04-01T00:00:00.000Z');
      for (const key of [OCTOBER.key, `${OCTOBER.key}.record.json`])
        expect(s3).toHaveReceivedCommandWith(PutObjectRetentionCommand, {
          Key: key,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date('2027-04-01T00:00:00.000Z') },
        });
      expect(out.locksExtended.map((l) => l.key)).toEqual([OCTOBER.key, `${OCTOBER.key}.record.json`]);
    });

    it("extends a VIOS keeper's viosbr archive with it (an LPAR's image has none to extend)", async () => {
      listed.push(`${OCTOBER.key}.viosbr.tar.gz`);
      const out = await lockRun();
      expect(out.locksExtended.map((l) => l.key)).toEqual([
        OCTOBER.key,
        `${OCTOBER.key}.record.json`,
        `${OCTOBER.key}.viosbr.tar.gz`,
      ]);
    });

    it('never shortens a lock: a weekly image already locked past its weeks is left alone', async () => {
      await lockRun();
      // 2026-11-16 is kept until 2026-12-07 02:00; its lock (upload + 21 days) runs to 2026-12-07 03:00.
      expect(s3).not.toHaveReceivedCommandWith(PutObjectRetentionCommand, { Key: RECENT[1]?.key });
      expect(s3.commandCalls(PutObjectRetentionCommand)).toHaveLength(2);
    });

    it('names the object whose lock it could not extend, and still carries out the plan', async () => {
      s3.on(PutObjectRetentionCommand).rejects(accessDenied());
      const out = await lockRun();
      expect(out.problems).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^${OCTOBER.key}: the Object Lock of host lpar01's kept image could not be extended to 2027-04-01`,
          ),
        ),
      );
      expect(out.locksExtended).toEqual([]);
    });
  });

  it('rejects a host list with a bad name, naming the field', async () => {
    await expect(applyRetention({ hosts: ['lpar 01'] }, deps)).rejects.toThrow(
      /^retention input is invalid: hosts\.0: not an AIX host name/,
    );
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});
