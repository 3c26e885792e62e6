// bench/gen.mjs - the benchmark's workspace, generated deterministically from a
// seed (bench/README.md, "The data"). Companies, owners, deals and their stage
// history are written straight into the SQLite file by one SQL script run by
// the sqlite3 tool (recursive CTEs: seconds per million rows); the notes,
// whose search index needs litecrm's own tokenizer, go through
// `litecrm note import` from a JSON-lines file written here.
import fs from 'node:fs';

// mulberry32: a small seeded PRNG, so that every run generates the same data.
export function prng(seed) {
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
// Deals per stage (in pipeline order, percent), weighted towards the early stages.
const STAGE_WEIGHT = [18, 15, 13, 11, 9, 8, 7, 6, 7, 6];
const ZH_NOTE = ['客戶希望下季導入', '預算已核准', '需要再確認規格', '決策者是財務長', '競爭對手報價較低', '安排現場展示', '合約條款待法務審閱', '對雲端方案有疑慮'];
const EN_NOTE = ['asked for a revised quote', 'wants a pilot in Q3', 'security review pending', 'met the CFO', 'compares us with a competitor', 'needs SSO', 'renewal at risk', 'happy with support'];
const TAGS = ['報價', 'follow-up', '展示', 'legal', '預算', 'renewal', '技術', 'pilot'];

export const ownerName = (i) => `s${String(i + 1).padStart(3, '0')}`;

const q = (s) => `'${s.replace(/'/g, "''")}'`;
const words = (name, arr) =>
  `CREATE TEMP TABLE ${name} (k INTEGER PRIMARY KEY, w TEXT);\n` + `INSERT INTO ${name} VALUES ${arr.map((w, i) => `(${i}, ${q(w)})`).join(', ')};\n`;

/*
 * workspaceSql returns the SQL that fills workspace `ws` (made by `litecrm
 * init`, with its default pipeline and one admin) with `owners` members
 * (PREFIX001...), `companies` companies, `deals` deals and `history` stage
 * history rows per deal (its creation, moves a week apart, its current
 * stage). Pseudo-random figures come from a multiplicative hash of the row
 * number and `seed` (64-bit integer arithmetic that never overflows).
 */
export function workspaceSql({ ws, owners, companies, deals, history, seed, prefix = 's' }) {
  const P = 2147483647;
  const S = seed % P;
  // a: a hash of row i; b..e: more hashes derived from a.
  const hashes = (n) => `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${n}),
    h AS (SELECT i, a, a * 48271 % ${P} AS b, a * 16807 % ${P} AS c, a * 69621 % ${P} AS d, a * 39373 % ${P} AS e
          FROM (SELECT i, (i * 2654435761 + ${S}) % ${P} AS a FROM k))`;
  const weights = STAGE_WEIGHT.flatMap((w, k) => Array(w).fill(k));
  return `
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -200000;
BEGIN;
${words('zp', ZH_PLACE)}${words('zw', ZH_WORD)}${words('zf', ZH_FORM)}${words('ew', EN_WORD)}${words('ef', EN_FORM)}${words('zd', ZH_DEAL)}${words('ed', EN_DEAL)}
CREATE TEMP TABLE st (k INTEGER PRIMARY KEY, id INTEGER);
INSERT INTO st SELECT row_number() OVER (ORDER BY position, id) - 1, id FROM stage WHERE workspace_id = ${ws};
CREATE TEMP TABLE sw (k INTEGER PRIMARY KEY, id INTEGER);
INSERT INTO sw VALUES ${weights.map((s, k) => `(${k}, (SELECT id FROM st WHERE k = ${s}))`).join(', ')};
INSERT INTO users (workspace_id, username, display_name, email, role, pw_hash, active, version, created_at)
  WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${owners})
  SELECT ${ws}, printf('${prefix}%03d', i), CASE WHEN i % 2 THEN printf('業務 %d', i) ELSE printf('Seller %d', i) END,
         printf('${prefix}%03d@example.com', i), 1,
         (SELECT pw_hash FROM users WHERE workspace_id = ${ws} ORDER BY id LIMIT 1), 1, 1, '2025-01-01T00:00:00Z' FROM k;
CREATE TEMP TABLE ow (k INTEGER PRIMARY KEY, id INTEGER);
INSERT INTO ow SELECT row_number() OVER (ORDER BY id) - 1, id FROM users WHERE workspace_id = ${ws} AND username GLOB '${prefix}[0-9][0-9][0-9]';
INSERT INTO company (workspace_id, name, website, phone, version, created_at, updated_at)
  ${hashes(companies)}
  SELECT ${ws},
         CASE WHEN a % 10 < 6
           THEN (SELECT w FROM zp WHERE k = b % ${ZH_PLACE.length}) || (SELECT w FROM zw WHERE k = c % ${ZH_WORD.length}) || i || (SELECT w FROM zf WHERE k = d % ${ZH_FORM.length})
           ELSE (SELECT w FROM ew WHERE k = b % ${EN_WORD.length}) || ' ' || (SELECT w FROM ew WHERE k = c % ${EN_WORD.length}) || ' ' || i || ' ' || (SELECT w FROM ef WHERE k = d % ${EN_FORM.length})
         END,
         printf('https://c%d.example.com', i), printf('02-%04d-%04d', b % 10000, c % 10000), 1,
         '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z'
  FROM h;
CREATE TEMP TABLE cb AS SELECT min(id) - 1 AS base FROM company WHERE workspace_id = ${ws};
INSERT INTO deal (workspace_id, company_id, name, amount, currency, stage_id, probability, owner_id,
                  close_date, next_step, created_by, created_at, updated_at, version)
  ${hashes(deals)}
  SELECT ${ws}, (SELECT base FROM cb) + 1 + b % ${companies},
         CASE WHEN a % 2 = 0
           THEN (SELECT w FROM zd WHERE k = c % ${ZH_DEAL.length}) || ' 第' || (1 + i % 9) || '期 #' || i
           ELSE (SELECT w FROM ed WHERE k = c % ${EN_DEAL.length}) || ', phase ' || (1 + i % 5) || ' #' || i
         END,
         1000 * (1 + d % 5000), 'TWD', (SELECT id FROM sw WHERE k = e % 100),
         CASE WHEN a % 7 = 0 THEN 5 * (1 + b % 19) END,
         (SELECT id FROM ow WHERE k = c % ${owners}),
         date('2026-01-01', '+' || (d % 730) || ' days'),
         CASE WHEN a % 3 = 0 THEN '安排下次會議' WHEN a % 3 = 1 THEN 'Send the proposal' ELSE '' END,
         (SELECT id FROM ow WHERE k = c % ${owners}),
         strftime('%Y-%m-%dT%H:%M:%SZ', 1735689600 + a % 31536000, 'unixepoch'),
         strftime('%Y-%m-%dT%H:%M:%SZ', 1735689600 + a % 31536000 + ${history} * 604800, 'unixepoch'), 1
  FROM h;
${
  history > 0
    ? `INSERT INTO stage_history (workspace_id, deal_id, from_stage_id, to_stage_id, changed_by, changed_at)
  WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < ${history - 1})
  SELECT ${ws}, d.id,
         CASE WHEN s.k = 0 THEN NULL ELSE (SELECT id FROM st WHERE st.k = s.k - 1) END,
         CASE WHEN s.k < ${history - 1} THEN (SELECT id FROM st WHERE st.k = s.k) ELSE d.stage_id END,
         d.owner_id,
         strftime('%Y-%m-%dT%H:%M:%SZ', unixepoch(d.created_at) + s.k * 604800, 'unixepoch')
  FROM deal d, s WHERE d.workspace_id = ${ws} ORDER BY d.id, s.k;`
    : ''
}
UPDATE stage SET stalled_days = 30 WHERE workspace_id = ${ws} AND id IN (SELECT id FROM st WHERE k IN (1, 4));
DROP TABLE zp; DROP TABLE zw; DROP TABLE zf; DROP TABLE ew; DROP TABLE ef; DROP TABLE zd; DROP TABLE ed;
DROP TABLE st; DROP TABLE sw; DROP TABLE ow; DROP TABLE cb;
COMMIT;
`;
}

