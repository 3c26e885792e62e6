// notes.test.mjs - the notebook and the global search in a real browser
// (same set-up as web.test.mjs): a note whose title is HTML shows as text,
// the search box finds a two-character Chinese term and highlights it, and
// a note cited from the deal page opens in one click.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { DEMO_PASSWORD, dealByName, expectStatus, startServer } from '../api/helpers.mjs';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const XSS = '<img src=x onerror=alert(1)>';

let srv;
let browser;
let admin;

async function newPage() {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.errors = [];
  page.dialogs = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('dialog', (d) => {
    page.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await page.goto(srv.base + '/');
  await page.locator('form.login-form input[name=username]').fill('admin');
  await page.locator('form.login-form input[name=password]').fill(DEMO_PASSWORD);
  await page.locator('form.login-form button[type=submit]').click();
  await page.locator('header.top').waitFor();
  return page;
}

async function addNote(body) {
  return expectStatus(await srv.api('POST', '/notes', { ...admin, body }), 201);
}

describe('notebook and search', () => {
  before(async () => {
    srv = await startServer();
    admin = await srv.as('admin');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  test('a note with an HTML title and body shows them as text', async () => {
    const deal = await dealByName(srv, '工地管理平台');
    const n = await addNote({
      company_id: deal.company_id,
      title: XSS,
      body: `# Heading\n\n**bold** <script>alert(2)</script> [bad](javascript:alert(3)) [ok](https://example.com/x)\n\n- one\n- two`,
    });
    const page = await newPage();
    await page.goto(`${srv.base}/#/note/${n.id}`);
    await page.locator('[data-testid=note-title]').waitFor();
    assert.equal(await page.locator('[data-testid=note-title]').textContent(), XSS);
    assert.equal(await page.locator('[data-testid=note-title] img').count(), 0);
    const body = page.locator('[data-testid=note-body]');
    assert.equal(await body.locator('h1').textContent(), 'Heading');
    assert.equal(await body.locator('strong').textContent(), 'bold');
    assert.equal(await body.locator('li').count(), 2);
    assert.equal(await body.locator('script').count(), 0);
    assert.match(await body.textContent(), /<script>alert\(2\)<\/script>/);
    const links = await body.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links, ['https://example.com/x']);
    // The notebook lists it, as text too.
    await page.goto(`${srv.base}/#/notebook/${deal.company_id}`);
    await page.locator('[data-testid=note-list] a', { hasText: XSS }).waitFor();
    assert.deepEqual(page.dialogs, []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('the search box finds a two-character Chinese term and highlights it', async () => {
    const deal = await dealByName(srv, '工地管理平台');
    const n = await addNote({ company_id: deal.company_id, title: '驗收會議紀錄', body: '客戶希望下週完成驗收，並確認報價單。' });
    const page = await newPage();
    await page.locator('[data-testid=global-search]').fill('驗收');
    await page.locator('[data-testid=global-search]').press('Enter');
    const hit = page.locator('[data-testid=search-hit]', { has: page.locator(`a[href="#/note/${n.id}"]`) });
    await hit.waitFor();
    assert.deepEqual(await hit.locator('a mark').allTextContents(), ['驗收']);
    assert.deepEqual(await hit.locator('.snippet mark').allTextContents(), ['驗收']);
    assert.match(await hit.locator('.snippet').textContent(), /客戶希望下週完成驗收/);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a note total past a thousand matches reads as an estimate; a small one is exact', async () => {
    const lines = [];
    for (let i = 0; i < 1200; i++)
      lines.push(JSON.stringify({ company: 'AAA科技股份有限公司', title: `估算 ${i}`, body: `總數估算 ${i % 100 === 0 ? '十二筆' : '其他'}` }));
    const file = path.join(srv.dir, 'estimate.jsonl');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const imp = await srv.cli(['note', 'import', file]);
    assert.equal(imp.code, 0, imp.stderr);
    const api = expectStatus(await srv.api('GET', '/search?kind=note&q=估算', admin), 200);
    const page = await newPage();
    const heading = page.locator('.search-group[data-kind=note] h2');
    await page.goto(`${srv.base}/#/search?q=${encodeURIComponent('估算')}`);
    if (api.total_exact.note) {
      // PostgreSQL counts every match.
      await heading.filter({ hasText: '· 1,200' }).waitFor();
    } else {
      await heading.filter({ hasText: /· about [\d,]+$/ }).waitFor();
      const n = Number((await heading.textContent()).match(/about ([\d,]+)/)[1].replaceAll(',', ''));
      assert.equal(n, api.total.note);
    }
    await page.goto(`${srv.base}/#/search?q=${encodeURIComponent('十二筆')}`);
    await heading.filter({ hasText: /· 12$/ }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a note cited on the deal page opens in one click', async () => {
    const deal = await dealByName(srv, '工地管理平台');
    const n = await addNote({ company_id: deal.company_id, title: '需求訪談', body: 'Needs: *fast* search.' });
    const page = await newPage();
    await page.goto(`${srv.base}/#/deal/${deal.id}`);
    const box = page.locator('[data-testid=cited-notes]');
    await box.locator('select[name=note]').waitFor();
    await box.locator('select[name=note]').selectOption(String(n.id));
    await box.locator('[data-testid=cite]').click();
    await box.locator('[data-testid=cited-note] a', { hasText: '需求訪談' }).click();
    await page.waitForFunction((id) => location.hash === `#/note/${id}`, n.id);
    assert.equal(await page.locator('[data-testid=note-title]').textContent(), '需求訪談');
    assert.equal(await page.locator('[data-testid=note-body] em').textContent(), 'fast');
    const cited = expectStatus(await srv.api('GET', `/deals/${deal.id}/notes`, admin), 200).items.map((x) => x.id);
    assert.ok(cited.includes(n.id));
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
