// Lambda entry for inspect-image: client built and the environment read once (deps.ts, which the local
// runner uses too); each invocation's deadline comes from its context.
import { storeClient } from '../adapters/s3-client.js';
import { instrumented } from '../logging/instrumented.js';
import { inspectImageDeps } from './deps.js';
import { inspectImage } from './inspect-image.js';

type LambdaContext = NonNullable<Parameters<ReturnType<typeof instrumented>>[1]>;

let invocation: LambdaContext | undefined;
const deps = inspectImageDeps(process.env, {
  s3: storeClient(),
  now: () => new Date(),
  remainingMs: () => invocation?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY,
});

// One invocation at a time per execution environment: the context read by remainingMs is this one's.
export const handler = (event: unknown, context: LambdaContext) => {
  invocation = context;
  return instrumented('inspect-image', (e: unknown) => inspectImage(e, deps))(event, context);
};
