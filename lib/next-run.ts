// When an EventBridge Scheduler cron expression fires next, read in its IANA time zone: what
// `mksysb-vault status` shows as the next scheduled run. Supports the forms Scheduler accepts in
// each field: `*`, `?`, numbers, lists, ranges, `/` steps and day/month names (`L`, `W`, `#` are
// rare in a weekly backup schedule and are reported as unsupported rather than guessed).

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

export class CronError extends Error {
  override name = 'CronError';
}

function field(
  text: string,
  min: number,
  max: number,
  names: readonly string[] = [],
  nameBase = 0,
): Set<number> {
  const out = new Set<number>();
  if (text === '*' || text === '?') {
    for (let v = min; v <= max; v++) out.add(v);
    return out;
  }
  const value = (t: string): number => {
    const named = names.indexOf(t.toUpperCase());
    if (named >= 0) return named + nameBase;
    if (!/^\d+$/.test(t)) throw new CronError(`"${t}" is not supported in a cron field`);
    return Number(t);
  };
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [from, to] =
      range === '*'
        ? [min, max]
        : range.includes('-')
          ? range.split('-').map(value)
          : [value(range), undefined];
    const start = from ?? min;
    const end = to ?? (stepText === undefined ? start : max);
    if (!Number.isInteger(step) || step < 1 || start < min || end > max)
      throw new CronError(`"${part}" is out of range ${min}-${max}`);
    for (let v = start; v <= end; v += step) out.add(v);
  }
  return out;
}

/** Local wall-clock parts of an instant in a time zone. */
function wallClock(instant: Date, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: DAYS.indexOf(String(parts.weekday).toUpperCase()) + 1,
  };
}

/** The first instant strictly after `after` at which `cron(…)` fires in `timeZone`, or null within a year. */
export function nextCronRun(expression: string, timeZone: string, after: Date): Date | null {
  const m = /^cron\((.+)\)$/.exec(expression.trim());
  const fields = m?.[1]?.trim().split(/\s+/);
  if (fields?.length !== 6) throw new CronError(`"${expression}" is not cron(min hour dom month dow year)`);
  const [min = '', hour = '', dom = '', month = '', dow = '', year = ''] = fields;
  const minutes = field(min, 0, 59);
  const hours = field(hour, 0, 23);
  const days = field(dom, 1, 31);
  const months = field(month, 1, 12, MONTHS, 1);
  // Scheduler numbers days of the week 1-7 from Sunday.
  const weekdays = field(dow, 1, 7, DAYS, 1);
  const years = field(year, 1970, 2199);
  const anyDom = dom === '?' || dom === '*';
  const anyDow = dow === '?' || dow === '*';
  let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  const limit = after.getTime() + 366 * 86_400_000;
  while (t <= limit) {
    const w = wallClock(new Date(t), timeZone);
    const dayOk =
      months.has(w.month) &&
      years.has(w.year) &&
      (anyDom || days.has(w.day)) &&
      (anyDow || weekdays.has(w.weekday));
    if (!dayOk) {
      // Jump to the next local midnight-ish: an hour at a time keeps DST transitions right.
      t += 3_600_000 - (t % 3_600_000);
      continue;
    }
    if (!hours.has(w.hour)) {
      t += 3_600_000 - (t % 3_600_000);
      continue;
    }
    if (minutes.has(w.minute)) return new Date(t);
    t += 60_000;
  }
  return null;
}
