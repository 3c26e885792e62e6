// access.test.mjs - roles, deal visibility (members_see_all), workspaces.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DEMO_PASSWORD,
  SEED,
  allDeals,
  checkSummary,
  expectStatus,
  expectedSummary,
  fmt,
  items,
  stageByKey,
  startServer,
} from './helpers.mjs';

const namesOf = (owner) => SEED.filter((r) => r.owner === owner).map((r) => r.deal).sort();

describe('access control', () => {
  let srv;
  let admin, amy, ben;
  let bensDeal; // CCC 工地管理平台 (ben)
  let amysDeal; // HHH 產線看板 (amy)
  let ws;

  async function setMembersSeeAll(on) {
    const g = await srv.api('GET', '/workspace', admin);
    expectStatus(g, 200);
    const p = await srv.api('PATCH', '/workspace', { ...admin, ifMatch: g.json.version, body: { members_see_all: on } });
    expectStatus(p, 200);
    assert.equal(p.json.members_see_all, on);
    ws = p.json;
  }
  const fresh = async (id) => (await srv.api('GET', `/deals/${id}`, admin)).json;

  before(async () => {
    srv = await startServer();
    [admin, amy, ben] = await Promise.all([srv.as('admin'), srv.as('amy'), srv.as('ben')]);
    const deals = await allDeals(srv, admin);
    bensDeal = deals.find((d) => d.name === '工地管理平台');
    amysDeal = deals.find((d) => d.name === '產線看板');
    assert.ok(bensDeal && amysDeal);
    assert.equal(bensDeal.owner, 'ben');
    assert.equal(amysDeal.owner, 'amy');
  });
  after(async () => {
    await srv?.stop();
  });

  describe('members_see_all off', () => {
    test('the demo workspace starts with members_see_all off', async () => {
      const g = await srv.api('GET', '/workspace', amy);
      expectStatus(g, 200);
      assert.equal(g.json.members_see_all, false);
      assert.equal(g.json.slug, 'demo');
    });

    test("amy cannot read ben's deal or its history: 403", async () => {
      expectStatus(await srv.api('GET', `/deals/${bensDeal.id}`, amy), 403, 'auth.forbidden');
      expectStatus(await srv.api('GET', `/deals/${bensDeal.id}/history`, amy), 403, 'auth.forbidden');
    });

    test("amy cannot PATCH, move or delete ben's deal: 403, nothing changes", async () => {
      const v = bensDeal.version;
      expectStatus(await srv.api('PATCH', `/deals/${bensDeal.id}`, { ...amy, ifMatch: v, body: { name: 'hijack' } }), 403, 'auth.forbidden');
      expectStatus(await srv.api('POST', `/deals/${bensDeal.id}/move`, { ...amy, ifMatch: v, body: { stage: 'value_proposition' } }), 403, 'auth.forbidden');
      expectStatus(await srv.api('DELETE', `/deals/${bensDeal.id}`, { ...amy, ifMatch: v }), 403, 'auth.forbidden');
      const now = await fresh(bensDeal.id);
      assert.equal(now.name, '工地管理平台');
      assert.equal(now.version, v);
    });

    test('amy GET /deals lists only her deals, filters cannot widen it', async () => {
      const mine = await allDeals(srv, amy);
      assert.deepEqual(mine.map((d) => d.name).sort(), namesOf('amy'));
      assert.ok(mine.every((d) => d.owner === 'amy'));
      assert.deepEqual(await allDeals(srv, amy, 'owner=ben'), []);
      const t = await srv.api('GET', '/deals?total=1', amy);
      expectStatus(t, 200);
      assert.equal(t.json.total, namesOf('amy').length, fmt(t));
      const q = await allDeals(srv, amy, `q=${encodeURIComponent('工地')}`);
      assert.deepEqual(q, [], 'search must not find invisible deals');
    });

    test('amy summary covers only her deals', async () => {
      const r = await srv.api('GET', '/reports/summary', amy);
      expectStatus(r, 200);
      checkSummary(r.json, expectedSummary((row) => row.owner === 'amy'), 'amy summary');
      const other = await srv.api('GET', '/reports/summary?owner=ben', amy);
      expectStatus(other, 200);
      checkSummary(other.json, expectedSummary(() => false), 'amy summary ?owner=ben');
    });

    test('CLI deal list --as amy lists only her deals', async () => {
      const r = await srv.cliJson(['deal', 'list', '--json', '--as', 'amy']);
      assert.deepEqual(items(r).map((d) => d.name).sort(), namesOf('amy'));
      const s = await srv.cliJson(['report', 'summary', '--json', '--as', 'amy']);
      checkSummary(s, expectedSummary((row) => row.owner === 'amy'), 'CLI summary --as amy');
    });

    test('amy may read and move her own deal', async () => {
      const g = await srv.api('GET', `/deals/${amysDeal.id}`, amy);
      expectStatus(g, 200);
      const m = await srv.api('PATCH', `/deals/${amysDeal.id}`, { ...amy, ifMatch: g.json.version, body: { next_step: '簽約' } });
      expectStatus(m, 200);
      assert.equal(m.json.next_step, '簽約');
      amysDeal = m.json;
    });

    test('a member cannot change the owner: 403', async () => {
      const r = await srv.api('PATCH', `/deals/${amysDeal.id}`, { ...amy, ifMatch: amysDeal.version, body: { owner: 'ben' } });
      // The table's 403 codes are examples: a specific *forbidden code is fine.
      expectStatus(r, 403, undefined, 'member changes owner');
      assert.match(r.json?.error?.code || '', /forbidden/, fmt(r));
      const now = await fresh(amysDeal.id);
      assert.equal(now.owner, 'amy');
      assert.equal(now.version, amysDeal.version);
    });

    test('a member cannot PATCH stages, create users, change the workspace: 403', async () => {
      const vp = await stageByKey(srv, 'value_proposition', amy);
      expectStatus(await srv.api('PATCH', `/stages/${vp.id}`, { ...amy, ifMatch: vp.version, body: { probability: 99 } }), 403, 'auth.forbidden');
      expectStatus(await srv.api('POST', '/stages', { ...amy, body: { key: 'amy_stage', name_zh: '甲', name_en: 'A', probability: 5, kind: 'open' } }), 403, 'auth.forbidden');
      expectStatus(await srv.api('DELETE', `/stages/${vp.id}`, { ...amy, ifMatch: vp.version }), 403, 'auth.forbidden');
      expectStatus(
        await srv.api('POST', '/users', { ...amy, body: { username: 'eve', password: 'password-123', role: 'admin' } }),
        403,
        'auth.forbidden',
      );
      const g = await srv.api('GET', '/workspace', amy);
      expectStatus(await srv.api('PATCH', '/workspace', { ...amy, ifMatch: g.json.version, body: { members_see_all: true } }), 403, 'auth.forbidden');
      // Still unchanged.
      assert.equal((await stageByKey(srv, 'value_proposition', admin)).probability, 50);
      assert.equal((await srv.api('GET', '/workspace', admin)).json.members_see_all, false);
    });

    test('a member cannot make another member admin, nor herself', async () => {
      const users = (await srv.api('GET', '/users', amy)).json.items;
      const me = users.find((u) => u.username === 'amy');
      const r = await srv.api('PATCH', `/users/${me.id}`, { ...amy, ifMatch: me.version, body: { role: 'admin' } });
      expectStatus(r, 403, 'auth.forbidden');
      const ok = await srv.api('PATCH', `/users/${me.id}`, { ...amy, ifMatch: me.version, body: { display_name: 'Amy 林' } });
      expectStatus(ok, 200);
      assert.equal(ok.json.display_name, 'Amy 林');
      assert.equal(ok.json.role, 'member');
    });

    test("a member's new deal is her own", async () => {
      const r = await srv.api('POST', '/deals', { ...amy, body: { company: 'AMY 自建公司', name: 'amy 自己的案子', amount: 1000, stage: 'value_proposition' } });
      expectStatus(r, 201);
      assert.equal(r.json.owner, 'amy');
      expectStatus(await srv.api('DELETE', `/deals/${r.json.id}`, { ...amy, ifMatch: r.json.version }), 204);
      expectStatus(await srv.api('GET', `/deals/${r.json.id}`, admin), 404, 'deal.not_found');
    });
  });

  describe('members_see_all on', () => {
    before(async () => setMembersSeeAll(true));
    after(async () => setMembersSeeAll(false));

    test("amy can read ben's deal and its history", async () => {
      const g = await srv.api('GET', `/deals/${bensDeal.id}`, amy);
      expectStatus(g, 200);
      assert.equal(g.json.name, '工地管理平台');
      expectStatus(await srv.api('GET', `/deals/${bensDeal.id}/history`, amy), 200);
      const all = await allDeals(srv, amy);
      assert.equal(all.length, SEED.length);
      const s = await srv.api('GET', '/reports/summary', amy);
      assert.deepEqual(s.json.open, { count: 7, amount: 2358000, expected: 1295200 }, fmt(s));
    });

    test("amy still cannot modify ben's deal: 403", async () => {
      const v = (await fresh(bensDeal.id)).version;
      expectStatus(await srv.api('PATCH', `/deals/${bensDeal.id}`, { ...amy, ifMatch: v, body: { next_step: 'x' } }), 403, 'auth.forbidden');
      expectStatus(await srv.api('POST', `/deals/${bensDeal.id}/move`, { ...amy, ifMatch: v, body: { stage: '成交' } }), 403, 'auth.forbidden');
      expectStatus(await srv.api('DELETE', `/deals/${bensDeal.id}`, { ...amy, ifMatch: v }), 403, 'auth.forbidden');
      assert.equal((await fresh(bensDeal.id)).version, v);
    });
  });

  describe('managers', () => {
    let mgr;
    before(async () => {
      const c = await srv.api('POST', '/users', {
        ...admin,
        body: { username: 'mia', password: 'manager-pass-1', display_name: 'Mia', email: 'mia@example.com', role: 'manager' },
      });
      expectStatus(c, 201);
      assert.equal(c.json.role, 'manager');
      mgr = await srv.login('mia', { password: 'manager-pass-1' });
    });

    test('a manager sees every deal and the whole summary', async () => {
      assert.equal((await allDeals(srv, mgr)).length, SEED.length);
      expectStatus(await srv.api('GET', `/deals/${bensDeal.id}`, mgr), 200);
      const s = await srv.api('GET', '/reports/summary', mgr);
      checkSummary(s.json, expectedSummary(), 'manager summary');
    });

    test('a manager may reassign a deal (recorded as assigned by them)', async () => {
      const d = await fresh(bensDeal.id);
      const r = await srv.api('PATCH', `/deals/${d.id}`, { ...mgr, ifMatch: d.version, body: { owner: 'chen' } });
      expectStatus(r, 200);
      assert.equal(r.json.owner, 'chen');
      assert.equal(r.json.assigned_by, mgr.json.user.id);
      // ben no longer sees it; chen does.
      expectStatus(await srv.api('GET', `/deals/${d.id}`, ben), 403, 'auth.forbidden');
      const chen = await srv.as('chen');
      expectStatus(await srv.api('GET', `/deals/${d.id}`, chen), 200);
      const back = await srv.api('PATCH', `/deals/${d.id}`, { ...mgr, ifMatch: r.json.version, body: { owner: 'ben' } });
      expectStatus(back, 200);
    });

    test('a manager may change a stage probability but not its name', async () => {
      const s = (await srv.api('GET', '/stages', admin)).json.items.find((x) => x.name_zh === '認知分析');
      assert.ok(s, 'stage 認知分析');
      const p = await srv.api('PATCH', `/stages/${s.id}`, { ...mgr, ifMatch: s.version, body: { probability: s.probability } });
      expectStatus(p, 200);
      const n = await srv.api('PATCH', `/stages/${s.id}`, { ...mgr, ifMatch: p.json.version, body: { name_en: 'Renamed' } });
      expectStatus(n, 403, 'auth.forbidden');
      expectStatus(await srv.api('POST', '/users', { ...mgr, body: { username: 'mgr2', password: 'password-123', role: 'member' } }), 403, 'auth.forbidden');
    });
  });

  describe('another workspace on the same database', () => {
    let boss;
    before(async () => {
      const r = await srv.cli(['init', '--workspace', 'acme', '--admin', 'boss', '--password', 'boss-pass-123']);
      assert.equal(r.code, 0, `init acme: ${r.stdout}\n${r.stderr}`);
      boss = await srv.login('boss', { workspace: 'acme', password: 'boss-pass-123' });
      assert.equal(boss.json.workspace.slug, 'acme');
    });

    test('boss cannot log in to demo, nor demo users to acme', async () => {
      const a = await srv.api('POST', '/login', { body: { workspace: 'demo', username: 'boss', password: 'boss-pass-123' } });
      expectStatus(a, 401, 'auth.invalid_credentials');
      const b = await srv.api('POST', '/login', { body: { workspace: 'acme', username: 'admin', password: DEMO_PASSWORD } });
      expectStatus(b, 401, 'auth.invalid_credentials');
    });

    test("a demo deal does not exist for acme's admin: 404 on GET, PATCH, move, DELETE, history", async () => {
      const v = (await fresh(bensDeal.id)).version;
      const id = bensDeal.id;
      expectStatus(await srv.api('GET', `/deals/${id}`, boss), 404, 'deal.not_found');
      expectStatus(await srv.api('PATCH', `/deals/${id}`, { ...boss, ifMatch: v, body: { name: 'x' } }), 404, 'deal.not_found');
      expectStatus(await srv.api('POST', `/deals/${id}/move`, { ...boss, ifMatch: v, body: { stage: 'value_proposition' } }), 404, 'deal.not_found');
      expectStatus(await srv.api('DELETE', `/deals/${id}`, { ...boss, ifMatch: v }), 404, 'deal.not_found');
      expectStatus(await srv.api('GET', `/deals/${id}/history`, boss), 404, 'deal.not_found');
      const now = await fresh(id);
      assert.equal(now.version, v);
      assert.equal(now.name, '工地管理平台');
    });

    test("demo's stages, users and companies do not exist for acme", async () => {
      const vp = await stageByKey(srv, 'value_proposition', admin);
      assert.equal((await srv.api('GET', `/stages/${vp.id}`, boss)).status, 404);
      assert.equal((await srv.api('PATCH', `/stages/${vp.id}`, { ...boss, ifMatch: vp.version, body: { probability: 1 } })).status, 404);
      assert.equal((await srv.api('DELETE', `/stages/${vp.id}`, { ...boss, ifMatch: vp.version })).status, 404);
      assert.equal((await stageByKey(srv, 'value_proposition', admin)).probability, 50);
      assert.equal((await srv.api('GET', `/users/${amy.json.user.id}`, boss)).status, 404);
      assert.equal((await srv.api('GET', `/companies/${bensDeal.company_id}`, boss)).status, 404);
      const users = (await srv.api('GET', '/users', boss)).json.items.map((u) => u.username);
      assert.deepEqual(users, ['boss']);
      const comps = await srv.api('GET', '/companies?limit=500', boss);
      assert.deepEqual(comps.json.items, [], fmt(comps));
    });

    test("GET /deals shows none of demo's deals; summary is empty", async () => {
      assert.deepEqual(await allDeals(srv, boss), []);
      const t = await srv.api('GET', '/deals?total=1', boss);
      assert.equal(t.json.total, 0, fmt(t));
      const s = await srv.api('GET', '/reports/summary', boss);
      expectStatus(s, 200);
      assert.deepEqual(s.json.won, { count: 0, amount: 0 }, fmt(s));
      assert.deepEqual(s.json.lost, { count: 0, amount: 0 }, fmt(s));
      assert.deepEqual(s.json.open, { count: 0, amount: 0, expected: 0 }, fmt(s));
      assert.ok(s.json.stages.every((x) => x.count === 0 && x.amount === 0), fmt(s));
    });

    test("acme's own deal is invisible to demo", async () => {
      const c = await srv.api('POST', '/deals', { ...boss, body: { company: 'ACME Corp', name: 'acme deal', amount: 10, stage: 'value_proposition' } });
      expectStatus(c, 201);
      expectStatus(await srv.api('GET', `/deals/${c.json.id}`, admin), 404, 'deal.not_found');
      assert.ok(!(await allDeals(srv, admin)).some((d) => d.id === c.json.id));
      const s = await srv.api('GET', '/reports/summary', admin);
      assert.equal(s.json.open.count, 7, fmt(s));
      // A demo company name is free in acme (uniqueness is per workspace).
      expectStatus(await srv.api('POST', '/companies', { ...boss, body: { name: 'CCC營造股份有限公司' } }), 201);
    });
  });
});
