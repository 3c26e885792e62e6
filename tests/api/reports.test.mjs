// reports.test.mjs - the sales-cycle reports over a hand-computed fixture.
//
// Six deals with known creation, stage-change and close times, written by
// `litecrm import history` (the documented way to give deals a past) and,
// for the deal "with no history", by deleting its history rows with the
// sqlite3 tool (a legacy deal: test-only path). "Now" is fixed with
// ?today=2026-03-31, i.e. the moment 2026-04-01T00:00:00Z. Every time is at
// 00:00:00Z, so every duration is a whole number of days.
//
//   D1 Alpha/Acme  amy 1000  close 2026-02-15  P 01-01 Q 01-05 N 01-11 V 01-21 WON 02-10
//   D2 Beta/Bolt   amy 2000  close 2026-02-28  P 01-10 N 01-20 (skips Q) LOST 02-09
//   D3 Gamma/Cask  ben 3000  close 2026-04-30  P 02-01 Q 02-11 P 02-16 (back) Q 02-21 N 03-01
//                                               amount 2500 until 03-01, then 3000
//   D4 Delta/Dune  ben 4000  close 2026-05-15  P 01-15 LOST 01-25 Q 03-01 (reopened)
//   D5 Echo/Edge   amy  500  no close date     created 03-11 in P, no history rows
//   D6 Fox/Acme    ben 1500  close 2026-03-20  P 02-01 V 02-11 (skips) WON 03-21
//
// P prospecting 10%, Q qualification 10%, N needs_analysis 20%, V value_proposition 50%.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEMO_PASSWORD, etagVersion, expectStatus, fmt, show, sqlExec, startServer } from './helpers.mjs';
// The fixture's deals and history, shared with the browser tests of the report pages.
import { DEALS, HISTORY } from '../browser/reports-fixture.mjs';

const TODAY = 'today=2026-03-31';
const NOW = '2026-04-01T00:00:00Z';

async function ok(ctx, args) {
  const r = await ctx.cli(args);
  assert.equal(r.code, 0, `litecrm ${args.join(' ')}: ${show(r)}`);
  return r;
}

async function setUp(ctx) {
  await ok(ctx, ['init', '--workspace', 'acme', '--currency', 'TWD', '--language', 'en', '--admin', 'admin', '--password', DEMO_PASSWORD]);
  await ok(ctx, ['user', 'add', 'amy', '--password', DEMO_PASSWORD]);
  await ok(ctx, ['user', 'add', 'ben', '--password', DEMO_PASSWORD]);
  for (const [company, name, owner, amount, stage, close] of DEALS) {
    const a = ['deal', 'add', '--company', company, '--name', name, '--owner', owner, '--amount', amount, '--stage', stage];
    if (close) a.push('--close-date', close);
    await ok(ctx, a);
  }
  const file = path.join(ctx.dir, 'history.csv');
  fs.writeFileSync(file, HISTORY);
  const r = await ok(ctx, ['import', 'history', file]);
  assert.match(r.stdout, /imported 20 history rows for 6 deals/, show(r));
  // D5 becomes a legacy deal without history (test-only: straight into the file).
  const q = sqlExec(ctx.db, 'DELETE FROM stage_history WHERE deal_id = 5;'); // SQLite or PostgreSQL
  assert.equal(q.status, 0, `sqlite3: ${q.stderr}`);
  await ok(ctx, ['stage', 'set', 'needs_analysis', '--stalled-days', '40']);
}

