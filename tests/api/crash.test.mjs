// crash.test.mjs - durability: a writer keeps creating deals through
// the API while the server is killed with SIGKILL again and again. After each
// kill the database must pass PRAGMA integrity_check and hold every deal whose
// creation was acknowledged (201). CRASH_CYCLES sets the number of cycles
// (20 here; bench/crash runs 1,000).
//
// Also: a locked database, a full disk (a size cap, LITECRM_SQLITE_MAX_PAGES)
// and a read-only database file give a clear error on writes while reads keep
// answering, and lose no acknowledged write.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, DEMO_PASSWORD, PG_URL, apiFor, expectStatus, freePort, runCli } from './helpers.mjs';

const CYCLES = Number(process.env.CRASH_CYCLES || 20);
const sql = (db, q) => spawnSync('sqlite3', [db, q], { encoding: 'utf8' });

async function serve(db, args = [], env = {}) {
  const port = await freePort();
  const proc = spawn(BIN, ['--db', db, 'serve', '--quiet', '--listen', `127.0.0.1:${port}`, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const exit = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  const api = apiFor(`http://127.0.0.1:${port}`);
  for (let i = 0; ; i++) {
    try {
      if ((await api('GET', '/health')).status === 200) break;
    } catch {
      if (i > 300) throw new Error(`server did not start: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { proc, api, exit, err: () => err };
}

describe('durability', { skip: PG_URL ? 'SQLite file checks (PostgreSQL has its own WAL)' : false }, () => {
  let dir, db, token;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'litecrm-crash-'));
    db = path.join(dir, 'crm.db');
    const d = await runCli(['--db', db, 'demo'], { env: { LITECRM_DEMO_PASSWORD: DEMO_PASSWORD } });
    assert.equal(d.code, 0, d.stderr);
    const s = await serve(db);
    const l = await s.api('POST', '/login', { body: { username: 'admin', password: DEMO_PASSWORD } });
    const t = await s.api('POST', '/tokens', { token: l.json.token, body: { name: 'crash writer' } });
    token = t.json.token;
    s.proc.kill('SIGTERM');
    await s.exit;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test(`${CYCLES} SIGKILL cycles: integrity ok, no acknowledged write lost`, async () => {
    const acked = [];
    let n = 0;
    let lost = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const s = await serve(db);
      let stop = false;
      let firstAck;
      const acking = new Promise((r) => (firstAck = r));
      const writer = async () => {
        while (!stop) {
          const name = `crash-${cycle}-${n++}`;
          try {
            const r = await s.api('POST', '/deals', { token, body: { company: 'Crash Co', name, amount: 1 } });
            if (r.status === 201) {
              acked.push(name);
              firstAck();
            }
          } catch {
            return; // the connection died with the server: not acknowledged
          }
        }
      };
      const writers = [writer(), writer(), writer()];
      // Kill while writes are flowing: after this cycle's first acknowledged
      // write (however slow the machine), at a random moment.
      await Promise.race([acking, new Promise((r) => setTimeout(r, 30000).unref())]);
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      s.proc.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      await s.exit;
      const ic = sql(db, 'PRAGMA integrity_check');
      assert.equal(ic.stdout.trim(), 'ok', `cycle ${cycle}: ${ic.stdout}${ic.stderr}`);
    }
    const have = new Set(sql(db, "SELECT name FROM deal WHERE name LIKE 'crash-%'").stdout.split('\n'));
    for (const name of acked) if (!have.has(name)) lost++;
    console.log(`crash test: ${CYCLES} SIGKILL cycles, ${acked.length} acknowledged writes, ${lost} lost, integrity_check ok after every cycle`);
    assert.equal(lost, 0);
    assert.ok(acked.length > CYCLES, `only ${acked.length} writes acknowledged`);
  });

  const root = process.getuid && process.getuid() === 0;
  // ids of the deals the database holds, and its integrity check
  const dealIds = (file) => sql(file, 'SELECT id FROM deal ORDER BY id').stdout.split('\n').filter(Boolean).map(Number);
  const integrity = (file) => sql(file, 'PRAGMA integrity_check').stdout.trim();

  test('a locked database: reads answer, writes wait, then get 503 server.busy; nothing is lost', async () => {
    const s = await serve(db);
    // another process holds the write lock (a writer that does not finish)
    const holder = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      holder.stdin.write("PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE; SELECT 'locked';\n");
      await new Promise((resolve, reject) => {
        holder.stdout.on('data', (d) => String(d).includes('locked') && resolve());
        holder.on('exit', () => reject(new Error('sqlite3 exited')));
      });
      const before = dealIds(db).length;
      expectStatus(await s.api('GET', '/deals?limit=5', { token }), 200);
      const t0 = Date.now();
      const w = await s.api('POST', '/deals', { token, body: { company: 'Lock Co', name: 'waits', amount: 1 } });
      expectStatus(w, 503, 'server.busy');
      assert.ok(Date.now() - t0 >= 4000, `the write waited for the lock (${Date.now() - t0} ms)`);
      expectStatus(await s.api('GET', '/reports/summary', { token }), 200);
      holder.stdin.end('ROLLBACK;\n');
      await new Promise((r) => holder.on('exit', r));
      const ok = await s.api('POST', '/deals', { token, body: { company: 'Lock Co', name: 'after the lock', amount: 1 } });
      expectStatus(ok, 201);
      assert.equal(dealIds(db).length, before + 1);
    } finally {
      holder.kill('SIGKILL');
      s.proc.kill('SIGTERM');
      await s.exit;
    }
    assert.equal(integrity(db), 'ok');
  });

  test('a full disk: writes get 507 server.disk_full, reads answer, acknowledged writes stay', async () => {
    const full = path.join(dir, 'full.db');
    fs.copyFileSync(db, full);
    sql(full, 'PRAGMA wal_checkpoint(TRUNCATE)');
    const pages = Number(sql(full, 'PRAGMA page_count').stdout.trim());
    const s = await serve(full, [], { LITECRM_SQLITE_MAX_PAGES: String(pages + 8) });
    const acked = [];
    let refused = null;
    try {
      for (let i = 0; i < 2000 && !refused; i++) {
        const r = await s.api('POST', '/deals', { token, body: { company: `Full Co ${i}`, name: `fills the disk ${i} ${'x'.repeat(150)}`, amount: 1 } });
        if (r.status === 201) acked.push(r.json.id);
        else refused = r;
      }
      assert.ok(refused, 'the size cap was reached');
      expectStatus(refused, 507, 'server.disk_full');
      assert.ok(acked.length > 0, 'some writes fit first');
      expectStatus(await s.api('GET', '/deals?limit=5', { token }), 200);
      expectStatus(await s.api('GET', '/reports/summary', { token }), 200);
      expectStatus(await s.api('POST', '/deals', { token, body: { company: 'Full Co', name: 'still full', amount: 1 } }), 507, 'server.disk_full');
      assert.match(s.err(), /the disk is full/);
    } finally {
      s.proc.kill('SIGTERM');
      await s.exit;
    }
    assert.equal(integrity(full), 'ok');
    const have = new Set(dealIds(full));
    assert.deepEqual(acked.filter((id) => !have.has(id)), [], 'every acknowledged deal is there');
  });

  // Root ignores file modes: there the file is made immutable (chattr +i), which
  // binds root too; only a file system without that attribute skips the test.
  test('a read-only database file: reads answer, writes get 503 server.read_only', async (t) => {
    const ro = path.join(dir, 'ro.db');
    fs.copyFileSync(db, ro);
    sql(ro, 'PRAGMA wal_checkpoint(TRUNCATE)');
    fs.chmodSync(ro, 0o444);
    if (root) {
      const r = spawnSync('chattr', ['+i', ro], { encoding: 'utf8' });
      if (r.status !== 0) {
        t.skip(`root ignores file modes and chattr +i failed: ${(r.stderr || r.error?.message || '').trim()}`);
        return;
      }
      t.after(() => spawnSync('chattr', ['-i', ro]));
    }
    const s = await serve(ro);
    try {
      const l = await s.api('GET', '/deals?limit=1', { token });
      expectStatus(l, 200);
      const w = await s.api('POST', '/deals', { token, body: { company: 'Crash Co', name: 'nope', amount: 1 } });
      expectStatus(w, 503, 'server.read_only');
    } finally {
      s.proc.kill('SIGTERM');
      await s.exit;
    }
  });
});
