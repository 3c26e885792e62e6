// migrate.test.mjs - `litecrm migrate`: a workspace copied from a SQLite file to
// the backend under test (a new SQLite file, or PostgreSQL in `make test-pg`),
// verified, and served from there with the same logins, figures and records.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, allDeals, expectStatus, runCli, show, startServer } from './helpers.mjs';

describe('litecrm migrate', () => {
  let src; // the source: the demo workspace on SQLite, with one of every record
  let dst; // a server on the target, after the migration
  let out; // migrate's result
  let admin;
  let token; // an API token made on the source
  const before_ = {}; // what the source said before the copy

  before(async () => {
    src = await startServer({ sqlite: true });
    admin = await src.as('admin');
    const deals = await allDeals(src, admin);
    const deal = deals.find((d) => d.status === 'open');
    const note = expectStatus(
      await src.api('POST', '/notes', { ...admin, body: { company_id: deal.company_id, title: '報價 v2', body: '客戶要求新的報價', tags: ['高優先'] } }),
      201,
    );
    expectStatus(await src.api('POST', `/deals/${deal.id}/notes`, { ...admin, body: { note_id: note.id } }), 200);
    expectStatus(await src.api('POST', '/views', { ...admin, body: { name: '大案子', shared: true, filter: { amount_min: '100000' } } }), 201);
    expectStatus(await src.api('POST', '/contacts', { ...admin, body: { company_id: deal.company_id, name: '王小明', email: 'wang@example.com' } }), 201);
    const moved = expectStatus(await src.api('POST', `/deals/${deal.id}/move`, { ...admin, body: { stage: 'perception_analysis' }, ifMatch: deal.version }), 200);
    expectStatus(await src.api('PATCH', `/deals/${deal.id}`, { ...admin, body: { amount: 777700 }, ifMatch: moved.version }), 200);
    token = expectStatus(await src.api('POST', '/tokens', { ...admin, body: { name: 'migrated' } }), 201).token;
    // A deal in the trash, with a move in its history and a cited note.
    const gone = deals.find((d) => d.status === 'open' && d.id !== deal.id);
    const goneMoved = expectStatus(await src.api('POST', `/deals/${gone.id}/move`, { ...admin, body: { stage: 'qualification' }, ifMatch: gone.version }), 200);
    expectStatus(await src.api('POST', `/deals/${gone.id}/notes`, { ...admin, body: { note_id: note.id } }), 200);
    before_.goneHistory = expectStatus(await src.api('GET', `/deals/${gone.id}/history`, admin), 200).items;
    expectStatus(await src.api('DELETE', `/deals/${gone.id}`, { ...admin, ifMatch: goneMoved.version }), 204);
    before_.trash = expectStatus(await src.api('GET', '/trash/deals', admin), 200).items;
    assert.equal(before_.trash.length, 1);
    before_.goneId = gone.id;
    before_.summary = expectStatus(await src.api('GET', '/reports/summary', admin), 200);
    before_.deal = deal;
    before_.names = deals.filter((d) => d.id !== before_.goneId).map((d) => d.name).sort();
    before_.history = expectStatus(await src.api('GET', `/deals/${deal.id}/history`, admin), 200).items;

    dst = await startServer({
      demo: false,
      init: async (ctx) => {
        out = await runCli(['migrate', '--from', src.db, '--to', ctx.db]);
        assert.equal(out.code, 0, `migrate failed: ${out.stderr}`);
      },
    });
  });
  after(async () => {
    await dst?.stop();
    await src?.stop();
  });

  test('copies every table and verifies counts and the summary on both sides', () => {
    assert.equal(out.code, 0, show(out));
    assert.match(out.stdout, /^copied workspace 'demo' from /m);
    assert.match(out.stdout, /verification: ok, both sides agree/);
    const rows = Object.fromEntries(
      [...out.stdout.matchAll(/^([a-z][a-z ]+?)\s+(\d+)\s+(\d+)\s+(ok|DIFFERENT|\(not copied\))$/gm)].map((m) => [m[1], { src: +m[2], dst: +m[3], ok: m[4] }]),
    );
    for (const t of ['users', 'tokens', 'stages', 'companies', 'contacts', 'notes', 'deals', 'stage history', 'field changes', 'citations', 'saved views', 'audit rows', 'trashed deals']) {
      assert.ok(rows[t], `a count line for ${t}:\n${out.stdout}`);
      assert.equal(rows[t].ok, 'ok', `${t}: ${JSON.stringify(rows[t])}`);
      assert.ok(rows[t].src > 0, `the source has ${t}`);
    }
  });

  test('the target serves the same logins, token, figures and records', async () => {
    const a = await dst.login('admin', { password: DEMO_PASSWORD });
    const amy = await dst.login('amy', { password: DEMO_PASSWORD });
    assert.ok(amy.token);
    expectStatus(await dst.api('GET', '/me', { token }), 200); // the API token came along
    assert.deepEqual(expectStatus(await dst.api('GET', '/reports/summary', a), 200), before_.summary);
    const deals = await allDeals(dst, a);
    assert.deepEqual(deals.map((d) => d.name).sort(), before_.names);
    const d = deals.find((x) => x.name === before_.deal.name && x.company === before_.deal.company);
    assert.equal(d.amount, 777700);
    assert.equal(d.stage, 'perception_analysis');
    const hist = expectStatus(await dst.api('GET', `/deals/${d.id}/history`, a), 200).items;
    assert.deepEqual(hist.map((h) => [h.from_stage, h.to_stage, h.changed_at]), before_.history.map((h) => [h.from_stage, h.to_stage, h.changed_at]));
    const cited = expectStatus(await dst.api('GET', `/deals/${d.id}/notes`, a), 200).items;
    assert.deepEqual(cited.map((n) => n.title), ['報價 v2']);
    const hits = expectStatus(await dst.api('GET', '/search?q=報價&kind=note', a), 200);
    assert.ok(JSON.stringify(hits).includes('報價 v2'), JSON.stringify(hits));
    const views = expectStatus(await dst.api('GET', '/views', a), 200).items;
    assert.deepEqual(views.map((v) => [v.name, v.shared]), [['大案子', true]]);
    const contacts = expectStatus(await dst.api('GET', `/companies/${d.company_id}/contacts`, a), 200).items;
    assert.deepEqual(contacts.map((c) => c.name), ['王小明']);
  });

  test('copies the trash: the deal restores with its history and citations; the source keeps its trash', async () => {
    const a = await dst.as('admin');
    const trash = expectStatus(await dst.api('GET', '/trash/deals', a), 200).items;
    const pick = (t) => ({ name: t.name, company: t.company, stage: t.stage, amount: t.amount, deleted_at: t.deleted_at, by: t.deleted_by_username });
    assert.deepEqual(trash.map(pick), before_.trash.map(pick));
    expectStatus(await dst.api('GET', `/deals/${trash[0].id}`, a), 404);
    const restored = expectStatus(await dst.api('POST', `/deals/${trash[0].id}/restore`, a), 200);
    assert.equal(restored.name, before_.trash[0].name);
    const hist = expectStatus(await dst.api('GET', `/deals/${restored.id}/history`, a), 200).items;
    assert.deepEqual(hist.map((h) => [h.from_stage, h.to_stage, h.changed_at]), before_.goneHistory.map((h) => [h.from_stage, h.to_stage, h.changed_at]));
    const cited = expectStatus(await dst.api('GET', `/deals/${restored.id}/notes`, a), 200).items;
    assert.deepEqual(cited.map((n) => n.title), ['報價 v2']);
    // The source was read, not changed: its deal is still in its trash.
    const srcTrash = expectStatus(await src.api('GET', '/trash/deals', admin), 200).items;
    assert.deepEqual(srcTrash.map((t) => t.id), before_.trash.map((t) => t.id));
  });

  test('refuses a trashed deal that cannot come back, and writes nothing', async () => {
    const s2 = await startServer({ sqlite: true });
    try {
      const a = await s2.as('admin');
      const co = expectStatus(await s2.api('POST', '/companies', { ...a, body: { name: '短命公司' } }), 201);
      const d = expectStatus(await s2.api('POST', '/deals', { ...a, body: { name: '短命案', company_id: co.id, amount: 1000 } }), 201);
      expectStatus(await s2.api('DELETE', `/deals/${d.id}`, { ...a, ifMatch: d.version }), 204);
      expectStatus(await s2.api('DELETE', `/companies/${co.id}`, { ...a, ifMatch: co.version }), 204);
      const target = path.join(s2.dir, 'target.db');
      const r = await runCli(['migrate', '--from', s2.db, '--to', target]);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /cannot copy trashed deal \d+ '短命案': its company, stage or owner is gone/);
      const again = await runCli(['--db', target, 'init', '--workspace', 'demo', '--admin', 'root', '--password', 'root-pass-123']);
      assert.equal(again.code, 0, `the failed migration left the target empty: ${show(again)}`);
      const t = expectStatus(await s2.api('GET', '/trash/deals', a), 200).items;
      assert.deepEqual(t.map((x) => x.name), ['短命案']);
    } finally {
      await s2.stop();
    }
  });

  test('refuses a target that already holds the workspace, and changes nothing there', async () => {
    const a = await dst.as('admin');
    const n = (await allDeals(dst, a)).length;
    for (const force of [[], ['--force']]) {
      const r = await runCli(['migrate', '--from', src.db, '--to', dst.db, ...force]);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /already holds workspace 'demo'/);
    }
    assert.equal((await allDeals(dst, a)).length, n);
  });

  test('refuses a target holding another workspace unless --force', async () => {
    const other = path.join(dst.dir, 'other.db');
    let r = await runCli(['--db', other, 'init', '--workspace', 'other', '--admin', 'root', '--password', 'root-pass-123']);
    assert.equal(r.code, 0, show(r));
    const size = fs.statSync(other).size;
    r = await runCli(['migrate', '--from', src.db, '--to', other]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /--force/);
    assert.equal(fs.statSync(other).size, size);
    r = await runCli(['migrate', '--from', src.db, '--to', other, '--force']);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /verification: ok/);
  });

  test('bad arguments get a clear error', async () => {
    let r = await runCli(['migrate', '--from', path.join(dst.dir, 'missing.db'), '--to', path.join(dst.dir, 'x.db')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot open database .*missing\.db.*no such file/);
    r = await runCli(['migrate', '--from', src.db, '--to', src.db]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /same database/);
    r = await runCli(['migrate', '--from', src.db]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--from and --to/);
  });
});
