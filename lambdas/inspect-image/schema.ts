// inspect-image's contract: which stored image to read, the small report of what its bytes hold
// (never the entry list: that goes to the content index object), the env.
import { z } from 'zod';
import { ContentReportSchema } from '../core/bff/content-check.js';
import { UploadedImageSchema } from '../core/catalog-keys.js';
import { IsoDateSchema } from '../core/iso-date.js';

export const InspectImageInputSchema = UploadedImageSchema;
export type InspectImageInput = z.infer<typeof InspectImageInputSchema>;

/**
 * What the state carries back: the inspector's ContentReport (counts, SHA-256, archive problem, boot
 * files, what image.data says — a few hundred bytes to a few KB, never the entry list: that is in the
 * content index object), which verify judges against the claims.
 */
export const InspectImageOutputSchema = z.object({
  /** Every stored byte was read; false when the Lambda's deadline came first (verify: CONTENT_UNVERIFIED). */
  complete: z.boolean(),
  /** The object's size in S3 when it was read. */
  sizeBytes: z.number().int().nonnegative(),
  content: ContentReportSchema,
  /** The vault's content index beside the image; null when the read did not finish. */
  indexKey: z.string().startsWith('images/').nullable(),
  /** When the bytes were read (ISO). */
  checkedAt: IsoDateSchema,
  seconds: z.number().nonnegative(),
});
export type InspectImageOutput = z.infer<typeof InspectImageOutputSchema>;

const MiB = 1024 * 1024;

export const InspectImageEnvSchema = z.object({
  BUCKET: z.string().min(3),
  /** Bytes per ranged GET. */
  RANGE_BYTES: z.coerce
    .number()
    .int()
    .min(MiB)
    .max(64 * MiB)
    .default(8 * MiB),
  /** Ranged GETs at once: memory is about RANGES_IN_FLIGHT × RANGE_BYTES. */
  RANGES_IN_FLIGHT: z.coerce.number().int().min(1).max(16).default(4),
});
export type InspectImageEnv = z.infer<typeof InspectImageEnvSchema>;
