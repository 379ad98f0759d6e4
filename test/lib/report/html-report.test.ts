import { describe, expect, it } from 'vitest';
import { renderHtmlReport, sizeChart } from '../../../lib/report/html-report.js';
import { sampleFleet } from '../../support/sample-fleet.js';

const html = renderHtmlReport({
  title: 'mksysb-vault fleet report',
  generatedAt: '2026-11-23T08:00:00Z',
  store: 's3://vault',
  hosts: sampleFleet(),
});

describe('renderHtmlReport', () => {
  it('counts hosts by the verdict of their last mksysb image', () => {
    expect(html).toMatch(/<b class="PASS">2<\/b>PASS/);
    expect(html).toMatch(/<b class="FAIL">0<\/b>FAIL/);
    expect(html).toMatch(/<b>1<\/b>no image yet/);
  });

  it('lists every non-info anomaly with its host and message', () => {
    expect(html).toContain(
      '<td>dbqa09</td><td>mksysb</td><td class="FAIL">fail</td><td>TINY_IMAGE</td><td>4.0 MB vs 3.8 GB expected</td>',
    );
  });

  it('escapes host names', () => {
    expect(html).toContain('app&lt;01&gt;');
    expect(html).not.toContain('app<01>');
  });

  it('shows unreadable records instead of hiding them', () => {
    expect(html).toContain('newhost_mksysb_2026-11-16.record.json: not JSON');
  });

  it('draws one point per mksysb image, coloured by verdict', () => {
    const svg = sizeChart(sampleFleet()[0]?.images ?? []);
    expect(svg.match(/<circle /g)).toHaveLength(8);
    expect(svg.match(/fill="#b3261e"/g)).toHaveLength(1);
  });

  it('has no script and no external asset', () => {
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});
