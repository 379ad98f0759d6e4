// load-fleet: reads the fleet at each run: the deploy config's fleet object (one S3 object, a CDK asset)
// and every parameter under the fleet path in Parameter Store, validated by readFleetParameters. For the
// weekly run it writes the enabled hosts to the run's fleet snapshot in the store (the Distributed Map's
// items) and returns its key, the run id and the week that makes each host's execution name
// (idempotent per host and week); for the freshness check (`inventory`), the same snapshot and the
// fleet's problems beside it, returning their keys and counts. For one host it
// returns the document parameters and, from the host's newest mksysb record, the size to plan space for
// and how long the backup and transfer should take, which seed the poll waits; first it claims the
// host-day for the run (one writer at a time) and refuses a day whose mksysb is already verified.

import type { S3Client } from '@aws-sdk/client-s3';
import { paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import { listHostRecords, readText } from '../adapters/catalog.js';
import { claimHostDay, refuseIfVerified } from '../adapters/host-claim.js';
import { writeFleetProblems, writeRunFleet } from '../adapters/map-run.js';
import { parseWith } from '../adapters/validation.js';
import { AnomalyCodeSchema } from '../core/anomaly.js';
import { dayOf, imageKey, zonedIsoTime } from '../core/catalog-keys.js';
import {
  expectedBackupSeconds,
  firstWaitSeconds,
  PREFLIGHT_EXPECTED_SECONDS,
  type StepHistory,
  transferRate,
} from '../core/command-poll.js';
import { encodeExcludeList } from '../core/exclude-list.js';
import { type FleetHost, type FleetParameters, readFleetParameters } from '../core/fleet.js';
import { fleetProblemsKey, mapResultsPrefix, notStartedKey, runFleetKey } from '../core/map-run.js';
import {
  LoadFleetInputSchema,
  type LoadFleetOutput,
  LoadFleetOutputSchema,
  LoadHostInputSchema,
  type LoadHostOutput,
  LoadHostOutputSchema,
  type LoadInventoryOutput,
  LoadInventoryOutputSchema,
  type LoadWeeklyOutput,
  LoadWeeklyOutputSchema,
} from './schema.js';

export interface LoadFleetDeps {
  readonly ssm: SSMClient;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly fleetParameterPath: string;
  /**
   * The deploy config's fleet as one S3 object (a JSON array of hosts), read before the parameters:
   * the template holds its key, not the hosts. @default none: the parameters alone
   */
  readonly fleetObject?: { readonly bucket: string; readonly key: string };
  readonly timeZone: string;
  readonly now: () => Date;
  /** How long a host's claim on its day holds if its run dies: the host run's longest honest duration. */
  readonly claimTtlSeconds: number;
}

/** The host is not (or no longer) in the fleet, or is disabled. */
export class HostNotInFleetError extends Error {
  override name = 'HostNotInFleet';
}

/** The code of a fleet parameter entry that was skipped (run report, digest, freshness alert). */
export const { FLEET_PARAMETER_INVALID } = AnomalyCodeSchema.enum;

/** Step Functions execution names are at most 80 characters. */
export const EXECUTION_NAME_LIMIT = 80;

export async function loadFleet(
  event: unknown,
  deps: LoadFleetDeps,
): Promise<LoadFleetOutput | LoadWeeklyOutput | LoadInventoryOutput | LoadHostOutput> {
  const action = (event as { action?: unknown } | null)?.action;
  if (action === 'host') return loadHost(event, deps);
  if (action === 'weekly') return loadWeekly(event, deps);
  if (action === 'inventory') return loadInventory(event, deps);
  return loadRun(event, deps);
}

/**
 * The run's fleet (the `fleet` action's answer) with its hosts written to the run's fleet snapshot
 * and the hosts not started beside it: what the weekly and the freshness runs share.
 */
async function snapshotRun(
  event: unknown,
  deps: LoadFleetDeps,
): Promise<{ run: LoadFleetOutput; keys: { fleet: string; notStarted: string } }> {
  const { action: _action, ...rest } = event as Record<string, unknown>;
  const run = await loadRun({ ...rest, action: 'fleet' }, deps);
  const keys = { fleet: runFleetKey(run.date, run.runId), notStarted: notStartedKey(run.date, run.runId) };
  await writeRunFleet(
    { client: deps.s3, bucket: deps.bucket },
    keys,
    run.hosts.map((host) => ({ host })),
    run.notStarted,
  );
  return { run, keys };
}

/**
 * The weekly run's fleet, kept out of the state: the hosts to start go to the run's fleet snapshot
 * (the Distributed Map's ItemReader reads it), the hosts not started beside it (the run report reads
 * them); the state carries their keys and counts, so 10,000 hosts cost what 10 do.
 */
async function loadWeekly(event: unknown, deps: LoadFleetDeps): Promise<LoadWeeklyOutput> {
  const { run, keys } = await snapshotRun(event, deps);
  return parseWith(
    LoadWeeklyOutputSchema,
    {
      runId: run.runId,
      date: run.date,
      week: run.week,
      nameSuffix: run.nameSuffix,
      bucket: deps.bucket,
      fleetKey: keys.fleet,
      notStartedKey: keys.notStarted,
      resultsPrefix: mapResultsPrefix(run.date, run.runId),
      hostCount: run.hosts.length,
      notStartedCount: run.notStarted.length,
    },
    'load-fleet weekly output',
  );
}

/**
 * The freshness check's inventory, kept out of the state as the weekly run's is: the snapshot of the
 * enabled hosts and, beside it, the fleet entries skipped as invalid (each a FLEET_PARAMETER_INVALID
 * finding). The state carries keys and counts: at 10,000 hosts the names alone were 140 KB of it.
 */
async function loadInventory(event: unknown, deps: LoadFleetDeps): Promise<LoadInventoryOutput> {
  const { run, keys } = await snapshotRun(event, deps);
  const problemsKey = fleetProblemsKey(run.date, run.runId);
  await writeFleetProblems({ client: deps.s3, bucket: deps.bucket }, problemsKey, run.fleetProblems);
  return parseWith(
    LoadInventoryOutputSchema,
    {
      runId: run.runId,
      date: run.date,
      fleetKey: keys.fleet,
      fleetProblemsKey: problemsKey,
      hostCount: run.hosts.length,
      fleetProblemCount: run.fleetProblems.length,
    },
    'load-fleet inventory output',
  );
}

/**
 * The fleet under the path: every valid host, and every entry skipped (a malformed hand-added
 * parameter costs that entry alone, and is reported as FLEET_PARAMETER_INVALID).
 */
export async function readFleet(
  deps: Pick<LoadFleetDeps, 'ssm' | 'fleetParameterPath' | 'fleetObject' | 's3'>,
): Promise<FleetParameters> {
  const parameters: { name: string; value: string }[] = [];
  const listing = { Path: deps.fleetParameterPath, Recursive: false, WithDecryption: true };
  for await (const page of paginateGetParametersByPath({ client: deps.ssm }, listing))
    for (const p of page.Parameters ?? [])
      if (p.Name && p.Value !== undefined) parameters.push({ name: p.Name, value: p.Value });
  // The fleet object is read as one more "parameter", named by its S3 URL in any problem it has.
  if (deps.fleetObject) {
    const { bucket, key } = deps.fleetObject;
    const value = await readText({ client: deps.s3, bucket }, key, { action: 'reading the fleet object' });
    parameters.push({ name: `s3://${bucket}/${key}`, value: withoutOverridden(value ?? '', parameters) });
  }
  return readFleetParameters(parameters);
}

/**
 * The fleet object's JSON without the hosts a parameter names: a parameter for a host of the deploy
 * config overrides its entry (`"enabled": false` disables it until the parameter is deleted), as
 * editing a `part-NNNN` parameter did before the fleet object, without a redeploy. Pure.
 */
export function withoutOverridden(objectValue: string, parameters: readonly { value: string }[]): string {
  const named = new Set<string>();
  for (const p of parameters) {
    try {
      const value: unknown = JSON.parse(p.value);
      for (const entry of Array.isArray(value) ? value : [value]) {
        const host = (entry as { host?: unknown } | null)?.host;
        if (typeof host === 'string') named.add(host);
      }
    } catch {
      // A parameter that is not JSON overrides nothing; readFleetParameters reports it.
    }
  }
  if (named.size === 0) return objectValue;
  let hosts: unknown;
  try {
    hosts = JSON.parse(objectValue);
  } catch {
    return objectValue;
  }
  if (!Array.isArray(hosts)) return objectValue;
  return JSON.stringify(hosts.filter((h) => !named.has((h as { host?: unknown } | null)?.host as string)));
}

/** YYYY-MM-DD of `instant` in `timeZone`. */
export function localDay(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(instant);
}

/** The Monday (YYYY-MM-DD) of the week `instant` falls in, in `timeZone`. */
export function weekOf(instant: Date, timeZone: string): string {
  const day = localDay(instant, timeZone);
  const noon = new Date(`${day}T12:00:00Z`);
  const sinceMonday = (noon.getUTCDay() + 6) % 7;
  return new Date(noon.getTime() - sinceMonday * 86_400_000).toISOString().slice(0, 10);
}

/** A run id from the execution's start and name: sortable, and unique per execution. */
export function runIdOf(executionName: string, startTime: Date): string {
  const stamp = startTime
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const name = executionName.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100);
  return `${stamp}-${name}`.replace(/-+$/, '');
}

