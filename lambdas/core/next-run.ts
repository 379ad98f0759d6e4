// EventBridge Scheduler cron expressions: checked against Scheduler's own rules (so the deploy config
// refuses what CreateSchedule would), and when one fires next, read in its IANA time zone — what
// `mksysb-vault status` shows as the next run and what the local pipeline's simulated clock follows.
//
// Scheduler's rules, from the cron expression reference
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html):
//   minutes 0-59 `, - * /` · hours 0-23 `, - * /` · day-of-month 1-31 `, - * ? / L W`
//   · month 1-12 or JAN-DEC `, - * /` · day-of-week 1-7 or SUN-SAT `, - * ? L #` · year 1970-2199 `, - * /`
//   Day-of-month and day-of-week cannot both be given: one of them must be `?`. A `#` stands alone in
//   day-of-week (`3#1,6#3` is refused).
// Daylight saving time (https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst): a local
// time that does not exist (clocks spring forward) is skipped; one that happens twice (clocks fall back)
// fires once.
//
// The next run is found day by day in the zone's calendar, never minute by minute: a matching day
// costs one UTC-offset lookup per candidate time, a non-matching day none, and the search ends with
// Scheduler's last year (2199), so "never" (`cron(0 0 31 2 ? *)`) is answered after at most a few
// thousand day checks. Offsets come from the zone itself, so half- and quarter-hour zones
// (Asia/Kolkata, Asia/Kathmandu, Pacific/Chatham) work like any other.

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export class CronError extends Error {
  override name = 'CronError';
}

/** Which days of a month a day field admits: `date` is the local calendar day, `weekday` 1 (Sun)-7 (Sat). */
type DayRule = (year: number, month: number, date: number, weekday: number) => boolean;

/** A parsed Scheduler cron expression. */
export interface CronSchedule {
  readonly expression: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: readonly number[];
  readonly years: readonly number[];
  readonly day: DayRule;
}

/** What a search cost: how many calendar days it looked at (tests check the search is bounded). */
export interface CronSearchStats {
  days: number;
}

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Whether `/` steps are allowed (not in day-of-week). */
  readonly steps: boolean;
}

const MINUTES: FieldSpec = { label: 'minutes', min: 0, max: 59, steps: true };
const HOURS: FieldSpec = { label: 'hours', min: 0, max: 23, steps: true };
const DAY_OF_MONTH: FieldSpec = { label: 'day-of-month', min: 1, max: 31, steps: true };
const MONTH: FieldSpec = { label: 'month', min: 1, max: 12, names: MONTHS, steps: true };
const DAY_OF_WEEK: FieldSpec = { label: 'day-of-week', min: 1, max: 7, names: DAYS, steps: false };
const YEAR: FieldSpec = { label: 'year', min: FIRST_YEAR, max: LAST_YEAR, steps: true };

