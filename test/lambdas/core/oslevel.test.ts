import { describe, expect, it } from 'vitest';
import { compareOsLevels } from '../../../lambdas/core/oslevel.js';

describe('compareOsLevels', () => {
  it('orders oslevel -s levels by release, TL, SP and build', () => {
    expect(compareOsLevels('7200-05-03-2148', '7300-02-01-2346')).toBeLessThan(0);
    expect(compareOsLevels('7200-05-06-2320', '7200-05-03-2148')).toBeGreaterThan(0);
    expect(compareOsLevels('7200-05-03-2148', '7200-05-03-2148')).toBe(0);
  });

  it('orders BACKUP OSLEVEL (VRMF) levels', () => {
    expect(compareOsLevels('6.1.9.0', '7.1.0.0')).toBeLessThan(0);
  });

  it('refuses to compare different forms or a level with its own prefix', () => {
    expect(compareOsLevels('7.2.0.0', '7200-05')).toBeNull();
    expect(compareOsLevels('7200-05', '7200-05-03-2148')).toBeNull();
    expect(compareOsLevels('unknown', '7200-05')).toBeNull();
  });
});
