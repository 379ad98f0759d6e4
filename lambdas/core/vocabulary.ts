// The words mksysb-vault's parts say to each other, each defined here once: the verdict of an image
// and of a host, the host steps and the statuses they end with (each with its exit code), and the
// codes of what the store's readers find. The Lambdas, the CLI, the CDK state machines and the
// shipped shell (lib/host-scripts/index.ts writes the exit codes into each script) all take them
// from here, and so do the fleet and the SSM documents their parameters' patterns. Anomaly codes
// live in anomaly.ts, the host-result line (one encoder, one decoder, the state machine's template)
// in run-summary.ts, the CLI's exit codes in lib/cli/command.ts.
// Pure: no AWS SDK.
import { z } from 'zod';

/** How good an image is: what its anomalies add up to (anomaly.ts verdictOf). */
export const VERDICTS = ['PASS', 'WARN', 'FAIL'] as const;
export const VerdictSchema = z.enum(VERDICTS);
export type Verdict = z.infer<typeof VerdictSchema>;

/** A host's verdict in a run: an image verdict, or SKIP when this run did not back it up. */
export const HOST_VERDICTS = [...VERDICTS, 'SKIP'] as const;
export const HostVerdictSchema = z.enum(HOST_VERDICTS);
export type HostVerdict = z.infer<typeof HostVerdictSchema>;

/**
 * The steps that run on a host, in the order a backup runs them, then the restore test that runs on
 * a test LPAR (lib/host-scripts/restore-test.sh).
 */
export const HOST_STEPS = ['preflight', 'backup', 'transfer', 'restore-test'] as const;
export const HostStepSchema = z.enum(HOST_STEPS);
export type HostStep = z.infer<typeof HostStepSchema>;

/**
 * The `status=` a host step ends with (docs/host-protocol.md), each with its exit code: one per
 * outcome, so a caller can act on the number alone.
 */
export const HOST_EXIT_CODE = {
  ok: 0,
  invalid: 2,
  refused: 10,
  failed: 11,
  partial: 12,
  unreachable: 13,
  auth_failed: 14,
} as const;
export type HostStatus = keyof typeof HOST_EXIT_CODE;
export const HOST_STATUSES = Object.keys(HOST_EXIT_CODE) as [HostStatus, ...HostStatus[]];
export const HostStatusSchema = z.enum(HOST_STATUSES);

/**
 * The statuses a step itself ends with; the relay wrapper adds unreachable and auth_failed, for ssh,
 * and passes a step's own exit code through.
 */
export const STEP_STATUSES = [
  'ok',
  'invalid',
  'refused',
  'failed',
  'partial',
] as const satisfies readonly HostStatus[];

/**
 * Problems the readers of the store name in status, the report, history and retention: about what
 * the store holds, not anomalies of one image's content (those are anomaly.ts's codes). IMAGE_MISSING:
 * a record whose image object is not in the store; STRAY_KEY: a key under images/ outside any host's
 * folder (left alone, named); SAVEVG_*: the newest savevg image of a volume group is not there, too
 * old, FAIL or WARN.
 */
const SAVEVG_FINDINGS = ['SAVEVG_MISSING', 'SAVEVG_STALE', 'SAVEVG_FAIL', 'SAVEVG_WARN'] as const;
export const FINDING_CODES = ['IMAGE_MISSING', 'STRAY_KEY', ...SAVEVG_FINDINGS] as const;
export const FindingCodeSchema = z.enum(FINDING_CODES);
export type FindingCode = z.infer<typeof FindingCodeSchema>;
export const FINDING: Readonly<{ [C in FindingCode]: C }> = FindingCodeSchema.enum;

/**
 * Values substituted into SSM document parameters must match the documents' allowedPatterns: these
 * are both (lambdas/core/fleet.ts checks fleet entries with them, lib/host-scripts/index.ts builds the
 * documents' from them), unanchored.
 */
export const PARAMETER_PATTERNS = {
  address: '[A-Za-z0-9][A-Za-z0-9.:-]{0,254}',
  path: '/[A-Za-z0-9._/-]{0,1023}',
  sshUser: '[A-Za-z0-9._][A-Za-z0-9._-]{0,31}',
  mksysbFlags: '-[A-Za-z]{1,3}( -[A-Za-z]{1,3}){0,7}',
  /** An NFS export as a VIOS's `mount` takes it: `<host>:<absolute directory>`. */
  nfsExport: '[A-Za-z0-9][A-Za-z0-9.-]{0,254}:/[A-Za-z0-9._/-]{0,1023}',
} as const;
