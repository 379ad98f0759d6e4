// The fleet report (`mksysb-vault report`): one self-contained HTML page — no script, no external
// asset, so it can be mailed or archived — with a row per host, a card per host (size-over-time
// chart as inline SVG, what changed in its newest image, its fileset change history) and every
// anomaly. Pure: records in, HTML out. Every string from a record is host-supplied and escaped.
import { type Anomaly, formatBytes } from '../../lambdas/core/anomaly.js';
import {
  type BucketForecast,
  type StagingForecast,
  stagingOutlookText,
} from '../../lambdas/core/forecast.js';
import {
  type HostJudgement,
  type HostState,
  IMAGE_MISSING,
  judgeHost,
} from '../../lambdas/core/host-state.js';
import type { ImageChanges, SizeContributor } from '../../lambdas/core/image-record.js';
import type { Verdict } from '../../lambdas/core/vocabulary.js';

export interface ReportImage {
  readonly host: string;
  /** The image's key (what IMAGE_MISSING names); without one, host and date stand for it. */
  readonly key?: string;
  readonly kind: 'mksysb' | 'savevg';
  readonly volumeGroup: string;
  readonly date: string;
  readonly sizeBytes: number;
  readonly verdict: Verdict;
  /** Each anomaly's code, severity and message (what the page shows of it). */
  readonly anomalies: readonly Pick<Anomaly, 'code' | 'severity' | 'message'>[];
  readonly osLevel: string | null;
  /** What changed since the previous image of the series; null for a first image or an older record. */
  readonly changes: ImageChanges | null;
  /** The image's audit evidence (as `report --evidence` writes it), when the record is at hand. */
  readonly evidence?: ImageEvidence;
}

/** What an auditor asks of one image: the stored bytes' checksum, which run verified it and when. */
export interface ImageEvidence {
  /** SHA-256 of the stored bytes (the content check's); null when they were not all read. */
  readonly sha256: string | null;
  /** Null for an image known only from its history entry. */
  readonly runId: string | null;
  readonly verifiedAt: string;
  /** When it last passed a restore test (lambdas/core/restore-test.ts); null: never. */
  readonly restoreTestedAt: string | null;
}

export interface ReportHost {
  readonly host: string;
  /** `vios` for a Virtual I/O Server (its image is backupios's mksysb, checked with its viosbr archive). */
  readonly kind?: 'lpar' | 'vios' | null;
  /** Oldest first. */
  readonly images: readonly ReportImage[];
  /** Problems the catalog met reading this host (unreadable records), shown, never hidden. */
  readonly problems?: readonly string[];
  /** Keys of images whose record is there and whose object is not (IMAGE_MISSING). */
  readonly missingImages?: readonly string[];
  /** Whether the fleet backs this host up (default true). */
  readonly enabled?: boolean;
  /** The volume groups the fleet saves with savevg; absent or null: those the host has images of. */
  readonly volumeGroups?: readonly string[] | null;
  /** How the host's latest run ended (from the run reports), when known. */
  readonly lastRun?: {
    readonly date: string;
    readonly verdict: string;
    readonly outcome: string;
    readonly codes: readonly string[];
  } | null;
  /** When its staging filesystem becomes too small for preflight (lambdas/core/forecast.ts), when forecast. */
  readonly staging?: StagingForecast | null;
  /** Its newest restore test (lambdas/core/restore-test.ts); absent or null: never tested. */
  readonly restoreTest?: {
    readonly result: 'PASS' | 'FAIL';
    readonly reason: string | null;
    readonly finishedAt: string;
    readonly rtoSeconds: number | null;
    readonly target: { readonly host: string; readonly disk: string };
    readonly lastPassAt: string | null;
  } | null;
}

/** A host's name, with a VIOS marked as one. */
function hostName(h: ReportHost): string {
  return `${esc(h.host)}${h.kind === 'vios' ? ' <span class="kind">VIOS</span>' : ''}`;
}

export interface FleetReport {
  readonly title: string;
  readonly generatedAt: string;
  readonly store: string;
  readonly hosts: readonly ReportHost[];
  /** An image older than this many days is STALE, as in `status` (default 8). */
  readonly maxImageAgeDays?: number;
  /** Keys under images/ outside any host's folder (STRAY_KEY lines), shown, never hidden. */
  readonly strays?: readonly string[];
  /** The bucket's size and monthly cost now and months ahead under the retention policy, when forecast. */
  readonly bucket?: BucketForecast | null;
}

