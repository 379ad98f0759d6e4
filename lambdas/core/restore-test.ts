// Restore tests (issue 17 item 2): a host's newest PASS mksysb image is put on a spare disk of a
// test LPAR with `alt_disk_mksysb`, woken with `alt_rootvg_op -W`, looked at (`oslevel -s` in the
// alternate rootvg, key files), then removed again (lib/host-scripts/restore-test.sh). This module
// holds what is decided about it, with no I/O: the settings, which hosts are due and on which target
// and disk each runs (oldest last test first, rotating over the targets' disks, at most N tests per
// target in one run), the key=value lines the host script prints, the result written into the image
// record (started, finished, the RTO in seconds, what was checked, PASS/FAIL with a reason), and
// which hosts have gone too long without a passing test (RESTORE_TEST_OVERDUE). Pure: no AWS SDK.
import { z } from 'zod';
import { HostNameSchema } from './catalog-keys.js';
import { IsoDateSchema } from './iso-date.js';
import { osLevelParts } from './oslevel.js';

const DAY_MS = 86_400_000;

/** A spare disk of a test LPAR, as AIX names it (`lspv`'s first column). */
export const DiskNameSchema = z.string().regex(/^hdisk[0-9]{1,4}$/, 'an AIX disk name like hdisk1');

const ADDRESS = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,254}$/;
const PATH = /^\/[A-Za-z0-9._/-]{0,1023}$/;
const MANAGED_NODE = /^(i|mi)-[0-9a-f]{8,17}$/;

/**
 * A test LPAR: reached through the relay like any LPAR (the same fields as a fleet host), and the
 * spare disks a restore may overwrite. Nothing else on it is touched; a disk that belongs to any
 * volume group is refused by the script's preflight.
 */
export const RestoreTestTargetSchema = z
  .object({
    /** The test LPAR's host name, as `hostname` prints it. */
    host: HostNameSchema,
    /** The address the relay's ssh connects to. @default the host name */
    address: z.string().regex(ADDRESS, 'not a host name or IP address').optional(),
    /** @default 'relay' */
    mode: z.enum(['relay', 'direct']).default('relay'),
    /** The SSM managed node that runs the command (the relay, or the LPAR in direct mode). */
    managedNodeId: z.string().regex(MANAGED_NODE, 'not an SSM managed node id (i-… or mi-…)'),
    /** @default 'root' */
    sshUser: z
      .string()
      .regex(/^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/, 'not a user name')
      .default('root'),
    /** @default '/etc/mksysb-vault/id_ed25519' */
    sshKeyPath: z.string().regex(PATH, 'not an absolute path').default('/etc/mksysb-vault/id_ed25519'),
    /** @default '/etc/mksysb-vault/known_hosts' */
    knownHostsPath: z.string().regex(PATH, 'not an absolute path').default('/etc/mksysb-vault/known_hosts'),
    /** Spare disks the restore may overwrite (never one in a volume group: refused). */
    disks: z.array(DiskNameSchema).min(1, 'a test LPAR needs at least one spare disk').max(16),
    /**
     * Where the image is downloaded before alt_disk_mksysb reads it: a filesystem with room for the
     * largest image, never / or /tmp. @default '/restoretest'
     */
    workDir: z
      .string()
      .regex(PATH, 'not an absolute path')
      .refine((p) => !['/', '/tmp', '/tmp/'].includes(p), 'never / or /tmp')
      .default('/restoretest'),
  })
  .strict();
export type RestoreTestTarget = z.infer<typeof RestoreTestTargetSchema>;

