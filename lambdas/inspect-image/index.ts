// Lambda entry for inspect-image: env (bucket, range size, ranges in flight) parsed once, client built
// once; each invocation's deadline comes from its context.
import { storeClient } from '../catalog/s3-client.js';
import { parseWith } from '../catalog/validation.js';
import { instrumented } from '../logging/instrumented.js';
import { inspectImage } from './inspect-image.js';
import { InspectImageEnvSchema } from './schema.js';

const env = parseWith(InspectImageEnvSchema, process.env, 'inspect-image environment');
const s3 = storeClient();

type LambdaContext = NonNullable<Parameters<ReturnType<typeof instrumented>>[1]>;

export const handler = (event: unknown, context: LambdaContext) =>
  instrumented('inspect-image', (e: unknown) =>
    inspectImage(e, {
      s3,
      bucket: env.BUCKET,
      rangeBytes: env.RANGE_BYTES,
      rangesInFlight: env.RANGES_IN_FLIGHT,
      now: () => new Date(),
      remainingMs: () => context.getRemainingTimeInMillis(),
    }),
  )(event, context);
