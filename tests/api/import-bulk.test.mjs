// import-bulk.test.mjs - a deal import large against the database (SQLite's
// bulk mode: the secondary indexes of deal and deal_fact dropped and built
// again, the new deals' report rows written once at the end) leaves the same
// database a row-by-row write would: every index back, the report tables
// equal to what the deals and their history say and to what `litecrm report
// rebuild` computes, and a failing import leaves the file byte for byte as it was.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { show, startServer } from './helpers.mjs';

const ROWS = 12000; // above the bulk mode's threshold (10,000) and twice the demo's deals
const REPEATS = 25; // rows at the end that name an earlier row's external id
const STAGES = ['prospecting', 'qualification', 'needs_analysis', 'negotiation_review', 'closed_won', 'closed_lost'];

// dealsCsv: ROWS rows over 40 companies and the demo's owners; the last
// REPEATS rows update the first deals (another stage, another amount).
function dealsCsv(bad = false) {
  const lines = ['company,deal,stage,amount,currency,owner,close_date,probability,external_id'];
  const owners = ['amy', 'ben', 'chen'];
  for (let i = 1; i <= ROWS - REPEATS; i++) {
    const company = i % 7 ? `大量公司${i % 40}` : `"大量公司 ${i % 40}, 分公司"`;
    const prob = i % 5 ? String(i % 101) : '';
    const date = i % 9 ? `2027-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}` : '';
    lines.push(`${company},大量案件 ${i},${STAGES[i % STAGES.length]},"${1 + (i % 999)},${String(i % 1000).padStart(3, '0')}",TWD,${owners[i % 3]},${date},${prob},BULK${i}`);
  }
  for (let i = 1; i <= REPEATS; i++)
    lines.push(`大量公司${i % 40},大量案件 ${i} 續,${bad && i === REPEATS ? 'no_such_stage' : 'closed_won'},${1000 * i},TWD,amy,2027-06-30,,BULK${i}`);
  return lines.join('\n') + '\n';
}

const sql = (db, q) => execFileSync('sqlite3', [db, q]).toString().trim();

// The deal_fact row every deal should have (the statement the reports' own rebuild uses).
const FACTS =
  "SELECT d.workspace_id, d.id, d.owner_id, d.stage_id, d.amount, coalesce(CAST(strftime('%s', d.created_at) AS INTEGER), 0)," +
  " coalesce(CAST(strftime('%s', coalesce((SELECT h.changed_at FROM stage_history h WHERE h.workspace_id = d.workspace_id" +
  ' AND h.deal_id = d.id ORDER BY h.changed_at DESC, h.id DESC LIMIT 1), d.created_at)) AS INTEGER), 0) FROM deal d';
const FACT_ROWS = 'SELECT workspace_id, deal_id, owner_id, stage_id, amount, created, entered FROM deal_fact';
const SUMS =
  "SELECT d.workspace_id, d.stage_id, d.owner_id, coalesce(substr(d.close_date, 1, 7), ''), count(*), sum(d.amount)" +
  ' FROM deal d GROUP BY 1, 2, 3, 4';
const SUM_ROWS = 'SELECT workspace_id, stage_id, owner_id, close_month, deals, amount FROM deal_sum WHERE deals <> 0';
// The history reports' stays (deal_stay) and funnel groups (deal_reach), recomputed.
const STAYS =
  'SELECT h.workspace_id, h.deal_id, row_number() OVER (PARTITION BY h.workspace_id, h.deal_id ORDER BY h.changed_at, h.id),' +
  " h.to_stage_id, coalesce(CAST(strftime('%s', h.changed_at) AS INTEGER), 0) FROM stage_history h";
const STAY_ROWS = 'SELECT workspace_id, deal_id, seq, stage_id, entered FROM deal_stay';
const REACH =
  'SELECT workspace_id, owner_id, CASE WHEN created >= 0 THEN created / 86400 ELSE (created - 86399) / 86400 END,' +
  ' reached, stage_id, count(*) FROM deal_fact GROUP BY 1, 2, 3, 4, 5';
