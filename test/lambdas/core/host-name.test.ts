// One host-name rule everywhere: what the config and the fleet parameters accept is exactly what the
// SSM documents let through, what the catalog builds keys from and what the simulated LPARs take, so
// a host is never accepted and then never backed up.
import { describe, expect, it } from 'vitest';
import {
  HOST_NAME_MAX,
  HostNameSchema,
  hostNameProblem,
  validateHostName,
} from '../../../lambdas/core/catalog-keys.js';
import { parseFleetParameters } from '../../../lambdas/core/fleet.js';
import { documentContent, HOST_STEPS } from '../../../lib/host-scripts/index.js';
import { HostProfileSchema } from '../../../lib/sim-lpar/index.js';

const NODE = 'mi-0123456789abcdef0';
const keysCanBeBuilt = (name: string) => {
  try {
    validateHostName(name);
    return true;
  } catch {
    return false;
  }
};
const names = [
  'a',
  'aixprd01',
  'a'.repeat(63),
  'a'.repeat(64),
  'a'.repeat(65),
  'a'.repeat(255),
  'a;b',
  '-a',
  'a..b',
];

describe('host names', () => {
  it('are at most 64 characters, the SSM documents’ limit', () => {
    expect(HOST_NAME_MAX).toBe(64);
    expect(HostNameSchema.safeParse('a'.repeat(64)).success).toBe(true);
    expect(HostNameSchema.safeParse('a'.repeat(65)).success).toBe(false);
  });

  it('are accepted by the config schema exactly when every SSM document lets them through', () => {
    for (const step of HOST_STEPS) {
      const pattern = new RegExp(documentContent(step).parameters.host?.allowedPattern ?? '^$');
      for (const name of names.filter((n) => !n.includes('..')))
        expect(HostNameSchema.safeParse(name).success, `${step} ${name.length}: ${name.slice(0, 8)}`).toBe(
          pattern.test(name),
        );
    }
  });

  it('are accepted by the schema exactly when keys can be built from them and an LPAR can be simulated', () => {
    for (const name of names) {
      const accepted = HostNameSchema.safeParse(name).success;
      expect(hostNameProblem(name) === null, name.slice(0, 8)).toBe(accepted);
      expect(keysCanBeBuilt(name), name.slice(0, 8)).toBe(accepted);
      if (!name.includes('..'))
        expect(HostProfileSchema.safeParse({ host: name }).success, name.slice(0, 8)).toBe(accepted);
    }
  });

  it('too long in a fleet parameter are refused, naming the host, its length and the limit', () => {
    const long = `aix${'x'.repeat(62)}`;
    expect(() =>
      parseFleetParameters([{ name: '/p/x', value: JSON.stringify({ host: long, managedNodeId: NODE }) }]),
    ).toThrow(
      `/p/x (host "${long}") field host: host name "${long}" is 65 characters: at most 64 (the SSM documents' host parameter refuses longer names`,
    );
  });
});
