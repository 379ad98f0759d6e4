// The restore kit: the exact steps to rebuild a host from one of its images — download, verify the
// checksum, define the image on a NIM master and bos_inst the LPAR, or test the image with
// alt_disk_mksysb on a spare disk. Pure text from the image's record; the CLI adds the download URL.

export interface RestoreSubject {
  readonly host: string;
  readonly date: string;
  readonly key: string;
  readonly bucket: string;
  readonly sizeBytes: number;
  readonly sha256: string | null;
  readonly osLevel: string | null;
  readonly verdict: string;
}

export interface RestoreKitOptions {
  /** A presigned GET URL of the image, when one could be made. */
  readonly downloadUrl: string | null;
  /** Where the image goes on the NIM master. @default /export/mksysb */
  readonly nimDirectory?: string;
  /** The NIM master's name for itself. @default master */
  readonly nimServer?: string;
  /** Spare disk for a test restore. @default hdisk1 */
  readonly spareDisk?: string;
}

export interface RestoreStep {
  readonly title: string;
  readonly where: string;
  readonly commands: readonly string[];
  readonly note?: string;
}

/** NIM object names: letters, digits and `_`, at most 39 characters. */
export function nimName(host: string, suffix: string): string {
  return `${host.replace(/[^A-Za-z0-9_]/g, '_')}_${suffix}`.slice(0, 39);
}

export function restoreKit(image: RestoreSubject, options: RestoreKitOptions): RestoreStep[] {
  const dir = options.nimDirectory ?? '/export/mksysb';
  const server = options.nimServer ?? 'master';
  const disk = options.spareDisk ?? 'hdisk1';
  const file = image.key.split('/').pop() ?? image.key;
  const local = `${dir}/${file}`;
  const day = image.date.slice(0, 10).replace(/-/g, '');
  const mksysbObject = nimName(image.host, `mksysb_${day}`);
  const spotObject = nimName(image.host, `spot_${day}`);
  const download = options.downloadUrl
    ? `curl --fail -o ${shellQuote(local)} ${shellQuote(options.downloadUrl)}`
    : `aws s3 cp ${shellQuote(`s3://${image.bucket}/${image.key}`)} ${shellQuote(local)}`;
  return [
    {
      title: 'Download the image to the NIM master',
      where: 'NIM master (or any host with the AWS CLI)',
      commands: [`mkdir -p ${shellQuote(dir)}`, download],
      note: options.downloadUrl ? 'the presigned URL expires: make a new kit if it has' : undefined,
    },
    {
      title: 'Verify the checksum recorded when the image was made',
      where: 'NIM master',
      commands: image.sha256
        ? [
            `openssl dgst -sha256 ${shellQuote(local)}`,
            `# expect: ${image.sha256}`,
            `# on AIX without openssl: csum -h SHA256 ${shellQuote(local)}`,
          ]
        : [
            '# no SHA-256 was recorded for this image: compare its size instead',
            `ls -l ${shellQuote(local)}`,
          ],
      note: `expected size ${image.sizeBytes} bytes`,
    },
    {
      title: 'Define the mksysb and a SPOT made from it',
      where: 'NIM master',
      commands: [
        `nim -o define -t mksysb -a server=${server} -a location=${shellQuote(local)} ${mksysbObject}`,
        `nim -o define -t spot -a server=${server} -a location=/export/spot -a source=${mksysbObject} ${spotObject}`,
      ],
    },
    {
      title: `Reinstall ${image.host} from the image`,
      where: 'NIM master',
      commands: [
        `nim -o bos_inst -a source=mksysb -a mksysb=${mksysbObject} -a spot=${spotObject} -a accept_licenses=yes -a no_client_boot=yes ${image.host}`,
        `# then network-boot ${image.host} from its HMC profile (SMS > Setup Remote IPL) and watch: lsnim -l ${image.host}`,
      ],
      note: 'this overwrites rootvg on the target LPAR',
    },
    {
      title: 'Or test the image without touching rootvg',
      where: `${image.host} (or any LPAR with a spare disk)`,
      commands: [
        `alt_disk_mksysb -m ${shellQuote(local)} -d ${disk} -B`,
        'lspv | grep altinst_rootvg',
        'alt_rootvg_op -X altinst_rootvg   # remove the test copy afterwards',
      ],
      note: '-B leaves the boot list alone',
    },
  ];
}

/**
 * The kit of a savevg image: restvg recreates the volume group on the disks named and restores its
 * files (the volume group must not exist on the host then: `exportvg` it first when replacing it).
 */
export function restvgKit(
  image: RestoreSubject,
  volumeGroup: string,
  options: RestoreKitOptions,
): RestoreStep[] {
  const dir = options.nimDirectory ?? '/export/mksysb';
  const disk = options.spareDisk ?? 'hdisk1';
  const file = image.key.split('/').pop() ?? image.key;
  const local = `${dir}/${file}`;
  const [download, verify] = restoreKit(image, options);
  return [
    {
      ...(download as RestoreStep),
      title: `Download the image to ${image.host}`,
      where: `${image.host} (or any host with the AWS CLI)`,
    },
    { ...(verify as RestoreStep), where: image.host },
    {
      title: `See what the image holds before restoring ${volumeGroup}`,
      where: image.host,
      commands: [`restvg -l -f ${shellQuote(local)}`, `restore -Tq -f ${shellQuote(local)} | head -50`],
      note: 'restvg -l lists the volume group, its disks, PP size and logical volumes',
    },
    {
      title: `Recreate ${volumeGroup} and restore its files`,
      where: image.host,
      commands: [
        `lspv   # pick free disks (volume group None), as many as ${volumeGroup} needs`,
        `# replacing ${volumeGroup}: unmount its filesystems, then varyoffvg ${volumeGroup}; exportvg ${volumeGroup}`,
        `restvg -q -f ${shellQuote(local)} ${disk}`,
        `lsvg -l ${volumeGroup}`,
      ],
      note: `this overwrites the disks named (${disk} here: name yours)`,
    },
  ];
}

