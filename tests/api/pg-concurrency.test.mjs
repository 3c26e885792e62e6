// pg-concurrency.test.mjs - two `litecrm serve` processes on one PostgreSQL
// database, many clients moving and editing the same deals at once.
//
// Skipped unless LITECRM_TEST_PG_URL is set (make test-pg). For a bounded
// time (LITECRM_PG_CONCURRENCY_MS, default 10 s) clients read a deal through
// one server and write it through either, always with If-Match. At the end:
// every deal's state equals its last successful write (the one with the
// highest version), no two successful writes produced the same version (a
// lost update), every successful move left exactly one history row, the
// summary from the sums kept equals the deals summed, and no request failed
// with a 5xx. Prints requests, 412s, retries and lost updates.
//
// Then the same clients each create deals of their own and move and edit them
// through both servers at once (different deals over every stage, sharing the
// report tables' rows) while the open stages' probabilities change: no write fails, no 5xx, and every report answers the
// same before and after `litecrm report rebuild` recomputes what is kept for
// the reports from the deals and their history. Prints requests and retries.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { API, BIN, DEMO_PASSWORD, PG_URL, apiFor, expectStatus, fmt, freePort, pgFreshDb, runCli, show } from './helpers.mjs';

const DURATION_MS = Number(process.env.LITECRM_PG_CONCURRENCY_MS || 10000);
const CLIENTS = 16;
const HOT_DEALS = 4;

