// matrix.test.mjs - the access-control matrix, generated from the
// route table itself: `litecrm routes --json` lists every route with its
// access rule; each route is called as every role below, and the answer must
// be the one its rule promises. A route without a rule, with a rule this file
// does not know, or without a fixture here fails the test: a new endpoint
// cannot ship without saying who may call it.
//
// Roles: admin, manager, the member who owns the target record (amy), a member
// who does not (ben), another workspace's admin (boss), and anonymous. Every
// target record is amy's and carries the canary text: a read answered to ben,
// boss or anonymous must never contain it (lists, reports, search, counts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, fmt, startServer } from './helpers.mjs';

const CANARY = 'ZQXCANARY';
const ROLES = ['admin', 'manager', 'owner', 'member', 'other', 'anon'];

// What each rule promises, per role: 'ok' (2xx) or a status. For "other"
// (another workspace's admin), a route naming a record of this workspace
// (an {id} in the path) is 404, and one named in a body is 400 (unknown
// company); other routes act on the caller's own workspace and succeed as for an admin.
const OK = 'ok';
const RULES = {
  public: { admin: OK, manager: OK, owner: OK, member: OK, other: OK, anon: OK },
  user: { admin: OK, manager: OK, owner: OK, member: OK, other: OK, anon: 401 },
  admin: { admin: OK, manager: 403, owner: 403, member: 403, other: OK, anon: 401 },
  manager: { admin: OK, manager: OK, owner: 403, member: 403, other: OK, anon: 401 },
  stage_probability: { admin: OK, manager: OK, owner: 403, member: 403, other: OK, anon: 401 },
  self_or_admin: { admin: OK, manager: 403, owner: OK, member: 403, other: OK, anon: 401 },
  deal_owner: { admin: OK, manager: OK, owner: OK, member: 403, other: OK, anon: 401 },
  company_member: { admin: OK, manager: OK, owner: OK, member: 403, other: OK, anon: 401 },
  note_author: { admin: OK, manager: OK, owner: OK, member: 403, other: OK, anon: 401 },
  view_owner: { admin: 403, manager: 403, owner: OK, member: 403, other: OK, anon: 401 },
  token_owner: { admin: 404, manager: 404, owner: OK, member: 404, other: OK, anon: 401 },
};

function expected(route, role) {
  const want = RULES[route.access][role];
  // A company of another workspace named in a body is unknown input: 400 <entity>.company_unknown.
  if (role === 'other' && route.access === 'company_member' && !route.pattern.includes('{id}')) return 400;
  if (role === 'other' && route.pattern.includes('{id}') && want === OK) return 404;
  return want;
}

