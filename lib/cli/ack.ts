// `mksysb-vault ack`: acknowledge one alert code of one host until a date (a host being
// decommissioned, a known outage), so the weekly run and the daily freshness check stop alerting it
// meanwhile — they still record it, as acknowledged. Kept in the store (acks/<host>/<CODE>.json),
// listed with --list, removed with --clear, shown by `status`.
import {
  deleteAcknowledgement,
  readAcknowledgements,
  writeAcknowledgement,
} from '../../lambdas/adapters/acknowledgements.js';
import { listHosts } from '../../lambdas/adapters/catalog.js';
import {
  ACKNOWLEDGEMENT_SCHEMA_VERSION,
  type Acknowledgement,
  isActive,
  MAX_ACK_DAYS,
} from '../../lambdas/core/acknowledgement.js';
import { ANOMALY_CODES, type AnomalyCode } from '../../lambdas/core/anomaly.js';
import {
  type CliIo,
  type Command,
  dateOption,
  EXIT,
  parseOptions,
  table,
  UsageError,
  usageHostName,
} from './command.js';
import { type OpenStore, STORE_HELP, STORE_OPTIONS, withStore } from './store.js';

const HELP = `Usage: mksysb-vault ack HOST CODE --until DATE [--reason TEXT] [options]
       mksysb-vault ack --list [HOST] [options]
       mksysb-vault ack --clear HOST CODE [options]

Acknowledges alert CODE (e.g. HOST_UNREACHABLE, STALE) of HOST until DATE: the weekly run and the
daily freshness check publish no alert of that code for that host before then, and record it as
acknowledged instead (the run report's host line, the notify result). The host's state in
"status" does not change: it shows the acknowledgement beside it. Kept in the store under
acks/<HOST>/<CODE>.json.

Options:
  --until DATE       YYYY-MM-DD (through that day, UTC) or ISO 8601; at most ${MAX_ACK_DAYS} days ahead
  --reason TEXT      why (shown by status and --list)
  --list             list the acknowledgements (of HOST), expired ones too
  --clear            remove the acknowledgement of HOST CODE
  --json             print JSON
  -h, --help         show this help

${STORE_HELP}

Writing or clearing needs the config the store was deployed with (--config) when it is a bucket:
the host must be in its fleet or have images.
Exit status: 0 done, 64 usage error (unknown host or code, a date past or too far), 69 store
unreachable, 70 internal error.`;

function alertCode(text: string): AnomalyCode {
  const code = ANOMALY_CODES.find((c) => c === text);
  if (!code)
    throw new UsageError(
      `"${text}" is not an alert code (e.g. HOST_UNREACHABLE, STALE, HOST_MISSED, BACKUP_FAILED; all: ${ANOMALY_CODES.join(' ')})`,
    );
  return code;
}

/** --until: a day means through that day (UTC); a date-time is taken as given. */
function untilOption(text: string): Date {
  const at = dateOption('--until', text);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(at.getTime() + 86_400_000 - 1) : at;
}

async function knownHost(store: OpenStore, host: string): Promise<void> {
  const hosts = new Set([...(await listHosts(store)), ...(store.fleet ?? []).map((h) => h.host)]);
  if (!hosts.has(host))
    throw new UsageError(
      `no host "${host}" in ${store.description}${hosts.size ? ` (hosts: ${[...hosts].sort().join(', ')})` : ''}`,
    );
}

function listRows(acks: readonly Acknowledgement[], now: Date): string[][] {
  return acks.map((a) => [a.host, a.code, a.until, isActive(a, now) ? 'active' : 'expired', a.reason ?? '-']);
}

export const ackCommand: Command = {
  name: 'ack',
  help: HELP,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseOptions(
      'ack',
      argv,
      {
        ...STORE_OPTIONS,
        until: { type: 'string' },
        reason: { type: 'string' },
        list: { type: 'boolean', default: false },
        clear: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      2,
    );
    if (values.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    if (values.list && values.clear) throw new UsageError('--list and --clear contradict each other');
    const [host, codeText] = positionals;
    if (host !== undefined) usageHostName(host);

    if (values.list) {
      if (codeText !== undefined)
        throw new UsageError(`unexpected argument "${codeText}" (ack --list [HOST])`);
      return withStore(values, io, async (store) => {
        const { acks, problems } = await readAcknowledgements(store, host);
        for (const p of problems) io.err(`! unreadable acknowledgement ${p.problem}`);
        if (values.json) io.out(JSON.stringify({ store: store.description, acks, problems }, null, 2));
        else if (acks.length === 0)
          io.out(`no acknowledgements${host ? ` of ${host}` : ''} in ${store.description}`);
        else io.out(table(['HOST', 'CODE', 'UNTIL', 'STATE', 'REASON'], listRows(acks, store.clock)));
        return EXIT.ok;
      });
    }

    if (host === undefined || codeText === undefined)
      throw new UsageError(
        `which host and code? (mksysb-vault ack HOST CODE --until DATE, or ack --clear HOST CODE, or ack --list)`,
      );
    const code = alertCode(codeText);

    if (values.clear) {
      if (values.until !== undefined || values.reason !== undefined)
        throw new UsageError('--clear takes no --until or --reason');
      return withStore(
        values,
        io,
        async (store) => {
          const { acks } = await readAcknowledgements(store, host);
          if (!acks.some((a) => a.code === code))
            throw new UsageError(`${host} has no acknowledgement of ${code} in ${store.description}`);
          const key = await deleteAcknowledgement(store, host, code);
          io.out(`cleared ${key}: ${code} of ${host} alerts again`);
          return EXIT.ok;
        },
        { writes: 'ack --clear' },
      );
    }

    if (values.until === undefined) throw new UsageError('until when? (--until YYYY-MM-DD)');
    const until = untilOption(values.until);
    const reason = values.reason?.trim() || null;
    if (reason !== null && reason.length > 500) throw new UsageError('--reason: at most 500 characters');
    return withStore(
      values,
      io,
      async (store) => {
        const now = store.clock;
        if (until.getTime() <= now.getTime())
          throw new UsageError(`--until ${values.until}: that is not after now (${now.toISOString()})`);
        if (until.getTime() - now.getTime() > MAX_ACK_DAYS * 86_400_000)
          throw new UsageError(
            `--until ${values.until}: at most ${MAX_ACK_DAYS} days ahead (an acknowledgement is looked at again within the year)`,
          );
        await knownHost(store, host);
        const ack: Acknowledgement = {
          schemaVersion: ACKNOWLEDGEMENT_SCHEMA_VERSION,
          host,
          code,
          until: until.toISOString(),
          reason,
          acknowledgedAt: now.toISOString(),
        };
        const key = await writeAcknowledgement(store, ack);
        if (values.json) io.out(JSON.stringify({ key, ack }, null, 2));
        else
          io.out(
            `acknowledged ${code} of ${host} until ${ack.until} (${key}): not alerted until then, still recorded`,
          );
        return EXIT.ok;
      },
      { writes: 'ack' },
    );
  },
};
