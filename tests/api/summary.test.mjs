// summary.test.mjs - the article's dashboard, through the CLI and the API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  SEED,
  checkSummary,
  etagVersion,
  expectStatus,
  expectedSummary,
  fmt,
  items,
  stageByKey,
  startServer,
  dealByName,
} from './helpers.mjs';

const ARTICLE = {
  currency: 'TWD',
  won: { count: 1, amount: 125000 },
  lost: { count: 2, amount: 55000 },
  open: { count: 7, amount: 2358000, expected: 1295200 },
};
const VALUE_PROP = {
  key: 'value_proposition',
  name: '價值主張',
  probability: 50,
  kind: 'open',
  count: 1,
  amount: 1000000,
  expected: 500000,
};

function checkArticle(s, what) {
  const m = `${what}: ${JSON.stringify(s)?.slice(0, 2000)}`;
  assert.equal(s.currency, ARTICLE.currency, m);
  assert.deepEqual(s.won, ARTICLE.won, m);
  assert.deepEqual(s.lost, ARTICLE.lost, m);
  assert.deepEqual(s.open, ARTICLE.open, m);
  assert.ok(Array.isArray(s.stages), m);
  assert.equal(s.stages.length, 10, m);
  const vp = s.stages.find((x) => x.key === 'value_proposition');
  assert.ok(vp, `no value_proposition stage; ${m}`);
  for (const [k, v] of Object.entries(VALUE_PROP)) assert.deepEqual(vp[k], v, `value_proposition.${k}; ${m}`);
  // Per-stage figures of the whole seed.
  checkSummary(s, expectedSummary(), what);
}

