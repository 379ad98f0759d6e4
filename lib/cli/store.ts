// Which image store a CLI command reads: the local one (`.mksysb-vault/`, served by s3rver for the
// length of the command) or a real bucket (`--bucket`, with the usual AWS profile and region). Every
// store command takes the same options, and an unreachable store is one clear line, exit 69.
import { existsSync, readFileSync } from 'node:fs';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StoreLocation } from '../../lambdas/adapters/catalog.js';
import { presignClient as makePresignClient, storeClient } from '../../lambdas/adapters/s3-client.js';
import { StoreUnavailableError } from '../../lambdas/adapters/store-error.js';
import type { Fleet } from '../../lambdas/core/fleet.js';
import { DEFAULT_RETENTION_POLICY } from '../../lambdas/core/retention-plan.js';
import { type DeployConfig, loadDeployConfig, parseDeployConfig } from '../config.js';
import {
  DEFAULT_DATA_DIR,
  LOCAL_BUCKET,
  type LocalState,
  localPaths,
  readLocalState,
} from '../local/paths.js';
import { startLocalS3 } from '../local/s3-server.js';
import { type CliIo, type Options, UsageError } from './command.js';

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
  --config FILE      deploy config: the fleet, schedule and retention policy (default: the
                     local run's scenario, or cdk.json's mksysb-vault:config, a guess that a
                     command which deletes or writes refuses to act on)`;

export interface OpenStore extends StoreLocation {
  /** For people: `local store .mksysb-vault` or `s3://bucket (eu-west-1)`. */
  readonly description: string;
  readonly local: boolean;
  /** A client for presigning GET URLs (no checksum of an empty body). */
  readonly presignClient: S3Client;
  /** The fleet as configured, when known: hosts that have never been backed up show up too. */
  readonly fleet: Fleet | null;
  readonly config: DeployConfig | null;
  /** Where `config` came from, for people: `--config prod.json`, `cdk.json's …: a guess`, `none`. */
  readonly configSource: string;
  /** The next run of the local pipeline's simulated clock, when local. */
  readonly nextLocalRun: string | null;
  /** "Now" for ages: the command's clock, or the local pipeline's simulated clock when that is ahead. */
  readonly clock: Date;
  close(): Promise<void>;
}

type StoreValues = { [K in keyof typeof STORE_OPTIONS]?: string };

export interface StoreUse {
  /**
   * The command deletes or writes in the store (`retention --apply`, `ack`): it acts only on a config
   * that was named (--config) or is the local run's own, never on a guessed one. Names the command.
   */
  readonly writes?: string;
}

/** The config a command runs with, where it came from, and whether it was guessed. */
interface ConfigChoice {
  readonly config: DeployConfig | null;
  readonly source: string;
  readonly guessed: boolean;
}

export async function openStore(values: StoreValues, io: CliIo, use: StoreUse = {}): Promise<OpenStore> {
  const bucket = values.bucket ?? io.env.MKSYSB_VAULT_BUCKET;
  if (bucket !== undefined) {
    const choice = bucketConfig(values.config, io);
    refuseGuess(choice, use, `s3://${bucket}`);
    return openBucket(bucket, values, choice, io.now());
  }

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
  const choice = await localConfig(values.config, state, io);
  refuseGuess(choice, use, `the local store ${dataDir}`);
  const { config } = choice;
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
    configSource: choice.source,
    nextLocalRun: state?.nextRunDate ?? null,
    clock,
    close: async () => {
      client.destroy();
      presignClient.destroy();
      await s3.close();
    },
  };
}

/** A command that deletes or writes never acts on a config it guessed: exit 64 before the store opens. */
function refuseGuess(choice: ConfigChoice, use: StoreUse, where: string): void {
  if (use.writes === undefined || !choice.guessed) return;
  throw new UsageError(
    `${use.writes} changes ${where} by its config and refuses to guess which: give --config FILE, the config it was deployed with (without it: ${choice.source})`,
  );
}

async function openBucket(
  bucket: string,
  values: StoreValues,
  choice: ConfigChoice,
  now: Date,
): Promise<OpenStore> {
  const { config } = choice;
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
    configSource: choice.source,
    nextLocalRun: null,
    clock: now,
    close: async () => {
      client.destroy();
      presignClient.destroy();
    },
  };
}

/** A bucket's config: the one --config names, else cdk.json's mksysb-vault:config (a guess), else none. */
function bucketConfig(path: string | undefined, io: CliIo): ConfigChoice {
  if (path !== undefined) return { config: loadDeployConfig(path, io.cwd), source: path, guessed: false };
  const cdkJson = `${io.cwd}/cdk.json`;
  const configured = existsSync(cdkJson)
    ? (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: Record<string, unknown> }).context?.[
        'mksysb-vault:config'
      ]
    : undefined;
  if (typeof configured !== 'string')
    return { config: null, source: 'none (no --config, and cdk.json names none): defaults', guessed: true };
  return {
    config: loadDeployConfig(configured, io.cwd),
    source: `${configured} (cdk.json's mksysb-vault:config, a guess: give --config the deployed one)`,
    guessed: true,
  };
}

/**
 * The local store's config: --config's, else the one the local run used (its scenario's config with
 * its fleet), else none. The local run's own is no guess; a scenario that no longer loads is said.
 */
async function localConfig(
  path: string | undefined,
  state: LocalState | null,
  io: CliIo,
): Promise<ConfigChoice> {
  if (path !== undefined) return { config: loadDeployConfig(path, io.cwd), source: path, guessed: false };
  const scenario = state?.scenario;
  if (scenario === undefined || state?.fleet === undefined)
    return { config: null, source: "none (the local run's fleet; defaults)", guessed: true };
  try {
    // Loaded only here: the scenario module brings the simulator (esbuild) with it.
    const { loadScenario } = await import('../local/scenario.js');
    const loaded = loadScenario(scenario, io.cwd);
    const config = parseDeployConfig(
      { stackName: 'MksysbVaultLocal', ...loaded.config, fleet: state.fleet },
      `${scenario} (config)`,
    );
    return { config, source: `${scenario} (the local run's scenario)`, guessed: false };
  } catch (error) {
    return {
      config: null,
      source: `none: the local run's scenario ${scenario} does not load (${(error as Error).message.split('\n')[0]}); defaults`,
      guessed: true,
    };
  }
}

/** One line for stderr: which store, which config (and where it came from), which policy. */
export function configLine(store: OpenStore): string {
  const retention = store.config?.retention ?? DEFAULT_RETENTION_POLICY;
  const maxAge = store.config?.schedule.maxImageAgeDays ?? 8;
  return `${store.description}: config ${store.configSource}; retention weekly ${retention.weekly}, monthly ${retention.monthly}, FAIL images ${retention.failedKeepDays} days; STALE after ${maxAge} days`;
}

/**
 * Runs `work` with the store open and always closes it, after saying on stderr which store, config
 * and policy the command uses.
 */
export async function withStore<T>(
  values: StoreValues,
  io: CliIo,
  work: (store: OpenStore) => Promise<T>,
  use: StoreUse = {},
): Promise<T> {
  const store = await openStore(values, io, use);
  try {
    io.err(configLine(store));
    return await work(store);
  } finally {
    await store.close();
  }
}
