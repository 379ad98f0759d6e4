// The one judgement of a host's state — ok, warn, fail, stale, never, disabled — that `status`, its
// exit code and the HTML report's headline all use, so the report can never look greener than
// status: a host whose latest run failed, whose newest image is too old or whose newest image object
// is gone is not counted by the verdict its last record happens to carry, nor is one whose newest
// image a restore test proved wrong. A host's savevg images count too: the newest image of each
// volume group must be there, fresh and not FAIL. Pure.

import type { AnomalyCode } from './anomaly.js';
import {
  type RestoreTestResult,
  type RestoreTestSummary,
  restoreTestDisproves,
  restoreTestOfImage,
} from './restore-test.js';
import { FINDING, type Verdict } from './vocabulary.js';

export const HOST_STATES = ['ok', 'warn', 'fail', 'stale', 'never', 'disabled'] as const;
export type HostState = (typeof HOST_STATES)[number];

/**
 * A record whose image object is not in the store: never the host's restorable or fresh image. The
 * newest savevg image of a volume group: not there (FAIL), stale, or FAIL, as a finding.
 */
export const { IMAGE_MISSING, SAVEVG_MISSING, SAVEVG_STALE, SAVEVG_FAIL, SAVEVG_WARN } = FINDING;

export interface StateImage {
  readonly kind: 'mksysb' | 'savevg';
  /** The savevg image's volume group (a mksysb's is rootvg). */
  readonly volumeGroup?: string;
  readonly key: string;
  readonly date: string;
  readonly verdict: Verdict;
  /** Its restore tests: an index entry's newest (restoreTest), or a record's (restoreTests). */
  readonly restoreTest?: RestoreTestSummary | undefined;
  readonly restoreTests?: readonly RestoreTestResult[] | undefined;
}

/** The newest mksysb image's restore test proved it wrong: the host has no image known to restore. */
export const RESTORE_FAILED = 'RESTORE_FAILED' satisfies AnomalyCode;

export interface StateRun {
  readonly date: string;
  readonly verdict: string;
  readonly outcome: string;
  readonly codes: readonly string[];
}

export interface HostStateInput {
  readonly enabled: boolean;
  /** The host's images by their records, any order. */
  readonly images: readonly StateImage[];
  /** Keys of images whose record is there and whose object is not. */
  readonly missingImages: readonly string[];
  /** How the host's latest run ended, when known. */
  readonly lastRun: StateRun | null;
  /**
   * The volume groups the fleet saves with savevg (not rootvg); null or absent when the fleet is not
   * known: then the volume groups the host has savevg images of are judged.
   */
  readonly volumeGroups?: readonly string[] | null;
}

export interface VolumeGroupJudgement {
  readonly volumeGroup: string;
  /** Its newest savevg image whose object is in the store. */
  readonly last: StateImage | null;
  readonly ageDays: number | null;
  /** ok, warn, stale or fail (no image of a configured volume group is a fail: nothing to restvg). */
  readonly state: 'ok' | 'warn' | 'stale' | 'fail';
}

export interface HostJudgement {
  readonly state: HostState;
  /** The newest mksysb image whose object is in the store: what age, size and verdict are read from. */
  readonly last: StateImage | null;
  readonly ageDays: number | null;
  /** Why the state is not what the last image's verdict alone says: `IMAGE_MISSING`, the run's codes, `SAVEVG_*:vg`. */
  readonly findings: readonly string[];
  /** Each volume group saved with savevg, by name. */
  readonly volumeGroups: readonly VolumeGroupJudgement[];
}

/** Whole days between an ISO date and now. */
export function ageDays(date: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(date)) / 86_400_000);
}

/** Worse of two states among ok < warn < stale < fail. */
const SEVERITY = ['ok', 'warn', 'stale', 'fail'] as const;
type Severity = (typeof SEVERITY)[number];
const worse = (a: Severity, b: Severity): Severity => (SEVERITY.indexOf(a) >= SEVERITY.indexOf(b) ? a : b);

/** The host's savevg series, one per volume group: configured ones, else those it has images of. */
export function judgeVolumeGroups(
  input: HostStateInput,
  now: Date,
  maxAgeDays: number,
): VolumeGroupJudgement[] {
  const missing = new Set(input.missingImages);
  const savevg = input.images
    .filter((i) => i.kind === 'savevg' && i.volumeGroup)
    .sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
  const names = input.volumeGroups ?? [...new Set(savevg.map((i) => i.volumeGroup as string))].sort();
  return names.map((volumeGroup) => {
    const last = savevg.find((i) => i.volumeGroup === volumeGroup && !missing.has(i.key)) ?? null;
    const age = last ? ageDays(last.date, now) : null;
    const state: Severity = !last
      ? 'fail'
      : last.verdict === 'FAIL'
        ? 'fail'
        : (age ?? 0) > maxAgeDays
          ? 'stale'
          : last.verdict === 'WARN'
            ? 'warn'
            : 'ok';
    return { volumeGroup, last, ageDays: age, state };
  });
}

function volumeGroupFinding(vg: VolumeGroupJudgement): string | null {
  if (!vg.last) return `${SAVEVG_MISSING}:${vg.volumeGroup}`;
  if (vg.state === 'fail') return `${SAVEVG_FAIL}:${vg.volumeGroup}`;
  if (vg.state === 'stale') return `${SAVEVG_STALE}:${vg.volumeGroup}`;
  if (vg.state === 'warn') return `${SAVEVG_WARN}:${vg.volumeGroup}`;
  return null;
}

export function judgeHost(input: HostStateInput, now: Date, maxAgeDays: number): HostJudgement {
  const volumeGroups = judgeVolumeGroups(input, now, maxAgeDays);
  const missing = new Set(input.missingImages);
  const mksysb = input.images
    .filter((i) => i.kind === 'mksysb')
    .sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
  const last = mksysb.find((i) => !missing.has(i.key)) ?? null;
  // The newest backup the record says was made is not there: the host has lost its latest image.
  const newestGone = mksysb.length > 0 && last !== mksysb[0];
  const { lastRun } = input;
  // The latest run failed for the host after its last image: the image may still be fresh, the host is not fine.
  const lastRunFailed =
    lastRun !== null &&
    lastRun.verdict === 'FAIL' &&
    lastRun.outcome !== 'verified' &&
    (!last || Date.parse(lastRun.date) > Date.parse(last.date));
  // Its newest image was restored on a test LPAR and is not what the record says (restoreTestDisproves).
  const disproved = last !== null && restoreTestDisproves(restoreTestOfImage(last));
  const age = last ? ageDays(last.date, now) : null;
  const findings = [
    ...(missing.size > 0 ? [IMAGE_MISSING] : []),
    ...(disproved ? [RESTORE_FAILED] : []),
    ...(lastRunFailed ? [...lastRun.codes] : []),
    ...volumeGroups.flatMap((vg) => volumeGroupFinding(vg) ?? []),
  ];
  const rootvg: Severity =
    last === null
      ? 'fail'
      : last.verdict === 'FAIL' || lastRunFailed || newestGone || disproved
        ? 'fail'
        : (age ?? 0) > maxAgeDays
          ? 'stale'
          : last.verdict === 'WARN' || missing.size > 0
            ? 'warn'
            : 'ok';
  const state: HostState = !input.enabled
    ? 'disabled'
    : !last
      ? newestGone
        ? 'fail'
        : 'never'
      : volumeGroups.reduce((s, vg) => worse(s, vg.state), rootvg);
  return { state, last, ageDays: age, findings: [...new Set(findings)], volumeGroups };
}
