// Acknowledgements in the store (acks/<host>/<CODE>.json): read by notify before it alerts and by
// `status`, written and removed by `mksysb-vault ack`. One that does not parse is a problem named by
// its key, never an acknowledgement: a damaged object can only let an alert through, never hide one.
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { type Acknowledgement, AcknowledgementSchema } from '../core/acknowledgement.js';
import { ACKS_PREFIX, ackKey, validateHostName } from '../core/catalog-keys.js';
import { inBatches, listObjects, type RecordProblem, readText, type StoreLocation } from './catalog.js';
import { storeCall } from './store-error.js';

export interface StoredAcknowledgements {
  readonly acks: Acknowledgement[];
  readonly problems: RecordProblem[];
}

/** Every acknowledgement in the store, or only one host's; sorted by host and code. */
export async function readAcknowledgements(
  store: StoreLocation,
  host?: string,
): Promise<StoredAcknowledgements> {
  const prefix = host === undefined ? ACKS_PREFIX : `${ACKS_PREFIX}${validateHostName(host)}/`;
  const keys = (await listObjects(store, prefix, host)).map((o) => o.key).filter((k) => k.endsWith('.json'));
  const acks: Acknowledgement[] = [];
  const problems: RecordProblem[] = [];
  await inBatches(keys, 8, async (key) => {
    const text = await readText(store, key, { action: 'reading an acknowledgement', host, optional: true });
    if (text === null) return; // cleared between the listing and the read
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      problems.push({ key, problem: `${key}: not JSON: no acknowledgement` });
      return;
    }
    const parsed = AcknowledgementSchema.safeParse(value);
    const issue = parsed.error?.issues[0];
    if (!parsed.success)
      problems.push({
        key,
        problem: `${key}: not an acknowledgement (${issue?.path.join('.')}: ${issue?.message})`,
      });
    else if (key !== ackKey(parsed.data.host, parsed.data.code))
      problems.push({
        key,
        problem: `${key}: names ${parsed.data.host} ${parsed.data.code}, not its own key`,
      });
    else acks.push(parsed.data);
  });
  acks.sort((a, b) => a.host.localeCompare(b.host) || a.code.localeCompare(b.code));
  problems.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { acks, problems };
}

export async function writeAcknowledgement(store: StoreLocation, ack: Acknowledgement): Promise<string> {
  const key = ackKey(ack.host, ack.code);
  const body = `${JSON.stringify(AcknowledgementSchema.parse(ack), null, 2)}\n`;
  await storeCall({ action: 'writing the acknowledgement', key, host: ack.host }, () =>
    store.client.send(
      new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: body, ContentType: 'application/json' }),
    ),
  );
  return key;
}

export async function deleteAcknowledgement(
  store: StoreLocation,
  host: string,
  code: string,
): Promise<string> {
  const key = ackKey(host, code);
  await storeCall({ action: 'removing the acknowledgement', key, host }, () =>
    store.client.send(new DeleteObjectCommand({ Bucket: store.bucket, Key: key })),
  );
  return key;
}
