// The fleet: which LPARs are backed up and how each is reached. Written by the deploy config (and
// `mksysb-vault` for local runs) to one SSM parameter as JSON; the workflow's load-fleet step reads
// and validates it at every run, so a host is added or disabled without a redeploy. Pure: no AWS SDK.
import { z } from 'zod';
import { HostNameSchema, hostNameProblem, VolumeGroupSchema } from './catalog-keys.js';
import { ExcludeListSchema } from './exclude-list.js';
import { stagingProblem } from './staging.js';
import { PARAMETER_PATTERNS } from './vocabulary.js';

// Values substituted into SSM document parameters must match the documents' allowedPatterns.
const whole = (pattern: string) => new RegExp(`^${pattern}$`);
const ADDRESS = whole(PARAMETER_PATTERNS.address);
const PATH = whole(PARAMETER_PATTERNS.path);
const SSH_USER = whole(PARAMETER_PATTERNS.sshUser);
const MKSYSB_FLAGS = whole(PARAMETER_PATTERNS.mksysbFlags);
const NFS_EXPORT = whole(PARAMETER_PATTERNS.nfsExport);
/** An SSM managed node: an EC2 instance (i-…) or a hybrid-activated server (mi-…). */
const MANAGED_NODE = /^(i|mi)-[0-9a-f]{8,17}$/;
/** Where an LPAR stages its images unless its fleet entry says otherwise. */
const DEFAULT_STAGING = '/mksysb';

