// SDK errors turned into errors a person can act on: which host, which key, what S3 said and what
// to do. The error name is stable (StoreThrottled, StoreNotFound, StoreAccessDenied, StoreError) so
// the workflow's Retry and Catch can match it: StoreThrottled (S3 throttling that outlasted the
// client's own attempts, lambdas/adapters/s3-client.ts) is retried by every state whose handler is safe
// to repeat (REPEATABLE_AFTER_THROTTLING in lib/constructs/workflow/functions.ts).

export type StoreErrorKind = 'throttled' | 'not-found' | 'access-denied' | 'no-such-upload' | 'other';

const NAMES: Record<StoreErrorKind, string> = {
  throttled: 'StoreThrottled',
  'not-found': 'StoreNotFound',
  'access-denied': 'StoreAccessDenied',
  'no-such-upload': 'StoreNoSuchUpload',
  other: 'StoreError',
};

export interface StoreContext {
  /** What was being done, in words: "reading the lsmksysb sidecar". */
  readonly action: string;
  readonly key: string;
  readonly host?: string | undefined;
}

export class StoreError extends Error {
  constructor(
    readonly kind: StoreErrorKind,
    readonly context: StoreContext,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = NAMES[kind];
  }
}

/**
 * The store as a whole could not be reached or opened (no bucket, no local store, a full disk under
 * it): the CLI exits 69 (EX_UNAVAILABLE). Here, beside StoreError, so the CLI and local mode
 * (lib/local/disk-full.ts) share it without local mode importing the CLI.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
]);

function describe(error: unknown): { name: string; status: number | undefined; message: string } {
  const e = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = typeof e?.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    status,
    message: typeof e?.message === 'string' ? e.message : String(error),
  };
}

export function kindOf(error: unknown): StoreErrorKind {
  const { name, status } = describe(error);
  if (THROTTLING.has(name) || status === 429 || status === 503) return 'throttled';
  if (name === 'NoSuchUpload') return 'no-such-upload';
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return 'not-found';
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403) return 'access-denied';
  return 'other';
}

export function toStoreError(error: unknown, context: StoreContext): StoreError {
  if (error instanceof StoreError) return error;
  const kind = kindOf(error);
  const { name, message } = describe(error);
  const who = context.host ? ` for host ${context.host}` : '';
  const what = `${context.action}${who} (${context.key})`;
  const text: Record<StoreErrorKind, string> = {
    throttled: `S3 throttled ${what}: ${name}; the step is safe to retry`,
    'not-found': `${what} failed: the object does not exist (${name})`,
    'access-denied': `${what} failed: access denied (${name}); check the function's role and the bucket and KMS key policies`,
    'no-such-upload': `${what} failed: the multipart upload no longer exists (completed, aborted or expired)`,
    other: `${what} failed: ${name}: ${message}`,
  };
  return new StoreError(kind, context, text[kind], { cause: error });
}

/** Runs one S3 call; any failure comes back as a StoreError naming the host and key. */
export async function storeCall<T>(context: StoreContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toStoreError(error, context);
  }
}
