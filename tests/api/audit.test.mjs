// audit.test.mjs - the audit log (who did what, when, from where; admins
// only) and the deal trash (delete -> gone everywhere -> restore with
// history and citations, or purged after 30 days).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, PG_URL, fmt, items, sqlExec, startServer } from './helpers.mjs';

const ADDR = '203.0.113.7'; // the client address the tests claim (X-Forwarded-For)

describe('audit log and deal trash', () => {
  let srv, admin, amy;
  const fwd = { 'X-Forwarded-For': ADDR };

  async function audit(query = '', cred = admin) {
    const r = await srv.api('GET', `/audit${query ? `?${query}` : ''}`, cred);
    assert.equal(r.status, 200, fmt(r));
    return r.json;
  }
  async function newest(action) {
    const j = await audit(`action=${action}&limit=1`);
    assert.equal(j.items.length, 1, `no ${action} row`);
    return j.items[0];
  }
  async function count(action) {
    return (await audit(`action=${action}&limit=500`)).items.length;
  }
  async function version(p) {
    const r = await srv.api('GET', p, admin);
    assert.equal(r.status, 200, fmt(r));
    return r.json.version;
  }

  before(async () => {
    srv = await startServer({ serveArgs: ['--trust-proxy'] });
    admin = await srv.login('admin');
    amy = await srv.login('amy');
  });
  after(async () => {
    await srv?.stop();
  });

  test('a login is recorded with who, when and the client address', async () => {
    const r = await srv.api('POST', '/login', { body: { username: 'ben', password: DEMO_PASSWORD }, headers: fwd });
    assert.equal(r.status, 200, fmt(r));
    const row = await newest('login');
    assert.equal(row.actor, 'ben');
    assert.equal(row.addr, ADDR);
    assert.equal(row.target_type, 'user');
    assert.match(row.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('failed logins: recorded anonymously with the name tried; the answer is the same for unknown users', async () => {
    const before = await count('login.failed');
    const known = await srv.api('POST', '/login', { body: { username: 'chen', password: 'wrong-password-1' }, headers: fwd });
    const unknown = await srv.api('POST', '/login', { body: { username: 'nosuchuser', password: 'wrong-password-1' }, headers: fwd });
    assert.equal(known.status, 401);
    assert.equal(unknown.status, unknown.status);
    assert.equal(unknown.status, known.status);
    assert.deepEqual(unknown.json, known.json, 'the answers must not tell a real user from an unknown one');
    const rows = (await audit('action=login.failed&limit=2')).items;
    assert.equal(await count('login.failed'), before + 2);
    assert.deepEqual(
      rows.map((x) => [x.actor, x.actor_id, x.addr, x.detail.username, x.detail.reason]),
      [
        [null, null, ADDR, 'nosuchuser', 'unknown_user'],
        [null, null, ADDR, 'chen', 'password'],
      ],
    );
    assert.equal(rows[1].target_type, 'user', 'a known account is named as the target for admins');
    // actor=- selects the anonymous rows
    const anon = (await audit('actor=-&limit=500')).items;
    assert.ok(anon.length >= 2 && anon.every((x) => x.actor_id === null), JSON.stringify(anon.slice(0, 3)));
  });

  test('logout, user creation, role change, disabling, password change and tokens are recorded', async () => {
    const s = await srv.login('chen');
    assert.equal((await srv.api('POST', '/logout', { token: s.token, headers: fwd })).status, 204);
    assert.equal((await newest('logout')).actor, 'chen');

    const u = await srv.api('POST', '/users', { ...admin, body: { username: 'audrey', password: DEMO_PASSWORD, role: 'member' } });
    assert.equal(u.status, 201, fmt(u));
    let row = await newest('user.create');
    assert.deepEqual([row.actor, row.target_id, row.detail.username, row.detail.role], ['admin', u.json.id, 'audrey', 'member']);

    let r = await srv.api('PATCH', `/users/${u.json.id}`, { ...admin, body: { role: 'manager' }, ifMatch: await version(`/users/${u.json.id}`) });
    assert.equal(r.status, 200, fmt(r));
    row = await newest('user.role');
    assert.deepEqual([row.actor, row.target_type, row.target_id, row.detail.from, row.detail.to], ['admin', 'user', u.json.id, 'member', 'manager']);

    r = await srv.api('POST', `/users/${u.json.id}/password`, { ...admin, body: { new_password: 'another-pass-5678' } });
    assert.ok(r.status < 300, fmt(r));
    row = await newest('password.change');
    assert.deepEqual([row.actor, row.target_id, row.detail.self], ['admin', u.json.id, false]);

    r = await srv.api('PATCH', `/users/${u.json.id}`, { ...admin, body: { active: false }, ifMatch: await version(`/users/${u.json.id}`) });
    assert.equal(r.status, 200, fmt(r));
    assert.equal((await newest('user.disable')).target_id, u.json.id);

    const t = await srv.api('POST', '/tokens', { ...amy, body: { name: 'script' } });
    assert.equal(t.status, 201, fmt(t));
    row = await newest('token.create');
    assert.deepEqual([row.actor, row.target_id, row.detail.name], ['amy', t.json.id, 'script']);
    assert.ok(!JSON.stringify(row).includes(t.json.token), 'the secret is never logged');
    assert.equal((await srv.api('DELETE', `/tokens/${t.json.id}`, amy)).status, 204);
    assert.equal((await newest('token.revoke')).target_id, t.json.id);

    // group filter: "user." is every user.* action
    const group = (await audit('action=user.&limit=500')).items.map((x) => x.action);
    assert.ok(group.includes('user.create') && group.includes('user.role') && group.includes('user.disable'), group.join());
    assert.ok(group.every((a) => a.startsWith('user.')), group.join());
  });

  test('a refused change leaves no audit row', async () => {
    // the last admin cannot stop being one: no user.role row
    const before = await count('user.role');
    const me = (await srv.api('GET', '/me', admin)).json.user;
    const r = await srv.api('PATCH', `/users/${me.id}`, { ...admin, body: { role: 'member' }, ifMatch: await version(`/users/${me.id}`) });
    assert.equal(r.status, 409, fmt(r));
    assert.equal(await count('user.role'), before);
  });

  test('a change rolled back because its audit row failed leaves neither the change nor a row', async () => {
    // A trigger makes the audit insert of deal.delete fail inside the delete's transaction.
    const sql = PG_URL
      ? "CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN IF NEW.action = 'deal.delete' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END$$; CREATE TRIGGER audit_refuse BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_refuse();"
      : "CREATE TRIGGER audit_refuse BEFORE INSERT ON audit WHEN new.action = 'deal.delete' BEGIN SELECT RAISE(ABORT, 'refused'); END;";
    const undo = PG_URL ? 'DROP TRIGGER audit_refuse ON audit; DROP FUNCTION audit_refuse();' : 'DROP TRIGGER audit_refuse;';
    const d = await srv.api('POST', '/deals', { ...admin, body: { company: 'Rollback Co', name: 'rollback deal', amount: 1000, owner: 'amy' } });
    assert.equal(d.status, 201, fmt(d));
    const before = await count('deal.delete');
    let x = sqlExec(srv.db, sql);
    assert.equal(x.status, 0, x.stderr);
    try {
      const r = await srv.api('DELETE', `/deals/${d.json.id}`, { ...admin, ifMatch: d.json.version });
      assert.ok(r.status >= 400, `the delete must fail: ${fmt(r)}`);
    } finally {
      x = sqlExec(srv.db, undo);
      assert.equal(x.status, 0, x.stderr);
    }
    assert.equal((await srv.api('GET', `/deals/${d.json.id}`, admin)).status, 200, 'the deal is still there');
    const trash = (await srv.api('GET', '/trash/deals', admin)).json.items;
    assert.ok(!trash.some((t) => t.id === d.json.id), 'and not in the trash');
    assert.equal(await count('deal.delete'), before);
  });

  test('exports are recorded with their kind, format, row count and filter', async () => {
    const r = await srv.api('GET', '/export/deals.csv?status=open&owner=amy', { ...amy, raw: true });
    assert.equal(r.status, 200, fmt(r));
    const row = await newest('export');
    assert.deepEqual([row.actor, row.detail.kind, row.detail.format], ['amy', 'deals', 'csv']);
    const rows = (await srv.api('GET', '/deals?status=open&owner=amy&limit=500', amy)).json.items.length;
    assert.equal(row.detail.rows, rows);
    assert.equal(row.detail.filter.status, 0);
    assert.ok(row.detail.filter.owner_id > 0);
    const s = await srv.api('GET', '/export/summary.xlsx', { ...admin, raw: true });
    assert.equal(s.status, 200);
    assert.deepEqual([(await newest('export')).detail.kind, (await newest('export')).detail.format], ['summary', 'xlsx']);
  });

  test('bulk imports are recorded once, from the CLI as "cli"; a failed import leaves no row', async () => {
    const before = await count('import');
    const file = path.join(srv.dir, 'import.csv');
    fs.writeFileSync(file, 'company,deal,stage,amount,owner\nImport Co,imported one,prospecting,1000,amy\nImport Co,imported two,prospecting,2000,ben\n');
    let r = await srv.cli(['import', 'deals', file]);
    assert.equal(r.code, 0, r.stderr);
    const row = await newest('import');
    assert.deepEqual([row.actor, row.addr, row.detail.kind, row.detail.rows, row.detail.created], [null, 'cli', 'deals', 2, 2]);
    fs.writeFileSync(file, 'company,deal,stage,amount,owner\nImport Co,bad,prospecting,12x,amy\n');
    r = await srv.cli(['import', 'deals', file]);
    assert.notEqual(r.code, 0);
    assert.equal(await count('import'), before + 1);
  });

  test('stage, view, company and note deletions are recorded', async () => {
    const st = await srv.api('POST', '/stages', { ...admin, body: { key: 'audit_tmp', name_zh: '暫', name_en: 'Tmp', probability: 10, kind: 'open' } });
    assert.equal(st.status, 201, fmt(st));
    assert.equal((await newest('stage.create')).target_id, st.json.id);
    let r = await srv.api('PATCH', `/stages/${st.json.id}`, { ...admin, body: { probability: 15 }, ifMatch: st.json.version });
    assert.equal(r.status, 200, fmt(r));
    assert.equal((await newest('stage.change')).detail.probability, 15);
    r = await srv.api('DELETE', `/stages/${st.json.id}`, { ...admin, ifMatch: r.json.version });
    assert.equal(r.status, 204, fmt(r));
    assert.equal((await newest('stage.delete')).detail.key, 'audit_tmp');

    const v = await srv.api('POST', '/views', { ...amy, body: { name: 'mine' } });
    assert.equal((await srv.api('DELETE', `/views/${v.json.id}`, { ...amy, ifMatch: v.json.version })).status, 204);
    assert.deepEqual([(await newest('view.delete')).actor, (await newest('view.delete')).target_id], ['amy', v.json.id]);

    const c = await srv.api('POST', '/companies', { ...admin, body: { name: 'Gone Co' } });
    const n = await srv.api('POST', '/notes', { ...admin, body: { company_id: c.json.id, title: 'gone note', body: 'x' } });
    assert.equal((await srv.api('DELETE', `/notes/${n.json.id}`, { ...admin, ifMatch: n.json.version })).status, 204);
    assert.equal((await newest('note.delete')).detail.title, 'gone note');
    assert.equal((await srv.api('DELETE', `/companies/${c.json.id}`, { ...admin, ifMatch: c.json.version })).status, 204);
    assert.equal((await newest('company.delete')).detail.name, 'Gone Co');
  });

  test('filters by actor, target and time, and keyset paging newest first', async () => {
    const all = (await audit('limit=500')).items;
    assert.ok(all.length >= 10);
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].id > all[i].id, 'newest first');
    const p1 = await audit('limit=3');
    assert.equal(p1.items.length, 3);
    assert.equal(p1.next_before, p1.items[2].id);
    const p2 = await audit(`limit=3&before=${p1.next_before}`);
    assert.deepEqual(
      [...p1.items, ...p2.items].map((x) => x.id),
      all.slice(0, 6).map((x) => x.id),
    );
    const amyRows = (await audit('actor=amy&limit=500')).items;
    assert.ok(amyRows.length > 0 && amyRows.every((x) => x.actor === 'amy'));
    const target = all.find((x) => x.target_type === 'user');
    const byTarget = (await audit(`target_type=user&target_id=${target.target_id}&limit=500`)).items;
    assert.ok(byTarget.length > 0 && byTarget.every((x) => x.target_id === target.target_id && x.target_type === 'user'));
    assert.equal((await audit('since=2999-01-01')).items.length, 0);
    assert.equal((await audit('until=2000-01-01')).items.length, 0);
    assert.equal((await audit(`since=${all[all.length - 1].at}&limit=500`)).items.length, all.length);
    for (const q of ['since=yesterday', 'actor=nobody', 'limit=0', 'before=x']) {
      const r = await srv.api('GET', `/audit?${q}`, admin);
      assert.equal(r.status, 400, `${q}: ${fmt(r)}`);
    }
    // admins only
    assert.equal((await srv.api('GET', '/audit', amy)).status, 403);
  });

  test('the CLI reads the log with filters and --json', async () => {
    const j = await srv.cliJson(['audit', '--action', 'login.failed', '--json']);
    const rows = items(j);
    assert.ok(rows.length >= 2 && rows.every((x) => x.action === 'login.failed'));
    const t = await srv.cli(['audit', '--actor', 'amy', '--limit', '2']);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(t.stdout.trim().split('\n').length, 2);
    assert.match(t.stdout, /amy/);
    const bad = await srv.cli(['audit', '--since', 'soon']);
    assert.equal(bad.code, 2);
    const member = await srv.cli(['--as', 'amy', 'audit']);
    assert.notEqual(member.code, 0);
  });

  describe('the deal trash', () => {
    let deal, note, summaryBefore, forecastBefore, historyBefore, changesBefore, factsBefore;
    const summary = async () => (await srv.api('GET', '/reports/summary', admin)).json;
    // the forecast without its moment of computing ("now"), which moves on
    const forecast = async () => {
      const j = (await srv.api('GET', '/reports/forecast', admin)).json;
      delete j.now;
      return j;
    };

    // the reports that read the stored per-deal facts, without "now"
    const facts = async () => {
      const out = {};
      for (const name of ['leaderboard', 'stalled', 'win-rate']) {
        const j = (await srv.api('GET', `/reports/${name}?today=2026-12-31`, admin)).json;
        delete j.now;
        out[name] = j;
      }
      return out;
    };

    before(async () => {
      const r = await srv.api('POST', '/deals', { ...amy, body: { company: 'Trash Co', name: 'trash me 垃圾', amount: 777000, stage: 'prospecting', close_date: '2026-12-15' } });
      assert.equal(r.status, 201, fmt(r));
      let m = await srv.api('POST', `/deals/${r.json.id}/move`, { ...amy, body: { stage: 'needs_analysis' } });
      assert.equal(m.status, 200, fmt(m));
      m = await srv.api('PATCH', `/deals/${r.json.id}`, { ...amy, body: { amount: 888000 }, ifMatch: m.json.version });
      assert.equal(m.status, 200, fmt(m));
      deal = m.json;
      note = (await srv.api('POST', '/notes', { ...amy, body: { company_id: deal.company_id, title: 'trash note', body: 'cited' } })).json;
      assert.equal((await srv.api('POST', `/deals/${deal.id}/notes`, { ...amy, body: { note_id: note.id } })).status < 300, true);
      summaryBefore = await summary();
      forecastBefore = await forecast();
      factsBefore = await facts();
      historyBefore = (await srv.api('GET', `/deals/${deal.id}/history`, amy)).json;
      changesBefore = (await srv.api('GET', `/deals/${deal.id}/changes`, amy)).json;
    });

    test('a deleted deal is gone from the deal, lists, search, summary, forecast and exports', async () => {
      const r = await srv.api('DELETE', `/deals/${deal.id}`, { ...amy, ifMatch: deal.version });
      assert.equal(r.status, 204, fmt(r));
      assert.equal((await srv.api('GET', `/deals/${deal.id}`, admin)).status, 404);
      const list = (await srv.api('GET', '/deals?limit=500', admin)).json.items;
      assert.ok(!list.some((d) => d.id === deal.id));
      assert.equal((await srv.api('GET', `/deals?q=${encodeURIComponent('trash me')}`, admin)).json.items.length, 0);
      const found = await srv.api('GET', `/search?q=${encodeURIComponent('垃圾')}`, admin);
      assert.equal(found.status, 200, fmt(found));
      assert.ok(!found.json.items.some((x) => x.kind === 'deal' && x.id === deal.id), 'not found by the global search');
      const s = await summary();
      assert.notDeepEqual(s, summaryBefore);
      assert.notDeepEqual(await forecast(), forecastBefore);
      const lb = (await facts()).leaderboard.items.find((x) => x.owner === 'amy');
      assert.deepEqual(lb.open, factsBefore.leaderboard.items.find((x) => x.owner === 'amy').open - 1, 'the leaderboard no longer counts it');
      const csv = await srv.api('GET', '/export/deals.csv', { ...admin, raw: true });
      assert.ok(!csv.text.includes('trash me'), 'not exported');
      const cited = (await srv.api('GET', `/notes/${note.id}/deals`, admin)).json.items;
      assert.equal(cited.length, 0, 'the note no longer names the deal');
      const row = await newest('deal.delete');
      assert.deepEqual([row.actor, row.target_id, row.detail.name, row.detail.amount_minor], ['amy', deal.id, 'trash me 垃圾', 88800000]);
    });

    test('the trash lists it: every entry for admins, their own for members', async () => {
      const t = (await srv.api('GET', '/trash/deals', admin)).json.items;
      const e = t.find((x) => x.id === deal.id);
      assert.ok(e, JSON.stringify(t));
      assert.equal(e.deleted_by_username, 'amy');
      assert.equal(Date.parse(e.purge_after) - Date.parse(e.deleted_at), 30 * 86400 * 1000);
      assert.ok((await srv.api('GET', '/trash/deals', amy)).json.items.some((x) => x.id === deal.id));
      const ben = await srv.login('ben');
      assert.ok(!(await srv.api('GET', '/trash/deals', ben)).json.items.some((x) => x.id === deal.id));
      assert.equal((await srv.api('POST', `/deals/${deal.id}/restore`, ben)).status, 403);
    });

    test('restore brings it back with history, field changes and citations; the figures equal those before', async () => {
      const r = await srv.api('POST', `/deals/${deal.id}/restore`, amy);
      assert.equal(r.status, 200, fmt(r));
      assert.equal(r.json.id, deal.id);
      assert.equal(r.json.amount, 888000);
      assert.deepEqual(await summary(), summaryBefore);
      assert.deepEqual(await forecast(), forecastBefore);
      assert.deepEqual(await facts(), factsBefore);
      assert.deepEqual((await srv.api('GET', `/deals/${deal.id}/history`, amy)).json, historyBefore);
      assert.deepEqual((await srv.api('GET', `/deals/${deal.id}/changes`, amy)).json, changesBefore);
      const cited = (await srv.api('GET', `/deals/${deal.id}/notes`, amy)).json.items.map((n) => n.id);
      assert.deepEqual(cited, [note.id]);
      assert.ok(!(await srv.api('GET', '/trash/deals', admin)).json.items.some((x) => x.id === deal.id));
      assert.equal((await newest('deal.restore')).target_id, deal.id);
      assert.equal((await srv.api('POST', `/deals/${deal.id}/restore`, amy)).status, 404, 'not in the trash any more');
    });

    test('admins purge a trashed deal for good; members may not', async () => {
      const d = (await srv.api('POST', '/deals', { ...amy, body: { company: 'Trash Co', name: 'purge me', amount: 5 } })).json;
      assert.equal((await srv.api('DELETE', `/deals/${d.id}`, { ...amy, ifMatch: d.version })).status, 204);
      assert.equal((await srv.api('DELETE', `/trash/deals/${d.id}`, amy)).status, 403);
      assert.equal((await srv.api('DELETE', `/trash/deals/${d.id}`, admin)).status, 204);
      assert.equal((await srv.api('POST', `/deals/${d.id}/restore`, admin)).status, 404);
      const row = await newest('deal.purge');
      assert.deepEqual([row.actor, row.target_id, row.detail.expired], ['admin', d.id, false]);
    });

    test('the CLI deletes, lists and restores; entries older than 30 days are purged', async () => {
      const d = (await srv.api('POST', '/deals', { ...amy, body: { company: 'Trash Co', name: 'expire me', amount: 9 } })).json;
      let r = await srv.cli(['deal', 'delete', String(d.id)]);
      assert.equal(r.code, 0, r.stderr);
      let t = items(await srv.cliJson(['deal', 'trash', '--json']));
      const e = t.find((x) => x.id === d.id);
      assert.ok(e);
      // 29 days on it is still there and restorable; 30 days and a second on it is gone
      const at = Date.parse(e.deleted_at);
      const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
      t = items(await srv.cliJson(['deal', 'trash', '--json', '--now', iso(at + 29 * 86400e3)]));
      assert.ok(t.some((x) => x.id === d.id));
      t = items(await srv.cliJson(['deal', 'trash', '--json', '--now', iso(at + 30 * 86400e3 + 1000)]));
      assert.ok(!t.some((x) => x.id === d.id), 'purged after 30 days');
      r = await srv.cli(['deal', 'restore', String(d.id)]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /not in the trash/);
      const row = await newest('deal.purge');
      assert.deepEqual([row.target_id, row.detail.expired, row.actor], [d.id, true, null]);
      // and the CLI's restore of a fresh entry
      const d2 = (await srv.api('POST', '/deals', { ...amy, body: { company: 'Trash Co', name: 'come back', amount: 9 } })).json;
      assert.equal((await srv.cli(['deal', 'delete', String(d2.id)])).code, 0);
      r = await srv.cli(['deal', 'restore', String(d2.id)]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /come back/);
      assert.equal((await srv.api('GET', `/deals/${d2.id}`, admin)).status, 200);
      assert.equal((await srv.cli(['deal', 'trash', '--now', 'tomorrow'])).code, 2);
    });

    test('deleting a deal also purges what expired (the clock from LITECRM_NOW)', async () => {
      const old = (await srv.api('POST', '/deals', { ...amy, body: { company: 'Trash Co', name: 'old one', amount: 1 } })).json;
      const fresh = (await srv.api('POST', '/deals', { ...amy, body: { company: 'Trash Co', name: 'fresh one', amount: 1 } })).json;
      assert.equal((await srv.api('DELETE', `/deals/${old.id}`, { ...amy, ifMatch: old.version })).status, 204);
      const later = new Date(Date.now() + 31 * 86400e3).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const r = await srv.cli(['deal', 'delete', String(fresh.id)], { env: { LITECRM_NOW: later } });
      assert.equal(r.code, 0, r.stderr);
      // purged by the delete itself, before anyone looked at the trash
      const purge = (await audit('action=deal.purge&limit=500')).items.find((x) => x.target_id === old.id);
      assert.ok(purge && purge.detail.expired === true, JSON.stringify(purge));
      const t = items(await srv.cliJson(['deal', 'trash', '--json', '--now', later]));
      assert.deepEqual(t.filter((x) => [old.id, fresh.id].includes(x.id)).map((x) => [x.id, x.deleted_at]), [[fresh.id, later]]);
    });
  });
});
