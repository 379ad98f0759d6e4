// Step Functions gives a Task no timeout of its own; aws-local-stepfunctions gives one 60 wall-clock
// seconds (the States Language spec's default). Local mode runs each definition with the service's
// behaviour (withServiceTaskTimeouts): a Task that takes longer than a minute on a loaded machine — the
// weekly Distributed Map, run as one Task here — does not fail States.Timeout where AWS would not.
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { localDefinition, withServiceTaskTimeouts } from '../../../lib/local/workflow-runner.js';

const definition = (): StateMachineDefinition => ({
  StartAt: 'Slow',
  States: {
    Slow: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:slow', Next: 'Hosts' },
    Hosts: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        StartAt: 'Each',
        States: {
          Each: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:each', End: true },
        },
      },
      Next: 'Bounded',
    },
    Bounded: {
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:bounded',
      TimeoutSeconds: 30,
      End: true,
    },
  },
});

/** Runs the definition with a `Slow` task that answers after 90 s of (fake) wall clock. */
async function run(def: StateMachineDefinition) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const machine = new StateMachine(def, { validationOptions: { noValidate: true } });
  const execution = machine.run(
    {},
    {
      overrides: {
        taskResourceLocalHandlers: {
          Slow: () => new Promise((resolve) => setTimeout(() => resolve({ items: [1] }), 90_000)),
          Each: async () => 'done',
          Bounded: async () => 'bounded',
        },
      },
    },
  );
  const result = execution.result.then(
    (output) => ({ output }),
    (error: Error) => ({ error: error.message }),
  );
  await vi.advanceTimersByTimeAsync(91_000);
  return result;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('withServiceTaskTimeouts', () => {
  it('lets a Task without a timeout of its own run past a minute of wall clock (the library alone fails it)', async () => {
    expect(await run(definition())).toMatchObject({ error: expect.stringMatching(/States\.Timeout/) });
    expect(await run(withServiceTaskTimeouts(definition()))).toEqual({ output: 'bounded' });
  });

  it('sets only the Tasks without one, nested ones too, and leaves the definition it was given alone', () => {
    const given = definition();
    expect(withServiceTaskTimeouts(given)).toMatchObject({
      States: {
        Slow: { TimeoutSeconds: 2_147_483 },
        Hosts: { ItemProcessor: { States: { Each: { TimeoutSeconds: 2_147_483 } } } },
        Bounded: { TimeoutSeconds: 30 },
      },
    });
    expect(withServiceTaskTimeouts(given).States.Hosts).not.toHaveProperty('TimeoutSeconds');
    expect(given).toEqual(definition());
  });

  it('reaches the stand-in Task of a Distributed Map and its processor (the weekly run of every host)', () => {
    const distributed = definition();
    Object.assign(distributed.States.Hosts as object, {
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Each',
        States: {
          Each: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:each', End: true },
        },
      },
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' } },
    });
    const local = localDefinition(distributed);
    expect(local.maps.size).toBe(1);
    expect(local.definition.States.Hosts).toMatchObject({ Type: 'Task', TimeoutSeconds: 2_147_483 });
    expect(local.maps.get('Hosts')?.processor.States.Each).toMatchObject({ TimeoutSeconds: 2_147_483 });
  });
});