export const RestoreTestSettingsSchema = z
  .object({
    /** Run restore tests at all. @default false */
    enabled: z.boolean().default(false),
    /**
     * When the restore-test run starts (EventBridge Scheduler cron, in schedule.timeZone); each run
     * tests the hosts that are due. @default 'cron(0 10 ? * SAT *)' (Saturday 10:00, away from the weekly backup)
     */
    cron: z
      .string()
      .regex(/^cron\((\S+ ){5}\S+\)$/, 'an EventBridge Scheduler cron(…) with 6 fields')
      .default('cron(0 10 ? * SAT *)'),
    /** A host is tested again this many days after its last test (monthly). @default 28 */
    intervalDays: z.number().int().min(1).max(366).default(28),
    /** At most this many tests on one test LPAR in one run, one after the other. @default 2 */
    maxTestsPerTargetPerRun: z.number().int().min(1).max(50).default(2),
    /** A host without a PASS restore test within this many days is RESTORE_TEST_OVERDUE. @default 45 */
    windowDays: z.number().int().min(1).max(3660).default(45),
    /** The test LPARs. @default [] */
    targets: z.array(RestoreTestTargetSchema).default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.enabled && s.targets.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['targets'],
        message: 'restore tests are enabled without a test LPAR',
      });
    if (s.windowDays < s.intervalDays)
      ctx.addIssue({
        code: 'custom',
        path: ['windowDays'],
        message: `${s.windowDays} days is shorter than intervalDays (${s.intervalDays}): every host would be overdue before its next test`,
      });
    const seen = new Set<string>();
    s.targets.forEach((t, i) => {
      if (seen.has(t.host))
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'host'],
          message: `test LPAR "${t.host}" is listed twice`,
        });
      seen.add(t.host);
      if (new Set(t.disks).size !== t.disks.length)
        ctx.addIssue({ code: 'custom', path: ['targets', i, 'disks'], message: 'a disk is listed twice' });
    });
  });
export type RestoreTestSettings = z.infer<typeof RestoreTestSettingsSchema>;
export const DEFAULT_RESTORE_TEST_SETTINGS: RestoreTestSettings = RestoreTestSettingsSchema.parse({});

/** What one restore test looked at: its name, whether it held, and what was seen. */
export const RestoreCheckSchema = z
  .object({
    name: z.enum([
      'target_reachable',
      'disk_free',
      'download',
      'sha256',
      'alt_disk_mksysb',
      'wake',
      'oslevel',
      'key_files',
      'cleanup',
    ]),
    ok: z.boolean(),
    detail: z.string(),
  })
  .strict();
export type RestoreCheck = z.infer<typeof RestoreCheckSchema>;

/** The result of one restore test, as written into the tested image's record. */
export const RestoreTestResultSchema = z
  .object({
    result: z.enum(['PASS', 'FAIL']),
    /** Why it failed (null for PASS). */
    reason: z.string().nullable(),
    startedAt: IsoDateSchema,
    finishedAt: IsoDateSchema,
    /**
     * Seconds from the start of the download to the woken alternate rootvg: how long rebuilding this
     * host from this image takes (an RTO figure); null when the restore did not complete.
     */
    rtoSeconds: z.number().int().nonnegative().nullable(),
    target: z.object({ host: HostNameSchema, disk: DiskNameSchema }).strict(),
    runId: z.string().min(1),
    checks: z.array(RestoreCheckSchema),
  })
  .strict();
export type RestoreTestResult = z.infer<typeof RestoreTestResultSchema>;

/**
 * What status, the report and the evidence show of an image's restore tests: the newest test, and
 * when it last passed (the catalog index keeps this; the record keeps every test).
 */
export const RestoreTestSummarySchema = z
  .object({
    result: z.enum(['PASS', 'FAIL']),
    reason: z.string().nullable(),
    finishedAt: IsoDateSchema,
    rtoSeconds: z.number().int().nonnegative().nullable(),
    target: z.object({ host: HostNameSchema, disk: DiskNameSchema }).strict(),
    /** The newest PASS test's end; null: never passed. */
    lastPassAt: IsoDateSchema.nullable(),
    /**
     * The newest test's first failed check, the one its reason names (failedCheckOf); null for a PASS
     * or a test that stopped before any check failed. Absent in an index entry written before it was
     * kept: such a FAIL is not known to disprove the image.
     */
    failedCheck: RestoreCheckSchema.shape.name.nullable().optional(),
  })
  .strict();
