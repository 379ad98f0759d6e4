// The forecast: from a host's records, when its staging filesystem becomes too small for the next
// mksysb (the preflight's own test, `free < (mksysb + savevg expected) × stagingSizeFactor`), and
// from the whole catalog, the bucket's size and monthly storage cost some months ahead under the
// retention policy. Trends are Theil–Sen lines (the median of the slopes between every pair of
// points, as the size baseline uses): one truncated image or one odd `df` reading does not bend them,
// where a least-squares line would follow it. Pure: the clock is passed in, nothing is read.
import { z } from 'zod';
import { formatBytes } from './anomaly.js';
import type { CatalogImage } from './catalog-index.js';
import { seriesOf } from './catalog-keys.js';
import { historyEntryOf, type StagingSpace } from './image-record.js';

/** What the forecast reads of an image: a record, or the host's catalog index entry of it. */
type ImageRecord = Pick<
  CatalogImage,
  | 'host'
  | 'key'
  | 'kind'
  | 'volumeGroup'
  | 'date'
  | 'sizeBytes'
  | 'verdict'
  | 'osLevel'
  | 'anomalies'
  | 'staging'
>;

import {
  planRetention,
  type RetentionImage,
  type RetentionPolicy,
  retentionImageOf,
} from './retention-plan.js';
import { isGood, median } from './size-history.js';

/**
 * What the forecast is told that the records cannot say: when to warn, and what a GB-month costs.
 * The prices are the S3 list prices of us-east-1 (https://aws.amazon.com/s3/pricing/, Storage
 * pricing: S3 Standard, first 50 TB / month, $0.023 per GB); set them to your region's and tier's.
 */
export const ForecastSettingsSchema = z
  .object({
    /** STAGING_FULL_SOON is raised this many weeks (or fewer) before preflight would refuse. @default 4 */
    stagingWarnWeeks: z.number().int().min(1).max(52).default(4),
    /** USD per GB-month of S3 Standard (images younger than the cold transition). @default 0.023 (us-east-1) */
    standardPricePerGbMonth: z.number().nonnegative().default(0.023),
    /**
     * USD per GB-month of the cold class images move to (storage.coldStorageClass after
     * coldTransitionDays); null: the us-east-1 list price of that class (COLD_CLASS_PRICE). @default null
     */
    coldPricePerGbMonth: z.number().nonnegative().nullable().default(null),
  })
  .strict();
export type ForecastSettings = z.infer<typeof ForecastSettingsSchema>;
export const DEFAULT_FORECAST_SETTINGS: ForecastSettings = ForecastSettingsSchema.parse({});

/**
 * us-east-1 list prices per GB-month of the cold classes the config offers (aws.amazon.com/s3/pricing:
 * Standard-IA $0.0125, Glacier Instant Retrieval $0.004; Intelligent-Tiering priced as its Frequent
 * Access tier, the Standard price, as an upper bound). Overridden by coldPricePerGbMonth.
 */
export const COLD_CLASS_PRICE = {
  STANDARD_IA: 0.0125,
  GLACIER_IR: 0.004,
  INTELLIGENT_TIERING: 0.023,
} as const;

/** How far ahead a staging forecast looks: beyond this it says "not within 52 weeks". */
export const STAGING_HORIZON_WEEKS = 52;
/** The factor preflight uses when neither the config nor a record says (lib/host-scripts/preflight.sh). */
const DEFAULT_SIZE_FACTOR = 1.5;
/** The newest images and preflight readings a trend is fitted to: about half a year of weekly runs. */
const TREND_WINDOW = 26;
/** Fewer preflight readings than this and the free space is held at its last reading (no trend). */
const MIN_FREE_READINGS = 3;

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** S3 bills storage in GB of 2^30 bytes. */
const GB = 2 ** 30;

interface Point {
  readonly x: number;
  readonly y: number;
}

/** Theil–Sen: the median of the pairwise slopes, and the median intercept; null with fewer than 2 x's. */
export function theilSen(points: readonly Point[]): { slope: number; intercept: number } | null {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i += 1)
    for (let j = i + 1; j < points.length; j += 1) {
      const a = points[i] as Point;
      const b = points[j] as Point;
      if (b.x !== a.x) slopes.push((b.y - a.y) / (b.x - a.x));
    }
  if (slopes.length === 0) return null;
  const slope = median(slopes);
  return { slope, intercept: median(points.map((p) => p.y - slope * p.x)) };
}

export type StagingOutlook = 'ok' | 'soon' | 'full' | 'unknown';