export const FleetHostSchema = z
  .object({
    /** The LPAR's host name, as `hostname` prints it; names its images. */
    host: HostNameSchema,
    /** The address the relay's ssh connects to. @default the host name */
    address: z.string().regex(ADDRESS, 'not a host name or IP address').optional(),
    /**
     * `relay`: SSM runs the steps on `managedNodeId`, a Linux relay that reaches the LPAR over ssh.
     * `direct`: `managedNodeId` is the LPAR itself (an AIX host with its own SSM agent).
     * @default 'relay'
     */
    mode: z.enum(['relay', 'direct']).default('relay'),
    /** The SSM managed node that runs the commands (the relay, or the LPAR in direct mode). */
    managedNodeId: z.string().regex(MANAGED_NODE, 'not an SSM managed node id (i-… or mi-…)'),
    /**
     * What the host is: an AIX LPAR (mksysb, savevg), or a Virtual I/O Server (`backupios -mksysb`
     * for the image, `viosbr -backup` for the virtual device mappings beside it). @default 'lpar'
     */
    kind: z.enum(['lpar', 'vios']).default('lpar'),
    /**
     * A VIOS only, required there: which shell the site lets the relay's padmin session use.
     * `oem_setup_env`: padmin opens the root shell (`oem_setup_env`) and the steps run there as on an
     * LPAR, backupios and viosbr through /usr/ios/cli/ioscli. `ioscli`: padmin's restricted shell
     * only, which runs one ioscli command per ssh call and no script: preflight and backup run on
     * the relay, and backupios writes the image into the relay's NFS export (`nfsExport`).
     */
    viosShell: z.enum(['ioscli', 'oem_setup_env']).optional(),
    /**
     * An ioscli VIOS only, required there: the relay's NFS export backupios writes to, as the VIOS
     * mounts it, `<relay>:<dir>` (e.g. `relay1.example.com:/export/mksysb-vault`). `<dir>` is the
     * directory on the relay too; the host's images land in `<dir>/<host>`, its staging.
     */
    nfsExport: z
      .string()
      .regex(
        NFS_EXPORT,
        'an NFS export <relay host>:<directory>, e.g. relay1.example.com:/export/mksysb-vault',
      )
      .refine((e) => !e.includes('..'), 'no ".." in the directory')
      .optional(),
    /** An ioscli VIOS only: where the VIOS mounts the export. @default '/mnt' */
    nfsMountPoint: z.string().regex(PATH, 'not an absolute path').optional(),
    /** @default 'root' ('padmin' for a VIOS) */
    sshUser: z.string().regex(SSH_USER, 'not a user name').optional(),
    /** Private key on the relay. @default '/etc/mksysb-vault/id_ed25519' */
    sshKeyPath: z.string().regex(PATH, 'not an absolute path').default('/etc/mksysb-vault/id_ed25519'),
    /** Pinned host keys on the relay. @default '/etc/mksysb-vault/known_hosts' */
    knownHostsPath: z.string().regex(PATH, 'not an absolute path').default('/etc/mksysb-vault/known_hosts'),
    /** Non-root volume groups to savevg. @default [] */
    volumeGroups: z.array(VolumeGroupSchema).max(32).default([]),
    /** Extra mksysb flags. @default '-X' (let mksysb grow /tmp for the boot image) */
    mksysbFlags: z
      .string()
      .regex(MKSYSB_FLAGS, 'mksysb flags like "-e -X" (letters only)')
      .or(z.literal(''))
      .default('-X'),
    /** Staging directory on the LPAR: its own filesystem, never / or /tmp. @default '/mksysb' */
    staging: z
      .string()
      .regex(PATH, 'not an absolute path')
      .superRefine((p, ctx) => {
        const problem = stagingProblem(p);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default(DEFAULT_STAGING),
    /**
     * The lines of the LPAR's /etc/exclude.rootvg: grep patterns on the names mksysb lists (`./path`),
     * e.g. `^./tmp/`. When set, the backup step writes them there (the file it replaces is kept as
     * /etc/exclude.rootvg.prev) and runs mksysb -e; when empty, the host's file is left alone and used
     * only if mksysbFlags has -e. A deploy config's excludeGroups add their patterns to this list.
     * @default []
     */
    exclude: ExcludeListSchema.default([]),
    /** Local images of each kind kept in staging after a run. @default 2 */
    keepLocal: z.number().int().min(1).max(99).default(2),
    /** A disabled host is skipped (and not reported missing). @default true */
    enabled: z.boolean().default(true),
    /** Expected size of a first image, used by preflight's space check until history exists. @default 8 GiB */
    expectedSizeBytes: z
      .number()
      .int()
      .nonnegative()
      .default(8 * 1024 ** 3),
  })
  .strict()
  .superRefine((h, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const ioscli = h.kind === 'vios' && h.viosShell === 'ioscli';
    if (!ioscli) {
      const only = `host "${h.host}": only a VIOS with viosShell "ioscli" writes through the relay's NFS export`;
      if (h.nfsExport !== undefined) issue('nfsExport', only);
      if (h.nfsMountPoint !== undefined) issue('nfsMountPoint', only);
    } else if (h.nfsExport === undefined)
      issue(
        'nfsExport',
        `host "${h.host}": a VIOS with viosShell "ioscli" needs nfsExport: the relay's NFS export backupios writes to, <relay>:<directory> (e.g. relay1.example.com:/export/mksysb-vault)`,
      );
    else {
      const staging = ioscliStaging(h.nfsExport, h.host);
      const problem = stagingProblem(staging);
      if (problem) issue('nfsExport', `host "${h.host}": its directory of the export: ${problem}`);
      // Its staging is that directory, on the relay: one given too would be silently ignored.
      if (h.staging !== DEFAULT_STAGING && h.staging !== staging)
        issue(
          'staging',
          `host "${h.host}": a VIOS with viosShell "ioscli" stages in its directory of nfsExport on the relay (${staging}), not ${h.staging}: remove staging`,
        );
    }
    if (ioscli && h.nfsMountPoint === '/')
      issue('nfsMountPoint', `host "${h.host}": not /, a directory the export is mounted on`);
    if (h.kind === 'lpar') {
      if (h.viosShell !== undefined) issue('viosShell', 'only a VIOS (kind "vios") has a viosShell');
      return;
    }
    if (h.viosShell === undefined)
      issue('viosShell', 'a VIOS needs viosShell: "oem_setup_env" or "ioscli" (which shell padmin may use)');
    if (h.mode !== 'relay') issue('mode', 'a VIOS is reached through the relay as padmin (mode "relay")');
    // backupios saves rootvg and the structure of the other volume groups itself; it takes no
    // exclude list the vault could write (its own -exclude reads /etc/exclude.rootvg as it is).
    if (h.volumeGroups.length > 0)
      issue('volumeGroups', 'a VIOS has no savevg images: backupios saves its volume group structures');
    if (h.exclude.length > 0)
      issue('exclude', 'a VIOS takes no exclude list: backupios -mksysb is run as it is');
  })
  // A VIOS runs backupios, which takes none of mksysb's flags: without -X nothing grows /tmp for the
  // boot image, so preflight checks /tmp has room for it, as for an LPAR without -X.
  // An ioscli VIOS's staging is its directory of the relay's export: where the relay finds its images.
  .transform(({ sshUser, ...h }) => ({
    ...h,
    sshUser: sshUser ?? (h.kind === 'vios' ? 'padmin' : 'root'),
    mksysbFlags: h.kind === 'vios' ? '' : h.mksysbFlags,
    ...(h.viosShell === 'ioscli' && h.nfsExport !== undefined
      ? { staging: ioscliStaging(h.nfsExport, h.host), nfsMountPoint: h.nfsMountPoint ?? '/mnt' }
      : {}),
  }));

/** An ioscli VIOS's directory of the relay's export (`<dir>/<host>`): its staging, on the relay. */
export function ioscliStaging(nfsExport: string, host: string): string {
  const dir = nfsExport.slice(nfsExport.indexOf(':') + 1).replace(/\/+$/, '');
  return `${dir}/${host}`;
}
export type FleetHost = z.infer<typeof FleetHostSchema>;
export type FleetHostInput = z.input<typeof FleetHostSchema>;

export const FleetSchema = z
  .array(FleetHostSchema)
  .min(1, 'the fleet has no hosts')
  .superRefine((hosts, ctx) => {
    const seen = new Map<string, number>();
    hosts.forEach((h, index) => {
      const first = seen.get(h.host);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [index, 'host'],
          message: `host "${h.host}" is listed twice (also at fleet[${first}])`,
        });
      else seen.set(h.host, index);
    });
  });