export type RestoreTestSummary = z.infer<typeof RestoreTestSummarySchema>;

/**
 * The checks whose failure proves the image itself wrong, not the test rig: the bytes S3 holds are not
 * the ones recorded (sha256), or the system they restore is not the one recorded (oslevel) or lacks
 * what boots it (key_files). An unreachable test LPAR, a disk in use, a failed download or an
 * alt_disk_mksysb or wake that failed (the spare disk, the test LPAR's filesets) only leave the image
 * unproven.
 */
export const IMAGE_DISPROVING_CHECKS: readonly RestoreCheck['name'][] = ['sha256', 'oslevel', 'key_files'];

/** The first failed check of a test, clean-up aside (a failed clean-up does not fail the image). */
export function failedCheckOf(checks: readonly RestoreCheck[]): RestoreCheck | undefined {
  return checks.find((c) => c.name !== 'cleanup' && !c.ok);
}

/** Whether an image's newest restore test proved the image wrong (IMAGE_DISPROVING_CHECKS). */
export function restoreTestDisproves(test: RestoreTestSummary | null): boolean {
  return (
    test?.result === 'FAIL' && test.failedCheck != null && IMAGE_DISPROVING_CHECKS.includes(test.failedCheck)
  );
}

/** The summary of a record's tests; null when it has none. */
export function restoreTestSummaryOf(
  tests: readonly RestoreTestResult[] | undefined,
): RestoreTestSummary | null {
  if (!tests || tests.length === 0) return null;
  const byStart = [...tests].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
  const last = byStart.at(-1) as RestoreTestResult;
  const pass = byStart.filter((t) => t.result === 'PASS').at(-1);
  return {
    result: last.result,
    reason: last.reason,
    finishedAt: last.finishedAt,
    rtoSeconds: last.rtoSeconds,
    target: last.target,
    lastPassAt: pass?.finishedAt ?? null,
    failedCheck: last.result === 'FAIL' ? (failedCheckOf(last.checks)?.name ?? null) : null,
  };
}

/** The summary of an image as the fleet-wide readers hold it: an index entry's, or a record's tests. */
export function restoreTestOfImage(image: object): RestoreTestSummary | null {
  if ('restoreTest' in image) return (image as { restoreTest?: RestoreTestSummary }).restoreTest ?? null;
  if ('restoreTests' in image)
    return restoreTestSummaryOf((image as { restoreTests?: RestoreTestResult[] }).restoreTests);
  return null;
}

/** Tests kept in one record: the newest ones (a host tested monthly keeps a year). */
export const RESTORE_TESTS_KEPT = 12;

/** The image a host's test would restore: its newest PASS mksysb in the store. */
export interface RestoreCandidate {
  readonly host: string;
  readonly key: string;
  readonly date: string;
  readonly sha256: string | null;
  readonly osLevel: string | null;
  readonly sizeBytes: number;
}

/** The host's last test, from the restoreTests of its records (any image). */
export interface LastRestoreTest {
  readonly key: string;
  readonly test: RestoreTestResult;
}

export interface RestoreTestHost {
  readonly host: string;
  /** Its newest PASS mksysb image in the store; null: nothing to test. */
  readonly candidate: RestoreCandidate | null;
  readonly last: LastRestoreTest | null;
}

/** One test of a run: which image, on which test LPAR and disk. */
export interface PlannedRestoreTest {
  readonly candidate: RestoreCandidate;
  readonly target: RestoreTestTarget;
  readonly disk: string;
  /** Why it is due, for people. */
  readonly why: string;
}

export interface RestoreTestPlan {
  readonly tests: PlannedRestoreTest[];
  /** Hosts due that did not fit this run (each target's cap): they come first next run. */
  readonly deferred: string[];
  /** Hosts with no PASS image to test. */
  readonly nothingToTest: string[];
}

