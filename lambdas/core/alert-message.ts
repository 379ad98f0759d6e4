// What a person receives: one SNS message per anomaly, with a subject that says at a glance what is
// wrong where (`[mksysb-vault] FAIL dbqa09 TINY_IMAGE 4 MB vs 3.8 GB median`) and message attributes
// (severity, host, code) that subscription filter policies match on. Pure: the notify and run-report
// Lambdas publish what this builds.
import type { Anomaly, Severity } from './anomaly.js';
import { parseImageKey } from './catalog-keys.js';

export const SUBJECT_PREFIX = '[mksysb-vault]';
/** SNS refuses a subject longer than 100 characters. */
export const SUBJECT_LIMIT = 100;

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warn: 1, fail: 2 };

/** Whether `severity` is at least `minimum`. */
export function atLeast(severity: Severity, minimum: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[minimum];
}

/** SNS subjects are printable ASCII on one line: anything else becomes a space or '?'. */
function asciiLine(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * A one-line subject of at most 100 characters; a long detail is cut at a word with "...". A `suffix`
 * (the image an alert is about, `[mksysb 2026-11-23]`) is always kept whole at the end.
 */
export function subjectLine(parts: readonly string[], detail: string, suffix = ''): string {
  const tail = asciiLine(suffix);
  const limit = SUBJECT_LIMIT - (tail ? tail.length + 1 : 0);
  const end = tail ? ` ${tail}` : '';
  const head = asciiLine([SUBJECT_PREFIX, ...parts].join(' '));
  if (head.length >= limit) return `${head.slice(0, limit - 3)}...${end}`;
  const text = asciiLine(detail);
  if (!text) return `${head}${end}`;
  const full = `${head} ${text}`;
  if (full.length <= limit) return `${full}${end}`;
  const room = limit - head.length - 4;
  const cut = text.slice(0, room);
  let atWord = cut.lastIndexOf(' ') > room / 2 ? cut.slice(0, cut.lastIndexOf(' ')) : cut;
  // A cut inside parentheses leaves "(median": drop the unclosed part.
  const open = atWord.lastIndexOf('(');
  if (open > 0 && atWord.indexOf(')', open) < 0) atWord = atWord.slice(0, open);
  return `${head} ${atWord.replace(/[\s:;,]+$/, '')}...${end}`;
}

/** The part of an anomaly message worth a subject: up to the first colon or semicolon. */
export function shortDetail(message: string): string {
  let first = (message.split(/[;:](?:\s|$)/)[0] ?? message).trim();
  // A cut inside parentheses leaves "(first run": drop the unclosed part.
  const open = first.lastIndexOf('(');
  if (open > 0 && first.indexOf(')', open) < 0) first = first.slice(0, open).trim();
  return first;
}

export interface AlertMessage {
  readonly subject: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, { DataType: 'String'; StringValue: string }>>;
}

function attributes(fields: Readonly<Record<string, string>>): AlertMessage['attributes'] {
  return Object.fromEntries(
    Object.entries(fields).map(([name, value]) => [
      name,
      { DataType: 'String' as const, StringValue: value },
    ]),
  );
}

export interface AnomalyContext {
  readonly host: string;
  readonly runId: string;
  readonly date: string;
  /** The image the anomaly is about, when there is one. */
  readonly key?: string | undefined;
  /**
   * Without a key: which image the alert is about, in a few words (`none made 2026-11-23`, `none
   * ever`). Every alert names its image, so two alerts of one code on one host are told apart.
   */
  readonly image?: string | undefined;
}

/** `mksysb 2026-11-23` / `savevg datavg 2026-11-23` for an image key; the key itself if it is not one. */
export function imageLabel(key: string): string {
  const parsed = parseImageKey(key);
  if (!parsed) return key;
  return parsed.kind === 'mksysb' ? `mksysb ${parsed.day}` : `savevg ${parsed.volumeGroup} ${parsed.day}`;
}

/**
 * An anomaly message as body lines: its `; `-joined parts (the reasons of a failed run, the changes
 * that explain a size or OS level finding) one to a line under the first, so an e-mail shows
 * `-9.6 GB /home/oracle (directory removed, 2 entries)` on a line of its own.
 */
export function messageLines(message: string): string[] {
  const [first = '', ...rest] = message.split('; ');
  return [first, ...rest.map((part) => `  ${part}`)];
}

/** One anomaly as one message: the subject says what and where, the body the whole message and evidence. */
export function anomalyAlert(anomaly: Anomaly, context: AnomalyContext): AlertMessage {
  const evidence = Object.entries(anomaly.evidence)
    .map(([k, v]) => `  ${k}: ${v === null ? 'none' : String(v)}`)
    .join('\n');
  const message = [
    `${anomaly.severity.toUpperCase()} ${anomaly.code} on ${context.host}`,
    '',
    ...messageLines(anomaly.message),
    '',
    `image:  ${context.key ?? context.image ?? 'none named'}`,
    `run:    ${context.runId} (${context.date})`,
    ...(evidence ? ['', 'evidence:', evidence] : []),
  ].join('\n');
  return {
    subject: subjectLine(
      [anomaly.severity.toUpperCase(), context.host, anomaly.code],
      shortDetail(anomaly.message),
      `[${context.key ? imageLabel(context.key) : (context.image ?? 'no image')}]`,
    ),
    message,
    attributes: attributes({
      severity: anomaly.severity,
      host: context.host,
      code: anomaly.code,
      kind: 'anomaly',
    }),
  };
}

/** The digest of a whole run (or check): one message, attributes kind=digest and its worst severity. */
export function digestAlert(subjectDetail: string, body: string, worst: Severity): AlertMessage {
  return {
    subject: subjectLine(['RUN'], subjectDetail),
    message: body,
    attributes: attributes({ severity: worst, kind: 'digest' }),
  };
}
