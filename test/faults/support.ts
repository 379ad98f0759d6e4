// What the pipeline fault tests share: a rig (simulated fleet + local store + the synthesized workflow
// run locally), and the checks every fault ends with, read from the store itself: every PASS image seen
// so far still there and byte-identical (SHA-256 of the object), no image object without its record or
// record without its image, no multipart upload left open, the run report and the alerts.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseImageKey, parseRecordKey } from '../../lambdas/core/catalog-keys.js';
import { type ImageRecord, parseImageRecord } from '../../lambdas/core/image-record.js';
import { planRetention } from '../../lambdas/core/retention-plan.js';
import { type RunReport, RunReportSchema } from '../../lambdas/core/run-summary.js';
import type { OpenStore } from '../../lib/cli/store.js';
import { type DeployConfig, parseDeployConfig } from '../../lib/config.js';
import { LocalSns, type SnsMessage } from '../../lib/local/local-sns.js';
import { synthesizeLocalStack } from '../../lib/local/pipeline.js';
import {
  type LocalRunResult,
  LocalWorkflow,
  type RunOptions,
  type WeeklyOutput,
} from '../../lib/local/workflow-runner.js';
import {
  createSimulatedFleet,
  type HostProfileInput,
  type SimulatedFleet,
  setHostProfile,
} from '../../lib/sim-lpar/index.js';
import { startTestStore, type TestStore } from '../support/local-store.js';
import { recordOutcome } from './outcomes.js';

export const MiB = 1024 * 1024;
const DAY_MS = 86_400_000;

export interface PassImage {
  readonly sha256: string;
  readonly record: ImageRecord;
}

export interface FaultRig {
  readonly dir: string;
  readonly sim: SimulatedFleet;
  readonly store: TestStore;
  readonly sns: LocalSns;
  readonly config: DeployConfig;
  readonly workflow: LocalWorkflow;
  /** Every PASS image seen after a run, by key, with its SHA-256: what must never change or go. */
  readonly passImages: Map<string, PassImage>;
}

/** A test store as the CLI's store commands (status, catalog) open it, with its clock at `now`. */
export function openRigStore(store: TestStore, config: DeployConfig | null, now: string): OpenStore {
  const client = store.client();
  return {
    client,
    bucket: store.bucket,
    description: 'fault rig store',
    local: true,
    presignClient: client,
    fleet: null,
    config,
    configSource: 'fault rig',
    nextLocalRun: null,
    clock: new Date(now),
    close: async () => undefined,
  };
}

/** The date `weeks` weeks after `start` (ISO). */
export function weekAfter(start: string, weeks: number): string {
  return new Date(Date.parse(start) + weeks * 7 * DAY_MS).toISOString();
}

/** Fleet, store and workflow for one fault file: small images, 8 MiB parts, no retry delays. */
export async function startFaultRig(
  name: string,
  profiles: readonly HostProfileInput[],
  overrides: Record<string, unknown> = {},
  /** Fleet entries beyond what the profiles give (mksysbFlags…), by host. */
  hostOverrides: Readonly<Record<string, Record<string, unknown>>> = {},
): Promise<FaultRig> {
  const dir = mkdtempSync(join(tmpdir(), `mksysb-vault-faults-${name}-`));
  const sim = createSimulatedFleet(dir, profiles);
  const fleet = sim.hosts.map((host) => ({
    host,
    managedNodeId: 'mi-0123456789abcdef0',
    knownHostsPath: sim.knownHostsPath,
    expectedSizeBytes: sim.profile(host).sizeBytes,
    volumeGroups: sim.profile(host).volumeGroups.filter((vg) => vg !== 'rootvg'),
    ...hostOverrides[host],
  }));
  const config = parseDeployConfig(
    {
      fleet,
      verification: { absoluteFloorBytes: 8 * MiB, sizeMismatchSlackBytes: 4 * MiB },
      transfer: { partSizeMiB: 8, retryDelaySeconds: 0, partRetries: 3 },
      // A year of weekly images: nothing ages out during a fault file, so any image gone is a loss.
      retention: { weekly: 52 },
      alerts: { minSeverity: 'warn' },
      ...overrides,
    },
    `fault rig ${name}`,
  );
  const store = await startTestStore();
  const sns = new LocalSns();
  const workflow = new LocalWorkflow({
    template: synthesizeLocalStack(config),
    store,
    simFleetDir: dir,
    fleet: config.fleet,
    sns,
  });
  return { dir, sim, store, sns, config, workflow, passImages: new Map() };
}

export async function stopFaultRig(rig: FaultRig | undefined): Promise<void> {
  if (!rig) return;
  await rig.store.close();
  rmSync(rig.dir, { recursive: true, force: true });
}