/** The headline's tiles: every state `status` shows, in its words. */
const STATE_TILES: readonly { state: HostState; label: string; cls: string }[] = [
  { state: 'ok', label: 'OK', cls: 'PASS' },
  { state: 'warn', label: 'WARN', cls: 'WARN' },
  { state: 'fail', label: 'FAIL', cls: 'FAIL' },
  { state: 'stale', label: 'STALE', cls: 'FAIL' },
  { state: 'never', label: 'never backed up', cls: 'FAIL' },
  { state: 'disabled', label: 'disabled', cls: '' },
];

/** A host's state as `status` judges it (lambdas/core/host-state.ts), from what the report holds. */
export function reportHostState(h: ReportHost, now: Date, maxImageAgeDays: number): HostJudgement {
  return judgeHost(
    {
      enabled: h.enabled ?? true,
      images: h.images.map((i) => ({
        kind: i.kind,
        volumeGroup: i.volumeGroup,
        key: i.key ?? `${i.host}@${i.date}`,
        date: i.date,
        verdict: i.verdict,
      })),
      missingImages: h.missingImages ?? [],
      lastRun: h.lastRun ?? null,
      volumeGroups: h.volumeGroups ?? null,
    },
    now,
    maxImageAgeDays,
  );
}

const COLOURS = { PASS: '#1b7f3b', WARN: '#b26a00', FAIL: '#b3261e' } as const;

/**
 * Lines of a card's panels, so a fleet of hundreds of hosts stays a page that opens quickly: the
 * record keeps up to 10 contributors and `mksysb-vault diff` shows them all, with every fileset.
 */
const CONTRIBUTORS_SHOWN = 5;
const FILESETS_SHOWN_PER_IMAGE = 10;

