import { describe, expect, it } from 'vitest';
import { forecastBucket, forecastStaging } from '../../../lambdas/core/forecast.js';
import { type ImageChanges, parseImageRecord } from '../../../lambdas/core/image-record.js';
import { DEFAULT_RETENTION_POLICY } from '../../../lambdas/core/retention-plan.js';
import { reportHost } from '../../../lib/cli/report.js';
import {
  type ReportHost,
  type ReportImage,
  renderHtmlReport,
  sizeChart,
} from '../../../lib/report/html-report.js';
import { makeRecord } from '../../support/local-store.js';
import { sampleFleet } from '../../support/sample-fleet.js';

const html = renderHtmlReport({
  title: 'mksysb-vault fleet report',
  generatedAt: '2026-11-23T08:00:00Z',
  store: 's3://vault',
  hosts: sampleFleet(),
});

describe('renderHtmlReport', () => {
  it('counts hosts by their state, as status judges it', () => {
    expect(html).toMatch(/<b class="PASS">2<\/b>OK/);
    expect(html).toMatch(/<b class="FAIL">0<\/b>FAIL/);
    expect(html).toMatch(/<b class="FAIL">1<\/b>never backed up/);
  });

  it('lists every non-info anomaly with its host and message', () => {
    expect(html).toContain(
      '<td>dbqa09</td><td>mksysb</td><td class="FAIL">fail</td><td>TINY_IMAGE</td><td>4.0 MB vs 3.8 GB expected</td>',
    );
  });

  it('escapes host names', () => {
    expect(html).toContain('app&lt;01&gt;');
    expect(html).not.toContain('app<01>');
  });

  it('shows unreadable records instead of hiding them', () => {
    expect(html).toContain('newhost_mksysb_2026-11-16.record.json: not JSON');
  });

  it('draws one point per mksysb image, coloured by verdict', () => {
    const svg = sizeChart(sampleFleet()[0]?.images ?? []);
    expect(svg.match(/<circle /g)).toHaveLength(8);
    expect(svg.match(/fill="#b3261e"/g)).toHaveLength(1);
  });

  it("shows each host's staging forecast, STAGING_FULL_SOON in its colour, and the bucket ahead", () => {
    const GiB = 2 ** 30;
    const now = new Date('2026-11-24T06:00:00Z');
    // Four weekly readings, the free space shrinking 4 GiB a week: 38 GiB on 2026-11-23 for 1.5 × 20
    // GiB needed, refused from 2026-12-07, a week and six days after the report.
    const records = [0, 1, 2, 3].map((k) =>
      makeRecord({
        host: 'aixprd01',
        date: new Date(Date.parse('2026-11-02T02:00:00Z') + k * 7 * 86_400_000).toISOString(),
        sizeBytes: 20 * GiB,
        staging: {
          mount: '/mksysb',
          freeBytes: (50 - 4 * k) * GiB,
          requiredBytes: 30 * GiB,
          mksysbExpectedBytes: 20 * GiB,
          savevgExpectedBytes: 0,
        },
      }),
    );
    const host = {
      ...reportHost({
        host: 'aixprd01',
        inFleet: true,
        enabled: true,
        records: [...records].reverse(),
        problems: [],
      }),
      staging: forecastStaging('aixprd01', records, { now }),
    };
    const page = renderHtmlReport({
      title: 't',
      generatedAt: now.toISOString(),
      store: 's3://vault',
      hosts: [host],
      bucket: forecastBucket(records, {
        now,
        retention: DEFAULT_RETENTION_POLICY,
        standardPricePerGbMonth: 0.023,
        coldPricePerGbMonth: 0.004,
        coldTransitionDays: 30,
      }),
    });
    expect(page).toMatch(
      /<td class="WARN" title="too small in 1 week: from 2026-12-07; 38\.0 GB free[^"]*">in 1 week \(2026-12-07\) STAGING_FULL_SOON<\/td>/,
    );
    expect(page).toContain('<h2>Bucket forecast</h2>');
    expect(page).toMatch(/<tr><td>in 12 months<\/td><td>2027-11-24<\/td><td>\d+<\/td>/);
  });

  it('has no script and no external asset', () => {
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

const GiB = 1024 ** 3;

/** One host's card (its chart and panels) out of a report. */
function card(page: string, host: string): string {
  const start = page.indexOf(`<div class="host"><h3>${host} `);
  if (start < 0) throw new Error(`no card for ${host}`);
  return page.slice(start, page.indexOf('\n</div>', start));
}

function image(date: string, fields: Partial<ReportImage> = {}): ReportImage {
  return {
    host: 'aixprd01',
    kind: 'mksysb',
    volumeGroup: 'rootvg',
    date,
    sizeBytes: 20 * GiB,
    verdict: 'PASS',
    anomalies: [],
    osLevel: '7300-02-01-2346',
    changes: null,
    ...fields,
  };
}

function changes(fields: Partial<ImageChanges> = {}): ImageChanges {
  return {
    comparedWith: {
      key: 'images/aixprd01/aixprd01_mksysb_2026-11-09',
      date: '2026-11-09T02:00:00Z',
      sizeBytes: 30 * GiB,
    },
    entries: null,
    filesets: null,
    unavailable: null,
    ...fields,
  };
}

const noFilesetChange = { added: [], removed: [], upgraded: [], downgraded: [] };

function render(...hosts: ReportHost[]): string {
  return renderHtmlReport({ title: 't', generatedAt: '2026-11-23T08:00:00Z', store: 's3://vault', hosts });
}

describe('what changed in the newest image', () => {
  const page = render({
    host: 'aixprd01',
    images: [
      image('2026-11-09T02:00:00Z', { sizeBytes: 30 * GiB }),
      image('2026-11-16T02:00:00Z', {
        sizeBytes: 20 * GiB,
        changes: changes({
          entries: {
            added: 12,
            removed: 3456,
            grown: 78,
            shrunk: 9,
            contributors: [
              {
                path: '/home/oracle',
                delta: -10 * GiB,
                change: 'removed',
                line: '-10.0 GB /home/oracle (directory removed, 3,400 entries)',
              },
              ...Array.from({ length: 6 }, (_, i) => ({
                path: `/var/log/app${i}.log`,
                delta: 1000 - i,
                change: 'grew' as const,
                line: `+${1000 - i} B /var/log/app${i}.log (grew: 10 B → ${1010 - i} B)`,
              })),
            ],
          },
          filesets: noFilesetChange,
        }),
      }),
    ],
  });
  const host = card(page, 'aixprd01');

  it('shows the size step with its delta and the image it was compared with', () => {
    expect(host).toContain('<h4>What changed since 2026-11-09</h4>');
    expect(host).toContain('30.0 GB → 20.0 GB, <b>-10.0 GB</b>');
  });

  it('counts the entries added, removed, grown and shrunk', () => {
    expect(host).toContain('files: 12 added · 3,456 removed · 78 grown · 9 shrunk');
  });

  it('lists the largest contributors with their paths in monospace, the rest as a count', () => {
    expect(host).toContain('<li>-10.0 GB <code>/home/oracle</code> (directory removed, 3,400 entries)</li>');
    expect(host).toContain('<code>/var/log/app3.log</code>');
    expect(host).not.toContain('/var/log/app4.log');
    expect(host).toContain('and 2 more: <code>mksysb-vault diff aixprd01 --to 2026-11-16</code>');
  });

  it('shows no fileset history when no fileset changed', () => {
    expect(host).not.toContain('Fileset changes');
  });
});

describe('what could not be compared', () => {
  it('says why, plainly', () => {
    const page = render({
      host: 'aixprd01',
      images: [
        image('2026-11-16T02:00:00Z', {
          sizeBytes: 30 * GiB,
          changes: changes({ unavailable: 'the earlier image has no content index' }),
        }),
      ],
    });
    expect(card(page, 'aixprd01')).toContain(
      '<div class="note">not compared: the earlier image has no content index</div>',
    );
  });

  it('says a host with a single image has nothing to compare with', () => {
    const page = render({ host: 'aixprd01', images: [image('2026-11-16T02:00:00Z')] });
    expect(card(page, 'aixprd01')).toContain('first image of this host: nothing to compare with');
  });
});

describe('the fileset change history', () => {
  const upgrade = changes({
    filesets: {
      ...noFilesetChange,
      upgraded: Array.from({ length: 25 }, (_, i) => ({
        name: `bos.fs${String(i).padStart(2, '0')}`,
        from: '7.2.5.0',
        to: '7.3.2.0',
      })),
      added: [{ name: 'bos.ecc_client.rte', level: '7.3.2.0' }],
    },
  });
  const downgrade = changes({
    filesets: {
      ...noFilesetChange,
      downgraded: [{ name: 'bos.rte', from: '7.3.2.0', to: '7.2.5.0' }],
      removed: [{ name: 'bos.ecc_client.rte', level: '7.3.2.0' }],
    },
  });
  const page = render({
    host: 'aixprd01',
    images: [
      image('2026-11-02T02:00:00Z', { osLevel: '7200-05-03-2148' }),
      image('2026-11-09T02:00:00Z', { osLevel: '7300-02-01-2346', changes: upgrade }),
      image('2026-11-16T02:00:00Z', { osLevel: '7200-05-03-2148', changes: downgrade }),
      image('2026-11-23T02:00:00Z', {
        osLevel: '7200-05-03-2148',
        changes: changes({ filesets: noFilesetChange }),
      }),
    ],
  });
  const history = card(page, 'aixprd01').split('<h4>Fileset changes</h4>')[1] ?? '';

  it('lists the images whose filesets changed, newest first, with the OS level each reported', () => {
    const items = history.match(/<li[ >].*?<\/li>/g) ?? [];
    expect(items.map((li) => li.match(/<b>([\d-]+)<\/b>/)?.[1])).toEqual(['2026-11-16', '2026-11-09']);
    expect(items[0]).toContain('· OS 7200-05-03-2148');
    expect(items[1]).toContain('· OS 7300-02-01-2346');
  });

  it('marks a downgrade', () => {
    expect(history).toContain(
      '<li class="downgrade"><b>2026-11-16</b> · OS 7200-05-03-2148<div><span class="down"><span aria-hidden="true">▼</span> 1 downgraded</span>: <code>bos.rte</code> 7.3.2.0 → 7.2.5.0</div><div>1 removed: <code>bos.ecc_client.rte</code> 7.3.2.0</div></li>',
    );
    expect(history.match(/class="down/g)).toHaveLength(2);
  });

  it('names at most ten filesets per image and counts the rest', () => {
    expect(history).toContain('<code>bos.fs09</code> 7.2.5.0 → 7.3.2.0, and 15 more</div>');
    expect(history).not.toContain('bos.fs10');
    expect(history).toContain('<div>1 added and 1 more</div>');
  });
});

describe('hostile strings in a record', () => {
  const evil = '<script>alert(1)</script>';
  const page = render({
    host: 'aixprd01',
    images: [
      image('2026-11-16T02:00:00Z', {
        osLevel: `7300${evil}`,
        changes: changes({
          comparedWith: { key: 'images/aixprd01/x', date: '2026-11-09T02:00:00Z', sizeBytes: 0 },
          entries: {
            added: 1,
            removed: 0,
            grown: 0,
            shrunk: 0,
            contributors: [
              { path: `/tmp/${evil}"'&`, delta: 1, change: 'added', line: `+1 B /tmp/${evil}"'& (new)` },
              {
                path: `/x/<img src=x onerror=alert(1)>`,
                delta: 1,
                change: 'added',
                line: 'a line without the path',
              },
            ],
          },
          filesets: { ...noFilesetChange, downgraded: [{ name: evil, from: evil, to: '<b>' }] },
          unavailable: `</div>${evil}`,
        }),
      }),
    ],
  });

  it('escapes paths, lines, fileset names, levels and reasons', () => {
    expect(page).not.toMatch(/<script|<img/);
    expect(page).toContain('<code>/tmp/&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;</code>');
    expect(page).toContain('a line without the path <code>/x/&lt;img src=x onerror=alert(1)&gt;</code>');
    expect(page).toContain('not compared: &lt;/div&gt;&lt;script&gt;');
    expect(page).toContain('OS 7300&lt;script&gt;');
    expect(page).toContain('&lt;/script&gt; → &lt;b&gt;</div>');
  });
});

describe('records that predate changes', () => {
  const current = makeRecord({ host: 'aixprd01', date: '2026-11-16T02:00:00Z' });
  const { changes: _v3only, staging: _v4only, ...v2 } = { ...current, schemaVersion: 2 };
  const { content: _v2only, ...v1 } = { ...v2, schemaVersion: 1 };
  const older = makeRecord({ host: 'aixprd01', date: '2026-11-09T02:00:00Z' });
  const parsed = [
    parseImageRecord(JSON.stringify(v2), current.key),
    parseImageRecord(JSON.stringify({ ...v1, date: older.date, key: older.key }), older.key),
  ].map((r) => {
    if (!r.ok) throw new Error(r.problem);
    return r.record;
  });

  it('render a card without what changed or a fileset history', () => {
    const host = reportHost({
      host: 'aixprd01',
      inFleet: true,
      enabled: true,
      records: parsed,
      problems: [],
    });
    expect(host.images.map((i) => i.changes)).toEqual([null, null]);
    const page = card(render(host), 'aixprd01');
    expect(page).toContain('2 mksysb images');
    expect(page).not.toMatch(/What changed|Fileset changes|first image/);
  });
});