/** Why the host is due now, or null when it is not. */
export function dueReason(host: RestoreTestHost, now: Date, intervalDays: number): string | null {
  if (!host.candidate) return null;
  if (!host.last) return 'never restore-tested';
  const ageDays = (now.getTime() - Date.parse(host.last.test.startedAt)) / DAY_MS;
  if (ageDays >= intervalDays) return `last test ${Math.floor(ageDays)} days ago (every ${intervalDays})`;
  if (host.last.test.result === 'FAIL' && host.last.key !== host.candidate.key)
    return `last test FAILED on ${host.last.key}; a newer PASS image to try`;
  return null;
}

/**
 * The run's tests: the due hosts, oldest last test first (never tested first of all, then by host
 * name), dealt round-robin over the targets, each target's disks in turn, at most
 * maxTestsPerTargetPerRun per target. A target's tests run one after the other (one spare disk at a
 * time is plenty of load for an LPAR that is also someone's test system).
 */
export function planRestoreTests(
  hosts: readonly RestoreTestHost[],
  settings: Pick<RestoreTestSettings, 'intervalDays' | 'maxTestsPerTargetPerRun' | 'targets'>,
  now: Date,
): RestoreTestPlan {
  const due = hosts
    .map((h) => ({ h, why: dueReason(h, now, settings.intervalDays) }))
    .filter((d): d is { h: RestoreTestHost & { candidate: RestoreCandidate }; why: string } => d.why !== null)
    .sort((a, b) => {
      const at = a.h.last ? Date.parse(a.h.last.test.startedAt) : Number.NEGATIVE_INFINITY;
      const bt = b.h.last ? Date.parse(b.h.last.test.startedAt) : Number.NEGATIVE_INFINITY;
      return at !== bt ? at - bt : a.h.host < b.h.host ? -1 : a.h.host > b.h.host ? 1 : 0;
    });
  const capacity = settings.targets.length * settings.maxTestsPerTargetPerRun;
  const tests: PlannedRestoreTest[] = due.slice(0, capacity).map((d, i) => {
    const target = settings.targets[i % settings.targets.length] as RestoreTestTarget;
    const round = Math.floor(i / settings.targets.length);
    return {
      candidate: d.h.candidate,
      target,
      disk: target.disks[round % target.disks.length] as string,
      why: d.why,
    };
  });
  return {
    tests,
    deferred: due.slice(capacity).map((d) => d.h.host),
    nothingToTest: hosts
      .filter((h) => !h.candidate)
      .map((h) => h.host)
      .sort(),
  };
}

/** The newest test among a host's records' tests, with the image it tested. */
export function lastRestoreTest(
  records: readonly { readonly key: string; readonly restoreTests?: readonly RestoreTestResult[] }[],
): LastRestoreTest | null {
  let last: LastRestoreTest | null = null;
  for (const r of records)
    for (const test of r.restoreTests ?? [])
      if (!last || Date.parse(test.startedAt) > Date.parse(last.test.startedAt)) last = { key: r.key, test };
  return last;
}

/** The newest PASS test among a host's records' tests. */
export function lastPassingRestoreTest(
  records: readonly { readonly key: string; readonly restoreTests?: readonly RestoreTestResult[] }[],
): LastRestoreTest | null {
  return lastRestoreTest(
    records.map((r) => ({
      key: r.key,
      restoreTests: (r.restoreTests ?? []).filter((t) => t.result === 'PASS'),
    })),
  );
}

/**
 * What a host's catalog index entries remember of restore tests (lambdas/core/catalog-index.ts keeps
 * each tested image's newest test, and keeps it when retention retires the image): with the records'
 * full tests this is the host's restore-test history even after the tested images are gone.
 */
export interface IndexedRestoreTests {
  readonly key: string;
  readonly date: string;
  readonly restoreTest?: RestoreTestSummary | undefined;
}

