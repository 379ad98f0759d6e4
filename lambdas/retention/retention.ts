// retention: reads each host's catalog, plans with the pure GFS planner, and (unless a dry run)
// carries the plan out. Deletion order per image: the image and its sidecars first (one
// DeleteObjects), the record last and only once every other object is gone. A delete that fails
// part-way therefore leaves the record, so the image stays in the catalog, its facts (SHA-256,
// listing, verdict) stay beside whatever bytes remain, and the next run plans the same delete again
// and finishes it (deleting a key that is already gone succeeds). The other order would leave bytes
// without a record: unlisted, unexplained, and swept later without anyone having looked at them.
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { inBatches, listHostRecords, listHosts, listObjects } from '../catalog/catalog.js';
import { kindOf, storeCall } from '../catalog/store-error.js';
import { parseWith } from '../catalog/validation.js';
import { hostPrefix, parseRecordKey } from '../shared/catalog-keys.js';
import {
  planRetention,
  type RetentionDecision,
  type RetentionImage,
  type RetentionPlan,
  type RetentionPolicy,
} from '../shared/retention-plan.js';
import { RetentionInputSchema, type RetentionOutput, RetentionOutputSchema } from './schema.js';

/** S3 refused some keys of a DeleteObjects: the image's record is still there. */
export class RetentionDeleteError extends Error {
  override name = 'RetentionDeleteError';
}

export interface RetentionDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly policy: RetentionPolicy;
  readonly objectLock: boolean;
  readonly now: () => Date;
}

export async function applyRetention(event: unknown, deps: RetentionDeps): Promise<RetentionOutput> {
  const input = parseWith(RetentionInputSchema, event ?? {}, 'retention input');
  const store = { client: deps.s3, bucket: deps.bucket };
  const now = deps.now();
  const hosts = input.hosts ?? (await listHosts(store));
  const keep: RetentionDecision[] = [];
  const remove: RetentionDecision[] = [];
  const strays: RetentionPlan['strays'] = [];
  const problems: string[] = [];
  let deletedObjects = 0;

  for (const host of hosts) {
    const objects = await listObjects(store, hostPrefix(host), host);
    const { records, problems: unreadable } = await listHostRecords(store, host, {}, objects);
    problems.push(...unreadable.map((p) => p.problem));
    const recorded = new Set(
      objects.map((o) => parseRecordKey(o.key)?.key).filter((k): k is string => k !== undefined),
    );
    let images: RetentionImage[] = records.map((r) => ({
      key: r.key,
      host: r.host,
      kind: r.kind,
      volumeGroup: r.volumeGroup,
      date: r.date,
      verdict: r.verdict,
      lockedUntil: null,
    }));
    let plan = planRetention(images, now, deps.policy, { keys: objects, recorded });
    if (deps.objectLock && plan.delete.length > 0) {
      const locks = await lockDates(deps, host, plan.delete);
      images = images.map((i) => ({ ...i, lockedUntil: locks.get(i.key) ?? null }));
      plan = planRetention(images, now, deps.policy, { keys: objects, recorded });
    }
    keep.push(...plan.keep);
    remove.push(...plan.delete);
    strays.push(...plan.strays);
    if (input.dryRun) continue;
    for (const decision of plan.delete) deletedObjects += await deleteImage(deps, host, decision);
    if (plan.strays.length > 0)
      deletedObjects += await deleteKeys(
        deps,
        host,
        plan.strays.map((s) => s.key),
        'the next run retries',
      );
  }

  return parseWith(
    RetentionOutputSchema,
    {
      dryRun: input.dryRun,
      now: now.toISOString(),
      hosts: hosts.length,
      keep,
      delete: remove,
      strays,
      deletedObjects,
      problems,
    },
    'retention output',
  );
}

/** Object Lock retain-until dates of the images about to be deleted (only those: one call each). */
async function lockDates(
  deps: RetentionDeps,
  host: string,
  candidates: readonly RetentionDecision[],
): Promise<Map<string, string>> {
  const locks = new Map<string, string>();
  await inBatches(candidates, 8, async (d) => {
    try {
      const answer = await deps.s3.send(new GetObjectRetentionCommand({ Bucket: deps.bucket, Key: d.key }));
      const until = answer.Retention?.RetainUntilDate;
      if (until) locks.set(d.key, until.toISOString());
    } catch (error) {
      // An object with no retention of its own answers NoSuchObjectLockConfiguration: nothing locks it.
      if ((error as { name?: string }).name === 'NoSuchObjectLockConfiguration') return;
      if (kindOf(error) === 'not-found') return;
      await storeCall({ action: 'reading the Object Lock retention', key: d.key, host }, () =>
        Promise.reject(error),
      );
    }
  });
  return locks;
}

/** The image and its sidecars, then (only when they all went) the record: see the header comment. */
async function deleteImage(deps: RetentionDeps, host: string, decision: RetentionDecision): Promise<number> {
  const record = decision.objects.at(-1);
  if (!record) return 0;
  const deleted = await deleteKeys(
    deps,
    host,
    decision.objects.slice(0, -1),
    `the record ${record} was left in place; the next run retries`,
  );
  await storeCall({ action: 'deleting the record (its image is gone)', key: record, host }, () =>
    deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: record })),
  );
  return deleted + 1;
}

/** DeleteObjects in batches of 1,000 (the API's limit); a key S3 refuses is an error naming it. */
async function deleteKeys(
  deps: RetentionDeps,
  host: string,
  keys: readonly string[],
  consequence: string,
): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const answer = await storeCall({ action: 'deleting objects', key: batch[0] ?? '', host }, () =>
      deps.s3.send(
        new DeleteObjectsCommand({
          Bucket: deps.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    );
    const errors = answer.Errors ?? [];
    if (errors.length > 0)
      throw new RetentionDeleteError(
        `retention for host ${host}: S3 refused to delete ${errors.length} object(s), first ${errors[0]?.Key}: ${errors[0]?.Code}${errors[0]?.Message ? ` ${errors[0].Message}` : ''}; ${consequence}`,
      );
    deleted += batch.length;
  }
  return deleted;
}
