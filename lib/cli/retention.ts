// `mksysb-vault retention`: what the retention policy would delete and why, per host — the same
// planner and handler the weekly workflow runs. Deleting needs --apply; the default is a dry run.
import { STRAY_KEY } from '../../lambdas/adapters/catalog.js';
import { applyRetention } from '../../lambdas/adapters/retention.js';
import { DEFAULT_RETENTION_POLICY } from '../../lambdas/core/retention-plan.js';
import { type CliIo, type Command, EXIT, parseOptions, table, UsageError } from './command.js';
import { STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault retention [--dry-run | --apply] [HOST...] [options]

Plans retention (grandfather-father-son per host: every image of the last weeks, the newest good
image of each recent week and month, the newest PASS image always, FAIL images for a forensic
while, nothing under Object Lock) and prints what would be deleted and why, per host.

Options:
  --dry-run          show the plan, delete nothing (the default)
  --apply            carry the plan out: delete each image with its sidecars, its record last
  --keep             also list what is kept and by which rule
  --json             print the plan as JSON
  -h, --help         show this help

${STORE_HELP}

The policy is the config's "retention" (weekly 3, monthly 6, failedKeepDays 14 by default); the
config and policy used are said on standard error. --apply deletes only by a config that was named
(--config FILE, the config the stack was deployed with) or is the local run's own: with --bucket
and no --config it refuses (exit 64) rather than delete by cdk.json's example config.
Exit status: 0 done, 64 usage error, 69 store unreachable or a delete failed, 70 internal error.`;

export const retentionCommand: Command = {
  name: 'retention',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseOptions(
      'retention',
      argv,
      {
        ...STORE_OPTIONS,
        'dry-run': { type: 'boolean', default: false },
        apply: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      1000,
    );
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    if (values.apply && values['dry-run'])
      throw new UsageError('--apply and --dry-run contradict each other');
    return withStore(
      values,
      io,
      async (store) => {
        const result = await applyRetention(
          { hosts: positionals.length ? positionals : undefined, dryRun: !values.apply },
          {
            s3: store.client,
            bucket: store.bucket,
            policy: store.config?.retention ?? DEFAULT_RETENTION_POLICY,
            objectLock: (store.config?.storage.objectLock.mode ?? 'off') !== 'off',
            now: () => store.clock,
          },
        );
        if (values.json) {
          io.out(JSON.stringify(result, null, 2));
          return EXIT.ok;
        }
        const verb = result.dryRun ? 'would delete' : 'deleted';
        const rows = [
          ...result.delete.map((d) => ({ ...d, shown: 'DELETE' })),
          ...(values.keep ? result.keep.map((k) => ({ ...k, shown: 'keep' })) : []),
        ].sort((a, b) => a.host.localeCompare(b.host) || b.date.localeCompare(a.date));
        if (rows.length > 0)
          io.out(
            table(
              ['HOST', 'DATE', 'IMAGE', 'VERDICT', 'ACTION', 'WHY'],
              rows.map((d) => [
                d.host,
                d.date.slice(0, 10),
                d.key.split('/').pop() ?? d.key,
                d.verdict,
                d.shown,
                d.reason,
              ]),
            ),
          );
        for (const s of result.strays) io.out(`stray ${s.key}: ${s.reason}`);
        for (const p of result.problems)
          io.err(`! ${p}${p.startsWith(STRAY_KEY) ? '' : ' (its image is left alone)'}`);
        for (const n of result.notes) io.err(`note: ${n}`);
        io.out(
          `\n${store.description}: ${result.hosts} hosts, ${result.keep.length} images kept, ${result.delete.length} ${verb}${result.dryRun ? ' (dry run: nothing deleted; --apply to delete)' : ` (${result.deletedObjects} objects)`}`,
        );
        return EXIT.ok;
      },
      values.apply ? { writes: 'retention --apply' } : {},
    );
  },
};