/** The newer of the records' last test and the index entries' (a summary stands in for the test). */
export function lastRestoreTestWithIndex(
  fromRecords: LastRestoreTest | null,
  entries: readonly IndexedRestoreTests[],
): LastRestoreTest | null {
  let last = fromRecords;
  for (const e of entries) {
    const t = e.restoreTest;
    if (!t || (last && Date.parse(last.test.startedAt) >= Date.parse(t.finishedAt))) continue;
    last = {
      key: e.key,
      test: {
        result: t.result,
        reason: t.reason,
        startedAt: t.finishedAt,
        finishedAt: t.finishedAt,
        rtoSeconds: t.rtoSeconds,
        target: t.target,
        runId: '(catalog index)',
        checks: [],
      },
    };
  }
  return last;
}

/** The newest PASS of the records and the index entries (ISO), or null. */
export function lastRestorePassWithIndex(
  fromRecords: string | null,
  entries: readonly IndexedRestoreTests[],
): string | null {
  let last = fromRecords;
  for (const e of entries) {
    const pass = e.restoreTest?.lastPassAt ?? null;
    if (pass && (!last || Date.parse(pass) > Date.parse(last))) last = pass;
  }
  return last;
}

/** A record's tests with `test` added, newest last, at most RESTORE_TESTS_KEPT (a repeat replaces its twin). */
export function withRestoreTest(
  tests: readonly RestoreTestResult[] | undefined,
  test: RestoreTestResult,
): RestoreTestResult[] {
  const others = (tests ?? []).filter((t) => !(t.runId === test.runId && t.startedAt === test.startedAt));
  return [...others, test]
    .sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt))
    .slice(-RESTORE_TESTS_KEPT);
}

// ---------------------------------------------------------------------------------------------
// What restore-test.sh prints (docs/host-protocol.md's key=value lines).

// A count as the script prints it (digits), or as it is after parsing (the facts pass through the
// state machine and are read again by the record step).
const uint = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);
const okFailed = z.enum(['ok', 'failed', 'skipped']);

/** The facts the host script reports, each optional: a test cut short reports what it reached. */
export const RestoreTestFactsSchema = z
  .object({
    status: z.string(),
    reason: z.string().optional(),
    disk: z.string().optional(),
    /** lspv's VOLUME GROUP column for the disk: `None` when it is free. */
    diskVg: z.string().optional(),
    download: okFailed.optional(),
    downloadBytes: uint.optional(),
    sha256: z.string().optional(),
    altDiskMksysbExit: uint.optional(),
    altDiskMksysbMessage: z.string().optional(),
    restoreSeconds: uint.optional(),
    wake: okFailed.optional(),
    oslevel: z.string().optional(),
    keyFilesChecked: uint.optional(),
    keyFilesMissing: z.string().optional(),
    cleanup: okFailed.optional(),
    cleanupMessage: z.string().optional(),
  })
  .strict();
export type RestoreTestFacts = z.infer<typeof RestoreTestFactsSchema>;

const FACT_KEYS: Readonly<Record<string, keyof RestoreTestFacts>> = {
  status: 'status',
  reason: 'reason',
  disk: 'disk',
  disk_vg: 'diskVg',
  download: 'download',
  download_bytes: 'downloadBytes',
  sha256: 'sha256',
  alt_disk_mksysb_exit: 'altDiskMksysbExit',
  alt_disk_mksysb_message: 'altDiskMksysbMessage',
  restore_seconds: 'restoreSeconds',
  wake: 'wake',
  oslevel: 'oslevel',
  key_files_checked: 'keyFilesChecked',
  key_files_missing: 'keyFilesMissing',
  cleanup: 'cleanup',
  cleanup_message: 'cleanupMessage',
};

export class RestoreTestOutputError extends Error {
  override name = 'RestoreTestOutputError';
}

