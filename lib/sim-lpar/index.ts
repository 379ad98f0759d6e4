// The simulated LPAR: a directory per host that stands in for its filesystem (staging, /tmp, /etc,
// usr/bin with stand-in AIX commands that print AIX's real formats) plus a fleet-wide bin/ with the
// relay's ssh and a curl wrapper. Tests and the local pipeline build a fleet here, run the real host
// scripts against it, and inject faults through each host's profile.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { z } from 'zod';
import { MODULE_EXTENSION, packagePath } from '../package-root.js';
import { writeHostSystemFiles } from './rootvg.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * A fault a host can be given; the forms with a number are `slow:<seconds>`, `part_fail:<times>[:<part>]`.
 * `mksysb_error`: mksysb stops with a 0512 error and exits non-zero. `relay_down`: the relay that
 * reaches the host is offline, so SSM never delivers a command for it (lib/local/local-ssm.ts).
 * `disk_full`: the archive is cut mid-entry at half its size, mksysb fails with 0511-432.
 * `tiny_image`: a well-formed 4 MiB archive of a few files (no kernel), yet a clean log and exit 0.
 * `wrong_vg`: mksysb writes an archive of another volume group. `bit_flip`: mksysb succeeds, then
 * the 4 KiB block holding the first record header past the image's middle is overwritten with
 * noise, before backup.sh hashes it (media corruption the checksum agrees with).
 * `replaced_after_backup`: after backup.sh hashed the image, the transfer's first request (its
 * manifest) rewrites the data of the image's plain files with other bytes, same size (the stand-in
 * curl): what is uploaded is not what the backup described. `cut_short`: the archive is cut
 * mid-entry at three fifths of its size, yet mksysb prints its success message and exits 0 (a write
 * lost without an error, e.g. a soft-mounted staging filesystem): only the archive itself can tell.
 * `forged_listing`: lsmksysb's BACKUP OSLEVEL line goes on after carriage returns with protocol
 * lines of a savevg of /etc/hosts (a hostile host). `unicode_oslevel`: the level ends in non-ASCII text.
 * `viosbr_error` (a VIOS): viosbr -backup fails and writes no archive, while backupios succeeds.
 * `nfs_mount_refused` (an ioscli VIOS): `ioscli mount` of the relay's export fails (not exported to it).
 * `nfs_unmount_busy` (an ioscli VIOS): `ioscli unmount` fails (busy), the export stays mounted.
 */
export const SimFaultSchema = z
  .string()
  .regex(
    /^(disk_full|tmp_full|tiny_image|unreachable|auth_failure|slow:\d{1,4}|size_change|part_fail:\d{1,3}(:\d{1,5})?|wrong_vg|mksysb_error|relay_down|bit_flip|replaced_after_backup|cut_short|forged_listing|unicode_oslevel|viosbr_error|nfs_mount_refused|nfs_unmount_busy)$/,
    'a fault: disk_full, tmp_full, tiny_image, unreachable, auth_failure, slow:<s>, size_change, part_fail:<n>[:<part>], wrong_vg, mksysb_error, relay_down, bit_flip, replaced_after_backup, cut_short, forged_listing, unicode_oslevel, viosbr_error, nfs_mount_refused, nfs_unmount_busy',
  );
