// Exclude lists in the deploy config: per host (`fleet[].exclude`) and per group (`excludeGroups`),
// merged into each host's list before it is written to Parameter Store; every error names the field
// and the host or group.
import { describe, expect, it } from 'vitest';
import { fleetParameterValues, parseFleetParameters } from '../../lambdas/core/fleet.js';
import { type DeployConfigInput, parseDeployConfig } from '../../lib/config.js';
import { testConfigInput } from './harness.js';

const A = { host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0' };
const B = { host: 'dbqa09', managedNodeId: 'mi-0123456789abcdef0' };

function errorOf(input: DeployConfigInput): string {
  try {
    parseDeployConfig(input, 'test.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
}

describe('exclude lists in the deploy config', () => {
  it('gives a host its groups patterns first, then its own, each once', () => {
    const config = parseDeployConfig(
      testConfigInput({
        fleet: [{ ...A, exclude: ['^./tmp/', '^./u01/trace/'] }, B],
        excludeGroups: [
          { name: 'all', hosts: ['aixprd01', 'dbqa09'], patterns: ['^./mksysb/'] },
          { name: 'oracle', hosts: ['aixprd01'], patterns: ['^./u01/trace/', '^./u01/audit/'] },
        ],
      }),
      'test.json',
    );
    expect(config.fleet.map((h) => [h.host, h.exclude])).toEqual([
      ['aixprd01', ['^./mksysb/', '^./u01/trace/', '^./u01/audit/', '^./tmp/']],
      ['dbqa09', ['^./mksysb/']],
    ]);
  });

  it('has no list unless one is given', () => {
    expect(parseDeployConfig(testConfigInput({ fleet: [A] }), 'test.json').fleet[0]?.exclude).toEqual([]);
  });

  it('writes the merged list to the fleet parameters, where load-fleet reads it back', () => {
    const config = parseDeployConfig(
      testConfigInput({
        fleet: [A],
        excludeGroups: [{ name: 'all', hosts: ['aixprd01'], patterns: ['^./mksysb/'] }],
      }),
      'test.json',
    );
    const values = fleetParameterValues(config.fleet);
    const fleet = parseFleetParameters(values.map((value, i) => ({ name: `/f/${i}`, value })));
    expect(fleet[0]?.exclude).toEqual(['^./mksysb/']);
  });

  it("names a host's bad pattern by its field and its host", () => {
    const message = errorOf(testConfigInput({ fleet: [A, { ...B, exclude: ['^./tmp/', '^/var/tmp/'] }] }));
    expect(message).toMatch(
      /^fleet\[1\]\.exclude\[1\]: "\^\/var\/tmp\/": names in a mksysb start with "\.\/": write "\^\.\/var\/tmp\/".* \(host dbqa09\)$/m,
    );
  });

  it("names a group's bad pattern by its field and its group", () => {
    const message = errorOf(
      testConfigInput({
        fleet: [A],
        excludeGroups: [{ name: 'oracle', hosts: ['aixprd01'], patterns: ['.*'] }],
      }),
    );
    expect(message).toMatch(
      /^excludeGroups\[0\]\.patterns\[0\]: "\.\*": matches \.\/bosinst\.data: .* \(exclude group oracle\)$/m,
    );
  });

  it('names a group that lists a host not in the fleet', () => {
    const message = errorOf(
      testConfigInput({
        fleet: [A],
        excludeGroups: [{ name: 'oracle', hosts: ['aixprd99'], patterns: ['^./u01/'] }],
      }),
    );
    expect(message).toMatch(
      /^excludeGroups\[0\]\.hosts\[0\]: exclude group "oracle": host "aixprd99" is not in the fleet$/m,
    );
  });

  it('names a group defined twice', () => {
    const group = { name: 'oracle', hosts: ['aixprd01'], patterns: ['^./u01/'] };
    expect(errorOf(testConfigInput({ fleet: [A], excludeGroups: [group, group] }))).toMatch(
      /^excludeGroups\[1\]\.name: exclude group "oracle" is defined twice \(also at excludeGroups\[0\]\)$/m,
    );
  });

  it('names the host and its groups when the merged list is too large to reach it', () => {
    const many = (prefix: string) => Array.from({ length: 60 }, (_, i) => `^./${prefix}${i}/`);
    const message = errorOf(
      testConfigInput({
        fleet: [A],
        excludeGroups: [
          { name: 'one', hosts: ['aixprd01'], patterns: many('a') },
          { name: 'two', hosts: ['aixprd01'], patterns: many('b') },
        ],
      }),
    );
    expect(message).toMatch(
      /^fleet\[0\]\.exclude: host "aixprd01": its exclude list with groups "one", "two" is 120 patterns, \d+ bytes; at most 100 patterns and 2048 bytes reach the host$/m,
    );
  });

  it('refuses an exclude list in a hand-added fleet parameter, naming the parameter, host and field', () => {
    expect(() =>
      parseFleetParameters([{ name: '/f/x', value: JSON.stringify({ ...A, exclude: [''] }) }]),
    ).toThrow(/\/f\/x \(host "aixprd01"\) field exclude\.0: "": an empty line matches every file/);
  });
});
