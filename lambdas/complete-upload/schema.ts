// complete-upload's contract: complete (the default action) or abort, the answer, the env.
import { z } from 'zod';
import { HostNameSchema, RunIdSchema } from '../core/catalog-keys.js';

const Common = {
  runId: RunIdSchema,
  host: HostNameSchema,
  key: z.string().startsWith('images/'),
  uploadId: z.string().min(1),
};

export const CompleteActionSchema = z.object({
  action: z.literal('complete'),
  ...Common,
  manifestKey: z.string().startsWith('uploads/'),
  /** The size the host reported for the image (ls -l on AIX). */
  sizeBytes: z.number().int().positive(),
  /** The SHA-256 the host reported; carried into the answer for the record. */
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/)
    .transform((s) => s.toLowerCase())
    .optional(),
});

export const AbortActionSchema = z.object({
  action: z.literal('abort'),
  ...Common,
  /** Why the workflow gave up (its Catch's error), for the log. */
  reason: z.string().max(2000).optional(),
});

export const CompleteUploadInputSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !('action' in v) ? { ...v, action: 'complete' } : v),
  z.discriminatedUnion('action', [CompleteActionSchema, AbortActionSchema]),
);
export type CompleteUploadInput = z.infer<typeof CompleteUploadInputSchema>;
export type CompleteAction = z.infer<typeof CompleteActionSchema>;
export type AbortAction = z.infer<typeof AbortActionSchema>;

const Check = z.enum(['ok', 'skipped-sse-kms', 'not-multipart-form']);

export const CompletedOutputSchema = z.object({
  action: z.literal('complete'),
  key: z.string(),
  sizeBytes: z.number().int().positive(),
  etag: z.string(),
  partCount: z.number().int().positive(),
  checks: z.object({ size: z.literal('ok'), partEtags: Check, multipartEtag: Check }),
});
export const AbortedOutputSchema = z.object({
  action: z.literal('abort'),
  key: z.string(),
  /** false when the upload was already gone (completed, aborted earlier or expired). */
  aborted: z.boolean(),
});
export const CompleteUploadOutputSchema = z.discriminatedUnion('action', [
  CompletedOutputSchema,
  AbortedOutputSchema,
]);
export type CompleteUploadOutput = z.infer<typeof CompleteUploadOutputSchema>;

export const CompleteUploadEnvSchema = z.object({ BUCKET: z.string().min(3) });
