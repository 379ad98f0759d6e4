// Retention on the store: reads each host's catalog, plans with the pure GFS planner, and (unless a
// dry run) carries the plan out. The retention Lambda (lambdas/retention/retention.ts) and the
// CLI's `retention --apply` both run this, so both delete in one order. Deletion order per image:
// the image and its sidecars first (one DeleteObjects), the record last and only once every other
// object is gone. A delete that fails part-way therefore leaves the record, so the image stays in
// the catalog, its facts (SHA-256, listing, verdict) stay beside whatever bytes remain, and the
// next run plans the same delete again and finishes it (deleting a key that is already gone
// succeeds). The other order would leave bytes without a record: unlisted, unexplained, and swept
// later without anyone having looked at them. Before any of it, the image's history entry
// (history/<host>/<name>.json: size, verdict, OS level, SHA-256) is written, so the host's size
// baseline outlives the image; if it cannot be written, nothing of the image is deleted.
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectRetentionCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import { HostNameSchema, parseRecordKey, recordKey, sidecarKey } from '../core/catalog-keys.js';
import { historyEntryOfRecord } from '../core/image-history.js';
import type { ImageRecord } from '../core/image-record.js';
import {
  KEEP_RULES,
  planRetention,
  type RetentionDecision,
  type RetentionImage,
  type RetentionPlan,
  type RetentionPolicy,
  retentionImageOf,
} from '../core/retention-plan.js';
import { VerdictSchema } from '../core/vocabulary.js';
import { inBatches, listCatalogHosts, readRecords } from './catalog.js';
import { retireInIndex } from './catalog-index.js';
import { readHostCatalog } from './host-catalog.js';
import { writeHistoryEntry } from './image-history.js';
import { kindOf, storeCall } from './store-error.js';
import { parseWith } from './validation.js';

// What retention is asked and what it answers: the retention Lambda's input and output
// (lambdas/retention/schema.ts re-exports them as its contract), the CLI's --json.
export const RetentionInputSchema = z
  .object({
    /** Only these hosts; every host in the store when absent. */
    hosts: z.array(HostNameSchema).optional(),
    /** Compute and return the plan, delete nothing. */
    dryRun: z.boolean().default(false),
  })
  .default({ dryRun: false });
export type RetentionInput = z.infer<typeof RetentionInputSchema>;

const DecisionSchema = z.object({
  key: z.string(),
  host: z.string(),
  series: z.string(),
  date: z.string(),
  verdict: VerdictSchema,
  action: z.enum(['keep', 'delete']),
  rules: z.array(z.enum(KEEP_RULES)),
  reason: z.string(),
  objects: z.array(z.string()),
  /** For a keep: until when the policy keeps it (its Object Lock is extended to that), or null. */
  keepUntil: z.string().nullable(),
});

export const RetentionOutputSchema = z.object({
  dryRun: z.boolean(),
  now: z.string(),
  hosts: z.number().int().nonnegative(),
  keep: z.array(DecisionSchema),
  delete: z.array(DecisionSchema),
  strays: z.array(z.object({ key: z.string(), reason: z.string() })),
  /** Objects removed (0 on a dry run). */
  deletedObjects: z.number().int().nonnegative(),
  /** Object Lock retain-until dates extended (image and record of each kept image), with Object Lock on. */
  locksExtended: z.array(z.object({ key: z.string(), until: z.string() })),
  /** Records that could not be read: their images are left alone and named here. */
  problems: z.array(z.string()),
  /** Hosts whose catalog index was missing or unreadable: their records were read instead (not a problem). */
  notes: z.array(z.string()).default([]),
});
export type RetentionOutput = z.infer<typeof RetentionOutputSchema>;

/** S3 refused some keys of a DeleteObjects: the image's record is still there. */
export class RetentionDeleteError extends Error {
  override name = 'RetentionDeleteError';
}

export interface RetentionDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly policy: RetentionPolicy;
  readonly objectLock: boolean;
  /** The mode a lock is extended in when the object has none yet (else its own). @default 'COMPLIANCE' */
  readonly lockMode?: 'GOVERNANCE' | 'COMPLIANCE';
  readonly now: () => Date;
}

/**
 * Hosts handled at once, and deletes at once within a host: S3 round trips, not CPU, set the pace. A
 * host's plan is two round trips (its listing and its catalog index, at once): 32 hosts at a time
 * plan 10,000 hosts in about 10,000 / 32 × 50 ms ≈ 16 s of S3 latency, where 8 took a minute.
 */
const HOST_CONCURRENCY = 32;
const DELETE_CONCURRENCY = 8;

interface HostRetention {
  readonly plan: RetentionPlan;
  readonly problems: string[];
  readonly notes: string[];
  readonly deletedObjects: number;
  readonly locksExtended: { key: string; until: string }[];
}

