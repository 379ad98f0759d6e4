import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { anomaly } from '../../../lambdas/core/anomaly.js';
import type { ImageChanges } from '../../../lambdas/core/image-record.js';
import { DEFAULT_VERIFICATION_POLICY as policy } from '../../../lambdas/core/policy.js';
import type { HistoryEntry } from '../../../lambdas/core/size-history.js';
import { explainAnomalies, type ImageEvidence, judgeImage } from '../../../lambdas/core/verdict.js';

// Synthetic: built in the real `lsmksysb -lf` layout (see test/fixtures/README.md for real samples).
function listing(
  opts: {
    vg?: string;
    date?: string;
    size?: number;
    shrink?: number;
    lvs?: string[];
    vgDataOnly?: string;
  } = {},
) {
  const lvs = opts.lvs ?? [
    'hd5                 boot       1       1       1    closed/syncd  N/A',
    'hd6                 paging     16      16      1    open/syncd    N/A',
    'hd8                 jfs2log    1       1       1    open/syncd    N/A',
    'hd4                 jfs2       8       8       1    open/syncd    /',
    'hd2                 jfs2       40      40      1    open/syncd    /usr',
    'hd9var              jfs2       8       8       1    open/syncd    /var',
  ];
  return [
    `VOLUME GROUP:           ${opts.vg ?? 'rootvg'}`,
    `BACKUP DATE/TIME:       ${opts.date ?? 'Mon Nov 23 02:14:09 UTC 2026'}`,
    'UNAME INFO:             AIX dbqa09 2 7 00F9C1964C00',
    'BACKUP OSLEVEL:         7.2.5.0',
    'MAINTENANCE LEVEL:      7200-05',
    `BACKUP SIZE (MB):       ${opts.size ?? 19456}`,
    `SHRINK SIZE (MB):       ${opts.shrink ?? 7100}`,
    `VG DATA ONLY:           ${opts.vgDataOnly ?? 'no'}`,
    '',
    `${opts.vg ?? 'rootvg'}:`,
    'LV NAME             TYPE       LPs     PPs     PVs  LV STATE      MOUNT POINT',
    ...lvs,
    '',
  ].join('\n');
}
const okLog = [
  'Creating information file (/image.data) for rootvg.',
  '',
  'Creating list of files to back up.',
  '',
  'Backing up 71321 files...........',
  '71321 of 71321 files backed up (100%)',
  '0512-038 mksysb: Backup Completed Successfully.',
].join('\n');

const GB = 1024 ** 3;
const history: HistoryEntry[] = [1, 2, 3, 4].map((w) => ({
  date: new Date(Date.parse('2026-11-23T02:00:00Z') - w * 7 * 86_400_000).toISOString(),
  sizeBytes: 6 * GB,
  verdict: 'PASS',
  osLevel: '7200-05-03-2148',
}));
const evidence: ImageEvidence = {
  host: 'dbqa09',
  kind: 'mksysb',
  volumeGroup: 'rootvg',
  date: '2026-11-23T02:00:00Z',
  sizeBytes: 6 * GB,
  lsmksysbText: listing(),
  logText: okLog,
  tocFileCount: 71321,
  osLevel: '7200-05-03-2148',
};
const codes = (e: Partial<ImageEvidence>, h = history) =>
  judgeImage({ ...evidence, ...e }, h, policy).anomalies.map((a) => `${a.code}:${a.severity}`);

