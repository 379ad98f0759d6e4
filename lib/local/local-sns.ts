// The local alert topic: every SNS Publish the pipeline makes, kept in memory, printed to the console
// and appended to a JSON-lines file (.mksysb-vault/alerts.jsonl for `npm start`). `client()` is a real
// SNSClient whose requests never leave the process, so the notify and run-report code is unchanged.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { limitExceeded, SNS_MESSAGE_LIMIT } from '../../lambdas/core/aws-limits.js';
import { answerLocally } from './resolve-template.js';

export interface SnsMessage {
  readonly topicArn: string;
  readonly subject: string;
  readonly message: string;
  /** Message attributes as plain strings (severity, host, code, kind). */
  readonly attributes: Readonly<Record<string, string>>;
  /** When it was published, on the run's clock. */
  readonly at: string;
}

export interface LocalSnsOptions {
  /** Append each message as one JSON line here. */
  readonly file?: string;
  /** Print each subject to the console. @default false */
  readonly print?: boolean;
  readonly now?: () => Date;
}

export class LocalSns {
  public readonly messages: SnsMessage[] = [];

  constructor(private readonly options: LocalSnsOptions = {}) {
    if (options.file) mkdirSync(dirname(options.file), { recursive: true });
  }

  publish(input: Record<string, unknown>, now = this.options.now?.() ?? new Date()): { MessageId: string } {
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries((input.MessageAttributes ?? {}) as Record<string, unknown>))
      attributes[name] = String((value as { StringValue?: unknown })?.StringValue ?? '');
    const message: SnsMessage = {
      topicArn: String(input.TopicArn ?? ''),
      subject: String(input.Subject ?? ''),
      message: String(input.Message ?? ''),
      attributes,
      at: now.toISOString(),
    };
    // SNS refuses a message over 256 KB: local mode too, so a digest that grows with the fleet fails here.
    const over = limitExceeded(
      SNS_MESSAGE_LIMIT,
      Buffer.byteLength(message.message, 'utf8'),
      `the SNS message "${message.subject}"`,
    );
    if (over) throw over;
    if (message.subject.length > 100)
      throw Object.assign(new Error(`SNS subject longer than 100 characters: ${message.subject}`), {
        name: 'InvalidParameter',
      });
    this.messages.push(message);
    if (this.options.print) console.log(`sns: ${message.subject}`);
    if (this.options.file) appendFileSync(this.options.file, `${JSON.stringify(message)}\n`);
    return { MessageId: `local-${this.messages.length}` };
  }

  /** An SNSClient answered by this topic; `now` dates the messages (the run's clock). */
  client(now?: () => Date): SNSClient {
    return answerLocally(new SNSClient(LOCAL_CLIENT_CONFIG), async (command, input) => {
      if (command !== 'PublishCommand') throw new Error(`local SNS: ${command} is not emulated`);
      return this.publish(input, now?.());
    });
  }
}

export const LOCAL_CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'LOCAL', secretAccessKey: 'LOCAL' },
} as const;
