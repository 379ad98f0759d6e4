// The report's headline and `status` judge each host with one function (lambdas/core/host-state.ts): a
// host unreachable for five weeks, one whose image is stale, one whose newest image object is gone and
// one whose last run failed are never counted as PASS by the report while status calls them failing.
import { describe, expect, it } from 'vitest';
import { buildRunReport } from '../../../lambdas/core/run-summary.js';
import { type HostView, lastRunOf } from '../../../lib/cli/fleet-view.js';
import { reportHost } from '../../../lib/cli/report.js';
import { hostStatus } from '../../../lib/cli/status.js';
import { renderHtmlReport } from '../../../lib/report/html-report.js';
import { makeRecord, weeklyDates } from '../../support/local-store.js';

const NOW = new Date('2026-11-23T08:00:00Z');
const weeks = weeklyDates('2026-11-23T02:00:00.000Z', 8);
const records = (host: string, dates: readonly string[]) =>
  [...dates].reverse().map((date) => makeRecord({ host, date }));
const view = (host: string, fields: Partial<HostView> = {}): HostView => ({
  host,
  inFleet: true,
  enabled: true,
  records: records(host, weeks),
  problems: [],
  ...fields,
});

// aixdead1 was last backed up five weeks ago: every run since found it unreachable.
const runs = weeks.slice(3).map((date) =>
  buildRunReport(['aixdead1|FAIL|unreachable|0|HOST_UNREACHABLE', 'aixok01|PASS|verified|100|'], {
    runId: `run-${date.slice(0, 10)}`,
    date,
    week: date.slice(0, 10),
    notStarted: [],
    retention: null,
    writtenAt: date,
  }),
);
const newest = records('aixgone1', weeks)[0]?.key ?? '';
const views: HostView[] = [
  view('aixok01'),
  view('aixdead1', { records: records('aixdead1', weeks.slice(0, 3)) }),
  view('aixgone1', { missingImages: [newest] }),
  view('aixflap1'),
];
const lastRuns = new Map(views.map((v) => [v.host, lastRunOf(v.host, [...runs].reverse())]));
lastRuns.set('aixflap1', {
  date: '2026-11-23T02:30:00.000Z',
  verdict: 'FAIL',
  outcome: 'backup_failed',
  codes: ['BACKUP_FAILED'],
});

describe('the report and status on a fleet with stale, unreachable and missing hosts', () => {
  const statuses = views.map((v) => hostStatus(v, NOW, 8, lastRuns.get(v.host) ?? null));
  const html = renderHtmlReport({
    title: 't',
    generatedAt: NOW.toISOString(),
    store: 's3://vault',
    maxImageAgeDays: 8,
    hosts: views.map((v) => ({ ...reportHost(v), lastRun: lastRuns.get(v.host) ?? null })),
  });
  const tile = (label: string) => Number(new RegExp(`<b[^>]*>(\\d+)</b>${label}</div>`).exec(html)?.[1]);

  it('status calls only the healthy host OK', () => {
    expect(statuses.map((s) => [s.host, s.state])).toEqual([
      ['aixok01', 'ok'],
      ['aixdead1', 'fail'],
      ['aixgone1', 'fail'],
      ['aixflap1', 'fail'],
    ]);
  });

  it("counts in the report's headline what status counts, state by state", () => {
    for (const [state, label] of [
      ['ok', 'OK'],
      ['warn', 'WARN'],
      ['fail', 'FAIL'],
      ['stale', 'STALE'],
      ['never', 'never backed up'],
    ] as const)
      expect({ state, report: tile(label) }).toEqual({
        state,
        report: statuses.filter((s) => s.state === state).length,
      });
  });

  it("names the missing image in the host's card and does not take its date as the last image", () => {
    expect(html).toContain(`IMAGE_MISSING ${newest}`);
    const gone = statuses.find((s) => s.host === 'aixgone1');
    expect(gone?.lastImage).toBe(weeks.at(-2));
  });

  it('calls a host stale once its newest image is older than the limit, in both', () => {
    const later = new Date('2026-12-10T08:00:00Z');
    const ok = views[0] as HostView;
    expect(hostStatus(ok, later, 8, null).state).toBe('stale');
    const page = renderHtmlReport({
      title: 't',
      generatedAt: later.toISOString(),
      store: 's3://vault',
      hosts: [reportHost(ok)],
    });
    expect(page).toMatch(/<b[^>]*>1<\/b>STALE<\/div>/);
  });
});