describe('judgeImage', () => {
  it('passes a complete rootvg image of the usual size with a clean log', () => {
    const j = judgeImage(evidence, history, policy);
    expect(j.verdict).toBe('PASS');
    expect(j.anomalies).toEqual([]);
    expect(j.lsmksysb?.volumeGroup).toBe('rootvg');
    expect(j.log?.outcome).toBe('success');
    expect(j.osLevel).toBe('7200-05-03-2148');
  });

  it('fails a mksysb image whose listing is of datavg as NOT_ROOTVG', () => {
    expect(codes({ lsmksysbText: listing({ vg: 'datavg' }) })).toContain('NOT_ROOTVG:fail');
  });

  it('fails a savevg image of another volume group as WRONG_VOLUME_GROUP', () => {
    const c = codes({ kind: 'savevg', volumeGroup: 'appvg', lsmksysbText: listing({ vg: 'datavg' }) }, []);
    expect(c).toContain('WRONG_VOLUME_GROUP:fail');
  });

  it('fails a run without the 0512-038 completion message as RUN_FAILED', () => {
    const log = okLog.replace('0512-038 mksysb: Backup Completed Successfully.', '');
    expect(codes({ logText: log })).toContain('RUN_FAILED:fail');
  });

  it('warns on a run that printed 0512-003 as RUN_WARNING', () => {
    const log = `${okLog}\n0512-003 mksysb may not have been able to archive some files.`;
    expect(codes({ logText: log })).toEqual(['RUN_WARNING:warn']);
  });

  it('warns when there is no log at all', () => {
    expect(codes({ logText: null })).toEqual(['LOG_MISSING:warn']);
  });

  it('fails an image whose listing is unusable as LSMKSYSB_UNPARSABLE, naming what is missing', () => {
    const j = judgeImage({ ...evidence, lsmksysbText: 'rootvg:\n' }, history, policy);
    const a = j.anomalies.find((x) => x.code === 'LSMKSYSB_UNPARSABLE');
    expect(a?.severity).toBe('fail');
    expect(a?.message).toMatch(/no "VOLUME GROUP:" line/);
    expect(a?.message).toMatch(/no logical-volume table/);
  });

  it('keeps every field of a real header without its LV table, and still fails naming the table', () => {
    // test/fixtures/lsmksysb/aix71-nim01-header-only.txt: a real AIX 7.1 header, no `rootvg:` table.
    const text = readFileSync(
      new URL('../../fixtures/lsmksysb/aix71-nim01-header-only.txt', import.meta.url),
      'utf8',
    );
    const j = judgeImage(
      { ...evidence, date: '2013-03-28T04:07:10Z', lsmksysbText: text, osLevel: null },
      [],
      policy,
    );
    expect(j.verdict).toBe('FAIL');
    const a = j.anomalies.find((x) => x.code === 'LSMKSYSB_UNPARSABLE');
    expect(a?.message).toMatch(/no logical-volume table/);
    expect(j.lsmksysb).toMatchObject({
      volumeGroup: 'rootvg',
      backupDateRaw: 'Wed Mar 27 23:07:10 CDT 2013',
      uname: 'AIX nim01 1 7 00F81B111C00',
      osLevel: '7.1.2.0',
      maintenanceLevel: '7100-00',
      backupSizeMB: 24896,
      shrinkSizeMB: 17634,
      vgDataOnly: false,
      logicalVolumes: [],
    });
    expect(j.osLevel).toBe('7100-00');
  });

  it('fails when there is no lsmksysb output at all', () => {
    expect(codes({ lsmksysbText: null })).toEqual(['LSMKSYSB_UNPARSABLE:fail']);
  });

  it('fails a rootvg listing without its boot logical volume as NOT_BOOTABLE', () => {
    const lvs = ['hd4                 jfs2       8       8       1    open/syncd    /'];
    expect(codes({ lsmksysbText: listing({ lvs }) })).toContain('NOT_BOOTABLE:fail');
  });

  it('fails an image that holds only the volume group structure', () => {
    expect(codes({ lsmksysbText: listing({ vgDataOnly: 'yes' }) })).toContain('VG_DATA_ONLY:fail');
  });

  it('fails an image larger than the BACKUP SIZE lsmksysb reports as SIZE_MISMATCH', () => {
    expect(codes({ lsmksysbText: listing({ size: 2048, shrink: 1024 }) })).toContain('SIZE_MISMATCH:fail');
  });

  it('warns on an image far below the data lsmksysb reports (SHRINK SIZE) as SIZE_MISMATCH', () => {
    expect(codes({ lsmksysbText: listing({ shrink: 40_000, size: 60_000 }) })).toEqual([
      'SIZE_MISMATCH:warn',
    ]);
  });

  it('fails a leftover image from an earlier week as BACKUP_DATE_MISMATCH', () => {
    const c = codes({ lsmksysbText: listing({ date: 'Mon Nov 16 02:14:09 UTC 2026' }) });
    expect(c).toContain('BACKUP_DATE_MISMATCH:fail');
  });

  it('notes an OS upgrade as OSLEVEL_CHANGED (info): the verdict stays PASS', () => {
    const j = judgeImage({ ...evidence, osLevel: '7300-02-01-2346' }, history, policy);
    expect(j.anomalies.map((a) => `${a.code}:${a.severity}`)).toEqual(['OSLEVEL_CHANGED:info']);
    expect(j.verdict).toBe('PASS');
  });

  it('warns on an OS level lower than last week as OSLEVEL_REGRESSED', () => {
    expect(codes({ osLevel: '7200-04-02-2028' })).toEqual(['OSLEVEL_REGRESSED:warn']);
  });

  it('fails a table of contents with fewer files than the log backed up as FILE_COUNT_MISMATCH', () => {
    expect(codes({ tocFileCount: 50_000 })).toEqual(['FILE_COUNT_MISMATCH:fail']);
  });

  it('never lets a 4 MB image pass, however clean its log', () => {
    const j = judgeImage({ ...evidence, sizeBytes: 4 * 1024 * 1024 }, history, policy);
    expect(j.verdict).toBe('FAIL');
    expect(j.anomalies.map((a) => a.code)).toContain('TINY_IMAGE');
  });

  it('reports unreadable history as HISTORY_UNREADABLE so the verdict is never a silent PASS', () => {
    const j = judgeImage(evidence, [], policy, {
      historyProblems: ['images/dbqa09/x.record.json: bad JSON'],
    });
    expect(j.verdict).toBe('WARN');
    expect(j.anomalies.map((a) => a.code)).toEqual(['HISTORY_UNREADABLE', 'FIRST_RUN']);
  });

  it('does not judge size when the size is unknown', () => {
    const j = judgeImage({ ...evidence, sizeBytes: null }, [], policy);
    expect(j.anomalies).toEqual([]);
    expect(j.baseline).toBeNull();
  });
});

