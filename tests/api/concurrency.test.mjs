// concurrency.test.mjs - optimistic concurrency: ETag, If-Match, 412 and 428.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dealByName, etagVersion, expectStatus, fmt, startServer } from './helpers.mjs';

describe('concurrency', () => {
  let srv;
  let admin, mgr;
  before(async () => {
    srv = await startServer();
    admin = await srv.as('admin');
    const c = await srv.api('POST', '/users', { ...admin, body: { username: 'mgr', password: 'manager-pass-1', role: 'manager' } });
    expectStatus(c, 201);
    mgr = await srv.login('mgr', { password: 'manager-pass-1' });
  });
  after(async () => {
    await srv?.stop();
  });

  test('GET /deals/{id} carries ETag "<version>"', async () => {
    const d = await dealByName(srv, '報價系統');
    const g = await srv.api('GET', `/deals/${d.id}`, admin);
    expectStatus(g, 200);
    assert.equal(g.headers.get('etag'), `"${g.json.version}"`);
  });

  test('two clients with the same ETag: one 200, one 412 request.stale; the loser changed nothing', async () => {
    const d = await dealByName(srv, '報價系統');
    const [a, b] = await Promise.all([srv.api('GET', `/deals/${d.id}`, admin), srv.api('GET', `/deals/${d.id}`, mgr)]);
    const va = etagVersion(a);
    assert.equal(va, etagVersion(b));
    const pa = await srv.api('PATCH', `/deals/${d.id}`, { ...admin, ifMatch: va, body: { next_step: 'from admin' } });
    const pb = await srv.api('PATCH', `/deals/${d.id}`, { ...mgr, ifMatch: va, body: { next_step: 'from manager', amount: 1 } });
    expectStatus(pa, 200);
    expectStatus(pb, 412, 'request.stale');
    assert.equal(pa.headers.get('etag'), `"${pa.json.version}"`);
    assert.equal(pa.json.version, Number(va) + 1, fmt(pa));
    const g = await srv.api('GET', `/deals/${d.id}`, admin);
    assert.equal(g.json.next_step, 'from admin');
    assert.equal(g.json.amount, 280000);
    assert.equal(g.json.version, pa.json.version);
  });

  test('If-Match without quotes works', async () => {
    const d = await dealByName(srv, '報價系統');
    const r = await srv.api('PATCH', `/deals/${d.id}`, { ...admin, headers: { 'if-match': String(d.version) }, body: { next_step: 'bare' } });
    expectStatus(r, 200);
  });

  test('PATCH and DELETE without If-Match: 428 request.if_match_required; nothing changes', async () => {
    const d = await dealByName(srv, '報價系統');
    expectStatus(await srv.api('PATCH', `/deals/${d.id}`, { ...admin, body: { next_step: 'no if-match' } }), 428, 'request.if_match_required');
    expectStatus(await srv.api('DELETE', `/deals/${d.id}`, admin), 428, 'request.if_match_required');
    const g = await srv.api('GET', `/deals/${d.id}`, admin);
    expectStatus(g, 200);
    assert.equal(g.json.version, d.version);
    assert.notEqual(g.json.next_step, 'no if-match');
  });

  test('a stale DELETE is 412 and the deal stays', async () => {
    const d = await dealByName(srv, '報價系統');
    expectStatus(await srv.api('DELETE', `/deals/${d.id}`, { ...admin, ifMatch: d.version - 1 }), 412, 'request.stale');
    expectStatus(await srv.api('GET', `/deals/${d.id}`, admin), 200);
  });

  test('a stale move is 412 and adds no history row', async () => {
    const d = await dealByName(srv, '實驗室資料系統');
    const h0 = (await srv.api('GET', `/deals/${d.id}/history`, admin)).json.items.length;
    const ok = await srv.api('PATCH', `/deals/${d.id}`, { ...admin, ifMatch: d.version, body: { next_step: 'bump' } });
    expectStatus(ok, 200);
    const stale = await srv.api('PATCH', `/deals/${d.id}`, { ...admin, ifMatch: d.version, body: { stage: '提案/報價' } });
    expectStatus(stale, 412, 'request.stale');
    const staleMove = await srv.api('POST', `/deals/${d.id}/move`, { ...admin, ifMatch: d.version, body: { stage: '提案/報價' } });
    expectStatus(staleMove, 412, 'request.stale');
    const g = await srv.api('GET', `/deals/${d.id}`, admin);
    assert.equal(g.json.stage, d.stage);
    assert.equal((await srv.api('GET', `/deals/${d.id}/history`, admin)).json.items.length, h0);
  });

  test('20 parallel PATCHes with the same version: exactly one succeeds, the rest are 412', async () => {
    const d = await dealByName(srv, '倉儲系統升級');
    const h0 = (await srv.api('GET', `/deals/${d.id}/history`, admin)).json.items.length;
    const N = 20;
    const stages = (await srv.api('GET', '/stages', admin)).json.items.filter((s) => s.kind === 'open' && s.key !== d.stage);
    const res = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        srv.api('PATCH', `/deals/${d.id}`, {
          ...(i % 2 ? admin : mgr),
          ifMatch: d.version,
          body: { next_step: `writer ${i}`, stage: stages[i % stages.length].key },
        }),
      ),
    );
    const statuses = res.map((r) => r.status);
    const winners = res.filter((r) => r.status === 200);
    assert.equal(winners.length, 1, `statuses ${statuses.join(',')}`);
    assert.equal(res.filter((r) => r.status === 412).length, N - 1, `statuses ${statuses.join(',')}`);
    for (const r of res) if (r.status === 412) assert.equal(r.json?.error?.code, 'request.stale', fmt(r));
    const g = await srv.api('GET', `/deals/${d.id}`, admin);
    assert.equal(g.json.version, d.version + 1);
    assert.equal(g.json.next_step, winners[0].json.next_step);
    assert.equal(g.json.stage, winners[0].json.stage);
    const h1 = (await srv.api('GET', `/deals/${d.id}/history`, admin)).json.items.length;
    assert.equal(h1, h0 + 1, 'exactly one history row for the one winning stage change');
  });

  test('five rounds of 20 parallel PATCHes: one winner per round, versions advance by one', async () => {
    const d = await dealByName(srv, '年度維護合約');
    let v = d.version;
    for (let round = 0; round < 5; round++) {
      const res = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          srv.api('PATCH', `/deals/${d.id}`, { ...admin, ifMatch: v, body: { next_step: `r${round} w${i}` } }),
        ),
      );
      const ok = res.filter((r) => r.status === 200);
      assert.equal(ok.length, 1, `round ${round}: ${res.map((r) => r.status).join(',')}`);
      assert.equal(res.filter((r) => r.status === 412).length, 19, `round ${round}: ${res.map((r) => r.status).join(',')}`);
      assert.equal(ok[0].json.version, v + 1);
      v = ok[0].json.version;
    }
  });

  test('parallel CLI and API writers leave a consistent summary', async () => {
    // CLI writes skip the version check; they must still serialise with the server.
    const d = await dealByName(srv, '產線看板');
    const jobs = [];
    for (let i = 0; i < 5; i++) jobs.push(srv.cli(['deal', 'move', String(d.id), i % 2 ? '談判/檢視' : '提案/報價']));
    for (let i = 0; i < 10; i++) jobs.push(srv.api('GET', '/reports/summary', admin));
    const out = await Promise.all(jobs);
    for (const r of out.slice(0, 5)) assert.equal(r.code, 0, r.stderr);
    for (const r of out.slice(5)) {
      expectStatus(r, 200);
      assert.equal(r.json.open.count, 7);
      assert.equal(r.json.open.amount, 2358000);
    }
  });

  test('parallel creates, half failing after their company was made: the failures leave nothing, the rest all stay', async () => {
    // The server may write these in one transaction (a group); each keeps its own outcome.
    const N = 24;
    const res = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        srv.api('POST', '/deals', {
          ...admin,
          body: { company: `並行 Group ${i}`, name: `parallel ${i}`, amount: 1000 + i, owner: i % 2 ? 'nobody-here' : 'admin' },
        }),
      ),
    );
    for (const [i, r] of res.entries()) {
      if (i % 2) expectStatus(r, 400, 'deal.owner_unknown');
      else expectStatus(r, 201);
    }
    const names = new Set((await srv.api('GET', '/companies?limit=500', admin)).json.items.map((c) => c.name));
    for (let i = 0; i < N; i++) assert.equal(names.has(`並行 Group ${i}`), i % 2 === 0, `company ${i}`);
    for (const r of res.filter((x) => x.status === 201)) {
      const g = await srv.api('GET', `/deals/${r.json.id}`, admin);
      expectStatus(g, 200);
      assert.equal(g.json.amount, r.json.amount);
      assert.equal((await srv.api('GET', `/deals/${r.json.id}/history`, admin)).json.items.length, 1);
    }
    assert.equal(new Set(res.filter((x) => x.status === 201).map((r) => r.json.id)).size, N / 2);
  });
});