const REACH_ROWS = 'SELECT workspace_id, owner_id, created_day, reached, stage_id, deals FROM deal_reach WHERE deals <> 0';
// Time in stage's day buckets (deal_dwell_day): deal_dwell's values counted per day.
const DWELL_DAYS =
  'SELECT workspace_id, stage_id, open, CASE WHEN secs >= 0 THEN secs / 86400 ELSE (secs - 86399) / 86400 END,' +
  ' owner_id, created_day, sum(deals), sum(secs * deals) FROM deal_dwell WHERE deals <> 0 GROUP BY 1, 2, 3, 4, 5, 6';
const DWELL_DAY_ROWS = 'SELECT workspace_id, stage_id, open, day, owner_id, created_day, deals, secs FROM deal_dwell_day WHERE deals <> 0';
const same = (db, a, b, what) => {
  assert.equal(sql(db, `SELECT count(*) FROM (${a} EXCEPT ${b})`), '0', `${what}: rows missing`);
  assert.equal(sql(db, `SELECT count(*) FROM (${b} EXCEPT ${a})`), '0', `${what}: rows too many`);
};
// Every report table, rows in key order; the rows whose values are all zero
// (which the per-deal upkeep leaves where a deal left, and a rebuild drops) left out.
const REPORT_TABLES =
  "SELECT 'sum', * FROM deal_sum WHERE NOT (deals = 0 AND amount = 0 AND expected = 0) ORDER BY 2, 3, 4, 5;" +
  "SELECT 'fact', * FROM deal_fact ORDER BY 2, 3;" +
  "SELECT 'stay', * FROM deal_stay ORDER BY 2, 3, 4;" +
  "SELECT 'reach', * FROM deal_reach WHERE deals <> 0 ORDER BY 2, 3, 4, 5, 6;" +
  "SELECT 'dwell', * FROM deal_dwell WHERE deals <> 0 ORDER BY 2, 3, 4, 5, 6, 7;" +
  "SELECT 'dwell_day', * FROM deal_dwell_day WHERE NOT (deals = 0 AND secs = 0) ORDER BY 2, 3, 4, 5, 6, 7;" +
  "SELECT 'open', * FROM deal_open WHERE NOT (deals = 0 AND amount = 0 AND expected = 0) ORDER BY 2, 3, 4, 5;" +
  "SELECT 'closing', * FROM deal_closing WHERE NOT (deals = 0 AND amount = 0 AND cycle = 0) ORDER BY 2, 3, 4, 5;" +
  "SELECT 'open_stage', * FROM deal_open_stage ORDER BY 2, 3;";
// sameAsRebuild: the report tables an import left equal those `litecrm report rebuild` computes.
const dump = (db) => execFileSync('sqlite3', [db, REPORT_TABLES], { maxBuffer: 1 << 28 }).toString();
async function sameAsRebuild(srv) {
  const kept = dump(srv.db);
  const r = await srv.cli(['report', 'rebuild']);
  assert.equal(r.code, 0, show(r));
  const again = dump(srv.db);
  if (kept === again) return;
  const a = kept.split('\n');
  const b = again.split('\n');
  const i = a.findIndex((l, k) => l !== b[k]);
  assert.fail(`the report tables differ from a rebuild's (${a.length} and ${b.length} rows), first at row ${i}: ${a[i]} / ${b[i]}`);
}
const INDEXES = "SELECT group_concat(name || ':' || sql, '\n') FROM (SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name)";