export function renderHtmlReport(report: FleetReport): string {
  const now = new Date(report.generatedAt);
  const states = new Map(
    report.hosts.map((h) => [h, reportHostState(h, now, report.maxImageAgeDays ?? 8)] as const),
  );
  const counts = new Map<HostState, number>();
  for (const { state } of states.values()) counts.set(state, (counts.get(state) ?? 0) + 1);
  const stateOf = (h: ReportHost) => states.get(h) as HostJudgement;
  const anomalies = report.hosts.flatMap((h) =>
    h.images.flatMap((img) => img.anomalies.filter((a) => a.severity !== 'info').map((a) => ({ img, a }))),
  );
  anomalies.sort((x, y) => y.img.date.localeCompare(x.img.date));

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(report.title)}</title>
<style>
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
  .meta { color: #666; margin-bottom: 16px; }
  .tiles { display: flex; gap: 12px; flex-wrap: wrap; }
  .tile { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 10px 16px; min-width: 110px; }
  .tile b { display: block; font-size: 24px; }
  table { border-collapse: collapse; background: #fff; width: 100%; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #eee; vertical-align: top; }
  th { background: #f0f0f2; font-weight: 600; }
  .PASS { color: ${COLOURS.PASS}; font-weight: 600; } .WARN { color: ${COLOURS.WARN}; font-weight: 600; }
  .FAIL { color: ${COLOURS.FAIL}; font-weight: 600; }
  .hosts { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
  .host { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 10px 12px; }
  .host h3 { margin: 0 0 4px; font-size: 15px; } .host .sub { color: #666; font-size: 12px; }
  .problem { color: ${COLOURS.FAIL}; font-size: 12px; }
  svg text { font-size: 10px; fill: #555; }
  .host h4 { margin: 10px 0 2px; font-size: 13px; }
  .host ul { margin: 2px 0; padding-left: 18px; font-size: 12px; }
  .host code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
  .evidence { margin-top: 8px; font-size: 12px; } .evidence summary { cursor: pointer; font-weight: 600; }
  .note { color: #666; font-size: 12px; font-style: italic; }
  .kind { font-size: 11px; border: 1px solid #999; border-radius: 3px; padding: 0 3px; color: #444; }
  .down { color: ${COLOURS.FAIL}; font-weight: 600; } li.downgrade { border-left: 3px solid ${COLOURS.FAIL}; padding-left: 4px; }
</style>
</head>
<body>
<h1>${esc(report.title)}</h1>
<div class="meta">Generated ${esc(report.generatedAt)} from ${esc(report.store)} · ${report.hosts.length} hosts</div>
<div class="tiles">
${STATE_TILES.filter((t) => t.state !== 'disabled' || counts.has('disabled'))
  .map(
    (t) =>
      `  <div class="tile"><b${t.cls ? ` class="${t.cls}"` : ''}>${counts.get(t.state) ?? 0}</b>${t.label}</div>`,
  )
  .join('\n')}
</div>
${(report.strays ?? []).map((p) => `<div class="problem">${esc(p)}</div>`).join('\n')}
<h2>Hosts</h2>
<table>
<thead><tr><th>host</th><th>state</th><th>last image</th><th>size</th><th>verdict</th><th>OS level</th><th>images</th><th>staging too small</th></tr></thead>
<tbody>
${report.hosts.map((h) => hostRow(h, stateOf(h))).join('\n')}
</tbody>
</table>
${report.bucket ? bucketSection(report.bucket) : ''}
<h2>Size over time and what changed</h2>
<div class="hosts">
${report.hosts.map((h) => hostChart(h, stateOf(h))).join('\n')}
</div>
<h2>Anomalies (${anomalies.length})</h2>
<table>
<thead><tr><th>date</th><th>host</th><th>image</th><th>severity</th><th>code</th><th>what</th></tr></thead>
<tbody>
${anomalies
  .map(
    ({ img, a }) =>
      `<tr><td>${esc(img.date.slice(0, 10))}</td><td>${esc(img.host)}</td><td>${esc(img.kind === 'mksysb' ? 'mksysb' : `savevg ${img.volumeGroup}`)}</td><td class="${a.severity === 'fail' ? 'FAIL' : 'WARN'}">${esc(a.severity)}</td><td>${esc(a.code)}</td><td>${esc(a.message)}</td></tr>`,
  )
  .join('\n')}
</tbody>
</table>
</body>
</html>
`;
}

/** The host's newest mksysb image whose object is in the store. */
function lastRootvg(h: ReportHost): ReportImage | undefined {
  const missing = new Set(h.missingImages ?? []);
  return h.images.filter((i) => i.kind === 'mksysb' && !(i.key && missing.has(i.key))).at(-1);
}

function stateCell(j: HostJudgement): string {
  const tile = STATE_TILES.find((t) => t.state === j.state);
  return `<td${tile?.cls ? ` class="${tile.cls}"` : ''}>${esc(j.state.toUpperCase())}${j.findings.length ? ` ${esc(j.findings.join(' '))}` : ''}</td>`;
}

function hostRow(h: ReportHost, j: HostJudgement): string {
  const last = lastRootvg(h);
  if (!last)
    return `<tr><td>${hostName(h)}</td>${stateCell(j)}<td colspan="5">no mksysb image${h.problems?.length ? ` · <span class="problem">${esc(h.problems[0] ?? '')}</span>` : ''}</td>${stagingCell(h)}</tr>`;
  return `<tr><td>${hostName(h)}</td>${stateCell(j)}<td>${esc(last.date.slice(0, 10))}</td><td>${esc(formatBytes(last.sizeBytes))}</td><td class="${last.verdict}">${last.verdict}</td><td>${esc(last.osLevel ?? '–')}</td><td>${h.images.length}</td>${stagingCell(h)}</tr>`;
}

/** The staging forecast's cell: the weeks left (STAGING_FULL_SOON in its colour), its numbers on hover. */
function stagingCell(h: ReportHost): string {
  const f = h.staging;
  if (!f) return '<td>–</td>';
  const cls = f.outlook === 'full' ? ' class="FAIL"' : f.outlook === 'soon' ? ' class="WARN"' : '';
  const code = f.outlook === 'full' || f.outlook === 'soon' ? ' STAGING_FULL_SOON' : '';
  return `<td${cls} title="${esc(f.summary)}">${esc(stagingOutlookText(f))}${code}</td>`;
}

/** The bucket now and ahead: what the retention policy keeps, its bytes and monthly cost. */
function bucketSection(b: BucketForecast): string {
  const rows = [b.now, ...b.ahead]
    .map(
      (p) =>
        `<tr><td>${p.months === 0 ? 'now' : `in ${p.months} months`}</td><td>${esc(p.on)}</td><td>${p.images}</td><td>${esc(formatBytes(p.bytes))}</td><td>${esc(formatBytes(p.coldBytes))}</td><td>$${p.monthlyCost.toFixed(2)}</td></tr>`,
    )
    .join('\n');
  return `<h2>Bucket forecast</h2>
<table>
<thead><tr><th>when</th><th>day</th><th>images kept</th><th>size</th><th>of it cold</th><th>per month</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<div class="note">${esc(`What the retention policy keeps, each series going on at its usual interval and size trend; $${b.pricing.standardPerGbMonth}/GB-month in S3 Standard, $${b.pricing.coldPerGbMonth} once cold (after ${b.pricing.coldTransitionDays} days); ${b.assumptions.join('; ')}.`)}</div>`;
}

/** Line colours of a chart's series: rootvg (mksysb) first, then each savevg volume group. */
const SERIES_COLOURS = ['#4a6fa5', '#7a5195', '#2a9d8f', '#8d6e63', '#5c677d'] as const;

/** The series an image belongs to: its mksysb (rootvg) or its savevg volume group. */
function seriesOf(i: ReportImage): string {
  return i.kind === 'mksysb' ? 'mksysb' : `savevg ${i.volumeGroup}`;
}

/**
 * A small line chart of the host's image sizes: one line per series (the mksysb, then each savevg
 * volume group, each with its own colour and named in its points' titles), each point coloured by
 * its verdict.
 */
export function sizeChart(images: readonly ReportImage[], width = 320, height = 120): string {
  const points = [...images].sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
  if (points.length === 0) return '<svg width="0" height="0"></svg>';
  const series = [...new Set(points.map(seriesOf))].sort((a, b) =>
    a === 'mksysb' ? -1 : b === 'mksysb' ? 1 : a.localeCompare(b),
  );
  const pad = { l: 48, r: 8, t: 8, b: 18 };
  const times = points.map((p) => Date.parse(p.date));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const maxSize = Math.max(...points.map((p) => p.sizeBytes), 1);
  const x = (t: number) =>
    pad.l + (t1 === t0 ? (width - pad.l - pad.r) / 2 : ((t - t0) / (t1 - t0)) * (width - pad.l - pad.r));
  const y = (s: number) => pad.t + (1 - s / maxSize) * (height - pad.t - pad.b);
  const lines = series
    .map((name, n) => {
      const d = points
        .filter((p) => seriesOf(p) === name)
        .map(
          (p, i) => `${i === 0 ? 'M' : 'L'}${x(Date.parse(p.date)).toFixed(1)},${y(p.sizeBytes).toFixed(1)}`,
        )
        .join(' ');
      const dash = n === 0 ? '' : ' stroke-dasharray="4 2"';
      return `<path d="${d}" fill="none" stroke="${SERIES_COLOURS[n % SERIES_COLOURS.length]}" stroke-width="1.5"${dash}><title>${esc(name)}</title></path>`;
    })
    .join('');
  const dots = points
    .map(
      (p) =>
        `<circle cx="${x(Date.parse(p.date)).toFixed(1)}" cy="${y(p.sizeBytes).toFixed(1)}" r="3.5" fill="${COLOURS[p.verdict]}"><title>${esc(`${seriesOf(p)} ${p.date.slice(0, 10)} ${formatBytes(p.sizeBytes)} ${p.verdict}`)}</title></circle>`,
    )
    .join('');
  const legend =
    series.length < 2
      ? ''
      : series
          .map(
            (name, n) =>
              `<text x="${pad.l + 4 + n * 80}" y="${pad.t + 8}" fill="${SERIES_COLOURS[n % SERIES_COLOURS.length]}">${esc(name)}</text>`,
          )
          .join('');
  return `<svg role="img" aria-label="image size over time" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#ccc"/>
<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="#ccc"/>
<text x="${pad.l - 4}" y="${pad.t + 8}" text-anchor="end">${esc(formatBytes(maxSize))}</text>
<text x="${pad.l - 4}" y="${height - pad.b}" text-anchor="end">0</text>
<text x="${pad.l}" y="${height - 4}">${esc(points[0]?.date.slice(0, 10) ?? '')}</text>
<text x="${width - pad.r}" y="${height - 4}" text-anchor="end">${esc(points.at(-1)?.date.slice(0, 10) ?? '')}</text>
${lines}${dots}${legend}
</svg>`;
}

function hostChart(h: ReportHost, j: HostJudgement): string {
  const last = lastRootvg(h);
  const state =
    j.state === 'ok' || j.state === 'warn'
      ? ''
      : ` <span${j.state === 'disabled' ? '' : ' class="FAIL"'}>${esc(j.state.toUpperCase())}</span>`;
  const missing = (h.missingImages ?? []).map(
    (key) =>
      `<div class="problem">${IMAGE_MISSING} ${esc(key)}: its record is there, the image object is not</div>`,
  );
  return `<div class="host"><h3>${hostName(h)}${last ? ` <span class="${last.verdict}">${last.verdict}</span>` : ''}${state}</h3>
<div class="sub">${h.images.filter((i) => i.kind === 'mksysb').length} mksysb images${last ? ` · last ${esc(formatBytes(last.sizeBytes))}` : ''}${savevgLine(j)}</div>
${sizeChart(h.images)}
${lastRunLine(h)}${restoreTestLine(h)}${missing.join('')}${(h.problems ?? []).map((p) => `<div class="problem">${esc(p)}</div>`).join('')}${changesPanel(h)}${filesetHistory(h)}${evidenceTable(h)}
</div>`;
}

/**
 * Each image's evidence, newest first, folded away under its summary so the card stays compact: the
 * same SHA-256, run id, verified-at and restore-tested-at as `report --evidence` writes.
 */
function evidenceTable(h: ReportHost): string {
  const images = [...h.images].reverse().filter((i) => i.evidence !== undefined);
  if (images.length === 0) return '';
  // A line per image, not a wide table: the card is ~340 px and a SHA-256 is 64 characters.
  const items = images.map((img) => {
    const e = img.evidence as ImageEvidence;
    const series = img.kind === 'mksysb' ? 'mksysb' : `savevg ${img.volumeGroup}`;
    const sha = e.sha256 === null ? 'SHA-256 not read' : `SHA-256 <code>${esc(e.sha256)}</code>`;
    const restore = e.restoreTestedAt === null ? 'never' : esc(e.restoreTestedAt);
    return `<li><b>${esc(img.date.slice(0, 10))}</b> ${esc(series)} <span class="${img.verdict}">${img.verdict}</span> · run ${esc(e.runId ?? 'unknown')} · verified ${esc(e.verifiedAt)} · restore tested: ${restore}<br>${sha}</li>`;
  });
  return `\n<details class="evidence"><summary>Evidence (${images.length} image${images.length === 1 ? '' : 's'})</summary>
<ul>${items.join('\n')}</ul></details>`;
}

/** Each savevg volume group's newest image on the card's subtitle: verdict and age, or none. */
function savevgLine(j: HostJudgement): string {
  return j.volumeGroups
    .map(
      (vg) =>
        ` · savevg ${esc(vg.volumeGroup)} ${vg.last ? `<span class="${vg.state === 'ok' ? 'PASS' : vg.state === 'warn' ? 'WARN' : 'FAIL'}">${vg.last.verdict}${vg.state === 'stale' ? ' STALE' : ''}</span> ${esc(vg.last.date.slice(0, 10))}` : '<span class="FAIL">none</span>'}`,
    )
    .join('');
}

/** What changed in the host's newest mksysb image: the size step, the few paths that explain it, why not. */
function changesPanel(h: ReportHost): string {
  const last = lastRootvg(h);
  if (!last) return '';
  const { changes } = last;
  if (changes === null)
    return h.images.filter((i) => i.kind === 'mksysb').length === 1
      ? '\n<h4>What changed</h4><div class="note">first image of this host: nothing to compare with</div>'
      : '';
  const { comparedWith, entries, unavailable } = changes;
  const delta = last.sizeBytes - comparedWith.sizeBytes;
  let html = `\n<h4>What changed since ${esc(comparedWith.date.slice(0, 10))}</h4>
<div>${esc(formatBytes(comparedWith.sizeBytes))} → ${esc(formatBytes(last.sizeBytes))}, <b>${esc(signedBytes(delta))}</b></div>`;
  if (entries !== null) {
    html += `\n<div class="sub">files: ${count(entries.added)} added · ${count(entries.removed)} removed · ${count(entries.grown)} grown · ${count(entries.shrunk)} shrunk</div>`;
    const shown = entries.contributors.slice(0, CONTRIBUTORS_SHOWN);
    if (shown.length > 0) html += `\n<ul>${shown.map((c) => `<li>${contributorLine(c)}</li>`).join('')}</ul>`;
    const more = entries.contributors.length - shown.length;
    if (more > 0)
      html += `\n<div class="sub">and ${more} more: <code>mksysb-vault diff ${esc(h.host)} --to ${esc(last.date.slice(0, 10))}</code></div>`;
  }
  if (unavailable !== null) html += `\n<div class="note">${esc(notComparedNote(unavailable))}</div>`;
  return html;
}

/** The contributor's line with its path set in monospace (the line is `<amount> <path> (<why>)`). */
function contributorLine(c: SizeContributor): string {
  const at = c.line.indexOf(c.path);
  if (at < 0) return `${esc(c.line)} <code>${esc(c.path)}</code>`;
  return `${esc(c.line.slice(0, at))}<code>${esc(c.path)}</code>${esc(c.line.slice(at + c.path.length))}`;
}

function notComparedNote(reason: string): string {
  return /^not compared\b/i.test(reason) ? reason : `not compared: ${reason}`;
}

function signedBytes(delta: number): string {
  return delta === 0 ? 'no change' : `${delta > 0 ? '+' : ''}${formatBytes(delta)}`;
}

/**
 * Every image of the host whose filesets changed, newest first, with the OS level it reported: the
 * downgrades first and marked (what OSLEVEL_REGRESSED is about), then upgrades, additions, removals,
 * at most FILESETS_SHOWN_PER_IMAGE names per image.
 */
function filesetHistory(h: ReportHost): string {
  const items = [...h.images].reverse().flatMap((img) => {
    const f = img.changes?.filesets;
    if (!f || f.added.length + f.removed.length + f.upgraded.length + f.downgraded.length === 0) return [];
    return [filesetChangesItem(img, f)];
  });
  return items.length === 0 ? '' : `\n<h4>Fileset changes</h4>\n<ul>${items.join('\n')}</ul>`;
}

type FilesetChanges = NonNullable<ImageChanges['filesets']>;

function filesetChangesItem(img: ReportImage, f: FilesetChanges): string {
  let budget = FILESETS_SHOWN_PER_IMAGE;
  const group = (label: string, names: readonly string[]) => {
    if (names.length === 0) return '';
    const listed = names.slice(0, budget);
    budget -= listed.length;
    const rest = names.length - listed.length;
    const tail = rest === 0 ? '' : `${listed.length > 0 ? ',' : ''} and ${count(rest)} more`;
    return `<div>${label}${listed.length > 0 ? `: ${listed.join(', ')}` : ''}${tail}</div>`;
  };
  const change = (c: FilesetChanges['upgraded'][number]) =>
    `<code>${esc(c.name)}</code> ${esc(c.from)} → ${esc(c.to)}`;
  const level = (l: FilesetChanges['added'][number]) => `<code>${esc(l.name)}</code> ${esc(l.level)}`;
  // In this order: the budget of names goes to the downgrades first.
  const groups = [
    group(
      `<span class="down"><span aria-hidden="true">▼</span> ${count(f.downgraded.length)} downgraded</span>`,
      f.downgraded.map(change),
    ),
    group(`${count(f.upgraded.length)} upgraded`, f.upgraded.map(change)),
    group(`${count(f.added.length)} added`, f.added.map(level)),
    group(`${count(f.removed.length)} removed`, f.removed.map(level)),
  ];
  const series = img.kind === 'mksysb' ? '' : ` savevg ${esc(img.volumeGroup)}`;
  const head = `<b>${esc(img.date.slice(0, 10))}</b>${series} · OS ${esc(img.osLevel ?? '–')}`;
  return `<li${f.downgraded.length > 0 ? ' class="downgrade"' : ''}>${head}${groups.join('')}</li>`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** A run that failed without an image (unreachable, refused, backup failed) shows under the chart. */
/** The host's last restore test: PASS with its RTO, or FAIL with why and when it last passed. */
function restoreTestLine(h: ReportHost): string {
  const t = h.restoreTest;
  if (!t) return '';
  const rto = t.rtoSeconds === null ? '' : ` · RTO ${Math.max(1, Math.round(t.rtoSeconds / 60))} min`;
  const why =
    t.result === 'FAIL'
      ? ` · ${esc(t.reason ?? 'failed')} · last PASS ${esc(t.lastPassAt?.slice(0, 10) ?? 'never')}`
      : '';
  return `<div class="sub">restore test ${esc(t.finishedAt.slice(0, 10))} on ${esc(t.target.host)} ${esc(t.target.disk)}: <span class="${t.result}">${t.result}</span>${rto}${why}</div>
`;
}

function lastRunLine(h: ReportHost): string {
  const run = h.lastRun;
  if (!run || run.outcome === 'verified' || run.verdict !== 'FAIL') return '';
  return `<div class="problem">latest run ${esc(run.date.slice(0, 10))}: <span class="FAIL">${esc(run.outcome)}</span> ${esc(run.codes.join(' '))}</div>
`;
}

export function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
