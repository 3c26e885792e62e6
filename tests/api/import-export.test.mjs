// import-export.test.mjs - imports from the CRMs and spreadsheets people
// have (Salesforce, HubSpot, Pipedrive, a Big5 Excel CSV, UTF-16), broken files
// with their documented results (and the database byte-for-byte unchanged),
// CSV and XLSX export (the sheet XML read back), backup under a write load and
// restore. The sample files are written by the test into its temp dir.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PG_URL, expectStatus, items, show, startServer } from './helpers.mjs';

const SALESFORCE = [
  'Opportunity Name,Account Name,Stage,Amount,Close Date,Opportunity Owner,Probability (%),Fiscal Period,Lead Source,Opportunity ID',
  '年度維護,ＳＦＡ營造股份有限公司,Prospecting,"NT$1,234,567",2026/11/27,amy,10,Q4-2026,Web,006SF0001',
  '機房擴建,SFA營造股份有限公司 ,Closed Won,12.5萬,11/27/2026,Ben Chen,,Q4-2026,Partner,006SF0002',
  '"系統整合, 第二期",SFB資訊,Negotiation/Review,"1,234.50",2027-01-15,chen,90,Q1-2027,Web,006SF0003',
].join('\r\n');
const SALESFORCE_ZH = ['商機名稱,客戶名稱,階段,金額,結束日期,商機所有人', '雲端遷移,SFZ科技,需求分析,80萬,2027/02/01,amy'].join('\n');
const HUBSPOT = [
  'Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Associated Company,Pipeline,Create Date',
  '9001,HubSpot 導入,qualification,50000,2027-03-01,amy,HSA股份有限公司,Sales Pipeline,2026-10-01 10:00',
  '9002,續約,closed_lost,20000,2027-03-15,ben,HSA股份有限公司,Sales Pipeline,2026-10-02 11:00',
].join('\n');
const PIPEDRIVE = [
  'Deal - ID,Deal - Title,Deal - Value,Deal - Currency,Deal - Organization,Deal - Stage,Deal - Owner,Deal - Expected close date,Deal - Status',
  '77,Pipedrive deal,"3,000",TWD,PDA有限公司,Value Proposition,chen,2027-04-30,open',
].join('\n');
const BIG5_ROWS = ['company,deal,stage,amount,currency,owner,close_date', '大同營造股份有限公司,新廠房,勘探,12.5萬,TWD,amy,2027/05/01', '台北餐飲集團,門市系統,條件驗證,3萬,TWD,ben,2027/06/01'].join('\r\n') + '\r\n';