// serve starts one `litecrm serve` on db and waits for /health.
async function serve(db) {
  const port = await freePort();
  const env = { ...process.env, LITECRM_DEMO_PASSWORD: DEMO_PASSWORD };
  delete env.LITECRM_DB;
  const proc = spawn(BIN, ['--db', db, 'serve', '--listen', `127.0.0.1:${port}`, '--quiet'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const srv = { port, proc, err: '', exited: null };
  proc.stderr.on('data', (d) => (srv.err += d));
  proc.stdout.on('data', () => {});
  srv.exit = new Promise((res) => proc.on('exit', (code, signal) => res((srv.exited = { code, signal }))));
  srv.api = apiFor(`http://127.0.0.1:${port}`);
  const deadline = Date.now() + 15000;
  for (;;) {
    assert.equal(srv.exited, null, `litecrm serve exited early: ${srv.err}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}${API}/health`);
      await r.text();
      if (r.status === 200) break;
    } catch {
      /* not yet */
    }
    assert.ok(Date.now() < deadline, `litecrm serve did not answer /health: ${srv.err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return srv;
}

async function stop(srv) {
  if (!srv || srv.exited) return;
  srv.proc.kill('SIGTERM');
  let timer;
  const t = new Promise((res) => (timer = setTimeout(() => res('timeout'), 5000)));
  const got = await Promise.race([srv.exit, t]);
  clearTimeout(timer);
  if (got === 'timeout') {
    srv.proc.kill('SIGKILL');
    await srv.exit;
  }
}

describe('PostgreSQL: two servers, one database', { skip: PG_URL ? false : 'LITECRM_TEST_PG_URL is not set' }, () => {
  let a, b, db;
  before(async () => {
    db = pgFreshDb();
    const r = await runCli(['--db', db, 'demo']);
    assert.equal(r.code, 0, show(r));
    [a, b] = await Promise.all([serve(db), serve(db)]);
  });
  after(async () => {
    await Promise.all([stop(a), stop(b)]);
  });

  test('a login on one server is valid on the other; a write on one is seen on the other at once', async () => {
    const l = await a.api('POST', '/login', { body: { username: 'admin', password: DEMO_PASSWORD } });
    expectStatus(l, 200);
    const cred = { token: l.json.token };
    const list = expectStatus(await b.api('GET', '/deals?limit=500', cred), 200);
    const d = list.items[0];
    const p = await b.api('PATCH', `/deals/${d.id}`, { ...cred, ifMatch: d.version, body: { next_step: 'from b' } });
    expectStatus(p, 200);
    const g = expectStatus(await a.api('GET', `/deals/${d.id}`, cred), 200);
    assert.equal(g.next_step, 'from b');
    assert.equal(g.version, d.version + 1);
    // The same version through the other server: 412, never a silent overwrite.
    const stale = await a.api('PATCH', `/deals/${d.id}`, { ...cred, ifMatch: d.version, body: { next_step: 'from a' } });
    expectStatus(stale, 412, 'request.stale');
  });

  test('a logout on one server ends the session on the other at once', async () => {
    const l = await a.api('POST', '/login', { body: { username: 'admin', password: DEMO_PASSWORD } });
    expectStatus(l, 200);
    const cred = { token: l.json.token };
    const d = expectStatus(await b.api('GET', '/deals?limit=1', cred), 200).items[0];
    expectStatus(await b.api('GET', `/deals/${d.id}`, cred), 200);
    expectStatus(await a.api('POST', '/logout', cred), 204);
    for (const p of [`/deals/${d.id}`, '/deals?limit=1', '/board', '/me']) {
      const r = await b.api('GET', p, cred);
      assert.equal(r.status, 401, `GET ${p} on the other server after logout: ${r.status}`);
    }
  });

  test(`${CLIENTS} clients move and edit ${HOT_DEALS} deals through both servers for ${DURATION_MS / 1000} s`, async () => {
    const l = await a.api('POST', '/login', { body: { username: 'admin', password: DEMO_PASSWORD } });
    const cred = { token: l.json.token };
    const stages = expectStatus(await a.api('GET', '/stages', cred), 200).items.filter((s) => s.kind === 'open');
    const deals = expectStatus(await a.api('GET', '/deals?limit=500&status=open', cred), 200).items.slice(0, HOT_DEALS);
    assert.equal(deals.length, HOT_DEALS);
    const history0 = {};
    for (const d of deals) history0[d.id] = expectStatus(await a.api('GET', `/deals/${d.id}/history`, cred), 200).items.length;

    const servers = [a, b];
    const stats = { requests: 0, ok: 0, stale: 0, moves: 0, edits: 0, fivexx: [], other: [] };
    const wins = {}; // deal id -> [{version, stage, amount, next_step}]
    const movesOk = {}; // deal id -> successful moves
    for (const d of deals) {
      wins[d.id] = [];
      movesOk[d.id] = 0;
    }
    const end = Date.now() + DURATION_MS;
    let seq = 0;
    const pick = (arr) => arr[Math.floor(Math.random() * arr.length)];
    const note = (r, what) => {
      stats.requests++;
      if (r.status >= 500) stats.fivexx.push(`${what}: ${fmt(r)}`);
    };

    async function client(n) {
      while (Date.now() < end) {
        const d = pick(deals);
        const rs = pick(servers);
        const ws = pick(servers);
        const g = await rs.api('GET', `/deals/${d.id}`, cred);
        note(g, 'GET');
        if (g.status !== 200) continue;
        const cur = g.json;
        let w;
        let move = false;
        if (Math.random() < 0.5) {
          const to = pick(stages.filter((s) => s.key !== cur.stage));
          move = true;
          w = await ws.api('POST', `/deals/${d.id}/move`, { ...cred, ifMatch: cur.version, body: { stage: to.key } });
        } else {
          const body = { next_step: `client ${n} write ${seq++}`, amount: 1000 + Math.floor(Math.random() * 1e6) };
          w = await ws.api('PATCH', `/deals/${d.id}`, { ...cred, ifMatch: cur.version, body });
        }
        note(w, move ? 'move' : 'PATCH');
        if (w.status === 200) {
          stats.ok++;
          if (move) {
            stats.moves++;
            movesOk[d.id]++;
          } else {
            stats.edits++;
          }
          wins[d.id].push({ version: w.json.version, stage: w.json.stage, amount: w.json.amount, next_step: w.json.next_step });
        } else if (w.status === 412) {
          stats.stale++;
        } else if (w.status < 500) {
          stats.other.push(fmt(w));
        }
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));

    let lost = 0;
    for (const d of deals) {
      const versions = wins[d.id].map((x) => x.version);
      lost += versions.length - new Set(versions).size; // two winners of one version
      const last = wins[d.id].reduce((m, x) => (!m || x.version > m.version ? x : m), null);
      const fin = expectStatus(await a.api('GET', `/deals/${d.id}`, cred), 200);
      const finB = expectStatus(await b.api('GET', `/deals/${d.id}`, cred), 200);
      assert.deepEqual(finB, fin, 'both servers answer the same final state');
      if (last) {
        assert.equal(fin.version, last.version, `deal ${d.id}: final version`);
        const got = { stage: fin.stage, amount: fin.amount, next_step: fin.next_step };
        const want = { stage: last.stage, amount: last.amount, next_step: last.next_step };
        if (JSON.stringify(got) !== JSON.stringify(want)) lost++;
        assert.deepEqual(got, want, `deal ${d.id}: the final state is the last successful write`);
        assert.equal(fin.version, d.version + wins[d.id].length, `deal ${d.id}: one version per successful write`);
      }
      const h = expectStatus(await a.api('GET', `/deals/${d.id}/history`, cred), 200).items.length;
      assert.equal(h - history0[d.id], movesOk[d.id], `deal ${d.id}: one history row per successful move`);
    }
    // the summary from the sums kept per stage and owner (deal_sum) equals the deals summed
    // (amount_min=0 keeps every deal, but makes the store sum the deals themselves)
    for (const q of ['', '?group=owner']) {
      const kept = expectStatus(await b.api('GET', `/reports/summary${q}`, cred), 200);
      const summed = expectStatus(await a.api('GET', `/reports/summary${q}${q ? '&' : '?'}amount_min=0`, cred), 200);
      assert.deepEqual(kept.stages, summed.stages, `summary${q}: the stages kept equal the deals summed`);
      assert.deepEqual(kept.owners, summed.owners, `summary${q}: the owners kept equal the deals summed`);
      assert.ok(kept.stages.length > 0);
    }
    const retries = (a.err + b.err).split('\n').filter((x) => x.includes('retrying the transaction')).length;
    console.log(
      `pg-concurrency: ${stats.requests} requests in ${DURATION_MS / 1000} s through 2 servers, ` +
        `${stats.ok} successful writes (${stats.moves} moves, ${stats.edits} edits), ` +
        `${stats.stale} 412s, ${retries} retries, ${stats.fivexx.length} 5xx, lost updates: ${lost}`,
    );
    assert.deepEqual(stats.fivexx.slice(0, 5), [], 'no request failed with a 5xx');
    assert.deepEqual(stats.other.slice(0, 5), [], 'every write is 200 or 412');
    assert.equal(lost, 0, 'lost updates');
    assert.ok(stats.ok > 0 && stats.stale > 0, `some writes won and some were stale: ${JSON.stringify(stats)}`);
  });

  test(`${CLIENTS} clients create, move and edit deals of their own through both servers`, async () => {
    const l = await a.api('POST', '/login', { body: { username: 'admin', password: DEMO_PASSWORD } });
    const cred = { token: l.json.token };
    const stages = expectStatus(await a.api('GET', '/stages', cred), 200).items;
    const companies = expectStatus(await a.api('GET', '/companies?limit=50', cred), 200).items;
    const users = expectStatus(await a.api('GET', '/users', cred), 200).items.filter((u) => u.active !== false);
    assert.ok(stages.length > 2 && companies.length > 0 && users.length > 0);
    const servers = [a, b];
    const stats = { requests: 0, creates: 0, moves: 0, edits: 0, stages: 0, fivexx: [], other: [] };
    const retries0 = (a.err + b.err).split('\n').filter((x) => x.includes('retrying the transaction')).length;
    const pick = (arr) => arr[Math.floor(Math.random() * arr.length)];
    const month = () => `2026-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}-15`;
    const end = Date.now() + DURATION_MS;

    async function client(n) {
      const mine = []; // [{id, version}]
      while (Date.now() < end) {
        const srv = pick(servers);
        let w;
        let what;
        if (mine.length < 3 || Math.random() < 0.3) {
          what = 'create';
          w = await srv.api('POST', '/deals', {
            ...cred,
            body: { company_id: pick(companies).id, name: `client ${n} deal ${mine.length}`, amount: 1000 + Math.floor(Math.random() * 1e6),
              stage: pick(stages).key, owner: pick(users).username, close_date: month() },
          });
        } else {
          const d = pick(mine);
          if (Math.random() < 0.6) {
            what = 'move';
            w = await srv.api('POST', `/deals/${d.id}/move`, { ...cred, ifMatch: d.version, body: { stage: pick(stages).key } });
          } else {
            what = 'PATCH';
            const body = { amount: 1000 + Math.floor(Math.random() * 1e6), close_date: month() };
            if (Math.random() < 0.5) body.owner = pick(users).username;
            w = await srv.api('PATCH', `/deals/${d.id}`, { ...cred, ifMatch: d.version, body });
          }
        }
        stats.requests++;
        if (w.status >= 500) stats.fivexx.push(`${what}: ${fmt(w)}`);
        else if (w.status !== 200 && w.status !== 201) stats.other.push(`${what}: ${fmt(w)}`);
        else if (what === 'create') {
          stats.creates++;
          mine.push({ id: w.json.id, version: w.json.version });
        } else {
          stats[what === 'move' ? 'moves' : 'edits']++;
          mine.find((x) => x.id === w.json.id).version = w.json.version;
        }
      }
    }
    // meanwhile the open stages' probabilities change (the deals' expected values with them)
    async function pipeline() {
      let k = 0;
      while (Date.now() < end) {
        const srv = pick(servers);
        const g = pick(stages.filter((x) => x.kind === 'open'));
        const cur = expectStatus(await srv.api('GET', `/stages/${g.id}`, cred), 200);
        const w = await srv.api('PATCH', `/stages/${g.id}`, { ...cred, ifMatch: cur.version, body: { probability: 5 + ((k += 7) % 90) } });
        stats.requests++;
        if (w.status >= 500) stats.fivexx.push(`PATCH stage: ${fmt(w)}`);
        else if (w.status !== 200) stats.other.push(`PATCH stage: ${fmt(w)}`);
        else stats.stages++;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await Promise.all([pipeline(), ...Array.from({ length: CLIENTS }, (_, i) => client(i))]);
    const retries = (a.err + b.err).split('\n').filter((x) => x.includes('retrying the transaction')).length - retries0;
    console.log(
      `pg-concurrency: ${stats.requests} writes of different deals in ${DURATION_MS / 1000} s through 2 servers ` +
        `(${stats.creates} creates, ${stats.moves} moves, ${stats.edits} edits, ${stats.stages} stage probability changes), ${retries} retries, ${stats.fivexx.length} 5xx`,
    );
    assert.deepEqual(stats.fivexx.slice(0, 5), [], 'no request failed with a 5xx');
    assert.deepEqual(stats.other.slice(0, 5), [], 'every write of a deal of its own succeeds');
    assert.ok(stats.creates > 0 && stats.moves > 0 && stats.edits > 0 && stats.stages > 0, JSON.stringify(stats));

    // every report, with "now" fixed, from the tables kept by the writes and then recomputed
    const tomorrow = new Date(Date.now() + 86400e3).toISOString().slice(0, 10);
    const reports = ['forecast', 'win-rate', 'cycle-length', 'time-in-stage', 'funnel', 'stalled', 'velocity', 'pipeline-as-of', 'leaderboard']
      .map((r) => `/reports/${r}?today=${tomorrow}&as_of=${tomorrow}`)
      .concat(['/reports/summary', '/reports/summary?group=owner']);
    const answers = async () => {
      const out = {};
      for (const q of reports) out[q] = expectStatus(await pick(servers).api('GET', q, cred), 200);
      return out;
    };
    const kept = await answers();
    for (const q of ['', '?group=owner']) {
      const summed = expectStatus(await a.api('GET', `/reports/summary${q}${q ? '&' : '?'}amount_min=0`, cred), 200);
      assert.deepEqual(kept[`/reports/summary${q}`].stages, summed.stages, `summary${q}: the stages kept equal the deals summed`);
    }
    const r = await runCli(['--db', db, 'report', 'rebuild']);
    assert.equal(r.code, 0, show(r));
    const rebuilt = await answers();
    for (const q of reports) assert.deepEqual(kept[q], rebuilt[q], `${q}: the same from the kept tables as recomputed`);
  });
});