/*
 * writeNotes writes n notes as JSON lines for `litecrm note import`: about
 * 150 characters of mixed zh-TW and English each, on companies
 * companyBase+1 .. companyBase+companies, by the owners.
 */
export function writeNotes(file, { n, companies, companyBase = 0, owners, seed }) {
  const rnd = prng(seed ^ 0x5eed);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const fd = fs.openSync(file, 'w');
  const base = Date.UTC(2025, 0, 1) / 1000;
  let buf = [];
  for (let i = 0; i < n; i++) {
    const body = [pick(ZH_NOTE), pick(EN_NOTE), pick(ZH_NOTE), `${pick(EN_WORD)} ${pick(EN_NOTE)}`, pick(ZH_NOTE), pick(ZH_PLACE) + pick(ZH_WORD)].join('。');
    const note = {
      company_id: companyBase + 1 + Math.floor(rnd() * companies),
      title: rnd() < 0.5 ? `${pick(ZH_PLACE)}拜訪紀錄 ${i + 1}` : `Call notes ${i + 1}`,
      body,
      tags: [pick(TAGS), pick(TAGS)].filter((t, k, a) => a.indexOf(t) === k),
      author: ownerName(Math.floor(rnd() * owners)),
      created_at: new Date((base + Math.floor(rnd() * 63072000)) * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    buf.push(JSON.stringify(note));
    if (buf.length === 10000) {
      fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
  fs.closeSync(fd);
}
