// The shared Lambda function settings: a stack trace from a deployed handler names the TypeScript
// file and line (the bundle carries its source map and Node is told to read it), not the minified
// bundle.
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { HandlerFunction } from '../../../lib/constructs/handler-function.js';
import { testApp, testStack } from '../harness.js';

function synth(environment?: Record<string, string>): Template {
  const stack = testStack(testApp());
  new HandlerFunction(stack, 'Notify', { name: 'notify', description: 'test', environment });
  return Template.fromStack(stack);
}

describe('HandlerFunction', () => {
  it('turns on source maps at run time: NODE_OPTIONS=--enable-source-maps', () => {
    synth().hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it("keeps the caller's environment beside it", () => {
    const [fn] = Object.values(synth({ TOPIC_ARN: 'arn:topic' }).findResources('AWS::Lambda::Function'));
    expect(fn?.Properties.Environment.Variables).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      TOPIC_ARN: 'arn:topic',
    });
  });
});
