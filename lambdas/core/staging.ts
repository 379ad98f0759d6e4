// Which directories may be a host's staging directory (where root writes the mksysb and savevg
// images, their logs and listings, and which backup sets to mode 750). The config and the fleet
// parameters refuse the others before anything runs; preflight and backup refuse them again on the
// host (lib/host-scripts/staging.sh, staging_system_dir, the same list). Pure: no AWS SDK.

/**
 * Never a staging directory, nor any directory above one of them (`/`):
 * - `/`, `/usr`, `/var`, `/tmp`, `/home`, `/opt`, `/admin`: rootvg's own filesystems (hd4, hd2,
 *   hd9var, hd3, hd1, hd10opt, hd11admin). A full one hangs or cripples AIX, mksysb would put the
 *   staging images into the next rootvg image, and the chmod 750 backup does would lock every other
 *   user out of them.
 * - `/etc`, `/dev`, `/proc`, `/sbin`, `/bin`, `/lib`, `/lpp`, `/audit`, `/export`, `/mnt`: where the
 *   system's configuration, devices, commands, libraries, installed products, audit trail, NIM
 *   exports and temporary mounts live.
 */
const SYSTEM_DIRECTORIES = [
  '/',
  '/usr',
  '/var',
  '/tmp',
  '/home',
  '/opt',
  '/admin',
  '/etc',
  '/dev',
  '/proc',
  '/sbin',
  '/bin',
  '/lib',
  '/lpp',
  '/audit',
  '/export',
  '/mnt',
] as const;

/**
 * No staging directory below these either: nothing of the host's data is mounted under them, so a
 * directory there is on a system filesystem (e.g. `/usr/local/mksysb` is on `/usr`). `/var`, `/opt`
 * and `/home` are not here: a dedicated filesystem is sometimes mounted below them
 * (`/var/mksysb`), and preflight refuses one that is not by its `df` mount point.
 */
const SYSTEM_TREES = ['/usr', '/tmp', '/etc', '/dev', '/proc', '/sbin', '/bin', '/lib', '/lpp'] as const;

/** The path with repeated and trailing slashes removed (`//usr/` is `/usr`). */
function normalize(path: string): string {
  const collapsed = path.replace(/\/+/g, '/');
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed;
}

/**
 * Why `path` may not be a staging directory, or null when it may. A dedicated directory such as
 * `/mksysb` or `/backup/mksysb`, on a filesystem of its own, is the normal case.
 */
export function stagingProblem(path: string): string | null {
  const p = normalize(path);
  if ((SYSTEM_DIRECTORIES as readonly string[]).includes(p))
    return `${p} is a system directory: use a dedicated directory on its own filesystem, e.g. /mksysb`;
  const tree = SYSTEM_TREES.find((t) => p.startsWith(`${t}/`));
  if (tree)
    return `${p} is under the system directory ${tree}: use a dedicated directory on its own filesystem, e.g. /mksysb`;
  return null;
}
