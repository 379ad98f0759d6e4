// The retention planner: which images of each host to keep and which to delete, with the reason for
// every decision. Grandfather-father-son per series (host, kind, volume group): everything inside
// the weekly window, the newest good image of each of the last N weeks and M months, the newest
// PASS image always, FAIL images for a short forensic while, and nothing under Object Lock. Pure:
// the retention handler feeds it the catalog and carries out the plan; the CLI shows it.
import { z } from 'zod';
import type { Verdict } from './anomaly.js';
import { dayOf, type ImageKind, imageObjectKeys, owningImage, seriesOf } from './catalog-keys.js';

export const RetentionPolicySchema = z
  .object({
    /** Weeks of images kept whole (every image younger than this), and weekly keepers counted. */
    weekly: z.number().int().min(1).max(520).default(3),
    /** Months whose newest good image is kept. */
    monthly: z.number().int().min(0).max(240).default(6),
    /** Days a FAIL image is kept for forensics (the log and listing beside it explain the failure). */
    failedKeepDays: z.number().int().min(0).max(3650).default(14),
    /** Days an image object without any record may exist before it is swept (an upload being verified). */
    strayGraceDays: z.number().int().min(1).max(365).default(2),
  })
  .strict();
export type RetentionPolicy = z.infer<typeof RetentionPolicySchema>;
export const DEFAULT_RETENTION_POLICY: RetentionPolicy = RetentionPolicySchema.parse({});

/** One catalogued image as retention sees it. */
export interface RetentionImage {
  readonly key: string;
  readonly host: string;
  readonly kind: ImageKind;
  readonly volumeGroup: string;
  readonly date: string;
  readonly verdict: Verdict;
  /** Object Lock retain-until date of the image, when the bucket has Object Lock. */
  readonly lockedUntil?: string | null;
}

/** What retention weighs of an image, from its record (the lock date is the store's, added apart). */
export function retentionImageOf(
  record: Pick<RetentionImage, Exclude<keyof RetentionImage, 'lockedUntil'>>,
): RetentionImage {
  const { key, host, kind, volumeGroup, date, verdict } = record;
  return { key, host, kind, volumeGroup, date, verdict, lockedUntil: null };
}

export const KEEP_RULES = [
  'NEWEST_PASS',
  'WEEKLY_WINDOW',
  'WEEKLY',
  'MONTHLY',
  'FAILED_FORENSICS',
  'OBJECT_LOCK',
] as const;
export type KeepRule = (typeof KEEP_RULES)[number];

export interface RetentionDecision {
  readonly key: string;
  readonly host: string;
  readonly series: string;
  readonly date: string;
  readonly verdict: Verdict;
  readonly action: 'keep' | 'delete';
  /** Why it is kept (empty for a delete). */
  readonly rules: KeepRule[];
  readonly reason: string;
  /** For a delete: the image and its sidecars, the record last (see docs/s3-layout.md). */
  readonly objects: string[];
  /**
   * For a keep: until when the policy is sure to keep it (ISO), the date its Object Lock is extended
   * to; null when only NEWEST_PASS or an existing lock keeps it (no end the policy can name).
   */
  readonly keepUntil: string | null;
}

export interface StrayObject {
  readonly key: string;
  readonly lastModified: string;
}

export interface RetentionPlan {
  readonly now: string;
  readonly policy: RetentionPolicy;
  readonly keep: RetentionDecision[];
  readonly delete: RetentionDecision[];
  /** Objects under images/ whose image has no record, older than the grace period: leftovers. */
  readonly strays: { key: string; reason: string }[];
}

const DAY_MS = 86_400_000;

// An image's week and month are those of its day as its date is written: a run's date is written in
// the schedule's time zone (zonedIsoTime), so a Tokyo image of Monday 1 June 02:00 is June's and that
// week's, though it was 31 May in UTC. `now` is an instant: its month is UTC's.

/** Monday of the ISO week of the day a date is written with. */
export function weekOf(date: string): string {
  return weekOfDay(dayOf(date));
}

function weekOfDay(day: string): string {
  return weekOfMs(Date.parse(day));
}

/** The month (`2026-06`) of the day a date is written with. */
export function monthOf(date: string): string {
  return dayOf(date).slice(0, 7);
}

/** Monday (UTC) of the ISO week of a time in ms. */
function weekOfMs(ms: number): string {
  const day = new Date(ms).getUTCDay();
  return new Date(ms - ((day + 6) % 7) * DAY_MS).toISOString().slice(0, 10);
}

function monthOfMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/**
 * Until when the policy keeps an image for the rules it meets now, in ms, or null. Inside the weekly
 * window or a weekly keeper: `weekly` weeks from its date. A monthly keeper of a month already over
 * (its keeper can no longer change): until the first day of the month `monthly` months later, when
 * `monthly` newer months can have pushed it out. A FAIL image: `failedKeepDays` from its date. The
 * longest of these; NEWEST_PASS has no end the policy can name (a newer PASS ends it), so it adds none.
 */
export function keepUntilOf(
  rules: readonly KeepRule[],
  image: { readonly at: number; readonly month: string },
  nowMs: number,
  policy: RetentionPolicy,
): number | null {
  const { at, month } = image;
  const until: number[] = [];
  if (rules.includes('WEEKLY_WINDOW') || rules.includes('WEEKLY'))
    until.push(at + policy.weekly * 7 * DAY_MS);
  if (rules.includes('MONTHLY') && month < monthOfMs(nowMs)) {
    const [year, monthNumber] = month.split('-').map(Number) as [number, number];
    until.push(Date.UTC(year, monthNumber - 1 + policy.monthly, 1));
  }
  if (rules.includes('FAILED_FORENSICS')) until.push(at + policy.failedKeepDays * DAY_MS);
  return until.length > 0 ? Math.max(...until) : null;
}

