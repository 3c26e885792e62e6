// helpers.mjs - the black-box harness of litecrm's API tests.
//
// Every test file starts its own database and server in a temporary
// directory, so that node --test can run files in parallel:
//
//   const srv = await startServer();        // litecrm demo + litecrm serve
//   const s = await srv.login('amy');        // {token, csrf, cookie, json}
//   const r = await srv.api('GET', '/deals', { token: s.token });
//   const c = await srv.cli(['deal', 'list', '--json']);
//   await srv.stop();                        // SIGTERM, exit 0 within 15 s
//
// The binary is $LITECRM_BIN (set by `make test-api`), else ./litecrm at the
// repository root. Nothing here needs an npm package.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
export const BIN = process.env.LITECRM_BIN || path.join(ROOT, 'litecrm');
// LITECRM_WRAP runs every CLI command and server under a tool, e.g.
// "valgrind --error-exitcode=99 --leak-check=full" (make test-valgrind).
const WRAP = (process.env.LITECRM_WRAP || '').split(/\s+/).filter(Boolean);
// SLOW stretches the helpers' time limits: 8x under a wrapper, and
// LITECRM_TEST_SLOW times (the Makefile sets 3 for the sanitizer build,
// which runs two to three times slower).
export const SLOW = (WRAP.length ? 8 : 1) * Math.max(1, Number(process.env.LITECRM_TEST_SLOW) || 1);
// spawnBin spawns the binary (under LITECRM_WRAP when set).
export function spawnBin(args, opts) {
  return WRAP.length ? spawn(WRAP[0], [...WRAP.slice(1), BIN, ...args], opts) : spawn(BIN, args, opts);
}
export const SEED_CSV = path.join(ROOT, 'testdata', 'seed-example.csv');
export const DEMO_PASSWORD = 'demo-pass-1234';
export const API = '/api/v1';

// ---- the seed fixture and the article's figures ----

// parseCsv reads the simple seed CSV (no quoted commas) into objects.
export function parseCsv(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const head = lines[0].split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    const o = {};
    head.forEach((h, i) => (o[h] = cells[i]));
    o.amount = Number(o.amount);
    return o;
  });
}

export const SEED = parseCsv(fs.readFileSync(SEED_CSV, 'utf8'));

// Salesforce's default probabilities, by the seed's zh-TW stage names.
export const SEED_PROB = {
  勘探: 10,
  條件驗證: 10,
  需求分析: 20,
  價值主張: 50,
  辨認決策者: 60,
  認知分析: 70,
  '提案/報價': 75,
  '談判/檢視': 90,
  成交: 100,
  失敗: 0,
};
const KIND = (stage) => (stage === '成交' ? 'won' : stage === '失敗' ? 'lost' : 'open');

// expectedSummary computes the summary figures of the seed rows that pass
// keep(row), with probability overrides by zh-TW stage name.
export function expectedSummary(keep = () => true, prob = {}) {
  const p = { ...SEED_PROB, ...prob };
  const s = {
    won: { count: 0, amount: 0 },
    lost: { count: 0, amount: 0 },
    open: { count: 0, amount: 0, expected: 0 },
    byStage: {},
  };
  for (const r of SEED.filter(keep)) {
    const k = KIND(r.stage);
    s[k].count += 1;
    s[k].amount += r.amount;
    const exp = Math.round((r.amount * p[r.stage]) / 100);
    if (k === 'open') s.open.expected += exp;
    const b = (s.byStage[r.stage] ||= { count: 0, amount: 0, expected: 0 });
    b.count += 1;
    b.amount += r.amount;
    b.expected += exp;
  }
  return s;
}

// items accepts either {"items":[...]} or a bare array (CLI --json shapes).
export function items(j) {
  if (Array.isArray(j)) return j;
  assert.ok(j && Array.isArray(j.items), `expected {"items":[...]} or an array, got ${JSON.stringify(j)?.slice(0, 300)}`);
  return j.items;
}

// ---- processes ----

export async function freePort() {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  await once(s, 'close');
  return port;
}

