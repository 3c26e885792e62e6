// manage.test.mjs - users, passwords, stages, companies and contacts, with
// the rights docs/API.md gives each role.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, allDeals, expectStatus, fmt, startServer } from './helpers.mjs';

describe('management endpoints', () => {
  let srv;
  let admin, amy, mgr;
  let companies; // by name

  before(async () => {
    srv = await startServer();
    [admin, amy] = await Promise.all([srv.as('admin'), srv.as('amy')]);
    const c = await srv.api('POST', '/users', { ...admin, body: { username: 'max', password: 'manager-pass-1', display_name: 'Max 王', email: 'max@example.com', role: 'manager' } });
    expectStatus(c, 201);
    assert.equal(c.json.display_name, 'Max 王');
    assert.equal(c.json.email, 'max@example.com');
    mgr = await srv.login('max', { password: 'manager-pass-1' });
    const deals = await allDeals(srv, admin);
    companies = Object.fromEntries(deals.map((d) => [d.company, d.company_id]));
  });
  after(async () => {
    await srv?.stop();
  });

  describe('users and passwords', () => {
    test('any user lists users; members cannot change roles or deactivate', async () => {
      const l = await srv.api('GET', '/users', amy);
      expectStatus(l, 200);
      const ben = l.json.items.find((u) => u.username === 'ben');
      expectStatus(await srv.api('GET', `/users/${ben.id}`, amy), 200);
      expectStatus(await srv.api('PATCH', `/users/${ben.id}`, { ...amy, ifMatch: ben.version, body: { active: false } }), 403, 'auth.forbidden');
      expectStatus(await srv.api('PATCH', `/users/${ben.id}`, { ...amy, ifMatch: ben.version, body: { display_name: 'x' } }), 403, 'auth.forbidden');
      expectStatus(await srv.api('PATCH', `/users/${ben.id}`, { ...mgr, ifMatch: ben.version, body: { role: 'manager' } }), 403, 'auth.forbidden');
    });

    test('POST /users checks its input', async () => {
      expectStatus(await srv.api('POST', '/users', { ...admin, body: { username: 'bad name', password: 'password-123', role: 'member' } }), 400, undefined, 'username with a space');
      expectStatus(await srv.api('POST', '/users', { ...admin, body: { username: 'u'.repeat(65), password: 'password-123', role: 'member' } }), 400, undefined, 'username over 64');
      expectStatus(await srv.api('POST', '/users', { ...admin, body: { username: 'rolly', password: 'password-123', role: 'king' } }), 400, undefined, 'unknown role');
      expectStatus(await srv.api('POST', '/users', { ...admin, body: { username: 'longpw', password: 'p'.repeat(1025), role: 'member' } }), 400, undefined, 'password over 1024');
    });

    test('a user changes her own password with old_password; her other sessions end', async () => {
      const c = await srv.api('POST', '/users', { ...admin, body: { username: 'pia', password: 'first-pass-1', role: 'member' } });
      expectStatus(c, 201);
      const s1 = await srv.login('pia', { password: 'first-pass-1' });
      const s2 = await srv.login('pia', { password: 'first-pass-1' });
      const id = c.json.id;
      const noOld = await srv.api('POST', `/users/${id}/password`, { token: s1.token, body: { new_password: 'second-pass-2' } });
      assert.ok([400, 403].includes(noOld.status), `without old_password: ${fmt(noOld)}`);
      expectStatus(await srv.api('POST', `/users/${id}/password`, { token: s1.token, body: { old_password: 'wrong-pass-0', new_password: 'second-pass-2' } }), 403, undefined, 'a wrong old_password');
      expectStatus(await srv.api('POST', `/users/${id}/password`, { token: s1.token, body: { old_password: 'first-pass-1', new_password: 'short' } }), 400, 'user.password_too_short');
      expectStatus(await srv.api('POST', `/users/${id}/password`, { token: s1.token, body: { old_password: 'first-pass-1', new_password: 'second-pass-2' } }), 204);
      // svc.h: svc_user_passwd "ends the user's OTHER sessions": the one that changed it lives on.
      const same = await srv.api('GET', '/me', { token: s1.token });
      const other = await srv.api('GET', '/me', { token: s2.token });
      assert.equal(other.status, 401, `the other session ends: ${fmt(other)}`);
      expectStatus(await srv.api('POST', '/login', { body: { username: 'pia', password: 'first-pass-1' } }), 401, 'auth.invalid_credentials');
      const s3 = await srv.login('pia', { password: 'second-pass-2' });
      // Members cannot set another user's password; admins can.
      const ben = (await srv.api('GET', '/users', admin)).json.items.find((u) => u.username === 'ben');
      expectStatus(await srv.api('POST', `/users/${ben.id}/password`, { token: s3.token, body: { old_password: DEMO_PASSWORD, new_password: 'hacked-pass-1' } }), 403, 'auth.forbidden');
      expectStatus(await srv.api('POST', `/users/${id}/password`, { ...admin, body: { new_password: 'third-pass-3' } }), 204);
      await srv.login('pia', { password: 'third-pass-3' });
      assert.equal(same.status, 200, `the session that changed its own password should live on (svc.h: ends the user's other sessions): ${fmt(same)}`);
    });
  });

  describe('stages', () => {
    test('admin creates, reorders and deletes empty stages', async () => {
      const c = await srv.api('POST', '/stages', { ...admin, body: { key: 'contract_review', name_zh: '合約審閱', name_en: 'Contract Review', guidance: '法務', probability: 85, kind: 'open', position: 8 } });
      expectStatus(c, 201);
      assert.equal(c.json.key, 'contract_review');
      const m = await srv.api('POST', '/stages', { ...admin, body: { key: 'pilot', name_zh: '試用', name_en: 'Pilot', probability: 40, kind: 'open' } });
      expectStatus(m, 201);
      let list = (await srv.api('GET', '/stages', admin)).json.items;
      assert.equal(list.length, 12);
      const positions = list.map((s) => s.position);
      assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
      // Reverse the order and back.
      const ids = list.map((s) => s.id);
      const badOrder = await srv.api('PUT', '/stages/order', { ...admin, body: { ids: ids.slice(1) } });
      assert.equal(badOrder.status, 400, `an order that leaves a stage out: ${fmt(badOrder)}`);
      expectStatus(await srv.api('PUT', '/stages/order', { ...mgr, body: { ids: [...ids].reverse() } }), 403, 'auth.forbidden');
      const rev = await srv.api('PUT', '/stages/order', { ...admin, body: { ids: [...ids].reverse() } });
      expectStatus(rev, 200);
      assert.deepEqual(rev.json.items.map((s) => s.id), [...ids].reverse());
      const s = await srv.api('GET', '/reports/summary', admin);
      assert.deepEqual(s.json.stages.map((x) => x.key), [...list].reverse().map((x) => x.key), 'the summary follows the new order');
      expectStatus(await srv.api('PUT', '/stages/order', { ...admin, body: { ids } }), 200);
      // Delete the two new (empty) stages.
      for (const key of ['contract_review', 'pilot']) {
        // Deleting one stage renumbers (and so versions) the ones after it: read afresh.
        list = (await srv.api('GET', '/stages', admin)).json.items;
        const st = list.find((x) => x.key === key);
        expectStatus(await srv.api('DELETE', `/stages/${st.id}`, { ...mgr, ifMatch: st.version }), 403, 'auth.forbidden');
        expectStatus(await srv.api('DELETE', `/stages/${st.id}`, { ...admin, ifMatch: st.version }), 204);
      }
      assert.equal((await srv.api('GET', '/stages', admin)).json.items.length, 10);
      const sum = await srv.api('GET', '/reports/summary', admin);
      assert.deepEqual(sum.json.open, { count: 7, amount: 2358000, expected: 1295200 });
    });

    test('only an admin shapes the pipeline (docs/API.md: POST /stages is admin)', async () => {
      const m = await srv.api('POST', '/stages', { ...mgr, body: { key: 'mgr_stage', name_zh: '經理階段', name_en: 'Manager Stage', probability: 40, kind: 'open' } });
      if (m.status === 201) expectStatus(await srv.api('DELETE', `/stages/${m.json.id}`, { ...admin, ifMatch: m.json.version }), 204);
      expectStatus(m, 403, 'auth.forbidden', 'manager POST /stages');
    });

    test('stage input checks: bad key, bad kind, over-long guidance', async () => {
      expectStatus(await srv.api('POST', '/stages', { ...admin, body: { key: 'Bad Key', name_zh: '壞', name_en: 'Bad', probability: 5, kind: 'open' } }), 400, undefined, 'bad key');
      expectStatus(await srv.api('POST', '/stages', { ...admin, body: { key: '1abc', name_zh: '壞', name_en: 'Bad', probability: 5, kind: 'open' } }), 400, undefined, 'key starting with a digit');
      expectStatus(await srv.api('POST', '/stages', { ...admin, body: { key: 'okkey', name_zh: '壞', name_en: 'Bad', probability: 5, kind: 'maybe' } }), 400, undefined, 'bad kind');
      expectStatus(await srv.api('POST', '/stages', { ...admin, body: { key: 'okkey', name_zh: '壞', name_en: 'Bad', probability: 5, kind: 'open', guidance: 'g'.repeat(4001) } }), 400, undefined, 'guidance over 4000');
      assert.equal((await srv.api('GET', '/stages', admin)).json.items.length, 10);
    });
  });

  describe('companies and contacts', () => {
    test("a member sees a company only through her deals", async () => {
      expectStatus(await srv.api('GET', `/companies/${companies['HHH製造股份有限公司']}`, amy), 200);
      expectStatus(await srv.api('GET', `/companies/${companies['CCC營造股份有限公司']}`, amy), 403, 'auth.forbidden');
      expectStatus(await srv.api('GET', `/companies/${companies['CCC營造股份有限公司']}/contacts`, amy), 403, 'auth.forbidden');
      expectStatus(await srv.api('GET', `/companies/${companies['CCC營造股份有限公司']}`, mgr), 200);
      expectStatus(await srv.api('GET', '/companies/999999', admin), 404);
    });

    test('companies: managers edit and delete, members do not; a company with deals is in use', async () => {
      const ccc = await srv.api('GET', `/companies/${companies['CCC營造股份有限公司']}`, admin);
      expectStatus(await srv.api('PATCH', `/companies/${ccc.json.id}`, { ...amy, ifMatch: ccc.json.version, body: { phone: '1' } }), 403, 'auth.forbidden');
      const p = await srv.api('PATCH', `/companies/${ccc.json.id}`, { ...mgr, ifMatch: ccc.json.version, body: { website: 'https://ccc.example', phone: '02-0000-0000' } });
      expectStatus(p, 200);
      assert.equal(p.json.website, 'https://ccc.example');
      assert.equal(p.json.version, ccc.json.version + 1);
      const d = await srv.api('DELETE', `/companies/${ccc.json.id}`, { ...mgr, ifMatch: p.json.version });
      assert.equal(d.status, 409, `a company with deals: ${fmt(d)}`);
      const dup = await srv.api('PATCH', `/companies/${ccc.json.id}`, { ...mgr, ifMatch: p.json.version, body: { name: 'AAA科技股份有限公司' } });
      expectStatus(dup, 409, 'company.duplicate');
      const n = await srv.api('POST', '/companies', { ...amy, body: { name: 'MMM 小吃店' } });
      expectStatus(n, 201);
      expectStatus(await srv.api('DELETE', `/companies/${n.json.id}`, { ...amy, ifMatch: n.json.version }), 403, 'auth.forbidden');
      expectStatus(await srv.api('DELETE', `/companies/${n.json.id}`, { ...mgr, ifMatch: n.json.version }), 204);
      expectStatus(await srv.api('GET', `/companies/${n.json.id}`, admin), 404);
      const q = await srv.api('GET', `/companies?q=${encodeURIComponent('營造')}`, admin);
      expectStatus(q, 200);
      assert.deepEqual(q.json.items.map((c) => c.name), ['CCC營造股份有限公司']);
    });

    test('contacts: a member writes contacts of her deals\' companies only', async () => {
      const hhh = companies['HHH製造股份有限公司'];
      const ccc = companies['CCC營造股份有限公司'];
      const c = await srv.api('POST', '/contacts', { ...amy, body: { company_id: hhh, name: '王小明', title: '採購經理', phone: '0912-345-678', email: 'wang@hhh.example' } });
      expectStatus(c, 201);
      assert.equal(c.json.company_id, hhh);
      expectStatus(await srv.api('POST', '/contacts', { ...amy, body: { company_id: ccc, name: '李四' } }), 403, 'auth.forbidden');
      const l = await srv.api('GET', `/companies/${hhh}/contacts`, amy);
      expectStatus(l, 200);
      assert.deepEqual(l.json.items.map((x) => x.name), ['王小明']);
      const g = await srv.api('GET', `/contacts/${c.json.id}`, amy);
      expectStatus(g, 200);
      assert.equal(g.headers.get('etag'), `"${g.json.version}"`);
      const p = await srv.api('PATCH', `/contacts/${c.json.id}`, { ...amy, ifMatch: g.json.version, body: { title: '協理' } });
      expectStatus(p, 200);
      assert.equal(p.json.title, '協理');
      // ben owns no HHH deal: he can neither read nor write it.
      const ben = await srv.as('ben');
      expectStatus(await srv.api('GET', `/contacts/${c.json.id}`, ben), 403, 'auth.forbidden');
      expectStatus(await srv.api('PATCH', `/contacts/${c.json.id}`, { ...ben, ifMatch: p.json.version, body: { title: 'x' } }), 403, 'auth.forbidden');
      const mc = await srv.api('POST', '/contacts', { ...mgr, body: { company_id: ccc, name: '李四', email: 'not-an-email' } });
      assert.ok(mc.status === 201 || mc.status === 400, fmt(mc));
      expectStatus(await srv.api('DELETE', `/contacts/${c.json.id}`, { ...amy, ifMatch: p.json.version }), 204);
      expectStatus(await srv.api('GET', `/contacts/${c.json.id}`, admin), 404);
    });
  });
});