describe('import and export', () => {
  let srv;
  const file = (name, data) => {
    const f = path.join(srv.dir, name);
    fs.writeFileSync(f, data);
    return f;
  };
  const deals = async () => items(await srv.cliJson(['deal', 'list', '--json', '--limit', '500']));
  // dbHash: SHA-256 of the SQLite file after a checkpoint (everything in the main file).
  const dbHash = () => {
    if (PG_URL) return 'pg'; // PostgreSQL: the transaction is the guarantee; no file to hash
    execFileSync('sqlite3', [srv.db, 'PRAGMA wal_checkpoint(TRUNCATE);']);
    return crypto.createHash('sha256').update(fs.readFileSync(srv.db)).digest('hex');
  };

  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.stop();
  });

  test('a Salesforce opportunity report: headers, NT$, 萬, dates, owner by display name, one company', async () => {
    const r = await srv.cli(['import', 'deals', file('sf.csv', '\ufeff' + SALESFORCE), '--json']);
    assert.equal(r.code, 0, show(r));
    const j = JSON.parse(r.stdout);
    assert.equal(j.format, 'salesforce');
    assert.equal(j.created, 3);
    assert.match(j.ignored_columns, /Fiscal Period/);
    const all = await deals();
    const a = all.find((d) => d.name === '年度維護');
    const b = all.find((d) => d.name === '機房擴建');
    assert.equal(a.amount, 1234567);
    assert.equal(a.close_date, '2026-11-27');
    assert.equal(b.amount, 125000, '12.5萬');
    assert.equal(b.close_date, '2026-11-27');
    assert.equal(b.owner, 'ben', 'owner by display name');
    assert.equal(a.company_id, b.company_id, 'ＳＦＡ… and "SFA… " are one company');
    assert.equal(all.find((d) => d.name === '系統整合, 第二期').amount, 1234.5);
  });

  test('re-importing with the external id updates instead of duplicating', async () => {
    const n = (await deals()).length;
    const changed = SALESFORCE.replace('"NT$1,234,567"', '"NT$2,000,000"');
    const r = await srv.cli(['import', 'deals', file('sf2.csv', changed), '--json']);
    assert.equal(r.code, 0, show(r));
    assert.equal(JSON.parse(r.stdout).updated, 3);
    const all = await deals();
    assert.equal(all.length, n);
    assert.equal(all.find((d) => d.name === '年度維護').amount, 2000000);
  });

  test('zh-TW Salesforce, HubSpot and Pipedrive exports', async () => {
    for (const [name, data, fmt] of [
      ['sfzh.csv', SALESFORCE_ZH, 'salesforce'],
      ['hs.csv', HUBSPOT, 'hubspot'],
      ['pd.csv', PIPEDRIVE, 'pipedrive'],
    ]) {
      const r = await srv.cli(['import', 'deals', file(name, data), '--json']);
      assert.equal(r.code, 0, `${name}: ${show(r)}`);
      assert.equal(JSON.parse(r.stdout).format, fmt, name);
    }
    const all = await deals();
    assert.equal(all.find((d) => d.name === '雲端遷移').amount, 800000);
    assert.equal(all.find((d) => d.name === '續約').stage, 'closed_lost');
    assert.equal(all.find((d) => d.name === 'Pipedrive deal').amount, 3000);
  });

  test('a Big5 (CP950) Excel CSV with Chinese names and 萬 amounts, and UTF-16 with a BOM', async () => {
    const big5 = execFileSync('iconv', ['-f', 'UTF-8', '-t', 'CP950'], { input: BIG5_ROWS });
    assert.ok(!big5.includes(Buffer.from('大同')), 'the file really is Big5');
    const r = await srv.cli(['import', 'deals', file('big5.csv', big5), '--json']);
    assert.equal(r.code, 0, show(r));
    assert.equal(JSON.parse(r.stdout).encoding, 'CP950');
    const all = await deals();
    const d = all.find((x) => x.name === '新廠房');
    assert.equal(d.amount, 125000);
    assert.equal(d.company, '大同營造股份有限公司');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('company\tdeal\towner\nU16公司\tUnicode 文字\tamy\n', 'utf16le')]);
    const u = await srv.cli(['import', 'deals', file('u16.txt', utf16), '--json']);
    assert.equal(u.code, 0, show(u));
    assert.equal(JSON.parse(u.stdout).encoding, 'UTF-16LE');
    assert.ok((await deals()).some((x) => x.name === 'Unicode 文字'));
  });

  describe('broken files: each has its documented result and leaves the database byte-for-byte as it was', () => {
    const HEAD = 'company,deal,stage,amount,currency,owner,close_date\n';
    const cases = [
      ['unbalanced quotes', HEAD + 'A,"B,勘探,1,TWD,amy,2027-01-01\n', /malformed CSV/],
      ['ragged rows', HEAD + 'A,B,勘探,1,TWD,amy,2027-01-01\nC,D,勘探\n', /row 3: 3 fields, but the header has 7/],
      ['a 50 MB single field', null, /larger than 64 KiB/],
      ['binary garbage', null, /not text|encoding|malformed|UTF-8/],
      ['an unknown stage', HEAD + 'A,B,勘探,1,TWD,amy,2027-01-01\nA,C,沒有這個,1,TWD,amy,2027-01-01\n', /row 3, column 'stage': unknown stage/],
      ['a date that does not parse', HEAD + 'A,B,勘探,1,TWD,amy,2027-01-01\nA,C,勘探,1,TWD,amy,next week\n', /row 3, column 'close_date'/],
      ['an ambiguous date', HEAD + 'A,B,勘探,1,TWD,amy,05/06/2027\n', /row 2, column 'close_date'.*--date-format/],
      ['an amount that is no amount', HEAD + 'A,B,勘探,12x,TWD,amy,2027-01-01\n', /row 2, column 'amount': '12x' is not an amount/],
    ];
    for (const [what, text, want] of cases) {
      test(what, async () => {
        let data = text;
        if (what === 'a 50 MB single field') data = Buffer.concat([Buffer.from(HEAD + 'A,"'), Buffer.alloc(50 << 20, 0x61), Buffer.from('",x,1,TWD,amy,2027-01-01\n')]);
        if (what === 'binary garbage') data = crypto.randomBytes(256 << 10);
        const before_ = dbHash();
        const r = await srv.cli(['import', 'deals', file('broken.csv', data)]);
        assert.equal(r.code, 1, show(r));
        assert.match(r.stderr, want);
        assert.equal(dbHash(), before_, 'the database file is unchanged');
      });
    }
  });

  test('--skip-bad imports the good rows and writes the bad ones with the reason; --dry-run writes nothing', async () => {
    const csv = 'company,deal,stage,amount,owner\nSK公司,好一,勘探,1,amy\nSK公司,壞一,勘探,abc,amy\nSK公司,好二,勘探,2,nobody\nSK公司,好三,勘探,3,ben\n';
    const f = file('skip.csv', csv);
    const h = dbHash();
    const dry = await srv.cli(['import', 'deals', f, '--dry-run']);
    assert.equal(dry.code, 1, 'a dry run without --skip-bad reports the first bad row');
    assert.match(dry.stderr, /row 3, column 'amount'/);
    assert.equal(dbHash(), h);
    const r = await srv.cli(['import', 'deals', f, '--skip-bad', '--json']);
    assert.equal(r.code, 0, show(r));
    const j = JSON.parse(r.stdout);
    assert.equal(j.created, 2);
    assert.deepEqual(j.rejected.map((x) => [x.row, x.column]), [[3, 'amount'], [4, 'owner']]);
    const rej = fs.readFileSync(j.reject_file, 'utf8');
    assert.match(rej, /^\ufeffrow,column,reason,data/);
    assert.match(rej, /3,amount,"row 3, column 'amount': 'abc' is not an amount"/);
  });

  test('import companies and contacts', async () => {
    const c = await srv.cli(['import', 'companies', file('co.csv', 'Company name,Website URL,Phone Number\nＩＭＰ公司,https://imp.example,02-1234\n'), '--map', 'Company name=company,Website URL=website,Phone Number=phone']);
    assert.equal(c.code, 0, show(c));
    const p = await srv.cli(['import', 'contacts', file('ct.csv', 'name,company,title,email\n王小明,IMP公司,經理,wang@example.com\n')]);
    assert.equal(p.code, 0, show(p));
    const list = await srv.cli(['company', 'list']);
    assert.equal((list.stdout.match(/ＩＭＰ公司|IMP公司/g) || []).length, 1, 'the contact joined the full-width company');
  });

  test('export deals to CSV (UTF-8 with BOM) and XLSX with numbers typed as numbers', async () => {
    const csvf = path.join(srv.dir, 'out.csv');
    const r = await srv.cli(['export', 'deals', '--format', 'csv', '--q', '年度維護', '-o', csvf]);
    assert.equal(r.code, 0, show(r));
    const text = fs.readFileSync(csvf, 'utf8');
    assert.ok(text.startsWith('\ufeffid,company,deal,stage'), text.slice(0, 80));
    assert.match(text, /年度維護,stage|年度維護,prospecting,open,2000000,TWD/);
    const xf = path.join(srv.dir, 'out.xlsx');
    const x = await srv.cli(['export', 'deals', '-o', xf, '--status', 'open']);
    assert.equal(x.code, 0, show(x));
    const sheet = execFileSync('unzip', ['-p', xf, 'xl/worksheets/sheet1.xml']).toString('utf8');
    // Column F is the amount: a number cell (no t="s"/"str" type) with a style (currency format).
    const f2 = sheet.match(/<c r="F2"([^>]*)><v>([^<]*)<\/v><\/c>/);
    assert.ok(f2, sheet.slice(0, 1500));
    assert.doesNotMatch(f2[1], /t="/, 'the amount is a number');
    assert.ok(Number.isFinite(Number(f2[2])));
    const styles = execFileSync('unzip', ['-p', xf, 'xl/styles.xml']).toString('utf8');
    assert.match(styles, /NT\$/, 'a currency format');
    const sum = path.join(srv.dir, 'sum.xlsx');
    assert.equal((await srv.cli(['export', 'summary', '-o', sum])).code, 0);
    const all = await srv.cli(['export', 'all', '--json']);
    assert.equal(all.code, 0, show(all));
    const doc = JSON.parse(all.stdout);
    assert.equal(doc.litecrm_export, 2);
    assert.ok(doc.deals.length > 10 && doc.stages.length === 10 && doc.companies.length > 0);
  });

  test('backup during a write load: the copy passes integrity_check and holds every acknowledged write', { skip: !!PG_URL }, async () => {
    const admin = await srv.as('admin');
    const acked = [];
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const r = await srv.api('POST', '/deals', { token: admin.token, body: { company: 'Load公司', name: `load ${i}`, owner: 'amy' } });
        expectStatus(r, 201);
        acked.push(r.json.id);
      }
    })();
    await new Promise((res) => setTimeout(res, 300));
    const before_ = acked.length;
    const ackedBefore = acked.slice();
    const bk = path.join(srv.dir, 'backup.db');
    const r = await srv.cli(['backup', bk]);
    assert.equal(r.code, 0, show(r));
    await new Promise((res) => setTimeout(res, 200));
    stop = true;
    await writer;
    assert.ok(before_ > 0 && acked.length > before_, `writes went on: ${before_} -> ${acked.length}`);
    assert.equal(execFileSync('sqlite3', [bk, 'PRAGMA integrity_check']).toString().trim(), 'ok');
    const ids = new Set(execFileSync('sqlite3', [bk, "SELECT id FROM deal WHERE name LIKE 'load %'"]).toString().trim().split('\n').map(Number));
    for (const id of ackedBefore) assert.ok(ids.has(id), `deal ${id} acknowledged before the backup is in it`);
    // restore: refused without --force, checked, then applied to another database.
    const target = path.join(srv.dir, 'restored.db');
    assert.equal((await srv.cli(['--db', target, 'demo'])).code, 0);
    const no = await srv.cli(['--db', target, 'restore', bk]);
    assert.equal(no.code, 1, show(no));
    assert.match(no.stderr, /--force/);
    const bad = await srv.cli(['--db', target, 'restore', file('notadb.db', 'garbage'), '--force']);
    assert.equal(bad.code, 1, show(bad));
    const ok = await srv.cli(['--db', target, 'restore', bk, '--force']);
    assert.equal(ok.code, 0, show(ok));
    const n = execFileSync('sqlite3', [target, "SELECT count(*) FROM deal WHERE name LIKE 'load %'"]).toString().trim();
    assert.equal(Number(n), ids.size);
  });
});