export type SimFault = z.infer<typeof SimFaultSchema>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The simulated relay, as an ioscli VIOS sees it: the node name its `ioscli mount` accepts and the
 * directory it exports (`nfsExport` `relay1:/export/mksysb-vault`), kept under the fleet's `relay/`
 * (the relay's root: the steps that run on the relay for such a VIOS see it as AIXROOT).
 */
export const SIM_RELAY = { name: 'relay1', exportDir: '/export/mksysb-vault' } as const;

export const HostProfileSchema = z.object({
  host: z.string().regex(NAME, 'a host name: letters, digits, . _ -'),
  /** What `hostname` prints; a different value makes preflight refuse (wrong machine). */
  hostname: z.string().regex(NAME).optional(),
  /**
   * `vios`: a Virtual I/O Server. ssh as padmin lands in its restricted shell, which runs only
   * `ioscli …` (the stand-ins of backupios and viosbr) and, where `viosShell` allows it,
   * `oem_setup_env`, the root shell that reads its commands from stdin. @default 'lpar'
   */
  kind: z.enum(['lpar', 'vios']).default('lpar'),
  /** A VIOS: whether the site lets padmin open the root shell (`oem_setup_env`) or only ioscli. */
  viosShell: z.enum(['oem_setup_env', 'ioscli']).default('oem_setup_env'),
  /** The address ssh uses; defaults to the host name. */
  address: z.string().regex(NAME).optional(),
  sizeBytes: z
    .number()
    .int()
    .positive()
    .default(24 * MiB),
  growthBytesPerRun: z.number().int().default(0),
  oslevel: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}-\d{4}$/)
    .default('7200-05-03-2148'),
  /** Every volume group the host has (rootvg first). */
  volumeGroups: z.array(z.string().regex(NAME)).default(['rootvg']),
  /** Volume groups varied on; defaults to all of them. */
  onlineVolumeGroups: z.array(z.string().regex(NAME)).optional(),
  savevgSizeBytes: z
    .number()
    .int()
    .positive()
    .default(8 * MiB),
  /**
   * Entries in the rootvg image (files, directories, links, devices: what the log counts as files
   * backed up); raised to the image's fixed entries (about 50) when smaller. Real rootvgs hold
   * 50,000-150,000; the simulated one is kept small so that listing and checking it stays fast.
   */
  files: z.number().int().positive().default(1_500),
  /**
   * Directories of rootvg whose size is fixed (an application's data, a dump), on top of `sizeBytes`:
   * the image grows by their bytes. A scenario that removes one shrinks the image for a reason a diff
   * of the two images names (`-10.0 MB /home/oracle (directory removed)`).
   */
  trees: z
    .array(
      z
        .object({
          path: z.string().regex(/^\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, 'an absolute path: /dir/sub'),
          bytes: z.number().int().positive(),
          files: z.number().int().positive().max(1000).default(1),
        })
        .strict(),
    )
    .default([]),
  stagingFreeBytes: z
    .number()
    .int()
    .nonnegative()
    .default(500 * GiB),
  stagingTotalBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * GiB),
  /** The mount point `df` reports for staging: set it to `/` to simulate staging on rootvg's /. */
  stagingMount: z.string().default('/mksysb'),
  tmpFreeBytes: z.number().int().nonnegative().default(GiB),
  tmpTotalBytes: z
    .number()
    .int()
    .positive()
    .default(2 * GiB),
  /** Which checksum tools the host has; a host without openssl falls back to csum. */
  tools: z
    .object({
      openssl: z.boolean().default(true),
      csum: z.boolean().default(false),
      gzip: z.boolean().default(true),
    })
    .default({ openssl: true, csum: false, gzip: true }),
  faults: z.array(SimFaultSchema).default([]),
  /**
   * Disks in no volume group after the volume groups' own (lspv shows them `None`): a test LPAR's
   * spare disks for restore tests (hdisk<N> numbered after one disk per volume group). @default 0
   */
  spareDisks: z.number().int().min(0).max(8).default(0),
});
export type HostProfile = z.infer<typeof HostProfileSchema>;
export type HostProfileInput = z.input<typeof HostProfileSchema>;

export class SimulatedFleetError extends Error {
  override name = 'SimulatedFleetError';
}

