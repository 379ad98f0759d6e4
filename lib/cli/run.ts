// `mksysb-vault run --local` (what `npm start` runs) and `mksysb-vault run-now`: the pipeline on this
// machine (lib/local/pipeline.ts) with its progress and a summary per host, or, for run-now against
// AWS, StartExecution of the deployed weekly state machine.
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { formatBytes } from '../../lambdas/core/anomaly.js';
import type { HostResult } from '../../lambdas/core/run-summary.js';
import { DEFAULT_DATA_DIR, LocalStateError } from '../local/paths.js';
// Types only: the pipeline (the CDK, the local Step Functions) loads when a run starts, so other
// commands start fast.
import type {
  LocalPipelineOptions,
  LocalPipelineResult,
  PipelineEvent,
  WeekResult,
} from '../local/pipeline.js';
import { DEFAULT_SCENARIO_PATH, ScenarioError } from '../local/scenario.js';
import {
  type CliIo,
  type Command,
  dateOption,
  EXIT,
  parseOptions,
  table,
  UsageError,
  usageHostName,
  wholeNumberOption,
} from './command.js';

const LOCAL_OPTIONS_HELP = `  --data DIR         local data directory (default ${DEFAULT_DATA_DIR}, or $MKSYSB_VAULT_DATA); kept
                     between runs so each host's history accumulates
  --scenario FILE    the simulated fleet and what happens to it week by week
                     (default ${DEFAULT_SCENARIO_PATH})
  --json             print the result as JSON instead of the summary
  -q, --quiet        no progress lines, only the summary (or the JSON)

Progress goes to standard error, the summary (or the JSON) to standard output.`;

const RUN_HELP = `Usage: mksysb-vault run --local [options]

Runs the whole pipeline on this machine: the CDK stack is synthesized in-process and its state
machines executed locally — the real Lambda handlers, the real SSM documents and host scripts
against simulated LPARs, the local S3 store, SNS alerts to the console and to <data>/alerts.jsonl.
Each run is the next scheduled weekly run on a simulated clock, followed by the next morning's
freshness check. No AWS account is needed. (On AWS the schedule runs the workflow; "run-now"
starts it by hand.)

Options:
  --local            required: run locally
  --weeks N          make N consecutive weekly runs (default 1; the bundled scenario tells its
                     story in 8: a tiny image, a host that stops answering, a full staging
                     filesystem, a shrinking image, an OS upgrade, retention pruning)
  --reset            start from an empty store (deletes the data directory first)
  --start DATE       on a new store, the first run is the first scheduled after DATE
                     (YYYY-MM-DD or ISO 8601; default: N weeks before now, so the last run is
                     the latest scheduled)
${LOCAL_OPTIONS_HELP}
  -h, --help         show this help

Then: mksysb-vault status | history HOST | report --out report.html | retention --dry-run

Exit status: 0 every run completed (the hosts' verdicts are in the summary, the alerts and
"status"), 64 usage error or bad scenario/config, 69 the local store could not be reached
or its disk is full (one line naming the data directory and the space a run needs),
70 internal error (the run could not complete).`;

const RUN_NOW_HELP = `Usage: mksysb-vault run-now [--hosts H1,H2] [--attempt N] [options]

Starts the weekly workflow now, outside its schedule.
  Locally (default): one run of the local pipeline at the simulated clock's "now".
  On AWS (--state-machine): StartExecution of the deployed weekly state machine.
A host that already ran this week is skipped (SKIP, already_ran): give --attempt 2 (3, …) to run
it again as a new attempt of the week. An image already verified for the same day is never
overwritten.

Options:
  --hosts LIST       only these hosts (comma-separated; each must be in the fleet and enabled)
  --attempt N        a new attempt at this week (2-99): hosts that already ran run again
  --state-machine ARN
                     the stack's WeeklyStateMachineArn output (or $MKSYSB_VAULT_STATE_MACHINE):
                     start the execution on AWS
  --region REGION    AWS region (default: the ARN's)
  --profile NAME     AWS profile for credentials
${LOCAL_OPTIONS_HELP}
  -h, --help         show this help

Exit status: 0 started (AWS) or completed (local), 64 usage error, 69 AWS refused or could not be
reached (StartExecution), or the local store could not be, 70 internal error.`;

const LOCAL_OPTIONS = {
  data: { type: 'string' },
  scenario: { type: 'string' },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function positiveInt(option: string, text: string | undefined, max: number): number | undefined {
  return text === undefined ? undefined : wholeNumberOption(option, text, { min: 1, max });
}

export const runCommand: Command = {
  name: 'run',
  help: RUN_HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseOptions('run', argv, {
      ...LOCAL_OPTIONS,
      local: { type: 'boolean', default: false },
      weeks: { type: 'string' },
      reset: { type: 'boolean', default: false },
      start: { type: 'string' },
    });
    if (values.help) {
      io.out(RUN_HELP);
      return EXIT.ok;
    }
    if (!values.local)
      throw new UsageError(
        'run needs --local: on AWS the schedule runs the workflow ("run-now --state-machine ARN" starts it by hand)',
      );
    const start = values.start === undefined ? undefined : dateOption('--start', values.start);
    return runLocally(io, values, {
      weeks: positiveInt('--weeks', values.weeks, 520) ?? 1,
      reset: values.reset,
      ...(start !== undefined ? { start: start.toISOString() } : {}),
    });
  },
};

