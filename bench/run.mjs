// bench/run.mjs - litecrm's HTTP benchmark, started by bench/run (a shell wrapper, so that
// Node loads this file as an ES module). See bench/README.md.
//
//   bench/run            100,000 deals, 5 s per run, 3 runs per scenario
//   bench/run --quick    10,000 deals, 1 s per run (under a minute)
//   bench/run --smoke    1,000 deals, one 1 s run each; exit 1 on any error
//
// It builds nothing: it runs $LITECRM_BIN or ./litecrm (`make bench` builds
// first). Everything listens on 127.0.0.1 only.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const BIN = process.env.LITECRM_BIN || path.join(ROOT, 'litecrm');
const LUA = path.join(here, 'deal_ids.lua');
const PASSWORD = 'bench-pass-1234';

// ---- options ----

const USAGE = `usage: bench/run [--quick | --smoke] [options]

  --quick            10,000 deals, 1 s runs (under a minute)
  --smoke            1,000 deals, one 1 s run per scenario, few connections;
                     exits 1 when a scenario has errors or no requests
  --deals N          deals to generate (default 100000)
  --owners N         owners created with 'user add' (default 20)
  --companies N      companies (default 2000)
  --duration S       seconds per wrk run (default 5)
  --runs N           runs of each scenario (default 3; the median is shown)
  --threads N        wrk threads (default 2)
  --connections N    wrk connections (default 32)
  --server-threads N litecrm serve --threads (default: the server's own)
  --json FILE        also write the results as JSON
  --keep             keep the temporary directory (database, CSV, logs)
  -h, --help         this text

Environment: LITECRM_BIN (the binary; default ./litecrm).
`;

const opt = {
  deals: 100000,
  owners: 20,
  companies: 2000,
  duration: 5,
  runs: 3,
  threads: 2,
  connections: 32,
  serverThreads: 0,
  json: '',
  keep: false,
  smoke: false,
  mode: 'full',
};

function parseArgs(argv) {
  const num = (i, name) => {
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v <= 0) die(`${name}: '${argv[i + 1]}' is not a positive integer`, 2);
    return v;
  };
  // Modes first, so that explicit options override them.
  if (argv.includes('--quick')) Object.assign(opt, { mode: 'quick', deals: 10000, duration: 1, runs: 3 });
  if (argv.includes('--smoke'))
    Object.assign(opt, { mode: 'smoke', smoke: true, deals: 1000, owners: 5, companies: 100, duration: 1, runs: 1, threads: 1, connections: 4 });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--quick':
      case '--smoke':
        break;
      case '--deals': opt.deals = num(i++, a); break;
      case '--owners': opt.owners = num(i++, a); break;
      case '--companies': opt.companies = num(i++, a); break;
      case '--duration': opt.duration = num(i++, a); break;
      case '--runs': opt.runs = num(i++, a); break;
      case '--threads': opt.threads = num(i++, a); break;
      case '--connections': opt.connections = num(i++, a); break;
      case '--server-threads': opt.serverThreads = num(i++, a); break;
      case '--json':
        if (!argv[i + 1]) die('--json needs a file', 2);
        opt.json = argv[++i];
        break;
      case '--keep': opt.keep = true; break;
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        process.exit(0);
      default:
        die(`unknown option '${a}'\n${USAGE}`, 2);
    }
  }
  if (opt.connections < opt.threads) opt.connections = opt.threads;
}

function die(msg, code = 1) {
  process.stderr.write(`bench/run: ${msg}\n`);
  process.exit(code);
}

function log(msg) {
  process.stderr.write(`bench: ${msg}\n`);
}

// ---- deterministic data ----

