import { describe, expect, it } from 'vitest';
import {
  FleetError,
  type FleetHostInput,
  fleetParameterValues,
  parseFleet,
  parseFleetParameters,
  readFleetParameters,
} from '../../../lambdas/core/fleet.js';

const fleetOf = (count: number): FleetHostInput[] =>
  Array.from({ length: count }, (_, i) => ({
    host: `aixlpar${String(i).padStart(4, '0')}`,
    address: `lpar${i}.dc1.example.com`,
    managedNodeId: `mi-0123456789abcdef${i % 10}`,
    ...(i % 4 === 0 ? { volumeGroups: ['datavg', 'appvg', 'oravg'], mksysbFlags: '-e -X' } : {}),
    ...(i % 7 === 0 ? { enabled: false, staging: '/export/mksysb' } : {}),
  }));

const asParameters = (values: string[], path = '/mksysb-vault/fleet/') =>
  values.map((value, i) => ({ name: `${path}part-${String(i + 1).padStart(4, '0')}`, value }));

describe('fleetParameterValues', () => {
  const fleet = fleetOf(1000);
  const values = fleetParameterValues(fleet);

  it('fits 1,000 hosts in a few dozen parameters', () => {
    expect(values.length).toBeGreaterThan(1);
    expect(values.length).toBeLessThan(60);
  });

  it('keeps every chunk within 4,096 bytes', () => {
    for (const value of values) expect(Buffer.byteLength(value, 'utf8')).toBeLessThanOrEqual(4096);
  });

  it('round-trips through parseFleetParameters to the same hosts with their defaults', () => {
    const parsed = parseFleetParameters(asParameters(values));
    expect(parsed).toHaveLength(1000);
    expect(parsed).toEqual(parseFleet(JSON.stringify(fleet), 'direct'));
  });

  it('leaves defaults out of the stored JSON', () => {
    const [first] = JSON.parse(values[0] ?? '[]') as Record<string, unknown>[];
    expect(first).not.toHaveProperty('sshUser');
    expect(first).not.toHaveProperty('mode');
    expect(first).toHaveProperty('volumeGroups');
  });

  it('honours a smaller limit', () => {
    const small = fleetParameterValues(fleet.slice(0, 50), 512);
    for (const value of small) expect(Buffer.byteLength(value)).toBeLessThanOrEqual(512);
    expect(parseFleetParameters(asParameters(small))).toHaveLength(50);
  });

  it('names the host whose entry alone exceeds the limit', () => {
    expect(() =>
      fleetParameterValues([{ host: 'aixbig01', managedNodeId: 'mi-0123456789abcdef0' }], 40),
    ).toThrow(/host "aixbig01": its entry is \d+ bytes/);
  });
});

describe('parseFleetParameters', () => {
  it('reads a host an operator added as its own parameter next to the parts', () => {
    const parts = asParameters(fleetParameterValues(fleetOf(3)));
    const added = {
      name: '/mksysb-vault/fleet/newlpar01',
      value: '{"host":"newlpar01","managedNodeId":"mi-0123456789abcdef0"}',
    };
    expect(parseFleetParameters([...parts, added]).map((h) => h.host)).toContain('newlpar01');
  });

  it('names the parameter that is not JSON', () => {
    expect(() =>
      parseFleetParameters([{ name: '/mksysb-vault/fleet/part-0002', value: '[{"host":' }]),
    ).toThrow(/^fleet parameter \/mksysb-vault\/fleet\/part-0002: not JSON/);
  });

  it('names the parameter, host and field of an invalid entry', () => {
    const parameters = [
      ...asParameters(fleetParameterValues(fleetOf(2))),
      {
        name: '/mksysb-vault/fleet/dbqa09',
        value: '{"host":"dbqa09","managedNodeId":"mi-0123456789abcdef0","staging":"/tmp"}',
      },
    ];
    expect(() => parseFleetParameters(parameters)).toThrow(
      /\/mksysb-vault\/fleet\/dbqa09 \(host "dbqa09"\) field staging: \/tmp is a system directory/,
    );
  });

  it('names both places of a host listed twice', () => {
    const parameters = [
      ...asParameters(fleetParameterValues(fleetOf(2))),
      {
        name: '/mksysb-vault/fleet/zz-dup',
        value: '{"host":"aixlpar0001","managedNodeId":"mi-0123456789abcdef0"}',
      },
    ];
    expect(() => parseFleetParameters(parameters)).toThrow(
      /\/mksysb-vault\/fleet\/zz-dup \(host "aixlpar0001"\) field host: host "aixlpar0001" is listed twice/,
    );
  });

  it('refuses a hostile host name in a parameter', () => {
    expect(() =>
      parseFleetParameters([
        { name: '/p/x', value: '{"host":"$(reboot)","managedNodeId":"mi-0123456789abcdef0"}' },
      ]),
    ).toThrow(FleetError);
  });

  it('says the fleet is empty when no parameter holds a host', () => {
    expect(() => parseFleetParameters([])).toThrow(/the fleet is empty/);
    expect(() => parseFleetParameters([{ name: '/p/part-0001', value: '[]' }])).toThrow(/the fleet is empty/);
  });
});

describe('readFleetParameters', () => {
  it('keeps every valid host and names each skipped entry: not JSON, an invalid field, a second listing', () => {
    const parameters = [
      ...asParameters(fleetParameterValues(fleetOf(2))),
      { name: '/mksysb-vault/fleet/typo', value: '[{"host":' },
      { name: '/mksysb-vault/fleet/zz-bad', value: '{"host":"aixnew01","managedNodeId":"i-1"}' },
      {
        name: '/mksysb-vault/fleet/zz-dup',
        value: '{"host":"aixlpar0001","managedNodeId":"mi-0123456789abcdef0"}',
      },
    ];
    const { fleet, problems } = readFleetParameters(parameters);
    expect(fleet.map((h) => h.host)).toEqual(['aixlpar0000', 'aixlpar0001']);
    expect(fleet[1]?.address).toBe('lpar1.dc1.example.com');
    expect(problems.map((p) => [p.parameter, p.host, p.field])).toEqual([
      ['/mksysb-vault/fleet/typo', null, null],
      ['/mksysb-vault/fleet/zz-bad', 'aixnew01', 'managedNodeId'],
      ['/mksysb-vault/fleet/zz-dup', 'aixlpar0001', 'host'],
    ]);
    expect(problems[2]?.message).toMatch(/listed twice \(also in \/mksysb-vault\/fleet\/part-/);
  });

  it('never puts a hostile host name where an alert would carry it', () => {
    const { problems } = readFleetParameters([
      {
        name: '/mksysb-vault/fleet/evil',
        value: '{"host":"bad host!","managedNodeId":"mi-0123456789abcdef0"}',
      },
    ]);
    expect(problems[0]).toMatchObject({ parameter: '/mksysb-vault/fleet/evil', host: null, field: 'host' });
  });
});