/** Reads restore-test.sh's stdout (the last value of a key wins, as for every step). */
export function parseRestoreTestOutput(stdout: string, source = 'restore-test output'): RestoreTestFacts {
  const raw: Record<string, string> = {};
  let step: string | undefined;
  for (const line of stdout.split('\n')) {
    const m = /^([a-z][a-z0-9_.-]*)=(.*)$/.exec(line.replace(/\r$/, ''));
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'mksysb-vault.step') step = value;
    const field = FACT_KEYS[key];
    if (field) raw[field] = value;
  }
  if (step !== 'restore-test')
    throw new RestoreTestOutputError(`${source}: no "mksysb-vault.step=restore-test" line`);
  const parsed = RestoreTestFactsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RestoreTestOutputError(`${source}: field "${issue?.path.join('.')}": ${issue?.message}`);
  }
  return parsed.data;
}

/** What the test expected of the image: its record's checksum and OS level. */
export interface RestoreExpectation {
  readonly sha256: string | null;
  readonly osLevel: string | null;
}

/** The key files a restored rootvg must hold (checked under /alt_inst by the script). */
export const RESTORE_KEY_FILES = [
  '/unix',
  '/etc/filesystems',
  '/etc/inittab',
  '/etc/passwd',
  '/usr/lib/boot/unix_64',
  '/sbin/rc.boot',
] as const;

/**
 * The checks a finished host run adds up to, and PASS only when every check about the image held:
 * the disk was free, the download's SHA-256 is the record's, alt_disk_mksysb exited 0, the alternate
 * rootvg woke, its `oslevel -s` is the record's and every key file is there. A failed clean-up is
 * recorded as a failed check (the next test of that disk will be refused until it is cleaned) but
 * does not fail the image.
 */
export function judgeRestoreTest(
  facts: RestoreTestFacts,
  expected: RestoreExpectation,
): { result: 'PASS' | 'FAIL'; reason: string | null; checks: RestoreCheck[] } {
  const checks: RestoreCheck[] = [
    { name: 'target_reachable', ok: true, detail: 'the script ran on the test LPAR' },
  ];
  const add = (name: RestoreCheck['name'], ok: boolean, detail: string) => checks.push({ name, ok, detail });
  if (facts.diskVg !== undefined)
    add(
      'disk_free',
      facts.diskVg === 'None',
      facts.diskVg === 'None'
        ? `${facts.disk ?? 'disk'} in no volume group`
        : `${facts.disk ?? 'disk'} is in volume group ${facts.diskVg}`,
    );
  if (facts.download !== undefined)
    add(
      'download',
      facts.download === 'ok',
      `${facts.download}${facts.downloadBytes !== undefined ? `, ${facts.downloadBytes} bytes` : ''}`,
    );
  if (facts.sha256 !== undefined)
    add(
      'sha256',
      expected.sha256 === null || facts.sha256 === expected.sha256,
      expected.sha256 === null
        ? `${facts.sha256} (the record has none to compare)`
        : facts.sha256 === expected.sha256
          ? 'matches the record'
          : `${facts.sha256}, the record says ${expected.sha256}`,
    );
  if (facts.altDiskMksysbExit !== undefined)
    add(
      'alt_disk_mksysb',
      facts.altDiskMksysbExit === 0,
      `exit ${facts.altDiskMksysbExit}${facts.altDiskMksysbMessage ? `: ${facts.altDiskMksysbMessage}` : ''}${facts.restoreSeconds !== undefined ? ` (${facts.restoreSeconds} s)` : ''}`,
    );
  if (facts.wake !== undefined) add('wake', facts.wake === 'ok', `alt_rootvg_op -W: ${facts.wake}`);
  if (facts.oslevel !== undefined) {
    const agree = expected.osLevel === null || osLevelsAgree(facts.oslevel, expected.osLevel);
    add(
      'oslevel',
      agree,
      agree
        ? `oslevel -s ${facts.oslevel}${expected.osLevel ? ` (the record: ${expected.osLevel})` : ''}`
        : `oslevel -s ${facts.oslevel}, the record says ${expected.osLevel}`,
    );
  }
  if (facts.keyFilesChecked !== undefined)
    add(
      'key_files',
      !facts.keyFilesMissing,
      facts.keyFilesMissing ? `missing: ${facts.keyFilesMissing}` : `${facts.keyFilesChecked} present`,
    );
  if (facts.cleanup !== undefined)
    add(
      'cleanup',
      facts.cleanup !== 'failed',
      `${facts.cleanup}${facts.cleanupMessage ? `: ${facts.cleanupMessage}` : ''}`,
    );

  const failed = failedCheckOf(checks);
  const reached = new Set(checks.map((c) => c.name));
  const complete = ['alt_disk_mksysb', 'wake', 'oslevel', 'key_files'].every((n) =>
    reached.has(n as RestoreCheck['name']),
  );
  if (facts.status === 'ok' && !failed && complete) return { result: 'PASS', reason: null, checks };
  const reason = failed
    ? `${failed.name}: ${failed.detail}`
    : `the test stopped early (status ${facts.status}${facts.reason ? `: ${facts.reason}` : ''})`;
  return { result: 'FAIL', reason, checks };
}

