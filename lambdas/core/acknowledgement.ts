// An operator's acknowledgement of one alert code of one host until a date (`mksysb-vault ack`): kept
// in the store under acks/<host>/<CODE>.json (docs/s3-layout.md), read by notify, which publishes no
// alert of that code for that host until then and says so in the host's result (never drops it
// silently), and shown by `status`. Pure: the schema and the decisions, no AWS SDK.
import { z } from 'zod';
import { type AnomalyCode, AnomalyCodeSchema } from './anomaly.js';
import { HostNameSchema } from './catalog-keys.js';
import { IsoDateSchema } from './iso-date.js';

export const ACKNOWLEDGEMENT_SCHEMA_VERSION = 1;

/** The longest an acknowledgement may last: a dead host is looked at again within the year. */
export const MAX_ACK_DAYS = 366;

export const AcknowledgementSchema = z.object({
  schemaVersion: z.literal(ACKNOWLEDGEMENT_SCHEMA_VERSION),
  host: HostNameSchema,
  code: AnomalyCodeSchema,
  /** Alerts of this code for this host are not published before this instant (ISO). */
  until: IsoDateSchema,
  /** Why, in the operator's words; shown by status and in the alert's place in the run report. */
  reason: z.string().max(500).nullable(),
  acknowledgedAt: IsoDateSchema,
});
export type Acknowledgement = z.infer<typeof AcknowledgementSchema>;

/** Whether the acknowledgement still holds at `now`. */
export function isActive(ack: Acknowledgement, now: Date): boolean {
  return now.getTime() < Date.parse(ack.until);
}

/** The acknowledgement that holds for this host's code at `now`, if any. */
export function acknowledgementOf(
  acks: readonly Acknowledgement[],
  host: string,
  code: AnomalyCode | string,
  now: Date,
): Acknowledgement | undefined {
  return acks.find((a) => a.host === host && a.code === code && isActive(a, now));
}

/** `HOST_UNREACHABLE acknowledged until 2026-12-31 (decommissioning)`: for status and the alert path. */
export function describeAcknowledgement(ack: Acknowledgement): string {
  return `${ack.code} acknowledged until ${ack.until.slice(0, 10)}${ack.reason ? ` (${ack.reason})` : ''}`;
}
