// A small synthetic fleet history (3 hosts, 8 weeks) for report and CLI tests. dbqa09's records
// predate `changes` (version 2: null); app<01>'s say what changed each week, with a technology-level
// upgrade in week 5.
import type { ImageChanges } from '../../lambdas/core/image-record.js';
import type { ReportHost } from '../../lib/report/html-report.js';

const GB = 1024 ** 3;

/** What changed in app<01>'s image of week `i` (i ≥ 1) since week i - 1. */
function appChanges(weeks: readonly string[], i: number): ImageChanges {
  const size = (week: number) => Math.round(6 * GB * 1.05 ** week);
  const tl = i === 4;
  return {
    comparedWith: {
      key: `images/app<01>/app<01>_mksysb_${weeks[i - 1]?.slice(0, 10)}.mksysb`,
      date: weeks[i - 1] ?? '',
      sizeBytes: size(i - 1),
    },
    entries: {
      added: 40 + i,
      removed: 3,
      grown: 120,
      shrunk: 8,
      contributors: [
        {
          path: '/opt/IBM/WebSphere/AppServer/profiles/AppSrv01/logs/server1/trace_archive',
          delta: 200_000_000,
          change: 'grew',
          line: '+191 MB /opt/IBM/WebSphere/AppServer/profiles/AppSrv01/logs/server1/trace_archive (grew: 1,204 entries changed)',
        },
        {
          path: '/var/adm/ras/dump.1',
          delta: 100_000_000,
          change: 'added',
          line: '+95.4 MB /var/adm/ras/dump.1 (new)',
        },
      ],
    },
    filesets: {
      added: tl ? [{ name: 'bos.ecc_client.rte', level: '7.3.2.0' }] : [],
      removed: [],
      upgraded: tl
        ? [
            { name: 'bos.rte', from: '7.2.5.200', to: '7.3.2.1' },
            { name: 'bos.mp64', from: '7.2.5.201', to: '7.3.2.1' },
          ]
        : [],
      downgraded: [],
    },
    unavailable: null,
  };
}

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
        changes: null,
        staging: null,
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
        changes: i === 0 ? null : appChanges(weeks, i),
      })),
    },
    {
      host: 'newhost',
      images: [],
      problems: ['images/newhost/newhost_mksysb_2026-11-16.record.json: not JSON'],
    },
  ];
}
