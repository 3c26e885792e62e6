// import.test.mjs - the web import in a real browser (chromium, headless):
// a manager uploads a small Salesforce-style report, sees the recognised
// columns and the bad amount marked on its cell, changes one column's
// mapping, imports with the progress bar, reads the summary and finds the
// deals through the API; a member is not offered the page. Screenshots of the
// preview and the summary, in both languages, go to tests/out/screenshots/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, allDeals, expectStatus, startServer } from '../api/helpers.mjs';
import { launchBrowser, login as loginAt, newPage as pageIn, shot } from './harness.mjs';

const SALESFORCE = [
  'Opportunity Name,Account Name,Stage,Amount,Close Date,Opportunity Owner,Probability (%),Lead Source,Opportunity ID',
  '瀏覽器匯入甲,瀏覽器營造股份有限公司,Prospecting,"NT$1,234,567",2026/11/27,amy,10,Web,006BR01',
  '瀏覽器匯入乙,瀏覽器營造股份有限公司,Closed Won,12x,11/27/2026,ben,,Partner,006BR02',
  '瀏覽器匯入丙,瀏覽器資訊,Negotiation/Review,12.5萬,2027-01-15,chen,90,Web,006BR03',
].join('\r\n');

let srv;
let browser;
const newPage = (locale) => pageIn(browser, { locale });
const login = (page, username) => loginAt(page, srv.base, username);

describe('web import', () => {
  let file;
  before(async () => {
    srv = await startServer();
    const admin = await srv.as('admin');
    expectStatus(await srv.api('POST', '/users', { ...admin, body: { username: 'mia', password: DEMO_PASSWORD, role: 'manager' } }), 201);
    file = path.join(srv.dir, 'opportunities.csv');
    fs.writeFileSync(file, SALESFORCE);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  test('upload, preview with the problem marked, import with progress, summary; the deals exist', async () => {
    const page = await newPage('en-US');
    await login(page, 'mia');
    await page.locator('nav.top-nav a[data-page=import]').click();
    await page.locator('[data-testid=import-file]').setInputFiles(file);
    await page.locator('[data-testid=import-preview]').waitFor();
    assert.match(await page.locator('[data-testid=import-counts]').textContent(), /3 rows \(salesforce, UTF-8\); 1 with problems/);
    // The recognised columns, editable.
    assert.equal(await page.locator('[data-testid=import-map] select[data-header="Opportunity Name"]').inputValue(), 'deal');
    assert.equal(await page.locator('[data-testid=import-map] select[data-header="Amount"]').inputValue(), 'amount');
    assert.equal(await page.locator('[data-testid=import-map] select[data-header="Lead Source"]').inputValue(), '');
    // The bad amount is marked on its cell, with the CLI's message.
    const bad = page.locator('[data-testid=import-bad-cell]');
    assert.equal(await bad.count(), 1);
    assert.equal(await bad.textContent(), '12x');
    assert.equal(await bad.getAttribute('title'), "row 3, column 'amount': '12x' is not an amount");
    assert.match(await page.locator('[data-testid=import-problems]').textContent(), /row 3, column 'amount'/);
    await shot(page, 'import-preview-en');
    // Map Lead Source to the next step: the preview is checked again.
    await page.locator('[data-testid=import-map] select[data-header="Lead Source"]').selectOption('next_step');
    await page.locator('[data-testid=import-preview] th >> text=next_step').waitFor();
    assert.equal(await page.locator('[data-testid=import-map] select[data-header="Lead Source"]').inputValue(), 'next_step');
    // Import: the progress bar, then the summary.
    await page.locator('[data-testid=import-go]').click();
    await page.locator('[data-testid=import-result]').waitFor();
    assert.equal(await page.locator('[data-testid=import-imported]').textContent(), '2');
    assert.equal(await page.locator('[data-testid=import-rejected]').textContent(), '1');
    assert.equal(await page.locator('[data-testid=import-updated]').textContent(), '0');
    assert.match(await page.locator('[data-testid=import-progress]').count().then(String), /^[01]$/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=import-rejects]').click()]);
    const got = fs.readFileSync(await download.path(), 'utf8');
    assert.match(got, /^\uFEFFrow,column,reason,data\r\n3,amount,/);
    await shot(page, 'import-result-en');
    assert.deepEqual(page.errors, []);

    // The deals exist, with the mapped next step.
    const deals = (await allDeals(srv, await srv.as('admin'))).filter((d) => d.name.startsWith('瀏覽器匯入'));
    assert.deepEqual(deals.map((d) => d.name).sort(), ['瀏覽器匯入丙', '瀏覽器匯入甲']);
    assert.deepEqual(deals.map((d) => d.next_step).sort(), ['Web', 'Web']);
    await page.context().close();
  });

  test('zh-TW labels; importing the same file again updates by Opportunity ID', async () => {
    const page = await newPage('zh-TW');
    await login(page, 'admin');
    await page.goto(`${srv.base}/#/import`);
    await page.locator('[data-testid=import-file]').setInputFiles(file);
    await page.locator('[data-testid=import-preview]').waitFor();
    assert.match(await page.locator('[data-testid=import-counts]').textContent(), /共 3 列.*1 列有問題/);
    assert.match(await page.locator('[data-testid=import-go]').textContent(), /匯入 2 列/);
    await shot(page, 'import-preview-zh');
    await page.locator('[data-testid=import-go]').click();
    await page.locator('[data-testid=import-result]').waitFor();
    assert.equal(await page.locator('[data-testid=import-updated]').textContent(), '2');
    await shot(page, 'import-result-zh');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a member is not offered the import and the page says why', async () => {
    const page = await newPage('en-US');
    await login(page, 'amy');
    assert.equal(await page.locator('nav.top-nav a[data-page=import]').count(), 0);
    await page.goto(`${srv.base}/#/import`);
    await page.locator('main >> text=Only managers and admins import files.').waitFor();
    await page.context().close();
  });
});
