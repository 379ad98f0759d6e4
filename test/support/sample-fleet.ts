// A small synthetic fleet history (3 hosts, 8 weeks) for report and CLI tests.
import type { ReportHost } from '../../lib/report/html-report.js';

const GB = 1024 ** 3;

export function sampleFleet(): ReportHost[] {
  const weeks = Array.from({ length: 8 }, (_, i) =>
    new Date(Date.parse('2026-10-05T02:00:00Z') + i * 7 * 86_400_000).toISOString(),
  );
  return [
    {
      host: 'dbqa09',
      images: weeks.map((date, i) => ({
        host: 'dbqa09',
        kind: 'mksysb' as const,
        volumeGroup: 'rootvg',
        date,
        sizeBytes: i === 6 ? 4 * 1024 * 1024 : Math.round(3.8 * GB),
        verdict: i === 6 ? ('FAIL' as const) : ('PASS' as const),
        anomalies:
          i === 6
            ? [
                {
                  code: 'TINY_IMAGE' as const,
                  severity: 'fail' as const,
                  message: '4.0 MB vs 3.8 GB expected',
                  evidence: {},
                },
              ]
            : [],
        osLevel: '7200-05-03-2148',
      })),
    },
    {
      host: 'app<01>',
      images: weeks.map((date, i) => ({
        host: 'app<01>',
        kind: 'mksysb' as const,
        volumeGroup: 'rootvg',
        date,
        sizeBytes: Math.round(6 * GB * 1.05 ** i),
        verdict: 'PASS' as const,
        anomalies: [],
        osLevel: i < 4 ? '7200-05-03-2148' : '7300-02-01-2346',
      })),
    },
    {
      host: 'newhost',
      images: [],
      problems: ['images/newhost/newhost_mksysb_2026-11-16.record.json: not JSON'],
    },
  ];
}
