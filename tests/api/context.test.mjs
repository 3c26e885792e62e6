// context.test.mjs - GET /context: the session's context in one request,
// each part as its own route answers it (GET /me, /stages, /users, /views),
// for each caller; it needs a credential like they do.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectStatus, startServer } from './helpers.mjs';

describe('GET /context', () => {
  let srv;

  before(async () => {
    srv = await startServer();
    const admin = await srv.as('admin');
    const amy = await srv.as('amy');
    expectStatus(await srv.api('POST', '/views', { ...admin, body: { name: '全部大案', shared: true, filter: { amount_min: 100000 } } }), 201);
    expectStatus(await srv.api('POST', '/views', { ...amy, body: { name: 'mine', filter: { owner: 'amy', sort: 'amount' } } }), 201);
    expectStatus(await srv.api('POST', '/views', { ...admin, body: { name: 'private to admin' } }), 201);
    // a stage changed, so that the answer is read, not remembered
    const st = expectStatus(await srv.api('GET', '/stages', admin), 200).items[1];
    expectStatus(await srv.api('PATCH', `/stages/${st.id}`, { ...admin, ifMatch: st.version, body: { guidance: '先約見面' } }), 200);
  });
  after(async () => {
    await srv?.stop();
  });

  for (const who of ['admin', 'amy', 'ben']) {
    test(`${who}: the four routes' answers in one`, async () => {
      const cred = await srv.as(who);
      const c = expectStatus(await srv.api('GET', '/context', cred), 200, undefined, who);
      const me = expectStatus(await srv.api('GET', '/me', cred), 200);
      assert.deepEqual(Object.keys(c).sort(), ['stages', 'user', 'users', 'views', 'workspace']);
      assert.deepEqual(c.user, me.user);
      assert.deepEqual(c.workspace, me.workspace);
      assert.equal(c.user.username, who);
      assert.deepEqual(c.stages, expectStatus(await srv.api('GET', '/stages', cred), 200).items);
      assert.deepEqual(c.users, expectStatus(await srv.api('GET', '/users', cred), 200).items);
      assert.deepEqual(c.views, expectStatus(await srv.api('GET', '/views', cred), 200).items);
      assert.ok(c.stages.some((s) => s.guidance === '先約見面'));
      const names = c.views.map((v) => v.name);
      assert.ok(names.includes('全部大案'), `the shared view: ${names}`);
      assert.equal(names.includes('mine'), who === 'amy', `amy's private view: ${names}`);
      assert.equal(names.includes('private to admin'), who === 'admin', `admin's private view: ${names}`);
    });
  }

  test('with the session cookie, and without a credential', async () => {
    const s = await srv.login('ben');
    const c = expectStatus(await srv.api('GET', '/context', { cookie: s.cookie }), 200);
    assert.equal(c.user.username, 'ben');
    expectStatus(await srv.api('GET', '/context'), 401, 'auth.required');
    expectStatus(await srv.api('GET', '/context', { token: 'not-a-token' }), 401);
    expectStatus(await srv.api('POST', '/context', { ...(await srv.as('admin')), body: {} }), 405);
  });
});