/** Changes one simulated host's faults (or anything else in its profile) for the next run. */
export function setFaults(
  rig: FaultRig,
  host: string,
  faults: string[],
  change: Partial<HostProfileInput> = {},
) {
  setHostProfile(rig.dir, host, { ...change, faults });
}

/** One weekly run; the PASS images it made join the set that must survive every later fault. */
export async function runWeek(rig: FaultRig, run: RunOptions): Promise<LocalRunResult<WeeklyOutput>> {
  const result = await rig.workflow.runWeekly(run);
  await snapshotPassImages(rig);
  return result;
}

export async function listKeys(rig: FaultRig, prefix: string): Promise<{ key: string; size: number }[]> {
  const keys: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await rig.store
      .client()
      .send(new ListObjectsV2Command({ Bucket: rig.store.bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push({ key: o.Key, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** The object's bytes; a key that is not there fails naming it and what its folder holds instead. */
export async function readObject(rig: FaultRig, key: string): Promise<Buffer> {
  try {
    const answer = await rig.store
      .client()
      .send(new GetObjectCommand({ Bucket: rig.store.bucket, Key: key }));
    return Buffer.from(await (answer.Body?.transformToByteArray() ?? new Uint8Array()));
  } catch (error) {
    if ((error as { name?: string }).name !== 'NoSuchKey') throw error;
    const folder = key.slice(0, key.lastIndexOf('/') + 1);
    const there = (await listKeys(rig, folder)).map((o) => o.key);
    throw new Error(
      `no object ${JSON.stringify(key)} in the store; ${folder || '(top)'} holds: ${there.join(', ') || 'nothing'}`,
    );
  }
}

export async function writeObject(rig: FaultRig, key: string, body: string | Buffer): Promise<void> {
  await rig.store.client().send(new PutObjectCommand({ Bucket: rig.store.bucket, Key: key, Body: body }));
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Adds every PASS image in the store (by its record) to the rig's snapshot, with its SHA-256. */
export async function snapshotPassImages(rig: FaultRig): Promise<Map<string, PassImage>> {
  for (const { key } of await listKeys(rig, 'images/')) {
    const image = parseRecordKey(key);
    if (!image || rig.passImages.has(image.key)) continue;
    const parsed = parseImageRecord((await readObject(rig, key)).toString('utf8'), key);
    if (parsed.ok && parsed.record.verdict === 'PASS')
      rig.passImages.set(image.key, {
        sha256: sha256(await readObject(rig, image.key)),
        record: parsed.record,
      });
  }
  return rig.passImages;
}

/**
 * Earlier PASS images that are gone or whose bytes changed (must be 0), with what happened to each.
 * An image the retention policy, planned at the true date `retainedAt`, would delete may be gone.
 */
export async function imagesLost(rig: FaultRig, retainedAt?: string): Promise<string[]> {
  const present = new Set((await listKeys(rig, 'images/')).map((o) => o.key));
  const expired = new Set<string>();
  if (retainedAt) {
    // The plan sees what retention saw: the records in the store now, and the PASS images seen before.
    const records = new Map([...rig.passImages].map(([key, { record }]) => [key, record]));
    for (const key of present) {
      const image = parseRecordKey(key);
      if (!image) continue;
      const parsed = parseImageRecord((await readObject(rig, key)).toString('utf8'), key);
      if (parsed.ok) records.set(image.key, parsed.record);
    }
    const images = [...records.values()].map((r) => ({ ...r, lockedUntil: null }));
    const plan = planRetention(images, new Date(retainedAt), rig.config.retention);
    for (const d of plan.delete) expired.add(d.key);
  }
  const lost: string[] = [];
  for (const [key, { sha256: hash }] of rig.passImages) {
    if (expired.has(key)) continue;
    if (!present.has(key) || !present.has(`${key}.record.json`)) lost.push(`${key}: gone`);
    else if (sha256(await readObject(rig, key)) !== hash) lost.push(`${key}: bytes changed`);
  }
  return lost;
}

/**
 * What is listed under images/ that should not be: an image object without its record, a record
 * without its image, an image whose size is not its record's. And multipart uploads still open in the
 * local store (an aborted or completed upload leaves none).
 */
export async function catalogProblems(rig: FaultRig): Promise<string[]> {
  const objects = await listKeys(rig, 'images/');
  const sizes = new Map(objects.map((o) => [o.key, o.size]));
  const problems: string[] = [];
  for (const { key } of objects) {
    const image = parseImageKey(key);
    if (image && !sizes.has(`${key}.record.json`)) problems.push(`${key}: image without a record`);
    const owner = parseRecordKey(key);
    if (!owner) continue;
    if (!sizes.has(owner.key)) {
      problems.push(`${key}: record without its image`);
      continue;
    }
    const parsed = parseImageRecord((await readObject(rig, key)).toString('utf8'), key);
    if (parsed.ok && parsed.record.sizeBytes !== sizes.get(owner.key))
      problems.push(
        `${owner.key}: ${sizes.get(owner.key)} bytes, its record says ${parsed.record.sizeBytes}`,
      );
  }
  return [...problems, ...openUploads(rig).map((id) => `multipart upload ${id} still open`)];
}

/** Multipart uploads the local store still holds parts of. */
export function openUploads(rig: FaultRig): string[] {
  const dir = join(rig.store.directory, rig.store.bucket, '._S3rver_uploads');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The run report the run wrote in the store (runs/<day>/<runId>.json), parsed. */
export async function readRunReport(rig: FaultRig, run: LocalRunResult<WeeklyOutput>): Promise<RunReport> {
  const text = (await readObject(rig, run.output.report.reportKey)).toString('utf8');
  return RunReportSchema.parse(JSON.parse(text));
}

/** The report's line of one host: `verdict outcome codes`. */
export function reportLine(report: RunReport, host: string): string {
  const r = report.results.find((x) => x.host === host);
  return r ? `${r.verdict} ${r.outcome} ${r.codes.join(',')}`.trim() : `${host} not in the report`;
}

/** Anomaly alerts of one host in a run. */
export function alertsOf(run: LocalRunResult<WeeklyOutput>, host: string): SnsMessage[] {
  return run.alerts.filter((m) => m.attributes.kind === 'anomaly' && m.attributes.host === host);
}

/** The hosts of a run whose report line is not PASS verified. */
export function notPassing(report: RunReport): string[] {
  return report.results.filter((r) => r.verdict !== 'PASS').map((r) => r.host);
}

/** A short account of a host's fate in a run, for the outcome table. */
export function observedOf(report: RunReport, run: LocalRunResult<WeeklyOutput>, host: string): string {
  const subjects = alertsOf(run, host).map((m) => m.subject.replace(/^\[mksysb-vault\] /, ''));
  return `${reportLine(report, host)}; alert: ${subjects.join(' / ') || 'none'}`;
}

export interface FaultCheck {
  /** The table's fault column, e.g. "LPAR unreachable (aixapp01)". */
  readonly fault: string;
  readonly expected: string;
  readonly run: LocalRunResult<WeeklyOutput>;
  /** The host the fault hit, and what its report line (`verdict outcome codes`) must match. */
  readonly host: string;
  readonly line: RegExp;
  /** What the host's alert subject must match; null: the host must not be alerted. */
  readonly alert: RegExp | null;
  /** Further hosts allowed not to PASS this week (by default every other host must PASS). */
  readonly alsoHit?: readonly string[];
  /** The true date, when retention may have deleted images by policy (see imagesLost). */
  readonly retainedAt?: string;
  /** Further conditions of this fault, each with what it says when it does not hold. */
  readonly extra?: readonly { ok: boolean; problem: string }[];
}

export interface FaultJudgement {
  readonly report: RunReport;
  readonly lost: string[];
  readonly problems: string[];
  /** Hosts not hit that did not PASS, with their lines. */
  readonly othersNotPassing: string[];
  readonly lineOk: boolean;
  readonly alertOk: boolean;
  readonly ok: boolean;
  readonly observed: string;
}

/**
 * Reads the store after a fault: images lost, catalog problems, the hit host's report line and alert,
 * every other host PASS. Records the outcome row; the test then asserts on the judgement.
 */
export async function judgeFault(rig: FaultRig, check: FaultCheck): Promise<FaultJudgement> {
  const report = await readRunReport(rig, check.run);
  const lost = await imagesLost(rig, check.retainedAt);
  const problems = await catalogProblems(rig);
  const hit = new Set([check.host, ...(check.alsoHit ?? [])]);
  const othersNotPassing = report.results
    .filter((r) => !hit.has(r.host) && r.verdict !== 'PASS')
    .map((r) => `${r.host} ${r.verdict} ${r.outcome} ${r.codes.join(',')}`.trim());
  const lineOk = check.line.test(reportLine(report, check.host));
  const subjects = alertsOf(check.run, check.host).map((m) => m.subject);
  const alertOk =
    check.alert === null ? subjects.length === 0 : subjects.some((s) => check.alert?.test(s) ?? false);
  const extraProblems = (check.extra ?? []).filter((e) => !e.ok).map((e) => e.problem);
  const ok =
    lost.length === 0 &&
    problems.length === 0 &&
    othersNotPassing.length === 0 &&
    lineOk &&
    alertOk &&
    extraProblems.length === 0;
  const observed = [
    observedOf(report, check.run, check.host),
    ...(othersNotPassing.length ? [`others: ${othersNotPassing.join(', ')}`] : []),
    ...problems,
    ...extraProblems,
  ].join('; ');
  recordOutcome({ fault: check.fault, expected: check.expected, observed, imagesLost: lost.length, ok });
  return { report, lost, problems, othersNotPassing, lineOk, alertOk, ok, observed };
}
