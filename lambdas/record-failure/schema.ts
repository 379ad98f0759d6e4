// record-failure's contract: the host (and image, if the failure was in one image's upload), the
// error the workflow's Catch caught, the open upload to abort; the outcome and anomaly it recorded.
import { z } from 'zod';
import { AnomalySchema } from '../core/anomaly.js';
import { HostNameSchema, RunIdSchema } from '../core/catalog-keys.js';
import { IsoDateSchema } from '../core/iso-date.js';
import { HostOutcomeSchema } from '../core/run-summary.js';

export const RecordFailureInputSchema = z.object({
  host: HostNameSchema,
  runId: RunIdSchema,
  date: IsoDateSchema,
  /** What the Catch put at ResultPath: Step Functions' `{Error, Cause}`. */
  error: z.object({ Error: z.string().default('States.ALL'), Cause: z.unknown().optional() }),
  /** The image being uploaded when it failed (absent for a failure before any image existed). */
  image: z.object({ kind: z.enum(['mksysb', 'savevg']), volumeGroup: z.string() }).optional(),
  /** The multipart upload prepare-upload opened, to abort. */
  upload: z.object({ key: z.string().startsWith('images/'), uploadId: z.string().min(1) }).optional(),
});
export type RecordFailureInput = z.infer<typeof RecordFailureInputSchema>;

export const RecordFailureOutputSchema = z.object({
  verdict: z.enum(['FAIL', 'SKIP']),
  outcome: HostOutcomeSchema,
  anomalies: z.array(AnomalySchema),
  recordKey: z.string(),
  /** true: the open upload was aborted; false: it was already gone; absent: there was none. */
  uploadAborted: z.boolean().optional(),
});
export type RecordFailureOutput = z.infer<typeof RecordFailureOutputSchema>;

export const RecordFailureEnvSchema = z.object({ BUCKET: z.string().min(3) });