describe('reports over the hand-computed fixture', () => {
  let srv;
  let admin;
  const get = async (name, query = '', cred = admin) => {
    const r = await srv.api('GET', `/reports/${name}?${TODAY}${query ? '&' + query : ''}`, cred);
    return expectStatus(r, 200, undefined, `GET /reports/${name}?${query}`);
  };

  before(async () => {
    srv = await startServer({ demo: false, init: setUp });
    admin = await srv.as('admin');
    // Q stalls after 30 days, set through the API.
    const st = await srv.api('GET', '/stages', admin);
    const q = st.json.items.find((s) => s.key === 'qualification');
    const r = await srv.api('PATCH', `/stages/${q.id}`, { ...admin, ifMatch: q.version, body: { stalled_days: 30 } });
    const j = expectStatus(r, 200, undefined, 'PATCH stalled_days');
    assert.equal(j.stalled_days, 30, fmt(r));
  });
  after(async () => {
    await srv?.stop();
  });

  test('stages show stalled_days; out of range and null', async () => {
    const st = (await srv.api('GET', '/stages', admin)).json.items;
    const by = Object.fromEntries(st.map((s) => [s.key, s.stalled_days]));
    assert.equal(by.qualification, 30);
    assert.equal(by.needs_analysis, 40);
    assert.equal(by.prospecting, null);
    const p = st.find((s) => s.key === 'prospecting');
    let r = await srv.api('PATCH', `/stages/${p.id}`, { ...admin, ifMatch: p.version, body: { stalled_days: 0 } });
    expectStatus(r, 400, 'stage.stalled_days_range');
    r = await srv.api('PATCH', `/stages/${p.id}`, { ...admin, ifMatch: p.version, body: { stalled_days: null } });
    assert.equal(expectStatus(r, 200).stalled_days, null);
  });

  test('the deal history was imported with its exact times', async () => {
    const r = await srv.api('GET', '/deals/3/history', admin);
    const items = expectStatus(r, 200).items;
    assert.deepEqual(
      items.map((h) => [h.from_stage, h.to_stage, h.changed_at, h.changed_by_username]),
      [
        [null, 'prospecting', '2026-02-01T00:00:00Z', 'ben'],
        ['prospecting', 'qualification', '2026-02-11T00:00:00Z', 'ben'],
        ['qualification', 'prospecting', '2026-02-16T00:00:00Z', 'ben'],
        ['prospecting', 'qualification', '2026-02-21T00:00:00Z', 'ben'],
        ['qualification', 'needs_analysis', '2026-03-01T00:00:00Z', 'ben'],
      ],
    );
    const d = expectStatus(await srv.api('GET', '/deals/3', admin), 200);
    assert.equal(d.created_at, '2026-02-01T00:00:00Z');
    const ch = expectStatus(await srv.api('GET', '/deals/3/changes', admin), 200).items;
    assert.equal(ch.length, 1, JSON.stringify(ch));
    assert.deepEqual([ch[0].field, ch[0].old, ch[0].new, ch[0].changed_at, ch[0].changed_by_username], ['amount', 2500, 3000, '2026-03-01T00:00:00Z', 'ben']);
    const h5 = expectStatus(await srv.api('GET', '/deals/5/history', admin), 200);
    assert.deepEqual(h5.items, []);
  });

  test('win-rate: overall, per owner, per month', async () => {
    const j = await get('win-rate');
    assert.equal(j.report, 'win-rate');
    assert.equal(j.currency, 'TWD');
    assert.equal(j.now, NOW);
    assert.equal(j.deals, 6);
    assert.deepEqual(j.overall, { won: 2, lost: 1, won_amount: 2500, lost_amount: 2000, win_rate: 66.67, win_rate_value: 55.56 });
    assert.deepEqual(j.by_owner, [
      { owner: 'amy', won: 1, lost: 1, won_amount: 1000, lost_amount: 2000, win_rate: 50, win_rate_value: 33.33 },
      { owner: 'ben', won: 1, lost: 0, won_amount: 1500, lost_amount: 0, win_rate: 100, win_rate_value: 100 },
    ]);
    assert.deepEqual(j.by_period, [
      { period: '2026-02', won: 1, lost: 1, won_amount: 1000, lost_amount: 2000, win_rate: 50, win_rate_value: 33.33 },
      { period: '2026-03', won: 1, lost: 0, won_amount: 1500, lost_amount: 0, win_rate: 100, win_rate_value: 100 },
    ]);
    const q = await get('win-rate', 'group=quarter');
    assert.deepEqual(q.by_period.map((p) => [p.period, p.won, p.lost]), [['2026-Q1', 2, 1]]);
  });

  test('win-rate: the common filters (period, stage reached, owner)', async () => {
    let j = await get('win-rate', 'from=2026-03-01&to=2026-03-31');
    assert.deepEqual([j.overall.won, j.overall.lost, j.overall.won_amount], [1, 0, 1500]);
    j = await get('win-rate', 'stage=needs_analysis');
    assert.equal(j.deals, 3);
    assert.deepEqual([j.overall.won, j.overall.lost], [1, 1]);
    assert.equal(j.filters.stage, 'needs_analysis');
    j = await get('win-rate', 'owner=ben');
    assert.deepEqual([j.overall.won, j.overall.lost, j.deals], [1, 0, 3]);
    const r = await srv.api('GET', `/reports/win-rate?${TODAY}&stage=nope`, admin);
    expectStatus(r, 400, 'request.bad_parameter');
    expectStatus(await srv.api('GET', `/reports/win-rate?from=2026-03-10&to=2026-03-01`, admin), 400, 'request.bad_parameter');
    expectStatus(await srv.api('GET', `/reports/win-rate?group=week`, admin), 400, 'request.bad_parameter');
  });

  test('cycle-length: won and lost, median and mean days', async () => {
    const j = await get('cycle-length');
    assert.deepEqual(j.overall, {
      won: { count: 2, median_days: 44, mean_days: 44 },
      lost: { count: 1, median_days: 30, mean_days: 30 },
    });
    assert.deepEqual(j.by_owner, [
      { owner: 'amy', won: { count: 1, median_days: 40, mean_days: 40 }, lost: { count: 1, median_days: 30, mean_days: 30 } },
      { owner: 'ben', won: { count: 1, median_days: 48, mean_days: 48 }, lost: { count: 0, median_days: null, mean_days: null } },
    ]);
    assert.deepEqual(j.by_period.map((p) => [p.period, p.won.median_days, p.lost.median_days]), [
      ['2026-02', 40, 30],
      ['2026-03', 48, null],
    ]);
  });

  test('time-in-stage: every visit counted, the current stay up to now, the bottleneck', async () => {
    const j = await get('time-in-stage');
    const rows = Object.fromEntries(j.stages.map((s) => [s.key, [s.count, s.median_days, s.mean_days, s.current]]));
    assert.deepEqual(rows.prospecting, [6, 10, 11.67, 1]);
    assert.deepEqual(rows.qualification, [3, 13, 16.67, 1]);
    assert.deepEqual(rows.needs_analysis, [3, 20, 20.33, 1]);
    assert.deepEqual(rows.value_proposition, [2, 29, 29, 0]);
    for (const k of ['id_decision_makers', 'perception_analysis', 'proposal_price_quote', 'negotiation_review'])
      assert.deepEqual(rows[k], [0, null, null, 0], k);
    assert.equal(j.stages.length, 8, 'open stages only');
    assert.deepEqual(j.bottleneck, { id: j.stages[3].id, key: 'value_proposition', name: 'Value Proposition', median_days: 29 });
  });

  test('funnel: reached, advanced, won, lost, open per stage', async () => {
    const j = await get('funnel');
    const rows = j.stages.map((s) => [s.key, s.reached, s.advanced, s.won, s.lost, s.open, s.conversion, s.win_rate]);
    assert.deepEqual(rows, [
      ['prospecting', 6, 5, 2, 0, 1, 83.33, 33.33],
      ['qualification', 5, 4, 2, 0, 1, 80, 40],
      ['needs_analysis', 4, 2, 2, 1, 1, 50, 50],
      ['value_proposition', 2, 2, 2, 0, 0, 100, 100],
      ['id_decision_makers', 2, 2, 2, 0, 0, 100, 100],
      ['perception_analysis', 2, 2, 2, 0, 0, 100, 100],
      ['proposal_price_quote', 2, 2, 2, 0, 0, 100, 100],
      ['negotiation_review', 2, 2, 2, 0, 0, 100, 100],
    ]);
  });

  test('stalled: past the stage setting, per stage and owner', async () => {
    const j = await get('stalled');
    assert.equal(j.total, 1);
    assert.deepEqual(j.items, [
      { deal_id: 4, name: 'Delta', company: 'Dune', owner: 'ben', stage: 'qualification', since: '2026-03-01T00:00:00Z', days: 31, stalled_days: 30 },
    ]);
    assert.deepEqual(j.by_owner, [{ owner: 'ben', count: 1 }]);
    assert.deepEqual(j.by_stage.map((s) => [s.key, s.stalled_days, s.count]), [['qualification', 30, 1]]);
    // One day earlier D4 has been in qualification exactly 30 days: not stalled yet.
    const k = await srv.api('GET', '/reports/stalled?today=2026-03-30', admin);
    assert.equal(expectStatus(k, 200).total, 0, fmt(k));
  });

  test('velocity: open x win rate x average won / cycle, per month', async () => {
    const j = await get('velocity');
    assert.deepEqual(j.overall, { open: 3, won: 2, lost: 1, won_amount: 2500, win_rate: 66.67, average_won: 1250, cycle_days: 44, velocity: 56.82 });
    assert.deepEqual(j.by_period, [
      { period: '2026-02', open: 2, won: 1, lost: 1, won_amount: 1000, win_rate: 50, average_won: 1000, cycle_days: 40, velocity: 25 },
      { period: '2026-03', open: 3, won: 1, lost: 0, won_amount: 1500, win_rate: 100, average_won: 1500, cycle_days: 48, velocity: 93.75 },
    ]);
  });

  test('pipeline-as-of: rebuilt from the history and old amounts', async () => {
    const j = await get('pipeline-as-of', 'as_of=2026-02-28');
    assert.equal(j.as_of, '2026-03-01T00:00:00Z');
    const rows = j.stages.filter((s) => s.count > 0).map((s) => [s.key, s.count, s.amount, s.expected]);
    assert.deepEqual(rows, [
      ['qualification', 1, 2500, 250],
      ['value_proposition', 1, 1500, 750],
    ]);
    assert.deepEqual(j.total, { count: 2, amount: 4000, expected: 1000 });
    const now = await get('pipeline-as-of');
    assert.deepEqual(now.total, { count: 3, amount: 7500, expected: 1050 });
  });

  test('leaderboard: per owner, by won amount', async () => {
    const j = await get('leaderboard');
    assert.deepEqual(j.items, [
      { owner: 'ben', owner_name: j.items[0].owner_name, won: 1, won_amount: 1500, lost: 0, lost_amount: 0, open: 2, open_amount: 7000, expected: 1000, win_rate: 100, cycle_median_days: 48 },
      { owner: 'amy', owner_name: j.items[1].owner_name, won: 1, won_amount: 1000, lost: 1, lost_amount: 2000, open: 1, open_amount: 500, expected: 50, win_rate: 50, cycle_median_days: 40 },
    ]);
  });

  test('forecast: by month of close date, the quarter, the next 12 months', async () => {
    const j = await get('forecast');
    const m = (month, open, open_amount, expected, won, won_amount) => ({ month, open, open_amount, expected, won, won_amount });
    assert.deepEqual(j.months, [
      m('2026-02', 0, 0, 0, 1, 1000),
      m('2026-03', 0, 0, 0, 1, 1500),
      m('2026-04', 1, 3000, 600, 0, 0),
      m('2026-05', 1, 4000, 400, 0, 0),
      m(null, 1, 500, 50, 0, 0),
    ]);
    assert.deepEqual(j.quarter, { quarter: '2026-Q1', open: 0, open_amount: 0, expected: 0, won: 2, won_amount: 2500 });
    assert.equal(j.next_12_months.length, 12);
    assert.deepEqual(j.next_12_months.slice(0, 4), [
      m('2026-03', 0, 0, 0, 1, 1500),
      m('2026-04', 1, 3000, 600, 0, 0),
      m('2026-05', 1, 4000, 400, 0, 0),
      m('2026-06', 0, 0, 0, 0, 0),
    ]);
    assert.equal(j.next_12_months[11].month, '2027-02');
  });

  test('visibility: a member reports on their own deals only', async () => {
    const amy = await srv.as('amy');
    let j = await get('win-rate', '', amy);
    assert.equal(j.deals, 3);
    assert.deepEqual([j.overall.won, j.overall.lost], [1, 1]);
    j = await get('leaderboard', '', amy);
    assert.deepEqual(j.items.map((x) => x.owner), ['amy']);
    j = await get('win-rate', 'owner=ben', amy);
    assert.equal(j.deals, 0);
    expectStatus(await srv.api('GET', '/deals/3/changes', amy), 403, 'auth.forbidden');
    expectStatus(await srv.api('GET', '/reports/win-rate'), 401);
  });

  test('the CLI prints the same JSON, and text', async () => {
    for (const name of ['win-rate', 'funnel', 'forecast']) {
      const cli = await srv.cliJson(['report', name, '--today', '2026-03-31', '--json']);
      assert.deepEqual(cli, await get(name), name);
    }
    const r = await srv.cli(['report', 'time-in-stage'], { env: { LITECRM_TODAY: '2026-03-31' } });
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /bottleneck: value_proposition/);
    assert.match(r.stdout, /now 2026-04-01T00:00:00Z/);
    const bad = await srv.cli(['report', 'nope']);
    assert.notEqual(bad.code, 0);
  });

  test('import history refuses inconsistent files and changes nothing', async () => {
    const cases = [
      ['deal_id,stage,changed_at\n1,prospecting,2026-01-02\n1,closed_won,2026-01-01\n', /earlier than row 2/],
      ['deal_id,stage,changed_at\n1,prospecting,2026-01-02\n1,qualification,2026-01-03\n', /is in stage 'closed_won' now/],
      ['deal_id,stage,changed_at\n1,prospecting,2026-01-02\n1,prospecting,2026-01-03\n1,closed_won,2026-01-04\n', /already in stage/],
      ['deal_id,stage,changed_at\n99,prospecting,2026-01-02\n', /no deal 99/],
      ['deal_id,stage,changed_at\n1,nowhere,2026-01-02\n', /unknown stage 'nowhere'/],
      ['deal_id,stage,changed_at\n1,closed_won,2026-13-02\n', /is not a time/],
      ['company,deal,stage\nAcme,Alpha,closed_won\n', /needs stage, changed_at/],
    ];
    for (const [csv, want] of cases) {
      const f = path.join(srv.dir, 'bad.csv');
      fs.writeFileSync(f, csv);
      const r = await srv.cli(['import', 'history', f]);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, want, show(r));
    }
    const h = expectStatus(await srv.api('GET', '/deals/1/history', admin), 200).items;
    assert.equal(h.length, 5, 'the failed imports changed nothing');
  });

  test('changes of amount, probability, owner and close date are recorded', async () => {
    const d = expectStatus(await srv.api('GET', '/deals/4', admin), 200);
    const r = await srv.api('PATCH', '/deals/4', {
      ...admin,
      ifMatch: d.version,
      body: { amount: 4200.5, probability: 35, owner: 'amy', close_date: '2026-06-30', next_step: 'call' },
    });
    expectStatus(r, 200, undefined, 'PATCH deal 4');
    const ch = expectStatus(await srv.api('GET', '/deals/4/changes', admin), 200).items;
    assert.deepEqual(
      ch.map((c) => [c.field, c.old, c.new, c.changed_by_username]),
      [
        ['amount', 4000, 4200.5, 'admin'],
        ['probability', null, 35, 'admin'],
        ['owner', 'ben', 'amy', 'admin'],
        ['close_date', '2026-05-15', '2026-06-30', 'admin'],
      ],
    );
    const show4 = await srv.cliJson(['deal', 'show', '4', '--json']);
    assert.equal(show4.changes.length, 4);
    const text = await srv.cli(['deal', 'show', '4']);
    assert.match(text.stdout, /changes:\n.*amount: 4000 -> 4200.50/);
    assert.ok(etagVersion(r));
  });
});
