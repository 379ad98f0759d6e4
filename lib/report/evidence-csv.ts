// The compliance evidence (`mksysb-vault report --evidence FILE.csv`): the file an auditor asks for,
// like AWS Backup Audit Manager's reports. One row per host and image series (the rootvg mksysb,
// then each savevg volume group): its newest image with its checksum, content check, freshness and
// lock. The state and the image of each row are judgeHost's (lambdas/core/host-state.ts), the one
// judgement `status` uses, so the evidence can never be greener than status. Pure: records in, CSV out.

import type { CatalogImage } from '../../lambdas/core/catalog-index.js';
import { type HostJudgement, judgeHost, type StateRun } from '../../lambdas/core/host-state.js';
import { restoreTestOfImage } from '../../lambdas/core/restore-test.js';

/** What the evidence needs of one host: its records and what status judges it by. */
export interface EvidenceHost {
  readonly host: string;
  readonly enabled: boolean;
  /** Any order. */
  readonly records: readonly CatalogImage[];
  readonly missingImages: readonly string[];
  readonly lastRun: StateRun | null;
  /** The volume groups the fleet saves with savevg; null when the fleet does not list the host. */
  readonly volumeGroups: readonly string[] | null;
  /**
   * Images retention deleted, as the catalog index keeps them: their restore tests still count for
   * the host's `restore_tested_at`. @default none
   */
  readonly retiredImages?: readonly object[];
}

/** Object Lock as the deploy config sets it for new images; null when no config is known. */
export interface EvidenceLock {
  readonly mode: 'off' | 'GOVERNANCE' | 'COMPLIANCE';
  readonly days: number;
}

/** The columns, in order: the CSV's header line. */
export const EVIDENCE_COLUMNS = [
  'host',
  'kind',
  'volume_group',
  'state',
  'image_key',
  'image_date',
  'age_days',
  'verdict',
  'retention_met',
  'sha256',
  'sha256_matches_claim',
  'content_check',
  'content_codes',
  'restore_tested_at',
  'lock_mode',
  'lock_retain_until',
  'run_id',
  'verified_at',
] as const;
export type EvidenceColumn = (typeof EVIDENCE_COLUMNS)[number];
export type EvidenceRow = Readonly<Record<EvidenceColumn, string>>;

/**
 * The evidence rows of one host: its mksysb series, then each savevg volume group status judges,
 * each with the newest image whose object is in the store (judgeHost's `last`). `state` is the
 * series' state as status shows it (the host's STATE on the mksysb row, the SAVEVG cell's on a
 * volume group's). `retention_met`: the series has an image that is not FAIL and no older than
 * `maxAgeDays` (status's STALE limit). `restore_tested_at` (the mksysb row): when the host last passed
 * a restore test (lambdas/core/restore-test.ts; of any of its mksysb images, retired ones too),
 * empty when it never did; a savevg row has none (restore tests restore rootvg).
 * Object Lock's retain-until date is not in the record (S3 holds it per object version): "not
 * recorded" whenever a lock is on.
 */
export function evidenceRows(
  host: EvidenceHost,
  now: Date,
  maxAgeDays: number,
  lock: EvidenceLock | null,
): EvidenceRow[] {
  const judged: HostJudgement = judgeHost(
    {
      enabled: host.enabled,
      images: host.records,
      missingImages: host.missingImages,
      lastRun: host.lastRun,
      volumeGroups: host.volumeGroups,
    },
    now,
    maxAgeDays,
  );
  const byKey = new Map(host.records.map((r) => [r.key, r]));
  const lastPass = lastRestorePass([
    ...host.records.filter((r) => r.kind === 'mksysb'),
    ...(host.retiredImages ?? []),
  ]);
  const row = (
    kind: 'mksysb' | 'savevg',
    volumeGroup: string,
    state: string,
    key: string | null,
    ageDays: number | null,
  ): EvidenceRow => {
    const record = key === null ? undefined : byKey.get(key);
    const content = record?.content ?? null;
    return {
      host: host.host,
      kind,
      volume_group: volumeGroup,
      state,
      image_key: record?.key ?? '',
      image_date: record?.date ?? '',
      age_days: ageDays === null ? '' : String(ageDays),
      verdict: record?.verdict ?? '',
      retention_met:
        record !== undefined && record.verdict !== 'FAIL' && ageDays !== null && ageDays <= maxAgeDays
          ? 'yes'
          : 'no',
      sha256: content?.sha256 ?? '',
      sha256_matches_claim: !record
        ? ''
        : claimMatch(record.sha256, content?.sha256 ?? null, content !== null),
      content_check: !record
        ? ''
        : content === null
          ? 'not checked'
          : content.complete
            ? 'complete'
            : 'incomplete',
      content_codes: content?.codes.join(' ') ?? '',
      restore_tested_at: kind === 'mksysb' ? (lastPass ?? '') : '',
      lock_mode: lock?.mode ?? 'unknown (no config)',
      lock_retain_until: !record || lock?.mode === 'off' ? '' : 'not recorded',
      run_id: record?.runId ?? '',
      verified_at: record?.verifiedAt ?? '',
    };
  };
  return [
    row('mksysb', 'rootvg', judged.state, judged.last?.key ?? null, judged.ageDays),
    ...judged.volumeGroups.map((vg) =>
      row('savevg', vg.volumeGroup, vg.state, vg.last?.key ?? null, vg.ageDays),
    ),
  ];
}

/** Whether the stored bytes' SHA-256 is the one the host computed before the upload. */
function claimMatch(claimed: string | null, stored: string | null, checked: boolean): string {
  if (!checked) return 'not checked';
  if (stored === null) return 'not read';
  if (claimed === null) return 'no claim';
  return claimed === stored ? 'yes' : 'NO';
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF, quotes doubled. A
 * field starting with =, +, - or @ (or a tab or CR, as OWASP's CSV injection advice adds) is
 * prefixed with a single quote first, so a spreadsheet shows the host-supplied text instead of
 * running it as a formula; a plain number (`-1`: an image dated after the clock) runs nothing and
 * is left as it is.
 */
export function csvField(value: string): string {
  const formula = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value);
  const safe = formula ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The evidence as CSV text: the header line, then a line per row, CRLF-terminated as RFC 4180 says. */
export function renderEvidenceCsv(rows: readonly EvidenceRow[]): string {
  const line = (cells: readonly string[]) => `${cells.map(csvField).join(',')}\r\n`;
  return line(EVIDENCE_COLUMNS) + rows.map((r) => line(EVIDENCE_COLUMNS.map((c) => r[c]))).join('');
}

/** The newest restore-test PASS among images (index entries or records), or null. */
function lastRestorePass(images: readonly object[]): string | null {
  let last: string | null = null;
  for (const image of images) {
    const pass = restoreTestOfImage(image)?.lastPassAt ?? null;
    if (pass && (!last || Date.parse(pass) > Date.parse(last))) last = pass;
  }
  return last;
}
