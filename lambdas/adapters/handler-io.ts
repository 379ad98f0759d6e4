// What a Lambda's logic module is given besides its environment: the AWS clients and the clock. The
// Lambda entry (lambdas/<fn>/index.ts) makes real ones; the local runner (lib/local/workflow-runner.ts)
// makes local ones on a simulated clock. Both hand them to the function's composition root
// (lambdas/<fn>/deps.ts), so the environment is read and the dependencies assembled in one place.

import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';

export interface HandlerIo {
  /** The store client (lambdas/adapters/s3-client.ts storeClient). */
  readonly s3: S3Client;
  /** The client that presigns the host's upload URLs (s3-client.ts presignClient). */
  readonly presign: S3Client;
  readonly sns: SNSClient;
  readonly ssm: SSMClient;
  readonly now: () => Date;
  /** Milliseconds left before the invocation times out. */
  readonly remainingMs: () => number;
  /** Where EMF metric lines go. @default console.log */
  readonly log?: (line: string) => void;
}

/** A Lambda's environment, as process.env or the template's Environment.Variables hold it. */
export type HandlerEnv = Readonly<Record<string, string | undefined>>;
