// One Lambda function of the pipeline, built from `lambdas/<name>/index.ts` by the local esbuild (no
// Docker), on the current Node runtime, ARM, with JSON logs and its own log group. Every handler is
// made through this so they share runtime, bundling, logging and tracing settings; a stack trace from
// any of them names the TypeScript file and line (source maps, read by Node at run time).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { MODULE_EXTENSION, PACKAGE_ROOT } from '../package-root.js';

/** The folder names under lambdas/ that are deployable handlers. */
export type HandlerName =
  | 'load-fleet'
  | 'await-command'
  | 'prepare-upload'
  | 'complete-upload'
  | 'inspect-image'
  | 'verify'
  | 'record-failure'
  | 'notify'
  | 'retention'
  | 'run-report'
  | 'freshness'
  | 'restore-test';

export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;

export interface HandlerFunctionProps {
  /** The handler folder under lambdas/. */
  readonly name: HandlerName;
  /** The Lambda function's description (what it does in the pipeline). */
  readonly description: string;
  /**
   * Environment variables of the function (its env schema, lambdas/<name>/schema.ts), added to the
   * ones every function gets (structured logging, source maps).
   * @default {} (only those)
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** How long the function's log group keeps its events. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

const LOCK_FILES = ['package-lock.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'];

/** The nearest directory at or above `dir` with a package manager's lock file, and that file. */
function lockFileAbove(dir: string): string | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    const found = LOCK_FILES.map((name) => join(at, name)).find((file) => existsSync(file));
    if (found || dirname(at) === at) return found;
  }
}

/**
 * The lock file NodejsFunction takes the project root from: the app's (the nearest above the working
 * directory, where NodejsFunction itself looks), else the one above this package (a `mksysb-vault`
 * command run from a directory that is no project: npx keeps one beside the package it installed).
 */
function depsLockFile(cwd = process.cwd()): string | undefined {
  return lockFileAbove(cwd) ?? lockFileAbove(PACKAGE_ROOT);
}

export function handlerEntry(name: HandlerName): string {
  return fileURLToPath(new URL(`../../lambdas/${name}/index${MODULE_EXTENSION}`, import.meta.url));
}

export class HandlerFunction extends Construct implements iam.IGrantable {
  /** The handler folder under lambdas/ this function is built from. */
  public readonly handlerName: HandlerName;
  public readonly function: NodejsFunction;
  public readonly logGroup: logs.LogGroup;
  /**
   * The function's own role: it starts with nothing but writing to its log group (no AWS managed
   * policy); the workflow grants each function what it needs, on its prefixes only.
   */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.handlerName = props.name;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `mksysb-vault ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);
    const lockFile = depsLockFile();
    this.function = new NodejsFunction(this, 'Function', {
      role: this.role,
      entry: handlerEntry(props.name),
      ...(lockFile ? { depsLockFilePath: lockFile } : {}),
      handler: 'handler',
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      environment: {
        // Structured logs: POWERTOOLS_* are read by the logger if Powertools is added; the runtime's
        // JSON log format makes every console line a searchable JSON object either way.
        POWERTOOLS_SERVICE_NAME: 'mksysb-vault',
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        // The bundle is minified and carries its source map (bundling.sourceMap); Node reads the map
        // only when told to, and then a stack trace names the TypeScript file and line.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // The map needs only the mappings to name file and line (NODE_OPTIONS above): without the
        // sources' text it is under half the size (notify's: 1.6 MB, not 4.3 MB), less to read at a
        // cold start.
        sourcesContent: false,
        // ESM bundles need require() for the SDK's CommonJS dependencies.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        // Bundle the SDK too: the version tested here is the version deployed.
        externalModules: [],
      },
    });
    Validations.of(this).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only for actions that have no resource-level permissions: X-Ray trace writes (active tracing) and, where granted, SSM command status reads. test/lib/mksysb-vault-stack.test.ts checks that every Resource "*" statement holds only such actions.',
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is a supported Lambda runtime (until 2027-04-30) and the runtime the handlers and their lockfile are tested against; moving to nodejs24.x is a deliberate change, not an automatic one.',
      },
    );
  }

  /** The principal to grant to (the function's role). */
  public get grantPrincipal(): iam.IPrincipal {
    return this.function.grantPrincipal;
  }
}