export async function applyRetention(event: unknown, deps: RetentionDeps): Promise<RetentionOutput> {
  const input = parseWith(RetentionInputSchema, event ?? {}, 'retention input');
  const store = { client: deps.s3, bucket: deps.bucket };
  const now = deps.now();
  // Keys no host can own (`images/bad host!/junk`) are reported, never deleted, and never stop the fleet.
  const { hosts, strays } = input.hosts ? { hosts: input.hosts, strays: [] } : await listCatalogHosts(store);
  const results = await settledBatches(hosts, HOST_CONCURRENCY, (host) =>
    retainHost(deps, host, now, input.dryRun),
  );
  return parseWith(
    RetentionOutputSchema,
    {
      dryRun: input.dryRun,
      now: now.toISOString(),
      hosts: hosts.length,
      keep: results.flatMap((r) => r.plan.keep),
      delete: results.flatMap((r) => r.plan.delete),
      strays: results.flatMap((r) => r.plan.strays),
      deletedObjects: results.reduce((sum, r) => sum + r.deletedObjects, 0),
      locksExtended: results.flatMap((r) => r.locksExtended),
      problems: [...strays.map((s) => s.problem), ...results.flatMap((r) => r.problems)],
      notes: results.flatMap((r) => r.notes),
    },
    'retention output',
  );
}

/** One host: read its catalog, plan, and (unless a dry run) carry out the plan. */
async function retainHost(
  deps: RetentionDeps,
  host: string,
  now: Date,
  dryRun: boolean,
): Promise<HostRetention> {
  const store = { client: deps.s3, bucket: deps.bucket };
  // The host's listing says which images exist; its catalog index says what each is, and the records
  // of the images it does not know yet are read: a stale index never hides an image from the plan.
  const catalog = await readHostCatalog(store, host);
  const { objects, problems, strays } = catalog;
  const recorded = new Set(
    objects.map((o) => parseRecordKey(o.key)?.key).filter((k): k is string => k !== undefined),
  );
  let images: RetentionImage[] = catalog.images.map(retentionImageOf);
  let plan = planRetention(images, now, deps.policy, { keys: objects, recorded });
  if (deps.objectLock && plan.delete.length > 0) {
    const locks = await lockDates(deps, host, plan.delete);
    images = images.map((i) => ({ ...i, lockedUntil: locks.get(i.key) ?? null }));
    plan = planRetention(images, now, deps.policy, { keys: objects, recorded });
  }
  const unreadable = [...problems.map((p) => p.problem), ...strays.map((s) => s.problem)];
  const notes = catalog.indexNote ? [catalog.indexNote] : [];
  if (dryRun) return { plan, problems: unreadable, notes, deletedObjects: 0, locksExtended: [] };
  // Deleting needs each image's record (its history entry is written from it first): read those the
  // catalog did not. Should one say other than its index entry, the plan is made again from the records.
  const read = new Set(catalog.records.map((r) => r.key));
  const more = await readRecords(
    store,
    host,
    plan.delete.map((d) => d.key).filter((k) => !read.has(k)),
  );
  const records = [...catalog.records, ...more.records];
  unreadable.push(...more.problems.map((p) => p.problem));
  const fromRecords = new Map(records.map((r) => [r.key, retentionImageOf(r)]));
  const same = (a: RetentionImage, b: RetentionImage | undefined) =>
    b !== undefined &&
    a.date === b.date &&
    a.verdict === b.verdict &&
    a.kind === b.kind &&
    a.volumeGroup === b.volumeGroup;
  if (images.some((i) => fromRecords.has(i.key) && !same(i, fromRecords.get(i.key)))) {
    images = images.map((i) => ({ ...(fromRecords.get(i.key) ?? i), lockedUntil: i.lockedUntil ?? null }));
    plan = planRetention(images, now, deps.policy, { keys: objects, recorded });
  }
  // A planned delete whose record could not be read is left alone (no history entry, no delete).
  const deletable = new Set(records.map((r) => r.key));
  plan = { ...plan, delete: plan.delete.filter((d) => deletable.has(d.key)) };
  // Each kept image stays WORM for as long as the policy keeps it: a monthly keeper's lock is extended
  // to its months, not left at the bucket's default days. Before the deletes, so a failed delete never
  // costs a keeper its lock.
  const locks = deps.objectLock
    ? await extendLocks(deps, host, plan.keep, now, new Set(objects.map((o) => o.key)))
    : { extended: [], problems: [] };
  const byKey = new Map(records.map((r) => [r.key, r]));
  const deleted = await settledBatches(plan.delete, DELETE_CONCURRENCY, (decision) =>
    deleteImage(deps, host, decision, byKey.get(decision.key), now),
  );
  // Every planned delete went (settledBatches throws otherwise): the host's index marks them retired,
  // after the records are gone. A failure is a problem of the run, never a stopped retention: the
  // history entries written first let `catalog rebuild` restore what the index missed.
  const retirements = plan.delete.flatMap((d) => {
    const record = byKey.get(d.key);
    return record ? [{ record, because: d.reason }] : [];
  });
  const indexProblem = retirements.length > 0 ? await retireInIndex(store, host, retirements, now) : null;
  const swept =
    plan.strays.length > 0
      ? await deleteKeys(
          deps,
          host,
          plan.strays.map((s) => s.key),
          'the next run retries',
        )
      : 0;
  return {
    plan,
    problems: [...unreadable, ...locks.problems, ...(indexProblem ? [indexProblem] : [])],
    notes,
    deletedObjects: deleted.reduce((sum, n) => sum + n, 0) + swept,
    locksExtended: locks.extended,
  };
}

