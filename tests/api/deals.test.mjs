// deals.test.mjs - record shapes, list filters and paging, amounts and the
// rounding of expected revenue.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SEED, allDeals, expectStatus, fmt, startServer } from './helpers.mjs';

const KEYS = {
  deal: ['id', 'company_id', 'company', 'name', 'amount', 'currency', 'stage_id', 'stage', 'status', 'probability',
    'probability_override', 'expected', 'owner_id', 'owner', 'owner_name', 'assigned_by', 'assigned_at', 'close_date',
    'next_step', 'created_by', 'created_at', 'updated_at', 'version'],
  workspace: ['id', 'slug', 'name', 'currency', 'language', 'members_see_all', 'version'],
  user: ['id', 'username', 'display_name', 'email', 'role', 'active', 'version', 'created_at'],
  stage: ['id', 'key', 'name_zh', 'name_en', 'guidance', 'probability', 'kind', 'position', 'version'],
  company: ['id', 'name', 'website', 'phone', 'version', 'created_at', 'updated_at'],
  history: ['id', 'deal_id', 'from_stage', 'to_stage', 'from_stage_id', 'to_stage_id', 'changed_by', 'changed_at'],
};
const hasKeys = (o, what) => {
  const missing = KEYS[what].filter((k) => !(k in o));
  assert.deepEqual(missing, [], `${what} lacks keys: ${JSON.stringify(o)}`);
};
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe('deals and records', () => {
  let srv;
  let admin;
  before(async () => {
    srv = await startServer();
    admin = await srv.as('admin');
  });
  after(async () => {
    await srv?.stop();
  });

  test('records carry the documented fields', async () => {
    const d = (await allDeals(srv, admin))[0];
    hasKeys(d, 'deal');
    const g = await srv.api('GET', `/deals/${d.id}`, admin);
    hasKeys(g.json, 'deal');
    assert.match(g.json.created_at, RFC3339);
    assert.match(g.json.updated_at, RFC3339);
    assert.ok(['open', 'won', 'lost'].includes(g.json.status));
    hasKeys((await srv.api('GET', '/workspace', admin)).json, 'workspace');
    for (const u of (await srv.api('GET', '/users', admin)).json.items) hasKeys(u, 'user');
    for (const s of (await srv.api('GET', '/stages', admin)).json.items) hasKeys(s, 'stage');
    const c = await srv.api('GET', `/companies/${d.company_id}`, admin);
    expectStatus(c, 200);
    hasKeys(c.json, 'company');
    const h = await srv.api('GET', `/deals/${d.id}/history`, admin);
    for (const x of h.json.items) hasKeys(x, 'history');
    const first = h.json.items.find((x) => !x.from_stage_id);
    assert.ok(first, `the creation row has no from_stage: ${fmt(h)}`);
    assert.equal(first.to_stage, d.stage);
    const me = await srv.api('GET', '/me', admin);
    hasKeys(me.json.user, 'user');
    hasKeys(me.json.workspace, 'workspace');
  });

  test('single records carry ETag "<version>"', async () => {
    const d = (await allDeals(srv, admin))[0];
    for (const p of [`/deals/${d.id}`, `/companies/${d.company_id}`, `/stages/${d.stage_id}`, `/users/${d.owner_id}`, '/workspace']) {
      const r = await srv.api('GET', p, admin);
      expectStatus(r, 200, undefined, p);
      assert.equal(r.headers.get('etag'), `"${r.json.version}"`, p);
    }
  });

  test('GET /deals filters: owner, stage, status, q, close dates, amounts', async () => {
    const names = (xs) => xs.map((d) => d.name).sort();
    const seed = (f) => SEED.filter(f).map((r) => r.deal).sort();
    assert.deepEqual(names(await allDeals(srv, admin, 'owner=chen')), seed((r) => r.owner === 'chen'));
    assert.deepEqual(names(await allDeals(srv, admin, 'stage=value_proposition')), ['工地管理平台']);
    assert.deepEqual(names(await allDeals(srv, admin, 'status=lost')), seed((r) => r.stage === '失敗'));
    assert.deepEqual(names(await allDeals(srv, admin, 'status=won')), ['雲端遷移']);
    assert.equal((await allDeals(srv, admin, 'status=open')).length, 7);
    assert.deepEqual(names(await allDeals(srv, admin, `q=${encodeURIComponent('管理')}`)), ['備品管理', '工地管理平台'].sort());
    assert.deepEqual(
      names(await allDeals(srv, admin, 'close_from=2027-01-01&close_to=2027-01-31')),
      seed((r) => r.close_date >= '2027-01-01' && r.close_date <= '2027-01-31'),
    );
    assert.deepEqual(
      names(await allDeals(srv, admin, 'amount_min=150000&amount_max=500000')),
      seed((r) => r.amount >= 150000 && r.amount <= 500000),
    );
    const comp = (await allDeals(srv, admin)).find((d) => d.company === 'HHH製造股份有限公司').company_id;
    assert.deepEqual(names(await allDeals(srv, admin, `company=${comp}`)), ['備品管理', '產線看板'].sort());
    assert.deepEqual(await allDeals(srv, admin, 'owner=nobody').catch(() => []), []);
  });

  test('GET /deals sorting and paging', async () => {
    const byAmount = await allDeals(srv, admin, 'sort=amount&order=desc');
    assert.deepEqual(byAmount.map((d) => d.amount), SEED.map((r) => r.amount).sort((a, b) => b - a));
    const byName = await allDeals(srv, admin, 'sort=close_date&order=asc');
    assert.deepEqual(byName.map((d) => d.close_date), SEED.map((r) => r.close_date).sort());
    const p1 = await srv.api('GET', '/deals?sort=id&limit=4&offset=0&total=1', admin);
    expectStatus(p1, 200);
    assert.equal(p1.json.items.length, 4);
    assert.equal(p1.json.limit, 4);
    assert.equal(p1.json.offset, 0);
    assert.equal(p1.json.total, 10);
    const p3 = await srv.api('GET', '/deals?sort=id&limit=4&offset=8', admin);
    assert.equal(p3.json.items.length, 2);
    assert.ok(!('total' in p3.json) || p3.json.total === 10);
    const ids = [...p1.json.items, ...(await srv.api('GET', '/deals?sort=id&limit=4&offset=4', admin)).json.items, ...p3.json.items].map((d) => d.id);
    assert.equal(new Set(ids).size, 10, 'pages do not overlap');
    const def = await srv.api('GET', '/deals', admin);
    assert.equal(def.json.limit, 50);
  });

  test('amounts: decimal strings, fractions, and expected rounded half away from zero', async () => {
    const mk = async (body) => {
      const r = await srv.api('POST', '/deals', { ...admin, body: { company: 'Rounding 公司', stage: 'value_proposition', ...body } });
      expectStatus(r, 201, undefined, JSON.stringify(body));
      return r.json;
    };
    const a = await mk({ name: 'r1', amount: '1234.56' });
    assert.equal(a.amount, 1234.56);
    assert.equal(a.expected, 617.28);
    const b = await mk({ name: 'r2', amount: 1.01 }); // 101 minor x 50% = 50.5 -> 51
    assert.equal(b.expected, 0.51);
    const c = await mk({ name: 'r3', amount: 0.03, probability: 50 }); // 1.5 -> 2
    assert.equal(c.expected, 0.02);
    assert.equal(c.probability, 50);
    assert.equal(c.probability_override, 50);
    const d = await mk({ name: 'r4', amount: 1000, probability: 33 });
    assert.equal(d.expected, 330);
    const e = await mk({ name: 'r5', amount: 10000000000000 }); // 10^13: the cap
    assert.equal(e.amount, 10000000000000);
    // The summary adds them exactly.
    const s = await srv.api('GET', '/reports/summary', admin);
    assert.equal(s.json.open.amount, 2358000 + 1234.56 + 1.01 + 0.03 + 1000 + 10000000000000);
    for (const x of [a, b, c, d, e]) expectStatus(await srv.api('DELETE', `/deals/${x.id}`, { ...admin, ifMatch: x.version }), 204);
    const s2 = await srv.api('GET', '/reports/summary', admin);
    assert.deepEqual(s2.json.open, { count: 7, amount: 2358000, expected: 1295200 });
  });

  test('a probability override applies and shows in the summary', async () => {
    const d = (await allDeals(srv, admin)).find((x) => x.name === '工地管理平台');
    assert.equal(d.probability_override, null);
    const p = await srv.api('PATCH', `/deals/${d.id}`, { ...admin, ifMatch: d.version, body: { probability: 80 } });
    expectStatus(p, 200);
    assert.equal(p.json.probability, 80);
    assert.equal(p.json.expected, 800000);
    const s = await srv.api('GET', '/reports/summary', admin);
    assert.equal(s.json.open.expected, 1295200 + 300000);
    const back = await srv.api('PATCH', `/deals/${d.id}`, { ...admin, ifMatch: p.json.version, body: { probability: null } });
    expectStatus(back, 200);
    assert.equal(back.json.probability, 50);
    assert.equal(back.json.probability_override, null);
  });

  test('POST /deals: company by id or name, stage by key, zh-TW or English name, owner assigned', async () => {
    const comp = await srv.api('POST', '/companies', { ...admin, body: { name: 'LLL 新創', website: 'https://lll.example', phone: '02-1234-5678' } });
    expectStatus(comp, 201);
    const byId = await srv.api('POST', '/deals', { ...admin, body: { company_id: comp.json.id, name: 'by id', amount: 1, stage: 'Needs Analysis', owner: 'ben' } });
    expectStatus(byId, 201);
    assert.equal(byId.json.company, 'LLL 新創');
    assert.equal(byId.json.stage, 'needs_analysis');
    assert.equal(byId.json.owner, 'ben');
    assert.equal(byId.json.assigned_by, admin.json.user.id);
    assert.equal(byId.json.created_by, admin.json.user.id);
    const byZh = await srv.api('POST', '/deals', { ...admin, body: { company: 'LLL 新創', name: 'by zh', amount: 1, stage: '談判/檢視' } });
    expectStatus(byZh, 201);
    assert.equal(byZh.json.company_id, comp.json.id);
    assert.equal(byZh.json.stage, 'negotiation_review');
    const noStage = await srv.api('POST', '/deals', { ...admin, body: { company: 'LLL 新創', name: 'default stage', amount: 1 } });
    expectStatus(noStage, 201);
    assert.equal(noStage.json.stage, 'prospecting');
    for (const x of [byId, byZh, noStage]) expectStatus(await srv.api('DELETE', `/deals/${x.json.id}`, { ...admin, ifMatch: x.json.version }), 204);
  });
});
