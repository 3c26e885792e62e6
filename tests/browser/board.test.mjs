// board.test.mjs - the board of a pipeline larger than one page per column:
// each column shows its first 50 deals and loads the rest on demand, and its
// figures cover every deal (the API summary's), also under a filter.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { DEMO_PASSWORD, ROOT, expectStatus, startServer } from '../api/helpers.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'tests', 'out', 'screenshots');
const EXTRA = 120; // deals added to the seed's one prospecting deal

describe('board with more deals than a page per column', () => {
  let srv;
  let browser;
  let page;
  let admin;

  before(async () => {
    srv = await startServer({
      init: async (ctx) => {
        const rows = ['company,deal,stage,amount,currency,owner,close_date'];
        for (let i = 0; i < EXTRA; i++)
          rows.push(`大量公司${i % 7},批次案 ${String(i).padStart(3, '0')},勘探,${1000 + i},TWD,${i % 2 ? 'amy' : 'ben'},2027-03-0${1 + (i % 9)}`);
        const file = path.join(ctx.dir, 'many.csv');
        fs.writeFileSync(file, rows.join('\n') + '\n');
        const r = await ctx.cli(['import', 'deals', file]);
        assert.equal(r.code, 0, r.stderr);
      },
    });
    admin = await srv.as('admin');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
    });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await page.goto(srv.base + '/');
    await page.locator('form.login-form input[name=username]').fill('admin');
    await page.locator('form.login-form input[name=password]').fill(DEMO_PASSWORD);
    await page.locator('form.login-form button[type=submit]').click();
    await page.locator('header.top').waitFor();
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  const col = (key) => page.locator(`[data-testid=column][data-stage=${key}]`);
  const fig = async (key, name) => (await col(key).locator(`[data-fig=${name}]`).textContent()).replace(/[^\d.]/g, '');

  test('a column shows 50 cards, its figures count every deal, and loads the rest', async () => {
    await page.goto(`${srv.base}/#/board`);
    await col('prospecting').locator('[data-testid=deal-card]').first().waitFor();
    const sum = expectStatus(await srv.api('GET', '/reports/summary', admin), 200);
    const p = sum.stages.find((s) => s.key === 'prospecting');
    assert.equal(p.count, EXTRA + 1);
    assert.equal(await col('prospecting').locator('[data-testid=deal-card]').count(), 50);
    assert.equal(await fig('prospecting', 'count'), String(p.count));
    assert.equal(Number(await fig('prospecting', 'total')), p.amount);
    const more = col('prospecting').locator('[data-testid=col-more]');
    assert.match(await more.textContent(), /50 more \(of 71\)/);
    await more.click();
    await page.waitForFunction(() => document.querySelectorAll('[data-stage=prospecting] [data-testid=deal-card]').length === 100);
    await col('prospecting').locator('[data-testid=col-more]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-stage=prospecting] [data-testid=deal-card]').length === 121);
    assert.equal(await col('prospecting').locator('[data-testid=col-more]').count(), 0);
    const ids = await col('prospecting').locator('[data-testid=deal-card]').evaluateAll((els) => els.map((e) => e.dataset.dealId));
    assert.equal(new Set(ids).size, 121, 'no card twice');
    // the other columns: one seed deal each, no button
    assert.equal(await col('qualification').locator('[data-testid=deal-card]').count(), 1);
    assert.equal(await col('qualification').locator('[data-testid=col-more]').count(), 0);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'board-many-en-desktop.png') });
  });

  test('moving a card of a long column updates both columns’ figures at once', async () => {
    await page.goto(`${srv.base}/#/board`);
    await page.reload();
    await col('prospecting').locator('[data-testid=deal-card]').first().waitFor();
    const card = col('prospecting').locator('[data-testid=deal-card]').first();
    const id = await card.getAttribute('data-deal-id');
    await card.focus();
    await page.keyboard.press('Alt+ArrowRight');
    await page.locator(`[data-stage=qualification] [data-deal-id="${id}"]`).waitFor();
    await page.locator('.toast').first().waitFor();
    assert.equal(await fig('prospecting', 'count'), String(EXTRA));
    assert.equal(await fig('qualification', 'count'), '2');
    const sum = expectStatus(await srv.api('GET', '/reports/summary', admin), 200);
    for (const key of ['prospecting', 'qualification']) {
      const s = sum.stages.find((x) => x.key === key);
      assert.equal(await fig(key, 'count'), String(s.count), key);
      assert.equal(Number(await fig(key, 'total')), s.amount, key);
      assert.equal(Number(await fig(key, 'expected')), s.expected, key);
    }
  });

  test('a filtered board counts only the filtered deals', async () => {
    await page.goto(`${srv.base}/#/board?owner=amy&q=${encodeURIComponent('大量公司3')}`);
    await page.reload();
    await col('prospecting').locator('[data-testid=deal-card]').first().waitFor();
    const sum = expectStatus(await srv.api('GET', `/reports/summary?owner=amy&q=${encodeURIComponent('大量公司3')}`, admin), 200);
    const p = sum.stages.find((s) => s.key === 'prospecting');
    assert.ok(p.count > 0 && p.count < 50, JSON.stringify(p));
    assert.equal(await fig('prospecting', 'count'), String(p.count));
    assert.equal(await col('prospecting').locator('[data-testid=deal-card]').count(), p.count);
    const names = await page.locator('[data-testid=deal-card] .card-company').allTextContents();
    assert.ok(names.every((n) => n === '大量公司3'), JSON.stringify(names));
  });
});
