// bench/run.mjs - litecrm's benchmark, started by bench/run (a shell wrapper, so that
// Node loads this file as an ES module). See bench/README.md.
//
//   bench/run              1,000,000 deals, 5 s per run, 3 runs per scenario
//   bench/run --quick      10,000 deals, 1 s per run (under a minute)
//   bench/run --smoke      1,000 deals, one 1 s run each; exit 1 on any error
//   bench/run --soak S     the mixed load at 70% of its maximum rate for S seconds
//   bench/run --count      instruction counts (callgrind) of each request x 1,000
//   bench/run --pg         SQLite against PostgreSQL (a throw-away cluster), and two
//                          servers on one PostgreSQL against one
//
// It builds nothing: it runs $LITECRM_BIN or ./litecrm (`make bench` builds
// first). Everything listens on 127.0.0.1 only.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ownerName, workspaceSql, writeNotes } from './gen.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const BIN = process.env.LITECRM_BIN || path.join(ROOT, 'litecrm');
const IDS_LUA = path.join(here, 'deal_ids.lua');
const MIX_LUA = path.join(here, 'mix.lua');
const LOGIN_LUA = path.join(here, 'login.lua');
const PASSWORD = 'bench-pass-1234';
const BOARD_DEALS = 10000;

// ---- options ----

const USAGE = `usage: bench/run [--quick | --smoke | --soak SECONDS | --count] [options]

  --quick            10,000 deals, 1 s runs (under a minute)
  --smoke            1,000 deals, one 1 s run per scenario, few connections;
                     exits 1 when a scenario has errors or no requests
  --soak SECONDS     find the mixed load's maximum rate, then hold 70% of it
                     for SECONDS: errors, p99 and resident memory every 30 s
  --count            instruction counts (valgrind callgrind) of serving each
                     scenario's request 1,000 times, and where they go by library
  --pg, --backends sqlite,pg
                     both backends: start a throw-away PostgreSQL 15 cluster
                     (scripts/pg-test-cluster.sh), copy the workspace into it
                     with \`litecrm migrate\` (timed), run deal by id, list,
                     summary and note search on a server on each, interleaved,
                     with the PostgreSQL/SQLite ratios; then two servers on the
                     PostgreSQL database against one (req/s ratio)
  --deals N          deals to generate (default 1000000); companies N/50,
                     5 history rows and 1 note per deal
  --notes N          notes to generate (default: one per deal)
  --owners N         owners (default 100)
  --seed N           the data's seed (default 20201127)
  --db FILE          use a database an earlier --keep run generated
  --duration S       seconds per wrk run (default 5)
  --runs N           runs of each scenario (default 3; the median is shown)
  --threads N        wrk threads (default 2)
  --connections N    wrk connections (default 32)
  --server-threads N litecrm serve --threads (default: the server's own)
  --only KEYS        only these scenarios, e.g. hello,get,list (keys: hello,
                     get, list, create, move, summary, mixed; with --count
                     also board, login): their table, nothing else
  --perf             then one more run of each scenario under perf (the whole
                     machine sampled): where the server's time goes, by library
  --json FILE        also write the results as JSON
  --keep             keep the temporary directory (database, logs)
  --generate         generate the data, keep it and stop (then --db FILE)
  -h, --help         this text

Environment: LITECRM_BIN (the binary; default ./litecrm).
`;

const opt = {
  deals: 1000000,
  notes: -1,
  owners: 100,
  seed: 20201127,
  db: '',
  duration: 5,
  runs: 3,
  threads: 2,
  connections: 32,
  serverThreads: 0,
  json: '',
  only: null,
  keep: false,
  generate: false,
  smoke: false,
  soak: 0,
  count: false,
  pg: false,
  only: null,
  mode: 'full',
};

const ONLY_KEYS = ['hello', 'get', 'list', 'create', 'move', 'summary', 'mixed', 'board', 'login'];
const wanted = (key) => !opt.only || opt.only.includes(key);

function parseArgs(argv) {
  const num = (i, name) => {
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v <= 0) die(`${name}: '${argv[i + 1]}' is not a positive integer`, 2);
    return v;
  };
  // Modes first, so that explicit options override them.
  if (argv.includes('--quick')) Object.assign(opt, { mode: 'quick', deals: 10000, duration: 1, runs: 3 });
  if (argv.includes('--smoke'))
    Object.assign(opt, { mode: 'smoke', smoke: true, deals: 1000, owners: 5, duration: 1, runs: 1, threads: 1, connections: 4 });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--quick':
      case '--smoke':
        break;
      case '--soak': opt.soak = num(i++, a); opt.mode = 'soak'; break;
      case '--count': opt.count = true; opt.mode = 'count'; break;
      case '--pg': opt.pg = true; break;
      case '--backends': {
        const v = (argv[++i] || '').split(',').sort().join(',');
        if (v === 'pg,sqlite') opt.pg = true;
        else if (v !== 'sqlite') die(`--backends: 'sqlite' or 'sqlite,pg', not '${argv[i]}'`, 2);
        break;
      }
      case '--deals': opt.deals = num(i++, a); break;
      case '--notes': opt.notes = num(i++, a); break;
      case '--owners': opt.owners = num(i++, a); break;
      case '--seed': opt.seed = num(i++, a); break;
      case '--duration': opt.duration = num(i++, a); break;
      case '--runs': opt.runs = num(i++, a); break;
      case '--threads': opt.threads = num(i++, a); break;
      case '--connections': opt.connections = num(i++, a); break;
      case '--server-threads': opt.serverThreads = num(i++, a); break;
      case '--db':
      case '--json':
        if (!argv[i + 1]) die(`${a} needs a file`, 2);
        opt[a.slice(2)] = path.resolve(argv[++i]);
        break;
      case '--only': {
        const v = (argv[++i] || '').split(',').filter(Boolean);
        const bad = v.filter((k) => !ONLY_KEYS.includes(k));
        if (!v.length || bad.length) die(`--only: keys among ${ONLY_KEYS.join(',')}, not '${argv[i] ?? ''}'`, 2);
        opt.only = v;
        break;
      }
      case '--keep': opt.keep = true; break;
      case '--perf': opt.perf = true; break;
      case '--generate': opt.generate = true; opt.keep = true; break;
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        process.exit(0);
      default:
        die(`unknown option '${a}'\n${USAGE}`, 2);
    }
  }
  if (opt.owners > 999) die('--owners: at most 999', 2);
  if (opt.connections < opt.threads) opt.connections = opt.threads;
  if (opt.notes < 0) opt.notes = opt.deals;
  opt.companies = Math.max(100, Math.floor(opt.deals / 50));
}

function die(msg, code = 1) {
  process.stderr.write(`bench/run: ${msg}\n`);
  process.exit(code);
}

function log(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

const pct = (xs, p) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.ceil(v.length * p) - 1)] : NaN;
};

// ---- processes ----