/** The values of a plain field: `*`, numbers or names, `a-b` ranges, `/` steps and `,` lists. */
function values(text: string, spec: FieldSpec): number[] {
  const { label, min, max, names = [] } = spec;
  const value = (t: string): number => {
    const named = names.indexOf(t.toUpperCase());
    if (named >= 0) return named + min;
    if (!/^\d{1,4}$/.test(t))
      throw new CronError(
        `${label} "${t}" is not a number${names.length ? ` or a name (${names[0]}-${names.at(-1)})` : ''}`,
      );
    const n = Number(t);
    if (n < min || n > max) throw new CronError(`${label} ${n} is outside ${min}-${max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    if (part === '') throw new CronError(`${label} "${text}" has an empty list item`);
    const [range = '', stepText, extra] = part.split('/');
    if (extra !== undefined) throw new CronError(`${label} "${part}" has two steps`);
    if (stepText !== undefined && !spec.steps)
      throw new CronError(`${label} "${part}": Scheduler allows no / step in ${label}`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!/^\d+$/.test(stepText ?? '1') || step < 1 || step > max)
      throw new CronError(`${label} "${part}": the step must be a whole number from 1 to ${max}`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a = '', b = '', more] = range.split('-');
      if (more !== undefined) throw new CronError(`${label} "${part}" is not a range a-b`);
      [from, to] = [value(a), value(b)];
      if (from > to) throw new CronError(`${label} "${part}" runs backwards (${from} > ${to})`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const weekdayOf = (year: number, month: number, date: number) =>
  new Date(Date.UTC(year, month - 1, date)).getUTCDay() + 1;

/** The day-of-month rule: plain values, `L` (the last day) or `nW` (the weekday nearest day n, within the month). */
function dayOfMonthRule(text: string): DayRule {
  if (text === 'L') return (y, m, d) => d === daysIn(y, m);
  const weekday = /^(\d{1,2})W$/.exec(text);
  if (weekday) {
    const n = Number(weekday[1]);
    if (n < 1 || n > 31) throw new CronError(`day-of-month "${text}": the day is outside 1-31`);
    return (y, m, d) => {
      const last = daysIn(y, m);
      if (n > last) return false;
      const w = weekdayOf(y, m, n);
      // Saturday: the Friday before (or the Monday after, on the 1st); Sunday: the Monday after (or
      // the Friday before, on the last day). Never into another month.
      const nearest = w === 7 ? (n === 1 ? 3 : n - 1) : w === 1 ? (n === last ? n - 2 : n + 1) : n;
      return d === nearest;
    };
  }
  if (/[LW#]/i.test(text))
    throw new CronError(`day-of-month "${text}": L and W stand alone (L, or nW such as 15W)`);
  const days = new Set(values(text, DAY_OF_MONTH));
  return (_y, _m, d) => days.has(d);
}

/** The day-of-week rule: plain values, `L` (Saturday), `nL` (the month's last such day) or `n#k` (its k-th). */
function dayOfWeekRule(text: string): DayRule {
  const value = (t: string) => values(t, DAY_OF_WEEK)[0] as number;
  if (text === 'L') return (_y, _m, _d, w) => w === 7;
  const last = /^(\w{1,3})L$/i.exec(text);
  if (last) {
    const day = value(last[1] as string);
    return (y, m, d, w) => w === day && d + 7 > daysIn(y, m);
  }
  if (text.includes('#')) {
    const nth = /^(\w{1,3})#(\d)$/.exec(text);
    if (!nth)
      throw new CronError(
        `day-of-week "${text}": # takes one day and its number in the month (3#2, the second Tuesday), alone`,
      );
    const day = value(nth[1] as string);
    const k = Number(nth[2]);
    if (k < 1 || k > 5) throw new CronError(`day-of-week "${text}": a month has at most 5 of a weekday`);
    return (_y, _m, d, w) => w === day && Math.ceil(d / 7) === k;
  }
  const days = new Set(values(text, DAY_OF_WEEK));
  return (_y, _m, _d, w) => days.has(w);
}

/**
 * Parses `cron(min hour day-of-month month day-of-week year)` by EventBridge Scheduler's rules; a
 * CronError names the field and what Scheduler expects.
 */
export function parseCron(expression: string): CronSchedule {
  const m = /^cron\((.+)\)$/.exec(expression.trim());
  const fields = m?.[1]?.trim().split(/\s+/);
  if (fields?.length !== 6)
    throw new CronError(`"${expression}" is not cron(min hour day-of-month month day-of-week year)`);
  const [min = '', hour = '', dom = '', month = '', dow = '', year = ''] = fields;
  for (const [text, spec] of [
    [min, MINUTES],
    [hour, HOURS],
    [month, MONTH],
    [year, YEAR],
  ] as const)
    if (text.includes('?'))
      throw new CronError(`${spec.label} "${text}": ? is only for day-of-month or day-of-week`);
  if ((dom === '?') === (dow === '?'))
    throw new CronError(
      dom === '?'
        ? 'day-of-month and day-of-week are both ?: give one of them'
        : `day-of-month (${dom}) and day-of-week (${dow}) are both given: EventBridge Scheduler needs ? in one of them`,
    );
  const day = dom === '?' ? dayOfWeekRule(dow) : dayOfMonthRule(dom);
  return {
    expression,
    minutes: values(min, MINUTES),
    hours: values(hour, HOURS),
    months: values(month, MONTH),
    years: values(year, YEAR),
    day,
  };
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `instant`, in milliseconds (Asia/Kolkata: +5:30). */
function offsetAt(instant: number, timeZone: string): number {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, format);
  }
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(instant)) p[part.type] = Number(part.value);
  const wall = Date.UTC(
    p.year ?? 0,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The first instant at which the zone's clocks read `wall` (a local date-time written as if it were
 * UTC), or null when they never do (skipped when the clocks spring forward).
 */
function instantOfLocal(wall: number, timeZone: string): number | null {
  // The offsets in force a day either side: a wall time near a change has one of the two, or none.
  const offsets = new Set([offsetAt(wall - DAY, timeZone), offsetAt(wall + DAY, timeZone)]);
  let first: number | null = null;
  for (const offset of offsets) {
    const instant = wall - offset;
    if (offsetAt(instant, timeZone) === offset && (first === null || instant < first)) first = instant;
  }
  return first;
}

/**
 * The first instant strictly after `after` at which the schedule fires in `timeZone`, or null when it
 * never fires again (within Scheduler's years, up to 2199). `stats`, when given, counts the days looked at.
 */
export function nextRunOf(
  schedule: CronSchedule,
  timeZone: string,
  after: Date,
  stats?: CronSearchStats,
): Date | null {
  const start = new Date(after.getTime() + offsetAt(after.getTime(), timeZone));
  const [y0, m0, d0] = [start.getUTCFullYear(), start.getUTCMonth() + 1, start.getUTCDate()];
  // The first local day may hold times before `after`; the day before may too, on the far side of an
  // offset change, so the search starts a day early and lets the `> after` test sort it out.
  const from = Date.UTC(y0, m0 - 1, d0) - DAY;
  const fromYear = new Date(from).getUTCFullYear();
  for (const year of schedule.years) {
    if (year < fromYear) continue;
    for (const month of schedule.months) {
      if (Date.UTC(year, month, 1) <= from) continue; // the whole month is before the search
      const last = daysIn(year, month);
      for (let date = 1; date <= last; date++) {
        const midnight = Date.UTC(year, month - 1, date);
        if (midnight < from) continue;
        if (stats) stats.days++;
        if (!schedule.day(year, month, date, weekdayOf(year, month, date))) continue;
        for (const hour of schedule.hours)
          for (const minute of schedule.minutes) {
            const wall = midnight + hour * HOUR + minute * MINUTE;
            // No zone is more than 14 h ahead of UTC or 12 h behind: a wall time this far back is past.
            if (wall + 12 * HOUR <= after.getTime()) continue;
            const instant = instantOfLocal(wall, timeZone);
            if (instant !== null && instant > after.getTime()) return new Date(instant);
          }
      }
    }
  }
  return null;
}

/** The first instant strictly after `after` at which `cron(…)` fires in `timeZone`, or null if never. */
export function nextCronRun(expression: string, timeZone: string, after: Date): Date | null {
  return nextRunOf(parseCron(expression), timeZone, after);
}