// mulberry32: a small seeded PRNG, so that every run generates the same data.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ZH_PLACE = ['台北', '新北', '桃園', '新竹', '台中', '台南', '高雄', '基隆', '宜蘭', '花蓮', '嘉義', '屏東'];
const ZH_WORD = ['科技', '資訊', '物流', '營造', '生技', '製造', '貿易', '餐飲', '顧問', '電子', '能源', '精密'];
const ZH_FORM = ['股份有限公司', '有限公司', '企業社', '集團'];
const EN_WORD = ['Acme', 'Northwind', 'Contoso', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne', 'Soylent', 'Hooli'];
const EN_FORM = ['Ltd', 'Inc', 'Holdings', 'Trading', 'Labs', 'Systems'];
const ZH_DEAL = ['年度維護合約', 'POS 導入', '倉儲系統升級', '工地管理平台', '實驗室資料系統', '報價系統', '產線看板', '雲端遷移', '訓練課程', '備品管理'];
const EN_DEAL = ['Cloud migration', 'ERP rollout', 'Support renewal', 'Data platform', 'CRM pilot', 'Security audit', 'Mobile app', 'BI dashboards'];
// The seed's stage names (zh-TW), weighted towards the early stages.
const STAGES = ['勘探', '條件驗證', '需求分析', '價值主張', '辨認決策者', '認知分析', '提案/報價', '談判/檢視', '成交', '失敗'];
const STAGE_WEIGHT = [18, 15, 13, 11, 9, 8, 7, 6, 7, 6];
const STAGE_KEYS = {
  價值主張: 'value_proposition',
};

function csvCell(s) {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function ownerName(i) {
  return `s${String(i + 1).padStart(2, '0')}`;
}

function generateCsv(file, n, owners, companies) {
  const rnd = prng(20201127);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const names = new Set();
  const comps = [];
  for (let i = 0; comps.length < companies; i++) {
    let name;
    if (rnd() < 0.6) name = `${pick(ZH_PLACE)}${pick(ZH_WORD)}${i}${pick(ZH_FORM)}`;
    else name = `${pick(EN_WORD)} ${pick(EN_WORD)} ${i} ${pick(EN_FORM)}`;
    if (!names.has(name)) {
      names.add(name);
      comps.push(name);
    }
  }
  const totalW = STAGE_WEIGHT.reduce((a, b) => a + b, 0);
  const stageOf = () => {
    let r = rnd() * totalW;
    for (let i = 0; i < STAGES.length; i++) if ((r -= STAGE_WEIGHT[i]) < 0) return STAGES[i];
    return STAGES[0];
  };
  const base = Date.UTC(2026, 0, 1);
  const lines = ['company,deal,stage,amount,currency,owner,close_date'];
  for (let i = 0; i < n; i++) {
    const deal = rnd() < 0.5 ? `${pick(ZH_DEAL)} 第${(i % 9) + 1}期 #${i + 1}` : `${pick(EN_DEAL)}, phase ${(i % 5) + 1} #${i + 1}`;
    const amount = 1000 * (1 + Math.floor(rnd() * 5000));
    const date = new Date(base + Math.floor(rnd() * 730) * 86400000).toISOString().slice(0, 10);
    lines.push([csvCell(pick(comps)), csvCell(deal), stageOf(), String(amount), 'TWD', ownerName(Math.floor(rnd() * owners)), date].join(','));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

// ---- processes ----

function run(args, { env } = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(BIN, args, { env: { ...process.env, LITECRM_DEMO_PASSWORD: PASSWORD, ...env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) die(`cannot run ${BIN}: ${r.error.message}`);
  if (r.status !== 0) die(`litecrm ${args.join(' ')} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return { ...r, secs };
}

async function freePort() {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  await once(s, 'close');
  return port;
}

async function startServe(db, extra, logFile) {
  const port = await freePort();
  const args = ['--db', db, 'serve', '--listen', `127.0.0.1:${port}`, '--quiet', ...extra];
  if (opt.serverThreads) args.push('--threads', String(opt.serverThreads));
  const out = fs.openSync(logFile, 'w');
  const p = spawn(BIN, args, { stdio: ['ignore', out, out] });
  let exited = null;
  p.on('exit', (code, sig) => (exited = { code, sig }));
  const deadline = Date.now() + 15000;
  for (;;) {
    if (exited) die(`litecrm serve ${extra.join(' ')} exited ${JSON.stringify(exited)}; see ${logFile}\n${fs.readFileSync(logFile, 'utf8')}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
      await r.text();
      if (r.status === 200) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      p.kill('SIGKILL');
      die(`litecrm serve ${extra.join(' ')} did not answer within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, proc: p, exited: () => exited };
}

async function stopServe(s) {
  if (s.exited()) return s.exited();
  s.proc.kill('SIGTERM');
  const t = setTimeout(() => s.proc.kill('SIGKILL'), 5000);
  const [code, sig] = await once(s.proc, 'exit');
  clearTimeout(t);
  return { code, sig };
}

// ---- wrk ----

function toMs(v) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v);
  if (!m) return NaN;
  const x = Number(m[1]);
  return m[2] === 'us' ? x / 1000 : m[2] === 'ms' ? x : m[2] === 's' ? x * 1000 : x * 60000;
}

// parseWrk reads wrk --latency output.
function parseWrk(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : 0;
  };
  const lat = {};
  for (const m of text.matchAll(/^\s*(50|75|90|99)%\s+([\d.]+\w+)\s*$/gm)) lat[m[1]] = toMs(m[2]);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50: lat['50'],
    p99: lat['99'],
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors,
  };
}

function wrk(url, { headers = [], script, scriptArgs = [], duration }) {
  const args = ['-t', String(opt.threads), '-c', String(opt.connections), '-d', `${duration}s`, '--latency', '--timeout', '5s'];
  for (const h of headers) args.push('-H', h);
  if (script) args.push('-s', script);
  args.push(url);
  if (scriptArgs.length) args.push('--', ...scriptArgs.map(String));
  const r = spawnSync('wrk', args, { encoding: 'utf8' });
  if (r.error) die(`cannot run wrk: ${r.error.message} (Debian package 'wrk'; ./scripts/deps.sh installs it)`);
  if (r.status !== 0) die(`wrk ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  const res = parseWrk(r.stdout);
  res.raw = r.stdout;
  return res;
}

const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

// ---- main ----

async function main() {
  parseArgs(process.argv.slice(2));
  if (!fs.existsSync(BIN)) die(`${BIN} not found: build it first (make, or make bench)`);
  if (spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error) die(`wrk not found: install the Debian package 'wrk' (./scripts/deps.sh)`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'litecrm-bench-'));
  const db = path.join(dir, 'bench.db');
  const csv = path.join(dir, 'deals.csv');
  const servers = [];
  let failed = false;
  const cleanup = async () => {
    for (const s of servers) {
      const r = await stopServe(s);
      if (r.code !== 0) {
        log(`warning: a server exited ${JSON.stringify(r)} after SIGTERM (want 0)`);
        if (opt.smoke) failed = true;
      }
    }
    if (opt.keep) log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', async () => {
    await cleanup();
    process.exit(130);
  });

  log(`mode ${opt.mode}: ${opt.deals} deals, ${opt.owners} owners, ${opt.companies} companies; wrk -t${opt.threads} -c${opt.connections} -d${opt.duration}s x ${opt.runs} runs`);
  const setup = {};
  setup.demo = run(['--db', db, 'demo']).secs;
  let t0 = Date.now();
  for (let i = 0; i < opt.owners; i++) run(['--db', db, 'user', 'add', ownerName(i), '--role', 'member', '--password', PASSWORD]);
  setup.users = (Date.now() - t0) / 1000;
  t0 = Date.now();
  generateCsv(csv, opt.deals, opt.owners, opt.companies);
  setup.generate = (Date.now() - t0) / 1000;
  const imp = run(['--db', db, 'import', 'deals', csv]);
  setup.import = imp.secs;
  log(
    `setup: demo ${setup.demo.toFixed(1)} s, ${opt.owners} users ${setup.users.toFixed(1)} s, ` +
      `CSV ${setup.generate.toFixed(1)} s, import of ${opt.deals} deals ${setup.import.toFixed(1)} s ` +
      `(${Math.round(opt.deals / setup.import)} deals/s)`,
  );

  let api;
  let hello;
  try {
    api = await startServe(db, [], path.join(dir, 'serve.log'));
    servers.push(api);
    hello = await startServe(db, ['--hello', 'ok'], path.join(dir, 'hello.log'));
    servers.push(hello);
  } catch (e) {
    await cleanup();
    throw e;
  }
  const base = `http://127.0.0.1:${api.port}`;

  const login = await fetch(`${base}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workspace: 'demo', username: 'admin', password: PASSWORD }),
  });
  const lj = await login.json().catch(() => ({}));
  if (login.status !== 200 || !lj.token) {
    await cleanup();
    die(`login failed: HTTP ${login.status} ${JSON.stringify(lj)}`);
  }
  const auth = `Authorization: Bearer ${lj.token}`;
  const get = async (p) => {
    const r = await fetch(base + p, { headers: { authorization: `Bearer ${lj.token}` } });
    const j = await r.json().catch(() => ({}));
    if (r.status !== 200) {
      await cleanup();
      die(`GET ${p}: HTTP ${r.status} ${JSON.stringify(j)}`);
    }
    return j;
  };
  const first = await get('/api/v1/deals?limit=1&sort=id&order=asc&total=1');
  const last = await get('/api/v1/deals?limit=1&sort=id&order=desc');
  const minId = first.items?.[0]?.id;
  const maxId = last.items?.[0]?.id;
  if (!minId || !maxId) {
    await cleanup();
    die(`cannot find the deal id range: ${JSON.stringify(first).slice(0, 200)}`);
  }
  if (first.total !== undefined && first.total !== opt.deals + 10)
    log(`warning: ${first.total} deals in the database, expected ${opt.deals + 10}`);
  const owner = ownerName(Math.min(6, opt.owners - 1));
  const listPath = `/api/v1/deals?owner=${owner}&stage=${STAGE_KEYS['價值主張']}&limit=50`;
  const sample = await get(listPath);
  log(`deal ids ${minId}..${maxId}; ${listPath} returns ${sample.items?.length} items`);

  const scenarios = [
    { name: 'hello-world', url: `http://127.0.0.1:${hello.port}/`, headers: [] },
    { name: `GET deals?owner&stage&limit=50`, url: base + listPath, headers: [auth] },
    { name: 'GET deals/{id} (random)', url: base + '/api/v1/deals/1', headers: [auth], script: LUA, scriptArgs: [minId, maxId, 42] },
    { name: 'GET reports/summary', url: base + '/api/v1/reports/summary', headers: [auth] },
  ];

  // One short warm-up of each scenario outside smoke mode.
  if (!opt.smoke) for (const s of scenarios) wrk(s.url, { ...s, duration: 1 });

  const results = scenarios.map(() => []);
  for (let run_ = 0; run_ < opt.runs; run_++) {
    for (let i = 0; i < scenarios.length; i++) {
      const s = scenarios[i];
      const r = wrk(s.url, { ...s, duration: opt.duration });
      results[i].push(r);
      log(`run ${run_ + 1}/${opt.runs} ${s.name}: ${r.rps.toFixed(0)} req/s p50 ${r.p50} ms p99 ${r.p99} ms errors ${r.non2xx + r.socketErrors}`);
    }
  }

  // The ratio to hello-world is taken run by run (same run, same machine load).
  const rows = scenarios.map((s, i) => {
    const rs = results[i];
    const ratios = rs.map((r, k) => r.rps / results[0][k].rps);
    return {
      scenario: s.name,
      rps: median(rs.map((r) => r.rps)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      errors: rs.reduce((a, r) => a + r.non2xx + r.socketErrors, 0),
      requests: rs.reduce((a, r) => a + r.requests, 0),
      ratio: median(ratios),
    };
  });

  const fmtMs = (x) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '-');
  const head = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs hello'];
  const table = rows.map((r) => [r.scenario, r.rps.toFixed(0), fmtMs(r.p50), fmtMs(r.p99), String(r.errors), (r.ratio * 100).toFixed(1) + '%']);
  const w = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  console.log(
    `litecrm bench (${opt.mode}): ${opt.deals} deals, ${opt.owners} owners, ${opt.companies} companies; ` +
      `wrk -t${opt.threads} -c${opt.connections} -d${opt.duration}s, median of ${opt.runs} run(s); ${os.cpus().length} CPUs`,
  );
  console.log(`import: ${opt.deals} deals in ${setup.import.toFixed(1)} s`);
  console.log(line(head));
  console.log(line(w.map((n) => '-'.repeat(n))));
  for (const t of table) console.log(line(t));

  if (opt.json) fs.writeFileSync(opt.json, JSON.stringify({ options: opt, setup, rows, runs: results.map((rs) => rs.map(({ raw, ...r }) => r)) }, null, 2) + '\n');

  if (opt.smoke) {
    for (const r of rows) {
      if (r.errors > 0 || !(r.rps > 0)) {
        log(`smoke: ${r.scenario}: ${r.errors} errors, ${r.rps} req/s`);
        failed = true;
      }
    }
  }
  await cleanup();
  if (failed) process.exit(1);
}

main().catch((e) => die(e.stack || String(e)));
