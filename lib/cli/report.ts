// `mksysb-vault report`: the fleet as one self-contained HTML page (a row and a card per host,
// every anomaly), written to a file that can be opened, mailed or archived; with --evidence, also
// the compliance evidence CSV an auditor asks for (lib/report/evidence-csv.ts), judged as status is.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { inBatches, readRecords } from '../../lambdas/adapters/catalog.js';
import { restoreTestOfImage } from '../../lambdas/core/restore-test.js';
import { type EvidenceRow, evidenceRows, renderEvidenceCsv } from '../report/evidence-csv.js';
import { type FleetReport, type ReportHost, renderHtmlReport } from '../report/html-report.js';
import {
  type CliIo,
  type Command,
  checkOutputDirectory,
  EXIT,
  outputError,
  parseOptions,
} from './command.js';
import {
  type HostView,
  hostWarnings,
  indexNotes,
  lastRunOf,
  latestMksysb,
  readFleet,
  readRecentRuns,
} from './fleet-view.js';
import { fleetForecast } from './forecast-view.js';
import { newestRestoreTest } from './status.js';
import { type OpenStore, STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault report [--out FILE] [--evidence FILE.csv] [options]

Writes an HTML report of the fleet: per host its newest verdict, a size-over-time chart of its
images, what changed in its newest image, the filesets its images changed, every anomaly, and the
forecast (as status --forecast: the weeks until each staging filesystem is too small for preflight,
the bucket's size and monthly cost now, in 3 and in 12 months). The page has no scripts and no
external assets.

Options:
  --out FILE         where to write it (default mksysb-vault-report.html)
  --title TEXT       the page title (default "mksysb-vault fleet report")
  --evidence FILE    also write the compliance evidence as CSV (RFC 4180): a row per host and
                     image series (its mksysb, each savevg volume group) with the series' state as
                     status judges it, its newest image (key, date, age in days, verdict), whether
                     retention is met (an image, not FAIL, within the STALE limit), the SHA-256 of
                     the stored bytes and whether it matches the host's, the content check,
                     restore_tested_at (when the host last passed a restore test), the Object Lock
                     mode (config) and retain-until ("not recorded": S3 holds it), run id and
                     verified at. A field starting with = + - @ (tab, CR) gets a leading ' (no
                     spreadsheet formula runs from a host's text; plain numbers stay numbers).
  -h, --help         show this help

${STORE_HELP}

Exit status: 0 written, 64 usage error or unwritable file, 69 store unreachable, 70 internal error.`;

export function reportHost(view: HostView): ReportHost {
  return {
    host: view.host,
    images: [...view.records].reverse().map((r) => ({
      host: r.host,
      key: r.key,
      kind: r.kind,
      volumeGroup: r.volumeGroup,
      date: r.date,
      sizeBytes: r.sizeBytes,
      verdict: r.verdict,
      anomalies: r.anomalies,
      osLevel: r.osLevel,
      changes: r.changes ?? null,
      evidence: {
        sha256: r.content?.sha256 ?? null,
        runId: r.runId,
        verifiedAt: r.verifiedAt,
        // When the image last passed a restore test (null: never).
        restoreTestedAt: restoreTestOfImage(r)?.lastPassAt ?? null,
      },
    })),
    problems: [...view.problems, ...(view.strays ?? [])],
    restoreTest: newestRestoreTest(view),
    missingImages: view.missingImages ?? [],
    enabled: view.enabled,
    volumeGroups: view.volumeGroups ?? null,
  };
}

/**
 * The views with the full record of each image whose changes the page shows: each host's newest
 * mksysb image (what changed in it) and the images whose filesets changed (the fileset history).
 * The catalog index keeps neither, so these, and only these, are read: one or a few GETs per host.
 */
export async function withChangesShown(store: OpenStore, views: readonly HostView[]): Promise<HostView[]> {
  const out: HostView[] = [];
  await inBatches([...views.entries()], 32, async ([i, view]) => {
    const newest = latestMksysb(view)?.key;
    const wanted = view.records
      .filter((r) => r.changes === undefined && (r.key === newest || (r.filesetsChanged ?? 0) > 0))
      .map((r) => r.key);
    if (wanted.length === 0) {
      out[i] = view;
      return;
    }
    const { records, problems } = await readRecords(store, view.host, wanted);
    const read = new Map(records.map((r) => [r.key, r]));
    out[i] = {
      ...view,
      records: view.records.map((r) => read.get(r.key) ?? r),
      problems: [...view.problems, ...problems.map((p) => p.problem)],
    };
  });
  return out;
}

/**
 * Writes the file aside in its own directory, then renames it into place: an auditor's copy is
 * never half written, and a failed write leaves the earlier file as it was.
 */
function writeAtomically(option: string, path: string, text: string): void {
  const aside = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(aside, text);
    renameSync(aside, path);
  } catch (error) {
    rmSync(aside, { force: true });
    throw outputError(option, path, error);
  }
}

export const reportCommand: Command = {
  name: 'report',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseOptions('report', argv, {
      ...STORE_OPTIONS,
      out: { type: 'string', default: 'mksysb-vault-report.html' },
      title: { type: 'string', default: 'mksysb-vault fleet report' },
      evidence: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    const out = resolve(io.cwd, values.out);
    const evidence = values.evidence === undefined ? null : resolve(io.cwd, values.evidence);
    checkOutputDirectory('--out', out); // before the store is read, not after
    if (evidence !== null) checkOutputDirectory('--evidence', evidence);
    return withStore(values, io, async (store) => {
      const fleet = await readFleet(store);
      const views = await withChangesShown(store, fleet.hosts);
      const { reports } = await readRecentRuns(store);
      const forecast = fleetForecast(views, store.config, store.clock);
      const maxAgeDays = store.config?.schedule.maxImageAgeDays ?? 8;
      const report: FleetReport = {
        title: values.title,
        generatedAt: store.clock.toISOString(),
        store: store.description,
        hosts: views.map((v, i) => ({
          ...reportHost(v),
          kind: v.kind ?? null,
          lastRun: lastRunOf(v.host, reports),
          staging: forecast.staging[i] ?? null,
        })),
        bucket: forecast.bucket,
        // The same age limit as status: the report's headline is status's.
        maxImageAgeDays: maxAgeDays,
        strays: fleet.strays.map((s) => s.problem),
      };
      for (const w of [...views.flatMap(hostWarnings), ...(report.strays ?? [])]) io.err(`! ${w}`);
      for (const n of indexNotes(views)) io.err(`note: ${n}`);
      try {
        writeFileSync(out, renderHtmlReport(report));
      } catch (error) {
        throw outputError('--out', out, error);
      }
      const images = views.reduce((n, v) => n + v.records.length, 0);
      io.out(`wrote ${out} (${views.length} hosts, ${images} images)`);
      if (evidence !== null) {
        const lock = store.config?.storage.objectLock ?? null;
        const rows: EvidenceRow[] = views.flatMap((v) =>
          evidenceRows(
            {
              host: v.host,
              enabled: v.enabled,
              records: v.records,
              missingImages: v.missingImages ?? [],
              lastRun: lastRunOf(v.host, reports),
              volumeGroups: v.volumeGroups ?? null,
              retiredImages: v.retired ?? [],
            },
            store.clock,
            maxAgeDays,
            lock,
          ),
        );
        writeAtomically('--evidence', evidence, renderEvidenceCsv(rows));
        io.out(`wrote ${evidence} (${rows.length} rows: one per host and image series)`);
      }
      return EXIT.ok;
    });
  },
};
