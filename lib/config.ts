// The deploy config: one JSON file (path from CDK context `mksysb-vault:config`, default
// config/example.config.json) that says which LPARs are backed up, when, how strictly they are judged,
// how long images are kept and who is told. Validated once here; a bad file gives one ConfigError
// that names every bad field by its path. schema/mksysb-vault.config.schema.json is generated from it.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { HostNameSchema } from '../lambdas/core/catalog-keys.js';
import {
  EXCLUDE_LIST_MAX_BYTES,
  EXCLUDE_LIST_MAX_LINES,
  ExcludeListSchema,
  excludeListText,
} from '../lambdas/core/exclude-list.js';
import { describeIssues, FleetSchema } from '../lambdas/core/fleet.js';
import { DEFAULT_FORECAST_SETTINGS, ForecastSettingsSchema } from '../lambdas/core/forecast.js';
import { CronError, nextRunOf, parseCron } from '../lambdas/core/next-run.js';
import { VerificationPolicySchema } from '../lambdas/core/policy.js';
import { DEFAULT_RESTORE_TEST_SETTINGS, RestoreTestSettingsSchema } from '../lambdas/core/restore-test.js';
import { RetentionPolicySchema } from '../lambdas/core/retention-plan.js';

export const DEFAULT_CONFIG_PATH = 'config/example.config.json';
export const CONFIG_CONTEXT_KEY = 'mksysb-vault:config';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const MiB = 1024 * 1024;

/** EventBridge Scheduler cron: six fields, `cron(min hour day-of-month month day-of-week year)`. */
const SCHEDULER_CRON = /^cron\((\S+ ){5}\S+\)$/;

/** Scheduler's first year: "never fires" means in none of its years, whatever today is. */
const SCHEDULER_EPOCH = new Date(Date.UTC(1970, 0, 1));

/**
 * Why CreateSchedule would refuse a Scheduler cron (lambdas/core/next-run.ts holds Scheduler's rules), or why
 * it would never fire; null when it is fine. Checked here, naming the field, rather than by
 * CloudFormation half-way through a deploy, or by a weekly backup that silently never runs.
 */
