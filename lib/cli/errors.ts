// What exit status an error that reaches the top of a `mksysb-vault` command means. A usage or config
// error is the user's to fix (64), and so is a fleet or config that takes the workflow past an AWS
// limit (the local run stops where the deployed one would fail); only the store or AWS failing to answer, or answering "no", is
// "unavailable" (69); anything else is a fault of mksysb-vault itself (70) and says so.

import { RetentionDeleteError } from '../../lambdas/adapters/retention.js';
import { StoreError, StoreUnavailableError } from '../../lambdas/adapters/store-error.js';
import { AwsLimitError } from '../../lambdas/core/aws-limits.js';
import { ConfigError } from '../config.js';
import { EXIT, UsageError } from './command.js';
import { ColdStorageError } from './image-source.js';

/** Node's own network failures: the store's endpoint or AWS could not be reached. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/** The AWS SDK's names for a request that never got an answer, or had no credentials to send. */
const SDK_UNAVAILABLE = new Set([
  'TimeoutError',
  'RequestTimeout',
  'NetworkingError',
  'CredentialsProviderError',
]);

/**
 * Whether `error` (or what caused it) is the store or AWS not answering or refusing: the errors this
 * project turns S3 failures into, and any error the AWS SDK raised (they carry `$metadata`, service
 * errors also `$fault`), including a network failure under them.
 */
export function isStoreUnavailable(error: unknown): boolean {
  let e = error as { name?: unknown; code?: unknown; $metadata?: unknown; $fault?: unknown; cause?: unknown };
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth += 1) {
    if (
      e instanceof StoreUnavailableError ||
      e instanceof StoreError ||
      e instanceof ColdStorageError ||
      e instanceof RetentionDeleteError
    )
      return true;
    if (e.$fault !== undefined || (typeof e.$metadata === 'object' && e.$metadata !== null)) return true;
    if (typeof e.name === 'string' && SDK_UNAVAILABLE.has(e.name)) return true;
    if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** The exit status of an error that ended a command: 64, 69 or 70. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof ConfigError || error instanceof AwsLimitError)
    return EXIT.usage;
  if (isStoreUnavailable(error)) return EXIT.unavailable;
  return EXIT.internal;
}

/**
 * The one line an error ends a command with, after `mksysb-vault <command>: `. An internal error
 * says it is one, so it is reported rather than worked around; `--debug` adds the stack.
 */
export function errorLine(error: unknown, code: number): string {
  const message = (error instanceof Error ? error.message : String(error)).trim() || String(error);
  if (code !== EXIT.internal) return message;
  const name = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
  return `internal error: ${name}${message.split('\n')[0]} (run again with --debug for the stack)`;
}

/** The stack of `error` and of each error that caused it, for --debug. */
export function debugTrace(error: unknown): string {
  const lines: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth += 1) {
    lines.push(
      `${depth === 0 ? '' : 'caused by: '}${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    e = e instanceof Error ? e.cause : undefined;
  }
  return lines.join('\n');
}
