// The compliance evidence CSV (`report --evidence`): RFC 4180 quoting, no spreadsheet formula from a
// host's text, an honest empty restore-test column, and rows judged as `status` judges the host.
import { describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../../lambdas/core/image-record.js';
import { reportHost } from '../../../lib/cli/report.js';
import { hostStatus } from '../../../lib/cli/status.js';
import {
  csvField,
  EVIDENCE_COLUMNS,
  type EvidenceHost,
  evidenceRows,
  renderEvidenceCsv,
} from '../../../lib/report/evidence-csv.js';
import { renderHtmlReport } from '../../../lib/report/html-report.js';
import { makeRecord, weeklyDates } from '../../support/local-store.js';

const NOW = new Date('2026-11-23T08:00:00Z');
const LOCK = { mode: 'GOVERNANCE', days: 21 } as const;
const host = (name: string, records: ImageRecord[], fields: Partial<EvidenceHost> = {}): EvidenceHost => ({
  host: name,
  enabled: true,
  records,
  missingImages: [],
  lastRun: null,
  volumeGroups: null,
  ...fields,
});

describe('csvField', () => {
  it('quotes a field holding a comma, a quote, CR or LF and doubles its quotes', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
  });

  it('neutralises a leading = + - @ with a single quote, and still quotes what needs it', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-x')).toBe("'-x");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\tcmd')).toBe("'\tcmd");
    expect(csvField('a=b')).toBe('a=b');
  });

  it('leaves a plain number, negative too, as a number', () => {
    expect(csvField('-1')).toBe('-1');
    expect(csvField('12')).toBe('12');
    expect(csvField('-1+cmd')).toBe("'-1+cmd");
  });
});

describe('evidenceRows and renderEvidenceCsv', () => {
  it('writes the header, CRLF lines and an empty restore_tested_at for every row', () => {
    const records = weeklyDates('2026-11-23T02:00:00.000Z', 2).map((date) =>
      makeRecord({ host: 'aixprd01', date }),
    );
    const csv = renderEvidenceCsv(evidenceRows(host('aixprd01', records), NOW, 8, LOCK));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(EVIDENCE_COLUMNS.join(','));
    expect(lines[0]).toContain('restore_tested_at');
    expect(lines).toHaveLength(3); // header, one row, the empty string after the last CRLF
    const row = Object.fromEntries(EVIDENCE_COLUMNS.map((c, i) => [c, lines[1]?.split(',')[i]]));
    expect(row).toMatchObject({
      host: 'aixprd01',
      kind: 'mksysb',
      state: 'ok',
      image_key: 'images/aixprd01/aixprd01_mksysb_2026-11-23',
      age_days: '0',
      verdict: 'PASS',
      retention_met: 'yes',
      sha256: 'a'.repeat(64),
      sha256_matches_claim: 'yes',
      content_check: 'complete',
      restore_tested_at: '',
      lock_mode: 'GOVERNANCE',
      lock_retain_until: 'not recorded',
      run_id: 'run-2026-11-23',
    });
  });

  it('says a checksum mismatch, an unchecked image and a stale one as they are', () => {
    const mismatch = makeRecord({
      host: 'aixbad01',
      date: '2026-11-23T02:00:00Z',
      content: {
        checkedAt: '2026-11-23T03:00:00Z',
        complete: true,
        bytesRead: 16,
        sha256: 'b'.repeat(64),
        entries: 1,
        files: 1,
        codes: ['CHECKSUM_MISMATCH'],
        indexKey: null,
      },
    });
    const [bad] = evidenceRows(host('aixbad01', [mismatch]), NOW, 8, null);
    expect(bad).toMatchObject({
      sha256_matches_claim: 'NO',
      content_codes: 'CHECKSUM_MISMATCH',
      lock_mode: 'unknown (no config)',
    });
    const [unchecked] = evidenceRows(
      host('aixold01', [makeRecord({ host: 'aixold01', date: '2026-11-01T02:00:00Z', content: null })]),
      NOW,
      8,
      { mode: 'off', days: 21 },
    );
    expect(unchecked).toMatchObject({
      state: 'stale',
      age_days: '22',
      retention_met: 'no',
      sha256: '',
      content_check: 'not checked',
      lock_mode: 'off',
      lock_retain_until: '',
    });
  });

  it('gives a row per savevg volume group, and a never-backed-up host an empty image', () => {
    const rows = evidenceRows(
      host('aixdb01', [makeRecord({ host: 'aixdb01', date: '2026-11-23T02:00:00Z' })], {
        volumeGroups: ['datavg'],
      }),
      NOW,
      8,
      LOCK,
    );
    expect(rows.map((r) => [r.kind, r.volume_group, r.state, r.retention_met])).toEqual([
      ['mksysb', 'rootvg', 'fail', 'yes'],
      ['savevg', 'datavg', 'fail', 'no'],
    ]);
    const [never] = evidenceRows(host('newlpar', []), NOW, 8, LOCK);
    expect(never).toMatchObject({
      state: 'never',
      image_key: '',
      retention_met: 'no',
      restore_tested_at: '',
    });
  });

  it('neutralises a formula in host-derived text (a run id) in the written CSV', () => {
    const record = makeRecord({ host: 'aixprd01', date: '2026-11-23T02:00:00Z', runId: '=cmd|calc,x' });
    const csv = renderEvidenceCsv(evidenceRows(host('aixprd01', [record]), NOW, 8, LOCK));
    expect(csv).toContain(`,"'=cmd|calc,x",`);
  });

  it('agrees with status on the state, image and age of each host', () => {
    const records = [makeRecord({ host: 'aixgone1', date: '2026-11-23T02:00:00Z' })];
    const older = makeRecord({ host: 'aixgone1', date: '2026-11-16T02:00:00Z' });
    const input = host('aixgone1', [...records, older], { missingImages: [records[0]?.key ?? ''] });
    const status = hostStatus({ ...input, inFleet: true, problems: [] }, NOW, 8);
    const [row] = evidenceRows(input, NOW, 8, LOCK);
    expect(row?.state).toBe(status.state);
    expect(row?.image_date).toBe(status.lastImage);
    expect(row?.age_days).toBe(String(status.ageDays));
  });
});