const COMMANDS_DIR = packagePath('lib', 'sim-lpar', 'commands');
const AIX_COMMANDS: Record<string, 'usr/bin' | 'usr/sbin'> = {
  mksysb: 'usr/bin',
  savevg: 'usr/bin',
  lsmksysb: 'usr/bin',
  oslevel: 'usr/bin',
  df: 'usr/bin',
  hostname: 'usr/bin',
  lsvg: 'usr/sbin',
  restore: 'usr/sbin',
  // A test LPAR's restore test (lib/host-scripts/restore-test.sh).
  lspv: 'usr/sbin',
  alt_disk_mksysb: 'usr/sbin',
  alt_rootvg_op: 'usr/sbin',
  chroot: 'usr/sbin',
};

export interface SimulatedFleet {
  readonly dir: string;
  /** known_hosts pinning every simulated host's address (pass as knownHostsPath). */
  readonly knownHostsPath: string;
  readonly hosts: readonly string[];
  hostRoot(host: string): string;
  stagingDir(host: string): string;
  profile(host: string): HostProfile;
}

function shellValue(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Bytes the profile's trees add to every rootvg image, on top of `sizeBytes` (and its growth). */
export function treesBytes(p: Pick<HostProfile, 'trees'>): number {
  return p.trees.reduce((sum, t) => sum + t.bytes, 0);
}

function profileEnv(dir: string, p: HostProfile): string {
  const online = p.onlineVolumeGroups ?? p.volumeGroups;
  const lines: Record<string, string | number> = {
    SIM_NODE: process.execPath,
    SIM_TOOL: join(dir, ARCHIVER),
    SIM_TOOL_SERVER: join(dir, SERVER_FILE),
    SIM_HOST: p.host,
    SIM_HOSTNAME: p.hostname ?? p.host,
    SIM_ADDRESS: p.address ?? p.host,
    SIM_SIZE_BYTES: p.sizeBytes,
    SIM_GROWTH_BYTES: p.growthBytesPerRun,
    SIM_OSLEVEL: p.oslevel,
    SIM_VGS: p.volumeGroups.join(' '),
    SIM_VGS_ONLINE: online.join(' '),
    SIM_WRONG_VG: p.volumeGroups.find((v) => v !== 'rootvg') ?? 'datavg',
    SIM_SAVEVG_SIZE_BYTES: p.savevgSizeBytes,
    SIM_FILES: p.files,
    SIM_TREES: p.trees.map((t) => `${t.path}:${t.bytes}:${t.files}`).join(' '),
    SIM_TREES_BYTES: treesBytes(p),
    SIM_STAGING_FREE_BYTES: p.stagingFreeBytes,
    SIM_STAGING_TOTAL_BYTES: p.stagingTotalBytes,
    SIM_STAGING_MOUNT: p.stagingMount,
    SIM_TMP_FREE_BYTES: p.tmpFreeBytes,
    SIM_TMP_TOTAL_BYTES: p.tmpTotalBytes,
    SIM_FAULTS: p.faults.join(' '),
    SIM_KIND: p.kind,
    SIM_VIOS_SHELL: p.viosShell,
    SIM_IOSLEVEL: '3.1.4.10',
    SIM_RELAY_NAME: SIM_RELAY.name,
    SIM_RELAY_ROOT: join(dir, 'relay'),
    SIM_SPARE_DISKS: p.spareDisks,
  };
  return `${Object.entries(lines)
    .map(([k, v]) => `${k}=${shellValue(String(v))}`)
    .join('\n')}\n`;
}

/** The archiver the stand-ins run (archiver-cli.ts bundled), relative to the fleet directory. */
const ARCHIVER = 'bin/sim-archiver.mjs';
let archiverBundle: string | undefined;

/**
 * Bundles the archiver with esbuild (once per process) and writes it into the fleet, unless the
 * fleet already has this very bundle: plain node starts it in tens of milliseconds, where tsx would
 * cost half a second on each of the hundreds of calls a local run makes.
 */
function installArchiver(dir: string): void {
  archiverBundle ??= (() => {
    const built = buildSync({
      entryPoints: [fileURLToPath(new URL(`./archiver-cli${MODULE_EXTENSION}`, import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      write: false,
      logLevel: 'silent',
    });
    const text = built.outputFiles[0]?.text;
    if (!text) throw new SimulatedFleetError('esbuild produced no archiver bundle');
    return text;
  })();
  const target = join(dir, ARCHIVER);
  if (existsSync(target) && readFileSync(target, 'utf8') === archiverBundle) return;
  replaceFile(target, archiverBundle);
}

/** Where a fleet's stand-ins find the archiver server (`<port> <token>`), while one serves it. */
const SERVER_FILE = 'run/sim-tool';

/**
 * The archiver running as a server (archiver-server.ts), one per process, for every fleet this
 * process builds or runs scripts against (createSimulatedFleet and simEnv announce them): the
 * stand-ins then ask it over HTTP instead of starting a node each (_profile.sh sim_tool). It is
 * started on the first announcement and ends with this process; until it listens, and whenever its
 * file is missing or stale, the stand-ins run the archiver themselves, so nothing waits for it and
 * nothing depends on it.
 */
class ArchiverServer {
  private child: ChildProcess | null = null;
  private line: string | null = null;
  private readonly token = randomBytes(18).toString('base64url');
  private readonly fleets = new Set<string>();
  private hooked = false;

  announce(dir: string): void {
    this.fleets.add(dir);
    if (this.line === null) this.start(join(dir, ARCHIVER));
    else this.advertise(dir);
  }

  private start(bundle: string): void {
    if (this.child) return;
    const child = spawn(process.execPath, [bundle, 'serve'], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Nothing of the caller's node options (a loader, an inspector) belongs in the server.
      env: { ...process.env, NODE_OPTIONS: '', SIM_TOOL_TOKEN: this.token },
    });
    child.on('message', (m: { port?: unknown }) => {
      // (a server stopped meanwhile says nothing for this one)
      if (this.child !== child || typeof m?.port !== 'number') return;
      this.line = `${m.port} ${this.token}\n`;
      for (const dir of this.fleets) this.advertise(dir);
    });
    child.on('exit', () => {
      if (this.child === child) this.stopped();
    });
    child.on('error', () => undefined);
    child.unref();
    child.channel?.unref();
    this.child = child;
    if (!this.hooked) process.once('exit', () => this.withdraw());
    this.hooked = true;
  }

  private advertise(dir: string): void {
    const file = join(dir, SERVER_FILE);
    if (!existsSync(dir) || (existsSync(file) && readFileSync(file, 'utf8') === this.line)) return;
    mkdirSync(join(dir, 'run'), { recursive: true });
    replaceFile(file, this.line ?? '', { mode: 0o600 });
  }

  /** Removes this server's files (a file another process's server wrote stays). */
  private withdraw(): void {
    for (const dir of this.fleets) {
      const file = join(dir, SERVER_FILE);
      try {
        if (readFileSync(file, 'utf8') === this.line) rmSync(file, { force: true });
      } catch {
        // Already gone.
      }
    }
  }

  private stopped(): void {
    this.withdraw();
    this.child = null;
    this.line = null;
  }

  /** Ends the server (tests): the stand-ins run the archiver themselves until the next announcement. */
  stop(): void {
    this.child?.kill('SIGKILL');
    this.stopped();
  }
}

const archiverServer = new ArchiverServer();

/** Ends this process's archiver server (tests of the stand-ins' fallback). */
export function stopArchiverServer(): void {
  archiverServer.stop();
}

/**
 * Puts a file (or, with `link`, a symlink) in place by writing it aside and renaming it over the
 * old one. A host's profile changes while its scripts run (tests add a fault mid-backup): a shell
 * reading a stand-in it is executing, or a step reading profile.env or calling gzip, then sees the
 * old file or the new one, never a truncated script, an empty profile or a missing command.
 */
function replaceFile(
  target: string,
  content: string | Buffer,
  options: { mode?: number; link?: boolean } = {},
): void {
  const aside = `${target}.${process.pid}.tmp`;
  rmSync(aside, { force: true });
  if (options.link) symlinkSync(content.toString(), aside);
  else writeFileSync(aside, content, { mode: options.mode ?? 0o644 });
  if (options.mode !== undefined && !options.link) chmodSync(aside, options.mode);
  renameSync(aside, target);
}

function installCommand(name: string, target: string): void {
  replaceFile(target, readFileSync(join(COMMANDS_DIR, name)), { mode: 0o755 });
}

function linkTool(root: string, name: string, enabled: boolean, real: string): void {
  const at = join(root, 'usr/bin', name);
  if (!enabled) rmSync(at, { force: true });
  else if (real.startsWith('/')) replaceFile(at, real, { link: true });
  else installCommand(real, at);
}

function writeHost(dir: string, profile: HostProfile): void {
  const root = join(dir, 'hosts', profile.host);
  for (const sub of ['usr/bin', 'usr/sbin', 'usr/lib/sim', 'etc', 'tmp', 'mksysb', 'state', 'restoretest'])
    mkdirSync(join(root, sub), { recursive: true });
  replaceFile(join(root, 'profile.env'), profileEnv(dir, profile));
  writeHostSystemFiles(root, profile.hostname ?? profile.host, profile.volumeGroups);
  replaceFile(join(root, 'usr/lib/sim/_profile.sh'), readFileSync(join(COMMANDS_DIR, '_profile.sh')));
  for (const [name, sub] of Object.entries(AIX_COMMANDS)) installCommand(name, join(root, sub, name));
  installCommand('lsmksysb', join(root, 'usr/bin/lssavevg'));
  linkTool(root, 'openssl', profile.tools.openssl, '/usr/bin/openssl');
  linkTool(root, 'csum', profile.tools.csum, 'csum');
  linkTool(root, 'gzip', profile.tools.gzip, '/usr/bin/gzip');
  if (profile.kind === 'vios') {
    mkdirSync(join(root, 'usr/ios/cli'), { recursive: true });
    mkdirSync(join(root, 'home/padmin/cfgbackups'), { recursive: true });
    mkdirSync(join(root, 'mnt'), { recursive: true });
    installCommand('ioscli', join(root, 'usr/ios/cli/ioscli'));
    for (const name of ['backupios', 'viosbr']) installCommand(name, join(root, 'usr/ios', name));
    for (const name of ['ioslevel', 'mount', 'unmount'])
      installCommand('ios-commands', join(root, 'usr/ios', name));
  } else rmSync(join(root, 'usr/ios'), { recursive: true, force: true });
  replaceFile(join(dir, 'addresses', profile.address ?? profile.host), join('..', 'hosts', profile.host), {
    link: true,
  });
}

function writeKnownHosts(dir: string, profiles: readonly HostProfile[]): void {
  const lines = profiles.map(
    (p) =>
      `${p.address ?? p.host} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAISimulatedHostKeyOf${p.host.replace(/[^A-Za-z0-9]/g, '')}`,
  );
  replaceFile(join(dir, 'known_hosts'), `${lines.join('\n')}\n`);
}

function readProfiles(dir: string): HostProfile[] {
  const file = join(dir, 'fleet.json');
  if (!existsSync(file)) return [];
  return z.array(HostProfileSchema).parse(JSON.parse(readFileSync(file, 'utf8')));
}

function fleetHandle(dir: string): SimulatedFleet {
  const profiles = readProfiles(dir);
  const find = (host: string): HostProfile => {
    const p = profiles.find((x) => x.host === host);
    if (!p) throw new SimulatedFleetError(`simulated fleet ${dir}: no host "${host}"`);
    return p;
  };
  return {
    dir,
    knownHostsPath: join(dir, 'known_hosts'),
    hosts: profiles.map((p) => p.host),
    hostRoot: (host) => join(dir, 'hosts', find(host).host),
    stagingDir: (host) => join(dir, 'hosts', find(host).host, 'mksysb'),
    profile: find,
  };
}

/** Builds (or adds to) a simulated fleet under `dir`: one root per host, the relay's ssh and curl. */
export function createSimulatedFleet(dir: string, hosts: readonly HostProfileInput[]): SimulatedFleet {
  const parsed = hosts.map((h, i) => {
    const r = HostProfileSchema.safeParse(h);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new SimulatedFleetError(
        `simulated host ${i} (${String((h as { host?: unknown }).host)}): ${issue?.path.join('.')}: ${issue?.message}`,
      );
    }
    return r.data;
  });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'addresses'), { recursive: true });
  // The relay's NFS export (SIM_RELAY), root's and 750 as its prerequisites say.
  mkdirSync(join(dir, 'relay', SIM_RELAY.exportDir), { recursive: true, mode: 0o750 });
  mkdirSync(join(dir, 'relay/usr/bin'), { recursive: true });
  for (const tool of ['openssl', 'gzip'])
    replaceFile(join(dir, 'relay/usr/bin', tool), `/usr/bin/${tool}`, { link: true });
  installArchiver(dir);
  installCommand('ssh', join(dir, 'bin/ssh'));
  installCommand('curl', join(dir, 'bin/curl'));
  const all = [...readProfiles(dir).filter((p) => !parsed.some((n) => n.host === p.host)), ...parsed];
  for (const p of parsed) writeHost(dir, p);
  replaceFile(join(dir, 'fleet.json'), `${JSON.stringify(all, null, 2)}\n`);
  writeKnownHosts(dir, all);
  archiverServer.announce(dir);
  return fleetHandle(dir);
}

