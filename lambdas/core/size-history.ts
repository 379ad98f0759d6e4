// Size-history analysis for one host's series of images (one kind, one volume group). The baseline
// is robust: the expected size today is the median of the host's last good images, each projected
// to today along a Theil–Sen trend of their log sizes. So a rootvg that legitimately grows 10% a
// week does not page anyone, and one truncated image in the window does not move the baseline.
// "Good" is PASS or WARN: a WARN image was verified (log, listing and floor passed) and alerted once;
// counting it lets a lasting, legitimate size change become the new normal after about half the
// window, instead of warning every week for as long as older images are kept. FAIL images never count,
// nor a WARN judged without readable history (HISTORY_UNREADABLE): its size was never checked.
import { type Anomaly, anomaly, formatBytes } from './anomaly.js';
import type { VerificationPolicy } from './policy.js';
import type { Verdict } from './vocabulary.js';

export interface HistoryEntry {
  readonly date: string;
  readonly sizeBytes: number;
  readonly verdict: Verdict;
  readonly osLevel?: string | null;
  /** The image's anomaly codes, when known. */
  readonly codes?: readonly string[];
}

export interface SizeBaseline {
  /** How many earlier good images the baseline is built from. */
  readonly samples: number;
  readonly medianBytes: number;
  /** What the image is expected to weigh on the judged date, trend included. */
  readonly expectedBytes: number;
  /** Robust spread of the samples around the trend, in percent of the expected size. */
  readonly spreadPercent: number;
  /** Growth per week of the fitted trend, in percent (negative: shrinking). */
  readonly trendPercentPerWeek: number;
  readonly lastGoodBytes: number;
  readonly lastGoodDate: string;
}

export interface SizeAssessment {
  readonly anomalies: Anomaly[];
  readonly baseline: SizeBaseline | null;
  /** True when the host has too little history and was judged by the absolute floor alone. */
  readonly firstRun: boolean;
  /** Percent difference from the expected size; null on a first run. */
  readonly deviationPercent: number | null;
}

const WEEK_MS = 7 * 24 * 3600 * 1000;
// A fitted trend beyond this is not a trend but noise on few points; clamp rather than extrapolate wildly.
const MAX_TREND_PER_WEEK = Math.log(1.5);

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Whether an image may stand in a baseline: PASS, or WARN with its size judged against history. */
export function isGood(h: HistoryEntry): boolean {
  if (h.sizeBytes <= 0) return false;
  return h.verdict === 'PASS' || (h.verdict === 'WARN' && !h.codes?.includes('HISTORY_UNREADABLE'));
}

/** The good images before `date`, newest last, at most `window` of them. */
export function goodHistory(history: readonly HistoryEntry[], date: string, window: number): HistoryEntry[] {
  const at = Date.parse(date);
  return history
    .filter((h) => isGood(h) && Date.parse(h.date) < at)
    .sort((a, b) => Date.parse(a.date) - Date.parse(b.date))
    .slice(-window);
}

export function computeBaseline(
  history: readonly HistoryEntry[],
  date: string,
  policy: VerificationPolicy,
): SizeBaseline | null {
  const good = goodHistory(history, date, policy.baselineWindow);
  if (good.length < policy.minHistoryForBaseline) return null;
  const at = Date.parse(date);
  const points = good.map((h) => ({
    weeks: (Date.parse(h.date) - at) / WEEK_MS,
    log: Math.log(h.sizeBytes),
  }));
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i += 1)
    for (let j = i + 1; j < points.length; j += 1) {
      const a = points[i] as (typeof points)[number];
      const b = points[j] as (typeof points)[number];
      if (b.weeks !== a.weeks) slopes.push((b.log - a.log) / (b.weeks - a.weeks));
    }
  const slope = Math.max(
    -MAX_TREND_PER_WEEK,
    Math.min(MAX_TREND_PER_WEEK, slopes.length ? median(slopes) : 0),
  );
  // Each sample projected to the judged date; their median is the expected log size.
  const projected = points.map((p) => p.log - slope * p.weeks);
  const expectedLog = median(projected);
  const spreadLog = median(projected.map((v) => Math.abs(v - expectedLog)));
  const last = good[good.length - 1] as HistoryEntry;
  return {
    samples: good.length,
    medianBytes: Math.round(median(good.map((h) => h.sizeBytes))),
    expectedBytes: Math.round(Math.exp(expectedLog)),
    spreadPercent: round1((Math.exp(spreadLog) - 1) * 100),
    trendPercentPerWeek: round1((Math.exp(slope) - 1) * 100),
    lastGoodBytes: last.sizeBytes,
    lastGoodDate: last.date,
  };
}

