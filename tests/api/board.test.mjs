// board.test.mjs - GET /board: the pipeline board in one request. Its
// figures are the summary's under the same filter, its cards the deal list's
// (newest first) in card form, a column pages with ?stage=KEY&after=ID, and a
// member sees what the deal list shows her.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { API, expectStatus, fmt, request, startServer } from './helpers.mjs';

const EXTRA = 120; // deals added to the seed's one prospecting deal
const TODAY = '2027-06-30'; // the server's today (stalled days, overdue)

// A board answer against the summary and the deal list under the same query.
async function checkBoard(srv, cred, query, what) {
  const q = query ? `?${query}` : '';
  const b = expectStatus(await srv.api('GET', `/board${q}`, cred), 200, undefined, `${what}: GET /board${q}`);
  const sum = expectStatus(await srv.api('GET', `/reports/summary${q}`, cred), 200, undefined, what);
  assert.equal(b.currency, sum.currency, what);
  assert.deepEqual(b.open, sum.open, `${what}: open totals`);
  assert.deepEqual(b.stages.map((s) => s.key), sum.stages.map((s) => s.key), `${what}: stages in order`);
  assert.deepEqual(b.columns.map((c) => c.stage_id), b.stages.map((s) => s.id), `${what}: a column per stage`);
  for (const c of b.columns) {
    const s = sum.stages.find((x) => x.id === c.stage_id);
    assert.deepEqual([c.count, c.amount, c.expected], [s.count, s.amount, s.expected], `${what}: figures of ${c.stage}`);
    const own = new URLSearchParams(query || '');
    const filtered = (own.get('stage') && own.get('stage') !== c.stage) || (own.get('status') && own.get('status') !== s.kind);
    own.set('stage', c.stage);
    own.set('limit', '500');
    const list = filtered ? [] : expectStatus(await srv.api('GET', `/deals?${own}`, cred), 200).items;
    const limit = Number(new URLSearchParams(query || '').get('limit') || 50);
    assert.deepEqual(c.cards.map((d) => d.id), list.slice(0, limit).map((d) => d.id), `${what}: cards of ${c.stage}`);
    assert.equal(c.more, list.length > limit, `${what}: more of ${c.stage}`);
    assert.ok(list.length <= s.count, `${what}: ${c.stage} lists ${list.length} of ${s.count}`);
    for (const card of c.cards) {
      const d = list.find((x) => x.id === card.id);
      for (const k of ['company', 'name', 'amount', 'expected', 'probability_override', 'owner_id', 'owner', 'owner_name', 'close_date', 'version'])
        assert.deepEqual(card[k], d[k], `${what}: card ${card.id}.${k}`);
    }
  }
  return b;
}

