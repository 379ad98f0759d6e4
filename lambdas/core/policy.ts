// The verification policy: every threshold the verdict uses, in one zod-validated object with
// documented defaults. Deploy config, the CLI and the Lambdas all pass this same object.
import { z } from 'zod';

export const VerificationPolicySchema = z
  .object({
    /** Images below this many bytes are never a real rootvg backup (a 4 MB "image" after /tmp filled). */
    absoluteFloorBytes: z
      .number()
      .int()
      .nonnegative()
      .default(512 * 1024 * 1024),
    /** How many of the host's latest good images form the size baseline. */
    baselineWindow: z.number().int().min(1).max(520).default(8),
    /** Fewer good images than this and the host is judged by the absolute floor alone (a "first run"). */
    minHistoryForBaseline: z.number().int().min(1).default(2),
    /** A size below this fraction of the baseline median (and below the floor) is TINY_IMAGE. */
    tinyFractionOfBaseline: z.number().gt(0).lt(1).default(0.2),
    /** Percent below the baseline median that is a SIZE_DROP (WARN); twice this is FAIL. */
    dropWarnPercent: z.number().positive().max(100).default(25),
    /** Percent above the baseline median that is a SIZE_JUMP (WARN). */
    jumpWarnPercent: z.number().positive().default(50),
    /** The drop/jump bands widen by this many median absolute deviations, so noisy hosts do not page. */
    spreadAllowance: z.number().nonnegative().default(3),
    /**
     * `lsmksysb` BACKUP SIZE (MB) is the space the volume group's logical volumes occupy, an upper
     * bound of what the image can hold: an image larger than it by more than this percent (plus
     * `sizeMismatchSlackBytes` for the boot image and headers) belongs to some other backup. FAIL.
     */
    backupSizeExcessPercent: z.number().nonnegative().default(10),
    /**
     * SHRINK SIZE (MB) is what the file systems need if shrunk to their data. An image smaller than
     * this fraction of it has lost most of the data (truncated, or excluded by `-e`). WARN.
     */
    shrinkSizeMinFraction: z.number().nonnegative().max(1).default(0.25),
    /** Absolute slack for the BACKUP SIZE check: boot image, bosinst.data, image.data, headers. */
    sizeMismatchSlackBytes: z
      .number()
      .int()
      .nonnegative()
      .default(256 * 1024 * 1024),
    /** savevg images of small volume groups are legitimately small: their own absolute floor. */
    savevgFloorBytes: z
      .number()
      .int()
      .nonnegative()
      .default(1024 * 1024),
    /**
     * How far the BACKUP DATE/TIME inside the image may be from the run's date. An older image is a
     * leftover from an earlier run that a failed backup left in place (the classic silent failure).
     */
    backupDateToleranceHours: z.number().positive().default(36),
    /** Files the log says were backed up vs the table of contents: allowed difference, in percent. */
    fileCountTolerancePercent: z.number().nonnegative().max(100).default(1),
  })
  .strict();

export type VerificationPolicy = z.infer<typeof VerificationPolicySchema>;

export const DEFAULT_VERIFICATION_POLICY: VerificationPolicy = VerificationPolicySchema.parse({});
