// Which image store a CLI command reads: the local one (`.mksysb-vault/`, served by s3rver for the
// length of the command) or a real bucket (`--bucket`, with the usual AWS profile and region). Every
// store command takes the same options, and an unreachable store is one clear line, exit 69.
import { existsSync, readFileSync } from 'node:fs';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StoreLocation } from '../../lambdas/catalog/catalog.js';
import { presignClient as makePresignClient, storeClient } from '../../lambdas/catalog/s3-client.js';
import type { Fleet } from '../../lambdas/shared/fleet.js';
import { type DeployConfig, loadDeployConfig } from '../config.js';
import {
  DEFAULT_DATA_DIR,
  LOCAL_BUCKET,
  type LocalState,
  localPaths,
  readLocalState,
} from '../local/paths.js';
import { startLocalS3 } from '../local/s3-server.js';
import type { CliIo, Options } from './command.js';

export const STORE_OPTIONS = {
  data: { type: 'string' },
  bucket: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  config: { type: 'string' },
} as const satisfies Options;

export const STORE_HELP = `Store options (default: the local store that \`npm start\` fills):
  --data DIR         local data directory (default ${DEFAULT_DATA_DIR}, or $MKSYSB_VAULT_DATA)
  --bucket NAME      read the image store in this S3 bucket instead (or $MKSYSB_VAULT_BUCKET)
  --region REGION    AWS region of the bucket (default: $AWS_REGION or the profile's)
  --profile NAME     AWS profile for credentials (default: $AWS_PROFILE or the default chain)
  --config FILE      deploy config: the fleet and schedule (default: the local run's, or
                     cdk.json's mksysb-vault:config)`;

/** The store could not be reached or opened: exit 69 (EX_UNAVAILABLE). */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

export interface OpenStore extends StoreLocation {
  /** For people: `local store .mksysb-vault` or `s3://bucket (eu-west-1)`. */
  readonly description: string;
  readonly local: boolean;
  /** A client for presigning GET URLs (no checksum of an empty body). */
  readonly presignClient: S3Client;
  /** The fleet as configured, when known: hosts that have never been backed up show up too. */
  readonly fleet: Fleet | null;
  readonly config: DeployConfig | null;
  /** The next run of the local pipeline's simulated clock, when local. */
  readonly nextLocalRun: string | null;
  /** "Now" for ages: the command's clock, or the local pipeline's simulated clock when that is ahead. */
  readonly clock: Date;
  close(): Promise<void>;
}

type StoreValues = { [K in keyof typeof STORE_OPTIONS]?: string };

export async function openStore(values: StoreValues, io: CliIo): Promise<OpenStore> {
  const bucket = values.bucket ?? io.env.MKSYSB_VAULT_BUCKET;
  const config = readConfig(values.config, io, bucket !== undefined);
  if (bucket !== undefined) return openBucket(bucket, values, config, io.now());

  const dataDir = values.data ?? io.env.MKSYSB_VAULT_DATA ?? DEFAULT_DATA_DIR;
  const paths = localPaths(dataDir, io.cwd);
  if (!existsSync(paths.store))
    throw new StoreUnavailableError(
      `no local store at ${paths.root} (run "npm start" to make one, or give --bucket to read S3)`,
    );
  let state: LocalState | null;
  try {
    state = readLocalState(paths.state);
  } catch (error) {
    throw new StoreUnavailableError((error as Error).message);
  }
  const clock = new Date(Math.max(io.now().getTime(), Date.parse(state?.clock ?? '') || 0));
  const s3 = await startLocalS3({ directory: paths.store, bucket: LOCAL_BUCKET });
  const client = s3.client();
  const presignClient = s3.presignClient();
  return {
    client,
    presignClient,
    bucket: s3.bucket,
    description: `local store ${dataDir}`,
    local: true,
    fleet: config?.fleet ?? state?.fleet ?? null,
    config,
    nextLocalRun: state?.nextRunDate ?? null,
    clock,
    close: async () => {
      client.destroy();
      presignClient.destroy();
      await s3.close();
    },
  };
}

async function openBucket(
  bucket: string,
  values: StoreValues,
  config: DeployConfig | null,
  now: Date,
): Promise<OpenStore> {
  const settings = {
    ...(values.region ? { region: values.region } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
    maxAttempts: 2,
  };
  const client = storeClient(settings);
  const presignClient = makePresignClient(settings);
  const region = await client.config.region().catch(() => undefined);
  const description = `s3://${bucket}${region ? ` (${region})` : ''}`;
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    client.destroy();
    presignClient.destroy();
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    const why =
      e.$metadata?.httpStatusCode === 404
        ? 'no such bucket'
        : e.$metadata?.httpStatusCode === 403
          ? 'access denied (check the profile and the bucket policy)'
          : e.message || e.name;
    throw new StoreUnavailableError(`cannot reach ${description}: ${why}`);
  }
  return {
    client,
    presignClient,
    bucket,
    description,
    local: false,
    fleet: config?.fleet ?? null,
    config,
    nextLocalRun: null,
    clock: now,
    close: async () => {
      client.destroy();
      presignClient.destroy();
    },
  };
}

/** The deploy config named by --config, or cdk.json's when reading AWS; null for the local store. */
function readConfig(path: string | undefined, io: CliIo, aws: boolean): DeployConfig | null {
  if (path !== undefined) return loadDeployConfig(path, io.cwd);
  if (!aws) return null;
  const cdkJson = `${io.cwd}/cdk.json`;
  if (!existsSync(cdkJson)) return null;
  const configured = (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: Record<string, unknown> })
    .context?.['mksysb-vault:config'];
  return typeof configured === 'string' ? loadDeployConfig(configured, io.cwd) : null;
}

/** Runs `work` with the store open and always closes it. */
export async function withStore<T>(
  values: StoreValues,
  io: CliIo,
  work: (store: OpenStore) => Promise<T>,
): Promise<T> {
  const store = await openStore(values, io);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