describe('summary: the article figures', () => {
  let srv;
  let srv2;
  before(async () => {
    [srv, srv2] = await Promise.all([startServer(), startServer()]);
  });
  after(async () => {
    await Promise.all([srv?.stop(), srv2?.stop()]);
  });

  test('the seed CSV itself adds up to the article', () => {
    const e = expectedSummary();
    assert.deepEqual(e.won, ARTICLE.won);
    assert.deepEqual(e.lost, ARTICLE.lost);
    assert.deepEqual(e.open, ARTICLE.open);
    assert.equal(SEED.length, 10);
  });

  test('CLI report summary --json gives the article figures', async () => {
    checkArticle(await srv.cliJson(['report', 'summary', '--json']), 'CLI summary');
  });

  test('GET /reports/summary gives the article figures, stages in pipeline order', async () => {
    const admin = await srv.as('admin');
    const r = await srv.api('GET', '/reports/summary', admin);
    expectStatus(r, 200);
    checkArticle(r.json, 'API summary');
    const st = await srv.api('GET', '/stages', admin);
    expectStatus(st, 200);
    assert.equal(st.json.items.length, 10, fmt(st));
    const positions = st.json.items.map((x) => x.position);
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), `GET /stages not in position order: ${fmt(st)}`);
    assert.deepEqual(
      r.json.stages.map((x) => x.key),
      st.json.items.map((x) => x.key),
      'summary stages are not in pipeline order',
    );
    // The article's pipeline: eight open stages, then won, then lost.
    assert.deepEqual(
      r.json.stages.map((x) => x.kind),
      ['open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'won', 'lost'],
    );
    assert.deepEqual(
      r.json.stages.map((x) => x.probability),
      [10, 10, 20, 50, 60, 70, 75, 90, 100, 0],
    );
  });

  test('CLI and API summaries are identical', async () => {
    const cli = await srv.cliJson(['report', 'summary', '--json']);
    const r = await srv.api('GET', '/reports/summary', await srv.as('admin'));
    assert.deepEqual(cli, r.json);
  });

  test('lang=en names the stages in English', async () => {
    const r = await srv.api('GET', '/reports/summary?lang=en', await srv.as('admin'));
    expectStatus(r, 200);
    const vp = r.json.stages.find((x) => x.key === 'value_proposition');
    assert.equal(vp.name, 'Value Proposition', fmt(r));
    assert.deepEqual(r.json.open, ARTICLE.open);
  });

  test('owner filter: ?owner=amy and --owner amy equal the hand-computed figures', async () => {
    const admin = await srv.as('admin');
    for (const owner of ['amy', 'ben', 'chen']) {
      const want = expectedSummary((row) => row.owner === owner);
      const r = await srv.api('GET', `/reports/summary?owner=${owner}`, admin);
      expectStatus(r, 200);
      checkSummary(r.json, want, `API summary owner=${owner}`);
      const cli = await srv.cliJson(['report', 'summary', '--owner', owner, '--json']);
      checkSummary(cli, want, `CLI summary --owner ${owner}`);
    }
    // amy by hand: open BBB 150000@10 + EEE 174000@20 + HHH 500000@90; lost 25000.
    const r = await srv.api('GET', '/reports/summary?owner=amy', admin);
    assert.deepEqual(r.json.open, { count: 3, amount: 824000, expected: 499800 }, fmt(r));
    assert.deepEqual(r.json.won, { count: 0, amount: 0 }, fmt(r));
    assert.deepEqual(r.json.lost, { count: 1, amount: 25000 }, fmt(r));
  });

  test('close_from/close_to filter the summary', async () => {
    const admin = await srv.as('admin');
    const r = await srv.api('GET', '/reports/summary?close_from=2027-01-01&close_to=2027-01-31', admin);
    expectStatus(r, 200);
    checkSummary(r.json, expectedSummary((row) => row.close_date >= '2027-01-01' && row.close_date <= '2027-01-31'), 'close window');
  });

  test("the deal list's filters filter the summary the same way", async () => {
    const admin = await srv.as('admin');
    const member = await srv.as('amy');
    const company = SEED.find((r) => r.company.startsWith('CCC'));
    const companies = items((await srv.api('GET', `/companies?q=${encodeURIComponent(company.company)}`, admin)).json);
    const cid = companies.find((c) => c.name === company.company).id;
    const cases = [
      ['stage=value_proposition', (r) => r.stage === '價值主張'],
      ['status=open', (r) => r.stage !== '成交' && r.stage !== '失敗'],
      ['status=lost', (r) => r.stage === '失敗'],
      [`company=${cid}`, (r) => r.company === company.company],
      ['amount_min=150000', (r) => r.amount >= 150000],
      ['amount_min=100000&amount_max=200000&owner=ben', (r) => r.amount >= 100000 && r.amount <= 200000 && r.owner === 'ben'],
      [`q=${encodeURIComponent('營造')}`, (r) => r.company.includes('營造') || r.deal.includes('營造')],
      [`status=open&close_from=2027-01-01&q=${encodeURIComponent('系統')}`, (r) => r.stage !== '成交' && r.stage !== '失敗' && r.close_date >= '2027-01-01' && (r.company.includes('系統') || r.deal.includes('系統'))],
    ];
    for (const [q, keep] of cases) {
      const r = await srv.api('GET', `/reports/summary?${q}`, admin);
      expectStatus(r, 200, undefined, q);
      checkSummary(r.json, expectedSummary(keep), `summary ?${q}`);
      // a member's summary under the same filter covers her own deals only
      const m = await srv.api('GET', `/reports/summary?${q}`, member);
      expectStatus(m, 200, undefined, q);
      checkSummary(m.json, expectedSummary((row) => keep(row) && row.owner === 'amy'), `amy's summary ?${q}`);
    }
    expectStatus(await srv.api('GET', '/reports/summary?stage=nope', admin), 400, 'request.bad_parameter');
    expectStatus(await srv.api('GET', '/reports/summary?amount_min=-1', admin), 400, 'request.bad_parameter');
  });

  test('group=owner adds each owner\'s totals, equal to the per-owner summaries', async () => {
    const admin = await srv.as('admin');
    const r = await srv.api('GET', '/reports/summary?group=owner', admin);
    expectStatus(r, 200);
    checkSummary(r.json, expectedSummary(), 'summary group=owner');
    const owners = r.json.owners;
    assert.deepEqual(owners.map((o) => o.owner).sort(), [...new Set(SEED.map((x) => x.owner))].sort());
    for (const o of owners) {
      const want = expectedSummary((row) => row.owner === o.owner);
      assert.deepEqual({ won: o.won, lost: o.lost, open: o.open }, { won: want.won, lost: want.lost, open: want.open }, o.owner);
      assert.equal(typeof o.owner_name, 'string');
    }
    // under a filter, and for a member (her own row only)
    const f = await srv.api('GET', '/reports/summary?group=owner&status=open&amount_min=150000', admin);
    for (const o of f.json.owners) {
      const want = expectedSummary((row) => row.owner === o.owner && row.amount >= 150000 && row.stage !== '成交' && row.stage !== '失敗');
      assert.deepEqual(o.open, want.open, `${o.owner} open, filtered`);
      assert.deepEqual(o.won, { count: 0, amount: 0 });
    }
    const amy = await srv.api('GET', '/reports/summary?group=owner', await srv.as('amy'));
    assert.deepEqual(amy.json.owners.map((o) => o.owner), ['amy']);
    const ben = await srv.api('GET', '/reports/summary?group=owner&owner=ben', admin);
    assert.deepEqual(ben.json.owners.map((o) => o.owner), ['ben']);
    assert.equal((await srv.api('GET', '/reports/summary', admin)).json.owners, undefined);
    const cli = await srv.cliJson(['report', 'summary', '--by-owner', '--json']);
    assert.deepEqual(cli.owners, owners, 'CLI --by-owner equals the API');
    expectStatus(await srv.api('GET', '/reports/summary?group=stage', admin), 400, 'request.bad_parameter');
  });

  test('human report summary shows the open expected figure', async () => {
    const r = await srv.cli(['report', 'summary']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1,?295,?200/, r.stdout);
    assert.match(r.stdout, /2,?358,?000/, r.stdout);
    assert.match(r.stdout, /價值主張/, r.stdout);
  });

  test('CLI stage set value_proposition --probability 40: open expected 1195200 in CLI and API', async () => {
    const r = await srv.cli(['stage', 'set', 'value_proposition', '--probability', '40']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const cli = await srv.cliJson(['report', 'summary', '--json']);
    assert.deepEqual(cli.open, { count: 7, amount: 2358000, expected: 1195200 }, JSON.stringify(cli));
    const api = await srv.api('GET', '/reports/summary', await srv.as('admin'));
    expectStatus(api, 200);
    assert.deepEqual(api.json.open, { count: 7, amount: 2358000, expected: 1195200 }, fmt(api));
    const vp = api.json.stages.find((x) => x.key === 'value_proposition');
    assert.equal(vp.probability, 40);
    assert.equal(vp.expected, 400000);
    const stages = items(await srv.cliJson(['stage', 'list', '--json']));
    assert.equal(stages.find((x) => x.key === 'value_proposition').probability, 40);
  });

  test('API PATCH /stages/{id} with If-Match: open expected 1195200 in API and CLI (second db)', async () => {
    const admin = await srv2.as('admin');
    const vp = await stageByKey(srv2, 'value_proposition', admin);
    const g = await srv2.api('GET', `/stages/${vp.id}`, admin);
    expectStatus(g, 200);
    assert.equal(etagVersion(g), String(g.json.version));
    // Without If-Match: 428, nothing changes.
    const no = await srv2.api('PATCH', `/stages/${vp.id}`, { ...admin, body: { probability: 40 } });
    expectStatus(no, 428, 'request.if_match_required');
    const ok = await srv2.api('PATCH', `/stages/${vp.id}`, { ...admin, ifMatch: g.json.version, body: { probability: 40 } });
    expectStatus(ok, 200);
    assert.equal(ok.json.probability, 40);
    assert.ok(ok.json.version > g.json.version, fmt(ok));
    const api = await srv2.api('GET', '/reports/summary', admin);
    assert.deepEqual(api.json.open, { count: 7, amount: 2358000, expected: 1195200 }, fmt(api));
    const cli = await srv2.cliJson(['report', 'summary', '--json']);
    assert.deepEqual(cli.open, { count: 7, amount: 2358000, expected: 1195200 }, JSON.stringify(cli));
    // A stale version: 412, nothing changes.
    const stale = await srv2.api('PATCH', `/stages/${vp.id}`, { ...admin, ifMatch: g.json.version, body: { probability: 10 } });
    expectStatus(stale, 412, 'request.stale');
    const again = await srv2.api('GET', '/reports/summary', admin);
    assert.equal(again.json.open.expected, 1195200);
  });

  test('moving a deal adds exactly one history row with from/to', async () => {
    const admin = await srv2.as('admin');
    const deal = await dealByName(srv2, 'POS 導入'); // ben, 條件驗證 (10%), 134000
    const qual = deal.stage;
    const stages = (await srv2.api('GET', '/stages', admin)).json.items;
    const needs = stages.find((s) => s.name_zh === '需求分析');
    const proposal = stages.find((s) => s.name_zh === '提案/報價');
    assert.ok(needs && proposal, 'stages 需求分析 and 提案/報價 exist');
    const h0 = await srv2.api('GET', `/deals/${deal.id}/history`, admin);
    expectStatus(h0, 200);
    const before0 = h0.json.items;
    assert.ok(before0.length >= 1, `a new deal has its creation row: ${fmt(h0)}`);

    // POST /move
    const m = await srv2.api('POST', `/deals/${deal.id}/move`, { ...admin, ifMatch: deal.version, body: { stage: needs.key } });
    expectStatus(m, 200);
    assert.equal(m.json.stage, needs.key);
    assert.equal(m.json.probability, 20);
    assert.equal(m.json.expected, 26800);
    const h1 = (await srv2.api('GET', `/deals/${deal.id}/history`, admin)).json.items;
    assert.equal(h1.length, before0.length + 1, JSON.stringify(h1));
    const old = new Set(before0.map((x) => x.id));
    const added = h1.filter((x) => !old.has(x.id));
    assert.equal(added.length, 1);
    assert.equal(added[0].from_stage, qual);
    assert.equal(added[0].to_stage, needs.key);
    assert.equal(added[0].to_stage_id, needs.id);
    assert.equal(added[0].deal_id, deal.id);
    assert.ok('changed_by' in added[0] && 'changed_at' in added[0], JSON.stringify(added[0]));

    // PATCH {stage}
    const p = await srv2.api('PATCH', `/deals/${deal.id}`, { ...admin, ifMatch: m.json.version, body: { stage: proposal.key } });
    expectStatus(p, 200);
    const h2 = (await srv2.api('GET', `/deals/${deal.id}/history`, admin)).json.items;
    assert.equal(h2.length, h1.length + 1, JSON.stringify(h2));
    const old1 = new Set(h1.map((x) => x.id));
    const added2 = h2.filter((x) => !old1.has(x.id));
    assert.equal(added2[0].from_stage, needs.key);
    assert.equal(added2[0].to_stage, proposal.key);

    // A PATCH that does not touch the stage adds none.
    const n = await srv2.api('PATCH', `/deals/${deal.id}`, { ...admin, ifMatch: p.json.version, body: { next_step: '安排簡報' } });
    expectStatus(n, 200);
    const h3 = (await srv2.api('GET', `/deals/${deal.id}/history`, admin)).json.items;
    assert.equal(h3.length, h2.length, JSON.stringify(h3));

    // The summary follows: 134000 moved from 10% to 75%.
    const s = await srv2.api('GET', '/reports/summary', admin);
    assert.equal(s.json.open.expected, 1195200 - 13400 + 100500, fmt(s));
  });

  test('CLI deal move adds one history row too', async () => {
    const deal = await dealByName(srv, '年度維護合約'); // amy, 勘探
    const admin = await srv.as('admin');
    const h0 = (await srv.api('GET', `/deals/${deal.id}/history`, admin)).json.items;
    const r = await srv.cli(['deal', 'move', String(deal.id), '需求分析']);
    assert.equal(r.code, 0, r.stderr);
    const h1 = (await srv.api('GET', `/deals/${deal.id}/history`, admin)).json.items;
    assert.equal(h1.length, h0.length + 1, JSON.stringify(h1));
    const shown = await srv.cliJson(['deal', 'show', String(deal.id), '--json']);
    assert.equal(shown.probability, 20);
    assert.equal(shown.expected, 30000);
  });
});