export interface StagingForecast {
  readonly host: string;
  /** ok: not within the horizon or beyond the warning; soon: within stagingWarnWeeks; full: preflight refuses now. */
  readonly outlook: StagingOutlook;
  /** Whole weeks from now until preflight is projected to refuse; 0 when it would now; null when not within 52 weeks. */
  readonly weeksUntilFull: number | null;
  /** The day it is projected to refuse (ISO), when within the horizon. */
  readonly fullOn: string | null;
  /** The last preflight reading the projection starts from. */
  readonly measuredAt: string | null;
  readonly freeBytes: number | null;
  readonly requiredBytes: number | null;
  readonly sizeFactor: number;
  /** Growth of the mksysb image per week (Theil–Sen over the good images); null with fewer than 2. */
  readonly imageGrowthBytesPerWeek: number | null;
  /** Change of the free space per week (Theil–Sen over the preflight readings); null with fewer than 3. */
  readonly freeChangeBytesPerWeek: number | null;
  /** For people: the numbers the verdict rests on. */
  readonly summary: string;
}

export interface StagingForecastOptions {
  readonly now: Date;
  /** The config's workflow.stagingSizeFactor; when absent, the factor the newest reading implies. */
  readonly sizeFactor?: number | undefined;
  readonly warnWeeks?: number;
  readonly horizonWeeks?: number;
}

/** The factor a reading implies: required / (mksysb + savevg expected), as preflight computed it. */
function impliedFactor(staging: StagingSpace): number | null {
  const expected = staging.mksysbExpectedBytes + staging.savevgExpectedBytes;
  return expected > 0 && staging.requiredBytes > 0 ? staging.requiredBytes / expected : null;
}

const round = (n: number) => Math.round(n);

/**
 * When the host's staging filesystem becomes too small for the next mksysb. From the newest preflight
 * reading (free F0, expected mksysb E0 and savevg V0 on day d0), with g the weekly growth of the
 * mksysb (never below 0: preflight takes the larger of the expected size and the newest local copy)
 * and f the weekly change of the free space (0 with fewer than 3 readings), preflight refuses on the
 * first day d with F0 + f·(d − d0) < factor × (E0 + g·(d − d0) + V0). The savevg images are held at V0.
 */
export function forecastStaging(
  host: string,
  records: readonly ImageRecord[],
  options: StagingForecastOptions,
): StagingForecast {
  const warnWeeks = options.warnWeeks ?? DEFAULT_FORECAST_SETTINGS.stagingWarnWeeks;
  const horizonWeeks = options.horizonWeeks ?? STAGING_HORIZON_WEEKS;
  const nowMs = options.now.getTime();
  const mksysb = records
    .filter((r) => r.host === host && r.kind === 'mksysb' && Date.parse(r.date) <= nowMs)
    .sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
  const good = mksysb.filter((r) => isGood(historyEntryOf(r))).slice(-TREND_WINDOW);
  const growth = theilSen(good.map((r) => ({ x: Date.parse(r.date) / WEEK_MS, y: r.sizeBytes })));
  const readings = mksysb
    .flatMap((r) => (r.staging ? [{ at: Date.parse(r.date), staging: r.staging }] : []))
    .slice(-TREND_WINDOW);
  const last = readings[readings.length - 1];
  const sizeFactor = options.sizeFactor ?? (last ? impliedFactor(last.staging) : null) ?? DEFAULT_SIZE_FACTOR;
  const imageGrowthBytesPerWeek = growth ? round(growth.slope) : null;
  if (!last)
    return {
      host,
      outlook: 'unknown',
      weeksUntilFull: null,
      fullOn: null,
      measuredAt: null,
      freeBytes: null,
      requiredBytes: null,
      sizeFactor,
      imageGrowthBytesPerWeek,
      freeChangeBytesPerWeek: null,
      summary: 'no preflight reading of the staging filesystem in the records yet',
    };
  const freeTrend =
    readings.length >= MIN_FREE_READINGS
      ? theilSen(readings.map((r) => ({ x: r.at / WEEK_MS, y: r.staging.freeBytes })))
      : null;
  const freeChange = freeTrend?.slope ?? 0;
  const { freeBytes, mksysbExpectedBytes, savevgExpectedBytes } = last.staging;
  const requiredBytes = round((mksysbExpectedBytes + savevgExpectedBytes) * sizeFactor);
  const margin = freeBytes - requiredBytes;
  // Bytes per week the margin loses: the required space grows with the image, the free space moves.
  const loss = sizeFactor * Math.max(0, growth?.slope ?? 0) - freeChange;
  const fullMs =
    margin < 0 ? last.at : loss > 0 ? last.at + (margin / loss) * WEEK_MS : Number.POSITIVE_INFINITY;
  const weeks = Math.max(0, Math.floor((fullMs - nowMs) / WEEK_MS));
  const within = Number.isFinite(fullMs) && weeks <= horizonWeeks;
  const outlook: StagingOutlook = margin < 0 ? 'full' : within && weeks <= warnWeeks ? 'soon' : 'ok';
  const basis = `${formatBytes(freeBytes)} free on ${new Date(last.at).toISOString().slice(0, 10)}, ${sizeFactor} × ${formatBytes(mksysbExpectedBytes + savevgExpectedBytes)} = ${formatBytes(requiredBytes)} needed`;
  const trend = `image ${growth ? `${signed(growth.slope)}/week` : 'trend unknown'}, free ${freeTrend ? `${signed(freeTrend.slope)}/week` : `held (fewer than ${MIN_FREE_READINGS} readings)`}`;
  return {
    host,
    outlook,
    weeksUntilFull: within ? weeks : null,
    fullOn: within ? new Date(fullMs).toISOString().slice(0, 10) : null,
    measuredAt: new Date(last.at).toISOString(),
    freeBytes,
    requiredBytes,
    sizeFactor,
    imageGrowthBytesPerWeek,
    freeChangeBytesPerWeek: freeTrend ? round(freeTrend.slope) : null,
    summary:
      outlook === 'full'
        ? `too small now: ${basis}`
        : within
          ? `too small ${inWeeks(weeks)}: from ${new Date(fullMs).toISOString().slice(0, 10)}; ${basis}; ${trend}`
          : `not within ${horizonWeeks} weeks: ${basis}; ${trend}`,
  };
}