// savevg images count as much as the mksysb: a host whose datavg backup FAILed, went stale or was
// never made is not OK in status nor in the report, and its chart draws the datavg series too.
describe('savevg images in status and the report', () => {
  const savevg = (host: string, date: string, verdict: 'PASS' | 'WARN' | 'FAIL' = 'PASS') =>
    makeRecord({ host, date, kind: 'savevg', volumeGroup: 'datavg', verdict, sizeBytes: 9 * 1024 ** 2 });
  const newestFirst = (host: string, datavg: ReturnType<typeof savevg>[]) =>
    [...records(host, weeks), ...datavg].sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
  const latest = weeks.at(-1) as string;
  const hosts: HostView[] = [
    view('aixsv01', {
      volumeGroups: ['datavg'],
      records: newestFirst('aixsv01', [savevg('aixsv01', latest)]),
    }),
    view('aixsv02', {
      volumeGroups: ['datavg'],
      records: newestFirst('aixsv02', [savevg('aixsv02', latest, 'FAIL')]),
    }),
    view('aixsv03', {
      volumeGroups: ['datavg'],
      records: newestFirst('aixsv03', [savevg('aixsv03', weeks[0] as string)]),
    }),
    view('aixsv04', { volumeGroups: ['datavg'] }),
    // The fleet unknown: the volume groups it has images of are judged.
    view('aixsv05', {
      volumeGroups: null,
      records: newestFirst('aixsv05', [savevg('aixsv05', latest, 'WARN')]),
    }),
  ];
  const statuses = hosts.map((v) => hostStatus(v, NOW, 8, null));
  const html = renderHtmlReport({
    title: 't',
    generatedAt: NOW.toISOString(),
    store: 's3://vault',
    maxImageAgeDays: 8,
    hosts: hosts.map((v) => reportHost(v)),
  });

  it('status judges each configured volume group: FAIL, stale or never made is not OK', () => {
    expect(statuses.map((s) => [s.host, s.state, s.findings.join(' ')])).toEqual([
      ['aixsv01', 'ok', ''],
      ['aixsv02', 'fail', 'SAVEVG_FAIL:datavg'],
      ['aixsv03', 'stale', 'SAVEVG_STALE:datavg'],
      ['aixsv04', 'fail', 'SAVEVG_MISSING:datavg'],
      ['aixsv05', 'warn', 'SAVEVG_WARN:datavg'],
    ]);
    expect(statuses[0]?.savevg).toEqual([
      {
        volumeGroup: 'datavg',
        lastImage: latest,
        ageDays: 0,
        sizeBytes: 9 * 1024 ** 2,
        verdict: 'PASS',
        state: 'ok',
      },
    ]);
  });

  it("counts in the report's headline what status counts", () => {
    const tile = (label: string) => Number(new RegExp(`<b[^>]*>(\\d+)</b>${label}</div>`).exec(html)?.[1]);
    expect([tile('OK'), tile('WARN'), tile('FAIL'), tile('STALE')]).toEqual([1, 1, 2, 1]);
  });

  it('draws the savevg series beside the mksysb and names it on the card', () => {
    const start = html.indexOf('<div class="host"><h3>aixsv02');
    const card = html.slice(start, html.indexOf('\n</div>', start));
    expect(card.match(/<path /g)).toHaveLength(2);
    expect(card.match(/<circle /g)).toHaveLength(weeks.length + 1);
    expect(card).toContain('<title>savevg datavg</title>');
    expect(card).toMatch(/savevg datavg <span class="FAIL">FAIL<\/span>/);
  });
});
