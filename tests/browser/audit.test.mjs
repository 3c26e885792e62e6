// audit.test.mjs - the audit log page and the deal trash in a real browser
// (same set-up as web.test.mjs): a deal deleted from its page lands in the
// trash and comes back with its history by one click; the audit page, in the
// navigation for admins only, lists and filters what happened, in English
// and zh-TW. Screenshots go to tests/out/screenshots/audit-*.png.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { DEMO_PASSWORD, ROOT, dealByName, startServer } from '../api/helpers.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'tests', 'out', 'screenshots');

let srv;
let browser;

async function newPage(user = 'admin', locale = 'en-US') {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('dialog', (d) => d.accept().catch(() => {}));
  await page.goto(srv.base + '/');
  await page.locator('form.login-form input[name=username]').fill(user);
  await page.locator('form.login-form input[name=password]').fill(DEMO_PASSWORD);
  await page.locator('form.login-form button[type=submit]').click();
  await page.locator('header.top').waitFor();
  return page;
}

describe('audit log and trash pages', () => {
  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    srv = await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  test('a deal deleted on its page is in the trash and restores with its history', async () => {
    const deal = await dealByName(srv, '工地管理平台');
    const admin = await srv.as('admin');
    const history = (await srv.api('GET', `/deals/${deal.id}/history`, admin)).json.items;
    const page = await newPage('admin');
    await page.goto(`${srv.base}/#/deal/${deal.id}`);
    await page.locator('[data-testid=deal-delete]').click();
    await page.waitForURL(/#\/trash$/);
    const row = page.locator(`[data-testid=trash-table] tr[data-id="${deal.id}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /工地管理平台/);
    assert.equal((await srv.api('GET', `/deals/${deal.id}`, admin)).status, 404, 'gone while in the trash');
    await page.screenshot({ path: path.join(SHOTS, 'audit-trash-en.png'), fullPage: true });
    await row.locator('[data-testid=trash-restore]').click();
    await page.waitForURL(new RegExp(`#/deal/${deal.id}$`));
    await page.locator('[data-testid=deal-title]').waitFor();
    assert.equal(await page.locator('[data-testid=deal-title]').textContent(), '工地管理平台');
    assert.equal(await page.locator('[data-testid=timeline] li').count(), history.length);
    assert.deepEqual((await srv.api('GET', `/deals/${deal.id}/history`, admin)).json.items, history);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('the audit page lists and filters the log; only admins see it in the navigation', async () => {
    const page = await newPage('admin');
    await page.locator('nav.top-nav a[data-page=audit]').click();
    const rows = page.locator('[data-testid=audit-rows] tr');
    await rows.first().waitFor();
    const actions = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.action));
    assert.ok(actions.includes('deal.delete') && actions.includes('deal.restore') && actions.includes('login'), actions.join());
    await page.screenshot({ path: path.join(SHOTS, 'audit-log-en.png'), fullPage: true });
    await page.locator('[data-testid=audit-filters] select[name=action]').selectOption('deal.restore');
    await page.locator('[data-testid=audit-filters] button[type=submit]').click();
    await page.waitForURL(/action=deal\.restore/);
    await page.waitForFunction(() => {
      const trs = [...document.querySelectorAll('[data-testid=audit-rows] tr')]; // empty while the page redraws
      return trs.length > 0 && trs.every((tr) => tr.dataset.action === 'deal.restore');
    });
    assert.ok((await rows.count()) >= 1);
    assert.match(await rows.first().textContent(), /deal\.restore/);
    assert.deepEqual(page.errors, []);
    await page.context().close();

    const zh = await newPage('admin', 'zh-TW');
    await zh.goto(`${srv.base}/#/audit`);
    await zh.locator('[data-testid=audit-rows] tr').first().waitFor();
    assert.match(await zh.locator('main h1').textContent(), /稽核紀錄/);
    await zh.screenshot({ path: path.join(SHOTS, 'audit-log-zh-TW.png'), fullPage: true });
    await zh.context().close();

    const amy = await newPage('amy');
    assert.equal(await amy.locator('nav.top-nav a[data-page=audit]').count(), 0);
    assert.equal(await amy.locator('nav.top-nav a[data-page=trash]').count(), 1);
    await amy.context().close();
  });
});
