// record-failure is retried by the workflow after StoreThrottled (lib/constructs/workflow/functions.ts,
// REPEATABLE_AFTER_THROTTLING): run twice with the same input against the local store, it leaves the
// same failure record and says the same, but that the upload aborted the first time was already gone.
import { CreateMultipartUploadCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { recordFailure } from '../../../lambdas/record-failure/record-failure.js';
import { useTestStore } from '../../support/local-store.js';

const local = useTestStore();
const NOW = new Date('2026-11-23T04:00:00.000Z');

describe('record-failure run again', () => {
  it('writes the same failure record and the same outcome the second time; the upload is already gone', async () => {
    const { client, store } = local;
    const key = 'images/aixprd01/aixprd01_mksysb_2026-11-23';
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: store.bucket, Key: key }));
    const input = {
      host: 'aixprd01',
      runId: 'run-2026-11-23',
      date: '2026-11-23T02:00:00.000Z',
      error: { Error: 'StoreThrottled', Cause: JSON.stringify({ errorMessage: 'S3 throttled completing' }) },
      image: { kind: 'mksysb', volumeGroup: 'rootvg' },
      upload: { key, uploadId: created.UploadId },
    };
    const deps = { s3: client, bucket: store.bucket, now: () => NOW };
    const read = async (recordKey: string) =>
      (await client
        .send(new GetObjectCommand({ Bucket: store.bucket, Key: recordKey }))
        .then((r) => r.Body?.transformToString('utf8'))) ?? '';
    const first = await recordFailure(input, deps);
    const firstRecord = await read(first.recordKey);
    const second = await recordFailure(input, deps);
    expect({ ...second, uploadAborted: true }).toEqual(first);
    expect([first.uploadAborted, second.uploadAborted]).toEqual([true, false]);
    // The same record but for what the second run found of the upload: already gone, not aborted by it.
    const secondRecord = await read(second.recordKey);
    expect(secondRecord.replace('"aborted": false', '"aborted": true')).toBe(firstRecord);
    expect(secondRecord).toContain('"aborted": false');
    expect(store.uploadExists(created.UploadId ?? '')).toBe(false);
  });
});