function schedulerCronProblem(expression: string, timeZone: string): string | null {
  try {
    const schedule = parseCron(expression);
    if (nextRunOf(schedule, timeZone, SCHEDULER_EPOCH) === null)
      return `${expression} never fires: no day in any year matches it`;
    return null;
  } catch (error) {
    if (error instanceof CronError) return `${expression}: ${error.message}`;
    throw error;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const ScheduleSchema = z
  .object({
    /** When the weekly run starts. @default 'cron(1 2 ? * MON *)' (Monday 02:01) */
    cron: z
      .string()
      .regex(SCHEDULER_CRON, 'an EventBridge Scheduler cron(…) with 6 fields')
      .default('cron(1 2 ? * MON *)'),
    /** IANA time zone the cron is read in. @default 'UTC' */
    timeZone: z.string().refine(isTimeZone, 'not an IANA time zone (e.g. Europe/Paris)').default('UTC'),
    /** When the daily freshness check runs. @default 'cron(0 8 * * ? *)' */
    freshnessCron: z
      .string()
      .regex(SCHEDULER_CRON, 'an EventBridge Scheduler cron(…) with 6 fields')
      .default('cron(0 8 * * ? *)'),
    /** A host without a PASS image younger than this is reported (HOST_MISSED / STALE). @default 8 */
    maxImageAgeDays: z.number().int().min(1).max(366).default(8),
    /** Turn the schedules off (the workflow can still be started by hand). @default true */
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((schedule, ctx) => {
    // Each field's regex has already refused what is not six fields; a bad zone is its own issue.
    if (!isTimeZone(schedule.timeZone)) return;
    for (const field of ['cron', 'freshnessCron'] as const) {
      const problem = SCHEDULER_CRON.test(schedule[field])
        ? schedulerCronProblem(schedule[field], schedule.timeZone)
        : null;
      if (problem) ctx.addIssue({ code: 'custom', path: [field], message: problem });
    }
  });

/**
 * The longest presigned URL lifetime the signer can honour. prepare-upload signs with its Lambda
 * role's temporary credentials; a URL signed with temporary credentials expires when they do, and
 * a service that assumes a role (the Lambda execution role) does not necessarily follow the role's
 * session duration (AWS knowledge center: "Why is my presigned URL for an Amazon S3 bucket expiring
 * before the expiration time that I specified?", which gives six hours for instance-profile
 * credentials). Six hours is far beyond any one transfer attempt (8 GiB at 20 MiB/s: 7 minutes), and
 * an attempt whose URLs die anyway is resumed with fresh ones (the workflow's transfer retry).
 */
export const URL_EXPIRY_MAX_SECONDS = 21_600;

export const TransferSchema = z
  .object({
    /** Multipart part size; raised automatically so an image never needs more than 10,000 parts. @default 64 */
    partSizeMiB: z.number().int().min(8).max(5120).default(64),
    /** Parts in flight at once per image. @default 4 */
    parallelParts: z.number().int().min(1).max(32).default(4),
    /** Attempts per part before the part counts as failed. @default 5 */
    partRetries: z.number().int().min(1).max(20).default(5),
    /** First back-off between a part's attempts, doubled each time. @default 2 */
    retryDelaySeconds: z.number().int().min(0).max(300).default(2),
    /**
     * Lifetime of each presigned part and sidecar URL. At most URL_EXPIRY_MAX_SECONDS: the URLs are
     * signed with prepare-upload's Lambda role credentials, and a URL signed with temporary
     * credentials dies with them whatever its expiry says. @default 21600 (6 hours)
     */
    urlExpirySeconds: z
      .number()
      .int()
      .min(60)
      .max(
        URL_EXPIRY_MAX_SECONDS,
        `at most ${URL_EXPIRY_MAX_SECONDS} (6 hours): the URLs are signed with the prepare-upload Lambda's temporary role credentials, and a presigned URL expires when they do, even if it was created with a later expiry (AWS knowledge center, presigned-url-s3-bucket-expiration); a transfer that outlives its URLs is resumed with fresh ones`,
      )
      .default(21_600),
  })
  .strict();

export const WorkflowSchema = z
  .object({
    /** Hosts backed up at the same time. @default 10 */
    maxConcurrency: z.number().int().min(1).max(1000).default(10),
    /** The longest a mksysb may run before SSM stops it. @default 21600 */
    backupTimeoutSeconds: z.number().int().min(600).max(172_800).default(21_600),
    /** The longest a transfer may run before SSM stops it. @default 21600 */
    transferTimeoutSeconds: z.number().int().min(600).max(172_800).default(21_600),
    /** Free staging space preflight demands, as a multiple of the expected image size. @default 1.5 */
    stagingSizeFactor: z.number().min(1).max(10).default(1.5),
  })
  .strict();

export const StorageSchema = z
  .object({
    /** Bucket name; omit to let CloudFormation name it. */
    bucketName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not an S3 bucket name')
      .optional(),
    /** Days after which images move to a colder class; 0 = never. @default 30 */
    coldTransitionDays: z.number().int().min(0).max(3650).default(30),
    /** The colder class. @default 'GLACIER_IR' (restores in milliseconds, unlike GLACIER) */
    coldStorageClass: z.enum(['STANDARD_IA', 'GLACIER_IR', 'INTELLIGENT_TIERING']).default('GLACIER_IR'),
    /** Incomplete multipart uploads are aborted after this many days. @default 3 */
    abortIncompleteUploadDays: z.number().int().min(1).max(30).default(3),
    /** Noncurrent versions (after retention deletes) are expired after this many days. @default 7 */
    noncurrentVersionDays: z.number().int().min(1).max(3650).default(7),
    /**
     * Upload hand-offs (`uploads/`: manifests and transfer reports, read by nothing after their run)
     * expire after this many days; at least 8, so a manifest outlives the longest presigned URL (7
     * days) it holds. @default 14
     */
    uploadsExpireDays: z.number().int().min(8).max(3650).default(14),
    /** Quarantined uploads (`quarantine/`) expire after this many days, once people had time to look; 0 = never. @default 90 */
    quarantineExpireDays: z.number().int().min(0).max(3650).default(90),
    /** Object Lock on new images. Off by default; COMPLIANCE cannot be undone by anyone. */
    objectLock: z
      .object({
        mode: z.enum(['off', 'GOVERNANCE', 'COMPLIANCE']).default('off'),
        days: z.number().int().min(1).max(3650).default(21),
      })
      .strict()
      .default({ mode: 'off', days: 21 }),
  })
  .strict();

export const AlertsSchema = z
  .object({
    /** E-mail addresses subscribed to the alert topic. @default [] */
    emails: z.array(z.email('not an e-mail address')).default([]),
    /** Lowest severity that is published per anomaly; the run digest is always sent. @default 'warn' */
    minSeverity: z.enum(['info', 'warn', 'fail']).default('warn'),
  })
  .strict();

/**
 * An exclude list shared by several hosts: its patterns go into each listed host's /etc/exclude.rootvg,
 * before the host's own `exclude` (duplicates once). A host may be in several groups.
 */
export const ExcludeGroupSchema = z
  .object({
    /** Names the group in errors and in the README's examples. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a group name: letters, digits, . _ -'),
    /** The fleet's host names the group applies to. */
    hosts: z.array(HostNameSchema).min(1, 'a group applies to at least one host'),
    /** grep patterns on `./path` names, as in /etc/exclude.rootvg (e.g. `^./tmp/`). */
    patterns: ExcludeListSchema.min(1, 'a group has at least one pattern'),
  })
  .strict();
export type ExcludeGroup = z.infer<typeof ExcludeGroupSchema>;

/** Each host's list: its groups' patterns (in the order of excludeGroups), then its own, each once. */
function withGroupPatterns<
  C extends { fleet: { host: string; exclude: string[] }[]; excludeGroups: ExcludeGroup[] },
>(config: C): C {
  if (config.excludeGroups.length === 0) return config;
  const fleet = config.fleet.map((h) => {
    const groups = config.excludeGroups.filter((g) => g.hosts.includes(h.host));
    if (groups.length === 0) return h;
    return { ...h, exclude: [...new Set([...groups.flatMap((g) => g.patterns), ...h.exclude])] };
  });
  return { ...config, fleet };
}

export const DeployConfigSchema = z
  .object({
    /** Editors' JSON Schema reference; ignored. */
    $schema: z.string().optional(),
    /** Names the stack and prefixes resource names. @default 'MksysbVault' */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name')
      .default('MksysbVault'),
    /** AWS account and region; omit for an environment-agnostic stack. */
    env: z
      .object({
        account: z
          .string()
          .regex(/^\d{12}$/, '12 digits')
          .optional(),
        region: z.string().optional(),
      })
      .strict()
      .optional(),
    fleet: FleetSchema,
    /**
     * Exclude lists shared by groups of hosts (see the fleet's `exclude` for one host's own). @default []
     */
    excludeGroups: z.array(ExcludeGroupSchema).default([]),
    /**
     * The SSM Parameter Store path the fleet is written under (a few JSON parameters); the workflow reads
     * every parameter below it at each run, so `aws ssm put-parameter --name <path>/<host> --value '{…}'`
     * adds a host without a redeploy. @default '/mksysb-vault/fleet/'
     */
    fleetParameterPath: z
      .string()
      .regex(/^(\/[A-Za-z0-9_.-]{1,200})+\/$/, 'an SSM parameter path like /mksysb-vault/fleet/')
      .default('/mksysb-vault/fleet/'),
    schedule: ScheduleSchema.default(ScheduleSchema.parse({})),
    verification: VerificationPolicySchema.default(VerificationPolicySchema.parse({})),
    retention: RetentionPolicySchema.default(RetentionPolicySchema.parse({})),
    transfer: TransferSchema.default(TransferSchema.parse({})),
    workflow: WorkflowSchema.default(WorkflowSchema.parse({})),
    storage: StorageSchema.default(StorageSchema.parse({})),
    alerts: AlertsSchema.default(AlertsSchema.parse({})),
    /** When to warn of a staging filesystem filling up, and the S3 prices the bucket forecast uses. */
    forecast: ForecastSettingsSchema.default(DEFAULT_FORECAST_SETTINGS),
    /**
     * Scheduled restore tests: each host's newest PASS mksysb put on a spare disk of a test LPAR with
     * alt_disk_mksysb, checked and removed (README "Restore testing"). Off by default.
     */
    restoreTests: RestoreTestSettingsSchema.default(DEFAULT_RESTORE_TEST_SETTINGS),
  })
  .strict()
  .superRefine((config, ctx) => {
    const lock = config.storage.objectLock;
    // The design: Object Lock never outlives what the policy keeps. A weekly image that is not also a
    // monthly keeper leaves after `weekly` weeks; a longer lock would only make retention wait.
    if (lock.mode !== 'off' && lock.days > config.retention.weekly * 7)
      ctx.addIssue({
        code: 'custom',
        path: ['storage', 'objectLock', 'days'],
        message: `${lock.days} days outlives the ${config.retention.weekly * 7} days retention keeps weekly images (retention.weekly = ${config.retention.weekly})`,
      });
    // The restore tests' cron, read in the schedule's zone, checked as the schedule's own are.
    const restoreCron = config.restoreTests.cron;
    const restoreProblem = isTimeZone(config.schedule.timeZone)
      ? schedulerCronProblem(restoreCron, config.schedule.timeZone)
      : null;
    if (restoreProblem)
      ctx.addIssue({ code: 'custom', path: ['restoreTests', 'cron'], message: restoreProblem });
    const hosts = new Set(config.fleet.map((h) => h.host));
    const names = new Map<string, number>();
    config.excludeGroups.forEach((group, g) => {
      const first = names.get(group.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['excludeGroups', g, 'name'],
          message: `exclude group "${group.name}" is defined twice (also at excludeGroups[${first}])`,
        });
      else names.set(group.name, g);
      group.hosts.forEach((host, h) => {
        if (!hosts.has(host))
          ctx.addIssue({
            code: 'custom',
            path: ['excludeGroups', g, 'hosts', h],
            message: `exclude group "${group.name}": host "${host}" is not in the fleet`,
          });
      });
    });
    // The merged list must still fit the parameter that carries it to the host.
    withGroupPatterns(config).fleet.forEach((h, index) => {
      const groups = config.excludeGroups.filter((g) => g.hosts.includes(h.host)).map((g) => `"${g.name}"`);
      if (groups.length === 0) return;
      const bytes = excludeListText(h.exclude).length;
      if (h.exclude.length > EXCLUDE_LIST_MAX_LINES || bytes > EXCLUDE_LIST_MAX_BYTES)
        ctx.addIssue({
          code: 'custom',
          path: ['fleet', index, 'exclude'],
          message: `host "${h.host}": its exclude list with groups ${groups.join(', ')} is ${h.exclude.length} patterns, ${bytes} bytes; at most ${EXCLUDE_LIST_MAX_LINES} patterns and ${EXCLUDE_LIST_MAX_BYTES} bytes reach the host`,
        });
    });
  })
  .transform((config) => withGroupPatterns(config));
export type DeployConfig = z.infer<typeof DeployConfigSchema>;
export type DeployConfigInput = z.input<typeof DeployConfigSchema>;

/** Validate a parsed config; `source` (a file name) prefixes every message. */
export function parseDeployConfig(value: unknown, source: string): DeployConfig {
  const result = DeployConfigSchema.safeParse(value);
  if (!result.success)
    throw new ConfigError(`${source}: invalid config\n${describeIssues(result.error, '', value)}`);
  return result.data;
}

/** Read and validate the config file at `path` (relative to `cwd`). */
export function loadDeployConfig(path: string, cwd = process.cwd()): DeployConfig {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new ConfigError(`${path}: config file not found (looked at ${file})`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseDeployConfig(value, path);
}

/** The multipart part size in bytes. */
export function partSizeBytes(config: DeployConfig): number {
  return config.transfer.partSizeMiB * MiB;
}

/** JSON Schema of the config file, for editors (`"$schema"` in the file). */
export function deployConfigJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://github.com/mksysb-vault/mksysb-vault/schema/mksysb-vault.config.schema.json',
    title: 'mksysb-vault deploy config',
    ...z.toJSONSchema(DeployConfigSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
