// reports.test.mjs - the sales-cycle reports in the web app, in
// Debian's chromium over the hand-computed fixture of tests/api/reports.test.mjs
// (tests/browser/reports-fixture.mjs), "now" fixed at the end of 2026-03-31.
// The pages must show the API's figures exactly; the bottleneck is named on
// the reports and the dashboard; stalled deals are listed and marked on the
// board; the language switch changes the labels. Screenshots of every report
// tab (and the board's stalled mark) in both languages, desktop and phone, go
// to tests/out/screenshots/reports-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { DEMO_PASSWORD, ROOT, expectStatus, startServer } from '../api/helpers.mjs';
import { TODAY_ENV, setUpReportsFixture } from './reports-fixture.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'tests', 'out', 'screenshots');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const TABS = ['forecast', 'funnel', 'time', 'stalled', 'win-rate', 'cycle', 'velocity', 'as-of', 'leaders'];

let srv;
let browser;

async function newPage({ locale = 'en-US', viewport = DESKTOP, mobile = false } = {}) {
  const context = await browser.newContext({ locale, viewport, isMobile: mobile, hasTouch: mobile, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  return page;
}

async function login(page, username = 'admin') {
  await page.goto(srv.base + '/');
  await page.locator('form.login-form input[name=username]').fill(username);
  await page.locator('form.login-form input[name=password]').fill(DEMO_PASSWORD);
  await page.locator('form.login-form button[type=submit]').click();
  await page.locator('header.top').waitFor();
}

// openTab shows a report tab (by its link, as a user would) and waits for it.
async function openTab(page, tab) {
  await page.locator(`[data-testid=report-tabs] a[data-tab="${tab}"]`).click();
  await page.locator(`[data-testid=report-${tab}]`).waitFor();
}

const cells = (page, table, key) => page.locator(`[data-testid=${table}] tr[data-key="${key}"] td`).allTextContents();
const text = async (page, sel) => (await page.locator(sel).textContent()).trim();

describe('reports in the web app', () => {
  before(async () => {
    srv = await startServer({ demo: false, init: setUpReportsFixture, env: TODAY_ENV });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
    });
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  test('forecast, funnel, time in stage, stalled: the API figures, the bottleneck named', async () => {
    const admin = await srv.as('admin');
    const api = async (name, q = '') => expectStatus(await srv.api('GET', `/reports/${name}?lang=en${q}`, admin), 200);
    const page = await newPage();
    await login(page);
    await page.locator('.top-nav a[data-page=reports]').click();
    await page.locator('[data-testid=report-forecast]').waitFor();

    // Forecast: the quarter at a glance, by month, the next 12 months.
    const fc = await api('forecast');
    assert.equal(fc.quarter.quarter, '2026-Q1');
    assert.match(await text(page, '.r-sub'), /2026-Q1/);
    assert.equal(await text(page, '[data-testid=quarter-won] .tile-value'), '2,500');
    assert.equal(await text(page, '[data-testid=quarter-open] .tile-value'), '0');
    assert.deepEqual(await cells(page, 'forecast-table', '2026-04'), ['2026-04', '1', '3,000', '600', '0', '0']);
    assert.deepEqual(await cells(page, 'forecast-table', '2026-05'), ['2026-05', '1', '4,000', '400', '0', '0']);
    assert.deepEqual(await cells(page, 'forecast-table', 'none'), ['No date', '1', '500', '50', '0', '0']);
    assert.equal(await page.locator('[data-testid=forecast-table] tbody tr').count(), fc.months.length);
    assert.equal(await page.locator('[data-testid=cash-table] tbody tr').count(), 12);
    assert.deepEqual(await cells(page, 'cash-table', '2027-02'), ['2027-02', '0', '0', '0', '0', '0']);
    assert.equal(await page.locator('[data-testid=report-forecast] svg.chart').count(), 2);

    // A filter: Amy's deals only (her won deal closes in Q1).
    await page.locator('[data-testid=report-filters] select[name=owner]').selectOption('amy');
    await page.locator('[data-testid=report-filters] button[type=submit]').click();
    await page.waitForFunction(() => location.hash.includes('owner=amy'));
    await page.locator('[data-testid=quarter-won] .tile-value', { hasText: '1,000' }).waitFor();
    assert.equal((await api('forecast', '&owner=amy')).quarter.won_amount, 1000);
    await page.locator('[data-testid=report-filters] a.btn-ghost').click();
    await page.locator('[data-testid=quarter-won] .tile-value', { hasText: '2,500' }).waitFor();

    // Funnel: reached, went on, conversion, won, win rate, lost and open there.
    await openTab(page, 'funnel');
    assert.deepEqual(await cells(page, 'funnel-table', 'prospecting'), ['Prospecting', '6', '5', '83.33%', '2', '33.33%', '0', '1']);
    assert.deepEqual(await cells(page, 'funnel-table', 'needs_analysis'), ['Needs Analysis', '4', '2', '50%', '2', '50%', '1', '1']);
    assert.equal(await page.locator('[data-testid=report-funnel] svg.funnel text').first().textContent(), 'Prospecting · 6');

    // Time in stage: the bottleneck named, its row marked.
    await openTab(page, 'time');
    const tis = await api('time-in-stage');
    assert.equal(tis.bottleneck.key, 'value_proposition');
    assert.equal(await text(page, '[data-testid=bottleneck] .bn-text'), 'Bottleneck: deals stay longest in Value Proposition (median 29 d).');
    assert.deepEqual(await cells(page, 'time-table', 'qualification'), ['Qualification', '3', '13 d', '16.67 d', '1']);
    assert.equal(await page.locator('[data-testid=time-table] tr.is-bottleneck').getAttribute('data-key'), 'value_proposition');

    // Stalled: listed per deal and per owner, and marked on the board.
    await openTab(page, 'stalled');
    assert.equal((await api('stalled')).total, 1);
    assert.deepEqual(await cells(page, 'stalled-table', '4'), ['Delta', 'Dune', 'Ben Chen', 'Qualification', '2026-03-01', '31 d', '30 d']);
    assert.deepEqual(await page.locator('[data-testid=stalled-owners] tbody td').allTextContents(), ['Ben Chen', '1']);
    await page.locator('.top-nav a[data-page=board]').click();
    await page.locator('[data-testid=column]').first().waitFor();
    assert.equal(await page.locator('[data-testid=stalled-badge]').count(), 1);
    assert.equal(await text(page, '[data-deal-id="4"] [data-testid=stalled-badge]'), '◷ stalled 31 d');

    // The dashboard names the bottleneck too.
    await page.locator('.top-nav a[data-page=dashboard]').click();
    await page.locator('[data-testid=bottleneck]').waitFor();
    assert.match(await text(page, '[data-testid=bottleneck]'), /Value Proposition \(median 29 d\)/);

    // The other reports draw their figures.
    await page.goto(`${srv.base}/#/reports?tab=win-rate`);
    await page.locator('[data-testid=winrate-count] .tile-value', { hasText: '66.67%' }).waitFor();
    await openTab(page, 'velocity');
    assert.equal(await text(page, '[data-testid=velocity] .tile-value'), '56.82 / day');
    await openTab(page, 'leaders');
    assert.deepEqual(await cells(page, 'leaders-table', 'ben'), ['Ben Chen', '1', '1,500', '0', '2', '7,000', '1,000', '100%', '48 d']);
    await page.goto(`${srv.base}/#/reports?tab=as-of&as_of=2026-02-28`);
    await page.locator('[data-testid=asof-amount] .tile-value', { hasText: '4,000' }).waitFor();
    assert.equal(await text(page, '[data-testid=asof-expected] .tile-value'), '1,000');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('switching language changes the report labels and stage names', async () => {
    const page = await newPage({ locale: 'en-US' });
    await login(page);
    await page.goto(`${srv.base}/#/reports?tab=time`);
    await page.locator('[data-testid=bottleneck]').waitFor();
    assert.equal(await text(page, '[data-testid=report-tabs] a[data-tab=forecast]'), 'Forecast');
    await page.locator('[data-testid=lang-switch]').click();
    await page.locator('[data-testid=report-tabs] a[data-tab=forecast]', { hasText: '營收預測' }).waitFor();
    assert.equal(await text(page, '.top-nav a[data-page=reports]'), '報表');
    await page.locator('[data-testid=bottleneck]', { hasText: '價值主張' }).waitFor();
    assert.equal(await text(page, '[data-testid=bottleneck] .bn-text'), '瓶頸：商機在「價值主張」停留最久（中位數 29 天）。');
    assert.equal((await page.locator('[data-testid=time-table] th').first().textContent()).trim(), '階段');
    await openTab(page, 'stalled');
    assert.deepEqual(await cells(page, 'stalled-table', '4'), ['Delta', 'Dune', 'Ben Chen', '條件驗證', '2026-03-01', '31 天', '30 天']);
    await page.locator('[data-testid=lang-switch]').click();
    await page.locator('[data-testid=report-tabs] a[data-tab=forecast]', { hasText: 'Forecast' }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('screenshots: every report tab and the board, both languages, desktop and phone', async () => {
    const names = [];
    fs.mkdirSync(SHOTS, { recursive: true });
    for (const [lang, locale] of [['en', 'en-US'], ['zh-TW', 'zh-TW']]) {
      for (const [size, viewport, mobile] of [['desktop', DESKTOP, false], ['phone', PHONE, true]]) {
        const page = await newPage({ locale, viewport, mobile });
        await login(page);
        for (const tab of TABS) {
          await page.goto(`${srv.base}/#/reports?tab=${tab}`);
          await page.locator(`[data-testid=report-${tab}]`).waitFor();
          const name = `reports-${tab}-${lang}-${size}`;
          await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
          names.push(name);
        }
        await page.goto(`${srv.base}/#/board`);
        await page.locator('[data-testid=stalled-badge]').waitFor();
        await page.screenshot({ path: path.join(SHOTS, `reports-board-stalled-${lang}-${size}.png`) });
        await page.goto(`${srv.base}/#/dashboard`);
        await page.locator('[data-testid=bottleneck]').waitFor();
        await page.screenshot({ path: path.join(SHOTS, `reports-dashboard-bottleneck-${lang}-${size}.png`) });
        assert.deepEqual(page.errors, [], `${lang} ${size}`);
        await page.context().close();
      }
    }
    console.log(`# ${names.length + 8} report screenshots in ${SHOTS} (reports-*.png)`);
  });
});
