// The exclude list a backup reports (docs/host-protocol.md: exclude_list_source, exclude_list.<n>)
// goes with the mksysb image to verify, which keeps it in the image's record.
import { describe, expect, it } from 'vitest';
import { backupImages } from '../../../lambdas/await-command/await-command.js';
import { excludeListSha256 } from '../../../lambdas/core/exclude-list.js';
import { FleetHostSchema } from '../../../lambdas/core/fleet.js';
import { parseHostOutput } from '../../../lambdas/core/host-output.js';
import { hostPlan } from '../../../lambdas/load-fleet/load-fleet.js';

const STAGING = '/mksysb';

function backupOutput(excludeLines: string[]): string {
  return [
    'mksysb-vault.step=backup',
    `image=${STAGING}/aixprd01_mksysb_2025-01-05`,
    'exclude_rootvg=present',
    'exclude_rootvg_previous=kept',
    ...excludeLines,
    'exit=0',
    'size_bytes=1073741824',
    `vg.datavg.image=${STAGING}/aixprd01_savevg_datavg_2025-01-05`,
    'vg.datavg.size_bytes=1048576',
    'vg.datavg.status=ok',
    'status=ok',
  ].join('\n');
}

const input = { host: 'aixprd01', volumeGroups: 'datavg' };

describe('the exclude list a backup reports', () => {
  it('is parsed in line order and goes with the mksysb image, not the savevg images', () => {
    const out = parseHostOutput(
      backupOutput([
        'exclude_list_source=config',
        'exclude_list.2=^./u01/trace/',
        'exclude_list.1=^./mksysb/',
        'exclude_list_lines=2',
      ]),
      'backup',
    );
    expect(out).toMatchObject({
      excludeRootvgPrevious: 'kept',
      excludeListSource: 'config',
      excludeListLines: 2,
      excludeListPatterns: ['^./mksysb/', '^./u01/trace/'],
    });
    const { images } = backupImages(input, out, 60);
    expect(images.map((i) => [i.kind, i.excludeList])).toEqual([
      [
        'mksysb',
        {
          source: 'config',
          patterns: ['^./mksysb/', '^./u01/trace/'],
          lineCount: 2,
          sha256: excludeListSha256(['^./mksysb/', '^./u01/trace/']),
        },
      ],
      ['savevg', null],
    ]);
  });

  it('is null when mksysb ran without -e', () => {
    const out = parseHostOutput(backupOutput(['exclude_list_source=none']), 'backup');
    expect(backupImages(input, out, 60).images[0]?.excludeList).toBeNull();
  });
});

describe("the host's plan", () => {
  it('carries its exclude list as the hex of the file, and nothing when it has none', () => {
    const host = FleetHostSchema.parse({
      host: 'aixprd01',
      managedNodeId: 'mi-0123456789abcdef0',
      exclude: ['^./mksysb/'],
    });
    expect(hostPlan(host, '2025-01-05', null).excludeList).toBe(Buffer.from('^./mksysb/\n').toString('hex'));
    expect(hostPlan({ ...host, exclude: [] }, '2025-01-05', null).excludeList).toBe('');
  });
});