/**
 * Extends the Object Lock of each kept image and its record to the image's keep-until date, only ever
 * later (S3 refuses to shorten a COMPLIANCE lock, and a shorter one would be a weaker promise). An
 * object whose lock cannot be read or extended is a problem naming its key, not a stopped fleet.
 */
async function extendLocks(
  deps: RetentionDeps,
  host: string,
  keep: readonly RetentionDecision[],
  now: Date,
  listed: ReadonlySet<string>,
): Promise<{ extended: { key: string; until: string }[]; problems: string[] }> {
  // A VIOS's viosbr archive is what its image is restored with: it is kept as long, and as locked.
  const targets = keep
    .filter((d) => d.keepUntil !== null && Date.parse(d.keepUntil) > now.getTime())
    .flatMap((d) =>
      [d.key, recordKey(d.key), sidecarKey(d.key, 'viosbr')]
        .filter((key, i) => i < 2 || listed.has(key))
        .map((key) => ({ key, until: d.keepUntil as string })),
    );
  const extended: { key: string; until: string }[] = [];
  const problems: string[] = [];
  await inBatches(targets, 8, async ({ key, until }) => {
    try {
      const current = await currentLock(deps, key);
      if (current.until !== null && Date.parse(current.until) >= Date.parse(until)) return;
      await deps.s3.send(
        new PutObjectRetentionCommand({
          Bucket: deps.bucket,
          Key: key,
          Retention: {
            Mode: current.mode ?? deps.lockMode ?? 'COMPLIANCE',
            RetainUntilDate: new Date(until),
          },
        }),
      );
      extended.push({ key, until });
    } catch (error) {
      const e = error as { name?: string; message?: string };
      problems.push(
        `${key}: the Object Lock of host ${host}'s kept image could not be extended to ${until} (${e.name ?? 'Error'}: ${e.message ?? ''}); the next run tries again`,
      );
    }
  });
  extended.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { extended, problems };
}

/** The object's lock (mode and retain-until), or nulls when it has none. */
async function currentLock(
  deps: RetentionDeps,
  key: string,
): Promise<{ mode: 'GOVERNANCE' | 'COMPLIANCE' | null; until: string | null }> {
  try {
    const answer = await deps.s3.send(new GetObjectRetentionCommand({ Bucket: deps.bucket, Key: key }));
    const mode = answer.Retention?.Mode;
    return {
      mode: mode === 'GOVERNANCE' || mode === 'COMPLIANCE' ? mode : null,
      until: answer.Retention?.RetainUntilDate?.toISOString() ?? null,
    };
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchObjectLockConfiguration')
      return { mode: null, until: null };
    throw error;
  }
}

/**
 * Runs `work` on `size` items at a time, results in item order. A failure is thrown only once the
 * rest of its batch has settled, so no delete is left running (or half-done) behind an error.
 */
async function settledBatches<T, R>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    const settled = await Promise.allSettled(items.slice(i, i + size).map(work));
    for (const outcome of settled) {
      if (outcome.status === 'rejected') throw outcome.reason;
      results.push(outcome.value);
    }
  }
  return results;
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

/**
 * The history entry first, then the image and its sidecars, then (only when they all went) the
 * record: see the header comment.
 */
async function deleteImage(
  deps: RetentionDeps,
  host: string,
  decision: RetentionDecision,
  imageRecord: ImageRecord | undefined,
  now: Date,
): Promise<number> {
  const record = decision.objects.at(-1);
  if (!record) return 0;
  if (imageRecord)
    await writeHistoryEntry(
      { client: deps.s3, bucket: deps.bucket },
      historyEntryOfRecord(imageRecord, now, decision.reason),
    );
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