async function loadRun(event: unknown, deps: LoadFleetDeps): Promise<LoadFleetOutput> {
  const input = parseWith(LoadFleetInputSchema, event, 'load-fleet input');
  const started = new Date(input.startTime);
  const { fleet, problems } = await readFleet(deps);
  const week = weekOf(started, deps.timeZone);
  const nameSuffix = input.request.attempt ? `${week}-r${input.request.attempt}` : week;
  const notStarted: { host: string; reason: string }[] = [];
  const known = new Map(fleet.map((h) => [h.host, h]));
  const wanted = input.request.hosts ?? fleet.map((h) => h.host);
  const hosts: string[] = [];
  for (const name of wanted) {
    const host = known.get(name);
    if (!host) notStarted.push({ host: name, reason: 'not in the fleet' });
    else if (!host.enabled) {
      if (input.request.hosts) notStarted.push({ host: name, reason: 'disabled in the fleet' });
    } else if (name.length + 1 + nameSuffix.length > EXECUTION_NAME_LIMIT)
      notStarted.push({
        host: name,
        reason: `host name of ${name.length} characters: "<host>-${nameSuffix}" exceeds the ${EXECUTION_NAME_LIMIT}-character execution name limit`,
      });
    else hosts.push(name);
  }
  // A skipped fleet entry is a host that will not be backed up: it shows in the run report and its
  // digest like any host not started, with the code and the parameter to fix.
  for (const problem of problems)
    notStarted.push({
      host: problem.host ?? problem.parameter,
      reason: `${FLEET_PARAMETER_INVALID}: ${problem.message} (skipped; every valid host runs)`,
    });
  return parseWith(
    LoadFleetOutputSchema,
    {
      runId: runIdOf(input.executionName, started),
      date: zonedIsoTime(started, deps.timeZone),
      week,
      nameSuffix,
      hosts,
      notStarted,
      fleetProblems: problems,
    },
    'load-fleet output',
  );
}