describe('export over HTTP', () => {
  let srv;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.stop();
  });

  test('GET /export/deals.csv and .xlsx: downloads with Content-Disposition, filtered like /deals', async () => {
    const amy = await srv.as('amy');
    const r = await srv.api('GET', '/export/deals.csv?status=open&sort=amount&order=desc', { token: amy.token });
    expectStatus(r, 200);
    assert.match(r.headers.get('content-type'), /text\/csv/);
    assert.match(r.headers.get('content-disposition'), /attachment; filename="deals.csv"/);
    assert.ok(r.text.startsWith('id,company,deal'), 'the BOM (fetch drops it when decoding) then the header');
    const raw = await fetch(`${srv.base}/api/v1/export/deals.csv`, { headers: { authorization: `Bearer ${amy.token}` } });
    assert.deepEqual([...Buffer.from(await raw.arrayBuffer()).subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const lines = r.text.trim().split('\r\n').slice(1);
    assert.ok(lines.length > 0 && lines.every((l) => l.includes(',open,')), r.text.slice(0, 400));
    const x = await fetch(`${srv.base}/api/v1/export/deals.xlsx`, { headers: { authorization: `Bearer ${amy.token}` } });
    assert.equal(x.status, 200);
    assert.match(x.headers.get('content-disposition'), /deals.xlsx/);
    const buf = Buffer.from(await x.arrayBuffer());
    assert.equal(buf.subarray(0, 2).toString(), 'PK', 'a zip file');
    const bad = await srv.api('GET', '/export/deals.csv?status=maybe', { token: amy.token });
    expectStatus(bad, 400);
    const anon = await srv.api('GET', '/export/deals.csv');
    expectStatus(anon, 401);
  });
});
