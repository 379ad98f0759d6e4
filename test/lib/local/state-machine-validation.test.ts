// The local runner validates each state machine definition once per process (asl-validator compiles
// its JSON schemas on every call): the fault rig and the tests build a LocalWorkflow per case on the
// same synthesized definitions. A definition never seen is still validated, and a bad one refused.
import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition, type StateMachineOptions } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { buildStateMachine } from '../../../lib/local/workflow-runner.js';

// Names no other test file (sharing this worker: vitest runs without isolation) has built.
function pass(name: string): StateMachineDefinition {
  const state = `${name}-${randomUUID()}`;
  return { StartAt: state, States: { [state]: { Type: 'Pass', End: true } } };
}

function recording() {
  const validated: boolean[] = [];
  const construct = (definition: StateMachineDefinition, options: StateMachineOptions) => {
    validated.push(options.validationOptions?.noValidate !== true);
    return new StateMachine(definition, options);
  };
  return { validated, construct };
}

describe('buildStateMachine', () => {
  it('validates a definition the first time only', () => {
    const { validated, construct } = recording();
    const first = pass('First');
    const second = pass('Second');
    buildStateMachine(first, construct);
    // The same definition again, and a copy of it (a second synthesis of the same template).
    buildStateMachine(first, construct);
    buildStateMachine(structuredClone(first), construct);
    buildStateMachine(second, construct);
    expect(validated).toEqual([true, false, false, true]);
  });

  it('refuses an invalid definition every time it is given', () => {
    const { validated, construct } = recording();
    const bad: StateMachineDefinition = {
      StartAt: `Missing-${randomUUID()}`,
      States: { Other: { Type: 'Pass', End: true } },
    };
    expect(() => buildStateMachine(bad, construct)).toThrow(/Missing/);
    expect(() => buildStateMachine(bad, construct)).toThrow(/Missing/);
    expect(validated).toEqual([true, true]);
  });
});
