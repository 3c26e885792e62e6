// badinput.test.mjs - every kind of bad input gets its documented 4xx and
// changes nothing; the server stays up. Plus the CLI's bad input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectStatus, fmt, items, stageByKey, startServer } from './helpers.mjs';

const GOOD = { company: 'CCC營造股份有限公司', name: '新案子', amount: 1000, stage: 'value_proposition', close_date: '2027-03-01' };

describe('bad input', () => {
  let srv;
  let admin;
  let summary0;
  let deals0;
  let companies0;
  const post = (body, o = {}) => srv.api('POST', '/deals', { ...admin, body, ...o });

  before(async () => {
    srv = await startServer();
    admin = await srv.as('admin');
    summary0 = (await srv.api('GET', '/reports/summary', admin)).json;
    deals0 = (await srv.api('GET', '/deals?limit=500&total=1', admin)).json.total;
    companies0 = (await srv.api('GET', '/companies?limit=500', admin)).json.items.length;
    assert.equal(deals0, 10);
  });
  after(async () => {
    await srv?.stop();
  });

  test('malformed JSON: 400 request.malformed_json', async () => {
    for (const body of ['{"name":', '{name: 1}', 'not json', '{"a":1}}', '{"name":"a",}']) {
      expectStatus(await post(body), 400, 'request.malformed_json', JSON.stringify(body));
    }
    // An empty body may be read as {} (then a required field is missing): 400 either way.
    expectStatus(await post(''), 400, undefined, 'empty body');
  });

  test('a field of the wrong type: 400 request.type naming the field', async () => {
    const r = await post({ ...GOOD, amount: true });
    expectStatus(r, 400, 'request.type');
    assert.equal(r.json.error.field, 'amount');
    const n = await post({ ...GOOD, name: 42 });
    expectStatus(n, 400, 'request.type');
    assert.equal(n.json.error.field, 'name');
    const o = await post({ ...GOOD, close_date: ['2027-01-01'] });
    expectStatus(o, 400, 'request.type');
    assert.equal(o.json.error.field, 'close_date');
    expectStatus(await post([GOOD]), 400, undefined, 'an array body');
  });

  test('an unknown field: 400 request.unknown_field', async () => {
    const r = await post({ ...GOOD, amout: 5 });
    expectStatus(r, 400, 'request.unknown_field');
    assert.equal(r.json.error.field, 'amout');
  });

  test('missing deal name: 400 deal.name_required', async () => {
    const { name, ...rest } = GOOD;
    expectStatus(await post(rest), 400, 'deal.name_required');
    expectStatus(await post({ ...rest, name: '' }), 400, 'deal.name_required');
    expectStatus(await post({ ...rest, name: '   ' }), 400, 'deal.name_required');
  });

  test('bad close date: 400 deal.close_date_invalid', async () => {
    for (const d of ['2026-02-30', '2027-13-01', '2027-1-5', '2027/01/05', 'tomorrow', '2027-02-29']) {
      const r = await post({ ...GOOD, close_date: d });
      expectStatus(r, 400, 'deal.close_date_invalid', d);
      assert.equal(r.json.error.field, 'close_date');
    }
  });

  test('negative amount: 400 deal.amount_negative', async () => {
    expectStatus(await post({ ...GOOD, amount: -1 }), 400, 'deal.amount_negative');
    expectStatus(await post({ ...GOOD, amount: '-100' }), 400, 'deal.amount_negative');
  });

  test('amount out of range or not a number: 400 deal.amount_invalid', async () => {
    expectStatus(await post({ ...GOOD, amount: 1e14 }), 400, 'deal.amount_invalid', '1e14');
    expectStatus(await post({ ...GOOD, amount: '12abc' }), 400, 'deal.amount_invalid', '"12abc"');
    expectStatus(await post({ ...GOOD, amount: '1.234' }), 400, 'deal.amount_invalid', 'too many fraction digits');
  });

  test('probability 101 and -1: 400 deal.probability_range', async () => {
    const wrong = [];
    for (const p of [101, -1, 1000, -5]) {
      const r = await post({ ...GOOD, probability: p });
      if (r.status === 201) {
        // Written by mistake: remove it so that the final check tests the others.
        await srv.api('DELETE', `/deals/${r.json.id}`, { ...admin, ifMatch: r.json.version });
      }
      if (r.status !== 400 || r.json?.error?.code !== 'deal.probability_range' || r.json?.error?.field !== 'probability')
        wrong.push(`probability ${p}: ${fmt(r)}`);
    }
    assert.deepEqual(wrong, [], 'want 400 deal.probability_range (field probability) for each');
    const vp = await stageByKey(srv, 'value_proposition', admin);
    for (const p of [101, -1]) {
      expectStatus(await srv.api('PATCH', `/stages/${vp.id}`, { ...admin, ifMatch: vp.version, body: { probability: p } }), 400, undefined, `stage probability ${p}`);
    }
  });

  test('invalid UTF-8: 400 request.invalid_utf8', async () => {
    const bad = Buffer.concat([
      Buffer.from('{"company":"CCC營造股份有限公司","name":"'),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
      Buffer.from('","amount":1}'),
    ]);
    expectStatus(await post(bad), 400, 'request.invalid_utf8');
    // An overlong encoding of '/' and a lone surrogate.
    expectStatus(await post(Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])), 400, 'request.invalid_utf8');
    expectStatus(await post(Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])), 400, 'request.invalid_utf8');
  });

  test('a deal name over 200 bytes: 400 deal.name_too_long (bytes, not characters)', async () => {
    expectStatus(await post({ ...GOOD, name: 'x'.repeat(201) }), 400, 'deal.name_too_long');
    // 67 CJK characters are 201 bytes of UTF-8.
    const r = await post({ ...GOOD, name: '案'.repeat(67) });
    expectStatus(r, 400, 'deal.name_too_long');
    assert.equal(r.json.error.field, 'name');
  });

  test('unknown stage: 400 deal.stage_unknown', async () => {
    const r = await post({ ...GOOD, stage: 'foo' });
    expectStatus(r, 400, 'deal.stage_unknown');
    assert.equal(r.json.error.field, 'stage');
    expectStatus(await post({ ...GOOD, stage: undefined, stage_id: 999999 }), 400, 'deal.stage_unknown', 'stage_id');
  });

  test('unknown owner: 400 deal.owner_unknown', async () => {
    expectStatus(await post({ ...GOOD, owner: 'nobody' }), 400, 'deal.owner_unknown');
  });

  test('currency USD on a TWD workspace: 400 deal.currency_mismatch', async () => {
    const r = await post({ ...GOOD, currency: 'USD' });
    expectStatus(r, 400, 'deal.currency_mismatch');
    assert.equal(r.json.error.field, 'currency');
  });

  test('a body over 1 MiB: 413 request.too_large', async () => {
    const big = JSON.stringify({ ...GOOD, next_step: 'x'.repeat(1024 * 1024 + 10) });
    const r = await srv.request('POST', '/deals', {
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
      body: big,
    });
    assert.equal(r.status, 413, `HTTP ${r.status} ${r.text.slice(0, 300)}`);
    assert.equal(r.json?.error?.code, 'request.too_large', r.text.slice(0, 300));
    // Just under the cap but with an over-cap string: 400, not 413.
    const n = await post({ ...GOOD, next_step: 'x'.repeat(1001) });
    expectStatus(n, 400, undefined, 'next_step over 1000 bytes');
  });

  test('a chunked body over 1 MiB (no Content-Length): 413 request.too_large', async () => {
    const r = await new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: srv.port, method: 'POST', path: '/api/v1/deals',
          headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode, text }));
        },
      );
      let answered = false;
      req.on('response', () => (answered = true));
      req.on('error', (e) => { if (!answered) setTimeout(() => reject(e), 500); });
      req.write('{"company":"CCC營造股份有限公司","name":"big","amount":1,"next_step":"');
      const chunk = 'y'.repeat(64 * 1024);
      for (let i = 0; i < 18; i++) req.write(chunk);
      req.end('"}');
    });
    assert.equal(r.status, 413, `HTTP ${r.status} ${r.text.slice(0, 300)}`);
    assert.match(r.text, /request\.too_large/);
  });

  test('bad query strings: 400, never 5xx', async () => {
    expectStatus(await srv.api('GET', `/deals?q=${'q'.repeat(201)}`, admin), 400, 'request.bad_parameter', 'q over 200 bytes');
    const pct = await srv.api('GET', '/deals?q=%ZZ', admin);
    assert.ok(pct.status === 200 || pct.status === 400, fmt(pct));
    const amt = await srv.api('GET', '/deals?amount_min=abc', admin);
    expectStatus(amt, 400, 'request.bad_parameter', 'amount_min=abc');
    const long = await srv.request('GET', `/deals?q=${'a'.repeat(100000)}`, { headers: { authorization: `Bearer ${admin.token}` } }).catch((e) => ({ status: 'closed', text: e.message }));
    assert.ok(long.status === 'closed' || (long.status >= 400 && long.status < 500), `a 100 KB URL: ${long.status} ${long.text?.slice(0, 200)}`);
    expectStatus(await srv.api('GET', '/health'), 200);
  });

  test('invalid UTF-8 in a query parameter: 400', async () => {
    for (const q of ['/deals?q=%FF%FE', '/deals?owner=%C0%AF', '/reports/summary?owner=%FF']) {
      const bad = await srv.api('GET', q, admin);
      assert.equal(bad.status, 400, `${q} (docs/API.md: invalid UTF-8 and bad query parameters are 400): ${fmt(bad)}`);
      assert.ok(['request.invalid_utf8', 'request.bad_parameter'].includes(bad.json?.error?.code), fmt(bad));
    }
  });

  test('numbers out of range and a bad PATCH change nothing', async () => {
    expectStatus(await post('{"company":"CCC營造股份有限公司","name":"n","amount":1e400}'), 400, undefined, 'amount 1e400');
    // Past int64, jansson refuses the number while parsing: either code is a fair answer.
    const huge = await post({ ...GOOD, amount: 12345678901234567890 });
    expectStatus(huge, 400, undefined, 'amount 1.2e19');
    assert.ok(['deal.amount_invalid', 'request.malformed_json'].includes(huge.json?.error?.code), fmt(huge));
    expectStatus(await post({ ...GOOD, amount: 10000000000001 }), 400, 'deal.amount_invalid', 'amount 10^13 + 1');
    const deals = (await srv.api('GET', '/deals?limit=500', admin)).json.items;
    const d = deals.find((x) => x.name === '工地管理平台');
    const p = await srv.api('PATCH', `/deals/${d.id}`, { ...admin, ifMatch: d.version, body: { stage: 'foo', next_step: 'half' } });
    expectStatus(p, 400, 'deal.stage_unknown');
    const p2 = await srv.api('PATCH', `/deals/${d.id}`, { ...admin, ifMatch: d.version, body: { next_step: 'half', amount: -1 } });
    expectStatus(p2, 400, 'deal.amount_negative');
    const g = await srv.api('GET', `/deals/${d.id}`, admin);
    assert.equal(g.json.version, d.version);
    assert.equal(g.json.next_step, d.next_step);
    assert.equal(g.json.stage, 'value_proposition');
    const m = await srv.api('POST', `/deals/${d.id}/move`, { ...admin, ifMatch: d.version, body: { stage: 'nowhere' } });
    expectStatus(m, 400, 'deal.stage_unknown');
    const neg = await srv.api('GET', '/deals/-1', admin);
    assert.ok([400, 404].includes(neg.status), fmt(neg));
  });

  test('duplicate company: 409 company.duplicate (after trimming)', async () => {
    expectStatus(await srv.api('POST', '/companies', { ...admin, body: { name: 'CCC營造股份有限公司' } }), 409, 'company.duplicate');
    expectStatus(await srv.api('POST', '/companies', { ...admin, body: { name: '  CCC營造股份有限公司 ' } }), 409, 'company.duplicate');
  });

  test('duplicate user and stage: 409', async () => {
    expectStatus(await srv.api('POST', '/users', { ...admin, body: { username: 'amy', password: 'password-123', role: 'member' } }), 409, 'user.duplicate');
    expectStatus(
      await srv.api('POST', '/stages', { ...admin, body: { key: 'value_proposition', name_zh: '重複', name_en: 'Dup', probability: 5, kind: 'open' } }),
      409,
      'stage.duplicate',
    );
  });

  test('short password: 400 user.password_too_short', async () => {
    expectStatus(await srv.api('POST', '/users', { ...admin, body: { username: 'shorty', password: 'short', role: 'member' } }), 400, 'user.password_too_short');
  });

  test('unknown route: 404 route.not_found; wrong method: 405 route.method', async () => {
    expectStatus(await srv.api('GET', '/nope', admin), 404, 'route.not_found');
    expectStatus(await srv.api('GET', '/deals/1/nope', admin), 404, 'route.not_found');
    expectStatus(await srv.api('DELETE', '/health', admin), 405, 'route.method');
  });

  test('bad ids and query parameters: 400 request.bad_parameter or 404', async () => {
    expectStatus(await srv.api('GET', '/deals?limit=0', admin), 400, 'request.bad_parameter');
    expectStatus(await srv.api('GET', '/deals?limit=501', admin), 400, 'request.bad_parameter');
    expectStatus(await srv.api('GET', '/deals?limit=abc', admin), 400, 'request.bad_parameter');
    expectStatus(await srv.api('GET', '/deals?status=maybe', admin), 400, 'request.bad_parameter');
    expectStatus(await srv.api('GET', '/deals?sort=password', admin), 400, 'request.bad_parameter');
    expectStatus(await srv.api('GET', '/deals?close_from=2026-02-30', admin), 400, 'request.bad_parameter');
    expectStatus(await srv.api('GET', '/deals/999999', admin), 404, 'deal.not_found');
    const r = await srv.api('GET', '/deals/abc', admin);
    assert.ok([400, 404].includes(r.status), fmt(r));
    const big = await srv.api('GET', '/deals/99999999999999999999999', admin);
    assert.ok([400, 404].includes(big.status), fmt(big));
  });

  test('deleting a stage that holds deals: 409 stage.in_use', async () => {
    const vp = await stageByKey(srv, 'value_proposition', admin);
    expectStatus(await srv.api('DELETE', `/stages/${vp.id}`, { ...admin, ifMatch: vp.version }), 409, 'stage.in_use');
    assert.ok(await stageByKey(srv, 'value_proposition', admin));
  });

  test('too-deep JSON: 400', async () => {
    for (const depth of [5000, 100000]) {
      const deep = '{"name":' + '['.repeat(depth) + ']'.repeat(depth) + '}';
      const r = await post(deep);
      assert.equal(r.status, 400, `depth ${depth}: ${fmt(r)}`);
      assert.match(r.json?.error?.code || '', /^request\./, fmt(r));
    }
  });

  test('a JSON body with NUL inside a string is refused', async () => {
    const r = await post('{"company":"CCC營造股份有限公司","name":"a\\u0000b","amount":1}');
    assert.equal(r.status, 400, fmt(r));
  });

  test('the server still answers, and nothing was half-written', async () => {
    expectStatus(await srv.api('GET', '/health'), 200);
    const s = await srv.api('GET', '/reports/summary', admin);
    assert.deepEqual(s.json, summary0);
    assert.equal((await srv.api('GET', '/deals?limit=500&total=1', admin)).json.total, deals0);
    assert.equal((await srv.api('GET', '/companies?limit=500', admin)).json.items.length, companies0);
    // And the good request still works.
    const ok = await post(GOOD);
    expectStatus(ok, 201);
    assert.equal(ok.json.expected, 500);
  });

  describe('CLI', () => {
    test('import of a CSV with a bad amount in row 3: exit 1, names row and column, imports nothing', async () => {
      const before = items(await srv.cliJson(['deal', 'list', '--json'])).length;
      const csv = [
        'company,deal,stage,amount,currency,owner,close_date',
        'ZZZ一號公司,匯入一,勘探,1000,TWD,amy,2027-01-01',
        'ZZZ二號公司,匯入二,勘探,2000,TWD,ben,2027-01-02',
        'ZZZ三號公司,匯入三,勘探,abc,TWD,chen,2027-01-03',
        'ZZZ四號公司,匯入四,勘探,4000,TWD,amy,2027-01-04',
      ].join('\n');
      const f = path.join(srv.dir, 'bad.csv');
      fs.writeFileSync(f, csv + '\n');
      const r = await srv.cli(['import', 'deals', f]);
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      // Row 3 of the data (line 4 of the file, after the header), column amount.
      assert.match(r.stderr, /\b(row|line)\b\D{0,3}(3|4)\b/i, r.stderr);
      assert.match(r.stderr, /amount/i, r.stderr);
      const after_ = items(await srv.cliJson(['deal', 'list', '--json']));
      assert.equal(after_.length, before);
      assert.ok(!after_.some((d) => d.name === '匯入一'), 'all-or-nothing: row 1 must not be imported');
      const comps = await srv.cli(['company', 'list']);
      assert.ok(!comps.stdout.includes('ZZZ一號公司'), 'all-or-nothing: no company from the failed import');
    });

    test('import errors: unknown stage and unknown owner name their row', async () => {
      const f = path.join(srv.dir, 'bad2.csv');
      fs.writeFileSync(f, 'company,deal,stage,amount,currency,owner,close_date\nA,B,沒有這個,1,TWD,amy,2027-01-01\n');
      const r = await srv.cli(['import', 'deals', f]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /stage/i);
      fs.writeFileSync(f, 'company,deal,stage,amount,currency,owner,close_date\nA,B,勘探,1,TWD,amy,2027-01-01\nA,C,勘探,1,TWD,nobody,2027-01-01\n');
      const o = await srv.cli(['import', 'deals', f]);
      assert.equal(o.code, 1, o.stderr);
      assert.match(o.stderr, /owner/i);
      const missing = await srv.cli(['import', 'deals', path.join(srv.dir, 'no-such.csv')]);
      assert.equal(missing.code, 1, missing.stderr);
      assert.ok(missing.stderr.length > 0);
    });

    test('unknown command exits 2', async () => {
      const r = await srv.cli(['frobnicate']);
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.ok(r.stderr.length > 0, 'a usage message on stderr');
      const s = await srv.cli(['deal', 'frobnicate']);
      assert.equal(s.code, 2, `${s.stdout}\n${s.stderr}`);
      const o = await srv.cli(['deal', 'list', '--no-such-option']);
      assert.equal(o.code, 2, `${o.stdout}\n${o.stderr}`);
    });

    test('CLI input errors exit 1', async () => {
      const r = await srv.cli(['deal', 'add', '--company', 'X', '--name', 'Y', '--amount', '-5', '--stage', '勘探', '--owner', 'amy']);
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      const d = await srv.cli(['deal', 'show', '999999', '--json']);
      assert.equal(d.code, 1, `${d.stdout}\n${d.stderr}`);
    });
  });
});