/** `in 3 weeks`, `in 1 week`, or `within a week` (0 whole weeks left). */
function inWeeks(weeks: number): string {
  return weeks === 0 ? 'within a week' : `in ${weeks} week${weeks === 1 ? '' : 's'}`;
}

function signed(bytesPerWeek: number): string {
  return `${bytesPerWeek < 0 ? '-' : '+'}${formatBytes(Math.abs(bytesPerWeek))}`;
}

/** The bucket on one day: the images retention keeps then, their bytes and what they cost a month. */
export interface BucketPoint {
  /** The day (ISO date). */
  readonly on: string;
  /** Months from now (0: today, from the records). */
  readonly months: number;
  readonly images: number;
  readonly bytes: number;
  /** Bytes still in S3 Standard (younger than the cold transition) and in the cold class. */
  readonly standardBytes: number;
  readonly coldBytes: number;
  /** USD per month at the configured prices. */
  readonly monthlyCost: number;
}

export interface BucketForecast {
  readonly now: BucketPoint;
  readonly ahead: BucketPoint[];
  readonly pricing: {
    readonly standardPerGbMonth: number;
    readonly coldPerGbMonth: number;
    readonly coldTransitionDays: number;
  };
  /** What the figures leave out, for people. */
  readonly assumptions: string[];
}

export interface BucketForecastOptions {
  readonly now: Date;
  readonly retention: RetentionPolicy;
  /** Months ahead to forecast. @default [3, 12] */
  readonly months?: readonly number[];
  readonly standardPricePerGbMonth: number;
  readonly coldPricePerGbMonth: number;
  /** Days after which images move to the cold class; 0: never (storage.coldTransitionDays). */
  readonly coldTransitionDays: number;
}

interface SizedImage extends RetentionImage {
  readonly sizeBytes: number;
}

/** The day `months` calendar months after `now` (UTC). */
function addMonths(now: Date, months: number): Date {
  const d = new Date(now.getTime());
  d.setUTCMonth(d.getUTCMonth() + months);
  return d;
}

/**
 * The images a series will add until `untilMs`: one per usual interval (the median gap between its
 * recent images, at least a day; a week with a single image), each as big as the series' Theil–Sen
 * size line says on its day, each PASS.
 */