/** Changes a host's profile (faults, sizes…) between runs; the files on the host stay. */
export function setHostProfile(dir: string, host: string, change: Partial<HostProfileInput>): HostProfile {
  const current = fleetHandle(dir).profile(host);
  createSimulatedFleet(dir, [{ ...current, ...change, host }]);
  return fleetHandle(dir).profile(host);
}

/** Opens a fleet built earlier. */
export function openSimulatedFleet(dir: string): SimulatedFleet {
  return fleetHandle(dir);
}

/**
 * PATH for running the documents against the fleet: the relay's stand-ins (ssh, curl) first. In
 * direct mode the host's own commands are found through AIXROOT (see simEnv), not PATH.
 */
export function simPath(dir: string, basePath = process.env.PATH ?? '/usr/bin:/bin'): string {
  return `${join(dir, 'bin')}:${basePath}`;
}

export interface SimEnvOptions {
  /** direct: the step runs "on" the host (AIXROOT = its root); relay: through the simulated ssh. */
  readonly mode: 'relay' | 'direct';
  /** The shell the simulated LPAR's /usr/bin/ksh is (relay mode): ksh by default, or dash. */
  readonly lparShell?: string;
}

/** The environment a document or script needs to run against one simulated host. */
export function simEnv(dir: string, host: string, options: SimEnvOptions): Record<string, string> {
  const fleet = fleetHandle(dir);
  archiverServer.announce(dir);
  const env: Record<string, string> = {
    PATH: simPath(dir),
    SIM_TARGET_HOST: host,
    TMPDIR: join(dir, 'relay-tmp'),
  };
  mkdirSync(env.TMPDIR as string, { recursive: true });
  if (options.mode === 'direct') {
    env.AIXROOT = fleet.hostRoot(host);
    env.TMPDIR = join(fleet.hostRoot(host), 'tmp');
  }
  // An ioscli VIOS's steps run on the relay itself, in its NFS export: the simulated relay's root.
  const profile = fleet.hosts.includes(host) ? fleet.profile(host) : null;
  if (options.mode === 'relay' && profile?.kind === 'vios' && profile.viosShell === 'ioscli')
    env.AIXROOT = join(dir, 'relay');
  if (options.lparShell) env.SIM_LPAR_SHELL = options.lparShell;
  return env;
}
