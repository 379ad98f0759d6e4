// The CloudWatch metrics the pipeline emits (as Embedded Metric Format log lines, so no PutMetricData
// permission or call is needed) and the dashboard and alarms read. Names live here only.

export const METRIC_NAMESPACE = 'MksysbVault';

export const METRICS = {
  /** Count, per run: images that got a verdict. */
  imagesVerified: 'ImagesVerified',
  /** Count, per run: images with verdict FAIL plus hosts whose run failed before an image existed. */
  hostsFailed: 'HostsFailed',
  /** Count, per run: images with verdict WARN. */
  imagesWarned: 'ImagesWarned',
  /** Bytes, dimension Host: size of the host's mksysb image. */
  imageSizeBytes: 'ImageSizeBytes',
  /** Seconds, dimension Host: transfer duration of the host's mksysb image. */
  transferSeconds: 'TransferSeconds',
  /** Count, per freshness check: hosts without a fresh PASS image. */
  staleHosts: 'StaleHosts',
} as const;

export const HOST_DIMENSION = 'Host';

/** One EMF log line (print it with console.log); `dimensions` apply to every metric in it. */
export function emfLine(
  metrics: Readonly<Record<string, { value: number; unit: 'Count' | 'Bytes' | 'Seconds' }>>,
  dimensions: Readonly<Record<string, string>> = {},
  timestamp = Date.now(),
): string {
  return JSON.stringify({
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: Object.entries(metrics).map(([Name, m]) => ({ Name, Unit: m.unit })),
        },
      ],
    },
    ...dimensions,
    ...Object.fromEntries(Object.entries(metrics).map(([name, m]) => [name, m.value])),
  });
}
