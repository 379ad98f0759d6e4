// What the handler unit tests share: an S3 client under aws-sdk-client-mock, the errors S3 answers
// with (by name and HTTP status, as the SDK raises them) and object bodies the handlers can read.
import { Readable } from 'node:stream';
import { type GetObjectCommandOutput, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';

export type S3Mock = AwsClientStub<S3Client>;

export function mockedS3(): { client: S3Client; s3: S3Mock } {
  // Region and credentials only so the presigner can sign; no request ever leaves the process.
  const client = new S3Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  return { client, s3: mockClient(client) };
}

function s3Error(name: string, status: number, message: string): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

export const slowDown = () => s3Error('SlowDown', 503, 'Please reduce your request rate.');
export const throttling = () => s3Error('ThrottlingException', 400, 'Rate exceeded');
export const accessDenied = () => s3Error('AccessDenied', 403, 'Access Denied');
export const noSuchKey = () => s3Error('NoSuchKey', 404, 'The specified key does not exist.');
/** What HeadObject raises for a missing key: no body, so only the status. */
export const notFound = () => s3Error('NotFound', 404, 'UnknownError');
/** A conditional write (If-None-Match / If-Match) that did not hold. */
export const preconditionFailed = () =>
  s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
export const noSuchUpload = () => s3Error('NoSuchUpload', 404, 'The specified upload does not exist.');

/** A GetObject body the way the SDK hands it out: a stream with the transform helpers. */
export function body(text: string): GetObjectCommandOutput['Body'] {
  const bytes = Buffer.from(text, 'utf8');
  return Object.assign(Readable.from([bytes]), {
    transformToString: async () => text,
    transformToByteArray: async () => new Uint8Array(bytes),
    transformToWebStream: () => {
      throw new Error('not used by the handlers');
    },
  }) as GetObjectCommandOutput['Body'];
}
