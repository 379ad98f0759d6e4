// `mksysb-vault report`: the fleet as one self-contained HTML page (a row and a card per host,
// every anomaly), written to a file that can be opened, mailed or archived.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type FleetReport, type ReportHost, renderHtmlReport } from '../report/html-report.js';
import {
  type CliIo,
  type Command,
  checkOutputDirectory,
  EXIT,
  outputError,
  parseOptions,
} from './command.js';
import { type HostView, hostWarnings, lastRunOf, readFleet, readRecentRuns } from './fleet-view.js';
import { fleetForecast } from './forecast-view.js';
import { STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault report [--out FILE] [options]

Writes an HTML report of the fleet: per host its newest verdict, a size-over-time chart of its
images, what changed in its newest image, the filesets its images changed, every anomaly, and the
forecast (as status --forecast: the weeks until each staging filesystem is too small for preflight,
the bucket's size and monthly cost now, in 3 and in 12 months). The page has no scripts and no
external assets.

Options:
  --out FILE         where to write it (default mksysb-vault-report.html)
  --title TEXT       the page title (default "mksysb-vault fleet report")
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
      changes: r.changes,
    })),
    problems: [...view.problems, ...(view.strays ?? [])],
    missingImages: view.missingImages ?? [],
    enabled: view.enabled,
    volumeGroups: view.volumeGroups ?? null,
  };
}

export const reportCommand: Command = {
  name: 'report',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseOptions('report', argv, {
      ...STORE_OPTIONS,
      out: { type: 'string', default: 'mksysb-vault-report.html' },
      title: { type: 'string', default: 'mksysb-vault fleet report' },
      help: { type: 'boolean', short: 'h', default: false },
    });
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    const out = resolve(io.cwd, values.out);
    checkOutputDirectory('--out', out); // before the store is read, not after
    return withStore(values, io, async (store) => {
      const fleet = await readFleet(store);
      const views = fleet.hosts;
      const { reports } = await readRecentRuns(store);
      const forecast = fleetForecast(views, store.config, store.clock);
      const report: FleetReport = {
        title: values.title,
        generatedAt: store.clock.toISOString(),
        store: store.description,
        hosts: views.map((v, i) => ({
          ...reportHost(v),
          lastRun: lastRunOf(v.host, reports),
          staging: forecast.staging[i] ?? null,
        })),
        bucket: forecast.bucket,
        // The same age limit as status: the report's headline is status's.
        maxImageAgeDays: store.config?.schedule.maxImageAgeDays ?? 8,
        strays: fleet.strays.map((s) => s.problem),
      };
      for (const w of [...views.flatMap(hostWarnings), ...(report.strays ?? [])]) io.err(`! ${w}`);
      try {
        writeFileSync(out, renderHtmlReport(report));
      } catch (error) {
        throw outputError('--out', out, error);
      }
      const images = views.reduce((n, v) => n + v.records.length, 0);
      io.out(`wrote ${out} (${views.length} hosts, ${images} images)`);
      return EXIT.ok;
    });
  },
};
