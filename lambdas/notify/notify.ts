// notify: tells people. At the end of each host's workflow it publishes one SNS message per anomaly
// at or above the configured severity (subject and attributes from lambdas/core/alert-message.ts)
// and returns the host's one-line result for the weekly run; for the daily freshness check it
// publishes one message per finding up to a cap (most severe first) and one summary past it.
import type { SNSClient } from '@aws-sdk/client-sns';
import { readAcknowledgements } from '../adapters/acknowledgements.js';
import type { StoreLocation } from '../adapters/catalog.js';
import { releaseHostDay } from '../adapters/host-claim.js';
import { readFreshnessFindings } from '../adapters/map-run.js';
import { publishAlert } from '../adapters/publish-alert.js';
import { parseWith } from '../adapters/validation.js';
import { type Acknowledgement, acknowledgementOf, describeAcknowledgement } from '../core/acknowledgement.js';
import { type AlertMessage, anomalyAlert, atLeast } from '../core/alert-message.js';
import { type Anomaly, anomaly, type Severity } from '../core/anomaly.js';
import { dayOf, RECORD_SUFFIX } from '../core/catalog-keys.js';
import {
  capAlerts,
  FRESHNESS_ALERT_CAP,
  type FreshnessFinding,
  findingSeverity,
  freshnessSummaryAlert,
} from '../core/freshness.js';
import { encodeHostResult, type HostOutcome, hostVerdict } from '../core/run-summary.js';
import {
  type FreshnessNotifyInput,
  type HostNotifyInput,
  NotifyInputSchema,
  type NotifyOutput,
  NotifyOutputSchema,
} from './schema.js';

export interface NotifyDeps {
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly minSeverity: Severity;
  /**
   * The image store: where the host's claim on its day is given up at the end of its run, and where
   * operators' acknowledgements (acks/) are read before alerting.
   */
  readonly store?: StoreLocation;
  /** The clock acknowledgements are judged by (default: the real one). */
  readonly now?: () => Date;
}

/**
 * The acknowledgements that may hold back an alert (of one host, or all). None when there is no store
 * or they cannot be read: an acknowledgement can only hold an alert back, so failing open alerts.
 */
async function acknowledgements(deps: NotifyDeps, host?: string): Promise<Acknowledgement[]> {
  if (!deps.store) return [];
  return (await readAcknowledgements(deps.store, host).catch(() => ({ acks: [] }))).acks;
}

const publish = (deps: NotifyDeps, message: AlertMessage) => publishAlert(deps.sns, deps.topicArn, message);

export async function notify(event: unknown, deps: NotifyDeps): Promise<NotifyOutput> {
  const input = parseWith(NotifyInputSchema, event, 'notify input');
  if (input.kind === 'freshness') return notifyFreshness(input, deps);
  return notifyHost(input, deps);
}

/** A freshness finding as the anomaly its alert carries. */
function freshnessAnomaly(f: FreshnessFinding, maxAgeDays: number): Anomaly {
  // A staging filesystem filling up is a warning weeks ahead, never a page: no backup failed yet.
  if (f.finding === 'RESTORE_TEST_OVERDUE')
    return anomaly(
      f.finding,
      findingSeverity(f.finding),
      f.lastRestorePassAt
        ? `no passing restore test for ${f.ageDays} days (window ${f.restoreWindowDays}): last PASS ${f.lastRestorePassAt.slice(0, 10)}`
        : `no passing restore test ever (window ${f.restoreWindowDays} days); check the restore-test runs and the test LPARs`,
      {
        lastRestorePassAt: f.lastRestorePassAt ?? null,
        restoreWindowDays: f.restoreWindowDays ?? null,
      },
    );
  if (f.finding === 'STAGING_FULL_SOON')
    return anomaly(
      f.finding,
      findingSeverity(f.finding),
      `staging ${f.forecast ?? 'too small soon'}; grow the filesystem (chfs -a size=+…) before preflight refuses the backup`,
      { weeksUntilFull: f.weeksUntilFull ?? null, forecast: f.forecast ?? null },
    );
  return anomaly(
    f.finding,
    findingSeverity(f.finding),
    f.finding === 'FLEET_PARAMETER_INVALID'
      ? `${f.problem ?? 'a fleet parameter is not valid'}: this entry is skipped (not backed up, not checked) until it is fixed`
      : f.finding === 'HOST_MISSED'
        ? `no PASS mksysb image ever: never backed up`
        : `newest PASS mksysb is ${f.ageDays} days old (limit ${maxAgeDays}): since ${f.lastPassDate}`,
    { lastPassDate: f.lastPassDate, ageDays: f.ageDays, maxAgeDays },
  );
}

/** Which image a freshness alert is about, in a few words. */
function freshnessImage(f: FreshnessFinding): string {
  if (f.finding === 'FLEET_PARAMETER_INVALID') return 'none (fleet parameter)';
  if (f.finding === 'STAGING_FULL_SOON') return 'next mksysb';
  if (f.finding === 'RESTORE_TEST_OVERDUE') return 'newest PASS mksysb';
  return f.lastPassDate ? `last PASS ${f.lastPassDate.slice(0, 10)}` : 'none ever';
}

/**
 * The daily check's findings (from the findings object the check wrote, or inline): one alert per
 * finding up to FRESHNESS_ALERT_CAP, most severe first, and past it one summary naming the count of
 * each code and where the full list is, so a day the store is unreachable is one page, not 10,000.
 * The result lists at most as many acknowledged findings as the cap, and counts them all.
 */