export type Fleet = z.infer<typeof FleetSchema>;

export class FleetError extends Error {
  override name = 'FleetError';
}

/**
 * A readable list of every problem, each with its path (`fleet[2].staging: …`). Given the value that
 * was parsed, a problem of an exclude list also names its host or group (`… (host aixprd01)`).
 */
export function describeIssues(error: z.ZodError, root: string, value?: unknown): string {
  return error.issues
    .map((issue) => {
      // An exclude pattern's problem also names its host or group after the message (the path stays
      // what it always was): `fleet[12].exclude[3]` alone is hard to find in a long fleet.
      const host = hostOfIssue(issue.path, root, value);
      if (host !== null && issue.path.includes('exclude') && !issue.message.includes(`host "${host}"`))
        return describePath(issue.path, root, `${issue.message} (host ${host})`);
      const group = groupOfIssue(issue.path, root, value);
      if (group !== null && !issue.message.includes(`exclude group "${group}"`))
        return describePath(issue.path, root, `${issue.message} (exclude group ${group})`);
      return describePath(issue.path, root, issue.message);
    })
    .join('\n');
}

function describePath(issuePath: readonly PropertyKey[], root: string, message: string): string {
  const path = issuePath
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  const where = !path
    ? root || '(top level)'
    : !root || path.startsWith('[')
      ? `${root}${path}`
      : `${root}.${path}`;
  return `${where}: ${message}`;
}

/** The name of the deploy config's exclude group an issue lies in (`excludeGroups[i]`). */
function groupOfIssue(path: readonly PropertyKey[], root: string, value: unknown): string | null {
  if (
    value === undefined ||
    root !== '' ||
    path[0] !== 'excludeGroups' ||
    typeof path[1] !== 'number' ||
    path.length < 3
  )
    return null;
  const groups = (value as { excludeGroups?: unknown } | null)?.excludeGroups;
  const name = Array.isArray(groups) ? (groups[path[1]] as { name?: unknown } | null)?.name : undefined;
  return typeof name === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) ? name : null;
}

/** The host name of the fleet entry an issue lies in (a deploy config's `fleet[i]`, or a fleet's `[i]`). */
function hostOfIssue(path: readonly PropertyKey[], root: string, value: unknown): string | null {
  if (value === undefined) return null;
  const fleet = root === 'fleet' ? value : (value as { fleet?: unknown } | null)?.fleet;
  const index = root === 'fleet' ? path[0] : path[0] === 'fleet' ? path[1] : undefined;
  if (typeof index !== 'number' || !Array.isArray(fleet) || path.length < (root === 'fleet' ? 2 : 3))
    return null;
  const host = (fleet[index] as { host?: unknown } | null)?.host;
  return typeof host === 'string' && hostNameProblem(host) === null ? host : null;
}

/** Parse the fleet JSON as stored in the SSM parameter; `source` names it in errors. */
export function parseFleet(text: string, source: string): Fleet {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FleetError(`${source}: not JSON (${(error as Error).message})`);
  }
  const result = FleetSchema.safeParse(value);
  if (!result.success)
    throw new FleetError(`${source}: invalid fleet\n${describeIssues(result.error, 'fleet', value)}`);
  return result.data;
}

/**
 * The fleet as SSM parameter values under one path: compact JSON arrays of hosts, each value at most
 * `limitBytes` (4 KB, the Standard tier's limit), so 1,000 hosts need a few dozen parameters, not 1,000
 * stack resources. Defaults are left out; load-fleet fills them back in.
 */
