import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_CONFIG_PATH,
  type DeployConfigInput,
  deployConfigJsonSchema,
  loadDeployConfig,
  parseDeployConfig,
} from '../../lib/config.js';
import { testConfigInput } from './harness.js';

const HOST = { host: 'aixprd01', managedNodeId: 'mi-0123456789abcdef0' };

/** The ConfigError message for `value`; fails the test if it parses. */
function errorOf(value: unknown): string {
  try {
    parseDeployConfig(value, 'mksysb-vault.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('deploy config defaults', () => {
  const config = parseDeployConfig({ fleet: [HOST] }, 'minimal.json');

  it('runs weekly on Monday 02:01 UTC and checks freshness daily', () => {
    expect(config.schedule).toEqual({
      cron: 'cron(1 2 ? * MON *)',
      timeZone: 'UTC',
      freshnessCron: 'cron(0 8 * * ? *)',
      maxImageAgeDays: 8,
      enabled: true,
    });
  });

  it('leaves Object Lock off and moves images to Glacier Instant Retrieval after 30 days', () => {
    expect(config.storage).toEqual({
      coldTransitionDays: 30,
      coldStorageClass: 'GLACIER_IR',
      abortIncompleteUploadDays: 3,
      noncurrentVersionDays: 7,
      uploadsExpireDays: 14,
      quarantineExpireDays: 90,
      objectLock: { mode: 'off', days: 21 },
    });
  });

  it('fills in stack name, fleet path, transfer, workflow and alert defaults', () => {
    expect(config.stackName).toBe('MksysbVault');
    expect(config.fleetParameterPath).toBe('/mksysb-vault/fleet/');
    expect(config.transfer).toMatchObject({ partSizeMiB: 64, parallelParts: 4 });
    expect(config.workflow).toMatchObject({ maxConcurrency: 10, backupTimeoutSeconds: 21_600 });
    expect(config.alerts).toEqual({ emails: [], minSeverity: 'warn' });
    expect(config.retention).toMatchObject({ weekly: 3, monthly: 6 });
  });

  it('fills in each host’s defaults', () => {
    expect(config.fleet[0]).toMatchObject({
      mode: 'relay',
      sshUser: 'root',
      staging: '/mksysb',
      mksysbFlags: '-X',
      volumeGroups: [],
      enabled: true,
    });
  });

  it('accepts the example config that cdk.json points at', () => {
    const cdk = JSON.parse(readFileSync('cdk.json', 'utf8')) as { context: Record<string, string> };
    expect(cdk.context['mksysb-vault:config']).toBe(DEFAULT_CONFIG_PATH);
    expect(loadDeployConfig(DEFAULT_CONFIG_PATH).fleet.map((h) => h.host)).toEqual([
      'aixprd01',
      'aixprd02',
      'dbqa09',
    ]);
  });
});

describe('deploy config errors name the field', () => {
  it('refuses a URL lifetime the signing Lambda role cannot honour, naming the field and why', () => {
    const message = errorOf({ fleet: [HOST], transfer: { urlExpirySeconds: 604_800 } });
    expect(message).toContain('transfer.urlExpirySeconds');
    expect(message).toContain('at most 21600 (6 hours)');
    expect(message).toContain('temporary role credentials');
    expect(
      parseDeployConfig({ fleet: [HOST], transfer: { urlExpirySeconds: 21_600 } }, 't').transfer
        .urlExpirySeconds,
    ).toBe(21_600);
  });

  it('names an unknown top-level key', () => {
    expect(errorOf({ ...testConfigInput(), shedule: {} })).toMatch(
      /\(top level\): Unrecognized key: "shedule"/,
    );
  });

  it('names an unknown key inside a section and inside a host', () => {
    const message = errorOf(
      testConfigInput({ storage: { coldDays: 30 } as never, fleet: [{ ...HOST, vgs: ['datavg'] } as never] }),
    );
    expect(message).toMatch(/^storage: Unrecognized key: "coldDays"$/m);
    expect(message).toMatch(/^fleet\[0\]: Unrecognized key: "vgs"$/m);
  });

  it('names a field of the wrong type', () => {
    const message = errorOf(testConfigInput({ transfer: { partSizeMiB: '64' as never } }));
    expect(message).toMatch(/^transfer\.partSizeMiB: .*expected number/m);
  });

  it('names a duplicate host with the index of its first entry', () => {
    const message = errorOf(
      testConfigInput({ fleet: [HOST, { ...HOST, managedNodeId: 'i-0123456789abcdef0' }] }),
    );
    expect(message).toMatch(/^fleet\[1\]\.host: host "aixprd01" is listed twice \(also at fleet\[0\]\)$/m);
  });

  it.each(['a;rm -rf /', '$(reboot)', '`id`', 'db qa09', "x'y"])(
    'refuses the hostile host name %j',
    (host) => {
      expect(errorOf(testConfigInput({ fleet: [{ ...HOST, host }] }))).toMatch(
        /^fleet\[0\]\.host: not an AIX host name/m,
      );
    },
  );

  it.each(['a;rm -rf /', '$(reboot)', 'data vg'])('refuses the hostile volume group name %j', (vg) => {
    expect(errorOf(testConfigInput({ fleet: [{ ...HOST, volumeGroups: ['datavg', vg] }] }))).toMatch(
      /^fleet\[0\]\.volumeGroups\[1\]: not an AIX volume group name/m,
    );
  });

  it('refuses a host name longer than the 64 characters the SSM documents take, naming it', () => {
    const long = `aixprd01${'x'.repeat(57)}`;
    expect(errorOf(testConfigInput({ fleet: [{ ...HOST, host: long }] }))).toContain(
      `fleet[0].host: host name "${long}" is 65 characters: at most 64 (`,
    );
  });

  it('refuses a staging directory of / or /tmp', () => {
    expect(errorOf(testConfigInput({ fleet: [{ ...HOST, staging: '/tmp' }] }))).toMatch(
      /^fleet\[0\]\.staging: \/tmp is a system directory: use a dedicated directory/m,
    );
    expect(errorOf(testConfigInput({ fleet: [{ ...HOST, staging: '/' }] }))).toMatch(
      /^fleet\[0\]\.staging: \/ is a system directory/m,
    );
  });

  it.each(['/usr', '/var', '/opt', '/home', '/etc', '/admin', '/var/', '//usr'])(
    'refuses the system directory %s as staging (backup would chmod it 750 as root)',
    (staging) => {
      expect(errorOf(testConfigInput({ fleet: [{ ...HOST, staging }] }))).toMatch(
        /^fleet\[0\]\.staging: \/[a-z]+ is a system directory: use a dedicated directory on its own filesystem, e\.g\. \/mksysb$/m,
      );
    },
  );

  it.each(['/usr/local/mksysb', '/tmp/mksysb', '/etc/mksysb'])(
    'refuses %s, under a system directory with no data filesystem below it',
    (staging) => {
      expect(errorOf(testConfigInput({ fleet: [{ ...HOST, staging }] }))).toMatch(
        /^fleet\[0\]\.staging: \/[a-z/]+ is under the system directory \/[a-z]+: /m,
      );
    },
  );

  it.each(['/mksysb', '/backup/mksysb', '/var/mksysb', '/export2/mksysb'])(
    'accepts the dedicated staging directory %s',
    (staging) => {
      expect(
        parseDeployConfig(testConfigInput({ fleet: [{ ...HOST, staging }] }), 'test').fleet[0]?.staging,
      ).toBe(staging);
    },
  );

  it('refuses a time zone that is not IANA', () => {
    expect(errorOf(testConfigInput({ schedule: { timeZone: 'Mars/Olympus_Mons' } }))).toMatch(
      /^schedule\.timeZone: not an IANA time zone/m,
    );
  });

  it('refuses a five-field Unix cron', () => {
    expect(errorOf(testConfigInput({ schedule: { cron: '1 2 * * 1' } }))).toMatch(
      /^schedule\.cron: an EventBridge/m,
    );
  });

  it('refuses a cron EventBridge Scheduler would reject, naming the field and the rule', () => {
    expect(errorOf(testConfigInput({ schedule: { cron: 'cron(0 8 1 * MON *)' } }))).toMatch(
      /^schedule\.cron: cron\(0 8 1 \* MON \*\): day-of-month \(1\) and day-of-week \(MON\) are both given: EventBridge Scheduler needs \? in one of them$/m,
    );
    expect(errorOf(testConfigInput({ schedule: { freshnessCron: 'cron(0 25 * * ? *)' } }))).toMatch(
      /^schedule\.freshnessCron: cron\(0 25 \* \* \? \*\): hours 25 is outside 0-23$/m,
    );
  });

  it('refuses a schedule that never fires', () => {
    expect(errorOf(testConfigInput({ schedule: { cron: 'cron(0 0 31 2 ? *)' } }))).toMatch(
      /^schedule\.cron: cron\(0 0 31 2 \? \*\) never fires/m,
    );
  });

  it('accepts a schedule in a half-hour time zone', () => {
    const config = parseDeployConfig(
      testConfigInput({ schedule: { cron: 'cron(1 2 ? * MON *)', timeZone: 'Asia/Kolkata' } }),
      'kolkata.json',
    );
    expect(config.schedule.timeZone).toBe('Asia/Kolkata');
  });

  it('refuses an Object Lock that outlives the weekly retention window', () => {
    const input: DeployConfigInput = testConfigInput({
      retention: { weekly: 3 },
      storage: { objectLock: { mode: 'GOVERNANCE', days: 22 } },
    });
    expect(errorOf(input)).toMatch(
      /^storage\.objectLock\.days: 22 days outlives the 21 days retention keeps weekly images \(retention\.weekly = 3\)$/m,
    );
  });

  it('accepts an Object Lock exactly as long as the weekly window', () => {
    const config = parseDeployConfig(
      testConfigInput({
        retention: { weekly: 3 },
        storage: { objectLock: { mode: 'COMPLIANCE', days: 21 } },
      }),
      'x',
    );
    expect(config.storage.objectLock).toEqual({ mode: 'COMPLIANCE', days: 21 });
  });

  it('refuses an empty fleet and an e-mail that is not one', () => {
    const message = errorOf(testConfigInput({ fleet: [], alerts: { emails: ['oncall'] } }));
    expect(message).toMatch(/^fleet: the fleet has no hosts$/m);
    expect(message).toMatch(/^alerts\.emails\[0\]: not an e-mail address$/m);
  });

  it('prefixes every message with the file name', () => {
    expect(errorOf({})).toMatch(/^mksysb-vault\.json: invalid config\nfleet: /);
  });
});

describe('loading the config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mksysb-vault-config-'));

  it('says which file is missing', () => {
    expect(() => loadDeployConfig('nope.json', dir)).toThrow(
      new ConfigError(`nope.json: config file not found (looked at ${join(dir, 'nope.json')})`),
    );
  });

  it('says which file is not JSON', () => {
    writeFileSync(join(dir, 'broken.json'), '{ "fleet": [ ');
    expect(() => loadDeployConfig('broken.json', dir)).toThrow(/^broken\.json: not valid JSON: /);
  });
});

describe('the published JSON Schema', () => {
  const published = JSON.parse(readFileSync('schema/mksysb-vault.config.schema.json', 'utf8')) as unknown;

  it('is exactly what deployConfigJsonSchema() produces (run `npm run schema` after changing lib/config.ts)', () => {
    expect(published).toEqual(deployConfigJsonSchema());
  });

  it('describes the fleet and lists the sections as properties', () => {
    const schema = deployConfigJsonSchema() as { required?: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(['fleet']);
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['fleet', 'schedule', 'storage', 'alerts', 'transfer', 'workflow', 'retention']),
    );
  });
});
