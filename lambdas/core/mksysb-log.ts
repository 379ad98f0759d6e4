// Classifies the output of a mksysb or savevg run: did it end with `0512-038 … Backup Completed
// Successfully`, which AIX message codes did it print, how many files did it say it backed up. A run
// with no completion message is never a success, whatever its exit status said.
import { z } from 'zod';

export const LogOutcomeSchema = z.enum(['success', 'warning', 'failed', 'unknown']);
export type LogOutcome = z.infer<typeof LogOutcomeSchema>;

export const LogMessageSchema = z.object({
  code: z.string(),
  severity: z.enum(['info', 'warn', 'fail']),
  line: z.string(),
});
export type LogMessage = z.infer<typeof LogMessageSchema>;

export const MksysbLogReportSchema = z.object({
  outcome: LogOutcomeSchema,
  /** `mksysb` or `savevg`, from the completion or error messages. */
  command: z.enum(['mksysb', 'savevg']).nullable(),
  completed: z.boolean(),
  /** Every distinct AIX message code, in order of first appearance. */
  codes: z.array(z.string()),
  messages: z.array(LogMessageSchema),
  /** From `Backing up N files`. */
  filesToBackUp: z.number().int().nullable(),
  /** From the last `X of Y files backed up (Z%)`, else `filesToBackUp`. */
  filesBackedUp: z.number().int().nullable(),
  outOfSpace: z.boolean(),
  /** The space banner mksysb prints before it starts (`Required = … Available = …`, 1024-byte blocks). */
  requiredKB: z.number().int().nullable(),
  availableKB: z.number().int().nullable(),
  /** One line per reason the outcome is not `success`, for the anomaly's evidence. */
  reasons: z.array(z.string()),
});
export type MksysbLogReport = z.infer<typeof MksysbLogReportSchema>;

// Codes whose meaning is known; any other 0512 code is treated as a failure, other families as warnings.
const KNOWN_CODES: Record<string, { severity: LogMessage['severity']; meaning: string }> = {
  '0512-038': { severity: 'info', meaning: 'backup completed successfully' },
  // Printed instead of 0512-038: the backup finished, but some files may be missing from it.
  '0512-003': { severity: 'warn', meaning: 'some files may not have been archived' },
  // "Backup Completed. The backup command completed with errors": the image is not to be trusted.
  '0512-005': { severity: 'fail', meaning: 'the backup completed with errors' },
  '0511-432': { severity: 'fail', meaning: 'write error on the backup medium' },
  '0511-089': { severity: 'fail', meaning: 'backup aborted' },
  '0511-080': { severity: 'fail', meaning: 'backup aborted' },
  '0511-194': { severity: 'warn', meaning: 'a file was read with an error' },
  '0511-195': { severity: 'warn', meaning: 'a file changed size while being backed up' },
  '0511-551': { severity: 'warn', meaning: 'a file changed while being backed up' },
  '0301-177': { severity: 'fail', meaning: 'bosboot failed: not enough space' },
  '0301-158': { severity: 'fail', meaning: 'bosboot failed: not enough space' },
  '0301-106': { severity: 'fail', meaning: 'bosboot failed' },
};

const OUT_OF_SPACE =
  /(not enough space|no space left|file system is full|filesystem is full|insufficient (?:disk )?space|ENOSPC|There is not enough free space)/i;

