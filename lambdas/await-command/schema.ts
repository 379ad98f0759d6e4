// await-command's contract: one poll of an SSM command the workflow sent (which host, which step, how
// long it was expected to take), and a compact answer — done or not, how long to wait before the next
// poll, and on completion the few facts the next states need (never the command's output).
import { z } from 'zod';
import { AnomalySchema } from '../core/anomaly.js';
import { HostNameSchema } from '../core/catalog-keys.js';
import { ImageExcludeListSchema } from '../core/exclude-list.js';
import { StagingSpaceSchema } from '../core/image-record.js';
import { RestoreTestFactsSchema } from '../core/restore-test.js';
import { ViosbrClaimSchema } from '../core/viosbr.js';
import { HostStepSchema } from '../core/vocabulary.js';

export const AwaitCommandInputSchema = z.object({
  host: HostNameSchema,
  step: HostStepSchema,
  commandId: z.string().min(1),
  instanceId: z.string().min(1),
  /** The wait that preceded this poll (the local runner's clock advances by it; logged on AWS). */
  waitedSeconds: z.number().nonnegative().default(0),
  /** How long the step should take: the backoff is measured against it. */
  expectedSeconds: z.number().nonnegative(),
  /** Returned as nextWaitSeconds when the step is done: the first wait of the step that follows. */
  nextStepWaitSeconds: z.number().int().nonnegative().default(0),
  /** Backup only: the host's transfer rate, to seed each image's transfer wait. */
  transferBytesPerSecond: z.number().positive().optional(),
  /**
   * Backup only: the volume groups the host is configured to savevg, comma-separated (the plan's
   * SSM parameter value). A savevg result of any other volume group is refused, naming it.
   */
  volumeGroups: z.string().optional(),
  /** Backup only: the host's viosShell ('' for an LPAR): a VIOS's backup always has a viosbr archive to account for. */
  viosShell: z.string().optional(),
});
export type AwaitCommandInput = z.infer<typeof AwaitCommandInputSchema>;

/** One image the backup made, as the prepare/transfer/complete/verify iteration needs it. */
export const BackupImageSchema = z.object({
  kind: z.enum(['mksysb', 'savevg']),
  volumeGroup: z.string(),
  imagePath: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().nullable(),
  osLevel: z.string().nullable(),
  tocFileCount: z.number().int().nonnegative().nullable(),
  /** The exclude list the mksysb ran with (null: none, and for every savevg image). */
  excludeList: ImageExcludeListSchema.nullable().default(null),
  /** A VIOS's mksysb: what the backup said of its viosbr archive (null: an LPAR, and every savevg image). */
  viosbr: ViosbrClaimSchema.nullable().default(null),
  /**
   * `none`: an ioscli VIOS's mksysb, which its relay cannot list (no lsmksysb there): verify relies on
   * the content check instead. `host` for every other image: a missing listing stays an anomaly.
   */
  listing: z.enum(['host', 'none']).default('host'),
  backupSeconds: z.number().nonnegative(),
  transferExpectedSeconds: z.number().nonnegative(),
  transferWaitSeconds: z.number().int().positive(),
});
export type BackupImage = z.infer<typeof BackupImageSchema>;

export const AwaitCommandOutputSchema = z.object({
  done: z.boolean(),
  commandId: z.string(),
  instanceId: z.string(),
  /** SSM's status while running; the step's own status (ok, partial) once done. */
  status: z.string(),
  nextWaitSeconds: z.number().int().nonnegative(),
  /** Seconds the command ran (SSM's start and end), once done. */
  seconds: z.number().nonnegative().optional(),
  /** Backup: the images to upload, mksysb first. */
  images: z.array(BackupImageSchema).optional(),
  /** Backup: anomalies of a partly successful backup (a savevg that failed). */
  anomalies: z.array(AnomalySchema).optional(),
  /**
   * Preflight, once done: what it measured of the staging filesystem, carried into each image's
   * record for the forecast; null when it did not print all of it (an older script).
   */
  staging: StagingSpaceSchema.nullable().optional(),
  /** Restore test, once done: what the test LPAR reported (judged by the record step). */
  restore: RestoreTestFactsSchema.optional(),
});
export type AwaitCommandOutput = z.infer<typeof AwaitCommandOutputSchema>;
