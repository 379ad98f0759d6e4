// The simulated volume groups an LPAR backs up: what its mksysb (rootvg) and savevg images hold, as
// a plan of archive entries in the order the AIX `backup` command writes them. The files a person
// could want back (/etc/hosts, /etc/passwd, /bosinst.data…) are real files in the host's simulated
// root and are archived from there byte for byte; image.data and the vgdata files are written there
// the way mkszfile/mkvgdata write them before each backup; the bulk that brings an image to its
// profile's size is a deterministic tree generated from a seed (the same host, size and date give
// the same bytes). Pure planning: no archive format here (lambdas/core/bff/ writes it).
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type SimEntryType = 'file' | 'directory' | 'symlink' | 'other';

/** One archive entry as planned: its data is text (known now) or a sized share of the binary bulk. */
export interface SimEntry {
  readonly path: string;
  readonly type: SimEntryType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  /** Text-like content, known up front (packed when the image is packed). */
  readonly text?: Uint8Array;
  /** Incompressible content whose length the sizing decides: this entry's share of the binary bulk. */
  readonly binaryWeight?: number;
  /** Incompressible content of exactly this many bytes (a tree's file: its size is the profile's). */
  readonly fixedSize?: number;
  readonly linkTarget?: string;
}

/** One logical volume of a volume group, as `lsvg -l` shows it and image.data describes it. */
export interface SimLogicalVolume {
  readonly name: string;
  readonly type: string;
  readonly lps: number;
  readonly pps: number;
  readonly pvs: number;
  readonly state: string;
  /** `N/A` for raw logical volumes. */
  readonly mount: string;
}

/** rootvg's logical volumes: the same table the stand-in `lsvg -l rootvg` prints (test/lib/sim-lpar). */
export const ROOTVG_LVS: readonly SimLogicalVolume[] = [
  { name: 'hd5', type: 'boot', lps: 1, pps: 1, pvs: 1, state: 'closed/syncd', mount: 'N/A' },
  { name: 'hd6', type: 'paging', lps: 16, pps: 16, pvs: 1, state: 'open/syncd', mount: 'N/A' },
  { name: 'hd8', type: 'jfs2log', lps: 1, pps: 1, pvs: 1, state: 'open/syncd', mount: 'N/A' },
  { name: 'hd4', type: 'jfs2', lps: 106, pps: 106, pvs: 1, state: 'open/syncd', mount: '/' },
  { name: 'hd2', type: 'jfs2', lps: 152, pps: 152, pvs: 1, state: 'open/syncd', mount: '/usr' },
  { name: 'hd9var', type: 'jfs2', lps: 3, pps: 3, pvs: 1, state: 'open/syncd', mount: '/var' },
  { name: 'hd3', type: 'jfs2', lps: 2, pps: 2, pvs: 1, state: 'open/syncd', mount: '/tmp' },
  { name: 'hd1', type: 'jfs2', lps: 1, pps: 1, pvs: 1, state: 'open/syncd', mount: '/home' },
  { name: 'hd10opt', type: 'jfs2', lps: 124, pps: 124, pvs: 1, state: 'open/syncd', mount: '/opt' },
  { name: 'hd11admin', type: 'jfs2', lps: 4, pps: 4, pvs: 1, state: 'open/syncd', mount: '/admin' },
  { name: 'lg_dumplv', type: 'sysdump', lps: 32, pps: 32, pvs: 1, state: 'open/syncd', mount: 'N/A' },
  {
    name: 'livedump',
    type: 'jfs2',
    lps: 1,
    pps: 1,
    pvs: 1,
    state: 'open/syncd',
    mount: '/var/adm/ras/livedump',
  },
];

/** A data volume group's logical volumes (the stand-in `lsvg -l <vg>`): one filesystem and its log. */
export function dataVgLvs(vg: string): SimLogicalVolume[] {
  return [
    { name: `${vg}lv01`, type: 'jfs2', lps: 8, pps: 8, pvs: 1, state: 'open/syncd', mount: `/${vg}/data` },
    { name: `${vg}log`, type: 'jfs2log', lps: 1, pps: 1, pvs: 1, state: 'open/syncd', mount: 'N/A' },
  ];
}

export function logicalVolumesOf(vg: string): readonly SimLogicalVolume[] {
  return vg === 'rootvg' ? ROOTVG_LVS : dataVgLvs(vg);
}

const PP_SIZE_MB = 32;
const CPU_ID = '00F81B111C00';
/** The files' modification time: fixed, so the same plan always gives the same bytes. */
const FILE_MTIME = Date.UTC(2024, 2, 15, 9, 30, 0) / 1000;

// st_mode type bits.
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;

