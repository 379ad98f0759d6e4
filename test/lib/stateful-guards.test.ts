// Guards on what a refactor must never change by accident. A stateful resource's logical ID is its
// identity to CloudFormation: renaming a construct on its path makes the next deploy create a new
// bucket, key or log group and orphan the old one (Retain keeps its data, but the stack stops using
// it: the images and their history would silently live in a bucket nothing reads). (The SSM
// documents' margin under their 64,000-byte quota is test/lib/local/stack-limits.test.ts's.)
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MksysbVaultStack } from '../../lib/mksysb-vault-stack.js';
import { testApp, testConfig } from './harness.js';

type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

/** Types whose replacement loses or strands data: the store, the keys that decrypt it, the logs. */
const STATEFUL_TYPES = ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Logs::LogGroup'];

/**
 * The logical IDs deployed stacks hold today. A change here is a data migration, not a refactor:
 * keep the construct path (or pin the ID with `overrideLogicalId`) instead of editing this list.
 */
const PINNED_IDS = [
  'VaultImageStoreBucketD0A1232A',
  'VaultImageStoreAccessLogsE1FE649A',
  'VaultImageStoreKeyF15ECD91',
  'VaultAlertsKey3251B723',
  'VaultWorkflowLoadFleetFunctionLogs33FE46F2',
  'VaultWorkflowAwaitCommandFunctionLogsA2E17A77',
  'VaultWorkflowPrepareUploadFunctionLogs34310FF4',
  'VaultWorkflowCompleteUploadFunctionLogs5816202A',
  'VaultWorkflowInspectImageFunctionLogsE974104B',
  'VaultWorkflowVerifyFunctionLogs1CF650EC',
  'VaultWorkflowRecordFailureFunctionLogsB2DB0676',
  'VaultWorkflowNotifyFunctionLogs205C7D2A',
  'VaultWorkflowRetentionFunctionLogs345636DA',
  'VaultWorkflowRunReportFunctionLogs4FE04CE1',
  'VaultWorkflowFreshnessFunctionLogsAD602DEF',
  'VaultWorkflowHostStateMachineLogsAB5EE2F3',
  'VaultWorkflowWeeklyStateMachineLogsF589C931',
  'VaultWorkflowFreshnessStateMachineLogsCEA9D8D1',
  'VaultWorkflowRestoreTestFunctionLogsA6E11E91',
  'VaultWorkflowRestoreTestStateMachineLogsA8AF4199',
];

let resources: Record<string, Resource>;

beforeAll(() => {
  const app = testApp();
  // The stack id and construct ids are the ones bin/ deploys: they make the logical IDs.
  const stack = new MksysbVaultStack(app, 'MksysbVault', {
    config: testConfig(),
    env: { account: '111122223333', region: 'eu-west-3' },
  });
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
});

describe('stateful resources', () => {
  it('keep the logical IDs deployed stacks already hold', () => {
    const stateful = Object.entries(resources)
      .filter(([, r]) => STATEFUL_TYPES.includes(r.Type))
      .map(([id]) => id)
      .sort();
    expect(stateful).toEqual([...PINNED_IDS].sort());
  });

  it('are retained when the stack is deleted or a replacement is forced', () => {
    for (const id of PINNED_IDS) {
      expect({ id, policy: resources[id]?.DeletionPolicy }).toEqual({ id, policy: 'Retain' });
      expect({ id, policy: resources[id]?.UpdateReplacePolicy }).toEqual({ id, policy: 'Retain' });
    }
  });
});
