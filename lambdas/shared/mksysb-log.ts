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
  /** One line per reason the outcome is not `success`, for the anomaly's evidence. */
  reasons: z.array(z.string()),
});
export type MksysbLogReport = z.infer<typeof MksysbLogReportSchema>;

// Codes whose meaning is known; any other 0512 code is treated as a failure, other families as warnings.
const KNOWN_CODES: Record<string, { severity: LogMessage['severity']; meaning: string }> = {
  '0512-038': { severity: 'info', meaning: 'backup completed successfully' },
  '0512-003': { severity: 'warn', meaning: 'some files may not have been archived' },
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

  for (const raw of text.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const toBackUp = /Backing up (\d+) files/i.exec(line);
    if (toBackUp) filesToBackUp = Number(toBackUp[1]);
    const backedUp = /(\d+) of (\d+) files backed up/i.exec(line);
    if (backedUp) filesBackedUp = Number(backedUp[1]);
    if (OUT_OF_SPACE.test(line)) outOfSpace = true;
    const cmd = /\b(mksysb|savevg)\b/i.exec(line);
    for (const match of line.matchAll(/\b(0\d{3}-\d{3})\b/g)) {
      const code = match[1] ?? '';
      if (!codes.includes(code)) codes.push(code);
      if (code === '0512-038' && /Completed Successfully/i.test(line)) {
        completed = true;
        if (cmd) command = cmd[1]?.toLowerCase() as MksysbLogReport['command'];
      } else if (cmd && command === null) command = cmd[1]?.toLowerCase() as MksysbLogReport['command'];
      messages.push({ code, severity: severityOf(code), line: line.slice(0, 300) });
    }
  }

  const reasons: string[] = [];
  for (const m of messages) if (m.severity !== 'info') reasons.push(`${m.code}: ${m.line}`);
  if (outOfSpace && !messages.some((m) => m.severity === 'fail'))
    reasons.push('the log reports the file system out of space');
  if (!completed) reasons.push('no "0512-038 … Backup Completed Successfully" message');
  if (filesToBackUp !== null && filesBackedUp !== null && filesBackedUp < filesToBackUp)
    reasons.push(`${filesBackedUp} of ${filesToBackUp} files backed up`);

  const failed = messages.some((m) => m.severity === 'fail') || outOfSpace;
  const warned =
    messages.some((m) => m.severity === 'warn') ||
    (filesToBackUp !== null && filesBackedUp !== null && filesBackedUp < filesToBackUp);
  let outcome: LogOutcome;
  if (text.trim() === '') outcome = 'unknown';
  else if (failed) outcome = 'failed';
  else if (!completed) outcome = messages.length === 0 && filesToBackUp === null ? 'unknown' : 'failed';
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
    reasons,
  };
}

function severityOf(code: string): LogMessage['severity'] {
  const known = KNOWN_CODES[code];
  if (known) return known.severity;
  return code.startsWith('0512-') ? 'fail' : 'warn';
}
