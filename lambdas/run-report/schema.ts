// run-report's contract: the weekly run's host result lines, the hosts not started and what
// retention did; the key of the report it wrote and the counts.
import { z } from 'zod';
import { RunIdSchema } from '../core/catalog-keys.js';
import { IsoDateSchema } from '../core/iso-date.js';
import { MapRunOutputSchema } from '../core/map-run.js';
import { RetentionSummarySchema } from '../core/run-summary.js';

export const RunReportInputSchema = z
  .object({
    runId: RunIdSchema,
    date: IsoDateSchema,
    week: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day YYYY-MM-DD'),
    /** One `host|verdict|outcome|size|codes` line per host started (given inline: a run of a few hosts). */
    results: z.array(z.string()).optional(),
    /** Or where the weekly Distributed Map's ResultWriter wrote them: its manifest (lambdas/core/map-run.ts). */
    mapResults: MapRunOutputSchema.shape.ResultWriterDetails.optional(),
    notStarted: z.array(z.object({ host: z.string(), reason: z.string() })).default([]),
    /** Or the object load-fleet wrote them to. */
    notStartedKey: z.string().optional(),
    /** Retention's summary, or the `{Error, Cause}` its Catch caught. */
    retention: RetentionSummarySchema.or(z.object({ Error: z.string(), Cause: z.unknown().optional() }))
      .nullable()
      .default(null),
  })
  .refine((input) => (input.results === undefined) !== (input.mapResults === undefined), {
    message: 'either results or mapResults, not both',
    path: ['results'],
  });
export type RunReportInput = z.infer<typeof RunReportInputSchema>;

export const RunReportOutputSchema = z.object({
  reportKey: z.string(),
  counts: z.object({
    hosts: z.number(),
    PASS: z.number(),
    WARN: z.number(),
    FAIL: z.number(),
    SKIP: z.number(),
  }),
});
export type RunReportOutput = z.infer<typeof RunReportOutputSchema>;

export const RunReportEnvSchema = z.object({
  BUCKET: z.string().min(3),
  TOPIC_ARN: z.string().startsWith('arn:'),
});