/** A small fast deterministic PRNG (mulberry32) seeded from a string. */
export function prng(seed: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOISE_CHUNK = 64 * 1024;

/**
 * `n` incompressible bytes from a seed: the AES-128-CTR keystream under a key derived from the seed
 * (deterministic, and far faster than a PRNG in JavaScript). The binary bulk and the faults' garbage.
 * Enciphered 64 KiB at a time (the same keystream): one update of 4 MiB took 40-175 ms here, 64
 * updates of 64 KiB under 3 ms.
 */
export function noise(seed: string, n: number): Uint8Array {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  const out = new Uint8Array(n);
  const zeros = Buffer.alloc(Math.min(n, NOISE_CHUNK));
  for (let at = 0; at < n; at += NOISE_CHUNK)
    out.set(cipher.update(zeros.subarray(0, Math.min(NOISE_CHUNK, n - at))), at);
  return out;
}

/** What `oslevel -s` says, as image.data and lsmksysb write it: 7200-05-03-2148 -> 7.2.5.3, 7200-05. */
export function osLevelParts(oslevel: string): {
  version: string;
  release: string;
  level: string;
  ml: string;
} {
  const [vrmf = '7200', tl = '00', sp = '00'] = oslevel.split('-');
  const version = vrmf.charAt(0);
  const release = vrmf.charAt(1);
  return {
    version,
    release,
    level: `${version}.${release}.${Number(tl)}.${Number(sp)}`,
    ml: `${vrmf}-${tl}`,
  };
}

/** The backup's time as AIX's `date` prints it (image.data DATE_TIME, lsmksysb BACKUP DATE/TIME). */
export function backupDateTime(date: string): string {
  const d = new Date(`${date}T02:00:00Z`);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} 02:00:00 UTC ${d.getUTCFullYear()}`;
}

function hashOf(text: string): number {
  return Math.floor(prng(text)() * 4294967296);
}

function pvid(host: string, disk: number): string {
  return `00f81b11${(hashOf(`${host}/hdisk${disk}`) >>> 0).toString(16).padStart(8, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// The host's real system files (written once when the fleet is built; a test may edit them).

/** The files under a simulated host's root that every rootvg image archives from there. */
export const HOST_SYSTEM_FILES = [
  'bosinst.data',
  'etc/environment',
  'etc/filesystems',
  'etc/group',
  'etc/hosts',
  'etc/inittab',
  'etc/motd',
  'etc/netsvc.conf',
  'etc/passwd',
  'etc/resolv.conf',
  'etc/security/group',
  'etc/security/passwd',
  'etc/security/user',
] as const;

const APP_USERS = ['oracle', 'dbadmin', 'appsvc', 'nagios', 'tsmadm'];

function hostAddress(host: string): string {
  const h = hashOf(host);
  return `10.${20 + (h % 40)}.${(h >>> 8) % 250}.${10 + ((h >>> 16) % 240)}`;
}

function etcHosts(host: string): string {
  return [
    '# @(#)47\t1.1  src/bos/usr/sbin/netstart/hosts, cmdnet, bos720 7/24/91 10:00:46',
    '# IBM_PROLOG_BEGIN_TAG',
    '#',
    '# /etc/hosts',
    '#',
    '# This file contains the hostnames and their address for hosts in the',
    '# network.  This file is used to resolve a hostname into an Internet',
    '# address.',
    '#',
    '# Internet Address      Hostname         # Comments',
    '127.0.0.1               loopback localhost      # loopback (lo0) name/address',
    '::1                     loopback localhost      # IPv6 loopback (lo0) name/address',
    `${hostAddress(host)}     ${host}.example.com ${host}`,
    `${hostAddress(`${host}-nim`)}     aixnim01.example.com aixnim01 # NIM master`,
    `${hostAddress(`${host}-gw`)}     relay01.example.com relay01 # mksysb-vault relay`,
    '',
  ].join('\n');
}

function etcPasswd(): string {
  const lines = [
    'root:!:0:0::/:/usr/bin/ksh',
    'daemon:!:1:1::/etc:',
    'bin:!:2:2::/bin:',
    'sys:!:3:3::/usr/sys:',
    'adm:!:4:4::/var/adm:',
    'uucp:!:5:5::/usr/lib/uucp:',
    'guest:!:100:100::/home/guest:',
    'nobody:!:4294967294:4294967294::/:',
    'lpd:!:9:4294967294::/:',
    'lp:*:11:11::/var/spool/lp:/bin/false',
    'invscout:*:6:12::/var/adm/invscout:/usr/bin/ksh',
    'snapp:*:200:13:snapp login user:/usr/sbin/snapp:/usr/sbin/snappd',
    'nuucp:*:7:5:uucp login user:/var/spool/uucppublic:/usr/sbin/uucp/uucico',
    'ipsec:*:201:1::/etc/ipsec:/usr/bin/ksh',
    'pconsole:*:8:0::/home/pconsole:/usr/bin/ksh',
    'esaadmin:*:10:0::/home/esaadmin:/usr/bin/ksh',
    'sshd:*:202:201::/var/empty:/usr/bin/ksh',
    ...APP_USERS.map((u, i) => `${u}:!:${301 + i}:${u === 'oracle' ? 300 : 1}::/home/${u}:/usr/bin/ksh`),
  ];
  return `${lines.join('\n')}\n`;
}

function etcGroup(): string {
  const lines = [
    'system:!:0:root,pconsole,esaadmin',
    'staff:!:1:ipsec,sshd,appsvc,nagios,tsmadm',
    'bin:!:2:root,bin',
    'sys:!:3:root,bin,sys',
    'adm:!:4:bin,adm',
    'uucp:!:5:nuucp,uucp',
    'mail:!:6:',
    'security:!:7:root',
    'cron:!:8:root',
    'printq:!:9:lp',
    'audit:!:10:root',
    'ecs:!:28:',
    'nobody:!:4294967294:nobody,lpd',
    'usr:!:100:guest',
    'perf:!:20:',
    'shutdown:!:21:',
    'lp:!:11:root,lp,printq',
    'invscout:!:12:invscout',
    'snapp:!:13:snapp',
    'ipsec:!:200:',
    'pconsole:!:14:pconsole',
    'sshd:!:201:sshd',
    'dba:!:300:oracle,dbadmin',
  ];
  return `${lines.join('\n')}\n`;
}

function securityPasswd(host: string): string {
  const users = ['root', 'daemon', 'bin', 'sys', 'adm', 'uucp', 'guest', 'nobody', 'lpd', ...APP_USERS];
  const r = prng(`${host}/security/passwd`);
  const salt = () =>
    Array.from(
      { length: 16 },
      () => './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'[Math.floor(r() * 64)],
    ).join('');
  return users
    .map((u) => {
      const locked = !['root', ...APP_USERS].includes(u);
      return locked
        ? `${u}:\n\tpassword = *\n\n`
        : `${u}:\n\tpassword = {ssha512}06$${salt()}$${salt()}${salt()}${salt()}${salt()}\n\tlastupdate = ${1_700_000_000 + Math.floor(r() * 20_000_000)}\n\tflags = \n\n`;
    })
    .join('');
}

function securityGroup(): string {
  return [
    'system:\n\tadmin = true\n',
    'staff:\n\tadmin = false\n',
    'security:\n\tadmin = true\n',
    'dba:\n\tadmin = false\n',
  ]
    .map((s) => `${s}\n`)
    .join('');
}

function securityUser(): string {
  return [
    'default:',
    '\tadmin = false',
    '\tlogin = true',
    '\tsu = true',
    '\tdaemon = true',
    '\trlogin = true',
    '\tsugroups = ALL',
    '\tadmgroups =',
    '\tttys = ALL',
    '\tauth1 = SYSTEM',
    '\tauth2 = NONE',
    '\ttpath = nosak',
    '\tumask = 022',
    '\texpires = 0',
    '\tSYSTEM = "compat"',
    '\tlogintimes =',
    '\tpwdwarntime = 0',
    '\taccount_locked = false',
    '\tloginretries = 0',
    '\thistexpire = 0',
    '\thistsize = 0',
    '\tminage = 0',
    '\tmaxage = 0',
    '\tmaxexpired = -1',
    '\tminalpha = 0',
    '\tminother = 0',
    '\tmindiff = 0',
    '\tmaxrepeats = 8',
    '\tminlen = 0',
    '',
    'root:',
    '\tadmin = true',
    '\tSYSTEM = "compat"',
    '\tregistry = files',
    '\tloginretries = 0',
    '\taccount_locked = false',
    '\trlogin = false',
    '',
  ].join('\n');
}

function fsStanza(mount: string, dev: string, vfs: string, log: string | null, extra: string[] = []): string {
  return [
    `${mount}:`,
    `\tdev\t\t= ${dev}`,
    `\tvfs\t\t= ${vfs}`,
    ...(log ? [`\tlog\t\t= ${log}`] : []),
    `\tmount\t\t= ${vfs === 'procfs' ? 'true' : mount === '/mksysb' ? 'true' : 'automatic'}`,
    '\tcheck\t\t= false',
    ...extra,
    `\taccount\t\t= false`,
    '',
  ].join('\n');
}

function etcFilesystems(volumeGroups: readonly string[]): string {
  const root = ROOTVG_LVS.filter((lv) => lv.mount.startsWith('/')).map((lv) =>
    fsStanza(
      lv.mount,
      `/dev/${lv.name}`,
      'jfs2',
      '/dev/hd8',
      lv.mount === '/' ? ['\ttype\t\t= bootfs'] : lv.mount === '/usr' ? ['\ttype\t\t= bootfs'] : [],
    ),
  );
  const data = volumeGroups
    .filter((vg) => vg !== 'rootvg')
    .flatMap((vg) =>
      dataVgLvs(vg)
        .filter((lv) => lv.mount.startsWith('/'))
        .map((lv) => fsStanza(lv.mount, `/dev/${lv.name}`, 'jfs2', `/dev/${vg}log`)),
    );
  return [
    '* @(#)filesystems @(#)29\t1.22  src/bos/etc/filesystems/filesystems, cmdfs, bos720, 1543A_720 10/8/15 03:32:05',
    '* This file contains descriptions of all the file systems that are known to the system.',
    '*',
    '',
    ...root,
    fsStanza('/proc', '/proc', 'procfs', null),
    fsStanza('/mksysb', '/dev/fslv00', 'jfs2', 'INLINE'),
    ...data,
  ].join('\n');
}

function etcInittab(): string {
  return [
    ': @(#)49\t1.28.2.7 src/bos/etc/inittab/inittab, cmdoper, bos720, 1543A_720 10/8/15 03:32:05',
    ':',
    ': Note - initdefault and sysinit should be the first and second entry.',
    ':',
    'init:2:initdefault:',
    'brc::sysinit:/sbin/rc.boot 3 >/dev/console 2>&1 # Phase 3 of system boot',
    'powerfail::powerfail:/etc/rc.powerfail 2>&1 | alog -tboot > /dev/console # Power Failure Detection',
    'mkatmpvc:2:once:/usr/sbin/mkatmpvc >/dev/console 2>&1',
    'atmsvcd:2:once:/usr/sbin/atmsvcd >/dev/console 2>&1',
    'load64bit:2:wait:/etc/methods/cfg64 >/dev/console 2>&1 # Enable 64-bit execs',
    'tunables:23456789:wait:/usr/sbin/tunrestore -R > /dev/console 2>&1 # Set tunables',
    'securityboot:2:bootwait:/etc/rc.security.boot > /dev/console 2>&1',
    'rc:23456789:wait:/etc/rc 2>&1 | alog -tboot > /dev/console # Multi-User checks',
    'rcemgr:23456789:once:/usr/sbin/emgr -B > /dev/null 2>&1',
    'fbcheck:23456789:wait:/usr/sbin/fbcheck 2>&1 | alog -tboot > /dev/console # run /etc/firstboot',
    'srcmstr:23456789:respawn:/usr/sbin/srcmstr # System Resource Controller',
    'cron:23456789:respawn:/usr/sbin/cron',
    'rctcpip:23456789:wait:/etc/rc.tcpip > /dev/console 2>&1 # Start TCP/IP daemons',
    'rcnfs:23456789:wait:/etc/rc.nfs > /dev/console 2>&1 # Start NFS Daemons',
    'piobe:2:wait:/usr/lib/lpd/pio/etc/pioinit_cp >/dev/null 2>&1  # pb cleanup',
    'cons:0123456789:respawn:/usr/sbin/getty /dev/console',
    'qdaemon:23456789:wait:/usr/bin/startsrc -sqdaemon',
    'writesrv:23456789:wait:/usr/bin/startsrc -swritesrv',
    'uprintfd:23456789:respawn:/usr/sbin/uprintfd',
    'shdaemon:2:off:/usr/sbin/shdaemon >/dev/console 2>&1 # High availability daemon',
    'l2:2:wait:/etc/rc.d/rc 2',
    'ctrmc:2:once:/usr/bin/startsrc -s ctrmc > /dev/console 2>&1',
    'clcomd:23456789:once:/usr/bin/startsrc -s clcomd',
    'perfstat:2:once:/usr/lib/perf/libperfstat_updt_dictionary >/dev/console 2>&1',
    '',
  ].join('\n');
}

function bosinstData(): string {
  return [
    '# bosinst_data file created by mkszfile',
    'control_flow:',
    '    CONSOLE = Default',
    '    INSTALL_METHOD = overwrite',
    '    PROMPT = yes',
    '    EXISTING_SYSTEM_OVERWRITE = yes',
    '    INSTALL_X_IF_ADAPTER = yes',
    '    RUN_STARTUP = yes',
    '    RM_INST_ROOTS = no',
    '    ERROR_EXIT =',
    '    CUSTOMIZATION_FILE =',
    '    TCB = no',
    '    INSTALL_TYPE =',
    '    BUNDLES =',
    '    RECOVER_DEVICES = Default',
    '    BOSINST_DEBUG = no',
    '    ACCEPT_LICENSES =',
    '    ACCEPT_SWMA =',
    '    DESKTOP = NONE',
    '    INSTALL_DEVICES_AND_UPDATES = yes',
    '    IMPORT_USER_VGS =',
    '    ENABLE_64BIT_KERNEL = Default',
    '    CREATE_JFS2_FS = Default',
    '    ALL_DEVICES_KERNELS = yes',
    '    GRAPHICS_BUNDLE =',
    '    SYSTEM_MGMT_CLIENT_BUNDLE =',
    '    FIREFOX_BUNDLE =',
    '    KERBEROS_5_BUNDLE =',
    '    SERVER_BUNDLE =',
    '    REMOVE_JAVA_118 =',
    '    HARDWARE_DUMP =',
    '    ADD_CDE =',
    '    ADD_GNOME =',
    '    ADD_KDE =',
    '    ERASE_ITERATIONS = 0',
    '    ERASE_PATTERNS =',
    '    ADD_XORG = no',
    '    MKSYSB_MIGRATION_DEVICE =',
    '    TRUSTED_AIX =',
    '    TRUSTED_AIX_LSPP =',
    '    TRUSTED_AIX_SYSMGT =',
    '    SECURE_BY_DEFAULT =',
    '    ADAPTER_SEARCH_LIST =',
    '',
    'target_disk_data:',
    '    PVID =',
    '    PHYSICAL_LOCATION =',
    '    CONNECTION =',
    '    LOCATION =',
    '    SIZE_MB =',
    '    HDISKNAME = hdisk0',
    '',
    'locale:',
    '    BOSINST_LANG = en_US',
    '    CULTURAL_CONVENTION = en_US',
    '    MESSAGES = en_US',
    '    KEYBOARD = en_US',
    '',
    'large_dumplv:',
    '    DUMPDEVICE = lg_dumplv',
    '    SIZEGB = 1',
    '',
    'SECURITY:',
    '    ADMIN_USER = no',
    '',
  ].join('\n');
}

function hostSystemFile(
  name: (typeof HOST_SYSTEM_FILES)[number],
  host: string,
  volumeGroups: readonly string[],
): string {
  switch (name) {
    case 'bosinst.data':
      return bosinstData();
    case 'etc/environment':
      return 'PATH=/usr/bin:/etc:/usr/sbin:/usr/ucb:/usr/bin/X11:/sbin:/usr/java8_64/jre/bin:/usr/java8_64/bin\nTZ=Europe/Berlin\nLANG=en_US\nLOCPATH=/usr/lib/nls/loc\nNLSPATH=/usr/lib/nls/msg/%L/%N:/usr/lib/nls/msg/%L/%N.cat:/usr/lib/nls/msg/%l.%t/%c/%N:/usr/lib/nls/msg/%l.%c/%N.cat\nODMDIR=/etc/objrepos\nCLCMD_PASSTHRU=1\n';
    case 'etc/filesystems':
      return etcFilesystems(volumeGroups);
    case 'etc/group':
      return etcGroup();
    case 'etc/hosts':
      return etcHosts(host);
    case 'etc/inittab':
      return etcInittab();
    case 'etc/motd':
      return `*******************************************************************************\n*                                                                             *\n*  ${`${host}: authorised use only. Activity is logged.`.padEnd(75)}*\n*                                                                             *\n*******************************************************************************\n`;
    case 'etc/netsvc.conf':
      return 'hosts = local, bind4\n';
    case 'etc/passwd':
      return etcPasswd();
    case 'etc/resolv.conf':
      return `domain\texample.com\nsearch\texample.com\nnameserver\t${hostAddress('dns1')}\nnameserver\t${hostAddress('dns2')}\n`;
    case 'etc/security/group':
      return securityGroup();
    case 'etc/security/passwd':
      return securityPasswd(host);
    case 'etc/security/user':
      return securityUser();
  }
}

/** Mode, owner and group of a system file as AIX ships it. */
function systemFileOwner(path: string): { mode: number; uid: number; gid: number } {
  if (path === 'etc/security/passwd') return { mode: 0o600, uid: 0, gid: 7 };
  if (path.startsWith('etc/security/')) return { mode: 0o640, uid: 0, gid: 7 };
  if (path === 'etc/hosts') return { mode: 0o664, uid: 0, gid: 0 };
  if (path === 'etc/passwd' || path === 'etc/group') return { mode: 0o644, uid: 0, gid: 7 };
  return { mode: 0o644, uid: 0, gid: 0 };
}

/**
 * Writes the host's system files under its simulated root, each only if it is not there yet (a
 * test or an operator may have changed one: the next image archives what is there).
 */
export function writeHostSystemFiles(root: string, host: string, volumeGroups: readonly string[]): void {
  for (const name of HOST_SYSTEM_FILES) {
    const at = join(root, name);
    if (existsSync(at)) continue;
    mkdirSync(dirname(at), { recursive: true });
    writeFileSync(at, hostSystemFile(name, host, volumeGroups));
    utimesSync(at, FILE_MTIME, FILE_MTIME);
  }
}

// ---------------------------------------------------------------------------------------------
// image.data and the vgdata files (what mkszfile / mkvgdata write before each backup).

export interface VolumeGroupBackup {
  readonly kind: 'mksysb' | 'savevg';
  /** What `uname -n` says on the host. */
  readonly hostname: string;
  readonly oslevel: string;
  /** The backup's day, YYYY-MM-DD. */
  readonly date: string;
  readonly vg: string;
  /** Every volume group the host has (image.data's USERVG_LIST, /etc/filesystems). */
  readonly volumeGroups: readonly string[];
  /** The image's planned size: image.data's fs_data sizes add up to it (lsmksysb's BACKUP SIZE). */
  readonly sizeBytes: number;
}

const MB = 1024 * 1024;

/**
 * The filesystems' FS_SIZE and FS_MIN_SIZE (512-byte blocks), spread over the volume group's
 * filesystems so that their sums are the image's size and 70% of it: the stand-in lsmksysb prints
 * those sums as BACKUP SIZE and SHRINK SIZE (real image.data does not carry the image's size).
 */
function fsSizes(
  lvs: readonly SimLogicalVolume[],
  sizeBytes: number,
): Map<string, { size: number; min: number }> {
  const filesystems = lvs.filter((lv) => lv.mount.startsWith('/'));
  const totalMB = Math.max(1, Math.floor(sizeBytes / MB));
  const shrinkMB = Math.floor((totalMB * 7) / 10);
  const weight = filesystems.reduce((s, lv) => s + lv.lps, 0);
  const out = new Map<string, { size: number; min: number }>();
  let restSize = totalMB;
  let restMin = shrinkMB;
  filesystems.forEach((lv, i) => {
    const last = i === filesystems.length - 1;
    const size = last ? restSize : Math.floor((totalMB * lv.lps) / weight);
    const min = last ? restMin : Math.floor((shrinkMB * lv.lps) / weight);
    restSize -= size;
    restMin -= min;
    out.set(lv.name, { size: size * 2048, min: min * 2048 });
  });
  return out;
}

function lvStanza(vg: string, lv: SimLogicalVolume, host: string, index: number): string {
  const label = lv.name === 'hd5' ? 'primary_bootlv' : lv.mount.startsWith('/') ? lv.mount : 'None';
  return [
    'lv_data:',
    `VOLUME_GROUP= ${vg}`,
    `LV_SOURCE_DISK_LIST= ${vg === 'rootvg' ? 'hdisk0' : 'hdisk1'}`,
    `LV_IDENTIFIER= ${pvid(host, vg === 'rootvg' ? 0 : 1)}00004c00000001${(hashOf(vg) >>> 0).toString(16).padStart(8, '0')}.${index + 1}`,
    `LOGICAL_VOLUME= ${lv.name}`,
    'VG_STAT= active/complete',
    `TYPE= ${lv.type}`,
    'MAX_LPS= 512',
    'COPIES= 1',
    `LPs= ${lv.lps}`,
    'STALE_PPs= 0',
    'INTER_POLICY= minimum',
    `INTRA_POLICY= ${lv.type === 'boot' ? 'edge' : 'center'}`,
    `MOUNT_POINT= ${lv.mount === 'N/A' ? '' : lv.mount}`,
    'MIRROR_WRITE_CONSISTENCY= on/ACTIVE',
    'LV_SEPARATE_PV= yes',
    'PERMISSION= read/write',
    `LV_STATE= ${lv.state}`,
    'WRITE_VERIFY= off',
    `PP_SIZE= ${PP_SIZE_MB}`,
    'SCHED_POLICY= parallel',
    `PP= ${lv.pps}`,
    `BB_POLICY= ${lv.type === 'boot' ? 'non-relocatable' : 'relocatable'}`,
    `RELOCATABLE= ${lv.type === 'boot' ? 'no' : 'yes'}`,
    'UPPER_BOUND= 32',
    `LABEL= ${label}`,
    'MAPFILE=',
    `LV_MIN_LPS= ${Math.max(1, Math.ceil(lv.lps / 3))}`,
    'STRIPE_WIDTH=',
    'STRIPE_SIZE=',
    'SERIALIZE_IO= no',
    'FS_TAG=',
    'DEV_SUBTYP=',
    '',
  ].join('\n');
}

function fsStanzaData(lv: SimLogicalVolume, sizes: { size: number; min: number }): string {
  return [
    'fs_data:',
    `FS_NAME= ${lv.mount}`,
    `FS_SIZE= ${sizes.size}`,
    `FS_MIN_SIZE= ${sizes.min}`,
    `FS_LV= /dev/${lv.name}`,
    'FS_JFS2_BS= 4096',
    'FS_JFS2_SPARSE= yes',
    'FS_JFS2_INLINELOG= no',
    'FS_JFS2_SIZEINODETBL=',
    'FS_JFS2_EAFORMAT= v2',
    'FS_JFS2_QUOTA= no',
    'FS_JFS2_DMAPI= no',
    'FS_JFS2_VIX= yes',
    'FS_JFS2_EFS= no',
    'FS_JFS2_ENCRYPTION=',
    'FS_JFS2_INTEGRITY=',
    'FS_JFS2_MAXEXT=',
    'FS_JFS2_EXTENTS=',
    'FS_JFS2_NOFORMAT= no',
    'FS_JFS2_MAXEA=',
    'FS_JFS2_NONCOMPRESS=',
    '',
  ].join('\n');
}

/**
 * The volume group's image.data (rootvg: `/image.data`; a savevg image: `/tmp/vgdata/<vg>/<vg>.data`)
 * in mkszfile's layout: image_data, logical_volume_policy, ils_data, vg_data, source_disk_data, one
 * lv_data per logical volume and one fs_data per filesystem.
 */
export function imageData(b: VolumeGroupBackup): string {
  const lvs = logicalVolumesOf(b.vg);
  const os = osLevelParts(b.oslevel);
  const disk = b.vg === 'rootvg' ? 0 : 1;
  const sizes = fsSizes(lvs, b.sizeBytes);
  return [
    'image_data:',
    'IMAGE_TYPE= bff',
    `DATE_TIME= ${backupDateTime(b.date)}`,
    `UNAME_INFO= AIX ${b.hostname} ${os.release} ${os.version} ${CPU_ID}`,
    'PRODUCT_TAPE= no',
    `USERVG_LIST= ${b.volumeGroups.filter((v) => v !== 'rootvg').join(' ')}`,
    'PLATFORM= chrp',
    `OSLEVEL= ${os.level}`,
    `OSLEVEL_R= ${os.ml}`,
    `CPU_ID= ${CPU_ID}`,
    `LPAR_ID= ${1 + (hashOf(b.hostname) % 40)}`,
    '',
    'logical_volume_policy:',
    'SHRINK= no',
    'EXACT_FIT= no',
    '',
    'ils_data:',
    'LANG= en_US',
    '',
    '##Command used for vg_data; /usr/sbin/lsvg',
    '',
    'vg_data:',
    `VGNAME= ${b.vg}`,
    `PPSIZE= ${PP_SIZE_MB}`,
    'VARYON= yes',
    `VG_SOURCE_DISK_LIST= hdisk${disk}`,
    'QUORUM= 2',
    'ENH_CONC_CAPABLE= no',
    'CONC_AUTO= no',
    'BIGVG= no',
    'TFACTOR= 1',
    '',
    '##Command used for source_disk_data; /usr/sbin/bootinfo',
    '',
    'source_disk_data:',
    `PVID= ${pvid(b.hostname, disk)}`,
    `PHYSICAL_LOCATION= U9009.42A.78${(hashOf(b.hostname) % 100000).toString().padStart(5, '0')}-V${1 + (hashOf(b.hostname) % 40)}-C2-T1-L${8100 + disk}000000000000`,
    `CONNECTION= vscsi0//8${disk + 1}0000000000`,
    'LOCATION=',
    'SIZE_MB= 102400',
    `HDISKNAME= hdisk${disk}`,
    '',
    '##Command used for lv_data; /usr/sbin/lslv',
    '',
    ...lvs.map((lv, i) => lvStanza(b.vg, lv, b.hostname, i)),
    ...lvs
      .filter((lv) => lv.mount.startsWith('/'))
      .map((lv) => fsStanzaData(lv, sizes.get(lv.name) ?? { size: 0, min: 0 })),
  ].join('\n');
}

/** Where the backup command finds the volume group's image.data inside the image. */
export function imageDataPath(vg: string, kind: 'mksysb' | 'savevg'): string {
  return kind === 'mksysb' && vg === 'rootvg' ? './image.data' : `./tmp/vgdata/${vg}/${vg}.data`;
}

/** `/tmp/vgdata/<vg>/filesystems`: the /etc/filesystems stanzas of the volume group's filesystems. */
function vgFilesystems(vg: string): string {
  return logicalVolumesOf(vg)
    .filter((lv) => lv.mount.startsWith('/'))
    .map((lv) =>
      fsStanza(lv.mount, `/dev/${lv.name}`, 'jfs2', vg === 'rootvg' ? '/dev/hd8' : `/dev/${vg}log`),
    )
    .join('\n');
}

/**
 * Writes the files mkszfile (rootvg) or mkvgdata (savevg) leave under the host's root before the
 * backup reads them: /image.data or /tmp/vgdata/<vg>/<vg>.data, and /tmp/vgdata/<vg>/filesystems.
 * Returns the paths written, relative to the root.
 */
export function writeVgData(root: string, b: VolumeGroupBackup): string[] {
  const data = imageData(b);
  const written: Record<string, string> = {
    [`tmp/vgdata/${b.vg}/filesystems`]: vgFilesystems(b.vg),
  };
  if (b.kind === 'mksysb' && b.vg === 'rootvg') {
    written['image.data'] = data;
    written['tmp/vgdata/rootvg/image.data'] = data;
  } else written[`tmp/vgdata/${b.vg}/${b.vg}.data`] = data;
  for (const [name, text] of Object.entries(written)) {
    const at = join(root, name);
    mkdirSync(dirname(at), { recursive: true });
    writeFileSync(at, text);
    utimesSync(at, FILE_MTIME, FILE_MTIME);
  }
  return Object.keys(written);
}

// ---------------------------------------------------------------------------------------------
// The entries of an image.

const enc = new TextEncoder();

function dir(path: string, mode = 0o755, uid = 0, gid = 0): SimEntry {
  return { path, type: 'directory', mode: S_IFDIR | mode, uid, gid, mtime: FILE_MTIME };
}

function textFile(path: string, text: string | Uint8Array, mode = 0o644, uid = 0, gid = 0): SimEntry {
  return {
    path,
    type: 'file',
    mode: S_IFREG | mode,
    uid,
    gid,
    mtime: FILE_MTIME,
    text: typeof text === 'string' ? enc.encode(text) : text,
  };
}

function binaryFile(path: string, weight: number, mode = 0o755, uid = 2, gid = 2): SimEntry {
  return { path, type: 'file', mode: S_IFREG | mode, uid, gid, mtime: FILE_MTIME, binaryWeight: weight };
}

/** /sbin/rc.boot: the boot script every boot phase runs (a required file of a bootable image). */
function rcBoot(): string {
  const head = [
    '#!/bin/ksh',
    '# IBM_PROLOG_BEGIN_TAG',
    '# bos72X src/bos/usr/lib/boot/ssh/rc.boot.sh 1.210.1.3',
    '#',
    '# rc.boot: phase 1 configures the base devices, phase 2 varies on rootvg and mounts the',
    '# file systems, phase 3 starts init with /etc/inittab.',
    '',
    'PHASE=$1',
    'PATH=/usr/sbin:/usr/bin:/etc:/sbin',
    'export PATH ODMDIR=/etc/objrepos',
    '',
  ];
  const r = prng('rc.boot');
  const body: string[] = [];
  for (let i = 0; i < 260; i++) {
    const step = name(r).toUpperCase();
    body.push(
      `[ "$PHASE" -eq ${1 + (i % 3)} ] && /usr/lib/methods/cfg${name(r)} -${step.charAt(0).toLowerCase()} >/dev/null 2>&1 # ${word(r)} ${word(r)} ${word(r)}`,
    );
    if (i % 20 === 0) body.push(`showled 0x5${String(i % 100).padStart(2, '0')} # ${word(r)} ${word(r)}`);
  }
  return `${[...head, ...body, 'exit 0'].join('\n')}\n`;
}

/** Reads a file of the host's root as the archive holds it: `./<name>`, its real bytes. */
function rootFile(root: string, name: string): SimEntry | null {
  const at = join(root, name);
  if (!existsSync(at)) return null;
  const o = systemFileOwner(name);
  return textFile(`./${name}`, readFileSync(at), o.mode, o.uid, o.gid);
}

const SYLLABLES = [
  'ar',
  'bo',
  'cal',
  'de',
  'fi',
  'gra',
  'hex',
  'io',
  'ker',
  'lu',
  'mo',
  'net',
  'or',
  'pa',
  'qu',
  'ra',
  'sys',
  'tu',
  'vi',
  'wx',
  'xe',
  'zo',
];
const WORDS =
  'the system backup volume group logical file image install update fileset level device adapter network interface daemon service configuration default value option command error message status process memory paging boot disk filesystem mount user group security audit log entry record kernel module library runtime'.split(
    ' ',
  );

function word(r: () => number): string {
  return WORDS[Math.floor(r() * WORDS.length)] ?? 'the';
}

function name(r: () => number, parts = 2): string {
  let s = '';
  for (let i = 0; i < parts; i++) s += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
  return s;
}

/** Plausible text of about `n` bytes: man pages, lpp inventories, logs, profiles (packs well). */
function prose(r: () => number, n: number, style: number): string {
  const lines: string[] = [];
  let size = 0;
  let i = 0;
  while (size < n) {
    let line: string;
    if (style === 0) line = `.TH ${name(r).toUpperCase()} 1 ${word(r)} ${word(r)} ${word(r)}`;
    else if (style === 1)
      line = `${name(r, 3)}.rte ${7 + Math.floor(r() * 2)}.${Math.floor(r() * 4)}.${Math.floor(r() * 6)}.${Math.floor(r() * 20)} C F ${word(r)} ${word(r)}`;
    else if (style === 2)
      line = `${String(i).padStart(6, '0')} ${word(r)} ${name(r)}: ${word(r)} ${word(r)} ${word(r)} ${word(r)} ${Math.floor(r() * 65536)}`;
    else line = `export ${name(r).toUpperCase()}=/usr/${word(r)}/${name(r)} # ${word(r)} ${word(r)}`;
    const words = Math.floor(r() * 8);
    for (let w = 0; w < words; w++) line += ` ${word(r)}`;
    lines.push(line);
    size += line.length + 1;
    i++;
  }
  return `${lines.join('\n')}\n`.slice(0, Math.max(1, n));
}

const TEXT_CORPUS_BYTES = 256 * 1024;

/**
 * Each text file is a slice of one generated corpus per style: generating every file's prose afresh
 * cost most of the simulated mksysb's time. The corpora depend on nothing but the style, so a process
 * that writes many images (the archiver server, archiver-server.ts) generates them once.
 */
const corpora = new Map<number, Uint8Array>();
function corpus(style: number): Uint8Array {
  let c = corpora.get(style);
  if (!c) {
    c = enc.encode(prose(prng(`corpus/${style}`), TEXT_CORPUS_BYTES, style));
    corpora.set(style, c);
  }
  return c;
}

interface Subtree {
  readonly base: string;
  /** Share of the bulk's entries. */
  readonly share: number;
  /** Share of its files that are text (packed); the rest are binary. */
  readonly text: number;
  readonly style: number;
  readonly ext: readonly string[];
  readonly uid: number;
  readonly gid: number;
}

const ROOTVG_SUBTREES: readonly Subtree[] = [
  { base: './usr/lib', share: 22, text: 0.05, style: 1, ext: ['.a', '.so', ''], uid: 2, gid: 2 },
  { base: './usr/bin', share: 10, text: 0.1, style: 3, ext: [''], uid: 2, gid: 2 },
  { base: './usr/sbin', share: 6, text: 0.1, style: 3, ext: [''], uid: 0, gid: 0 },
  { base: './usr/share/man/man1', share: 10, text: 1, style: 0, ext: ['.1'], uid: 2, gid: 2 },
  {
    base: './usr/lpp',
    share: 12,
    text: 0.8,
    style: 1,
    ext: ['.al', '.inventory', '.size', '.cfgfiles'],
    uid: 0,
    gid: 0,
  },
  { base: './var/adm/ras', share: 6, text: 0.7, style: 2, ext: ['.log', ''], uid: 0, gid: 0 },
  {
    base: './home',
    share: 6,
    text: 0.9,
    style: 3,
    ext: ['.profile', '.sh_history', '.kshrc', '.txt'],
    uid: 301,
    gid: 1,
  },
  { base: './opt/freeware', share: 14, text: 0.2, style: 1, ext: ['.so', '', '.a'], uid: 0, gid: 0 },
  { base: './opt/IBM', share: 10, text: 0.15, style: 1, ext: ['.jar', '.so', '.properties'], uid: 0, gid: 0 },
  { base: './admin/tmp', share: 4, text: 0.9, style: 2, ext: ['.out', '.log'], uid: 0, gid: 0 },
];

export interface EntryPlanOptions {
  /** The host's simulated root (real system files, image.data written there). */
  readonly root: string;
  readonly backup: VolumeGroupBackup;
  /** Entries the image holds, all types (what the log counts as files backed up). */
  readonly entries: number;
  /** Bytes the bulk's text files may take in all (the rest of the image is binary). */
  readonly textBudget: number;
  /** Seed salt: the same options and salt give the same entries. */
  readonly salt?: string;
  /** Directories of fixed size the host has besides its bulk (rootvg only); see SimTree. */
  readonly trees?: readonly SimTree[];
}

/**
 * A directory of the simulated rootvg whose size the profile fixes (an application's data, a system
 * dump): its files are incompressible and together take exactly `bytes`, whatever the image's size.
 * Adding or removing one in a scenario is a real change of the archive a diff of two images can name.
 */
export interface SimTree {
  /** Absolute path, e.g. `/home/oracle`. */
  readonly path: string;
  readonly bytes: number;
  readonly files: number;
}

/** `path:bytes:files` words, space-separated (profile.env's SIM_TREES), as trees. */
export function parseTrees(spec: string): SimTree[] {
  return spec
    .split(' ')
    .filter(Boolean)
    .map((word) => {
      const m = /^(\/[A-Za-z0-9._/-]+):(\d+):(\d+)$/.exec(word);
      if (!m) throw new Error(`a tree is path:bytes:files, not "${word}"`);
      return { path: m[1] as string, bytes: Number(m[2]), files: Math.max(1, Number(m[3])) };
    });
}

/** A tree's entries: its directory, then its files sharing its bytes (multiples of 8, the last takes the rest). */
function treeEntries(tree: SimTree): SimEntry[] {
  const base = `.${tree.path.replace(/\/+$/, '')}`;
  const each = Math.floor(tree.bytes / tree.files / 8) * 8;
  const files = Array.from({ length: tree.files }, (_, i) => {
    const size = i === tree.files - 1 ? tree.bytes - each * (tree.files - 1) : each;
    const entry: SimEntry = {
      path: `${base}/data${String(i + 1).padStart(3, '0')}.dbf`,
      type: 'file',
      mode: S_IFREG | 0o640,
      uid: 301,
      gid: 300,
      mtime: FILE_MTIME,
      fixedSize: size,
    };
    return entry;
  });
  return [dir(base, 0o755, 301, 300), ...files];
}

/** The fewest entries an image can hold (its fixed files); a smaller `files` is raised to this. */
export function fixedEntryCount(root: string, kind: 'mksysb' | 'savevg', vg: string): number {
  return fixedEntries(root, kind, vg, []).length;
}

/** The entries every image of the volume group starts with (before the generated bulk). */
function fixedEntries(
  root: string,
  kind: 'mksysb' | 'savevg',
  vg: string,
  vgDataFiles: readonly string[],
): SimEntry[] {
  const vgdata = [
    dir('./tmp'),
    dir('./tmp/vgdata'),
    dir(`./tmp/vgdata/${vg}`),
    ...vgDataFiles.filter((f) => f.startsWith('tmp/')).map((f) => rootFile(root, f)),
  ];
  if (kind === 'savevg' || vg !== 'rootvg') {
    const mount = `.${dataVgLvs(vg)[0]?.mount ?? `/${vg}/data`}`;
    return [...vgdata, dir(`./${vg}`), dir(mount)].filter((e): e is SimEntry => e !== null);
  }
  const sys = (names: readonly string[]) => names.map((n) => rootFile(root, n));
  const entries: (SimEntry | null)[] = [
    rootFile(root, 'bosinst.data'),
    rootFile(root, 'image.data'),
    ...vgdata,
    // restore -T shows the root as ./ (mksysb's list is made with find ./).
    dir('./'),
    dir('./etc', 0o755, 0, 0),
    ...sys(HOST_SYSTEM_FILES.filter((n) => n.startsWith('etc/') && !n.startsWith('etc/security/'))),
    dir('./etc/security', 0o750, 0, 7),
    ...sys(HOST_SYSTEM_FILES.filter((n) => n.startsWith('etc/security/'))),
    rootFile(root, 'etc/exclude.rootvg'),
    {
      path: './unix',
      type: 'symlink',
      mode: S_IFLNK | 0o777,
      uid: 0,
      gid: 0,
      mtime: FILE_MTIME,
      linkTarget: '/usr/lib/boot/unix_64',
    },
    dir('./sbin', 0o755, 0, 0),
    textFile('./sbin/rc.boot', rcBoot(), 0o554, 0, 0),
    dir('./dev', 0o775, 0, 0),
    { path: './dev/null', type: 'other', mode: S_IFCHR | 0o666, uid: 0, gid: 0, mtime: FILE_MTIME },
    { path: './dev/console', type: 'other', mode: S_IFCHR | 0o622, uid: 0, gid: 0, mtime: FILE_MTIME },
    { path: './dev/hd4', type: 'other', mode: S_IFBLK | 0o660, uid: 0, gid: 0, mtime: FILE_MTIME },
    dir('./usr', 0o755, 0, 0),
    dir('./usr/lib', 0o755, 2, 2),
    dir('./usr/lib/boot', 0o755, 2, 2),
    binaryFile('./usr/lib/boot/unix_64', 6, 0o755, 0, 0),
    dir('./usr/bin', 0o755, 2, 2),
    dir('./usr/sbin', 0o755, 2, 2),
    dir('./usr/share', 0o755, 2, 2),
    dir('./usr/share/man', 0o755, 2, 2),
    dir('./usr/share/man/man1', 0o755, 2, 2),
    dir('./usr/lpp', 0o755, 2, 2),
    dir('./var', 0o755, 2, 2),
    dir('./var/adm', 0o775, 4, 4),
    dir('./var/adm/ras', 0o755, 0, 0),
    dir('./var/adm/ras/livedump', 0o755, 0, 0),
    dir('./home', 0o755, 2, 2),
    dir('./opt', 0o755, 0, 0),
    dir('./opt/freeware', 0o755, 0, 0),
    dir('./opt/IBM', 0o755, 0, 0),
    dir('./admin', 0o755, 0, 0),
    dir('./admin/tmp', 0o755, 0, 0),
  ];
  return entries.filter((e): e is SimEntry => e !== null);
}

/**
 * The image's entries in archive order: the fixed ones, then `entries - fixed` generated bulk
 * entries (directories and files) spread over the volume group's subtrees. Text files share
 * `textBudget`; binary files carry weights for the sizing to turn into lengths.
 */
export function planEntries(o: EntryPlanOptions, vgDataFiles: readonly string[]): SimEntry[] {
  const { kind, vg } = o.backup;
  const fixed = fixedEntries(o.root, kind, vg, vgDataFiles);
  const r = prng(`${o.backup.hostname}/${kind}/${vg}/${o.salt ?? ''}`);
  const bulk = Math.max(1, o.entries - fixed.length);
  const subtrees: readonly Subtree[] =
    kind === 'mksysb' && vg === 'rootvg'
      ? ROOTVG_SUBTREES
      : [
          {
            base: `.${dataVgLvs(vg)[0]?.mount ?? `/${vg}/data`}`,
            share: 1,
            text: 0.3,
            style: 2,
            ext: ['.dbf', '.dat', '.log', '.ctl'],
            uid: 301,
            gid: 300,
          },
        ];
  const totalShare = subtrees.reduce((s, t) => s + t.share, 0);
  // Entries per subtree; the last one takes what rounding leaves.
  const counts = subtrees.map((t) => Math.floor((bulk * t.share) / totalShare));
  counts[counts.length - 1] = (counts[counts.length - 1] ?? 0) + bulk - counts.reduce((s, n) => s + n, 0);
  const texts: { subtree: Subtree; index: number }[] = [];
  const trees = kind === 'mksysb' && vg === 'rootvg' ? (o.trees ?? []).flatMap(treeEntries) : [];
  const out: SimEntry[] = [...fixed, ...trees];
  subtrees.forEach((t, si) => {
    let left = counts[si] ?? 0;
    let group = 0;
    while (left > 0) {
      // A package directory, then up to ~30 files in it.
      const groupDir = `${t.base}/${name(r)}${group}`;
      out.push(dir(groupDir, 0o755, t.uid, t.gid));
      left--;
      group++;
      const files = Math.min(left, 8 + Math.floor(r() * 24));
      for (let f = 0; f < files; f++) {
        const ext = t.ext[Math.floor(r() * t.ext.length)] ?? '';
        const path = `${groupDir}/${name(r, 1 + Math.floor(r() * 3))}${f}${ext}`;
        if (r() < t.text) {
          texts.push({ subtree: t, index: out.length });
          out.push(textFile(path, '', 0o644, t.uid, t.gid));
        } else {
          // Log-uniform weights: many small binaries, a few large ones.
          out.push(binaryFile(path, 2 ** (r() * 8), 0o755, t.uid, t.gid));
        }
      }
      left -= files;
    }
  });
  // Text files share the text budget, each 64 B to 64 KiB.
  const perText =
    texts.length > 0 ? Math.max(64, Math.min(65536, Math.floor(o.textBudget / texts.length))) : 0;
  for (const { subtree, index } of texts) {
    const e = out[index];
    if (!e) continue;
    const c = corpus(subtree.style);
    // Log-uniform around the mean (x 0.02 to x 5.5): mostly small files, a few large enough to pack.
    const n = Math.min(c.length, Math.max(32, Math.floor((perText * 2 ** (r() * 8)) / 46)));
    const from = Math.floor(r() * (c.length - n));
    out[index] = { ...e, text: c.subarray(from, from + n) };
  }
  // The image's last entry is binary, so the sizing can make the image exactly its planned size.
  const last = out.at(-1);
  if (last?.binaryWeight === undefined) {
    const base = subtrees.at(-1)?.base ?? '.';
    out[out.length - 1] =
      last?.type === 'file'
        ? { ...last, text: undefined, binaryWeight: 1 }
        : binaryFile(`${base}/${name(r)}.pak`, 1);
  }
  // The kernel is a large file (about 5% of the binary bulk), as on a real rootvg.
  const kernel = out.findIndex((e) => e.path === './usr/lib/boot/unix_64');
  const k = out[kernel];
  if (k) {
    const others = out.reduce((s, e, i) => s + (i === kernel ? 0 : (e.binaryWeight ?? 0)), 0);
    out[kernel] = { ...k, binaryWeight: Math.max(1, others / 19) };
  }
  return out;
}