describe('access-control matrix', () => {
  let srv, routes;
  const creds = {};
  let ids; // the fixtures' ids
  let seq = 0;
  const uniq = (p) => `${p}${process.pid}x${++seq}`;

  async function ok(r, what) {
    assert.ok(r.status >= 200 && r.status < 300, `${what}: ${fmt(r)}`);
    return r.json;
  }
  const as = (role) => creds[role];
  const adm = () => creds.admin;

  async function version(p, cred = adm()) {
    const r = await srv.api('GET', p, cred);
    return (await ok(r, `GET ${p}`)).version;
  }
  async function newDeal() {
    const j = await ok(
      await srv.api('POST', '/deals', { ...as('owner'), body: { company_id: ids.company, name: uniq(`${CANARY} deal `), amount: 100, stage: 'value_proposition' } }),
      'POST /deals',
    );
    return j;
  }
  async function newNote() {
    return ok(await srv.api('POST', '/notes', { ...as('owner'), body: { company_id: ids.company, title: uniq(`${CANARY} note `), body: `${CANARY} body` } }), 'POST /notes');
  }
  async function newContact() {
    return ok(await srv.api('POST', '/contacts', { ...adm(), body: { company_id: ids.company, name: uniq(`${CANARY} contact `) } }), 'POST /contacts');
  }

  // The fixture of each route: prep(role) -> {path, body, ifMatch} for one call.
  // The path is after /api/v1; {id} is filled with the target's id.
  const FIX = {
    'GET /health': async () => ({}),
    'POST /login': async () => ({ body: { username: 'amy', password: DEMO_PASSWORD } }),
    'POST /logout': async (role) => ({ cred: role === 'anon' ? {} : await freshSession(role) }),
    'GET /me': async () => ({}),
    'GET /context': async () => ({}),
    'GET /tokens': async () => ({}),
    'POST /tokens': async () => ({ body: { name: uniq('tok') } }),
    'DELETE /tokens/{id}': async () => {
      const t = await ok(await srv.api('POST', '/tokens', { ...as('owner'), body: { name: uniq(CANARY) } }), 'POST /tokens');
      return { id: t.id };
    },
    'GET /workspace': async () => ({}),
    'PATCH /workspace': async (role) => ({ body: { members_see_all: false }, ifMatch: await version('/workspace', role === 'anon' ? adm() : as(role)) }),
    'GET /users': async () => ({}),
    'POST /users': async () => ({ body: { username: uniq('u'), password: DEMO_PASSWORD, role: 'member' } }),
    'GET /users/{id}': async () => ({ id: ids.amy }),
    'PATCH /users/{id}': async () => ({ id: ids.amy, body: { display_name: 'Amy Lin' }, ifMatch: await version(`/users/${ids.amy}`) }),
    'POST /users/{id}/password': async () => ({ id: ids.amy, body: { old_password: DEMO_PASSWORD, new_password: DEMO_PASSWORD }, after: relogin }),
    'GET /stages': async () => ({}),
    'POST /stages': async () => ({ body: { key: uniq('mx_'), name_zh: '測試', name_en: 'Matrix', probability: 10, kind: 'open' } }),
    'PUT /stages/order': async (role) => {
      const r = await srv.api('GET', '/stages', role === 'other' ? as('other') : adm());
      return { body: { ids: r.json.items.map((s) => s.id) } };
    },
    'GET /stages/{id}': async () => ({ id: ids.stage }),
    'PATCH /stages/{id}': async () => ({ id: ids.stage, body: { probability: 50 }, ifMatch: await version(`/stages/${ids.stage}`) }),
    'DELETE /stages/{id}': async () => {
      const s = await ok(await srv.api('POST', '/stages', { ...adm(), body: { key: uniq('del_'), name_zh: '刪', name_en: 'Del', probability: 10, kind: 'open' } }), 'POST /stages');
      return { id: s.id, ifMatch: s.version };
    },
    'GET /companies': async () => ({ query: `q=${CANARY}` }),
    'POST /companies': async () => ({ body: { name: uniq('Co ') } }),
    'GET /companies/{id}': async () => ({ id: ids.company }),
    'PATCH /companies/{id}': async () => ({ id: ids.company, body: { phone: '02-1234' }, ifMatch: await version(`/companies/${ids.company}`) }),
    'DELETE /companies/{id}': async () => {
      const c = await ok(await srv.api('POST', '/companies', { ...adm(), body: { name: uniq(`${CANARY} gone `) } }), 'POST /companies');
      return { id: c.id, ifMatch: c.version };
    },
    'GET /companies/{id}/contacts': async () => ({ id: ids.company }),
    'POST /contacts': async () => ({ body: { company_id: ids.company, name: uniq('Contact ') } }),
    'GET /contacts/{id}': async () => ({ id: ids.contact }),
    'PATCH /contacts/{id}': async () => ({ id: ids.contact, body: { title: 'CTO' }, ifMatch: await version(`/contacts/${ids.contact}`) }),
    'DELETE /contacts/{id}': async () => {
      const c = await newContact();
      return { id: c.id, ifMatch: c.version };
    },
    'GET /deals': async () => ({ query: 'limit=500&total=1' }),
    'POST /deals': async (role) => ({ body: { company: role === 'other' ? 'Acme Co' : 'Demo Co', name: uniq('deal '), amount: 1 } }),
    'GET /deals/{id}': async () => ({ id: ids.deal }),
    'PATCH /deals/{id}': async () => ({ id: ids.deal, body: { next_step: 'call' }, ifMatch: await version(`/deals/${ids.deal}`) }),
    'DELETE /deals/{id}': async () => {
      const d = await newDeal();
      return { id: d.id, ifMatch: d.version };
    },
    'POST /deals/{id}/move': async () => ({ id: ids.deal, body: { stage: 'value_proposition' } }),
    'GET /deals/{id}/history': async () => ({ id: ids.deal }),
    'GET /deals/{id}/changes': async () => ({ id: ids.deal }),
    'GET /reports/summary': async () => ({}),
    'GET /board': async () => ({ query: 'limit=200' }),
    'GET /views': async () => ({}),
    'POST /views': async () => ({ body: { name: uniq('view '), filter: { status: 'open' } } }),
    'GET /views/{id}': async () => ({ id: ids.view }),
    'PATCH /views/{id}': async () => ({ id: ids.view, body: { filter: { status: 'open' } }, ifMatch: await version(`/views/${ids.view}`, as('owner')) }),
    'DELETE /views/{id}': async () => {
      const v = await ok(await srv.api('POST', '/views', { ...as('owner'), body: { name: uniq(`${CANARY} view `) } }), 'POST /views');
      return { id: v.id, ifMatch: v.version };
    },
    'GET /notes': async () => ({}),
    'POST /notes': async () => ({ body: { company_id: ids.company, title: uniq('note '), body: 'x' } }),
    'GET /notes/{id}': async () => ({ id: ids.note }),
    'PATCH /notes/{id}': async () => ({ id: ids.note, body: { body: `${CANARY} body` }, ifMatch: await version(`/notes/${ids.note}`) }),
    'DELETE /notes/{id}': async () => {
      const n = await newNote();
      return { id: n.id, ifMatch: n.version };
    },
    'GET /notes/{id}/deals': async () => ({ id: ids.note }),
    'GET /deals/{id}/notes': async () => ({ id: ids.deal }),
    'POST /deals/{id}/notes': async () => ({ id: ids.deal, body: { note_id: ids.note } }),
    'DELETE /deals/{id}/notes': async () => {
      await ok(await srv.api('POST', `/deals/${ids.deal}/notes`, { ...adm(), body: { note_id: ids.note } }), 'cite');
      return { id: ids.deal, query: `note_id=${ids.note}` };
    },
    'GET /search': async () => ({ query: `q=${CANARY}` }),
    'GET /audit': async () => ({}),
    'GET /trash/deals': async () => ({}),
    'POST /deals/{id}/restore': async () => ({ id: await trashedDeal() }),
    'DELETE /trash/deals/{id}': async () => ({ id: await trashedDeal() }),
    'POST /import/deals': async () => ({ query: 'dry_run=1', body: 'company,deal,owner\nDemo Co,Matrix deal,amy\n' }),
    'POST /import/companies': async () => ({ query: 'dry_run=1', body: 'company,website\nMatrix Co,https://example.com\n' }),
    'POST /import/contacts': async () => ({ query: 'dry_run=1', body: 'name,company\nMatrix Person,Matrix Co\n' }),
    'POST /import/jobs': async () => ({}),
    'GET /import/jobs/{id}': async (role) => {
      const cred = role === 'admin' || role === 'manager' ? as(role) : adm();
      return { id: (await ok(await srv.api('POST', '/import/jobs', cred), 'POST /import/jobs')).id };
    },
  };
  // A deal of amy's, deleted by her: in the trash.
  async function trashedDeal() {
    const d = await newDeal();
    const r = await srv.api('DELETE', `/deals/${d.id}`, { ...as('owner'), ifMatch: d.version });
    assert.equal(r.status, 204, fmt(r));
    return d.id;
  }
  // Reports and exports: every GET /reports/... and /export/... without a fixture of its own
  // (an export's CSV is checked for the canary like any read; XLSX is compressed).
  const fixtureOf = (r) =>
    FIX[`${r.method} ${r.pattern.replace('/api/v1', '')}`] ||
    (/^\/api\/v1\/(reports|export)\//.test(r.pattern) && r.method === 'GET' ? async () => ({}) : undefined);

  async function freshSession(role) {
    const who = { admin: ['admin'], manager: ['mia'], owner: ['amy'], member: ['ben'], other: ['boss', 'acme', 'boss-pass-123'] }[role];
    const s = await srv.login(who[0], who[1] ? { workspace: who[1], password: who[2] } : {});
    return { token: s.token };
  }
  async function relogin() {
    for (const role of ['owner']) creds[role] = await freshSession(role);
  }

  before(async () => {
    srv = await startServer({ serveArgs: [] });
    const r = await srv.cli(['routes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    routes = JSON.parse(r.stdout);
    const init = await srv.cli(['init', '--workspace', 'acme', '--admin', 'boss', '--password', 'boss-pass-123']);
    assert.equal(init.code, 0, init.stderr);
    creds.admin = await freshSession('admin');
    await ok(await srv.api('POST', '/users', { ...creds.admin, body: { username: 'mia', password: DEMO_PASSWORD, role: 'manager' } }), 'POST /users mia');
    for (const role of ['manager', 'owner', 'member', 'other']) creds[role] = await freshSession(role);
    creds.anon = {};
    ids = { amy: (await srv.api('GET', '/me', creds.owner)).json.user.id };
    const co = await ok(await srv.api('POST', '/companies', { ...creds.owner, body: { name: `${CANARY} Co` } }), 'company');
    ids.company = co.id;
    ids.deal = (await newDeal()).id;
    ids.contact = (await newContact()).id;
    ids.note = (await newNote()).id;
    ids.view = (await ok(await srv.api('POST', '/views', { ...creds.owner, body: { name: `${CANARY} view` } }), 'view')).id;
    const stages = await srv.api('GET', '/stages', creds.admin);
    ids.stage = stages.json.items.find((s) => s.key === 'value_proposition').id;
  });
  after(async () => {
    await srv?.stop();
  });

  test('every route carries an access rule this test knows, and a fixture', () => {
    assert.ok(routes.length >= 38, `only ${routes.length} routes`);
    const bad = routes.filter((r) => !r.access || !RULES[r.access] || !fixtureOf(r)).map((r) => `${r.method} ${r.pattern} access=${r.access}`);
    assert.deepEqual(bad, [], `routes without a (known) access rule or fixture:\n${bad.join('\n')}`);
  });

  test('every route x every role answers as its rule says; no read leaks the canary', async () => {
    const failures = [];
    let cases = 0;
    let leakChecks = 0;
    for (const route of routes) {
      const fix = fixtureOf(route);
      if (!route.access || !RULES[route.access] || !fix) continue;
      for (const role of ROLES) {
        const p = await fix(role);
        let path = route.pattern.replace('/api/v1', '').replace('{id}', String(p.id));
        if (p.query) path += `?${p.query}`;
        const cred = p.cred || as(role);
        const r = await srv.api(route.method, path, { ...cred, body: p.body, ifMatch: p.ifMatch });
        cases++;
        const want = expected(route, role);
        const good = want === OK ? r.status >= 200 && r.status < 300 : r.status === want;
        if (!good) failures.push(`${route.method} ${path} as ${role} (${route.access}): want ${want}, got ${fmt(r).slice(0, 200)}`);
        if (r.status === 500) failures.push(`${route.method} ${path} as ${role}: 500`);
        if (route.method === 'GET' && ['member', 'other', 'anon'].includes(role) && r.status < 300) {
          leakChecks++;
          if (r.text.includes(CANARY)) failures.push(`${route.method} ${path} as ${role} leaks the canary: ${r.text.slice(0, 300)}`);
        }
        if (p.after) await p.after();
      }
    }
    const nroutes = routes.length;
    console.log(`access matrix: ${nroutes} routes x ${ROLES.length} roles = ${cases} cases (+ ${leakChecks} leak checks on reads): ${failures.length} failures`);
    assert.deepEqual(failures, [], failures.join('\n'));
  });
});