describe('the HTML report', () => {
  it('shows for each image its SHA-256, run id, verified at and that no restore was tested', () => {
    const record = makeRecord({ host: 'aixprd01', date: '2026-11-23T02:00:00Z' });
    const html = renderHtmlReport({
      title: 't',
      generatedAt: NOW.toISOString(),
      store: 's',
      hosts: [
        reportHost({ host: 'aixprd01', inFleet: true, enabled: true, records: [record], problems: [] }),
      ],
    });
    const evidence = html.slice(html.indexOf('<details class="evidence">'));
    expect(evidence).toContain('Evidence (1 image)');
    expect(evidence).toContain('a'.repeat(64));
    expect(evidence).toContain('run-2026-11-23');
    expect(evidence).toContain('2026-11-23T02:00:00Z');
    expect(evidence).toContain('restore tested: never');
  });
});

describe('restore tests in the evidence and in status', () => {
  const tested = (result: 'PASS' | 'FAIL', finishedAt: string) => ({
    result,
    reason: result === 'PASS' ? null : 'sha256: mismatch',
    startedAt: finishedAt,
    finishedAt,
    rtoSeconds: result === 'PASS' ? 1500 : null,
    target: { host: 'aixtlp01', disk: 'hdisk1' },
    runId: `restore-${finishedAt}`,
    checks: [],
  });

  it('fills restore_tested_at with when the host last passed a restore test, and status shows the newest test', () => {
    const record = {
      ...makeRecord({ host: 'aixprd01', date: '2026-11-23T02:00:00.000Z' }),
      restoreTests: [tested('PASS', '2026-11-28T10:30:00.000Z'), tested('FAIL', '2026-12-05T10:30:00.000Z')],
    } as ImageRecord;
    const [row] = evidenceRows(host('aixprd01', [record]), NOW, 8, LOCK);
    expect(row?.restore_tested_at).toBe('2026-11-28T10:30:00.000Z');
    // A newer PASS of an image retention has deleted since still counts (the index keeps it).
    const retired = {
      key: 'images/aixprd01/aixprd01_mksysb_2026-11-16',
      restoreTest: { lastPassAt: '2026-12-01T10:30:00.000Z' },
    };
    const [withRetired] = evidenceRows(
      host('aixprd01', [record], { retiredImages: [retired] }),
      NOW,
      8,
      LOCK,
    );
    expect(withRetired?.restore_tested_at).toBe('2026-12-01T10:30:00.000Z');
    const status = hostStatus({ ...host('aixprd01', [record]), problems: [], inFleet: true }, NOW, 8);
    expect(status.restoreTest).toMatchObject({
      result: 'FAIL',
      reason: 'sha256: mismatch',
      lastPassAt: '2026-11-28T10:30:00.000Z',
      image: record.key,
    });
    const hostOfReport = reportHost({ ...host('aixprd01', [record]), problems: [], inFleet: true });
    const html = renderHtmlReport({
      title: 't',
      generatedAt: NOW.toISOString(),
      store: 's',
      hosts: [hostOfReport],
    });
    expect(html).toContain(
      'restore test 2026-12-05 on aixtlp01 hdisk1: <span class="FAIL">FAIL</span> · sha256: mismatch · last PASS 2026-11-28',
    );
    const images = hostOfReport.images;
    expect(images.map((i) => i.evidence?.restoreTestedAt)).toEqual(['2026-11-28T10:30:00.000Z']);
  });
});
