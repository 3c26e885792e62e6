// serve-exit.test.mjs - a server that has answered every route stops cleanly.
//
// Every route of the route table (`litecrm routes --json`) is called once as
// the admin: GETs with the ids of real records, then a few writes, a failed
// login, a bad body and a web asset. Then SIGTERM must end the process with
// status 0. Under `make test-valgrind` the server runs in valgrind memcheck with
// --error-exitcode, so a memory error or a leak at exit fails this test too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { API, allDeals, expectStatus, fmt, runCli, startServer } from './helpers.mjs';

let srv;
let admin;
before(async () => {
  srv = await startServer();
  admin = await srv.as('admin');
});
after(async () => {
  await srv?.stop({ keep: false }).catch(() => {});
});

test('every route answers without a 5xx, then SIGTERM exits 0', async () => {
  const r = await runCli(['routes', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const routes = JSON.parse(r.stdout);
  assert.ok(routes.length > 40, `only ${routes.length} routes`);

  const deal = (await allDeals(srv, admin))[0];
  const note = await srv.api('POST', '/notes', {
    ...admin,
    body: { title: '報價 follow-up', body: '客戶要求新的報價', company_id: deal.company_id },
  });
  expectStatus(note, 201);
  const ids = { id: deal.id, deal: deal.id, company: deal.company_id, note: note.json.id };

  let gets = 0;
  for (const rt of routes) {
    if (rt.method !== 'GET') continue;
    const p = rt.pattern.replace(/\{(\w+)\}/g, (_, k) => String(ids[k] ?? 1));
    const res = await srv.request('GET', p, { headers: { authorization: `Bearer ${admin.token}` } });
    assert.ok(res.status < 500, `GET ${p}: ${fmt(res)}`);
    gets++;
  }
  assert.ok(gets > 20, `only ${gets} GET routes`);

  // writes through the slow path (login), the body parser and the store
  expectStatus(await srv.api('POST', '/login', { body: { username: 'admin', password: 'wrong-password' } }), 401);
  expectStatus(await srv.api('PATCH', `/deals/${deal.id}`, { ...admin, body: { amount: 'x' } }), 428);
  const made = await srv.api('POST', '/deals', { ...admin, body: { company: 'Exit Test 公司', name: 'exit', amount: 1000 } });
  expectStatus(made, 201);
  const body = await srv.request('POST', `${API}/deals`, {
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
    body: '{"company": [',
  });
  assert.equal(body.status, 400, fmt(body));
  const page = await fetch(`${srv.base}/`);
  assert.equal(page.status, 200);
  await page.text();

  await srv.stop();
  srv = null;
});
