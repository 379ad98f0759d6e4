// The HTML report as a person sees it: rendered by headless Chromium, measured, and saved as a PNG.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../lib/report/html-report.js';
import { launchChromium } from '../support/chromium.js';
import { sampleFleet } from '../support/sample-fleet.js';

const dir = join(tmpdir(), 'mksysb-vault-report');
mkdirSync(dir, { recursive: true });
const file = join(dir, 'report.html');
writeFileSync(
  file,
  renderHtmlReport({
    title: 'mksysb-vault fleet report',
    generatedAt: '2026-11-23T08:00:00Z',
    store: 's3://vault',
    hosts: sampleFleet(),
  }),
);
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('the HTML report in Chromium', () => {
  it('renders every host chart with its points inside the page, without horizontal overflow', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    const charts = await page.locator('svg[role="img"]').evaluateAll((svgs) =>
      svgs.map((s) => {
        const r = s.getBoundingClientRect();
        return { width: r.width, height: r.height, points: s.querySelectorAll('circle').length };
      }),
    );
    expect(charts).toEqual([
      { width: 320, height: 120, points: 8 },
      { width: 320, height: 120, points: 8 },
    ]);
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    // The cards' panels (app<01>'s long WebSphere path among them) wrap inside their card.
    const cards = await page.locator('div.host').evaluateAll((divs) =>
      divs.map((d) => ({
        panels: d.querySelectorAll('h4').length,
        overflow: d.scrollWidth - d.clientWidth,
      })),
    );
    expect(cards).toEqual([
      { panels: 0, overflow: 0 },
      { panels: 2, overflow: 0 },
      { panels: 0, overflow: 0 },
    ]);
    // In red: the state of the host never backed up (as status judges it) and the one fail anomaly.
    const failCells = await page.locator('td.FAIL').allTextContents();
    expect(failCells).toEqual(['NEVER', 'fail']);
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
