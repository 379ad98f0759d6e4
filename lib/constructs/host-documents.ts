// The SSM Command documents of the host steps (preflight, backup, transfer), one per step, built at
// synth time from the scripts in lib/host-scripts. The deploy config fills in the defaults that
// matter per estate (step timeouts, staging size factor, transfer parallelism); the workflow passes
// the per-host values. CloudFormation names the documents, so a content change replaces a document
// instead of failing on a name that already exists.
import { Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  type CommandDocumentContent,
  type DocumentParameter,
  documentContent,
  EXECUTION_TIMEOUT_SECONDS,
  HOST_STEPS,
  type HostStep,
} from '../host-scripts/index.js';

export interface HostDocumentsProps {
  /** `workflow` section of the deploy config: step timeouts and the staging size factor. */
  readonly workflow: {
    readonly backupTimeoutSeconds: number;
    readonly transferTimeoutSeconds: number;
    readonly stagingSizeFactor: number;
  };
  /** `transfer` section of the deploy config: part parallelism and retries. */
  readonly transfer: {
    readonly parallelParts: number;
    readonly partRetries: number;
    readonly retryDelaySeconds: number;
  };
}

/** The document content of `step` with the parameter defaults of this deployment. */
export function configuredDocumentContent(step: HostStep, props: HostDocumentsProps): CommandDocumentContent {
  const base = documentContent(step);
  const defaults: Record<string, string> = {
    timeoutSeconds: String(
      step === 'backup'
        ? props.workflow.backupTimeoutSeconds
        : step === 'transfer'
          ? props.workflow.transferTimeoutSeconds
          : EXECUTION_TIMEOUT_SECONDS.preflight,
    ),
    sizeFactor: String(props.workflow.stagingSizeFactor),
    parallelParts: String(props.transfer.parallelParts),
    partRetries: String(props.transfer.partRetries),
    retryDelaySeconds: String(props.transfer.retryDelaySeconds),
  };
  const parameters: Record<string, DocumentParameter> = {};
  for (const [name, parameter] of Object.entries(base.parameters)) {
    const value = defaults[name];
    if (value !== undefined && !new RegExp(parameter.allowedPattern).test(value))
      throw new Error(
        `SSM document ${step}: default ${name}=${value} does not match ${parameter.allowedPattern}`,
      );
    parameters[name] = value === undefined ? parameter : { ...parameter, default: value };
  }
  return { ...base, parameters };
}

export class HostDocuments extends Construct {
  /** Document name per step (what SendCommand's DocumentName takes). */
  public readonly documentNames: Readonly<Record<HostStep, string>>;
  /** Document ARN per step (what an ssm:SendCommand policy names). */
  public readonly documentArns: Readonly<Record<HostStep, string>>;
  public readonly documents: Readonly<Record<HostStep, ssm.CfnDocument>>;

  constructor(scope: Construct, id: string, props: HostDocumentsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const documents = {} as Record<HostStep, ssm.CfnDocument>;
    const names = {} as Record<HostStep, string>;
    const arns = {} as Record<HostStep, string>;
    for (const step of HOST_STEPS) {
      const document = new ssm.CfnDocument(this, capitalise(step), {
        documentType: 'Command',
        documentFormat: 'JSON',
        content: configuredDocumentContent(step, props),
      });
      documents[step] = document;
      names[step] = document.ref;
      arns[step] = stack.formatArn({ service: 'ssm', resource: 'document', resourceName: document.ref });
    }
    this.documents = documents;
    this.documentNames = names;
    this.documentArns = arns;
  }
}

function capitalise(step: string): string {
  return step.charAt(0).toUpperCase() + step.slice(1);
}
