// The forecast as the CLI and the report see it: each host's staging outlook and the bucket's size
// and cost ahead (lambdas/core/forecast.ts), with the settings of the config the command runs with,
// or the documented defaults when there is none.
import { formatBytes } from '../../lambdas/core/anomaly.js';
import {
  type BucketForecast,
  bucketPointText,
  COLD_CLASS_PRICE,
  DEFAULT_FORECAST_SETTINGS,
  forecastBucket,
  forecastStaging,
  type StagingForecast,
  stagingOutlookText,
} from '../../lambdas/core/forecast.js';
import { DEFAULT_RETENTION_POLICY } from '../../lambdas/core/retention-plan.js';
import type { DeployConfig } from '../config.js';
import { table } from './command.js';
import { type HostView, presentRecords } from './fleet-view.js';

export interface FleetForecast {
  /** STAGING_FULL_SOON is raised this many weeks ahead (forecast.stagingWarnWeeks). */
  readonly warnWeeks: number;
  /** The config's workflow.stagingSizeFactor; null: each host's newest reading's (no config). */
  readonly sizeFactor: number | null;
  readonly staging: StagingForecast[];
  readonly bucket: BucketForecast;
}

/** Every host's staging forecast and the bucket's, on the clock `now`. */
export function fleetForecast(
  views: readonly HostView[],
  config: DeployConfig | null,
  now: Date,
): FleetForecast {
  const settings = config?.forecast ?? DEFAULT_FORECAST_SETTINGS;
  const storage = config?.storage;
  const sizeFactor = config?.workflow.stagingSizeFactor ?? null;
  const warnWeeks = settings.stagingWarnWeeks;
  return {
    warnWeeks,
    sizeFactor,
    staging: views.map((v) =>
      forecastStaging(v.host, presentRecords(v), {
        now,
        sizeFactor: sizeFactor ?? undefined,
        warnWeeks,
      }),
    ),
    bucket: forecastBucket(
      views.flatMap((v) => presentRecords(v)),
      {
        now,
        retention: config?.retention ?? DEFAULT_RETENTION_POLICY,
        standardPricePerGbMonth: settings.standardPricePerGbMonth,
        coldPricePerGbMonth:
          settings.coldPricePerGbMonth ?? COLD_CLASS_PRICE[storage?.coldStorageClass ?? 'GLACIER_IR'],
        coldTransitionDays: storage?.coldTransitionDays ?? 30,
      },
    ),
  };
}

const perWeek = (bytes: number | null) =>
  bytes === null ? '-' : `${bytes < 0 ? '-' : '+'}${formatBytes(Math.abs(bytes))}/wk`;

/** The forecast as text lines: a row per host, then the bucket now and ahead. */
export function forecastLines(f: FleetForecast): string[] {
  const factor = f.sizeFactor === null ? "each host's last factor" : `${f.sizeFactor}`;
  return [
    `staging forecast (preflight refuses when free < ${factor} × the next images; Theil–Sen trends; STAGING_FULL_SOON within ${f.warnWeeks} weeks):`,
    table(
      ['HOST', 'STAGING TOO SMALL', 'FREE', 'NEEDED', 'IMAGE', 'FREE SPACE', 'ALERT'],
      f.staging.map((s) => [
        s.host,
        stagingOutlookText(s),
        s.freeBytes === null ? '-' : formatBytes(s.freeBytes),
        s.requiredBytes === null ? '-' : formatBytes(s.requiredBytes),
        perWeek(s.imageGrowthBytesPerWeek),
        perWeek(s.freeChangeBytesPerWeek),
        s.outlook === 'soon' || s.outlook === 'full' ? 'STAGING_FULL_SOON' : '-',
      ]),
    ),
    '',
    'bucket forecast (what the retention policy keeps; image objects only):',
    ...[f.bucket.now, ...f.bucket.ahead].map((p) => `  ${bucketPointText(p)}`),
    `  priced at $${f.bucket.pricing.standardPerGbMonth}/GB-month (S3 Standard), $${f.bucket.pricing.coldPerGbMonth}/GB-month once cold (after ${f.bucket.pricing.coldTransitionDays} days); config forecast.*, us-east-1 list prices by default`,
  ];
}