function cleanEnv(extra = {}) {
  const env = { ...process.env, LITECRM_DEMO_PASSWORD: DEMO_PASSWORD };
  delete env.LITECRM_DB;
  Object.assign(env, extra);
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

// runCli runs the binary with args exactly as given; resolves {code, signal, stdout, stderr}.
export function runCli(args, { input, env, cwd, timeout = 60000 * SLOW } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawnBin(args, { env: cleanEnv(env), cwd: cwd || os.tmpdir() });
    const out = [];
    const err = [];
    p.stdout.on('data', (d) => out.push(d));
    p.stderr.on('data', (d) => err.push(d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeout);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${BIN}: ${e.message}`));
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

// show formats a CLI result for assertion messages.
export function show(r) {
  return `exit ${r.code}${r.signal ? ' signal ' + r.signal : ''}\n--- stdout\n${r.stdout.slice(0, 2000)}\n--- stderr\n${r.stderr.slice(0, 2000)}`;
}

// cliJson runs a CLI command that prints JSON, asserts exit 0 and parses stdout.
export async function cliJson(run, args, opts) {
  const r = await run(args, opts);
  assert.equal(r.code, 0, `litecrm ${args.join(' ')}: ${show(r)}`);
  try {
    return JSON.parse(r.stdout);
  } catch (e) {
    assert.fail(`litecrm ${args.join(' ')}: stdout is not JSON: ${e.message}\n${show(r)}`);
  }
}

// ---- HTTP ----

// request sends one HTTP request with node:http (raw bytes, early answers such as 413).
export function request(port, method, p, { headers = {}, body, agent } = {}) {
  return new Promise((resolve, reject) => {
    const buf = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    const h = { ...headers };
    if (buf) h['content-length'] = buf.length;
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: h, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json, socket: req.socket });
      });
      res.on('error', reject);
    });
    // The server may answer (413) before it reads the whole body, and the
    // write then fails with EPIPE/ECONNRESET: give the answer a moment to arrive.
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (e) => {
      if (!answered) setTimeout(() => reject(e), 500);
    });
    if (buf) req.end(buf);
    else req.end();
  });
}

// Credentials: {token} for bearer, or {cookie, csrf} for the session cookie
// (csrf may be omitted to test the CSRF check).
function credHeaders(o = {}) {
  const h = {};
  if (o.token) h.authorization = `Bearer ${o.token}`;
  if (o.cookie) h.cookie = o.cookie;
  if (o.csrf) h['x-csrf-token'] = o.csrf;
  if (o.ifMatch !== undefined && o.ifMatch !== null) h['if-match'] = `"${o.ifMatch}"`;
  return h;
}

export function apiFor(base) {
  // api(method, path, {token | cookie+csrf, body, headers, ifMatch, raw}) -> {status, headers, json, text}
  return async function api(method, p, o = {}) {
    const headers = { ...credHeaders(o), ...(o.headers || {}) };
    let body;
    if (o.body !== undefined) {
      if (typeof o.body === 'string' || Buffer.isBuffer(o.body)) body = o.body;
      else body = JSON.stringify(o.body);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
    }
    const url = base + (p.startsWith('/api/') || p === '/' ? p : API + p);
    let res;
    try {
      res = await fetch(url, { method, headers, body });
    } catch (e) {
      // A kept-alive connection the server closed (its idle time-out) just
      // as it was reused: a browser retries a GET once on a new one; so do we.
      if (method !== 'GET') throw e;
      res = await fetch(url, { method, headers });
    }
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  };
}

// fmt formats an API answer for assertion messages.
export function fmt(r) {
  return `HTTP ${r.status} ${r.text === undefined ? '' : r.text.slice(0, 600)}`;
}

// expectStatus asserts the status (and the error code when given) and returns r.json.
export function expectStatus(r, status, code, what = '') {
  assert.equal(r.status, status, `${what} expected ${status}${code ? ' ' + code : ''}, got ${fmt(r)}`);
  if (code) {
    assert.ok(r.json && r.json.error, `${what} expected an error body, got ${fmt(r)}`);
    assert.equal(r.json.error.code, code, `${what} error code: ${fmt(r)}`);
    assert.equal(typeof r.json.error.message, 'string', `${what} error message: ${fmt(r)}`);
  }
  return r.json;
}

export function etagVersion(r) {
  const e = r.headers.get ? r.headers.get('etag') : r.headers.etag;
  assert.ok(e, `no ETag on ${fmt(r)}`);
  return e.replace(/^W\//, '').replace(/"/g, '');
}

// cookiesOf picks name=value pairs and their attributes out of Set-Cookie headers.
export function cookiesOf(headers) {
  const list = headers.getSetCookie ? headers.getSetCookie() : [].concat(headers['set-cookie'] || []);
  const out = {};
  for (const line of list) {
    const [pair, ...attrs] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = { value: pair.slice(eq + 1), attrs, line };
  }
  return out;
}

// ---- one server per test file ----

// startServer makes a temp dir, creates the database (demo by default, or
// init({cli}) for a custom set-up), starts `litecrm serve` on a free port and
// waits for /health. Returns the context described at the top of this file.
// ---- PostgreSQL (make test-pg): begin ----
// When LITECRM_TEST_PG_URL names a PostgreSQL server's maintenance database
// (scripts/pg-test-cluster.sh sets it), every startServer() gets a fresh
// database of its own on that server instead of a SQLite file.
export const PG_URL = process.env.LITECRM_TEST_PG_URL || '';
let pgSeq = 0;
export function pgFreshDb() {
  const name = `t_${process.pid}_${Date.now().toString(36)}_${pgSeq++}`;
  const r = spawnSync('psql', [PG_URL, '-qAtc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, `CREATE DATABASE ${name}: ${r.stderr || r.error}`);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}
// sqlExec runs one SQL statement straight on a test database, file or URL,
// for tests that set up what no command can; returns spawnSync's result.
export function sqlExec(db, sql) {
  if (db.includes('://')) return spawnSync('psql', [db, '-qAtc', sql], { encoding: 'utf8' });
  return spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
}
// ---- PostgreSQL (make test-pg): end ----

// startServer({sqlite}) keeps the database a SQLite file even in the PostgreSQL run.
export async function startServer({ demo = true, init, serveArgs = [], env = {}, sqlite = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'litecrm-test-'));
  const db = PG_URL && !sqlite ? pgFreshDb() : path.join(dir, 'crm.db'); // PostgreSQL: see above
  const ctx = { dir, db };
  ctx.cli = (args, o = {}) => runCli(['--db', db, ...args], { cwd: dir, ...o, env: { ...env, ...(o.env || {}) } });
  ctx.cliJson = (args, o) => cliJson(ctx.cli, args, o);
  if (demo) {
    const r = await ctx.cli(['demo']);
    if (r.code !== 0) {
      fs.rmSync(dir, { recursive: true, force: true });
      assert.fail(`litecrm demo failed: ${show(r)}`);
    }
  }
  if (init) await init(ctx);
  await launch(ctx, serveArgs, env);
  return ctx;
}

async function launch(ctx, serveArgs, env) {
  const port = await freePort();
  const proc = spawnBin(['--db', ctx.db, 'serve', '--listen', `127.0.0.1:${port}`, '--quiet', ...serveArgs], {
    env: cleanEnv(env),
    cwd: ctx.dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  let exited = null;
  const exitP = new Promise((res) => proc.on('exit', (code, signal) => res((exited = { code, signal }))));
  ctx.port = port;
  ctx.base = `http://127.0.0.1:${port}`;
  ctx.proc = proc;
  ctx.output = () => ({ stdout: out, stderr: err });
  ctx.api = apiFor(ctx.base);
  ctx.request = (m, p, o) => request(port, m, p.startsWith('/api/') ? p : API + p, o);

  const deadline = Date.now() + 15000 * SLOW;
  for (;;) {
    if (exited) {
      fs.rmSync(ctx.dir, { recursive: true, force: true });
      assert.fail(`litecrm serve exited early (${JSON.stringify(exited)}):\n${out}\n${err}`);
    }
    try {
      const r = await fetch(`${ctx.base}${API}/health`);
      if (r.status === 200) {
        await r.text();
        break;
      }
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      fs.rmSync(ctx.dir, { recursive: true, force: true });
      assert.fail(`litecrm serve did not answer /health within 15 s:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const sessions = new Map();
  // login(username, {password, workspace}) -> {token, csrf, cookie, cookies, json, status}; asserts 200.
  ctx.login = async (username, o = {}) => {
    const body = { username, password: o.password ?? DEMO_PASSWORD };
    if (o.workspace !== undefined) body.workspace = o.workspace;
    const r = await ctx.api('POST', '/login', { body });
    assert.equal(r.status, 200, `login ${username}: ${fmt(r)}`);
    const c = cookiesOf(r.headers);
    const session = c.litecrm_session ? `litecrm_session=${c.litecrm_session.value}` : undefined;
    const csrfCookie = c.litecrm_csrf ? `litecrm_csrf=${c.litecrm_csrf.value}` : undefined;
    return {
      token: r.json.token,
      csrf: r.json.csrf_token,
      cookie: [session, csrfCookie].filter(Boolean).join('; '),
      cookies: c,
      json: r.json,
      status: r.status,
    };
  };
  // as(username) caches a bearer session per user.
  ctx.as = async (username, o) => {
    const k = `${o?.workspace ?? ''}/${username}`;
    if (!sessions.has(k)) sessions.set(k, await ctx.login(username, o));
    return sessions.get(k);
  };

  // stop sends SIGTERM, asserts exit 0 within 15 s (the server gives requests
  // under way up to 5 s, then closes the store), removes the temp dir.
  ctx.stop = async ({ keep = false } = {}) => {
    let problem;
    if (!exited) {
      proc.kill('SIGTERM');
      // (the timer is cleared: a pending one keeps the test file's process
      // alive until it fires, long after its last test)
      let timer;
      const t = new Promise((res) => (timer = setTimeout(() => res('timeout'), 15000 * SLOW)));
      const got = await Promise.race([exitP, t]);
      clearTimeout(timer);
      if (got === 'timeout') {
        proc.kill('SIGKILL');
        await exitP;
        problem = `litecrm serve did not exit within ${15 * SLOW} s of SIGTERM`;
      } else if (got.code !== 0) {
        problem = `litecrm serve exited ${JSON.stringify(got)} after SIGTERM (want code 0)\n${err.slice(-2000)}`;
      }
    } else {
      problem = `litecrm serve had already exited: ${JSON.stringify(exited)}\n${err.slice(-2000)}`;
    }
    if (!keep && !process.env.LITECRM_KEEP) fs.rmSync(ctx.dir, { recursive: true, force: true });
    if (problem) assert.fail(problem);
  };
}

// ---- domain look-ups through the API ----

// dealsOf lists every deal the session may see (limit 500).
export async function allDeals(ctx, cred, query = '') {
  const r = await ctx.api('GET', `/deals?limit=500${query ? '&' + query : ''}`, cred);
  expectStatus(r, 200, undefined, `GET /deals?${query}`);
  return r.json.items;
}

// dealByName finds a seed deal by its name, as the demo admin.
export async function dealByName(ctx, name) {
  const admin = await ctx.as('admin');
  const d = (await allDeals(ctx, admin)).find((x) => x.name === name);
  assert.ok(d, `no deal named ${name}`);
  return d;
}

export async function stageByKey(ctx, key, cred) {
  cred ||= await ctx.as('admin');
  const r = await ctx.api('GET', '/stages', cred);
  expectStatus(r, 200);
  const s = r.json.items.find((x) => x.key === key);
  assert.ok(s, `no stage ${key} in ${r.text.slice(0, 300)}`);
  return s;
}

// checkSummary compares a summary answer with expectedSummary() figures.
export function checkSummary(got, want, what = 'summary') {
  const m = `${what}: ${JSON.stringify(got)?.slice(0, 1500)}`;
  assert.equal(got.currency, 'TWD', m);
  assert.deepEqual(got.won, want.won, `${what} won; ${m}`);
  assert.deepEqual(got.lost, want.lost, `${what} lost; ${m}`);
  assert.deepEqual(got.open, want.open, `${what} open; ${m}`);
  assert.equal(got.stages.length, 10, m);
  for (const st of got.stages) {
    const w = want.byStage[st.name] || { count: 0, amount: 0, expected: 0 };
    if (st.kind === 'won' || st.kind === 'lost') {
      const k = st.kind === 'won' ? '成交' : '失敗';
      const ww = want.byStage[k] || { count: 0, amount: 0 };
      assert.equal(st.count, ww.count, `${what} stage ${st.key} count; ${m}`);
      assert.equal(st.amount, ww.amount, `${what} stage ${st.key} amount; ${m}`);
      continue;
    }
    assert.equal(st.count, w.count, `${what} stage ${st.key} count; ${m}`);
    assert.equal(st.amount, w.amount, `${what} stage ${st.key} amount; ${m}`);
    assert.equal(st.expected, w.expected, `${what} stage ${st.key} expected; ${m}`);
  }
}
