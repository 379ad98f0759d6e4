// restore-test's contract: three actions of one function. `plan`: the inventory's hosts in, the run's
// tests out (which image, which test LPAR and disk). `prepare`: one test in, the SSM parameters of its
// restore-test command out (the image's presigned GET URL made just before it runs). `record`: the
// test and how its command ended in, the result written into the image record (and RESTORE_FAILED
// published when it failed).
import { z } from 'zod';
import { HostNameSchema } from '../core/catalog-keys.js';
import { DiskNameSchema, RestoreTestFactsSchema, RestoreTestSettingsSchema } from '../core/restore-test.js';

/** One test of the run, as the Map carries it. */
export const PlannedTestSchema = z.object({
  /** The image's host. */
  imageHost: HostNameSchema,
  key: z.string().startsWith('images/'),
  sha256: z.string().nullable(),
  osLevel: z.string().nullable(),
  /** The test LPAR (the SSM command's host) and its disk. */
  targetHost: HostNameSchema,
  disk: DiskNameSchema,
  why: z.string(),
});
export type PlannedTest = z.infer<typeof PlannedTestSchema>;

export const RestoreTestInputSchema = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('plan'),
    hosts: z.array(HostNameSchema),
    executionName: z.string().min(1),
  }),
  z.object({ action: z.literal('prepare'), test: PlannedTestSchema }),
  z.object({
    action: z.literal('record'),
    runId: z.string().min(1),
    test: PlannedTestSchema,
    startedAt: z.string(),
    /** The command's last poll, when it ended with the test's own status (ok, failed, refused). */
    poll: z.object({ restore: RestoreTestFactsSchema.optional() }).passthrough().optional(),
    /** The error that ended the test before its script reported (the Catch's $.error). */
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).passthrough().optional(),
  }),
]);
export type RestoreTestInput = z.infer<typeof RestoreTestInputSchema>;

/** The SSM parameters and connection of one test, what tasks.ts sendCommand reads from `$.plan`. */
export const RestoreCommandPlanSchema = z.object({
  mode: z.enum(['relay', 'direct']),
  managedNodeId: z.string(),
  address: z.string(),
  sshUser: z.string(),
  sshKeyPath: z.string(),
  knownHostsPath: z.string(),
  viosShell: z.literal(''),
  disk: DiskNameSchema,
  imageUrl: z.string().url(),
  sha256: z.string(),
  osLevel: z.string(),
  workDir: z.string(),
  startedAt: z.string(),
});

export const RestoreTestEnvSchema = z.object({
  BUCKET: z.string().min(3),
  TOPIC_ARN: z.string().min(1),
  /** config.restoreTests, as JSON. */
  RESTORE_TESTS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(RestoreTestSettingsSchema),
  /** How long the image's GET URL lives: the download must start within it. */
  URL_EXPIRY_SECONDS: z.coerce.number().int().min(60).max(21_600).default(21_600),
});