describe('a large deal import (SQLite bulk mode)', () => {
  let srv;
  let indexes;

  before(async () => {
    srv = await startServer({ sqlite: true });
    indexes = sql(srv.db, INDEXES);
    assert.match(indexes, /deal_summary:/);
    assert.match(indexes, /deal_fact_stage:/);
  });
  after(async () => {
    await srv?.stop();
  });

  const dbHash = () => {
    execFileSync('sqlite3', [srv.db, 'PRAGMA wal_checkpoint(TRUNCATE);']);
    return crypto.createHash('sha256').update(fs.readFileSync(srv.db)).digest('hex');
  };

  test('a bad last row rolls everything back, indexes included', async () => {
    const f = path.join(srv.dir, 'bad.csv');
    fs.writeFileSync(f, dealsCsv(true));
    const before = dbHash();
    const r = await srv.cli(['import', 'deals', f]);
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.stderr, /row 12001.*no_such_stage/, show(r));
    assert.equal(dbHash(), before, 'the database is byte for byte as before');
    assert.equal(sql(srv.db, INDEXES), indexes);
  });

  // The writing pass reads and checks the rows on a thread of its own, some
  // hundred rows ahead of the inserts: a failure far into the file still stops
  // the import at its own row, after the rows before it were written.
  test('a bad row or a malformed line far into the file rolls everything back and names its row', async () => {
    const lines = dealsCsv().split('\n');
    const before = dbHash();
    const cases = [
      [3000, (l) => l.replace(/,TWD,/, ',USD,'), /row 3000, column 'currency'.*USD/],
      [7000, (l) => l.replace(/,TWD,/, ',"TWD,'), /row 7000: malformed CSV/],
    ];
    for (const [row, spoil, want] of cases) {
      const f = path.join(srv.dir, `spoilt-${row}.csv`);
      fs.writeFileSync(f, lines.map((l, i) => (i === row - 1 ? spoil(l) : l)).join('\n'));
      const r = await srv.cli(['import', 'deals', f]);
      assert.notEqual(r.code, 0, show(r));
      assert.match(r.stderr, want, show(r));
      assert.equal(dbHash(), before, 'the database is byte for byte as before');
    }
  });

  test('--skip-bad leaves out the bad rows of a large file and writes every other one', async () => {
    const bad = new Set([30, 700, 5000, 11000]);
    const lines = dealsCsv()
      .split('\n')
      .map((l, i) => (bad.has(i + 1) ? l.replace(/,amy,/, ',nobody,').replace(/,ben,/, ',nobody,').replace(/,chen,/, ',nobody,') : l));
    const f = path.join(srv.dir, 'skip.csv');
    fs.writeFileSync(f, lines.join('\n').replaceAll('BULK', 'SKIP').replaceAll('大量案件', '略過案件'));
    const r = await srv.cli(['import', 'deals', f, '--skip-bad', '--json']);
    assert.equal(r.code, 0, show(r));
    const j = JSON.parse(r.stdout);
    assert.equal(j.created + j.updated, ROWS - bad.size, show(r));
    assert.equal(sql(srv.db, "SELECT count(*) FROM deal WHERE external_id LIKE 'SKIP%'"), String(ROWS - REPEATS - bad.size));
    for (const row of bad) assert.equal(sql(srv.db, `SELECT count(*) FROM deal WHERE external_id = 'SKIP${row - 1}'`), '0', `row ${row}`);
    assert.equal(sql(srv.db, `SELECT count(*) FROM (${FACTS} EXCEPT ${FACT_ROWS})`), '0');
    assert.equal(sql(srv.db, `SELECT count(*) FROM (${FACT_ROWS} EXCEPT ${FACTS})`), '0');
    assert.equal(sql(srv.db, `SELECT count(*) FROM (${SUMS} EXCEPT ${SUM_ROWS})`), '0');
    same(srv.db, STAYS, STAY_ROWS, 'deal_stay');
    assert.equal(sql(srv.db, INDEXES), indexes);
    await sameAsRebuild(srv);
  });

  test('creates and updates every row; indexes, deal_fact and deal_sum as a row-by-row write leaves them', async () => {
    const f = path.join(srv.dir, 'deals.csv');
    fs.writeFileSync(f, dealsCsv());
    const r = await srv.cli(['import', 'deals', f, '--json']);
    assert.equal(r.code, 0, show(r));
    const j = JSON.parse(r.stdout);
    assert.equal(j.created, ROWS - REPEATS);
    assert.equal(j.updated, REPEATS);
    assert.equal(sql(srv.db, "SELECT count(*) FROM deal WHERE external_id LIKE 'BULK%'"), String(ROWS - REPEATS));
    assert.equal(sql(srv.db, INDEXES), indexes, 'every index is back, as it was declared');
    assert.equal(sql(srv.db, 'PRAGMA integrity_check'), 'ok');
    assert.equal(sql(srv.db, `SELECT count(*) FROM (${FACTS} EXCEPT ${FACT_ROWS})`), '0', 'a deal without its fact row');
    assert.equal(sql(srv.db, `SELECT count(*) FROM (${FACT_ROWS} EXCEPT ${FACTS})`), '0', 'a fact row without its deal');
    assert.equal(sql(srv.db, `SELECT count(*) FROM (${SUMS} EXCEPT ${SUM_ROWS})`), '0', 'deal_sum misses deals');
    assert.equal(sql(srv.db, `SELECT count(*) FROM (${SUM_ROWS} EXCEPT ${SUMS})`), '0', 'deal_sum counts deals twice');
    same(srv.db, STAYS, STAY_ROWS, 'deal_stay');
    same(srv.db, REACH, REACH_ROWS, 'deal_reach');
    same(srv.db, DWELL_DAYS, DWELL_DAY_ROWS, 'deal_dwell_day');
    // The updated deals moved to closed_won: their fact row entered the stage with the update.
    const moved = sql(
      srv.db,
      "SELECT count(*) FROM deal d JOIN deal_fact f ON f.deal_id = d.id JOIN stage s ON s.id = d.stage_id WHERE s.key = 'closed_won' AND d.name LIKE '大量案件 % 續'",
    );
    assert.equal(moved, String(REPEATS));
    // The queries still find their index.
    const plan = sql(srv.db, 'EXPLAIN QUERY PLAN SELECT id FROM deal WHERE workspace_id = 1 AND owner_id = 2 AND stage_id = 3 ORDER BY id LIMIT 50');
    assert.match(plan, /deal_owner_stage_id/);
    await sameAsRebuild(srv);
  });

  test('a second large import into the same workspace adds to the report tables', async () => {
    const f = path.join(srv.dir, 'more.csv');
    fs.writeFileSync(f, dealsCsv().replaceAll('BULK', 'MORE').replaceAll('大量案件', '追加案件'));
    const r = await srv.cli(['import', 'deals', f, '--json']);
    assert.equal(r.code, 0, show(r));
    assert.equal(JSON.parse(r.stdout).created, ROWS - REPEATS);
    assert.equal(sql(srv.db, `SELECT count(*) FROM (${FACTS} EXCEPT ${FACT_ROWS})`), '0');
    assert.equal(sql(srv.db, `SELECT count(*) FROM (${FACT_ROWS} EXCEPT ${FACTS})`), '0');
    assert.equal(sql(srv.db, `SELECT count(*) FROM (${SUMS} EXCEPT ${SUM_ROWS})`), '0');
    same(srv.db, STAYS, STAY_ROWS, 'deal_stay');
    same(srv.db, REACH, REACH_ROWS, 'deal_reach');
    same(srv.db, DWELL_DAYS, DWELL_DAY_ROWS, 'deal_dwell_day');
    assert.equal(sql(srv.db, INDEXES), indexes);
    await sameAsRebuild(srv);
  });

  // Into a workspace whose deals moved (more than one history row, rows left
  // at zero) and one went to the trash: a small import (the indexes stay) and
  // a large one add exactly what a rebuild computes.
  test('imports into a workspace with history add the rows a rebuild computes', async () => {
    const ids = sql(srv.db, "SELECT id FROM deal WHERE external_id IS NULL ORDER BY id LIMIT 6").split('\n');
    assert.equal(ids.length, 6);
    for (const [i, stage] of [[0, 'qualification'], [1, 'closed_won'], [0, 'negotiation_review'], [2, 'closed_lost'], [3, 'prospecting']]) {
      const r = await srv.cli(['deal', 'move', ids[i], stage]);
      assert.equal(r.code, 0, show(r));
    }
    const d = await srv.cli(['deal', 'delete', ids[5]]);
    assert.equal(d.code, 0, show(d));
    const small = path.join(srv.dir, 'small.csv');
    fs.writeFileSync(small, dealsCsv().split('\n').slice(0, 300).join('\n').replaceAll('BULK', 'SMALL') + '\n');
    let r = await srv.cli(['import', 'deals', small, '--json']);
    assert.equal(r.code, 0, show(r));
    assert.equal(JSON.parse(r.stdout).created, 299);
    await sameAsRebuild(srv);
    const move = await srv.cli(['deal', 'move', ids[4], 'closed_won']);
    assert.equal(move.code, 0, show(move));
    const f = path.join(srv.dir, 'third.csv');
    fs.writeFileSync(f, dealsCsv().replaceAll('BULK', 'THIRD').replaceAll('大量案件', '第三批案件'));
    r = await srv.cli(['import', 'deals', f, '--json']);
    assert.equal(r.code, 0, show(r));
    assert.equal(JSON.parse(r.stdout).created, ROWS - REPEATS);
    await sameAsRebuild(srv);
    assert.equal(sql(srv.db, INDEXES), indexes);
  });
});