function run(cmd, args, { input, env } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { input, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) die(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${cmd} ${args.join(' ').slice(0, 200)} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return { ...r, secs };
}

const lc = (db, ...args) => run(BIN, ['--db', db, ...args]);

async function freePort() {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  await once(s, 'close');
  return port;
}

// startServe starts `litecrm serve` and waits for its first answer; .startMs
// is the time from spawn to that answer (GET /api/v1/health, polled every 2 ms).
async function startServe(db, extra, logFile, wrap = []) {
  const port = await freePort();
  const args = ['--db', db, 'serve', '--listen', `127.0.0.1:${port}`, '--quiet', ...extra];
  if (opt.serverThreads && !extra.includes('--threads')) args.push('--threads', String(opt.serverThreads));
  const out = fs.openSync(logFile, 'w');
  const t0 = process.hrtime.bigint();
  const p = wrap.length ? spawn(wrap[0], [...wrap.slice(1), BIN, ...args], { stdio: ['ignore', out, out] }) : spawn(BIN, args, { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited = null;
  p.on('exit', (code, sig) => (exited = { code, sig }));
  const deadline = Date.now() + (wrap.length ? 120000 : 15000);
  for (;;) {
    if (exited) throw new Error(`litecrm serve ${extra.join(' ')} exited ${JSON.stringify(exited)}:\n${fs.readFileSync(logFile, 'utf8')}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
      await r.text();
      if (r.status === 200) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      p.kill('SIGKILL');
      throw new Error(`litecrm serve ${extra.join(' ')} did not answer in time`);
    }
    await sleep(2);
  }
  const startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { port, proc: p, pid: p.pid, startMs, exited: () => exited };
}

async function stopServe(s) {
  if (s.exited()) return s.exited();
  const done = once(s.proc, 'exit');
  s.proc.kill('SIGTERM');
  const t = setTimeout(() => s.proc.kill('SIGKILL'), 10000);
  const [code, sig] = await done;
  clearTimeout(t);
  return { code, sig };
}

// rssKB: the resident set of process pid (VmRSS), in KB.
function rssKB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

// ---- wrk ----

function toMs(v) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v);
  if (!m) return NaN;
  const x = Number(m[1]);
  return m[2] === 'us' ? x / 1000 : m[2] === 'ms' ? x : m[2] === 's' ? x * 1000 : x * 60000;
}

// parseWrk reads wrk --latency output (and mix.lua's per-class lines).
function parseWrk(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : 0;
  };
  const lat = {};
  for (const m of text.matchAll(/^\s*(50|75|90|99)%\s+([\d.]+\w+)\s*$/gm)) lat[m[1]] = toMs(m[2]);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const classes = {};
  for (const m of text.matchAll(/^class (\w+) requests (\d+) errors (\d+) 5xx (\d+) p50 ([\d.]+) p99 ([\d.]+)$/gm))
    classes[m[1]] = { requests: Number(m[2]), errors: Number(m[3]), e5xx: Number(m[4]), p50: Number(m[5]), p99: Number(m[6]) };
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50: lat['50'],
    p99: lat['99'],
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors,
    classes,
  };
}

// wrk runs wrk to its end; sampler (optional) is called every 100 ms meanwhile.
async function wrk(url, { headers = [], script, scriptArgs = [], duration, threads = opt.threads, connections = opt.connections, env, sampler }) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${duration}s`, '--latency', '--timeout', '5s'];
  for (const h of headers) args.push('-H', h);
  if (script) args.push('-s', script);
  args.push(url);
  if (scriptArgs.length) args.push('--', ...scriptArgs.map(String));
  const p = spawn('wrk', args, { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  const timer = sampler ? setInterval(sampler, 100) : null;
  const [code] = await once(p, 'exit');
  if (timer) clearInterval(timer);
  if (code !== 0) throw new Error(`wrk ${args.join(' ')} failed:\n${out}${err}`);
  const res = parseWrk(out);
  res.raw = out;
  return res;
}

// ---- the data ----

function generate(dir) {
  const db = path.join(dir, 'bench.db');
  const t = {};
  let t0 = Date.now();
  lc(db, 'init', '--workspace', 'bench', '--name', '效能測試 Bench', '--currency', 'TWD', '--language', 'zh-TW', '--password', PASSWORD);
  lc(db, 'init', '--workspace', 'board', '--currency', 'TWD', '--language', 'en', '--password', PASSWORD);
  const boardDeals = opt.smoke ? 1000 : BOARD_DEALS;
  run('sqlite3', [db], {
    input:
      workspaceSql({ ws: 1, owners: opt.owners, companies: opt.companies, deals: opt.deals, history: 5, seed: opt.seed }) +
      workspaceSql({ ws: 2, owners: 10, companies: 200, deals: boardDeals, history: 5, seed: opt.seed + 1, prefix: 'b' }) +
      'ANALYZE;\n',
  });
  lc(db, '--workspace', 'bench', 'report', 'rebuild');
  lc(db, '--workspace', 'board', 'report', 'rebuild');
  t.deals = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const notes = path.join(dir, 'notes.jsonl');
  writeNotes(notes, { n: opt.notes, companies: opt.companies, owners: opt.owners, seed: opt.seed });
  t.notesFile = (Date.now() - t0) / 1000;
  t0 = Date.now();
  if (opt.notes > 0) lc(db, '--workspace', 'bench', 'note', 'import', notes);
  fs.rmSync(notes);
  t.notes = (Date.now() - t0) / 1000;
  const c = run('sqlite3', [db, 'SELECT count(*) FROM deal WHERE workspace_id = 1; SELECT count(*) FROM stage_history WHERE workspace_id = 1; SELECT count(*) FROM note;']).stdout.trim().split('\n').map(Number);
  log(
    `generated ${c[0].toLocaleString('en')} deals over ${opt.companies.toLocaleString('en')} companies and ${opt.owners} owners, ` +
      `${c[1].toLocaleString('en')} history rows (plus a ${boardDeals.toLocaleString('en')}-deal board workspace) in ${t.deals.toFixed(1)} s; ` +
      `${c[2].toLocaleString('en')} notes in ${(t.notesFile + t.notes).toFixed(1)} s (note import ${t.notes.toFixed(1)} s)`,
  );
  return { db, times: t, counts: { deals: c[0], history: c[1], notes: c[2] } };
}

// ---- the server side of a run ----

async function login(base, workspace, username) {
  const r = await fetch(`${base}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workspace, username, password: PASSWORD }),
  });
  const j = await r.json().catch(() => ({}));
  if (r.status !== 200 || !j.token) throw new Error(`login ${workspace}/${username} failed: HTTP ${r.status} ${JSON.stringify(j)}`);
  return j.token;
}

async function getJson(base, token, p) {
  const r = await fetch(base + p, { headers: { authorization: `Bearer ${token}` } });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`GET ${p}: HTTP ${r.status} ${text.slice(0, 300)}`);
  return { json: JSON.parse(text), bytes: Buffer.byteLength(text) };
}

// The median of `runs` timings (ms) of one query run directly through SQLite:
// a tiny reference in Python, whose sqlite3 module calls the same system
// libsqlite3 as litecrm (the sqlite3 shell's .timer counts whole
// milliseconds). It reads every row, as litecrm does; the first run warms
// the cache and is not counted.
const SQL_REF = `
import sqlite3, statistics, sys, time
db = sqlite3.connect(sys.argv[1])
ts = []
for i in range(int(sys.argv[3]) + 1):
    t = time.perf_counter()
    db.execute(sys.argv[2]).fetchall()
    ts.append((time.perf_counter() - t) * 1000)
print(statistics.median(ts[1:]))
`;
function sqliteMs(db, sql, runs) {
  return Number(run('python3', ['-c', SQL_REF, db, sql, String(runs)]).stdout.trim());
}

// A board load: `paths` fetched together, as the browser does. The median
// and p99 time and the bytes of n loads, and the bytes on the wire when the
// client asks for gzip (Accept-Encoding: gzip; litecrm compresses GET /board).
async function boardLoads(base, token, n, paths) {
  const times = [];
  let bytes = 0;
  let gz = 0;
  for (let i = 0; i <= n; i++) {
    const t0 = process.hrtime.bigint();
    const rs = await Promise.all(paths.map((p) => getJson(base, token, p)));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i > 0) times.push(ms); // the first load warms the cache
    bytes = rs.reduce((a, r) => a + r.bytes, 0);
  }
  for (const p of paths) gz += await wireBytes(base + p, { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' });
  return { p50: median(times), p99: pct(times, 0.99), bytes, gz };
}

// wireBytes: the bytes of an answer's body as sent (not decompressed).
function wireBytes(url, headers) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      let n = 0;
      res.on('data', (c) => (n += c.length));
      res.on('end', () => resolve(n));
    }).on('error', reject);
  });
}

const fmtMs = (x) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '-');
const fmtPct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');
const fmtMB = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(1)} MB` : '-');

function printTable(head, rows) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((t) => String(t[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ').trimEnd();
  console.log(line(head));
  console.log(line(w.map((n) => '-'.repeat(n))));
  for (const t of rows) console.log(line(t));
}

// ---- the benchmark ----

async function bench(ctx) {
  const { db, api, hello, token, boardToken, ids, listPath } = ctx;
  const base = `http://127.0.0.1:${api.port}`;
  const auth = `Authorization: Bearer ${token}`;
  const mixArgs = (mode, threads) => [mode, 42, ids.min, ids.max, opt.owners, opt.companies, threads];
  const memory = { samples: [] };
  // The write-ahead log's size, sampled with the memory: it must stay bounded under writes.
  const wal = { run: 0, max: 0 };
  const walBytes = () => {
    try {
      return fs.statSync(`${db}-wal`).size;
    } catch {
      return 0;
    }
  };
  const sampler = () => {
    memory.samples.push(rssKB(api.pid));
    wal.run = Math.max(wal.run, walBytes());
  };

  const scenarios = [
    { key: 'hello', name: 'hello-world (same MHD set-up)', url: `http://127.0.0.1:${hello.port}/`, headers: [] },
    { key: 'get', name: 'one deal by id (random)', url: base + '/api/v1/deals/1', headers: [auth], script: IDS_LUA, scriptArgs: [ids.min, ids.max, 42] },
    { key: 'list', name: 'list 50, owner+stage', url: base + listPath, headers: [auth] },
    { key: 'create', name: 'create deal', url: base + '/', headers: [auth], script: MIX_LUA, scriptArgs: mixArgs('create', opt.threads) },
    { key: 'move', name: 'move deal', url: base + '/', headers: [auth], script: MIX_LUA, scriptArgs: mixArgs('move', opt.threads) },
    { key: 'summary', name: 'summary (wrk load)', url: base + '/api/v1/reports/summary', headers: [auth] },
  ];
  const mixed = { key: 'mixed', threads: opt.connections, connections: opt.connections, url: base + '/', headers: [auth], script: MIX_LUA, scriptArgs: mixArgs('mixed', opt.connections) };

  memory.idle = rssKB(api.pid);
  const chosen = [...scenarios, mixed].filter((s) => wanted(s.key));
  // One short warm-up of each scenario in a full run.
  if (opt.mode === 'full') for (const s of chosen) if (s !== mixed) await wrk(s.url, { ...s, duration: 1 });

  const results = Object.fromEntries([...scenarios, mixed].map((s) => [s.key, []]));
  for (let r = 0; r < opt.runs; r++) {
    for (const s of chosen) {
      wal.run = 0;
      const res = await wrk(s.url, { ...s, duration: opt.duration, sampler });
      results[s.key].push(res);
      wal.max = Math.max(wal.max, wal.run);
      const extra = res.classes.read ? ` reads p99 ${res.classes.read.p99} ms` : '';
      log(`run ${r + 1}/${opt.runs} ${s.key}: ${res.rps.toFixed(0)} req/s p50 ${res.p50} ms p99 ${res.p99} ms errors ${res.non2xx + res.socketErrors}${extra} wal ${(wal.run / 1048576).toFixed(1)} MB`);
    }
  }
  log(`write-ahead log at most ${(wal.max / 1048576).toFixed(1)} MB (sampled every 100 ms)`);

  if (opt.perf) await perfTable(ctx, chosen, mixed);
  if (opt.only) return onlyTable(ctx, scenarios, mixed, results);

  // Login interference: the same scenarios while argon2id logins run back to back.
  const loginRuns = { get: [], list: [], logins: [] };
  for (let r = 0; r < (opt.mode === 'full' ? opt.runs : 1); r++) {
    const lw = wrk(base + '/', { threads: 1, connections: 2, duration: opt.duration * 2 + 1, script: LOGIN_LUA, scriptArgs: ['bench', 'admin', PASSWORD] });
    await sleep(500);
    for (const key of ['get', 'list']) {
      const s = scenarios.find((x) => x.key === key);
      loginRuns[key].push(await wrk(s.url, { ...s, duration: opt.duration, sampler }));
    }
    const l = await lw;
    loginRuns.logins.push(l);
    log(`run ${r + 1} under logins (${l.rps.toFixed(1)} logins/s): get p99 ${loginRuns.get.at(-1).p99} ms, list p99 ${loginRuns.list.at(-1).p99} ms`);
  }

  // 256 connections.
  const at256 = [];
  const get = scenarios.find((x) => x.key === 'get');
  const r256 = await wrk(get.url, { ...get, threads: 2, connections: 256, duration: opt.duration, sampler: () => at256.push(rssKB(api.pid)) });
  memory.samples.push(...at256);
  memory.at256 = Math.max(...at256);

  // The board of the 10,000-deal workspace as the web app loads it: one
  // GET /board (the stages, every column's figures and first 50 cards).
  // For comparison, the same first pages as deal lists: one request per
  // column plus the stages, as the board loaded them before GET /board.
  const boardStages = (await getJson(base, boardToken, '/api/v1/stages')).json.items;
  const nBoard = opt.mode === 'full' ? 50 : opt.smoke ? 5 : 20;
  const board = await boardLoads(base, boardToken, nBoard, ['/api/v1/board']);
  const boardLists = await boardLoads(base, boardToken, nBoard, ['/api/v1/stages', ...boardStages.map((st) => `/api/v1/deals?stage=${st.key}&limit=50`)]);

  // The summary on one connection next to its SQL in the sqlite3 shell.
  const sum = scenarios.find((x) => x.key === 'summary');
  const sumOne = [];
  for (let r = 0; r < (opt.mode === 'full' ? opt.runs : 1); r++) sumOne.push(await wrk(sum.url, { ...sum, threads: 1, connections: 1, duration: opt.duration }));
  const sqlRuns = opt.smoke ? 3 : 21;
  const sumSql = sqliteMs(
    db,
    'SELECT stage_id, sum(deals), sum(amount), sum(expected) FROM deal_sum WHERE workspace_id = 1 GROUP BY stage_id HAVING sum(deals) > 0 ORDER BY stage_id;',
    sqlRuns,
  );
  const sumScan = sqliteMs(db, 'SELECT stage_id, count(*), sum(amount) FROM deal WHERE workspace_id = 1 GROUP BY stage_id ORDER BY stage_id;', opt.smoke ? 1 : 3);

  // Start-up to the first answer, on the same database.
  const starts = [];
  for (let r = 0; r < 3; r++) {
    const s = await startServe(db, [], path.join(ctx.dir, 'start.log'));
    starts.push(s.startMs);
    await stopServe(s);
  }
  const binSize = fs.statSync(BIN).size;

  // ---- the table ----
  const m = (key, f, src = results) => median(src[key].map(f));
  const helloRps = results.hello.map((r) => r.rps);
  const ratio = (key) => median(results[key].map((r, k) => r.rps / helloRps[k]));
  const errs = (rs) => rs.reduce((a, r) => a + r.non2xx + r.socketErrors, 0);
  const row = (name, key, ref, rat, goal) => [name, m(key, (r) => r.rps).toFixed(0), fmtMs(m(key, (r) => r.p50)), fmtMs(m(key, (r) => r.p99)), String(errs(results[key])), ref, rat, goal];
  const p99idle = (k) => m(k, (r) => r.p99);
  const p99login = (k) => median(loginRuns[k].map((r) => r.p99));
  const readP99 = median(results.mixed.map((r) => r.classes.read?.p99));
  const e5 = (rs) => rs.reduce((a, r) => a + Object.values(r.classes).reduce((b, c) => b + c.e5xx, 0), 0);
  const sumP50 = median(sumOne.map((r) => r.p50));
  memory.max = Math.max(...memory.samples.filter(Number.isFinite));
  memory.end = rssKB(api.pid);

  const rows = [
    row(scenarios[0].name, 'hello', 'itself', '100%', '>= 100,000 req/s, p99 < 2 ms'),
    row(scenarios[1].name, 'get', 'hello', fmtPct(ratio('get')), '>= 50% of hello, p99 < 5 ms'),
    row(scenarios[2].name, 'list', 'hello', fmtPct(ratio('list')), '>= 25% of hello, p99 < 10 ms'),
    row(scenarios[3].name, 'create', 'hello', fmtPct(ratio('create')), '>= 5,000 req/s, p99 < 20 ms, no 5xx'),
    row(scenarios[4].name, 'move', 'hello', fmtPct(ratio('move')), '>= 5,000 req/s, p99 < 20 ms, no 5xx'),
    row(scenarios[5].name, 'summary', 'hello', fmtPct(ratio('summary')), '-'),
    ['mixed 90/8/2 (reads p99)', m('mixed', (r) => r.rps).toFixed(0), fmtMs(median(results.mixed.map((r) => r.classes.read?.p50))), fmtMs(readP99), `${errs(results.mixed)} (5xx ${e5(results.mixed)})`, 'hello', fmtPct(ratio('mixed')), 'reads p99 < 10 ms'],
    ['summary, 1 connection', '-', fmtMs(sumP50), fmtMs(median(sumOne.map((r) => r.p99))), String(errs(sumOne)), `SQL ${fmtMs(sumSql)} ms`, `${(sumP50 / sumSql).toFixed(2)}x`, '< 20 ms, <= 1.5x the SQL'],
    ['get under logins (p99)', median(loginRuns.get.map((r) => r.rps)).toFixed(0), fmtMs(median(loginRuns.get.map((r) => r.p50))), fmtMs(p99login('get')), String(errs(loginRuns.get)), `idle p99 ${fmtMs(p99idle('get'))}`, `${(p99login('get') / p99idle('get')).toFixed(2)}x`, 'p99 <= 3x idle'],
    ['list under logins (p99)', median(loginRuns.list.map((r) => r.rps)).toFixed(0), fmtMs(median(loginRuns.list.map((r) => r.p50))), fmtMs(p99login('list')), String(errs(loginRuns.list)), `idle p99 ${fmtMs(p99idle('list'))}`, `${(p99login('list') / p99idle('list')).toFixed(2)}x`, 'p99 <= 3x idle'],
    ['get, 256 connections', r256.rps.toFixed(0), fmtMs(r256.p50), fmtMs(r256.p99), String(errs([r256])), '-', '-', '-'],
  ].map((r) => r.map((c) => (c === 'NaN' ? '-' : c)));
  const loginRate = median(loginRuns.logins.map((r) => r.rps));

  console.log(
    `litecrm bench (${opt.mode}): ${ctx.counts.deals.toLocaleString('en')} deals, ${ctx.counts.history.toLocaleString('en')} history rows, ` +
      `${ctx.counts.notes.toLocaleString('en')} notes, ${opt.owners} owners, ${opt.companies.toLocaleString('en')} companies; ` +
      `wrk -t${opt.threads} -c${opt.connections} -d${opt.duration}s (mixed: -t${opt.connections}), median of ${opt.runs} run(s); ` +
      `${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  );
  printTable(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'reference', 'ratio', 'goal'], rows);
  console.log('');
  printTable(
    ['figure', 'value', 'goal'],
    [
      [`board, GET /board (${boardStages.length} columns x 50 cards)`, `p50 ${fmtMs(board.p50)} ms, p99 ${fmtMs(board.p99)} ms, ${(board.bytes / 1024).toFixed(1)} KB (asking gzip ${(board.gz / 1024).toFixed(1)} KB)`, '< 20 ms, < 200 KB'],
      [`  as ${boardStages.length} deal lists of 50 (+ stages)`, `p50 ${fmtMs(boardLists.p50)} ms, p99 ${fmtMs(boardLists.p99)} ms, ${(boardLists.bytes / 1024).toFixed(1)} KB (asking gzip ${(boardLists.gz / 1024).toFixed(1)} KB)`, '-'],
      ['summary SQL in sqlite3 (deal_sum)', `${fmtMs(sumSql)} ms (a scan of the deals: ${fmtMs(sumScan)} ms)`, '-'],
      ['logins during the interference runs', `${loginRate.toFixed(1)} logins/s`, '-'],
      ['memory idle (RSS)', fmtMB(memory.idle), '< 20 MB'],
      ['memory at 256 connections (max RSS)', fmtMB(memory.at256), '< 100 MB'],
      ['memory over the run (max; at the end)', `${fmtMB(memory.max)}; ${fmtMB(memory.end)}`, 'flat (see --soak)'],
      ['start-up to first answer (median of 3)', `${fmtMs(median(starts))} ms`, '< 100 ms'],
      ['binary size', `${(binSize / 1048576).toFixed(2)} MB`, '< 8 MB'],
    ],
  );

  const out = { rows, board, boardLists, sumSql, sumScan, memory: { ...memory, samples: undefined }, starts, binSize, loginRate };
  if (opt.json)
    fs.writeFileSync(
      opt.json,
      JSON.stringify({ options: opt, setup: ctx.times, counts: ctx.counts, ...out, runs: Object.fromEntries(Object.entries(results).map(([k, rs]) => [k, rs.map(({ raw, ...r }) => r)])) }, null, 2) + '\n',
    );

  let failed = false;
  if (opt.smoke) {
    for (const r of rows) {
      if (r[4] !== '0' && r[4] !== '0 (5xx 0)') {
        log(`smoke: ${r[0]}: ${r[4]} errors`);
        failed = true;
      }
    }
    for (const [k, rs] of Object.entries(results))
      if (!rs.every((r) => r.requests > 0)) {
        log(`smoke: ${k} served nothing`);
        failed = true;
      }
  }
  return failed;
}

/*
 * perfTable runs each scenario once more while perf samples the whole
 * machine (cpu-clock, 999 Hz: the VM has no hardware counters) and prints,
 * for the server that scenario drives, its share of the machine's samples
 * and wrk's, then where the server's samples fall: the kernel (system
 * calls, loopback TCP), each library, and the three symbols with the most.
 * Unlike --count, this sees the kernel and the waits.
 */
async function perfTable(ctx, chosen, mixed) {
  if (spawnSync('perf', ['--version'], { encoding: 'utf8' }).error) {
    log('--perf: perf not found (Debian package linux-perf); skipped');
    return;
  }
  const LIB = [
    ['kernel', /^\[kernel/],
    ['SQLite', /^libsqlite3\./],
    ['MHD', /^libmicrohttpd\./],
    ['litecrm', BIN_RE],
    ['jansson', /^libjansson\./],
    ['libc', /^libc\./],
  ];
  // One report per run, every sample by thread, library and symbol.
  const samples = (file) => {
    const r = spawnSync('perf', ['report', '-i', file, '--stdio', '--no-children', '-g', 'none', '--sort', 'pid,dso,sym', '-t', '|'], { encoding: 'utf8', maxBuffer: 256 << 20 });
    return (r.stdout || '')
      .split('\n')
      .map((l) => l.split('|').map((x) => x.trim()))
      .filter((c) => c.length === 4 && /%$/.test(c[0]))
      .map(([p, t, dso, sym]) => ({ pct: parseFloat(p), tid: parseInt(t, 10), comm: t.replace(/^\d+:/, ''), dso: path.basename(dso), sym: sym.replace(/^\[[.k]\]\s+/, '') }));
  };
  const threads = (pid) => {
    try {
      return new Set(fs.readdirSync(`/proc/${pid}/task`).map(Number));
    } catch {
      return new Set([pid]);
    }
  };
  const rows = [];
  for (const s of chosen) {
    const pid = s.key === 'hello' ? ctx.hello.pid : ctx.api.pid;
    const file = path.join(ctx.dir, `perf.${s.key}`);
    // perf samples a little longer than wrk runs (wrk takes whole seconds).
    const rec = spawn('perf', ['record', '-q', '-e', 'cpu-clock', '-F', '999', '-a', '-o', file, '--', 'sleep', String(opt.duration + 0.5)], { stdio: 'ignore' });
    await sleep(100);
    await wrk(s.url, { ...s, duration: opt.duration });
    const tids = threads(pid);
    await once(rec, 'exit');
    const all = samples(file);
    const mine = all.filter((x) => tids.has(x.tid));
    const sum = (xs) => xs.reduce((a, x) => a + x.pct, 0);
    const server = sum(mine);
    const client = sum(all.filter((x) => x.comm === 'wrk'));
    const libs = LIB.map(([, re]) => sum(mine.filter((x) => re.test(x.dso))));
    const other = server - libs.reduce((a, b) => a + b, 0);
    const bySym = new Map();
    for (const x of mine) bySym.set(x.sym, (bySym.get(x.sym) || 0) + x.pct);
    const of = (p) => (server > 0 ? `${((100 * p) / server).toFixed(1)}%` : '-');
    const syms = [...bySym].sort((p, q) => q[1] - p[1]).slice(0, 3).map(([sym, p]) => `${sym} ${of(p)}`);
    rows.push([s.name || 'mixed 90/8/2', `${server.toFixed(1)}%`, `${client.toFixed(1)}%`, ...libs.map(of), of(other), syms.join(', ')]);
    if (!opt.keep) fs.rmSync(file, { force: true });
  }
  console.log(`\nwhere the time goes (perf, the whole machine sampled during one more ${opt.duration} s run of each; load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}):`);
  console.log('server and wrk: their shares of all samples of both cores; then the shares of the server\'s samples');
  printTable(['scenario', 'server', 'wrk', ...LIB.map(([n]) => n), 'other', 'top symbols (of the server\'s samples)'], rows);
  console.log('');
}

// onlyTable prints the table of the scenarios --only chose (ratios need hello).
function onlyTable(ctx, scenarios, mixed, results) {
  const m = (key, f) => median(results[key].map(f));
  const helloRps = results.hello.map((r) => r.rps);
  const ratio = (key) => (helloRps.length ? median(results[key].map((r, k) => r.rps / helloRps[k])) : NaN);
  const errs = (rs) => rs.reduce((a, r) => a + r.non2xx + r.socketErrors, 0);
  const rows = [...scenarios, mixed]
    .filter((s) => wanted(s.key))
    .map((s) => {
      const p = s === mixed ? (f) => m(s.key, (r) => f(r.classes.read || {})) : (f) => m(s.key, f);
      return [s.name || 'mixed 90/8/2 (reads)', m(s.key, (r) => r.rps).toFixed(0), fmtMs(p((r) => r.p50)), fmtMs(p((r) => r.p99)), String(errs(results[s.key])), s.key === 'hello' ? '100%' : fmtPct(ratio(s.key))];
    })
    .map((r) => r.map((c) => (c === 'NaN' ? '-' : c)));
  console.log(
    `litecrm bench (${opt.mode}, only ${opt.only.join(',')}): ${ctx.counts.deals.toLocaleString('en')} deals; ` +
      `wrk -t${opt.threads} -c${opt.connections} -d${opt.duration}s, median of ${opt.runs} run(s); ` +
      `${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  );
  printTable(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'of hello'], rows);
  if (opt.json) fs.writeFileSync(opt.json, JSON.stringify({ options: opt, rows, runs: Object.fromEntries(Object.entries(results).map(([k, rs]) => [k, rs.map(({ raw, ...r }) => r)])) }, null, 2) + '\n');
  return opt.smoke && rows.some((r) => r[4] !== '0');
}

// ---- soak ----

async function soak(ctx) {
  const { api, token, ids } = ctx;
  const base = `http://127.0.0.1:${api.port}`;
  const c = opt.connections;
  const mix = { threads: c, connections: c, headers: [`Authorization: Bearer ${token}`], script: MIX_LUA, scriptArgs: ['mixed', 42, ids.min, ids.max, opt.owners, opt.companies, c] };
  const rss0 = rssKB(api.pid);
  const max = await wrk(base + '/', { ...mix, duration: Math.max(10, opt.duration) });
  const rate = Math.max(1, Math.floor(max.rps * 0.7));
  log(`soak: maximum ${max.rps.toFixed(0)} req/s (reads p99 ${max.classes.read?.p99} ms); holding ${rate} req/s for ${opt.soak} s`);
  const samples = [{ t: 0, rss: rssKB(api.pid) }];
  const t0 = Date.now();
  let next = 30000;
  const res = await wrk(base + '/', {
    ...mix,
    duration: opt.soak,
    env: { LITECRM_BENCH_RATE: String(rate) },
    sampler: () => {
      const t = Date.now() - t0;
      if (t >= next) {
        samples.push({ t: Math.round(t / 1000), rss: rssKB(api.pid) });
        log(`soak: ${Math.round(t / 1000)} s, RSS ${fmtMB(samples.at(-1).rss)}`);
        next += 30000;
      }
    },
  });
  samples.push({ t: opt.soak, rss: rssKB(api.pid) });
  const errors = res.non2xx + res.socketErrors;
  const cls = res.classes;
  console.log(
    `litecrm soak: ${ctx.counts.deals.toLocaleString('en')} deals; mixed load (90% reads, 8% writes, 2% reports), ${c} connections; ` +
      `${os.cpus().length} CPUs, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  );
  printTable(
    ['figure', 'value'],
    [
      ['maximum rate (unlimited, 10 s)', `${max.rps.toFixed(0)} req/s, reads p99 ${fmtMs(max.classes.read?.p99)} ms`],
      ['target (70% of the maximum)', `${rate} req/s for ${opt.soak} s`],
      ['achieved', `${res.rps.toFixed(0)} req/s (${fmtPct(res.rps / max.rps)} of the maximum), ${res.requests} requests`],
      ['errors (non-2xx + socket; 5xx)', `${errors}; ${Object.values(cls).reduce((a, x) => a + x.e5xx, 0)}`],
      ['p50 / p99, all requests', `${fmtMs(res.p50)} / ${fmtMs(res.p99)} ms`],
      ...['read', 'write', 'report'].map((k) => [`p50 / p99, ${k}s`, cls[k] ? `${fmtMs(cls[k].p50)} / ${fmtMs(cls[k].p99)} ms (${cls[k].requests} requests)` : '-']),
      ['RSS before the maximum run', fmtMB(rss0)],
      ['RSS every 30 s', samples.map((s) => `${s.t}s ${(s.rss / 1024).toFixed(1)}`).join(', ') + ' (MB)'],
    ],
  );
  if (opt.json) fs.writeFileSync(opt.json, JSON.stringify({ options: opt, max: { ...max, raw: undefined }, rate, result: { ...res, raw: undefined }, rss0, samples }, null, 2) + '\n');
  return errors > 0;
}

// ---- instruction counts ----

// The libraries the breakdown of --count names, by the start of their file name
// (litecrm by the name of the binary run).
const BIN_RE = new RegExp(`^${path.basename(BIN).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
const LIBS = [
  { name: 'litecrm', re: BIN_RE },
  { name: 'SQLite', re: /^libsqlite3\./ },
  { name: 'MHD', re: /^libmicrohttpd\./ },
  { name: 'jansson', re: /^libjansson\./ },
  { name: 'sodium', re: /^libsodium\./ },
  { name: 'libc', re: /^libc\./ },
];

/*
 * where reads a callgrind profile of `total` instructions with
 * callgrind_annotate (self cost per function) and returns the share of each
 * of LIBS, of the rest, and the three functions with the most, as table
 * cells. A function without a symbol (a static one in a stripped library)
 * is named after its library.
 */
function where(file, total) {
  const r = spawnSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', '--auto=no', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) return [...LIBS.map(() => '-'), '-', `callgrind_annotate failed: ${(r.stderr || '').trim().slice(0, 80)}`];
  const by = new Map(LIBS.map((l) => [l.name, 0]));
  let other = 0;
  const fns = new Map();
  for (const m of r.stdout.matchAll(/^\s*([\d,]+) \([\s\d.]+%\)\s+(\S.*?) \[(.+)\]$/gm)) {
    const ir = Number(m[1].replaceAll(',', ''));
    if (ir >= total * 0.999) continue; // the threads' entry points: everything below them
    const lib = path.basename(m[3]);
    const known = LIBS.find((l) => l.re.test(lib));
    if (known) by.set(known.name, by.get(known.name) + ir);
    else other += ir;
    let fn = m[2].replace(/^.*:/, '');
    if (/^0x[0-9a-f]+$/.test(fn)) fn = `(${known ? known.name : lib})`;
    fn = fn.replace(/^__(\w+?)_(avx2|avx|sse\d*|evex|erms)\w*$/, '$1');
    fns.set(fn, (fns.get(fn) || 0) + ir);
  }
  const top = [...fns].sort((a, b) => b[1] - a[1]).slice(0, 3);
  return [...LIBS.map((l) => fmtPct(by.get(l.name) / total)), fmtPct(other / total), top.map(([fn, ir]) => `${fn} ${fmtPct(ir / total)}`).join(', ')];
}

/*
 * count serves each scenario's request N times from a server running in
 * valgrind's callgrind (one event thread, one worker) and prints the
 * instructions executed by the server: the counters are zeroed before a
 * scenario and dumped after it (callgrind_control), so start-up, the
 * client and the other scenarios are not counted. The requests go one at a
 * time over one keep-alive connection, and every id is drawn from a seeded
 * PRNG: the counts repeat from run to run within a fraction of a percent.
 */
async function count(ctx) {
  const { db, dir } = ctx;
  const N = opt.smoke ? 20 : 1000;
  const wrap = ['valgrind', '--tool=callgrind', `--callgrind-out-file=${path.join(dir, 'callgrind.out.%p')}`];
  const extra = ['--threads', '1', '--workers', '1'];
  const servers = [];
  const api = await startServe(db, extra, path.join(dir, 'count.log'), wrap);
  servers.push(api);
  const hello = await startServe(db, [...extra, '--hello', 'ok'], path.join(dir, 'count-hello.log'), wrap);
  servers.push(hello);
  try {
    const base = `http://127.0.0.1:${api.port}`;
    const token = await login(base, 'bench', 'admin');
    const boardToken = await login(base, 'board', 'admin');
    const last = await getJson(base, token, '/api/v1/deals?limit=1&sort=id&order=desc');
    const maxId = last.json.items[0].id;
    const { prng } = await import('./gen.mjs');
    const rnd = prng(opt.seed);
    const id = () => 1 + Math.floor(rnd() * maxId);
    const hdr = (t) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
    const OPEN = ['prospecting', 'qualification', 'needs_analysis', 'value_proposition'];
    const send = async (b, p, { method = 'GET', body, t = token } = {}) => {
      const r = await fetch(b + p, { method, headers: hdr(t), body: body && JSON.stringify(body) });
      await r.arrayBuffer();
      if (r.status >= 400) throw new Error(`${method} ${p}: HTTP ${r.status}`);
    };
    const hb = `http://127.0.0.1:${hello.port}`;
    const scen = [
      { key: 'hello', name: 'hello-world', srv: hello, n: N, f: () => send(hb, '/') },
      { key: 'get', name: 'one deal by id', n: N, f: () => send(base, `/api/v1/deals/${id()}`) },
      { key: 'list', name: 'list 50, owner+stage', n: N, f: () => send(base, `/api/v1/deals?owner=${ownerName(Math.floor(rnd() * opt.owners))}&stage=value_proposition&limit=50`) },
      { key: 'create', name: 'create deal', n: N, f: () => send(base, '/api/v1/deals', { method: 'POST', body: { company_id: 1 + Math.floor(rnd() * opt.companies), name: 'Count 新案', amount: 1000, stage: 'prospecting', owner: ownerName(0) } }) },
      { key: 'move', name: 'move deal', n: N, f: () => send(base, `/api/v1/deals/${id()}/move`, { method: 'POST', body: { stage: OPEN[Math.floor(rnd() * OPEN.length)] } }) },
      { key: 'summary', name: 'summary', n: N, f: () => send(base, '/api/v1/reports/summary') },
      {
        key: 'board',
        name: 'board (GET /board)',
        n: opt.smoke ? 5 : 100,
        f: () => send(base, '/api/v1/board', { t: boardToken }),
      },
      { key: 'login', name: 'login (argon2id)', n: opt.smoke ? 2 : 10, f: () => send(base, '/api/v1/login', { method: 'POST', body: { workspace: 'bench', username: 'admin', password: PASSWORD } }) },
    ];
    const rows = [];
    const shares = [];
    let k = 0;
    for (const s of scen.filter((x) => wanted(x.key))) {
      const srv = s.srv || api;
      await s.f(); // warm: the first request opens the store, fills caches
      run('callgrind_control', ['-z', String(srv.pid)]);
      for (let i = 0; i < s.n; i++) await s.f();
      const label = `scenario${k++}`;
      run('callgrind_control', ['-d', label, String(srv.pid)]);
      let ir = NaN;
      let kept = null;
      for (const f of fs.readdirSync(dir).filter((x) => x.startsWith(`callgrind.out.${srv.pid}`))) {
        const text = fs.readFileSync(path.join(dir, f), 'utf8');
        if (!text.includes(`trigger: Client Request: ${label}`) && !text.includes(label)) continue;
        const m = /^(?:summary|totals): (\d+)/m.exec(text);
        if (m) ir = Number(m[1]);
        // Each scenario's profile stays for the breakdown below (and with
        // --keep for callgrind_annotate).
        kept = path.join(dir, `callgrind.${s.key}`);
        fs.renameSync(path.join(dir, f), kept);
      }
      if (Number.isFinite(ir)) shares.push([s.name, ...where(kept ?? '', ir)]);
      const per = ir / s.n;
      rows.push([s.name, String(s.n), Number.isFinite(ir) ? ir.toLocaleString('en') : '-', Math.round(per).toLocaleString('en'), Math.round(per * 1000).toLocaleString('en')]);
      log(`count ${s.name}: ${ir} instructions for ${s.n}`);
    }
    console.log(`litecrm bench --count: ${ctx.counts.deals.toLocaleString('en')} deals; valgrind callgrind, one event thread, one worker; instructions executed by the server`);
    printTable(['scenario', 'requests', 'instructions', 'per request', 'x 1,000'], rows);
    console.log('\nwhere they go: each library\'s own instructions (callgrind_annotate, exclusive), and the functions with the most');
    printTable(['scenario', ...LIBS.map((l) => l.name), 'other', 'top functions'], shares);
    if (opt.json) fs.writeFileSync(opt.json, JSON.stringify({ options: opt, counts: rows }, null, 2) + '\n');
  } finally {
    for (const s of servers) await stopServe(s);
    for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('callgrind.out') || (!opt.keep && x.startsWith('callgrind.')))) fs.rmSync(path.join(dir, f));
  }
  return false;
}

// ---- main ----

// ---- both backends (--pg) ----

// pgCluster starts a throw-away PostgreSQL cluster as the tests do
// (scripts/pg-test-cluster.sh: initdb with a UTF-8 locale into a temporary
// folder, a private socket folder, no TCP; as the user 'postgres' when run as
// root) and returns its URL and a stop function.
function pgCluster() {
  const script = path.join(ROOT, 'scripts', 'pg-test-cluster.sh');
  const r = spawnSync(script, ['start'], { encoding: 'utf8' });
  if (r.status !== 0) die(`cannot start a PostgreSQL cluster:\n${r.stdout}${r.stderr}`);
  const url = r.stdout.trim();
  const dir = r.stderr.trim().split('\n').pop();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(script, ['stop', dir], { encoding: 'utf8' });
  };
  process.on('exit', stop); // even when the run dies
  return { url, dir, stop };
}

// idRange finds the lowest and highest deal id of the server's workspace.
async function idRange(base, token) {
  const first = await getJson(base, token, '/api/v1/deals?limit=1&sort=id&order=asc');
  const last = await getJson(base, token, '/api/v1/deals?limit=1&sort=id&order=desc');
  const ids = { min: first.json.items?.[0]?.id, max: last.json.items?.[0]?.id };
  if (!ids.min || !ids.max) throw new Error(`${base}: cannot find the deal id range`);
  return ids;
}

// backendScenarios: the read scenarios run on each backend.
function backendScenarios(base, token, ids) {
  const auth = `Authorization: Bearer ${token}`;
  const list = `/api/v1/deals?owner=${ownerName(Math.min(6, opt.owners - 1))}&stage=value_proposition&limit=50`;
  const search = (q) => `${base}/api/v1/search?kind=note&limit=20&q=${encodeURIComponent(q)}`;
  return [
    { key: 'get', name: 'one deal by id (random)', url: base + '/api/v1/deals/1', headers: [auth], script: IDS_LUA, scriptArgs: [ids.min, ids.max, 42] },
    { key: 'list', name: 'list 50, owner+stage', url: base + list, headers: [auth] },
    { key: 'summary', name: 'summary', url: base + '/api/v1/reports/summary', headers: [auth] },
    // Slow on PostgreSQL (a scan of every note): few connections, so that a
    // run leaves a short queue behind.
    { key: 'zh2', name: 'note search, zh 2 chars (預算) *', url: search('預算'), headers: [auth], connections: SEARCH_CONNECTIONS, threads: 1 },
    { key: 'en', name: 'note search, en word (pilot) *', url: search('pilot'), headers: [auth], connections: SEARCH_CONNECTIONS, threads: 1 },
  ];
}

const SEARCH_CONNECTIONS = 4;

// fmtRps: req/s, with a decimal below 10 (a slow scenario's few requests).
const fmtRps = (x) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : x.toFixed(0)) : '-');

// drain waits until the server has answered what a wrk run left queued: a
// request sent now is served after them.
async function drain(base, token) {
  await getJson(base, token, '/api/v1/me');
}

// migrateTimed copies the workspace into PostgreSQL with `litecrm migrate`,
// prints its verification and returns its wall-clock seconds.
function migrateTimed(db, url) {
  log(`litecrm migrate --from ${db} --to ${url}`);
  const r = run(BIN, ['migrate', '--from', db, '--to', url]);
  for (const line of r.stdout.trimEnd().split('\n')) log(`  ${line}`);
  if (!/verification: ok/.test(r.stdout)) die('the migration did not verify');
  return r.secs;
}

async function backends(ctx) {
  const { db, dir, counts, servers } = ctx;
  const pgc = pgCluster();
  let failed = false;
  try {
    const migrateSecs = migrateTimed(db, pgc.url);
    const side = {};
    for (const [name, target] of [['sqlite', db], ['pg', pgc.url]]) {
      const srv = await startServe(target, [], path.join(dir, `serve-${name}.log`));
      servers.push(srv);
      const base = `http://127.0.0.1:${srv.port}`;
      const token = await login(base, 'bench', 'admin');
      side[name] = { srv, base, token, scenarios: backendScenarios(base, token, await idRange(base, token)) };
    }
    const keys = side.sqlite.scenarios.map((s) => s.key);
    const res = { sqlite: {}, pg: {} };
    let errors = 0;
    if (opt.mode === 'full') for (const b of ['sqlite', 'pg']) for (const s of side[b].scenarios) await wrk(s.url, { ...s, duration: 1 });
    for (let r = 0; r < opt.runs; r++)
      for (const [i, key] of keys.entries())
        for (const b of ['sqlite', 'pg']) {
          const s = side[b].scenarios[i];
          const w = await wrk(s.url, { ...s, duration: opt.duration });
          await drain(side[b].base, side[b].token);
          (res[b][key] ||= []).push(w);
          errors += w.non2xx + w.socketErrors;
          log(`run ${r + 1}/${opt.runs} ${key} on ${b}: ${w.rps.toFixed(0)} req/s p50 ${w.p50} ms p99 ${w.p99} ms errors ${w.non2xx + w.socketErrors}`);
        }
    const two = await twoServers({ ...ctx, url: pgc.url, side });
    errors += two.errors;

    const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
    console.log(`\nlitecrm on SQLite and PostgreSQL ${pgVersion()}: ${counts.deals.toLocaleString('en')} deals, ${counts.notes.toLocaleString('en')} notes; ` +
      `${os.cpus().length} cores, load average ${load}; wrk -t${opt.threads} -c${opt.connections}, ${opt.runs} x ${opt.duration} s, medians`);
    console.log(`litecrm migrate to PostgreSQL: ${migrateSecs.toFixed(1)} s\n`);
    const m = (b, k, f) => median(res[b][k].map((x) => x[f]));
    printTable(
      ['scenario', 'SQLite req/s', 'p50 ms', 'p99 ms', 'PG req/s', 'p50 ms', 'p99 ms', 'PG/SQLite req/s', 'p50'],
      side.sqlite.scenarios.map((s) => [
        s.name,
        fmtRps(m('sqlite', s.key, 'rps')), fmtMs(m('sqlite', s.key, 'p50')), fmtMs(m('sqlite', s.key, 'p99')),
        fmtRps(m('pg', s.key, 'rps')), fmtMs(m('pg', s.key, 'p50')), fmtMs(m('pg', s.key, 'p99')),
        median(res.pg[s.key].map((x, i) => x.rps / res.sqlite[s.key][i].rps)).toFixed(3),
        (m('pg', s.key, 'p50') / m('sqlite', s.key, 'p50')).toFixed(2),
      ]),
    );
    console.log(`* ${SEARCH_CONNECTIONS} connections (wrk -t1)`);
    console.log(`\ntwo servers on one PostgreSQL against one, ${opt.connections} connections in all (${opt.runs} x ${opt.duration} s, medians)\n`);
    printTable(
      ['load', 'one req/s', 'p99 ms', 'two req/s (sum)', 'p99 ms (worse)', 'two/one'],
      two.rows.map((t) => [t.name, fmtRps(median(t.one.map((x) => x.rps))), fmtMs(median(t.one.map((x) => x.p99))),
        fmtRps(median(t.two.map((x) => x.rps))), fmtMs(median(t.two.map((x) => x.p99))), median(t.two.map((x, i) => x.rps / t.one[i].rps)).toFixed(2)]),
    );
    console.log(`\nthe mixed load's writes (all runs; p50: the median run's, of the worse server with two)\n`);
    printTable(
      ['servers', 'writes', '5xx', 'p50 ms', 'retried transactions'],
      ['one', 'two'].map((k) => {
        const ws = two.writes[k];
        const sum = (f) => ws.reduce((n, x) => n + x[f], 0);
        return [k, String(sum('requests')), String(sum('e5xx')), fmtMs(median(ws.map((x) => x.p50))), String(sum('retries'))];
      }),
    );
    console.log(`\nerrors (non-2xx and socket, including wrk's 5 s timeouts; all runs): ${errors}`);
    if (errors) failed = true;
  } finally {
    for (const s of servers.splice(0)) {
      const r = await stopServe(s);
      if (r.code !== 0) {
        log(`warning: a server exited ${JSON.stringify(r)} after SIGTERM (want 0)`);
        failed = true;
      }
    }
    pgc.stop();
  }
  return failed;
}

function pgVersion() {
  const r = spawnSync('pg_config', ['--version'], { encoding: 'utf8' });
  const v = r.status === 0 ? /(\d+(\.\d+)?)/.exec(r.stdout) : null;
  return v ? v[1] : '';
}

// twoServers: a second server on the same PostgreSQL database, and the
// by-id and mixed loads driven through both at once (two wrk processes, half
// the connections each, each with its own seed; their req/s summed) against
// the first server alone with all the connections, interleaved run by run.
// For the mixed load it also keeps the writes' figures and the transactions
// the servers retried (their logs' "retrying the transaction" lines).
async function twoServers(ctx) {
  const { dir, url, side, servers } = ctx;
  const first = side.pg;
  const second = await startServe(url, [], path.join(dir, 'serve-pg2.log'));
  servers.push(second);
  const base2 = `http://127.0.0.1:${second.port}`;
  const ids = await idRange(first.base, first.token);
  const half = Math.max(1, Math.floor(opt.connections / 2));
  const hthreads = Math.max(1, Math.floor(opt.threads / 2));
  const mix = (threads, seed = 42) => ['mixed', seed, ids.min, ids.max, opt.owners, opt.companies, threads];
  const logs = [path.join(dir, 'serve-pg.log'), path.join(dir, 'serve-pg2.log')];
  const retried = () => logs.reduce((n, f) => n + (fs.readFileSync(f, 'utf8').match(/retrying the transaction/g) || []).length, 0);
  const loads = [
    {
      name: 'one deal by id',
      one: { url: first.base + '/api/v1/deals/1', headers: [`Authorization: Bearer ${first.token}`], script: IDS_LUA, scriptArgs: [ids.min, ids.max, 42] },
      two: (base, seed) => ({ url: base + '/api/v1/deals/1', headers: [`Authorization: Bearer ${first.token}`], script: IDS_LUA, scriptArgs: [ids.min, ids.max, seed], threads: hthreads, connections: half }),
    },
    {
      name: 'mixed 90/8/2',
      one: { url: first.base + '/', headers: [`Authorization: Bearer ${first.token}`], script: MIX_LUA, scriptArgs: mix(opt.connections), threads: opt.connections, connections: opt.connections },
      two: (base, seed) => ({ url: base + '/', headers: [`Authorization: Bearer ${first.token}`], script: MIX_LUA, scriptArgs: mix(half, seed), threads: half, connections: half }),
    },
  ];
  const rows = loads.map((l) => ({ name: l.name, one: [], two: [] }));
  const writes = { one: [], two: [] }; // per mixed run: {requests, e5xx, p50 (the worse server), retries}
  const w = (r) => r.classes.write || { requests: 0, e5xx: 0, p50: 0 };
  let errors = 0;
  for (let r = 0; r < opt.runs; r++)
    for (const [i, l] of loads.entries()) {
      let n0 = retried();
      const one = await wrk(l.one.url, { ...l.one, duration: opt.duration });
      await drain(first.base, first.token);
      if (l.one.script === MIX_LUA) writes.one.push({ ...w(one), retries: retried() - n0 });
      n0 = retried();
      const [a, b] = await Promise.all([first.base, base2].map((base, k) => {
        const o = l.two(base, 42 + 100 * k);
        return wrk(o.url, { ...o, duration: opt.duration });
      }));
      await Promise.all([drain(first.base, first.token), drain(base2, first.token)]);
      const two = { rps: a.rps + b.rps, p99: Math.max(a.p99, b.p99) };
      if (l.one.script === MIX_LUA)
        writes.two.push({ requests: w(a).requests + w(b).requests, e5xx: w(a).e5xx + w(b).e5xx, p50: Math.max(w(a).p50, w(b).p50), retries: retried() - n0 });
      rows[i].one.push(one);
      rows[i].two.push(two);
      errors += one.non2xx + one.socketErrors + a.non2xx + a.socketErrors + b.non2xx + b.socketErrors;
      log(`run ${r + 1}/${opt.runs} ${l.name}: one server ${one.rps.toFixed(0)} req/s, two ${a.rps.toFixed(0)} + ${b.rps.toFixed(0)} = ${two.rps.toFixed(0)} req/s`);
    }
  return { rows, errors, writes };
}

async function main() {
  parseArgs(process.argv.slice(2));
  if (!fs.existsSync(BIN)) die(`${BIN} not found: build it first (make, or make bench)`);
  if (spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error) die(`wrk not found: install the Debian package 'wrk' (./scripts/deps.sh)`);
  if (spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).error) die(`sqlite3 not found: install the Debian package 'sqlite3' (./scripts/deps.sh)`);
  if (spawnSync('python3', ['-c', 'import sqlite3'], { encoding: 'utf8' }).status !== 0) die(`python3 (with its sqlite3 module) not found: the SQL reference needs it`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'litecrm-bench-'));
  const servers = [];
  const cleanup = async () => {
    let bad = false;
    for (const s of servers) {
      const r = await stopServe(s);
      if (r.code !== 0) {
        log(`warning: a server exited ${JSON.stringify(r)} after SIGTERM (want 0)`);
        bad = true;
      }
    }
    if (opt.keep) log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
    return bad;
  };
  process.on('SIGINT', async () => {
    await cleanup();
    process.exit(130);
  });

  let failed = false;
  try {
    let db = opt.db;
    let times = {};
    if (db) {
      if (!fs.existsSync(db)) throw new Error(`${db}: no such file`);
      const c = run('sqlite3', [db, 'SELECT count(*) FROM company WHERE workspace_id = 1; SELECT count(*) FROM users WHERE workspace_id = 1 AND username GLOB \'s[0-9][0-9][0-9]\';']).stdout.trim().split('\n').map(Number);
      [opt.companies, opt.owners] = c;
      log(`using ${db} (${opt.companies} companies, ${opt.owners} owners)`);
    } else {
      log(`mode ${opt.mode}: ${opt.deals} deals, ${opt.notes} notes, ${opt.owners} owners, ${opt.companies} companies, seed ${opt.seed}`);
      const g = generate(dir);
      db = g.db;
      times = g.times;
      if (opt.generate) {
        await cleanup();
        console.log(db);
        return;
      }
    }
    const counts = Object.fromEntries(
      ['deal', 'stage_history', 'note'].map((t, i) => [['deals', 'history', 'notes'][i], Number(run('sqlite3', [db, `SELECT count(*) FROM ${t} WHERE workspace_id = 1;`]).stdout.trim())]),
    );
    if (opt.pg) {
      failed = await backends({ db, dir, counts, servers });
      if (await cleanup()) failed = true;
      process.exit(failed ? 1 : 0);
    }
    if (opt.count) {
      failed = await count({ db, dir, counts });
      if (await cleanup()) failed = true;
      process.exit(failed ? 1 : 0);
    }
    const api = await startServe(db, [], path.join(dir, 'serve.log'));
    servers.push(api);
    const base = `http://127.0.0.1:${api.port}`;
    const token = await login(base, 'bench', 'admin');
    const first = await getJson(base, token, '/api/v1/deals?limit=1&sort=id&order=asc');
    const last = await getJson(base, token, '/api/v1/deals?limit=1&sort=id&order=desc');
    const ids = { min: first.json.items?.[0]?.id, max: last.json.items?.[0]?.id };
    if (!ids.min || !ids.max) throw new Error('cannot find the deal id range');
    // The board workspace's deals follow the generated ones; deals the write
    // scenarios added come after them. Draw ids below the board's only.
    const boardToken = await login(base, 'board', 'admin');
    const boardFirst = (await getJson(base, boardToken, '/api/v1/deals?limit=1&sort=id&order=asc')).json.items?.[0]?.id;
    if (boardFirst > ids.min && boardFirst <= ids.max) ids.max = boardFirst - 1;
    const listPath = `/api/v1/deals?owner=${ownerName(Math.min(6, opt.owners - 1))}&stage=value_proposition&limit=50`;
    const sample = await getJson(base, token, listPath);
    log(`deal ids ${ids.min}..${ids.max}; ${listPath} returns ${sample.json.items?.length} items`);
    const ctx = { db, dir, api, token, ids, listPath, counts, times };
    if (opt.soak) {
      failed = await soak(ctx);
    } else {
      const hello = await startServe(db, ['--hello', 'ok'], path.join(dir, 'hello.log'));
      servers.push(hello);
      ctx.hello = hello;
      ctx.boardToken = boardToken;
      failed = await bench(ctx);
    }
  } catch (e) {
    await cleanup();
    die(e.stack || String(e));
  }
  if (await cleanup()) failed = true;
  if (failed) process.exit(1);
}

main().catch((e) => die(e.stack || String(e)));