export const runNowCommand: Command = {
  name: 'run-now',
  help: RUN_NOW_HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseOptions('run-now', argv, {
      ...LOCAL_OPTIONS,
      hosts: { type: 'string' },
      attempt: { type: 'string' },
      'state-machine': { type: 'string' },
      region: { type: 'string' },
      profile: { type: 'string' },
    });
    if (values.help) {
      io.out(RUN_NOW_HELP);
      return EXIT.ok;
    }
    const hosts = values.hosts
      ?.split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
    for (const host of hosts ?? []) usageHostName(host, '--hosts: ');
    const attempt = positiveInt('--attempt', values.attempt, 99);
    if (attempt === 1) throw new UsageError('--attempt 1 is the scheduled run itself: give 2 or more');
    const stateMachine = values['state-machine'] ?? io.env.MKSYSB_VAULT_STATE_MACHINE;
    if (stateMachine !== undefined)
      return startOnAws(io, stateMachine, { hosts, attempt, region: values.region, profile: values.profile });
    return runLocally(io, values, { now: { ...(hosts ? { hosts } : {}), ...(attempt ? { attempt } : {}) } });
  },
};

async function startOnAws(
  io: CliIo,
  arn: string,
  options: { hosts?: string[]; attempt?: number; region?: string; profile?: string; json?: boolean },
): Promise<number> {
  const match = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:stateMachine:[A-Za-z0-9_-]+$/.exec(arn);
  if (!match) throw new UsageError(`--state-machine ${JSON.stringify(arn)}: not a state machine ARN`);
  const client = new SFNClient({
    region: options.region ?? match[1],
    ...(options.profile ? { profile: options.profile } : {}),
    maxAttempts: 2,
  });
  const input = {
    trigger: 'manual',
    ...(options.hosts ? { hosts: options.hosts } : {}),
    ...(options.attempt ? { attempt: options.attempt } : {}),
  };
  const name = `run-now-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    const started = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, name, input: JSON.stringify(input) }),
    );
    io.out(`started ${started.executionArn} (input ${JSON.stringify(input)})`);
    return EXIT.ok;
  } catch (error) {
    io.err(`mksysb-vault run-now: StartExecution on ${arn} failed: ${(error as Error).message}`);
    return EXIT.unavailable;
  } finally {
    client.destroy();
  }
}

type LocalValues = { data?: string; scenario?: string; json?: boolean; quiet?: boolean };

async function runLocally(
  io: CliIo,
  values: LocalValues,
  options: Pick<LocalPipelineOptions, 'weeks' | 'reset' | 'start' | 'now'>,
): Promise<number> {
  const reporter = progressPrinter(values.quiet ? () => undefined : io.err);
  const { LocalPipelineError, runLocalPipeline } = await import('../local/pipeline.js');
  let result: LocalPipelineResult;
  try {
    result = await runLocalPipeline({
      ...options,
      dataDir: values.data ?? io.env.MKSYSB_VAULT_DATA ?? DEFAULT_DATA_DIR,
      cwd: io.cwd,
      scenarioPath: values.scenario ?? DEFAULT_SCENARIO_PATH,
      onEvent: reporter,
      // A full-disk stand-in for the local store (lib/local/disk-full.ts): tests and demonstrations.
      ...(io.env.MKSYSB_VAULT_LOCAL_DISK_BYTES
        ? { diskBytes: Number(io.env.MKSYSB_VAULT_LOCAL_DISK_BYTES) }
        : {}),
    });
  } catch (error) {
    if (
      error instanceof ScenarioError ||
      error instanceof LocalPipelineError ||
      error instanceof LocalStateError
    )
      throw new UsageError(error.message);
    throw error;
  }
  if (values.json) io.out(JSON.stringify(jsonResult(result), null, 2));
  else io.out(summary(result));
  return EXIT.ok;
}

const when = (iso: string) => `${new Date(iso).toUTCString().slice(0, 22)} UTC`;

/** The progress lines: what the scenario changes, each host as it finishes, alerts, each week's tally. */
export function progressPrinter(print: (line: string) => void): (event: PipelineEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'started':
        print(
          `mksysb-vault: ${simulatedHosts(event.hosts, event.vios)} (${event.scenario}), store ${event.store}`,
        );
        break;
      case 'synthesized':
        print(`synthesized the stack: ${event.resources} resources in ${event.seconds.toFixed(1)} s`);
        break;
      case 'week-started':
        print('');
        print(
          `Run ${event.index} of ${event.of} — ${when(event.date)} (scenario week ${event.scenarioWeek})`,
        );
        for (const e of event.events) print(`  scenario: ${e.host} — ${e.what}`);
        break;
      case 'host-done': {
        const r = event.result;
        const counter = `[${String(event.done).padStart(String(event.of).length)}/${event.of}]`;
        const size = r.sizeBytes ? formatBytes(r.sizeBytes) : '-';
        print(
          `  ${counter} ${r.host.padEnd(12)} ${r.verdict.padEnd(4)} ${size.padStart(8)}  ${r.outcome === 'verified' ? '' : `${r.outcome} `}${r.codes.join(' ')}`.trimEnd() +
            `   (${formatBytes(event.bytesSoFar)} uploaded)`,
        );
        break;
      }
      case 'alert':
        print(`  alert: ${event.message.subject}`);
        break;
      case 'week-done':
        print(weekTally(event.week));
        break;
    }
  };
}

function weekTally(week: WeekResult): string {
  const count = (v: string) => week.results.filter((r) => r.verdict === v).length;
  const fail = count('FAIL') + week.notStarted.length;
  const retention =
    week.retention === null
      ? 'retention not run'
      : 'error' in week.retention
        ? `retention FAILED: ${week.retention.error}`
        : `retention: ${week.retention.delete} image(s) deleted, ${week.retention.keep} kept`;
  return [
    `  ${week.results.length + week.notStarted.length} hosts: ${count('PASS')} PASS, ${count('WARN')} WARN, ${fail} FAIL${count('SKIP') ? `, ${count('SKIP')} SKIP` : ''} · ${formatBytes(week.imageBytes)} of images in ${week.seconds.toFixed(1)} s`,
    `  ${retention} · stale: ${week.stale.length ? week.stale.join(', ') : 'none'} · report ${week.reportKey}`,
    ...(week.restoreTests.length > 0
      ? [
          `  restore tests: ${week.restoreTests
            .map(
              (t) =>
                `${t.host} ${t.result}${t.result === 'FAIL' && t.reason ? ` (${t.reason.slice(0, 60)})` : ''}`,
            )
            .join(', ')}`,
        ]
      : []),
  ].join('\n');
}

function change(host: string, weeks: readonly WeekResult[]): string {
  if (weeks.at(-1)?.results.find((r) => r.host === host)?.outcome !== 'verified') return '';
  const sizes = weeks
    .map((w) => w.results.find((r) => r.host === host))
    .filter((r): r is HostResult => r !== undefined && r.outcome === 'verified' && r.sizeBytes > 0)
    .map((r) => r.sizeBytes);
  const [previous, last] = sizes.slice(-2);
  if (previous === undefined || last === undefined) return '';
  const pct = ((last - previous) / previous) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

/** The closing summary: the last run, one row per host, and where to look next. */
export function summary(result: LocalPipelineResult): string {
  const last = result.weeks.at(-1);
  if (!last) return 'no run made';
  const rows = [
    ...last.results.map((r) => [
      r.host,
      r.verdict,
      r.outcome,
      r.sizeBytes ? formatBytes(r.sizeBytes) : '-',
      change(r.host, result.weeks),
      r.codes.join(' '),
    ]),
    ...last.notStarted.map((n) => [n.host, 'FAIL', 'not started', '-', '', n.reason]),
  ];
  const alerts = result.weeks.reduce((n, w) => n + w.alerts.length, 0);
  const deleted = result.weeks.reduce(
    (n, w) => n + (w.retention && !('error' in w.retention) ? w.retention.delete : 0),
    0,
  );
  return [
    '',
    `Summary of the run of ${when(last.date)} (week ${last.week}, run ${last.runId})`,
    '',
    table(['HOST', 'VERDICT', 'OUTCOME', 'SIZE', 'CHANGE', 'ANOMALIES'], rows),
    '',
    `${result.weeks.length} run(s), ${alerts} alert(s) (${result.paths.alerts}), ${deleted} image(s) deleted by retention.`,
    `Next scheduled run: ${when(result.nextRunDate)}. Store: ${result.paths.root}`,
    'See: npx mksysb-vault status · history HOST · report --out report.html · retention --dry-run',
  ].join('\n');
}

function jsonResult(result: LocalPipelineResult) {
  return {
    store: result.paths.root,
    nextRunDate: result.nextRunDate,
    runs: result.weeks.map((w) => ({
      scenarioWeek: w.scenarioWeek,
      date: w.date,
      week: w.week,
      runId: w.runId,
      results: w.results,
      notStarted: w.notStarted,
      retention: w.retention,
      stale: w.stale,
      restoreTests: w.restoreTests,
      alerts: w.alerts.map((a) => ({ subject: a.subject, attributes: a.attributes, at: a.at })),
      imageBytes: w.imageBytes,
      reportKey: w.reportKey,
    })),
  };
}

/** "10 simulated LPARs", "11 simulated hosts (10 LPARs, 1 VIOS)". */
export function simulatedHosts(hosts: number, vios: number): string {
  const lpars = hosts - vios;
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  if (vios === 0) return `${plural(hosts, 'simulated LPAR', 'simulated LPARs')}`;
  return `${plural(hosts, 'simulated host', 'simulated hosts')} (${plural(lpars, 'LPAR', 'LPARs')}, ${vios} VIOS)`;
}