async function notifyFreshness(input: FreshnessNotifyInput, deps: NotifyDeps): Promise<NotifyOutput> {
  const now = (deps.now ?? (() => new Date()))();
  let findings = input.findings;
  let hosts = input.hosts ?? 0;
  if (input.findingsKey) {
    if (!deps.store)
      throw new Error(
        `notify: the findings are in ${input.findingsKey} but notify has no BUCKET to read them from`,
      );
    const file = await readFreshnessFindings(deps.store, input.findingsKey);
    findings = file.findings;
    hosts = file.hosts;
  }
  const acks = await acknowledgements(deps);
  const acknowledged: string[] = [];
  const due: { finding: FreshnessFinding['finding']; f: FreshnessFinding; found: Anomaly }[] = [];
  for (const f of findings) {
    const found = freshnessAnomaly(f, input.maxAgeDays);
    if (!atLeast(found.severity, deps.minSeverity)) continue;
    const ack = acknowledgementOf(acks, f.host, f.finding, now);
    if (ack) acknowledged.push(`${f.host} ${describeAcknowledgement(ack)}`);
    else due.push({ finding: f.finding, f, found });
  }
  const { alerted, summarized } = capAlerts(due);
  for (const { f, found } of alerted)
    await publish(
      deps,
      anomalyAlert(found, {
        host: f.host,
        runId: 'freshness',
        date: input.checkedAt,
        key: f.lastPassKey ?? undefined,
        image: freshnessImage(f),
      }),
    );
  if (summarized.length > 0)
    await publish(
      deps,
      freshnessSummaryAlert({
        checkedAt: input.checkedAt,
        hosts,
        total: due.length,
        alerted: alerted.length,
        summarized: summarized.map((d) => d.f),
        where:
          input.findingsKey && deps.store
            ? `s3://${deps.store.bucket}/${input.findingsKey}`
            : "the freshness execution's output",
      }),
    );
  return parseWith(
    NotifyOutputSchema,
    {
      published: alerted.length + (summarized.length > 0 ? 1 : 0),
      acknowledged: acknowledged.slice(0, FRESHNESS_ALERT_CAP),
      ...(summarized.length > 0 ? { summarized: summarized.length } : {}),
      ...(acknowledged.length > FRESHNESS_ALERT_CAP ? { acknowledgedCount: acknowledged.length } : {}),
    },
    'notify output',
  );
}

/** The host's outcome: the failure that ended it, else the first image that did not get verified. */
export function hostOutcome(input: HostNotifyInput): HostOutcome {
  if (input.failure) return input.failure.outcome;
  const failed = input.results.find(
    (r) => r.outcome && r.outcome !== 'verified' && r.outcome !== 'already_ran',
  );
  if (failed?.outcome) return failed.outcome;
  if (input.results.length > 0 && input.results.every((r) => r.outcome === 'already_ran'))
    return 'already_ran';
  return 'verified';
}

async function notifyHost(input: HostNotifyInput, deps: NotifyDeps): Promise<NotifyOutput> {
  const tagged: { anomaly: Anomaly; key?: string }[] = [
    ...(input.failure?.anomalies ?? []).map((a) => ({ anomaly: a })),
    ...input.anomalies.map((a) => ({ anomaly: a })),
    ...input.results.flatMap((r) =>
      r.anomalies.map((a) => ({
        anomaly: a,
        ...(r.recordKey?.endsWith(RECORD_SUFFIX) ? { key: r.recordKey.slice(0, -RECORD_SUFFIX.length) } : {}),
      })),
    ),
  ];
  const outcome = hostOutcome(input);
  // A failure that could not be recorded (record-failure itself failed, e.g. the store is down) comes
  // without anomalies: it is still a FAIL, and still alerted.
  if (hostVerdict(outcome, []) === 'FAIL' && !tagged.some((t) => t.anomaly.severity === 'fail'))
    tagged.push({
      anomaly: anomaly(
        'BACKUP_FAILED',
        'fail',
        `the workflow failed for ${input.host} (${outcome}) and the failure could not be recorded in the store: see the host's execution`,
        { outcome },
      ),
    });
  // The host's run ends here on every path: give up its claim on the host-day, so a same-day re-run
  // (run-now --attempt 2) can start. Not fatal: an unreleased claim expires with the run's timeout.
  if (deps.store)
    await releaseHostDay(deps.store, { host: input.host, date: input.date, runId: input.runId }).catch(
      () => false,
    );
  const now = (deps.now ?? (() => new Date()))();
  const acks = await acknowledgements(deps, input.host);
  // Every alert names its image: the one its result names, else the day's image this run did not make.
  const image = `none made ${dayOf(input.date)}`;
  let published = 0;
  const acknowledged = new Set<Anomaly['code']>();
  for (const { anomaly: a, key } of tagged) {
    if (!atLeast(a.severity, deps.minSeverity)) continue;
    // Acknowledged: not published, recorded in the host's result line (the run report) instead.
    if (acknowledgementOf(acks, input.host, a.code, now)) {
      acknowledged.add(a.code);
      continue;
    }
    await publish(
      deps,
      anomalyAlert(a, { host: input.host, runId: input.runId, date: input.date, key, image }),
    );
    published += 1;
  }
  const verdicts = [
    ...input.results.map((r) => r.verdict),
    ...(input.anomalies.some((a) => a.severity === 'fail') ? ['FAIL'] : []),
  ];
  const verdict = hostVerdict(outcome, verdicts);
  const codes = [...new Set(tagged.filter((t) => t.anomaly.severity !== 'info').map((t) => t.anomaly.code))];
  const line = encodeHostResult({
    host: input.host,
    verdict,
    outcome,
    sizeBytes: input.sizeBytes,
    codes,
    acknowledged: codes.filter((c) => acknowledged.has(c)),
  });
  return parseWith(
    NotifyOutputSchema,
    { line, verdict, published, acknowledged: [...acknowledged] },
    'notify output',
  );
}
