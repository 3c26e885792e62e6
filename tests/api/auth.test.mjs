// auth.test.mjs - login, session cookie and CSRF, bearer tokens, logout, API tokens.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, cookiesOf, expectStatus, fmt, startServer } from './helpers.mjs';

const UNAUTH = ['auth.required', 'auth.invalid_credentials'];

function expect401(r, what) {
  assert.equal(r.status, 401, `${what}: ${fmt(r)}`);
  assert.ok(UNAUTH.includes(r.json?.error?.code), `${what}: code ${fmt(r)}`);
}

describe('auth', () => {
  let srv;
  let n = 0;
  const uniq = (p) => `${p} ${process.pid}-${++n}`;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.stop();
  });

  test('GET /health needs no credential', async () => {
    const r = await srv.api('GET', '/health');
    expectStatus(r, 200);
    assert.deepEqual(r.json, { ok: true });
    assert.match(r.headers.get('content-type') || '', /application\/json/);
  });

  test('no credential: 401 auth.required', async () => {
    expectStatus(await srv.api('GET', '/deals'), 401, 'auth.required');
    expectStatus(await srv.api('GET', '/me'), 401, 'auth.required');
    expectStatus(await srv.api('POST', '/companies', { body: { name: uniq('x') } }), 401, 'auth.required');
  });

  test('unknown bearer token: 401', async () => {
    expect401(await srv.api('GET', '/me', { token: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 'bogus bearer');
    expect401(await srv.api('GET', '/me', { cookie: 'litecrm_session=nope' }), 'bogus cookie');
  });

  test('login ok: token, csrf_token, user, workspace', async () => {
    const r = await srv.api('POST', '/login', { body: { workspace: 'demo', username: 'admin', password: DEMO_PASSWORD } });
    expectStatus(r, 200);
    assert.equal(typeof r.json.token, 'string');
    assert.ok(r.json.token.length >= 32, fmt(r));
    assert.equal(typeof r.json.csrf_token, 'string');
    assert.ok(r.json.csrf_token.length >= 32, fmt(r));
    assert.equal(r.json.user.username, 'admin');
    assert.equal(r.json.user.role, 'admin');
    assert.equal(r.json.workspace.slug, 'demo');
    assert.equal(r.json.workspace.currency, 'TWD');
    assert.equal(r.json.workspace.language, 'zh-TW');
    assert.equal(r.json.workspace.members_see_all, false);
    assert.ok(!JSON.stringify(r.json.user).match(/password|hash/i), `user leaks a password: ${fmt(r)}`);
    // Without a workspace: the first one (demo).
    const s = await srv.login('amy');
    assert.equal(s.json.user.role, 'member');
    const me = await srv.api('GET', '/me', { token: s.token });
    expectStatus(me, 200);
    assert.equal(me.json.user.username, 'amy');
    assert.equal(me.json.workspace.slug, 'demo');
  });

  test('bad password, unknown user, inactive user: the same 401 code and message', async () => {
    const bad = await srv.api('POST', '/login', { body: { username: 'amy', password: 'wrong-password' } });
    const unknown = await srv.api('POST', '/login', { body: { username: 'nobody', password: DEMO_PASSWORD } });
    const wrongWs = await srv.api('POST', '/login', { body: { workspace: 'nope', username: 'amy', password: DEMO_PASSWORD } });
    expectStatus(bad, 401, 'auth.invalid_credentials', 'bad password');
    expectStatus(unknown, 401, 'auth.invalid_credentials', 'unknown user');
    assert.equal(bad.json.error.message, unknown.json.error.message);
    assert.equal(wrongWs.status, 401, fmt(wrongWs));
    assert.ok(!('set-cookie' in Object.fromEntries(bad.headers)), 'a failed login sets no cookie');

    // Deactivate chen, then log in as chen.
    const admin = await srv.as('admin');
    const users = (await srv.api('GET', '/users', admin)).json.items;
    const chen = users.find((u) => u.username === 'chen');
    const p = await srv.api('PATCH', `/users/${chen.id}`, { ...admin, ifMatch: chen.version, body: { active: false } });
    expectStatus(p, 200);
    assert.equal(p.json.active, false);
    const inactive = await srv.api('POST', '/login', { body: { username: 'chen', password: DEMO_PASSWORD } });
    expectStatus(inactive, 401, 'auth.invalid_credentials', 'inactive user');
    assert.equal(inactive.json.error.message, bad.json.error.message);
    const back = await srv.api('PATCH', `/users/${chen.id}`, { ...admin, ifMatch: p.json.version, body: { active: true } });
    expectStatus(back, 200);
  });

  test('login body checks: missing field and malformed JSON are 400, not 401/500', async () => {
    const r = await srv.api('POST', '/login', { body: '{"username":' });
    expectStatus(r, 400, 'request.malformed_json');
    const t = await srv.api('POST', '/login', { body: { username: 5, password: 'x' } });
    expectStatus(t, 400, 'request.type');
  });

  test('session cookie flags: HttpOnly, SameSite=Lax, Path=/; csrf cookie readable', async () => {
    const s = await srv.login('ben');
    const c = s.cookies.litecrm_session;
    assert.ok(c, `no litecrm_session cookie; got ${JSON.stringify(s.cookies)}`);
    const attrs = c.attrs.map((a) => a.toLowerCase());
    assert.ok(attrs.includes('httponly'), c.line);
    assert.ok(attrs.includes('samesite=lax'), c.line);
    assert.ok(attrs.includes('path=/'), c.line);
    assert.ok(!attrs.includes('secure'), `Secure only behind TLS: ${c.line}`);
    assert.notEqual(c.value, '');
    const x = s.cookies.litecrm_csrf;
    assert.ok(x, `no litecrm_csrf cookie; got ${JSON.stringify(s.cookies)}`);
    assert.ok(!x.attrs.map((a) => a.toLowerCase()).includes('httponly'), `the csrf cookie must be readable: ${x.line}`);
    assert.equal(decodeURIComponent(x.value), s.csrf);
  });

  test('cookie: reads need no CSRF token; writes without X-CSRF-Token are 403 auth.csrf', async () => {
    const s = await srv.login('ben');
    const cookie = s.cookie;
    const g = await srv.api('GET', '/me', { cookie });
    expectStatus(g, 200);
    assert.equal(g.json.user.username, 'ben');

    const name = uniq('CSRF 測試公司');
    const no = await srv.api('POST', '/companies', { cookie, body: { name } });
    expectStatus(no, 403, 'auth.csrf', 'cookie write without csrf');
    const wrong = await srv.api('POST', '/companies', { cookie, csrf: 'f'.repeat(64), body: { name } });
    expectStatus(wrong, 403, 'auth.csrf', 'cookie write with a wrong csrf');
    // Nothing was written.
    const list = await srv.api('GET', `/companies?q=${encodeURIComponent(name)}`, { cookie });
    expectStatus(list, 200);
    assert.equal(list.json.items.filter((c) => c.name === name).length, 0, fmt(list));

    const ok = await srv.api('POST', '/companies', { cookie, csrf: s.csrf, body: { name } });
    expectStatus(ok, 201);
    assert.equal(ok.json.name, name);

    // Another session's CSRF token does not fit this session.
    const other = await srv.login('ben');
    const cross = await srv.api('POST', '/companies', { cookie, csrf: other.csrf, body: { name: uniq('cross') } });
    expectStatus(cross, 403, 'auth.csrf', 'csrf of another session');

    // PATCH and DELETE are writes too.
    const p = await srv.api('PATCH', `/users/${s.json.user.id}`, { cookie, ifMatch: s.json.user.version, body: { display_name: 'Ben' } });
    expectStatus(p, 403, 'auth.csrf', 'cookie PATCH without csrf');
  });

  test('bearer: writes need no CSRF token', async () => {
    const s = await srv.login('ben');
    const r = await srv.api('POST', '/companies', { token: s.token, body: { name: uniq('Bearer Co') } });
    expectStatus(r, 201);
  });

  test('logout ends the session (bearer and cookie)', async () => {
    const s = await srv.login('amy');
    expectStatus(await srv.api('GET', '/me', { token: s.token }), 200);
    const o = await srv.api('POST', '/logout', { token: s.token });
    expectStatus(o, 204);
    expect401(await srv.api('GET', '/me', { token: s.token }), 'after logout (bearer)');
    // The routes that read in one transaction with the credential's check too.
    expect401(await srv.api('GET', '/deals?limit=1', { token: s.token }), 'deal list after logout');
    expect401(await srv.api('GET', '/deals/1', { token: s.token }), 'a deal after logout');
    expect401(await srv.api('GET', '/board', { token: s.token }), 'the board after logout');
    expect401(await srv.api('GET', '/context', { token: s.token }), 'the session\'s context after logout');
    // The cookie of the same session is gone too.
    expect401(await srv.api('GET', '/me', { cookie: s.cookie }), 'after logout (cookie of the same session)');

    const c = await srv.login('amy');
    const noCsrf = await srv.api('POST', '/logout', { cookie: c.cookie });
    expectStatus(noCsrf, 403, 'auth.csrf', 'cookie logout without csrf');
    expectStatus(await srv.api('GET', '/me', { cookie: c.cookie }), 200);
    const out = await srv.api('POST', '/logout', { cookie: c.cookie, csrf: c.csrf });
    expectStatus(out, 204);
    expect401(await srv.api('GET', '/me', { cookie: c.cookie }), 'after logout (cookie)');
    // Other sessions of the same user live on.
    const other = await srv.as('amy');
    expectStatus(await srv.api('GET', '/me', { token: other.token }), 200);
  });

  test('personal API token: create, use, list without the secret, revoke', async () => {
    const s = await srv.login('amy');
    const c = await srv.api('POST', '/tokens', { token: s.token, body: { name: 'ci' } });
    expectStatus(c, 201);
    const secret = c.json.token;
    assert.equal(typeof secret, 'string');
    assert.ok(secret.length >= 32, fmt(c));
    assert.notEqual(secret, s.token);
    assert.ok(c.json.id, `the answer names the token's id: ${fmt(c)}`);

    const me = await srv.api('GET', '/me', { token: secret });
    expectStatus(me, 200);
    assert.equal(me.json.user.username, 'amy');
    // An API token writes without CSRF.
    expectStatus(await srv.api('POST', '/companies', { token: secret, body: { name: uniq('Token Co') } }), 201);

    const list = await srv.api('GET', '/tokens', { token: s.token });
    expectStatus(list, 200);
    const mine = list.json.items.find((t) => t.id === c.json.id);
    assert.ok(mine, `GET /tokens lists the token: ${fmt(list)}`);
    assert.equal(mine.name, 'ci');
    assert.ok(!list.text.includes(secret), 'GET /tokens must not show the secret again');

    // Another user cannot see or revoke it.
    const ben = await srv.as('ben');
    const bl = await srv.api('GET', '/tokens', ben);
    assert.ok(!bl.json.items.some((t) => t.id === c.json.id), `ben sees amy's token: ${fmt(bl)}`);
    const bd = await srv.api('DELETE', `/tokens/${c.json.id}`, { ...ben, ifMatch: mine.version });
    assert.ok([403, 404].includes(bd.status), `ben revoking amy's token: ${fmt(bd)}`);
    expectStatus(await srv.api('GET', '/me', { token: secret }), 200);

    const d = await srv.api('DELETE', `/tokens/${c.json.id}`, { token: s.token, ifMatch: mine.version });
    expectStatus(d, 204);
    expect401(await srv.api('GET', '/me', { token: secret }), 'revoked API token');
    // The login session is unaffected.
    expectStatus(await srv.api('GET', '/me', { token: s.token }), 200);
  });

  test('the CSRF token is not a bearer credential', async () => {
    const s = await srv.login('ben');
    expect401(await srv.api('GET', '/me', { token: s.csrf }), 'csrf token used as bearer');
  });
});
