// Benchmarks of the verification core: parsing a 1 MB `lsmksysb -lf` listing and analysing a
// 10-year weekly history. Both are pure CPU; the figures are medians of several runs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseLsmksysb } from '../lambdas/core/lsmksysb.js';
import { DEFAULT_VERIFICATION_POLICY } from '../lambdas/core/policy.js';
import type { HistoryEntry } from '../lambdas/core/size-history.js';
import { judgeImage } from '../lambdas/core/verdict.js';
import { type BenchFigure, medianMs, printFigures } from './figures.js';

const GB = 1024 ** 3;

/** A listing of about 1 MB: a real-format header and a long logical-volume table. */
function bigListing(): string {
  const header = [
    'VOLUME GROUP:           rootvg',
    'BACKUP DATE/TIME:       Mon Nov 23 02:14:09 UTC 2026',
    'UNAME INFO:             AIX bench01 2 7 00F9C1964C00',
    'BACKUP OSLEVEL:         7.2.5.0',
    'MAINTENANCE LEVEL:      7200-05',
    'BACKUP SIZE (MB):       1048576',
    'SHRINK SIZE (MB):       524288',
    'VG DATA ONLY:           no',
    '',
    'rootvg:',
    'LV NAME             TYPE       LPs     PPs     PVs  LV STATE      MOUNT POINT',
    'hd5                 boot       1       1       1    closed/syncd  N/A',
    'hd4                 jfs2       8       8       1    open/syncd    /',
  ];
  const rows: string[] = [];
  for (let i = 0; rows.join('\n').length < 1024 * 1024 && i < 20_000; i += 1)
    rows.push(
      `fslv${String(i).padStart(5, '0')}        jfs2       16      16      1    open/syncd    /data/fs${i}`,
    );
  return [...header, ...rows].join('\n');
}

export async function main(): Promise<BenchFigure[]> {
  const listing = bigListing();
  const parseMs = await medianMs(7, () => parseLsmksysb(listing));
  const history: HistoryEntry[] = Array.from({ length: 520 }, (_, w) => ({
    date: new Date(Date.parse('2026-11-16T02:00:00Z') - w * 7 * 86_400_000).toISOString(),
    sizeBytes: Math.round(6 * GB * (1 + 0.02 * Math.sin(w))),
    verdict: 'PASS',
    osLevel: '7200-05-03-2148',
  }));
  const sample = readFileSync(
    fileURLToPath(new URL('./fixtures/bench-listing.txt', import.meta.url)),
    'utf8',
  );
  const analyseMs = await medianMs(15, () =>
    judgeImage(
      {
        host: 'bench01',
        kind: 'mksysb',
        volumeGroup: 'rootvg',
        date: '2026-11-23T02:00:00Z',
        sizeBytes: 6 * GB,
        lsmksysbText: sample,
        logText: '0512-038 mksysb: Backup Completed Successfully.',
      },
      history,
      DEFAULT_VERIFICATION_POLICY,
    ),
  );
  const figures: BenchFigure[] = [
    {
      figure: `parse a ${(listing.length / 1024 / 1024).toFixed(2)} MB lsmksysb listing`,
      target: '< 1 s',
      measured: `${parseMs.toFixed(1)} ms`,
      pass: parseMs < 1000,
    },
    {
      figure: 'judge an image against a 10-year weekly history (520 images)',
      target: '< 100 ms',
      measured: `${analyseMs.toFixed(2)} ms`,
      pass: analyseMs < 100,
    },
  ];
  printFigures('Verification core', figures);
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