export function fleetParameterValues(fleet: readonly FleetHostInput[], limitBytes = 4096): string[] {
  const defaults = FleetHostSchema.parse({ host: 'x', managedNodeId: 'mi-00000000' });
  const compact = fleet.map((h) =>
    Object.fromEntries(
      Object.entries(h).filter(
        ([k, v]) => k === 'host' || JSON.stringify(v) !== JSON.stringify(defaults[k as keyof FleetHost]),
      ),
    ),
  );
  const chunks: string[] = [];
  let current: string[] = [];
  const size = (items: string[]) => 2 + items.join(',').length;
  for (const host of compact) {
    const text = JSON.stringify(host);
    if (size([text]) > limitBytes)
      throw new FleetError(
        `host "${host.host}": its entry is ${text.length} bytes, more than a parameter holds`,
      );
    if (current.length > 0 && size([...current, text]) > limitBytes) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
    }
    current.push(text);
  }
  if (current.length > 0) chunks.push(`[${current.join(',')}]`);
  return chunks;
}

/** One fleet parameter entry that could not be read: skipped, and alerted as FLEET_PARAMETER_INVALID. */
export const FleetParameterProblemSchema = z.object({
  /** The SSM parameter's name. */
  parameter: z.string(),
  /** The entry's host name when it has a valid one, else null (the alert then names the parameter). */
  host: z.string().nullable(),
  /** The field at fault (`staging`, `managedNodeId`…), null for the whole parameter or entry. */
  field: z.string().nullable(),
  /** The whole problem in one line: parameter, host, field and what is wrong. */
  message: z.string(),
});
export type FleetParameterProblem = z.infer<typeof FleetParameterProblemSchema>;

export interface FleetParameters {
  /** Every valid host, in parameter-name order. */
  readonly fleet: Fleet;
  /** Every entry skipped, with where and why. */
  readonly problems: FleetParameterProblem[];
}

/**
 * The fleet from every parameter under the fleet path, leniently: each value is one host object or an
 * array of them (an operator adds a host with one `aws ssm put-parameter`, no redeploy), and an entry
 * that is not valid is skipped with a problem naming the parameter, host and field — one bad
 * hand-added parameter must not stop every other host's backup. A host listed twice keeps its first
 * entry (by parameter name); the later one is a problem. Throws only when no parameter exists at all.
 */
export function readFleetParameters(parameters: readonly { name: string; value: string }[]): FleetParameters {
  if (parameters.length === 0)
    throw new FleetError('the fleet is empty: no host found in any parameter under the fleet path');
  const fleet: FleetHost[] = [];
  const problems: FleetParameterProblem[] = [];
  const seen = new Map<string, string>();
  for (const p of [...parameters].sort((a, b) => a.name.localeCompare(b.name))) {
    let value: unknown;
    try {
      value = JSON.parse(p.value);
    } catch (error) {
      problems.push({
        parameter: p.name,
        host: null,
        field: null,
        message: `fleet parameter ${p.name}: not JSON (${(error as Error).message})`,
      });
      continue;
    }
    for (const entry of Array.isArray(value) ? value : [value]) {
      const rawHost = (entry as { host?: unknown } | null)?.host;
      const host = typeof rawHost === 'string' && hostNameProblem(rawHost) === null ? rawHost : null;
      const where = `${p.name} (host ${JSON.stringify(rawHost ?? null)})`;
      const result = FleetHostSchema.safeParse(entry);
      if (!result.success) {
        for (const issue of result.error.issues) {
          const field = issue.path.join('.') || null;
          problems.push({
            parameter: p.name,
            host,
            field,
            message: `${where}${field ? ` field ${field}` : ''}: ${issue.message}`,
          });
        }
        continue;
      }
      const first = seen.get(result.data.host);
      if (first !== undefined) {
        problems.push({
          parameter: p.name,
          host,
          field: 'host',
          message: `${where} field host: host "${result.data.host}" is listed twice (also in ${first}): this entry is skipped`,
        });
        continue;
      }
      seen.set(result.data.host, p.name);
      fleet.push(result.data);
    }
  }
  if (fleet.length === 0 && problems.length === 0)
    throw new FleetError('the fleet is empty: no host found in any parameter under the fleet path');
  return { fleet, problems };
}

/** The same, strictly: any problem is a FleetError naming every parameter, host and field at fault. */
export function parseFleetParameters(parameters: readonly { name: string; value: string }[]): Fleet {
  const { fleet, problems } = readFleetParameters(parameters);
  const notJson = problems.find((p) => p.message.startsWith(`fleet parameter ${p.parameter}: not JSON`));
  if (notJson) throw new FleetError(notJson.message);
  if (problems.length > 0)
    throw new FleetError(`invalid fleet in Parameter Store\n${problems.map((p) => p.message).join('\n')}`);
  return fleet;
}