/**
 * Whether `oslevel -s` of the restored system (`7200-05-03-2148`) is the level the record holds,
 * which is lsmksysb's BACKUP OSLEVEL (`7.2.5.3`: version, release, technology level, service pack)
 * or an `oslevel -s` string: compared on what both forms say. Unknown forms agree only when equal.
 */
export function osLevelsAgree(restored: string, recorded: string): boolean {
  if (restored.trim() === recorded.trim()) return true;
  const a = osLevelParts(restored);
  const b = osLevelParts(recorded);
  if (!a || !b) return false;
  const vrmf = (p: { form: 'tl' | 'vrmf'; parts: number[] }) =>
    p.form === 'vrmf' ? p.parts.slice(0, 4) : [p.parts[0], p.parts[1], p.parts[4] ?? 0, p.parts[5] ?? 0];
  if (a.form === b.form) {
    const n = Math.min(a.parts.length, b.parts.length);
    return a.parts.slice(0, n).every((v, i) => v === b.parts[i]);
  }
  const va = vrmf(a);
  const vb = vrmf(b);
  return va.every((v, i) => v === (vb[i] ?? 0));
}

/** A test that never ran its script (the test LPAR unreachable, SSM refused it): FAIL, the reason said. */
export function unreachableChecks(reason: string): RestoreCheck[] {
  return [{ name: 'target_reachable', ok: false, detail: reason }];
}

// ---------------------------------------------------------------------------------------------
// RESTORE_TEST_OVERDUE: the daily freshness check's view.

export interface RestoreOverdue {
  readonly host: string;
  /** The newest PASS test's start; null when the host never passed one. */
  readonly lastPassAt: string | null;
  readonly ageDays: number | null;
}

/**
 * The hosts (of those with an image to test) without a PASS restore test within `windowDays`. A host
 * first backed up less than `windowDays` ago is not overdue yet: its window starts with its image.
 */
export function overdueRestoreTests(
  hosts: readonly { host: string; firstImageDate: string | null; lastPassAt: string | null }[],
  now: Date,
  windowDays: number,
): RestoreOverdue[] {
  const out: RestoreOverdue[] = [];
  for (const h of [...hosts].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))) {
    if (h.firstImageDate === null) continue;
    const since = h.lastPassAt ?? h.firstImageDate;
    const ageMs = now.getTime() - Date.parse(since);
    if (ageMs <= windowDays * DAY_MS) continue;
    out.push({
      host: h.host,
      lastPassAt: h.lastPassAt,
      ageDays: h.lastPassAt === null ? null : Math.floor(ageMs / DAY_MS),
    });
  }
  return out;
}