export interface SizeSubject {
  readonly kind: 'mksysb' | 'savevg';
  readonly date: string;
  readonly sizeBytes: number;
}

export function assessSize(
  subject: SizeSubject,
  history: readonly HistoryEntry[],
  policy: VerificationPolicy,
): SizeAssessment {
  const floor = subject.kind === 'mksysb' ? policy.absoluteFloorBytes : policy.savevgFloorBytes;
  const size = subject.sizeBytes;
  const baseline = computeBaseline(history, subject.date, policy);
  const anomalies: Anomaly[] = [];

  if (size === 0) {
    anomalies.push(anomaly('EMPTY_IMAGE', 'fail', 'the image is 0 bytes', { sizeBytes: 0 }));
    return { anomalies, baseline, firstRun: baseline === null, deviationPercent: baseline ? -100 : null };
  }

  if (baseline === null) {
    const samples = goodHistory(history, subject.date, policy.baselineWindow).length;
    if (size < floor)
      anomalies.push(
        anomaly(
          'TINY_IMAGE',
          'fail',
          `${formatBytes(size)} is below the ${formatBytes(floor)} floor (first run: no baseline yet)`,
          { sizeBytes: size, floorBytes: floor, historySamples: samples },
        ),
      );
    anomalies.push(
      anomaly(
        'FIRST_RUN',
        'info',
        `judged by the absolute floor alone: ${samples} good earlier image(s), ${policy.minHistoryForBaseline} needed for a baseline`,
        { historySamples: samples, needed: policy.minHistoryForBaseline },
      ),
    );
    return { anomalies, baseline, firstRun: true, deviationPercent: null };
  }

  const deviation = round1((size / baseline.expectedBytes - 1) * 100);
  const evidence = {
    sizeBytes: size,
    expectedBytes: baseline.expectedBytes,
    medianBytes: baseline.medianBytes,
    deviationPercent: deviation,
    spreadPercent: baseline.spreadPercent,
    trendPercentPerWeek: baseline.trendPercentPerWeek,
    samples: baseline.samples,
  };
  const vsMedian = `${formatBytes(size)} vs ${formatBytes(baseline.expectedBytes)} expected (median ${formatBytes(baseline.medianBytes)})`;
  const band = policy.spreadAllowance * baseline.spreadPercent;

  // Below the floor is a FAIL unless the host's images are usually that small (its expected size is
  // under the floor too) and this one is not a fraction of them: a 6 MiB image of a 16 MiB host fails.
  const usuallySmall = baseline.expectedBytes < floor;
  if (size < floor && (!usuallySmall || size < baseline.expectedBytes * policy.tinyFractionOfBaseline)) {
    anomalies.push(
      anomaly('TINY_IMAGE', 'fail', `${vsMedian}: below the ${formatBytes(floor)} floor`, evidence),
    );
  } else if (size < floor) {
    anomalies.push(
      anomaly(
        'TINY_IMAGE',
        'warn',
        `${formatBytes(size)} is below the ${formatBytes(floor)} floor, as this host's images usually are`,
        evidence,
      ),
    );
  } else if (-deviation > policy.dropWarnPercent + band) {
    const severe = -deviation > 2 * policy.dropWarnPercent + band;
    anomalies.push(anomaly('SIZE_DROP', severe ? 'fail' : 'warn', `${vsMedian}: ${deviation}%`, evidence));
  } else if (deviation > policy.jumpWarnPercent + band) {
    anomalies.push(anomaly('SIZE_JUMP', 'warn', `${vsMedian}: +${deviation}%`, evidence));
  }
  return { anomalies, baseline, firstRun: false, deviationPercent: deviation };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
