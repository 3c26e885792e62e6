// cli.test.mjs - the command line: each command does what it says, in human
// and --json output; --help on each exits 0.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, SEED, expectStatus, items, runCli, show, startServer } from './helpers.mjs';

const COMMANDS = [
  [],
  ['demo'],
  ['init'],
  ['serve'],
  ['user'],
  ['user', 'add'],
  ['user', 'list'],
  ['stage'],
  ['stage', 'list'],
  ['stage', 'set'],
  ['company'],
  ['company', 'add'],
  ['company', 'list'],
  ['deal'],
  ['deal', 'add'],
  ['deal', 'list'],
  ['deal', 'show'],
  ['deal', 'move'],
  ['deal', 'assign'],
  ['import'],
  ['import', 'deals'],
  ['report'],
  ['report', 'summary'],
  ['workspace'],
  ['workspace', 'set'],
];

// The three groups are independent and run side by side (under valgrind each
// command takes about a second); the demo database's steps build on each other.
describe('cli', { concurrency: true }, () => {
  let srv;
  let dealsByName;
  const findDeal = async (name) => {
    const list = items(await srv.cliJson(['deal', 'list', '--json']));
    return list.find((d) => d.name === name);
  };

  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv?.stop();
  });

  describe('--help', { concurrency: 4 }, () => {
    for (const cmd of COMMANDS) {
      test(`litecrm ${[...cmd, '--help'].join(' ')} exits 0 with usage on stdout`, async () => {
        const r = await runCli([...cmd, '--help']);
        assert.equal(r.code, 0, show(r));
        assert.match(r.stdout, /usage/i, show(r));
      });
    }
    test('litecrm with no arguments is a usage error (exit 2)', async () => {
      const r = await runCli([]);
      assert.equal(r.code, 2, show(r));
    });
  });

  describe('init and the global options', () => {
    let dir;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'litecrm-cli-'));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('init creates a workspace with the default pipeline and its admin', async () => {
      const db = path.join(dir, 'a.db');
      const r = await runCli(['--db', db, 'init', '--workspace', 'team', '--admin', 'root', '--password', 'root-pass-123']);
      assert.equal(r.code, 0, show(r));
      const users = items(await (async () => {
        const u = await runCli(['--db', db, 'user', 'list', '--json']);
        assert.equal(u.code, 0, show(u));
        return JSON.parse(u.stdout);
      })());
      assert.deepEqual(users.map((u) => [u.username, u.role]), [['root', 'admin']]);
      const st = await runCli(['--db', db, 'stage', 'list', '--json']);
      assert.equal(st.code, 0, show(st));
      const stages = items(JSON.parse(st.stdout));
      assert.equal(stages.length, 10);
      assert.deepEqual(stages.map((s) => s.probability), [10, 10, 20, 50, 60, 70, 75, 90, 100, 0]);
      // The same slug again is refused.
      const again = await runCli(['--db', db, 'init', '--workspace', 'team', '--admin', 'x', '--password', 'root-pass-123']);
      assert.equal(again.code, 1, show(again));
      // A short password is refused.
      const short = await runCli(['--db', path.join(dir, 'b.db'), 'init', '--workspace', 'b', '--admin', 'x', '--password', 'short']);
      assert.equal(short.code, 1, show(short));
    });

    test('LITECRM_DB stands in for --db; --workspace picks the workspace', async () => {
      const db = path.join(dir, 'env.db');
      const a = await runCli(['--db', db, 'init', '--workspace', 'one', '--admin', 'u1', '--password', 'pass-word-1']);
      assert.equal(a.code, 0, show(a));
      const b = await runCli(['init', '--workspace', 'two', '--admin', 'u2', '--password', 'pass-word-2'], { env: { LITECRM_DB: db } });
      assert.equal(b.code, 0, show(b));
      const one = await runCli(['--workspace', 'one', 'user', 'list', '--json'], { env: { LITECRM_DB: db } });
      assert.equal(one.code, 0, show(one));
      assert.deepEqual(items(JSON.parse(one.stdout)).map((u) => u.username), ['u1']);
      const two = await runCli(['--db', db, '--workspace', 'two', 'user', 'list', '--json']);
      assert.deepEqual(items(JSON.parse(two.stdout)).map((u) => u.username), ['u2']);
      const none = await runCli(['--db', db, '--workspace', 'nope', 'user', 'list']);
      assert.equal(none.code, 1, show(none));
    });

    test('a second demo on the same database does not import the seed twice', async () => {
      const db = path.join(dir, 'demo.db');
      const a = await runCli(['--db', db, 'demo']);
      assert.equal(a.code, 0, show(a));
      const b = await runCli(['--db', db, 'demo']);
      assert.ok(b.code === 0 || b.code === 1, show(b));
      const list = await runCli(['--db', db, 'deal', 'list', '--json']);
      assert.equal(items(JSON.parse(list.stdout)).length, SEED.length, 'the demo deals are not imported twice');
    });
  });

  describe('demo database', { concurrency: 1 }, () => {
    test('demo: workspace demo, users admin/amy/ben/chen, ten seed deals', async () => {
      const users = items(await srv.cliJson(['user', 'list', '--json']));
      const byName = Object.fromEntries(users.map((u) => [u.username, u]));
      assert.equal(byName.admin?.role, 'admin');
      for (const m of ['amy', 'ben', 'chen']) assert.equal(byName[m]?.role, 'member', m);
      const deals = items(await srv.cliJson(['deal', 'list', '--json']));
      assert.equal(deals.length, SEED.length);
      dealsByName = Object.fromEntries(deals.map((d) => [d.name, d]));
      for (const row of SEED) {
        const d = dealsByName[row.deal];
        assert.ok(d, row.deal);
        assert.equal(d.company, row.company);
        assert.equal(d.amount, row.amount);
        assert.equal(d.currency, 'TWD');
        assert.equal(d.owner, row.owner);
        assert.equal(d.close_date, row.close_date);
      }
      // Every demo user logs in with LITECRM_DEMO_PASSWORD.
      for (const u of ['admin', 'amy', 'ben', 'chen']) await srv.login(u, { password: DEMO_PASSWORD });
    });

    test('user add / user list (human and --json)', async () => {
      const r = await srv.cli(['user', 'add', 'dora', '--role', 'manager', '--password', 'dora-pass-1']);
      assert.equal(r.code, 0, show(r));
      const users = items(await srv.cliJson(['user', 'list', '--json']));
      const dora = users.find((u) => u.username === 'dora');
      assert.equal(dora?.role, 'manager');
      assert.equal(dora.active, true);
      assert.ok(!JSON.stringify(users).match(/password|hash/i), 'no password material in user list');
      const h = await srv.cli(['user', 'list']);
      assert.equal(h.code, 0, show(h));
      assert.match(h.stdout, /dora/);
      assert.match(h.stdout, /manager/);
      await srv.login('dora', { password: 'dora-pass-1' });
      const dup = await srv.cli(['user', 'add', 'dora', '--role', 'member', '--password', 'dora-pass-1']);
      assert.equal(dup.code, 1, show(dup));
      const badRole = await srv.cli(['user', 'add', 'eve', '--role', 'emperor', '--password', 'eve-pass-12']);
      assert.notEqual(badRole.code, 0, show(badRole));
      const short = await srv.cli(['user', 'add', 'eve', '--role', 'member', '--password', 'short']);
      assert.equal(short.code, 1, show(short));
      const badName = await srv.cli(['user', 'add', 'e v e', '--role', 'member', '--password', 'eve-pass-12']);
      assert.equal(badName.code, 1, show(badName));
    });

    test('stage list / stage set --probability', async () => {
      const stages = items(await srv.cliJson(['stage', 'list', '--json']));
      assert.equal(stages.length, 10);
      const vp = stages.find((s) => s.key === 'value_proposition');
      assert.equal(vp.name_zh, '價值主張');
      assert.equal(vp.name_en, 'Value Proposition');
      assert.equal(vp.probability, 50);
      const h = await srv.cli(['stage', 'list']);
      assert.equal(h.code, 0, show(h));
      assert.match(h.stdout, /價值主張/);
      assert.match(h.stdout, /value_proposition/);
      const s = await srv.cli(['stage', 'set', 'value_proposition', '--probability', '45']);
      assert.equal(s.code, 0, show(s));
      const after_ = items(await srv.cliJson(['stage', 'list', '--json'])).find((x) => x.key === 'value_proposition');
      assert.equal(after_.probability, 45);
      // By zh-TW name too.
      const z = await srv.cli(['stage', 'set', '價值主張', '--probability', '50']);
      assert.equal(z.code, 0, show(z));
      assert.equal(items(await srv.cliJson(['stage', 'list', '--json'])).find((x) => x.key === 'value_proposition').probability, 50);
      const bad = await srv.cli(['stage', 'set', 'value_proposition', '--probability', '101']);
      assert.notEqual(bad.code, 0, show(bad));
      const unknown = await srv.cli(['stage', 'set', 'no_such_stage', '--probability', '5']);
      assert.equal(unknown.code, 1, show(unknown));
      assert.equal(items(await srv.cliJson(['stage', 'list', '--json'])).find((x) => x.key === 'value_proposition').probability, 50);
    });

    test('company add / company list', async () => {
      const r = await srv.cli(['company', 'add', 'JJJ 軟體股份有限公司']);
      assert.equal(r.code, 0, show(r));
      const list = items(await srv.cliJson(['company', 'list', '--json']));
      assert.ok(list.some((c) => c.name === 'JJJ 軟體股份有限公司'), JSON.stringify(list));
      assert.ok(list.some((c) => c.name === 'CCC營造股份有限公司'));
      const h = await srv.cli(['company', 'list']);
      assert.equal(h.code, 0, show(h));
      assert.match(h.stdout, /JJJ 軟體股份有限公司/);
      const dup = await srv.cli(['company', 'add', 'JJJ 軟體股份有限公司']);
      assert.equal(dup.code, 1, show(dup));
    });

    test('deal add / deal show / deal list --owner', async () => {
      const r = await srv.cli([
        'deal', 'add', '--company', 'JJJ 軟體股份有限公司', '--name', 'ERP 導入', '--amount', '300000',
        '--stage', '價值主張', '--owner', 'amy', '--close-date', '2027-03-31',
      ]);
      assert.equal(r.code, 0, show(r));
      const d = await findDeal('ERP 導入');
      assert.ok(d, 'the new deal is listed');
      const shown = await srv.cliJson(['deal', 'show', String(d.id), '--json']);
      assert.equal(shown.id, d.id);
      assert.equal(shown.company, 'JJJ 軟體股份有限公司');
      assert.equal(shown.amount, 300000);
      assert.equal(shown.currency, 'TWD');
      assert.equal(shown.stage, 'value_proposition');
      assert.equal(shown.status, 'open');
      assert.equal(shown.probability, 50);
      assert.equal(shown.expected, 150000);
      assert.equal(shown.owner, 'amy');
      assert.equal(shown.close_date, '2027-03-31');
      const h = await srv.cli(['deal', 'show', String(d.id)]);
      assert.equal(h.code, 0, show(h));
      assert.match(h.stdout, /ERP 導入/);
      assert.match(h.stdout, /JJJ 軟體股份有限公司/);

      const amy = items(await srv.cliJson(['deal', 'list', '--json', '--owner', 'amy']));
      assert.deepEqual(
        amy.map((x) => x.name).sort(),
        [...SEED.filter((x) => x.owner === 'amy').map((x) => x.deal), 'ERP 導入'].sort(),
      );
      const hl = await srv.cli(['deal', 'list', '--owner', 'amy']);
      assert.equal(hl.code, 0, show(hl));
      assert.match(hl.stdout, /ERP 導入/);
      assert.doesNotMatch(hl.stdout, /工地管理平台/, 'ben\'s deal is not in --owner amy');
      // The API sees the CLI's deal.
      const admin = await srv.as('admin');
      const g = await srv.api('GET', `/deals/${d.id}`, admin);
      expectStatus(g, 200);
      assert.equal(g.json.name, 'ERP 導入');
    });

    test('deal move / deal assign', async () => {
      const d = await findDeal('ERP 導入');
      const m = await srv.cli(['deal', 'move', String(d.id), 'proposal_price_quote']);
      const byKey = m.code === 0 ? m : await srv.cli(['deal', 'move', String(d.id), '提案/報價']);
      assert.equal(byKey.code, 0, show(byKey));
      let shown = await srv.cliJson(['deal', 'show', String(d.id), '--json']);
      assert.equal(shown.probability, 75);
      assert.equal(shown.expected, 225000);
      const w = await srv.cli(['deal', 'move', String(d.id), '成交']);
      assert.equal(w.code, 0, show(w));
      shown = await srv.cliJson(['deal', 'show', String(d.id), '--json']);
      assert.equal(shown.status, 'won');
      const a = await srv.cli(['deal', 'assign', String(d.id), 'ben']);
      assert.equal(a.code, 0, show(a));
      shown = await srv.cliJson(['deal', 'show', String(d.id), '--json']);
      assert.equal(shown.owner, 'ben');
      const badStage = await srv.cli(['deal', 'move', String(d.id), 'nowhere']);
      assert.equal(badStage.code, 1, show(badStage));
      const badUser = await srv.cli(['deal', 'assign', String(d.id), 'nobody']);
      assert.equal(badUser.code, 1, show(badUser));
      const badId = await srv.cli(['deal', 'move', '999999', '成交']);
      assert.equal(badId.code, 1, show(badId));
      // Move back so later figures hold.
      assert.equal((await srv.cli(['deal', 'move', String(d.id), '價值主張'])).code, 0);
      assert.equal((await srv.cli(['deal', 'assign', String(d.id), 'amy'])).code, 0);
    });

    test('import deals: all rows, companies created, figures add up', async () => {
      const f = path.join(srv.dir, 'more.csv');
      fs.writeFileSync(
        f,
        [
          'company,deal,stage,amount,currency,owner,close_date',
          'KKK 電子,"MES, 第二期",勘探,100000,TWD,amy,2027-04-01',
          'KKK 電子,MES 維護,談判/檢視,50000,TWD,ben,',
          'Northwind Traders,"Pilot ""Alpha""",Qualification,20000,TWD,chen,2027-05-05',
        ].join('\n') + '\n',
      );
      const before_ = items(await srv.cliJson(['deal', 'list', '--json'])).length;
      const r = await srv.cli(['import', 'deals', f]);
      assert.equal(r.code, 0, show(r));
      const all = items(await srv.cliJson(['deal', 'list', '--json']));
      assert.equal(all.length, before_ + 3);
      const mes = all.find((x) => x.name === 'MES, 第二期');
      assert.ok(mes, 'quoted commas survive');
      assert.equal(mes.company, 'KKK 電子');
      assert.ok(all.find((x) => x.name === 'Pilot "Alpha"'), 'doubled quotes survive');
      const nw = all.find((x) => x.name === 'Pilot "Alpha"');
      assert.equal(nw.probability, 10);
      assert.ok([null, ''].includes(all.find((x) => x.name === 'MES 維護').close_date), 'an empty close_date is unset');
      const comps = items(await srv.cliJson(['company', 'list', '--json']));
      assert.equal(comps.filter((c) => c.name === 'KKK 電子').length, 1, 'one company for two rows');
    });

    test('report summary (human and --json, --owner)', async () => {
      const s = await srv.cliJson(['report', 'summary', '--json']);
      // Seed + ERP 導入 (300000 @50) + MES 第二期 (100000 @10) + MES 維護 (50000 @90) + Pilot (20000 @10).
      assert.deepEqual(s.open, { count: 11, amount: 2358000 + 470000, expected: 1295200 + 150000 + 10000 + 45000 + 2000 });
      assert.deepEqual(s.won, { count: 1, amount: 125000 });
      assert.deepEqual(s.lost, { count: 2, amount: 55000 });
      const o = await srv.cliJson(['report', 'summary', '--owner', 'chen', '--json']);
      assert.deepEqual(o.open, { count: 3, amount: 420000, expected: 284000 });
      const h = await srv.cli(['report', 'summary']);
      assert.equal(h.code, 0, show(h));
      assert.match(h.stdout, /價值主張/);
      assert.match(h.stdout, /125,?000/);
      assert.match(h.stdout, /55,?000/);
      const bad = await srv.cli(['report', 'summary', '--owner', 'nobody']);
      assert.equal(bad.code, 1, show(bad));
    });

    test('report rebuild recomputes the same summary and closes the database', async () => {
      const before = await srv.cliJson(['report', 'summary', '--json']);
      // Under the sanitizers or valgrind (make test-valgrind) a leak fails the command.
      const r = await srv.cli(['report', 'rebuild']);
      assert.equal(r.code, 0, show(r));
      assert.deepEqual(await srv.cliJson(['report', 'summary', '--json']), before);
    });

    test('workspace set --members-see-all yes|no', async () => {
      const amy = await srv.as('amy');
      const bens = (await srv.api('GET', '/deals?owner=ben&limit=500', await srv.as('admin'))).json.items[0];
      expectStatus(await srv.api('GET', `/deals/${bens.id}`, amy), 403, 'auth.forbidden');
      const y = await srv.cli(['workspace', 'set', '--members-see-all', 'yes']);
      assert.equal(y.code, 0, show(y));
      expectStatus(await srv.api('GET', `/deals/${bens.id}`, amy), 200);
      assert.equal((await srv.api('GET', '/workspace', amy)).json.members_see_all, true);
      const n = await srv.cli(['workspace', 'set', '--members-see-all', 'no']);
      assert.equal(n.code, 0, show(n));
      expectStatus(await srv.api('GET', `/deals/${bens.id}`, amy), 403, 'auth.forbidden');
      const bad = await srv.cli(['workspace', 'set', '--members-see-all', 'maybe']);
      assert.notEqual(bad.code, 0, show(bad));
    });

    test('--as acts as a user: a member sees only her deals', async () => {
      const r = items(await srv.cliJson(['deal', 'list', '--json', '--as', 'chen']));
      assert.ok(r.length > 0);
      assert.ok(r.every((d) => d.owner === 'chen'), JSON.stringify(r.map((d) => d.owner)));
    });

    test('serve prints "litecrm: serving on http://..." when ready and stops on SIGTERM', async () => {
      // The harness's server is running; its output shows the banner.
      const { stdout, stderr } = srv.output();
      assert.match(stdout + stderr, /litecrm: serving on http:\/\/127\.0\.0\.1:\d+/);
    });
  });
});
