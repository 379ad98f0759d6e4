// `mksysb-vault restore-kit HOST`: the steps to rebuild a host from its newest good image (or the one
// of --date): a presigned download URL, the checksum to verify, the NIM define and bos_inst lines,
// and alt_disk_mksysb for a test restore; for a VIOS, installios or NIM and then viosbr -restore.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { readText } from '../../lambdas/adapters/catalog.js';
import { recordKey } from '../../lambdas/core/catalog-keys.js';
import { IMAGE_MISSING } from '../../lambdas/core/host-state.js';
import { parseImageRecord } from '../../lambdas/core/image-record.js';
import {
  renderRestoreKit,
  restoreKit,
  restvgKit,
  type ViosbrSubject,
  viosKit,
} from '../../lambdas/core/restore-kit.js';
import {
  type CliIo,
  type Command,
  dayOption,
  EXIT,
  parseOptions,
  UsageError,
  usageHostName,
} from './command.js';
import { readFleetView } from './fleet-view.js';
import { STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault restore-kit HOST [--date YYYY-MM-DD] [options]

Prints how to rebuild HOST: download its image (a presigned URL), verify the SHA-256 recorded at
backup time, define it on a NIM master and reinstall with bos_inst — or test it with
alt_disk_mksysb on a spare disk. Without --date: the newest PASS mksysb image (else the newest WARN).
With --vg VG: the same for the volume group's savevg image, restored with restvg on the host.
A VIOS (kind vios): reinstall with installios from the HMC or with NIM, then restore its virtual
device mappings with viosbr -restore from the viosbr archive stored beside the image.

Options:
  --date DAY         the image of this day
  --vg VG            a savevg image of this volume group (restvg) instead of the mksysb
  --expires SECONDS  lifetime of the download URL (default 86400, at most 604800)
  --nim-dir DIR      where the image goes on the NIM master (default /export/mksysb)
  --nim-server NAME  NIM server name (default master)
  --spare-disk DISK  disk for the alt_disk_mksysb test restore (default hdisk1)
  --json             print the kit as JSON
  -h, --help         show this help

${STORE_HELP}

Exit status: 0 printed, 2 the host has no usable image, 64 usage error or bad option value,
69 store unreachable, 70 internal error.`;

export const restoreKitCommand: Command = {
  name: 'restore-kit',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseOptions(
      'restore-kit',
      argv,
      {
        ...STORE_OPTIONS,
        date: { type: 'string' },
        vg: { type: 'string' },
        expires: { type: 'string', default: '86400' },
        'nim-dir': { type: 'string' },
        'nim-server': { type: 'string' },
        'spare-disk': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      1,
    );
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    const host = positionals[0];
    if (!host) throw new UsageError('which host? (mksysb-vault restore-kit HOST)');
    usageHostName(host);
    if (values.date !== undefined) dayOption('--date', values.date);
    const vg = values.vg;
    if (vg !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(vg))
      throw new UsageError(`--vg "${vg}" is not a volume group name (letters, digits, . _ -)`);
    const what = vg ? `savevg image of ${vg}` : 'mksysb image';
    const expires = Number(values.expires);
    if (!Number.isInteger(expires) || expires < 60 || expires > 604_800)
      throw new UsageError(
        `--expires "${values.expires}" must be 60 to 604800 seconds (S3's limit is 7 days)`,
      );

    return withStore(values, io, async (store) => {
      const view = (await readFleetView(store, [host]))[0];
      const all = (view?.records ?? []).filter((r) =>
        vg ? r.kind === 'savevg' && r.volumeGroup === vg : r.kind === 'mksysb',
      );
      if ((view?.records ?? []).length === 0 && !view?.inFleet)
        throw new UsageError(`no host "${host}" in ${store.description}`);
      // A record whose image object is gone is no image to restore from: never a kit for nothing.
      const missing = new Set(view?.missingImages ?? []);
      const images = all.filter((r) => !missing.has(r.key));
      const usable = images.find((r) => r.verdict === 'PASS') ?? images.find((r) => r.verdict === 'WARN');
      const suggestion = usable
        ? `; the newest image there is ${usable.key} (${usable.verdict}): mksysb-vault restore-kit ${host} --date ${usable.date.slice(0, 10)}`
        : '';
      const named = values.date ? all.find((r) => r.date.slice(0, 10) === values.date) : undefined;
      if (named && missing.has(named.key)) {
        io.err(
          `${IMAGE_MISSING} ${named.key}: its record says ${named.verdict}, but the image object is not in ${store.description}: no kit for it${suggestion}`,
        );
        return EXIT.fail;
      }
      if (!values.date)
        for (const r of all.filter((r) => missing.has(r.key) && (!usable || r.date > usable.date)))
          io.err(
            `! ${IMAGE_MISSING} ${r.key}: its record says ${r.verdict}, the image object is gone; skipped`,
          );
      const image = values.date ? named : usable;
      if (!image) {
        io.err(
          values.date
            ? `${host} has no ${what} of ${values.date} (it has: ${images.map((r) => r.date.slice(0, 10)).join(', ') || 'none'})`
            : `${host} has no PASS or WARN ${what} to restore from${images.length ? ` (${images.length} FAIL images)` : ''}${missing.size ? ` (${missing.size} record(s) whose image object is gone: ${IMAGE_MISSING})` : ''}`,
        );
        return EXIT.fail;
      }
      const downloadUrl = await getSignedUrl(
        store.presignClient,
        new GetObjectCommand({ Bucket: store.bucket, Key: image.key }),
        { expiresIn: expires },
      );
      const subject = {
        host,
        date: image.date,
        key: image.key,
        bucket: store.bucket,
        sizeBytes: image.sizeBytes,
        sha256: image.sha256,
        osLevel: image.osLevel,
        verdict: image.verdict,
      };
      const kitOptions = {
        downloadUrl: store.local ? null : downloadUrl,
        nimDirectory: values['nim-dir'],
        nimServer: values['nim-server'],
        spareDisk: values['spare-disk'],
      };
      const vios = vg ? null : await viosbrOf(store, host, image.key);
      const viosbrUrl =
        vios?.viosbr && !store.local
          ? await getSignedUrl(
              store.presignClient,
              new GetObjectCommand({ Bucket: store.bucket, Key: vios.viosbr.key }),
              { expiresIn: expires },
            )
          : null;
      const steps = vg
        ? restvgKit(subject, vg, kitOptions)
        : vios
          ? viosKit(subject, vios.viosbr, { ...kitOptions, viosbrUrl })
          : restoreKit(subject, kitOptions);
      if (values.json)
        io.out(
          JSON.stringify(
            {
              image: subject,
              downloadUrl,
              expiresInSeconds: expires,
              ...(vios ? { hostKind: 'vios', viosbr: vios.viosbr, viosbrUrl } : {}),
              steps,
            },
            null,
            2,
          ),
        );
      else {
        io.out(renderRestoreKit(subject, steps));
        if (store.local)
          io.err(
            `(local store: the image is at s3://${store.bucket}/${image.key} in ${store.description}; the local server runs only while a command does, so no download URL is printed)`,
          );
      }
      if (image.verdict !== 'PASS')
        io.err(
          `warning: this image's verdict is ${image.verdict}: ${image.anomalies.map((a) => a.code).join(' ')}`,
        );
      return EXIT.ok;
    });
  },
};

/**
 * Whether the image is a VIOS's, from its record (`hostKind`), and its viosbr archive when the record
 * says one was stored and checked whole; null for an LPAR's image or a record that cannot be read.
 */
async function viosbrOf(
  store: Parameters<typeof readText>[0],
  host: string,
  image: string,
): Promise<{ viosbr: ViosbrSubject | null } | null> {
  const key = recordKey(image);
  const text = await readText(store, key, { action: 'reading the image record', host, optional: true });
  const parsed = text === null ? null : parseImageRecord(text, key);
  if (!parsed?.ok || !('hostKind' in parsed.record) || parsed.record.hostKind !== 'vios') return null;
  const v = parsed.record.viosbr;
  return { viosbr: v && v.codes.length === 0 && v.sha256 ? { key: v.key, sha256: v.sha256 } : null };
}
