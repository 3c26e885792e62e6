// import-all.test.mjs - `litecrm import all`, the counterpart of `export all
// --json`: a workspace with contacts, moved deals, notes with tags and
// citations and saved views is exported, imported into a new database,
// exported again: the documents are identical apart from the fields
// docs/API.md ("Moving a workspace") names, and the summary figures are
// equal. A workspace that holds data is refused unless --force; a document
// that fails half-way writes nothing. Runs on PostgreSQL too (make test-pg).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, PG_URL, expectStatus, pgFreshDb, runCli, show, startServer } from './helpers.mjs';

// normalize drops what a move does not keep: ids and the references by id,
// versions, the timestamps of records, creators and assigners.
function normalize(doc) {
  const d = structuredClone(doc);
  const drop = (o, keys) => keys.forEach((k) => delete o[k]);
  drop(d.workspace, ['id', 'version']);
  d.users.forEach((u) => drop(u, ['id', 'version', 'created_at']));
  d.stages.forEach((s) => drop(s, ['id', 'version']));
  d.companies.forEach((c) => {
    drop(c, ['id', 'version', 'created_at', 'updated_at']);
    c.contacts.forEach((x) => drop(x, ['id', 'company_id', 'version', 'created_at', 'updated_at']));
  });
  const dealKey = new Map(doc.deals.map((x) => [x.id, `${x.company}/${x.name}`]));
  d.deals.forEach((x) => {
    drop(x, ['id', 'company_id', 'stage_id', 'owner_id', 'assigned_by', 'assigned_at', 'created_by', 'created_at', 'updated_at', 'version']);
    x.history.forEach((h) => drop(h, ['id', 'deal_id', 'from_stage_id', 'to_stage_id', 'changed_by']));
  });
  d.notes.forEach((n) => {
    n.deals = n.deals.map((id) => dealKey.get(id)).sort();
    drop(n, ['id', 'company_id', 'author_id', 'version', 'updated_at']);
  });
  return d;
}

