// The local runner validates each state machine definition once per process (asl-validator compiles
// its JSON schemas on every call): the fault rig and the tests build a LocalWorkflow per case on the
// same synthesized definitions. A definition never seen is still validated, and a bad one refused.
import { describe, expect, it, vi } from 'vitest';

const built: { validationOptions?: { noValidate?: boolean } }[] = [];
vi.mock('aws-local-stepfunctions', async (importOriginal) => {
  const original = await importOriginal<typeof import('aws-local-stepfunctions')>();
  class Recording extends original.StateMachine {
    constructor(...args: ConstructorParameters<typeof original.StateMachine>) {
      built.push(args[1] ?? {});
      super(...args);
    }
  }
  return { ...original, StateMachine: Recording };
});

const { buildStateMachine } = await import('../../../lib/local/workflow-runner.js');

const pass = (name: string) => ({ StartAt: name, States: { [name]: { Type: 'Pass' as const, End: true } } });

describe('buildStateMachine', () => {
  it('validates a definition the first time only', () => {
    buildStateMachine(pass('First'));
    buildStateMachine(pass('First'));
    buildStateMachine(pass('Second'));
    expect(built.map((o) => o.validationOptions?.noValidate === true)).toEqual([false, true, false]);
  });

  it('refuses an invalid definition every time it is given', () => {
    const bad = { StartAt: 'Missing', States: { Other: { Type: 'Pass' as const, End: true } } };
    expect(() => buildStateMachine(bad)).toThrow(/Missing/);
    expect(() => buildStateMachine(bad)).toThrow(/Missing/);
  });
});
