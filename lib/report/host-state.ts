// The one judgement of a host's state — ok, warn, fail, stale, never, disabled — that `status`, its
// exit code and the HTML report's headline all use, so the report can never look greener than
// status: a host whose latest run failed, whose newest image is too old or whose newest image object
// is gone is not counted by the verdict its last record happens to carry. Pure.

export const HOST_STATES = ['ok', 'warn', 'fail', 'stale', 'never', 'disabled'] as const;
export type HostState = (typeof HOST_STATES)[number];

/** A record whose image object is not in the store: never the host's restorable or fresh image. */
export const IMAGE_MISSING = 'IMAGE_MISSING';

export interface StateImage {
  readonly kind: 'mksysb' | 'savevg';
  readonly key: string;
  readonly date: string;
  readonly verdict: 'PASS' | 'WARN' | 'FAIL';
}

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
}

export interface HostJudgement {
  readonly state: HostState;
  /** The newest mksysb image whose object is in the store: what age, size and verdict are read from. */
  readonly last: StateImage | null;
  readonly ageDays: number | null;
  /** Why the state is not what the last image's verdict alone says: `IMAGE_MISSING`, the run's codes. */
  readonly findings: readonly string[];
}

/** Whole days between an ISO date and now. */
export function ageDays(date: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(date)) / 86_400_000);
}

export function judgeHost(input: HostStateInput, now: Date, maxAgeDays: number): HostJudgement {
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
  const age = last ? ageDays(last.date, now) : null;
  const findings = [
    ...(missing.size > 0 ? [IMAGE_MISSING] : []),
    ...(lastRunFailed ? [...lastRun.codes] : []),
  ];
  const state: HostState = !input.enabled
    ? 'disabled'
    : !last
      ? newestGone
        ? 'fail'
        : 'never'
      : last.verdict === 'FAIL' || lastRunFailed || newestGone
        ? 'fail'
        : (age ?? 0) > maxAgeDays
          ? 'stale'
          : last.verdict === 'WARN' || missing.size > 0
            ? 'warn'
            : 'ok';
  return { state, last, ageDays: age, findings: [...new Set(findings)] };
}
