// import-web.test.mjs - the web import's endpoints (docs/API.md, "Import"):
// a preview (?dry_run=1) of a Salesforce report with a bad row marks the row
// and column with the CLI's message and writes nothing; an import with a
// progress job leaves the bad row out and hands it back as CSV; without
// skip_bad the same file fails whole; bad files, the upload size limit, and
// who may import (managers and admins, not members).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectStatus, items, startServer } from './helpers.mjs';

const SALESFORCE = [
  'Opportunity Name,Account Name,Stage,Amount,Close Date,Opportunity Owner,Probability (%),Opportunity ID',
  '網頁匯入一,WEB營造股份有限公司,Prospecting,"NT$1,234,567",2026/11/27,amy,10,006WEB01',
  '網頁匯入二,WEB營造股份有限公司,Closed Won,12x,11/27/2026,ben,,006WEB02',
  '網頁匯入三,WEB資訊,Negotiation/Review,12.5萬,2027-01-15,chen,90,006WEB03',
].join('\r\n');

describe('web import API', () => {
  let srv, admin, manager, member;
  const dealNames = async (prefix) =>
    items((await srv.api('GET', '/deals?limit=500', admin)).json)
      .map((d) => d.name)
      .filter((n) => n.startsWith(prefix))
      .sort();
  const post = (kind, query, body, cred = manager) => srv.api('POST', `/import/${kind}${query ? `?${query}` : ''}`, { ...cred, body, headers: { 'content-type': 'text/csv' } });

  before(async () => {
    srv = await startServer();
    admin = await srv.as('admin');
    const r = await srv.api('POST', '/users', { ...admin, body: { username: 'mia', password: 'demo-pass-1234', role: 'manager' } });
    expectStatus(r, 201);
    manager = await srv.as('mia');
    member = await srv.as('amy');
  });
  after(async () => {
    await srv?.stop();
  });

  test('a preview maps the Salesforce header, shows the first rows and marks the bad cell; nothing is written', async () => {
    const r = await post('deals', 'dry_run=1', SALESFORCE);
    const j = expectStatus(r, 200);
    assert.equal(j.dry_run, true);
    assert.equal(j.format, 'salesforce');
    assert.equal(j.rows, 3);
    assert.equal(j.error, undefined);
    const cols = Object.fromEntries(j.header.map((h) => [h.name, h.column]));
    assert.equal(cols['Opportunity Name'], 'deal');
    assert.equal(cols['Account Name'], 'company');
    assert.equal(cols['Amount'], 'amount');
    assert.equal(cols['Opportunity ID'], 'external_id');
    assert.ok(j.columns.includes('close_date'));
    assert.deepEqual(
      j.preview.map((p) => p.row),
      [2, 3, 4],
    );
    assert.equal(j.preview[1].fields[3], '12x');
    assert.deepEqual(j.problems, [{ row: 3, column: 'amount', message: "row 3, column 'amount': '12x' is not an amount" }]);
    assert.equal(j.rejected, 1);
    assert.equal(j.imported, 0);
    assert.deepEqual(await dealNames('網頁匯入'), []);
    // The CLI's dry run finds the same problem, in the same words.
    fs.writeFileSync(path.join(srv.dir, 'sf.csv'), SALESFORCE);
    const cli = await srv.cliJson(['import', 'deals', 'sf.csv', '--dry-run', '--skip-bad', '--json']);
    assert.deepEqual(cli.rejected, [{ row: 3, column: 'amount', reason: j.problems[0].message }]);
  });

  test('without skip_bad the file fails whole, naming the row and column; nothing is written', async () => {
    const r = await post('deals', '', SALESFORCE);
    expectStatus(r, 400, 'import.amount_invalid');
    assert.match(r.json.error.message, /row 3, column 'amount'/);
    assert.deepEqual(await dealNames('網頁匯入'), []);
  });

  test('an import with a progress job leaves the bad row out, returns it as CSV, and the deals exist', async () => {
    const job = expectStatus(await srv.api('POST', '/import/jobs', manager), 201);
    assert.equal(job.state, 'waiting');
    const r = await post('deals', `skip_bad=1&job=${job.id}`, SALESFORCE);
    const j = expectStatus(r, 200);
    assert.equal(j.imported, 2);
    assert.equal(j.created, 2);
    assert.equal(j.rejected, 1);
    assert.equal(j.companies_created, 2);
    assert.match(j.rejects_csv, /^\uFEFFrow,column,reason,data\r\n3,amount,"row 3, column 'amount': '12x' is not an amount","""網頁匯入二""/);
    const done = expectStatus(await srv.api('GET', `/import/jobs/${job.id}`, manager), 200);
    assert.deepEqual(done, { id: job.id, state: 'done', progress: 1 });
    assert.deepEqual(await dealNames('網頁匯入'), ['網頁匯入一', '網頁匯入三']);
    // A job runs once; another user's job is not found.
    expectStatus(await post('deals', `job=${job.id}`, SALESFORCE), 400, 'request.bad_parameter');
    expectStatus(await srv.api('GET', `/import/jobs/${job.id}`, admin), 404, 'import.job_not_found');
    // Importing again updates by external id.
    const again = expectStatus(await post('deals', 'skip_bad=1', SALESFORCE), 200);
    assert.equal(again.updated, 2);
    assert.equal(again.created, 0);
    assert.deepEqual(await dealNames('網頁匯入'), ['網頁匯入一', '網頁匯入三']);
  });

  test('a preview of a file with an unknown column shows the header; a map fixes it', async () => {
    const csv = 'company,deal,Colour\nMAP公司,地圖案,red\n';
    const j = expectStatus(await post('deals', 'dry_run=1', csv), 200);
    assert.equal(j.error.code, 'import.unknown_column');
    assert.match(j.error.message, /Colour/);
    assert.deepEqual(
      j.header.map((h) => h.name),
      ['company', 'deal', 'Colour'],
    );
    const m = expectStatus(await post('deals', `dry_run=1&map=${encodeURIComponent('Colour=next_step')}`, csv), 200);
    assert.equal(m.error, undefined);
    assert.equal(m.header[2].column, 'next_step');
    assert.deepEqual(m.problems, []);
    expectStatus(await post('deals', `dry_run=1&map=${encodeURIComponent('Colour=nonsense')}`, csv), 200);
    expectStatus(await post('deals', `map=${encodeURIComponent('Colour=nonsense')}`, csv), 400, 'import.map_invalid');
    expectStatus(await post('deals', 'date_format=ydm', csv), 400, 'request.bad_parameter');
  });

  test('companies and contacts import too', async () => {
    const c = expectStatus(await post('companies', '', 'company,website,phone\nWEB公司甲,https://a.example,02-1\n'), 200);
    assert.equal(c.imported, 1);
    const p = expectStatus(await post('contacts', '', 'name,company,email\n王小明,WEB公司甲,wang@example.com\n'), 200);
    assert.equal(p.imported, 1);
  });

  test('bad files get a clear error and change nothing', async () => {
    expectStatus(await post('deals', '', ''), 400, 'import.no_file');
    expectStatus(await post('deals', '', Buffer.from([0x63, 0x00, 0x01, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01])), 400, 'import.encoding');
    expectStatus(await post('deals', '', 'company,deal\n"unclosed,x\n'), 400, 'import.malformed');
    expectStatus(await post('deals', '', 'company,deal\na,b,c\n'), 400, 'import.ragged_row');
    expectStatus(await post('deals', '', 'deal\nno company\n'), 400, 'import.missing_column');
    const dry = expectStatus(await post('deals', 'dry_run=1', 'company,deal\n"unclosed,x\n'), 200);
    assert.equal(dry.error.code, 'import.malformed');
    assert.deepEqual(await dealNames('unclosed'), []);
  });

  test('size limits: a file over 1 MiB is taken, one over 32 MiB is 413', async () => {
    const row = 'BIG公司,大檔案 %d,prospecting,1000,TWD,amy,2027-01-01\n';
    let csv = 'company,deal,stage,amount,currency,owner,close_date\n';
    const lines = [];
    for (let i = 0; i < 25000; i++) lines.push(row.replace('%d', String(i)));
    csv += lines.join('');
    assert.ok(Buffer.byteLength(csv) > 1024 * 1024);
    const j = expectStatus(await post('deals', 'dry_run=1', csv), 200);
    assert.equal(j.rows, 25000);
    assert.deepEqual(j.problems, []);
    const big = Buffer.alloc(33 * 1024 * 1024, 'a');
    const r = await srv.request('POST', '/import/deals', { headers: { authorization: `Bearer ${manager.token}` }, body: big });
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, 'request.too_large');
    assert.match(r.json.error.message, /32 MiB/);
    // Other routes keep their 1 MiB cap.
    const r2 = await srv.request('POST', '/deals', { headers: { authorization: `Bearer ${manager.token}`, 'content-type': 'application/json' }, body: Buffer.alloc(2 * 1024 * 1024, ' ') });
    assert.equal(r2.status, 413);
    assert.match(r2.json.error.message, /1 MiB/);
  });

  test('members may not import, preview or make jobs; anonymous callers must log in', async () => {
    expectStatus(await post('deals', 'dry_run=1', SALESFORCE, member), 403, 'import.forbidden');
    expectStatus(await post('deals', '', 'company,deal\nX,Y\n', member), 403, 'import.forbidden');
    expectStatus(await srv.api('POST', '/import/jobs', member), 403, 'import.forbidden');
    expectStatus(await post('deals', 'dry_run=1', SALESFORCE, {}), 401);
    const cli = await srv.cli(['--as', 'amy', 'import', 'deals', 'sf.csv']);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /only managers and admins import/);
    expectStatus(await post('deals', 'dry_run=1', SALESFORCE, admin), 200);
  });
});
