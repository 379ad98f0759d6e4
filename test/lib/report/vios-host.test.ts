// The HTML report marks a Virtual I/O Server as one, in the fleet table and on its card.
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../../lib/report/html-report.js';

describe('the report of a VIOS', () => {
  it('marks the host VIOS, and an LPAR not', () => {
    const html = renderHtmlReport({
      title: 'fleet',
      generatedAt: '2026-11-23T08:00:00.000Z',
      store: 'test',
      hosts: [
        { host: 'vios1', kind: 'vios', images: [] },
        { host: 'aixprd01', kind: 'lpar', images: [] },
      ],
    });
    expect(html).toContain('vios1 <span class="kind">VIOS</span>');
    expect(html).not.toContain('aixprd01 <span class="kind">');
  });
});
