// The dates records and events carry, checked by zod's ISO formats rather than by Date.parse (which
// also takes "Nov 23 2026", "2026-11-23T02:00" read in the local zone, and more). Pure: no AWS SDK.
import { z } from 'zod';

/**
 * An ISO 8601 instant with `Z` or an offset (a run's date is in the fleet's zone:
 * `2026-11-23T03:00:00.000+05:30`), or a calendar day (`2026-11-23`), as some records and events
 * carry. Anything else fails with "not an ISO date" at the field's path.
 */
export const IsoDateSchema = z.union([z.iso.datetime({ offset: true }), z.iso.date()], {
  error: 'not an ISO date',
});