function projectSeries(series: readonly ImageRecord[], untilMs: number): SizedImage[] {
  const sorted = [...series].sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
  const recent = sorted.slice(-TREND_WINDOW);
  const last = recent[recent.length - 1];
  if (!last) return [];
  const gaps = recent
    .slice(1)
    .map((r, i) => Date.parse(r.date) - Date.parse((recent[i] as ImageRecord).date));
  const gapMs = Math.max(DAY_MS, gaps.length > 0 ? median(gaps) : WEEK_MS);
  const good = recent.filter((r) => isGood(historyEntryOf(r)));
  const line = theilSen(good.map((r) => ({ x: Date.parse(r.date) / DAY_MS, y: r.sizeBytes })));
  const lastGood = good[good.length - 1] ?? last;
  const sizeAt = (ms: number) =>
    Math.max(0, Math.round(line ? line.intercept + line.slope * (ms / DAY_MS) : lastGood.sizeBytes));
  const out: SizedImage[] = [];
  for (let at = Date.parse(last.date) + gapMs; at <= untilMs; at += gapMs) {
    const day = new Date(at).toISOString().slice(0, 10);
    const name =
      last.kind === 'mksysb'
        ? `${last.host}_mksysb_${day}`
        : `${last.host}_savevg_${last.volumeGroup}_${day}`;
    out.push({
      key: `images/${last.host}/${name}`,
      host: last.host,
      kind: last.kind,
      volumeGroup: last.volumeGroup,
      date: new Date(at).toISOString(),
      verdict: 'PASS',
      sizeBytes: sizeAt(at),
    });
  }
  return out;
}

function bucketPoint(
  images: readonly SizedImage[],
  at: Date,
  months: number,
  o: BucketForecastOptions,
): BucketPoint {
  const coldBefore = at.getTime() - o.coldTransitionDays * DAY_MS;
  let standardBytes = 0;
  let coldBytes = 0;
  for (const image of images) {
    if (o.coldTransitionDays > 0 && Date.parse(image.date) < coldBefore) coldBytes += image.sizeBytes;
    else standardBytes += image.sizeBytes;
  }
  const cost = (standardBytes / GB) * o.standardPricePerGbMonth + (coldBytes / GB) * o.coldPricePerGbMonth;
  return {
    on: at.toISOString().slice(0, 10),
    months,
    images: images.length,
    bytes: standardBytes + coldBytes,
    standardBytes,
    coldBytes,
    monthlyCost: Math.round(cost * 100) / 100,
  };
}

/**
 * The bucket now (every recorded image) and `months` ahead: each series goes on at its usual interval
 * and size trend, and the retention plan of that day (planRetention, the one the retention Lambda
 * carries out) says which images are still kept; their bytes are priced by storage class.
 */
export function forecastBucket(
  records: readonly ImageRecord[],
  options: BucketForecastOptions,
): BucketForecast {
  const months = options.months ?? [3, 12];
  const bySeries = new Map<string, ImageRecord[]>();
  for (const r of records) {
    const key = seriesOf(r);
    bySeries.set(key, [...(bySeries.get(key) ?? []), r]);
  }
  const existing: SizedImage[] = records.map((r) => ({ ...retentionImageOf(r), sizeBytes: r.sizeBytes }));
  const ahead = months.map((m) => {
    const at = addMonths(options.now, m);
    const images = [
      ...existing,
      ...[...bySeries.values()].flatMap((series) => projectSeries(series, at.getTime())),
    ];
    const kept = new Set(planRetention(images, at, options.retention).keep.map((d) => d.key));
    return bucketPoint(
      images.filter((i) => kept.has(i.key)),
      at,
      m,
      options,
    );
  });
  return {
    now: bucketPoint(existing, options.now, 0, options),
    ahead,
    pricing: {
      standardPerGbMonth: options.standardPricePerGbMonth,
      coldPerGbMonth: options.coldPricePerGbMonth,
      coldTransitionDays: options.coldTransitionDays,
    },
    assumptions: [
      'image objects only (logs, listings and indexes beside them are small)',
      'each series goes on at its usual interval and Theil–Sen size trend, every new image PASS',
      'noncurrent versions (kept storage.noncurrentVersionDays after a delete), requests and retrievals not counted',
    ],
  };
}

/** The staging outlook in a few words, as status and the report show it. */
export function stagingOutlookText(f: StagingForecast): string {
  if (f.outlook === 'unknown') return 'unknown: no preflight reading yet';
  if (f.outlook === 'full') return 'too small now: preflight refuses';
  if (f.weeksUntilFull === null) return `not within ${STAGING_HORIZON_WEEKS} weeks`;
  return `${inWeeks(f.weeksUntilFull)} (${f.fullOn})`;
}

/** The bucket on one day in a line: `in 3 months (2027-02-24): 7 images, 70.0 GB, $0.63/month`. */
export function bucketPointText(p: BucketPoint): string {
  const when = p.months === 0 ? `now (${p.on})` : `in ${p.months} months (${p.on})`;
  return `${when}: ${p.images} images, ${formatBytes(p.bytes)}, $${p.monthlyCost.toFixed(2)}/month`;
}