describe('GET /board', () => {
  let srv, admin, amy, ben;

  before(async () => {
    srv = await startServer({
      env: { LITECRM_TODAY: TODAY },
      init: async (ctx) => {
        const rows = ['company,deal,stage,amount,currency,owner,close_date'];
        for (let i = 0; i < EXTRA; i++)
          rows.push(`大量公司${i % 7},批次案 ${String(i).padStart(3, '0')},勘探,${1000 + i},TWD,${i % 2 ? 'amy' : 'ben'},2027-0${3 + (i % 7)}-0${1 + (i % 9)}`);
        const file = path.join(ctx.dir, 'many.csv');
        fs.writeFileSync(file, rows.join('\n') + '\n');
        const r = await ctx.cli(['import', 'deals', file]);
        assert.equal(r.code, 0, r.stderr);
        // every open deal of prospecting older than a day is stalled on TODAY
        const s = await ctx.cli(['stage', 'set', 'prospecting', '--stalled-days', '1']);
        assert.equal(s.code, 0, s.stderr);
      },
    });
    [admin, amy, ben] = await Promise.all([srv.as('admin'), srv.as('amy'), srv.as('ben')]);
  });
  after(async () => {
    await srv?.stop();
  });

  test('the figures are the summary’s, the cards the deal list’s, newest first', async () => {
    const b = await checkBoard(srv, admin, '', 'admin');
    const p = b.columns.find((c) => c.stage === 'prospecting');
    assert.equal(p.count, EXTRA + 1);
    assert.equal(p.cards.length, 50);
    assert.equal(p.more, true);
    const ids = p.cards.map((d) => d.id);
    assert.deepEqual(ids, [...ids].sort((x, y) => y - x), 'newest first');
    const stage = b.stages.find((s) => s.key === 'prospecting');
    assert.equal(stage.stalled_days, 1);
    assert.equal(typeof stage.guidance, 'string');
    assert.equal(b.today, TODAY);
  });

  test('stalled and overdue flags agree with the stalled report and the close dates', async () => {
    const b = expectStatus(await srv.api('GET', '/board?limit=200', admin), 200);
    const rep = expectStatus(await srv.api('GET', '/reports/stalled?limit=500', admin), 200);
    const stalled = new Map(rep.items.map((x) => [x.deal_id, x]));
    let nStalled = 0;
    let nOverdue = 0;
    for (const c of b.columns) {
      const kind = b.stages.find((s) => s.id === c.stage_id).kind;
      for (const card of c.cards) {
        const want = stalled.get(card.id);
        if (want) {
          nStalled++;
          assert.deepEqual(card.stalled, { days: want.days, stalled_days: want.stalled_days }, `card ${card.id}`);
        } else assert.equal(card.stalled, undefined, `card ${card.id} is not stalled`);
        const overdue = kind === 'open' && card.close_date !== null && card.close_date < TODAY;
        assert.equal(card.overdue === true, overdue, `card ${card.id} closing ${card.close_date}`);
        if (overdue) nOverdue++;
      }
    }
    assert.equal(nStalled, EXTRA + 1, 'every prospecting deal is stalled');
    assert.ok(nOverdue > 0 && nOverdue < EXTRA, `overdue: ${nOverdue}`);
  });

  test('a column pages with ?stage=KEY&after=ID, every deal once', async () => {
    const first = expectStatus(await srv.api('GET', '/board', admin), 200).columns.find((c) => c.stage === 'prospecting');
    const seen = first.cards.map((d) => d.id);
    let next = first;
    let pages = 1;
    while (next.more) {
      const r = expectStatus(await srv.api('GET', `/board?stage=prospecting&after=${seen.at(-1)}`, admin), 200);
      assert.equal(r.stages, undefined, 'a page has no stages');
      assert.equal(r.columns.length, 1, fmt({ status: 200, text: JSON.stringify(r) }));
      next = r.columns[0];
      assert.equal(next.stage, 'prospecting');
      assert.equal(next.count, undefined, 'a page has no figures');
      seen.push(...next.cards.map((d) => d.id));
      pages++;
    }
    assert.equal(pages, 3);
    const all = expectStatus(await srv.api('GET', '/deals?stage=prospecting&limit=500', admin), 200).items.map((d) => d.id);
    assert.deepEqual(seen, all);
    // limit applies to every column and to a page
    const small = expectStatus(await srv.api('GET', `/board?stage=prospecting&limit=7&after=${all[10]}`, admin), 200);
    assert.deepEqual(small.columns[0].cards.map((d) => d.id), all.slice(11, 18));
    await checkBoard(srv, admin, 'limit=3', 'limit 3');
  });

  test('every deal-list filter applies, to figures and cards', async () => {
    for (const q of [
      `owner=amy&q=${encodeURIComponent('大量公司3')}`,
      'close_from=2027-04-01&close_to=2027-06-30',
      'amount_min=1050&amount_max=1100',
      'status=won',
      'stage=qualification',
      'stage=prospecting&owner=ben',
      `company=1`,
      'q=%E7%B6%AD%E8%AD%B7',
    ])
      await checkBoard(srv, admin, q, q);
  });

  test('a saved view applies (view=ID), and the request’s filters are added to it', async () => {
    const q = encodeURIComponent('大量公司3');
    const v = await srv.api('POST', '/views', { ...admin, body: { name: 'board view', filter: { owner: 'amy', q: '大量公司3', sort: 'amount' } } });
    const id = expectStatus(v, 201).id;
    const byView = expectStatus(await srv.api('GET', `/board?view=${id}`, admin), 200);
    const byQuery = await checkBoard(srv, admin, `owner=amy&q=${q}`, 'the view’s filter');
    assert.deepEqual(byView, byQuery);
    const p = byView.columns.find((c) => c.stage === 'prospecting');
    assert.ok(p.count > 0 && p.count < 50, `prospecting under the view: ${p.count}`);
    const narrowed = expectStatus(await srv.api('GET', `/board?view=${id}&stage=qualification`, admin), 200);
    assert.deepEqual(narrowed, await checkBoard(srv, admin, `owner=amy&q=${q}&stage=qualification`, 'view plus stage'));
    expectStatus(await srv.api('GET', `/board?view=${id}`, amy), 403, 'auth.forbidden'); // another user's private view
    expectStatus(await srv.api('GET', '/board?view=999999', admin), 404);
  });

  test('visibility: a member sees only her deals, unless members see all', async () => {
    const b = await checkBoard(srv, amy, '', 'amy');
    const owners = new Set(b.columns.flatMap((c) => c.cards.map((d) => d.owner)));
    assert.deepEqual([...owners], ['amy']);
    const p = b.columns.find((c) => c.stage === 'prospecting');
    assert.ok(p.count > 0 && p.count < EXTRA, `amy's prospecting: ${p.count}`);
    const none = expectStatus(await srv.api('GET', '/board?owner=ben', amy), 200);
    assert.ok(none.columns.every((c) => c.count === 0 && c.cards.length === 0), 'amy sees none of ben’s');
    await checkBoard(srv, ben, 'stage=prospecting', 'ben, one stage');

    const g = expectStatus(await srv.api('GET', '/workspace', admin), 200);
    expectStatus(await srv.api('PATCH', '/workspace', { ...admin, ifMatch: g.version, body: { members_see_all: true } }), 200);
    try {
      const all = await checkBoard(srv, amy, '', 'amy, members see all');
      assert.equal(all.columns.find((c) => c.stage === 'prospecting').count, EXTRA + 1);
    } finally {
      const w = expectStatus(await srv.api('GET', '/workspace', admin), 200);
      expectStatus(await srv.api('PATCH', '/workspace', { ...admin, ifMatch: w.version, body: { members_see_all: false } }), 200);
    }
  });

  test('a move shows in the next board: version, column and figures', async () => {
    const b = expectStatus(await srv.api('GET', '/board', admin), 200);
    const card = b.columns.find((c) => c.stage === 'prospecting').cards[0];
    const m = await srv.api('POST', `/deals/${card.id}/move`, { ...admin, ifMatch: card.version, body: { stage: 'qualification' } });
    expectStatus(m, 200);
    const a = await checkBoard(srv, admin, '', 'after the move');
    const q = a.columns.find((c) => c.stage === 'qualification');
    const moved = q.cards.find((d) => d.id === card.id);
    assert.equal(moved.version, card.version + 1);
    assert.equal(moved.stalled, undefined, 'qualification never stalls');
    assert.equal(a.columns.find((c) => c.stage === 'prospecting').count, EXTRA);
    expectStatus(await srv.api('POST', `/deals/${card.id}/move`, { ...admin, ifMatch: moved.version, body: { stage: 'prospecting' } }), 200);
  });

  test('gzip when the client asks for it, the same answer', async () => {
    const raw = (enc) => new Promise((resolve, reject) => {
      const headers = { authorization: `Bearer ${admin.token}` };
      if (enc !== undefined) headers['accept-encoding'] = enc;
      http.get({ host: '127.0.0.1', port: srv.port, path: `${API}/board`, headers }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
    const plain = await raw(undefined);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(plain.headers.vary || '', /Accept-Encoding/i);
    const gz = await raw('gzip, deflate, br');
    assert.equal(gz.status, 200);
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gz.body.length * 3 < plain.body.length, `gzip ${gz.body.length} of ${plain.body.length} bytes`);
    assert.deepEqual(JSON.parse(zlib.gunzipSync(gz.body).toString('utf8')), JSON.parse(plain.body.toString('utf8')));
    const refused = await raw('gzip;q=0, identity');
    assert.equal(refused.headers['content-encoding'], undefined);
    // a small answer (one short column page) is not worth compressing
    const small = await request(srv.port, 'GET', `${API}/board?stage=closed_won&after=1`, { headers: { authorization: `Bearer ${admin.token}`, 'accept-encoding': 'gzip' } });
    assert.equal(small.headers['content-encoding'], undefined, small.text);
    assert.equal(small.status, 200);
  });

  test('bad parameters are 400 and name the parameter', async () => {
    for (const [q, field] of [
      ['after=5', 'after'],
      ['stage=prospecting&after=x', 'after'],
      ['stage=prospecting&after=0', 'after'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['stage=nope', 'stage'],
      ['status=maybe', 'status'],
      ['close_from=2027-13-01', 'close_from'],
      ['owner=nobody', 'owner'],
    ]) {
      const r = await srv.api('GET', `/board?${q}`, admin);
      expectStatus(r, 400, undefined, q);
      assert.equal(r.json.error.field, field, `${q}: ${fmt(r)}`);
    }
  });

  test('401 without a valid credential, also for a deactivated user’s session', async () => {
    expectStatus(await srv.api('GET', '/board'), 401);
    expectStatus(await srv.api('GET', '/board', { token: 'lc_not-a-token' }), 401);
    const chen = await srv.login('chen');
    expectStatus(await srv.api('GET', '/board', chen), 200);
    const users = expectStatus(await srv.api('GET', '/users', admin), 200).items;
    const u = users.find((x) => x.username === 'chen');
    expectStatus(await srv.api('PATCH', `/users/${u.id}`, { ...admin, ifMatch: u.version, body: { active: false } }), 200);
    const r = await srv.api('GET', '/board', chen);
    expectStatus(r, 401);
    assert.ok(!r.text.includes('批次案'), 'no card for a deactivated user');
  });
});