/** A VIOS's viosbr archive beside its image, as its record names it. */
export interface ViosbrSubject {
  readonly key: string;
  readonly sha256: string | null;
}

/**
 * The kit of a VIOS's image: reinstall the VIOS from its backupios mksysb, from the HMC with
 * `installios` (HMC manual page: `-d` takes the path of a backupios backup, or `host:/path` mountable
 * by NFS) or from a NIM master (bos_inst of the mksysb), then restore its virtual device mappings
 * with `viosbr -restore` as padmin (IBM viosbr command: `-validate` first reports what the restore
 * would do). Without the viosbr archive (null) the mappings are re-made by hand, and the kit says so.
 */
export function viosKit(
  image: RestoreSubject,
  viosbr: ViosbrSubject | null,
  options: RestoreKitOptions & {
    /** The archive's own presigned GET URL, when one could be made. */
    readonly viosbrUrl?: string | null;
  },
): RestoreStep[] {
  const dir = options.nimDirectory ?? '/export/mksysb';
  const file = image.key.split('/').pop() ?? image.key;
  const local = `${dir}/${file}`;
  const [download, verify, define, reinstall] = restoreKit(image, options);
  const archive = viosbr ? (viosbr.key.split('/').pop() ?? viosbr.key) : null;
  const archiveLocal = archive ? `${dir}/${archive}` : null;
  const cfg = archive ? `/home/padmin/cfgbackups/${archive}` : null;
  const steps: RestoreStep[] = [
    {
      ...(download as RestoreStep),
      title: 'Download the image and its viosbr archive to the NIM master (or the HMC)',
      commands: [
        ...(download as RestoreStep).commands,
        ...(viosbr && archiveLocal
          ? [
              options.viosbrUrl
                ? `curl --fail -o ${shellQuote(archiveLocal)} ${shellQuote(options.viosbrUrl)}`
                : `aws s3 cp ${shellQuote(`s3://${image.bucket}/${viosbr.key}`)} ${shellQuote(archiveLocal)}`,
            ]
          : ['# this image has no viosbr archive: the virtual device mappings are re-made by hand']),
      ],
    },
    {
      ...(verify as RestoreStep),
      commands: [
        ...(verify as RestoreStep).commands,
        ...(viosbr?.sha256 && archiveLocal
          ? [`openssl dgst -sha256 ${shellQuote(archiveLocal)}`, `# expect: ${viosbr.sha256}`]
          : []),
      ],
    },
    {
      title: `Reinstall the VIOS ${image.host} from the HMC`,
      where: 'HMC',
      commands: [
        `installios -s <managed system> -p ${image.host} -r <profile> -i <VIOS ip> -S <netmask> -g <gateway> -d <nim master>:${local} -m <mac of its install adapter>`,
      ],
      note: 'or from the NIM master with the next two steps instead; either overwrites the VIOS rootvg, and its client LPARs lose their virtual devices until the mappings are back',
    },
    { ...(define as RestoreStep), title: 'Or with NIM: define the mksysb and a SPOT made from it' },
    { ...(reinstall as RestoreStep), title: `Or with NIM: reinstall the VIOS ${image.host} from the image` },
  ];
  if (archive && archiveLocal && cfg)
    steps.push({
      title: 'Restore the virtual device mappings',
      where: `${image.host} as padmin, once it is back and its physical adapters are seen`,
      commands: [
        `scp ${shellQuote(archiveLocal)} padmin@${image.host}:${cfg}`,
        `viosbr -view -file ${cfg}`,
        `viosbr -restore -file ${cfg} -validate`,
        `viosbr -restore -file ${cfg}`,
        'lsmap -all   # every client adapter mapped again',
      ],
      note: '-validate only reports what the restore would do; run it first',
    });
  else
    steps.push({
      title: 'Re-make the virtual device mappings by hand',
      where: `${image.host} as padmin`,
      commands: [
        'lsmap -all',
        '# mkvdev -vdev <disk> -vadapter <vhostN> for each client disk; mkvdev -sea … for each SEA',
      ],
      note: 'no viosbr archive was stored with this image',
    });
  return steps;
}

export function renderRestoreKit(image: RestoreSubject, steps: readonly RestoreStep[]): string {
  const lines = [
    `Restore kit for ${image.host}: ${image.key}`,
    `  image of ${image.date.slice(0, 10)}, verdict ${image.verdict}, OS level ${image.osLevel ?? 'unknown'}`,
    '',
  ];
  steps.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.title}  [${step.where}]`);
    for (const c of step.commands) lines.push(`     ${c}`);
    if (step.note) lines.push(`   (${step.note})`);
    lines.push('');
  });
  return lines.join('\n');
}

/** Single-quotes a word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