export function classifyMksysbLog(text: string): MksysbLogReport {
  const messages: LogMessage[] = [];
  const codes: string[] = [];
  let filesToBackUp: number | null = null;
  let filesBackedUp: number | null = null;
  let command: MksysbLogReport['command'] = null;
  let completed = false;
  let outOfSpace = false;
  let requiredKB: number | null = null;
  let availableKB: number | null = null;
  const failureLines: string[] = [];

  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const toBackUp = /Backing up (\d+) files/i.exec(line);
    if (toBackUp) filesToBackUp = Number(toBackUp[1]);
    // `N of M files backed up (P%)` (mksysb) or `N of M files (P%)` (savevg, NIM progress lines)
    const backedUp = /(\d+) of (\d+) files(?: backed up)?\s*\(\d+%\)/i.exec(line);
    if (backedUp) {
      filesBackedUp = Number(backedUp[1]);
      filesToBackUp ??= Number(backedUp[2]);
    }
    const space = /Required\s*=\s*(\d+).*Available\s*=\s*(\d+)/i.exec(line);
    if (space) {
      requiredKB = Number(space[1]);
      availableKB = Number(space[2]);
    }
    if (OUT_OF_SPACE.test(line)) outOfSpace = true;
    if (command === null)
      command = (/\b(mksysb|savevg)\b/i.exec(line)?.[1]?.toLowerCase() ?? null) as typeof command;
    const lineCodes = [...line.matchAll(/\b(0\d{3}-\d{3})\b/g)].map((m) => m[1] ?? '');
    // Some failures print no message code at all ("mksysb: Attempt to create a bootable tape failed");
    // file lists of `mksysb -v` (`a ./path`) are not messages.
    if (
      lineCodes.length === 0 &&
      /\bfail(?:ed|ure)\b/i.test(line) &&
      !/^(?:a\s+(?:\d+\s+)?)?\.?\//.test(line)
    )
      failureLines.push(line.slice(0, 300));
    for (const code of lineCodes) {
      if (!codes.includes(code)) codes.push(code);
      if ((code === '0512-038' && /Completed Successfully/i.test(line)) || code === '0512-003')
        completed = true;
      messages.push({ code, severity: severityOf(code), line: line.slice(0, 300) });
    }
  }

  // One reason per distinct code (its first line, and how many more there were): a run that warned
  // about each of 5,000 changed files must not make an anomaly too big for a state's 256 KB payload.
  const reasons: string[] = [];
  const perCode = new Map<string, { line: string; more: number }>();
  for (const m of messages) {
    if (m.severity === 'info') continue;
    const seen = perCode.get(m.code);
    if (seen) seen.more += 1;
    else perCode.set(m.code, { line: m.line, more: 0 });
  }
  for (const [code, { line, more }] of perCode)
    reasons.push(
      `${code}: ${line}${more > 0 ? ` (and ${more} more line${more > 1 ? 's' : ''} with ${code})` : ''}`,
    );
  if (outOfSpace && !messages.some((m) => m.severity === 'fail'))
    reasons.push('the log reports the file system out of space');
  reasons.push(...failureLines.slice(0, 3));
  if (!completed && text.trim() !== '') reasons.push('no "0512-038 … Backup Completed Successfully" message');
  if (filesToBackUp !== null && filesBackedUp !== null && filesBackedUp < filesToBackUp)
    reasons.push(`${filesBackedUp} of ${filesToBackUp} files backed up`);

  const failed = messages.some((m) => m.severity === 'fail') || outOfSpace || failureLines.length > 0;
  const warned =
    messages.some((m) => m.severity === 'warn') ||
    (filesToBackUp !== null && filesBackedUp !== null && filesBackedUp < filesToBackUp);
  let outcome: LogOutcome;
  if (text.trim() === '') outcome = 'unknown';
  else if (failed) outcome = 'failed';
  else if (!completed) outcome = 'failed';
  else if (warned) outcome = 'warning';
  else outcome = 'success';

  return {
    outcome,
    command,
    completed,
    codes,
    messages,
    filesToBackUp,
    filesBackedUp: filesBackedUp ?? (completed ? filesToBackUp : null),
    outOfSpace,
    requiredKB,
    availableKB,
    reasons,
  };
}

function severityOf(code: string): LogMessage['severity'] {
  const known = KNOWN_CODES[code];
  if (known) return known.severity;
  return code.startsWith('0512-') ? 'fail' : 'warn';
}