/** An image with its date parsed once: planning 100,000 images must not parse dates in a sort. */
interface DatedImage {
  readonly image: RetentionImage;
  readonly at: number;
  /** Its week (Monday) and month, as its date is written (weekOf, monthOf). */
  readonly week: string;
  readonly month: string;
}

/** The newest good image of each of the `count` most recent periods that have one. */
function periodKeepers(
  newestFirst: readonly DatedImage[],
  periodOf: (dated: DatedImage) => string,
  count: number,
): Map<string, string> {
  const keepers = new Map<string, string>();
  const periods = new Set<string>();
  if (count === 0) return keepers;
  for (const dated of newestFirst) {
    const { image } = dated;
    if (image.verdict === 'FAIL') continue;
    const period = periodOf(dated);
    if (periods.has(period)) continue;
    if (periods.size >= count) break;
    periods.add(period);
    keepers.set(image.key, period);
  }
  return keepers;
}

export function planRetention(
  images: readonly RetentionImage[],
  now: Date,
  policy: RetentionPolicy = DEFAULT_RETENTION_POLICY,
  objects: { keys: readonly StrayObject[]; recorded: ReadonlySet<string> } = {
    keys: [],
    recorded: new Set(),
  },
): RetentionPlan {
  const nowMs = now.getTime();
  const windowStart = nowMs - policy.weekly * 7 * DAY_MS;
  const failedUntil = nowMs - policy.failedKeepDays * DAY_MS;
  const bySeries = new Map<string, DatedImage[]>();
  for (const image of images) {
    const series = seriesOf(image);
    const day = dayOf(image.date);
    const dated = { image, at: Date.parse(image.date), week: weekOfDay(day), month: day.slice(0, 7) };
    const list = bySeries.get(series);
    if (list) list.push(dated);
    else bySeries.set(series, [dated]);
  }

  const keep: RetentionDecision[] = [];
  const remove: RetentionDecision[] = [];
  // The same two reasons for every delete: built once, not 100,000 times.
  const failedReason = `FAIL image older than ${policy.failedKeepDays} days and outside the ${policy.weekly}-week window`;
  const agedReason = `older than the ${policy.weekly}-week window and not a weekly (${policy.weekly}) or monthly (${policy.monthly}) keeper`;
  for (const [series, list] of bySeries) {
    const newestFirst = list.sort((a, b) => b.at - a.at);
    const newestPass = newestFirst.find((d) => d.image.verdict === 'PASS')?.image.key;
    const weekly = periodKeepers(newestFirst, (d) => d.week, policy.weekly);
    const monthly = periodKeepers(newestFirst, (d) => d.month, policy.monthly);
    for (const dated of newestFirst) {
      const { image, at } = dated;
      const rules: KeepRule[] = [];
      const why: string[] = [];
      if (image.key === newestPass) {
        rules.push('NEWEST_PASS');
        why.push('newest PASS image of the series');
      }
      if (at > windowStart) {
        rules.push('WEEKLY_WINDOW');
        why.push(`inside the ${policy.weekly}-week window`);
      }
      const week = weekly.get(image.key);
      if (week) {
        rules.push('WEEKLY');
        why.push(`weekly keeper of the week of ${week}`);
      }
      const month = monthly.get(image.key);
      if (month) {
        rules.push('MONTHLY');
        why.push(`monthly keeper of ${month}`);
      }
      if (image.verdict === 'FAIL' && at > failedUntil) {
        rules.push('FAILED_FORENSICS');
        why.push(`FAIL image kept ${policy.failedKeepDays} days for forensics`);
      }
      if (image.lockedUntil && Date.parse(image.lockedUntil) > nowMs) {
        rules.push('OBJECT_LOCK');
        why.push(`Object Lock until ${image.lockedUntil}`);
      }
      const { key, host, date, verdict } = image;
      if (rules.length > 0) {
        const until = keepUntilOf(rules, dated, nowMs, policy);
        keep.push({
          key,
          host,
          series,
          date,
          verdict,
          action: 'keep',
          rules,
          reason: why.join('; '),
          objects: [],
          keepUntil: until === null ? null : new Date(until).toISOString(),
        });
        continue;
      }
      const keys = imageObjectKeys(key);
      keys.rest.push(keys.record);
      remove.push({
        key,
        host,
        series,
        date,
        verdict,
        action: 'delete',
        rules,
        reason: verdict === 'FAIL' ? failedReason : agedReason,
        objects: keys.rest,
        keepUntil: null,
      });
    }
  }

  const strayBefore = nowMs - policy.strayGraceDays * DAY_MS;
  const strays = objects.keys
    .filter((o) => {
      const owner = owningImage(o.key);
      return owner !== null && !objects.recorded.has(owner.key) && Date.parse(o.lastModified) < strayBefore;
    })
    .map((o) => ({
      key: o.key,
      reason: `its image has no record and it is older than ${policy.strayGraceDays} days (an interrupted delete or a never-verified upload)`,
    }));

  const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return {
    now: now.toISOString(),
    policy,
    keep: keep.sort(byKey),
    delete: remove.sort(byKey),
    strays: strays.sort(byKey),
  };
}
