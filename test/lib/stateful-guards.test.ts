// Guards on what a refactor must never change by accident. A stateful resource's logical ID is its
// identity to CloudFormation: renaming a construct on its path makes the next deploy create a new
// bucket, key or log group and orphan the old one (Retain keeps its data, but the stack stops using
// it: the images and their history would silently live in a bucket nothing reads). And an SSM
// Command document is refused above 64 KB, a quota that also counts the parameters given at run
// time, so each host document keeps a margin below it.
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonBytes, SSM_DOCUMENT_LIMIT } from '../../lambdas/core/aws-limits.js';
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

/**
 * Room kept under SSM's quota (SSM_DOCUMENT_LIMIT, which local mode also enforces at synthesis) for
 * the run-time parameters (URLs, host lists) and for the scripts to grow.
 */
const SSM_DOCUMENT_BUDGET = 56 * 1024;

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

describe('SSM host documents', () => {
  it(`each stays under ${SSM_DOCUMENT_BUDGET / 1024} KiB of the ${SSM_DOCUMENT_LIMIT.max.toLocaleString('en-US')}-byte quota`, () => {
    const documents = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SSM::Document');
    expect(documents.length).toBeGreaterThanOrEqual(3);
    for (const [id, r] of documents) {
      // SSM measures the content as submitted: CloudFormation sends it as compact JSON.
      const bytes = jsonBytes(r.Properties.Content);
      expect({ id, bytes, overBudget: bytes > SSM_DOCUMENT_BUDGET }).toEqual({
        id,
        bytes,
        overBudget: false,
      });
    }
  });
});
