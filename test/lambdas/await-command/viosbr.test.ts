// What await-command hands verify about a VIOS's viosbr archive, from the backup's output: the
// archive's facts, a failure, or (a VIOS whose backup printed nothing of it) a failure too.
import { describe, expect, it } from 'vitest';
import { backupImages, viosbrClaimOf } from '../../../lambdas/await-command/await-command.js';
import { parseHostOutput } from '../../../lambdas/core/host-output.js';

const backup = (...lines: string[]) =>
  parseHostOutput(['mksysb-vault.step=backup', ...lines, 'status=ok'].join('\n'), 'backup');

describe('viosbrClaimOf', () => {
  it("passes on the archive's size and SHA-256 when viosbr made one", () => {
    const out = backup(
      'viosbr.exit=0',
      'viosbr.size_bytes=325',
      `viosbr.sha256=${'a'.repeat(64)}`,
      'viosbr.status=ok',
    );
    expect(viosbrClaimOf(out, true)).toEqual({
      status: 'ok',
      exit: 0,
      sizeBytes: 325,
      sha256: 'a'.repeat(64),
    });
  });

  it('is a failure when viosbr failed, or when a VIOS said nothing of it; nothing for an LPAR', () => {
    expect(viosbrClaimOf(backup('viosbr.exit=1', 'viosbr.status=failed'), true)).toMatchObject({
      status: 'failed',
      exit: 1,
    });
    expect(viosbrClaimOf(backup(), true)).toMatchObject({ status: 'failed', exit: null });
    expect(viosbrClaimOf(backup(), false)).toBeNull();
  });
});

describe('the listing of a backup that has none', () => {
  const out = backup(
    'image=/export/mksysb-vault/vios2/vios2_mksysb_2026-11-23',
    'size_bytes=1048576',
    'lsmksysb=none',
    'viosbr.exit=0',
    'viosbr.status=ok',
  );

  it('is none only for a VIOS the fleet says is driven through ioscli', () => {
    expect(out.listing).toBe('none');
    const images = (viosShell: string) => backupImages({ host: 'vios2', viosShell }, out, 60).images;
    expect(images('ioscli')[0]?.listing).toBe('none');
    expect(images('oem_setup_env')[0]?.listing).toBe('host');
    expect(images('')[0]?.listing).toBe('host');
  });
});

describe("the relay's export left mounted on an ioscli-only VIOS", () => {
  const withUnmount = (result: string) =>
    backup(
      'image=/export/mksysb-vault/vios2/vios2_mksysb_2026-11-23',
      'size_bytes=1048576',
      'nfs_mount=relay1:/export/mksysb-vault/vios2',
      'nfs_mount_point=/mnt',
      'viosbr.exit=0',
      'viosbr.status=ok',
      `nfs_unmount=${result}`,
    );

  it('is a WARN NFS_UNMOUNT_FAILED naming the mount point and the export; the image is kept', () => {
    const { images, anomalies } = backupImages(
      { host: 'vios2', viosShell: 'ioscli' },
      withUnmount('failed'),
      60,
    );
    expect(images).toHaveLength(1);
    expect(anomalies).toEqual([
      expect.objectContaining({
        code: 'NFS_UNMOUNT_FAILED',
        severity: 'warn',
        message: expect.stringMatching(
          /^ioscli unmount \/mnt failed on vios2: relay1:\/export\/mksysb-vault\/vios2 is still mounted there/,
        ),
      }),
    ]);
  });

  it('is nothing when the unmount worked, or for a host that mounted nothing', () => {
    expect(backupImages({ host: 'vios2', viosShell: 'ioscli' }, withUnmount('ok'), 60).anomalies).toEqual([]);
    const lpar = backup('image=/staging/aixprd01_mksysb_2026-11-23', 'size_bytes=1048576');
    expect(backupImages({ host: 'aixprd01', viosShell: '' }, lpar, 60).anomalies).toEqual([]);
  });
});
