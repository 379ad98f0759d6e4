// load-fleet's contract. `fleet`: which hosts this run backs up, as names only, with the run id and the
// week; `weekly` and `inventory` (the freshness check) write those hosts to the store and answer with
// keys and counts. `host` (first step of each host's workflow): one host's SSM document parameters and
// the waits its history suggests. All read the fleet from Parameter Store and the fleet object.
import { z } from 'zod';
import { HostNameSchema, RunIdSchema } from '../core/catalog-keys.js';
import { FleetParameterProblemSchema } from '../core/fleet.js';
import { IsoDateSchema } from '../core/iso-date.js';

export const LoadFleetInputSchema = z.object({
  action: z.literal('fleet').default('fleet'),
  /** `$$.Execution.Name`: the run id is derived from it. */
  executionName: z.string().min(1).max(80),
  /** `$$.Execution.StartTime`. */
  startTime: IsoDateSchema,
  /** What the execution was started with: `{}` from the schedule; a manual run may narrow it. */
  request: z
    .object({
      /** Only these hosts (each must be in the fleet and enabled). */
      hosts: z.array(HostNameSchema).optional(),
      /** A second attempt at the same week: execution names get `-r<attempt>`, so hosts run again. */
      attempt: z.number().int().min(2).max(99).optional(),
    })
    .passthrough()
    .default({}),
});
export type LoadFleetInput = z.infer<typeof LoadFleetInputSchema>;

export const LoadFleetOutputSchema = z.object({
  runId: RunIdSchema,
  /**
   * The run's start time (ISO) in the schedule's time zone, with its offset: the images' date. Its
   * first ten characters are the local day that names the images, claims and run report.
   */
  date: z.string(),
  /** The Monday of the run's week in the schedule's time zone (YYYY-MM-DD). */
  week: z.string(),
  /** Per-host execution names are `<host>-<nameSuffix>`: the week, plus `-r<n>` on a re-attempt. */
  nameSuffix: z.string(),
  /** Enabled host names only: the per-host workflow loads the rest itself (payload stays small). */
  hosts: z.array(HostNameSchema),
  /** Hosts asked for or inventoried that will not be started, with why. */
  notStarted: z.array(z.object({ host: z.string(), reason: z.string() })),
  /** Fleet parameter entries skipped as invalid (also in notStarted): the freshness check alerts on them. */
  fleetProblems: z.array(FleetParameterProblemSchema),
});
export type LoadFleetOutput = z.infer<typeof LoadFleetOutputSchema>;

/**
 * `weekly` (the weekly workflow): what `fleet` returns, with the hosts written to the store instead
 * of the state (lambdas/core/map-run.ts): the Distributed Map reads its items from `fleetKey`.
 */
export const LoadWeeklyOutputSchema = z.object({
  runId: RunIdSchema,
  date: z.string(),
  week: z.string(),
  nameSuffix: z.string(),
  /** The store: the Map reads the snapshot from it and writes its results there. */
  bucket: z.string(),
  /** The run's fleet snapshot: a JSON array of `{ host }`, one per host to start. */
  fleetKey: z.string(),
  /** The hosts asked for or inventoried that will not be started, with why (a JSON array). */
  notStartedKey: z.string(),
  /** Where the Map's ResultWriter writes its manifest and result files. */
  resultsPrefix: z.string(),
  hostCount: z.number().int().nonnegative(),
  notStartedCount: z.number().int().nonnegative(),
});
export type LoadWeeklyOutput = z.infer<typeof LoadWeeklyOutputSchema>;

/**
 * `inventory` (the daily freshness check): the enabled hosts in the run's fleet snapshot and the fleet's
 * problems beside it, as keys and counts; freshness reads them and writes its findings by the run id.
 */
export const LoadInventoryOutputSchema = z.object({
  runId: RunIdSchema,
  date: z.string(),
  /** The run's fleet snapshot: a JSON array of `{ host }`, one per enabled host. */
  fleetKey: z.string(),
  /** The fleet parameter entries skipped as invalid: a JSON array of FleetParameterProblem. */
  fleetProblemsKey: z.string(),
  hostCount: z.number().int().nonnegative(),
  fleetProblemCount: z.number().int().nonnegative(),
});
export type LoadInventoryOutput = z.infer<typeof LoadInventoryOutputSchema>;

export const LoadHostInputSchema = z.object({
  action: z.literal('host'),
  host: HostNameSchema,
  runId: RunIdSchema,
  date: IsoDateSchema,
});
export type LoadHostInput = z.infer<typeof LoadHostInputSchema>;

/** Everything the host's workflow passes to SSM, as strings (SSM document parameters are strings). */
export const HostPlanSchema = z.object({
  managedNodeId: z.string(),
  mode: z.enum(['relay', 'direct']),
  address: z.string(),
  sshUser: z.string(),
  /** A VIOS's shell for padmin (`oem_setup_env`, `ioscli`); '' for an LPAR. */
  viosShell: z.enum(['', 'ioscli', 'oem_setup_env']),
  /** An ioscli VIOS: the relay's NFS export backupios writes to (`<relay>:<dir>`); '' otherwise. */
  nfsExport: z.string().default(''),
  /** An ioscli VIOS: where it mounts the export. */
  nfsMountPoint: z.string().default('/mnt'),
  sshKeyPath: z.string(),
  knownHostsPath: z.string(),
  staging: z.string(),
  volumeGroups: z.string(),
  mksysbFlags: z.string(),
  keepLocal: z.string(),
  /** The host's exclude list as the documents' `excludeList` parameter: hex of the file's bytes, '' for none. */
  excludeList: z.string().regex(/^([0-9a-f]{2})*$/),
  /** The image day (YYYY-MM-DD, the schedule's local day), the backup's `date` parameter. */
  day: z.string(),
  /** Expected size from the last image (or the fleet's seed), for preflight's space check. */
  expectedSizeBytes: z.string(),
  /** Expected mksysb duration, from the last image's timings scaled by size. */
  backupExpectedSeconds: z.number().nonnegative(),
  /** The wait before the backup's first poll. */
  backupWaitSeconds: z.number().int().positive(),
  /** Transfer rate to expect (the last transfer's, or an assumed rate). */
  transferBytesPerSecond: z.number().positive(),
});
export type HostPlan = z.infer<typeof HostPlanSchema>;

export const LoadHostOutputSchema = z.object({
  host: HostNameSchema,
  runId: RunIdSchema,
  date: z.string(),
  plan: HostPlanSchema,
  /** Seeds the first poll loop (preflight). */
  poll: z.object({ nextWaitSeconds: z.number().int().positive() }),
});
export type LoadHostOutput = z.infer<typeof LoadHostOutputSchema>;

export const LoadFleetEnvSchema = z.object({
  FLEET_PARAMETER_PATH: z
    .string()
    .regex(/^(\/[A-Za-z0-9_.-]+)+\/$/, 'a parameter path like /mksysb-vault/fleet/'),
  /** The deploy config's fleet as one S3 object (a CDK file asset), read with the parameters. */
  FLEET_OBJECT_BUCKET: z.string().min(3).optional(),
  FLEET_OBJECT_KEY: z.string().min(1).optional(),
  BUCKET: z.string().min(3),
  /** The schedule's time zone: the week is the Monday of the run's local date. */
  TIME_ZONE: z.string().default('UTC'),
  /** Seconds a host's claim on its day holds if its run dies without giving it up. */
  CLAIM_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 86_400),
});
