// verify's contract: the facts the workflow has about one uploaded image, the verdict it gets back, the env.
import { z } from 'zod';
import { AnomalySchema, VerdictSchema } from '../core/anomaly.js';
import { UploadedImageSchema } from '../core/catalog-keys.js';
import { ImageExcludeListSchema } from '../core/exclude-list.js';
import { StagingSpaceSchema, TimingsSchema } from '../core/image-record.js';
import { VerificationPolicySchema } from '../core/policy.js';
import { ViosbrClaimSchema } from '../core/viosbr.js';
import { InspectImageOutputSchema } from '../inspect-image/schema.js';

export const VerifyInputSchema = UploadedImageSchema.extend({
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'not a SHA-256 (64 hex digits)')
    .transform((s) => s.toLowerCase())
    .nullable()
    .default(null),
  osLevel: z.string().nullable().default(null),
  timings: TimingsSchema.default({}),
  tocFileCount: z.number().int().nonnegative().nullable().default(null),
  /**
   * What inspect-image read from the stored object. The workflow always passes it; optional only so
   * a caller that predates the content check still gets a verdict — CONTENT_UNVERIFIED, never PASS.
   */
  content: InspectImageOutputSchema.optional(),
  /** What the run's preflight measured of the staging filesystem (await-command); null when unknown. */
  staging: StagingSpaceSchema.nullable().default(null),
  /** The exclude list the mksysb ran with (await-command); null: none; absent: a caller that predates it. */
  excludeList: ImageExcludeListSchema.nullable().optional(),
  /** A VIOS's mksysb: what the backup said of its viosbr archive (await-command); null or absent: an LPAR. */
  viosbr: ViosbrClaimSchema.nullable().optional(),
  /**
   * `none`: an ioscli VIOS's mksysb, listed by nobody (await-command, from the fleet): no listing is
   * expected, and the content check's image.data stands in for it. Honoured only with a viosbr claim
   * (a VIOS); for any other image a missing listing stays LSMKSYSB_UNPARSABLE. @default 'host'
   */
  listing: z.enum(['host', 'none']).default('host'),
});
export type VerifyInput = z.infer<typeof VerifyInputSchema>;

export const VerifyOutputSchema = z.object({
  verdict: VerdictSchema,
  anomalies: z.array(AnomalySchema),
  recordKey: z.string(),
});
export type VerifyOutput = z.infer<typeof VerifyOutputSchema>;

export const VerifyEnvSchema = z.object({
  BUCKET: z.string().min(3),
  /** How many earlier records of the series are read: the baseline needs only the last few. */
  HISTORY_LIMIT: z.coerce.number().int().min(1).max(520).default(26),
  /** The verification policy as JSON; empty means the defaults. */
  VERIFICATION_POLICY: z
    .string()
    .default('{}')
    .transform((text, ctx) => {
      try {
        return VerificationPolicySchema.parse(JSON.parse(text));
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not a verification policy: ${String(error)}` });
        return z.NEVER;
      }
    }),
});
export type VerifyEnv = z.infer<typeof VerifyEnvSchema>;
