// prepare-upload's contract: what the workflow passes in, the small answer it gets back, the env.
import { z } from 'zod';
import { HostNameSchema, ImageKindSchema, RunIdSchema } from '../core/catalog-keys.js';
import { IsoDateSchema } from '../core/iso-date.js';
import { ViosbrClaimSchema } from '../core/viosbr.js';

const MiB = 1024 * 1024;

export const PrepareUploadInputSchema = z.object({
  runId: RunIdSchema,
  host: HostNameSchema,
  kind: ImageKindSchema,
  volumeGroup: z.string().min(1).default('rootvg'),
  date: IsoDateSchema,
  // S3's largest object is 5 TiB.
  sizeBytes: z
    .number()
    .int()
    .positive()
    .max(5 * 1024 ** 4),
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'not a SHA-256 (64 hex digits)')
    .transform((s) => s.toLowerCase()),
  osLevel: z.string().nullable().default(null),
  /** A VIOS's mksysb: its viosbr archive, whose sidecar URL is signed when the backup made one. */
  viosbr: ViosbrClaimSchema.nullable().default(null),
});
export type PrepareUploadInput = z.infer<typeof PrepareUploadInputSchema>;

export const PrepareUploadOutputSchema = z.object({
  key: z.string(),
  uploadId: z.string().min(1),
  manifestKey: z.string(),
  manifestUrl: z.string().url(),
  partCount: z.number().int().min(1).max(10_000),
  partSize: z
    .number()
    .int()
    .min(8 * MiB),
  /** Parts S3 held already from an earlier attempt at this image: the transfer does not send them again. */
  resumedParts: z.number().int().min(0).default(0),
});
export type PrepareUploadOutput = z.infer<typeof PrepareUploadOutputSchema>;

export const PrepareUploadEnvSchema = z.object({
  BUCKET: z.string().min(3),
  /** Preferred part size; planParts rounds it to whole MiB, at least 8 MiB, at most 10,000 parts. */
  PART_SIZE_BYTES: z.coerce
    .number()
    .int()
    .min(8 * MiB)
    .default(64 * MiB),
  /** Lifetime of every presigned URL: long enough for the transfer, short enough to be useless later. */
  URL_EXPIRY_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    // lib/config.ts URL_EXPIRY_MAX_SECONDS: temporary credentials cannot sign for longer.
    .max(21_600)
    .default(7200),
});
export type PrepareUploadEnv = z.infer<typeof PrepareUploadEnvSchema>;