describe('import all', () => {
  let srv, admin;
  const newDb = async () => {
    const db = PG_URL ? pgFreshDb() : path.join(srv.dir, `new-${Date.now()}-${Math.random().toString(36).slice(2)}.db`);
    const r = await runCli(['--db', db, 'init', '--workspace', 'moved', '--admin', 'admin', '--password', DEMO_PASSWORD]);
    assert.equal(r.code, 0, show(r));
    return db;
  };
  const cliOn = (db, args, env) => runCli(['--db', db, ...args], { cwd: srv.dir, env });
  // progressOf: the JSON progress lines a command printed on stderr.
  const progressOf = (r) =>
    r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{"progress"'))
      .map((l) => JSON.parse(l));
  const exportOf = async (db) => {
    const r = await cliOn(db, ['export', 'all', '--json']);
    assert.equal(r.code, 0, show(r));
    return JSON.parse(r.stdout);
  };
  const summaryOf = async (db) => {
    const r = await cliOn(db, ['report', 'summary', '--json']);
    assert.equal(r.code, 0, show(r));
    return JSON.parse(r.stdout);
  };

  before(async () => {
    srv = await startServer();
    admin = await srv.as('admin');
    const amy = await srv.as('amy');
    const co = expectStatus(await srv.api('POST', '/companies', { ...admin, body: { name: '搬家測試股份有限公司', website: 'https://move.example', phone: '02-2345-6789' } }), 201);
    expectStatus(await srv.api('POST', '/contacts', { ...admin, body: { company_id: co.id, name: '林小姐', title: '採購', email: 'lin@move.example' } }), 201);
    const deal = expectStatus(await srv.api('POST', '/deals', { ...amy, body: { company_id: co.id, name: '搬家案', amount: 1234567.5, stage: 'prospecting', close_date: '2027-03-31', next_step: '報價' } }), 201);
    expectStatus(await srv.api('POST', `/deals/${deal.id}/move`, { ...amy, body: { stage: 'value_proposition' } }), 200);
    const note = expectStatus(await srv.api('POST', '/notes', { ...amy, body: { company_id: co.id, title: '拜訪記錄', body: '**預算** 已確認', tags: ['拜訪', 'Q1'] } }), 201);
    expectStatus(await srv.api('POST', `/deals/${deal.id}/notes`, { ...amy, body: { note_id: note.id } }), 200);
    expectStatus(await srv.api('POST', '/views', { ...amy, body: { name: '我的大案', shared: true, filter: { owner: 'amy', amount_min: 100000 } } }), 201);
    expectStatus(await srv.api('POST', '/views', { ...admin, body: { name: 'Won', filter: { status: 'won' } } }), 201);
  });
  after(async () => {
    await srv?.stop();
  });

  test('export all -> import all into a new database -> export all: identical apart from ids and stamps; same summary', async () => {
    const a = await exportOf(srv.db);
    assert.equal(a.litecrm_export, 2);
    assert.ok(a.notes.length >= 1 && a.views.length === 2);
    const file = path.join(srv.dir, 'all.json');
    fs.writeFileSync(file, JSON.stringify(a));
    const db = await newDb();
    const r = await cliOn(db, ['import', 'all', file, '--json']);
    assert.equal(r.code, 0, show(r));
    const counts = JSON.parse(r.stdout);
    assert.equal(counts.deals, a.deals.length);
    assert.equal(counts.companies, a.companies.length);
    assert.equal(counts.notes, a.notes.length);
    assert.equal(counts.views, 2);
    assert.equal(counts.history, a.deals.reduce((n, x) => n + x.history.length, 0));
    const b = await exportOf(db);
    const na = normalize(a);
    const nb = normalize(b);
    na.workspace.slug = nb.workspace.slug; // the target's own slug stays
    assert.deepEqual(nb, na);
    assert.deepEqual(await summaryOf(db), await summaryOf(srv.db));
  });

  test('with --json and not on a terminal, import all and export all print progress as JSON lines', async () => {
    const now = { LITECRM_PROGRESS_AFTER: '0' }; // show progress at once, not after a second
    const ex = await cliOn(srv.db, ['export', 'all', '--json', '-o', path.join(srv.dir, 'p.json')], now);
    assert.equal(ex.code, 0, show(ex));
    const ep = progressOf(ex);
    assert.ok(ep.length >= 1 && ep.every((p) => p.what === 'export'), ex.stderr);
    assert.equal(ep.at(-1).progress, 1);
    const db = await newDb();
    const im = await cliOn(db, ['import', 'all', path.join(srv.dir, 'p.json'), '--json'], now);
    assert.equal(im.code, 0, show(im));
    const ip = progressOf(im);
    assert.ok(ip.length >= 1 && ip.every((p) => p.what === 'import'), im.stderr);
    assert.equal(ip.at(-1).progress, 1);
    // Without --json and off a terminal: nothing on stderr.
    const quiet = await cliOn(await newDb(), ['import', 'all', path.join(srv.dir, 'p.json')], now);
    assert.equal(quiet.code, 0, show(quiet));
    assert.equal(quiet.stderr, '');
    const csv = path.join(srv.dir, 'p.csv');
    fs.writeFileSync(csv, 'company,deal,owner\n進度公司,進度案,amy\n');
    const dl = await cliOn(srv.db, ['import', 'deals', csv, '--json'], now);
    assert.equal(dl.code, 0, show(dl));
    assert.equal(progressOf(dl).at(-1).progress, 1);
  });

  test('a workspace that holds data is refused unless --force; a failing document writes nothing', async () => {
    const a = await exportOf(srv.db);
    const file = path.join(srv.dir, 'again.json');
    fs.writeFileSync(file, JSON.stringify(a));
    const r = await cliOn(srv.db, ['import', 'all', file]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, /already holds companies, deals or notes/);

    const db = await newDb();
    const broken = structuredClone(a);
    broken.deals[broken.deals.length - 1].stage = 'no_such_stage';
    fs.writeFileSync(file, JSON.stringify(broken));
    const bad = await cliOn(db, ['import', 'all', file]);
    assert.equal(bad.code, 1, show(bad));
    assert.match(bad.stderr, new RegExp(`deals\\[${broken.deals.length - 1}\\]`));
    const after = await exportOf(db);
    assert.deepEqual([after.companies.length, after.deals.length, after.notes.length, after.views.length], [0, 0, 0, 0]);
    assert.deepEqual(
      after.users.map((u) => u.username),
      ['admin'],
    );

    fs.writeFileSync(file, JSON.stringify({ ...a, litecrm_export: 99 }));
    const newer = await cliOn(db, ['import', 'all', file]);
    assert.equal(newer.code, 1);
    assert.match(newer.stderr, /newer than this litecrm reads/);
    fs.writeFileSync(file, '{"deals": [');
    const notJson = await cliOn(db, ['import', 'all', file]);
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /not JSON/);

    // --force adds the workspace beside what is there.
    fs.writeFileSync(file, JSON.stringify(a));
    const forced = await cliOn(srv.db, ['import', 'all', file, '--force', '--json']);
    assert.equal(forced.code, 0, show(forced));
    const twice = await exportOf(srv.db);
    assert.equal(twice.deals.length, 2 * a.deals.length);
  });
});