describe('explainAnomalies', () => {
  const GiB = 1024 ** 3;
  const contributor = (
    path: string,
    delta: number,
    change: 'added' | 'removed' | 'grew' | 'shrank',
    line: string,
  ) => ({
    path,
    delta,
    change,
    line,
  });
  const changes: ImageChanges = {
    comparedWith: {
      key: 'images/dbqa09/dbqa09_mksysb_2026-11-16',
      date: '2026-11-16T02:00:00.000Z',
      sizeBytes: 20 * GiB,
    },
    entries: {
      added: 1,
      removed: 3,
      grown: 2,
      shrunk: 0,
      contributors: [
        contributor(
          '/home/oracle',
          -Math.round(10.3 * GiB),
          'removed',
          '-9.6 GB /home/oracle (directory removed, 2 entries)',
        ),
        contributor(
          '/var/adm/ras/dump.1',
          Math.round(3.3 * GiB),
          'added',
          '+3.1 GB /var/adm/ras/dump.1 (new)',
        ),
        contributor('/opt/app', Math.round(1.3 * GiB), 'grew', '+1.2 GB /opt/app (grew: 2 entries changed)'),
        contributor(
          '/usr/lib',
          Math.round(0.1 * GiB),
          'grew',
          '+102.4 MB /usr/lib (grew: 9 entries changed)',
        ),
      ],
    },
    filesets: {
      added: [{ name: 'openssh.base.client', level: '9.2.112.2401' }],
      removed: [{ name: 'Firefox.base.rte', level: '3.5.13.1' }],
      upgraded: [
        { name: 'bos.mp64', from: '7.2.5.0', to: '7.3.2.0' },
        { name: 'bos.rte', from: '7.2.5.0', to: '7.3.2.0' },
      ],
      downgraded: [{ name: 'openssl.base', from: '1.0.2.2101', to: '1.0.2.2100' }],
    },
    unavailable: null,
  };
  const drop = anomaly('SIZE_DROP', 'fail', '11.0 GB vs 20.0 GB expected (median 20.0 GB): -45%', {
    deviationPercent: -45,
  });

  it('quotes the three largest contributors in a size finding, and names the image compared with', () => {
    const [explained] = explainAnomalies([drop], changes);
    expect(explained).toEqual({
      ...drop,
      message:
        '11.0 GB vs 20.0 GB expected (median 20.0 GB): -45%; since 2026-11-16: -9.6 GB /home/oracle (directory removed, 2 entries); +3.1 GB /var/adm/ras/dump.1 (new); +1.2 GB /opt/app (grew: 2 entries changed)',
      evidence: { deviationPercent: -45, comparedWith: 'images/dbqa09/dbqa09_mksysb_2026-11-16' },
    });
  });

  it('explains TINY_IMAGE and SIZE_JUMP the same way, and leaves every other finding alone', () => {
    const others = [
      anomaly('TINY_IMAGE', 'fail', '4.0 MB vs 20.0 GB expected'),
      anomaly('SIZE_JUMP', 'warn', '40.0 GB vs 20.0 GB expected: +100%'),
      anomaly('SIZE_MISMATCH', 'fail', 'not the listing'),
      anomaly('RUN_WARNING', 'warn', '0512-003'),
    ];
    expect(explainAnomalies(others, changes).map((a) => a.message.includes('/home/oracle'))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it('shortens a very long path in the middle so the message stays readable', () => {
    const path = `/home/${'deep/'.repeat(100)}core.1234`;
    const [explained] = explainAnomalies([drop], {
      ...changes,
      entries: {
        ...(changes.entries as NonNullable<ImageChanges['entries']>),
        contributors: [contributor(path, GiB, 'added', `+1.0 GB ${path} (new)`)],
      },
    });
    const line = explained?.message.split('; ')[1] ?? '';
    expect({
      length: line.length <= 'since 2026-11-16: '.length + 160,
      end: line.endsWith('deep/core.1234 (new)'),
      cut: line.includes('…'),
    }).toEqual({
      length: true,
      end: true,
      cut: true,
    });
  });

  it('says when no file changed size, and why when the content could not be compared', () => {
    const none = explainAnomalies([drop], {
      ...changes,
      entries: { ...(changes.entries as NonNullable<ImageChanges['entries']>), contributors: [] },
    });
    const missing = explainAnomalies([drop], {
      ...changes,
      entries: null,
      unavailable:
        'the content index images/dbqa09/dbqa09_mksysb_2026-11-16.index.gz of the image of 2026-11-16 is missing',
    });
    expect({
      none: none[0]?.message,
      missing: missing[0]?.message,
      why: missing[0]?.evidence.changesUnavailable,
    }).toEqual({
      none: '11.0 GB vs 20.0 GB expected (median 20.0 GB): -45%; since 2026-11-16: no file changed size',
      missing: drop.message,
      why: 'the content index images/dbqa09/dbqa09_mksysb_2026-11-16.index.gz of the image of 2026-11-16 is missing',
    });
  });

  it('names the upgraded filesets of an OS level change, bos.rte first, and how many more changed', () => {
    const [changed] = explainAnomalies(
      [anomaly('OSLEVEL_CHANGED', 'info', 'from 7200-05-06-2320 to 7300-02-01-2346')],
      changes,
    );
    expect(changed?.message).toBe(
      'from 7200-05-06-2320 to 7300-02-01-2346; since 2026-11-16: bos.rte 7.2.5.0 → 7.3.2.0, bos.mp64 7.2.5.0 → 7.3.2.0, openssh.base.client 9.2.112.2401 (new) and 2 more',
    );
  });

  it('names the downgraded and removed filesets of an OS level regression first', () => {
    const [regressed] = explainAnomalies(
      [anomaly('OSLEVEL_REGRESSED', 'warn', 'went back from 7300-02-01-2346 to 7200-05-06-2320')],
      changes,
    );
    expect(regressed?.message).toBe(
      'went back from 7300-02-01-2346 to 7200-05-06-2320; since 2026-11-16: openssl.base 1.0.2.2101 → 1.0.2.2100, Firefox.base.rte 3.5.13.1 (removed), bos.rte 7.2.5.0 → 7.3.2.0 and 2 more',
    );
  });

  it('leaves the anomalies as they are when there is no earlier image', () => {
    expect(explainAnomalies([drop], null)).toEqual([drop]);
  });
});
