// The AWS quotas the workflow and the stack must stay within, in one place: local mode enforces them
// (lib/local/workflow-runner.ts for a run, lib/local/pipeline.ts at synthesis, lib/local/local-sns.ts
// for a message), the tests pin each margin and the bench prints it. All five are hard quotas: no support case raises them, so a design
// that exceeds one fails on AWS however it is configured.
//
// Where a page gives "MB" or "KB" without a byte count, the smaller reading (10^6, 10^3) is taken:
// what local mode lets through then passes whichever one AWS applies.

/** A quota, what it counts and where AWS documents it. */
export interface AwsLimit {
  /** What the quota limits, as an error names it. */
  readonly name: string;
  readonly max: number;
  readonly unit: 'bytes' | 'events';
  /** The error name AWS fails with, when it has one (`States.DataLimitExceeded`). */
  readonly awsError?: string;
  /** The page that states the figure. */
  readonly source: string;
}

/**
 * A state's input or output, a task's result, an execution's input: "262,144 bytes of data as a
 * UTF-8 encoded string" (Step Functions quotas, "Maximum input or output size for a task, state, or
 * execution"). Exceeding it is `States.DataLimitExceeded`, a terminal error that `States.ALL` does
 * not catch (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */
export const STATE_PAYLOAD_LIMIT: AwsLimit = {
  name: 'Step Functions state input/output size',
  max: 262_144,
  unit: 'bytes',
  awsError: 'States.DataLimitExceeded',
  source: 'https://docs.aws.amazon.com/step-functions/latest/dg/limits.html',
};

/**
 * Events in one Standard execution's history: 25,000. "If the event number 25,000 isn't
 * ExecutionSucceeded, the ExecutionFailed event is logged and the state machine execution fails"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-history-limit.html).
 */
export const EXECUTION_HISTORY_LIMIT: AwsLimit = {
  name: 'Step Functions execution history size',
  max: 25_000,
  unit: 'events',
  source: 'https://docs.aws.amazon.com/step-functions/latest/dg/limits.html',
};

/**
 * A template body passed as an S3 object, as `cdk deploy` passes every template over 50 KiB: "1 MB"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html, "Template
 * body size in an Amazon S3 object"). aws-cdk-lib's own synthesis warning uses 1,000,000 too
 * (TEMPLATE_BODY_MAXIMUM_SIZE in core/lib/stack.js).
 */
export const TEMPLATE_BODY_LIMIT: AwsLimit = {
  name: 'CloudFormation template body size',
  max: 1_000_000,
  unit: 'bytes',
  source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html',
};

/**
 * An SSM document's content: "must not exceed 64KB. This quota also includes the content specified
 * for input parameters at runtime" (SSM API reference, CreateDocument `Content`; the
 * MaxDocumentSizeExceeded error: "The size limit of a document is 64 KB").
 */
export const SSM_DOCUMENT_LIMIT: AwsLimit = {
  name: 'SSM document content size',
  max: 64_000,
  unit: 'bytes',
  awsError: 'MaxDocumentSizeExceeded',
  source: 'https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html',
};

/**
 * An SNS message: "at most 256 KB in size (262,144 bytes, not 262,144 characters)" (SNS API reference,
 * Publish `Message`); a larger one is refused with InvalidParameter. The run digest lists hosts, so a
 * large fleet reaches it (lambdas/core/run-summary.ts runDigest keeps under DIGEST_BODY_BYTES).
 */
export const SNS_MESSAGE_LIMIT: AwsLimit = {
  name: 'SNS message size',
  max: 262_144,
  unit: 'bytes',
  awsError: 'InvalidParameter',
  source: 'https://docs.aws.amazon.com/sns/latest/api/API_Publish.html',
};

/** The UTF-8 bytes of a value as compact JSON: what Step Functions and SSM measure (0 for undefined). */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}

const count = (n: number) => n.toLocaleString('en-US');
const singular = (unit: AwsLimit['unit']) => (unit === 'bytes' ? 'byte' : 'event');

/** `measured` as a share of the limit, for the bench and the margin tests: "15.2% of 1,000,000 bytes". */
export function shareOfLimit(limit: AwsLimit, measured: number): string {
  return `${((100 * measured) / limit.max).toFixed(1)}% of ${count(limit.max)} ${limit.unit}`;
}

/**
 * A quota exceeded: the name of the quota, the figure measured and what was measured, said the way
 * AWS would fail (`States.DataLimitExceeded: the state RunReport output … is 270,112 bytes, over the
 * 262,144-byte limit`).
 */
export class AwsLimitError extends Error {
  override name = 'AwsLimitError';

  constructor(
    readonly limit: AwsLimit,
    readonly measured: number,
    /** What was measured: "the state RunReport output of execution weekly-…". */
    readonly subject: string,
  ) {
    super(
      `${limit.awsError ? `${limit.awsError}: ` : ''}${subject} is ${count(measured)} ${limit.unit}, over the ${count(limit.max)}-${singular(limit.unit)} limit (${limit.name}, ${limit.source})`,
    );
  }
}

/** The error for `measured` of `subject`, or undefined within the limit. */
export function limitExceeded(limit: AwsLimit, measured: number, subject: string): AwsLimitError | undefined {
  return measured > limit.max ? new AwsLimitError(limit, measured, subject) : undefined;
}