async function loadHost(event: unknown, deps: LoadFleetDeps): Promise<LoadHostOutput> {
  const input = parseWith(LoadHostInputSchema, event, 'load-fleet host input');
  const { fleet } = await readFleet(deps);
  const host = fleet.find((h) => h.host === input.host);
  if (!host)
    throw new HostNotInFleetError(
      `host ${input.host} is not in the fleet under ${deps.fleetParameterPath} (removed after the run started?)`,
    );
  if (!host.enabled) throw new HostNotInFleetError(`host ${input.host} is disabled in the fleet`);
  // One writer per host-day, before anything touches the host: a second run would start a mksysb
  // over the staging copy the first is uploading. A day already verified is not redone.
  const store = { client: deps.s3, bucket: deps.bucket };
  await claimHostDay(store, {
    host: host.host,
    date: input.date,
    runId: input.runId,
    now: deps.now(),
    ttlSeconds: deps.claimTtlSeconds,
  });
  await refuseIfVerified(
    store,
    host.host,
    imageKey({ host: host.host, kind: 'mksysb', volumeGroup: 'rootvg', date: input.date }),
  );
  const last = await lastImage(deps, host.host, dayOf(input.date));
  return parseWith(
    LoadHostOutputSchema,
    {
      host: host.host,
      runId: input.runId,
      date: input.date,
      plan: hostPlan(host, dayOf(input.date), last),
      poll: { nextWaitSeconds: firstWaitSeconds(PREFLIGHT_EXPECTED_SECONDS) },
    },
    'load-fleet host output',
  );
}

/** The newest good mksysb of the host before `day`: its size and step timings. */
async function lastImage(deps: LoadFleetDeps, host: string, day: string): Promise<StepHistory | null> {
  const { records } = await listHostRecords({ client: deps.s3, bucket: deps.bucket }, host, {
    kind: 'mksysb',
    beforeDay: day,
    newest: 3,
  });
  const good = records.find((r) => r.verdict !== 'FAIL' && r.sizeBytes > 0);
  if (!good) return null;
  return {
    sizeBytes: good.sizeBytes,
    backupSeconds: good.timings.backup,
    transferSeconds: good.timings.transfer,
  };
}

/** The host's SSM parameters and poll seeds. Pure. */
export function hostPlan(host: FleetHost, day: string, last: StepHistory | null) {
  const expectedSize = last?.sizeBytes ?? host.expectedSizeBytes;
  const backupExpectedSeconds = Math.round(expectedBackupSeconds(expectedSize, last));
  return {
    managedNodeId: host.managedNodeId,
    mode: host.mode,
    address: host.address ?? '',
    sshUser: host.sshUser,
    viosShell: host.viosShell ?? '',
    nfsExport: host.nfsExport ?? '',
    nfsMountPoint: host.nfsMountPoint ?? '/mnt',
    sshKeyPath: host.sshKeyPath,
    knownHostsPath: host.knownHostsPath,
    staging: host.staging,
    volumeGroups: host.volumeGroups.join(','),
    mksysbFlags: host.mksysbFlags,
    keepLocal: String(host.keepLocal),
    excludeList: encodeExcludeList(host.exclude),
    day,
    expectedSizeBytes: String(expectedSize),
    backupExpectedSeconds,
    backupWaitSeconds: firstWaitSeconds(backupExpectedSeconds),
    transferBytesPerSecond: Math.round(transferRate(last)),
  };
}
