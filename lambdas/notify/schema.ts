// notify's contract: either one host's results at the end of its workflow (the images' verdicts, the
// backup's own anomalies, or the failure that ended it), or the daily freshness findings. It answers
// with the host's one-line result (lambdas/core/run-summary.ts) and how many messages it published.
import { z } from 'zod';
import { AnomalySchema, SeveritySchema } from '../core/anomaly.js';
import { HostNameSchema, RunIdSchema } from '../core/catalog-keys.js';
import { FreshnessFindingSchema } from '../core/freshness.js';
import { IsoDateSchema } from '../core/iso-date.js';
import { HostOutcomeSchema } from '../core/run-summary.js';
import { HostVerdictSchema } from '../core/vocabulary.js';

/** One image's end: verify's answer, or record-failure's. */
export const ImageResultSchema = z.object({
  verdict: HostVerdictSchema,
  anomalies: z.array(AnomalySchema).default([]),
  recordKey: z.string().optional(),
  outcome: HostOutcomeSchema.optional(),
});

export const HostNotifyInputSchema = z.object({
  kind: z.literal('host').default('host'),
  host: HostNameSchema,
  runId: RunIdSchema,
  date: IsoDateSchema,
  /** The mksysb image's size, when a backup made one. */
  sizeBytes: z.number().int().nonnegative().default(0),
  /** One result per image, mksysb first. */
  results: z.array(ImageResultSchema).default([]),
  /** Anomalies of the backup itself (a savevg that failed). */
  anomalies: z.array(AnomalySchema).default([]),
  /** The failure that ended the host's workflow before its images (record-failure's answer). */
  failure: z.object({ outcome: HostOutcomeSchema, anomalies: z.array(AnomalySchema) }).optional(),
});
export type HostNotifyInput = z.infer<typeof HostNotifyInputSchema>;

export const FreshnessNotifyInputSchema = z.object({
  kind: z.literal('freshness'),
  checkedAt: IsoDateSchema,
  maxAgeDays: z.number().int().positive(),
  /** The findings object the check wrote (FreshnessFindingsFile), read from the store. */
  findingsKey: z.string().min(1).optional(),
  /** Or the findings themselves (a small caller). */
  findings: z.array(FreshnessFindingSchema).default([]),
  /** Hosts checked, for the summary (the findings object says it itself). */
  hosts: z.number().int().nonnegative().optional(),
});
export type FreshnessNotifyInput = z.infer<typeof FreshnessNotifyInputSchema>;

export const NotifyInputSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !('kind' in v) ? { ...v, kind: 'host' } : v),
  z.discriminatedUnion('kind', [HostNotifyInputSchema, FreshnessNotifyInputSchema]),
);

export const NotifyOutputSchema = z.object({
  /** The host's result line (`host|verdict|outcome|size|codes`); absent for freshness. */
  line: z.string().optional(),
  verdict: HostVerdictSchema.optional(),
  published: z.number().int().nonnegative(),
  /**
   * Alerts held back by an operator's acknowledgement (`mksysb-vault ack`), never dropped silently:
   * the host's codes, or for freshness `<host> <CODE> acknowledged until <day> (reason)` lines.
   */
  acknowledged: z.array(z.string()).default([]),
  /** Freshness: the findings past the alert cap, counted in one summary message instead. */
  summarized: z.number().int().positive().optional(),
  /** Freshness: every acknowledged finding, when more than `acknowledged` lists (it stops at the cap). */
  acknowledgedCount: z.number().int().positive().optional(),
});
export type NotifyOutput = z.infer<typeof NotifyOutputSchema>;

export const NotifyEnvSchema = z.object({
  TOPIC_ARN: z.string().startsWith('arn:'),
  /** Anomalies below this severity are recorded but not published. */
  MIN_SEVERITY: SeveritySchema.default('warn'),
  /** The image store: where a host's claim on its day is given up (lambdas/adapters/host-claim.ts). */
  BUCKET: z.string().min(3).optional(),
});
