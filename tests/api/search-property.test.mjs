// search-property.test.mjs - the search's hits equal a brute-force scan.
//
// Thousands of random mixed zh-TW/zh-CN/English notes go in through the bulk
// path (`litecrm note import`); thousands of random queries (1-6 CJK
// characters, Latin words in any case or full width, mixed terms, phrases,
// title:, exclusions, OR) run through one `litecrm search --batch` (every
// page of every query), and a sample of them through GET /search?kind=note
// as well. For each query the set of note ids and the total must equal what
// (the API's total: within 15% where it says it is an estimate, past 1,000
// matches) a brute-force scan in JS finds over the same notes after the documented
// normalisation (docs/API.md, Search; src/tokenize.h). Deterministic: one
// seeded PRNG (SEARCH_SEED to change it). Zero differences allowed.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { ROOT, expectStatus, startServer } from './helpers.mjs';

const SEED = Number(process.env.SEARCH_SEED || 20261127);
const NOTES = Number(process.env.SEARCH_NOTES || 2000);
const QUERIES = Number(process.env.SEARCH_QUERIES || 2000);
const API_SAMPLE = Number(process.env.SEARCH_API_SAMPLE || 100);

// ---- a seeded PRNG (mulberry32) ----
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
const rnd = prng(SEED);
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];

// ---- the documented normalisation, written again from docs/API.md ----

// The Traditional -> Simplified table: read from the C source, the one list of pairs.
const TS = new Map();
{
  const src = fs.readFileSync(path.join(ROOT, 'src', 'tokenize_ts.h'), 'utf8');
  const body = src.slice(src.indexOf('tok_ts_pairs[] ='));
  const chars = [...[...body.matchAll(/"([^"]*)"/g)].map((m) => m[1]).join('')];
  for (let i = 0; i + 1 < chars.length; i += 2) TS.set(chars[i].codePointAt(0), chars[i + 1].codePointAt(0));
}

function fold(cp) {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp;
  if (cp >= 0xff01 && cp <= 0xff5e) return fold(cp - 0xfee0);
  if (cp === 0x3000) return 0x20;
  if (cp >= 0xc0 && cp <= 0xde && cp !== 0xd7) return cp + 0x20;
  if (cp >= 0x391 && cp <= 0x3a9 && cp !== 0x3a2) return cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42f) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40f) return cp + 0x50;
  if (cp >= 0x3400 && TS.has(cp)) return TS.get(cp);
  return cp;
}

const SEP = 0;
const WORD = 1;
const CJK = 2;
function kind(cp) {
  if (cp < 0x80) return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a) ? WORD : SEP;
  if ((cp >= 0x2e80 && cp <= 0x2fdf) || (cp >= 0x3040 && cp <= 0x31ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0x20000 && cp <= 0x3134f))
    return CJK;
  if (cp <= 0xbf || cp === 0xd7 || cp === 0xf7 || (cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x2e00 && cp <= 0x2e7f) ||
      (cp >= 0x3000 && cp <= 0x303f) || (cp >= 0xd800 && cp <= 0xf8ff) || (cp >= 0xfe00 && cp <= 0xffff) ||
      (cp >= 0x1f000 && cp <= 0x1faff) || cp >= 0xe0000)
    return SEP;
  return WORD;
}

// units: the text as a list of unit strings ("w:" words, "c:" CJK characters).
function units(text) {
  const out = [];
  let word = null;
  let n = 0;
  for (const ch of text) {
    const cp = fold(ch.codePointAt(0));
    const k = kind(cp);
    if (word !== null && k !== WORD) {
      out.push('w:' + word);
      word = null;
    }
    if (k === CJK) out.push('c:' + String.fromCodePoint(cp));
    else if (k === WORD) {
      if (word === null) {
        word = '';
        n = 0;
      }
      if (n < 64) {
        word += String.fromCodePoint(cp);
        n++;
      }
    }
  }
  if (word !== null) out.push('w:' + word);
  return out;
}

function contains(hay, needle) {
  if (needle.length === 0 || needle.length > hay.length) return false;
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

// ---- random notes ----

// CJK characters, with Traditional/Simplified pairs so the fold matters.
const CJK_CHARS = [...'客戶户報报價价營营造華华開开啟启中高優优先單单公司有限股份會会議议合約约系統统設设備备維維護护管理平台需求分析銷销售資资料網网路電电話话新舊旧年度倉储升級级'];
// ...and every character of the fold table, for a wider alphabet.
for (const [t, sc] of TS) CJK_CHARS.push(String.fromCodePoint(t), String.fromCodePoint(sc));
const WORDS = ['amy', 'ben', 'crm', 'pos', 'erp', 'api', 'deal', 'quote', 'price', 'meeting', 'cloud', 'server', 'taipei', 'abc', 'ccc', 'v2', '2026', 'q4', 'sla', 'résumé', 'Straße', 'ΑΒΓ', 'Москва'];
const SEPS = [' ', ' ', ' ', '，', '。', '、', '\n', ' - ', '/', '：', '(', ')', '「', '」', '!', '　'];

function casing(w) {
  const r = int(6);
  if (r === 0) return w.toUpperCase();
  if (r === 1) return w[0].toUpperCase() + w.slice(1);
  if (r === 2) // full width, where ASCII
    return [...w].map((c) => (c.charCodeAt(0) >= 0x21 && c.charCodeAt(0) <= 0x7e ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');
  return w;
}

function randomText(units) {
  let s = '';
  for (let i = 0; i < units; ) {
    if (rnd() < 0.7) {
      const run = 1 + int(8);
      for (let k = 0; k < run; k++) s += pick(CJK_CHARS);
      i += run;
    } else {
      s += casing(pick(WORDS));
      i++;
    }
    if (rnd() < 0.5) s += pick(SEPS);
    else if (rnd() < 0.3) s += ' ';
  }
  return s;
}

// ---- random queries (as structures, rendered to text) ----

// A term taken from a note: some consecutive units, rendered again with new separators.
function termFrom(text, maxUnits, cjkOnly) {
  const u = units(text);
  for (let tries = 0; tries < 20; tries++) {
    const len = 1 + int(maxUnits);
    const at = int(Math.max(1, u.length - len + 1));
    const part = u.slice(at, at + len);
    if (!part.length) continue;
    if (cjkOnly && part.some((x) => x[0] !== 'c')) continue;
    return part;
  }
  return [`c:${pick(CJK_CHARS)}`];
}

// render writes units as query text; needsQuotes when a separator had to go in.
function render(part) {
  let s = '';
  let quoted = false;
  for (let i = 0; i < part.length; i++) {
    const v = part[i].slice(2);
    const w = part[i][0] === 'w' ? casing(v) : rnd() < 0.5 ? v : unfold(v);
    if (i > 0) {
      const bothWords = part[i - 1][0] === 'w' && part[i][0] === 'w';
      if (bothWords || rnd() < 0.2) {
        s += ' ';
        quoted = true;
      }
    }
    s += w;
  }
  return quoted ? `"${s}"` : s;
}

// unfold turns a Simplified character back into one of its Traditional forms, sometimes.
const UNFOLD = new Map();
for (const [t, sc] of TS) if (!UNFOLD.has(sc)) UNFOLD.set(sc, t);
function unfold(ch) {
  const t = UNFOLD.get(ch.codePointAt(0));
  return t && rnd() < 0.7 ? String.fromCodePoint(t) : ch;
}

function randomQuery(notes) {
  const n = pick(notes);
  const src = rnd() < 0.3 ? n.title : n.body;
  const r = rnd();
  const atoms = [];
  if (r < 0.35) {
    atoms.push({ part: termFrom(src, 6, true) }); // 1-6 CJK characters
  } else if (r < 0.5) {
    atoms.push({ part: [`w:${pick(WORDS).toLowerCase()}`] }); // a Latin word
  } else if (r < 0.65) {
    atoms.push({ part: termFrom(src, 4, false) }); // mixed
  } else if (r < 0.75) {
    atoms.push({ part: termFrom(src, 3, true) }, { part: termFrom(pick(notes).body, 2, false) }); // AND
  } else if (r < 0.82) {
    atoms.push({ part: termFrom(n.title, 3, false), field: 'title' });
  } else if (r < 0.9) {
    atoms.push({ part: termFrom(src, 2, true) }, { part: termFrom(pick(notes).body, 2, true), negate: true });
  } else {
    atoms.push({ part: termFrom(src, 3, true), or: [termFrom(pick(notes).body, 3, false)] });
  }
  // The brute force reads the terms as rendered (casing may change a word: ß -> SS).
  const text = atoms
    .map((a) => {
      const r = render(a.part);
      a.part = units(r.replaceAll('"', ''));
      let t = (a.negate ? '-' : '') + (a.field ? a.field + ':' : '') + r;
      a.or = (a.or || []).map((o) => {
        const ro = render(o);
        t += ' OR ' + ro;
        return units(ro.replaceAll('"', ''));
      });
      return t;
    })
    .join(' ');
  return { text, atoms };
}

function bruteForce(notes, q) {
  const hits = new Set();
  for (const n of notes) {
    let ok = true;
    for (const a of q.atoms) {
      const terms = [a.part, ...(a.or || [])];
      const m = terms.some((t) => (a.field === 'title' ? contains(n.tu, t) : contains(n.tu, t) || contains(n.bu, t)));
      if (a.negate ? m : !m) {
        ok = false;
        break;
      }
    }
    if (ok) hits.add(n.id);
  }
  return hits;
}

async function pool(items, width, fn) {
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: width }, run));
}

// compare: the hit set must be the scan's; so must the total, unless the API
// marked it as an estimate (past SEARCH_COUNT_EXACT matches), which must then
// be within 15% of it.
function compare(q, want, got, total, diffs, exact = true) {
  const missing = [...want].filter((x) => !got.has(x));
  const extra = [...got].filter((x) => !want.has(x));
  const totalOk = exact ? total === want.size : want.size > 1000 && Math.abs(total - want.size) <= 0.15 * want.size;
  if (missing.length || extra.length || !totalOk)
    diffs.push({ q: q.text, want: want.size, got: got.size, total, missing: missing.slice(0, 5), extra: extra.slice(0, 5) });
}

test('search hits equal a brute-force scan over random zh/en notes', { timeout: 600000 }, async () => {
  const srv = await startServer();
  try {
    const admin = await srv.as('admin');
    const cos = expectStatus(await srv.api('GET', '/companies', admin), 200).items;
    const notes = [];
    for (let i = 0; i < NOTES; i++) {
      notes.push({ company_id: pick(cos).id, title: randomText(3 + int(8)), body: randomText(15 + int(40)) });
    }
    const t0 = Date.now();
    // The bulk path: one `note import`; ids follow in line order after the newest note.
    const before = (await srv.cliJson(['note', 'list', '--limit', '1', '--json'])).items[0]?.id || 0;
    const file = path.join(srv.dir, 'notes.jsonl');
    fs.writeFileSync(file, notes.map((n) => JSON.stringify({ company_id: n.company_id, title: n.title, body: n.body })).join('\n') + '\n');
    const imp = await srv.cli(['note', 'import', file]);
    assert.equal(imp.code, 0, `note import: ${imp.stdout}${imp.stderr}`);
    notes.forEach((n, i) => {
      n.id = before + 1 + i;
      n.tu = units(n.title);
      n.bu = units(n.body);
    });
    const last = (await srv.cliJson(['note', 'list', '--limit', '1', '--json'])).items[0];
    assert.equal(last.id, notes[notes.length - 1].id, 'the imported notes have consecutive ids');
    assert.deepEqual(units(last.title), notes[notes.length - 1].tu); // stored trimmed
    const t1 = Date.now();

    const queries = Array.from({ length: QUERIES }, () => randomQuery(notes));
    const diffs = [];
    let totalHits = 0;
    let empty = 0;
    // Every query through one CLI call, every page of it.
    const qfile = path.join(srv.dir, 'queries.txt');
    fs.writeFileSync(qfile, queries.map((q) => q.text).join('\n') + '\n');
    const r = await srv.cli(['search', '--batch', qfile, '--kind', 'note', '--limit', '1000'], { timeout: 300000 });
    assert.equal(r.code, 0, `search --batch: ${r.stderr}`);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, queries.length);
    queries.forEach((q, i) => {
      const want = bruteForce(notes, q);
      totalHits += want.size;
      if (want.size === 0) empty++;
      if (lines[i].error) diffs.push({ q: q.text, error: lines[i].error });
      else compare(q, want, new Set(lines[i].ids), lines[i].total.note, diffs);
    });
    const t2 = Date.now();
    // A sample through the API, paged as a client pages.
    await pool(queries.slice(0, API_SAMPLE), 4, async (q) => {
      const want = bruteForce(notes, q);
      const got = new Set();
      let total = -1;
      let exact = true;
      for (let offset = 0; ; offset += 200) {
        const res = await srv.api('GET', `/search?kind=note&limit=200&offset=${offset}&q=${encodeURIComponent(q.text)}`, admin);
        expectStatus(res, 200, undefined, `search ${q.text}`);
        total = res.json.total.note;
        exact = res.json.total_exact.note;
        for (const it of res.json.items) got.add(it.id);
        if (res.json.items.length < 200) break;
      }
      compare(q, want, got, total, diffs, exact);
    });
    const t3 = Date.now();
    console.log(
      `search property: seed ${SEED}, ${NOTES} notes (bulk import ${t1 - t0} ms), ${QUERIES} queries (one batch ${t2 - t1} ms), ` +
        `${Math.min(API_SAMPLE, QUERIES)} through the API (${t3 - t2} ms), ${totalHits} hits in all, ${empty} queries with no hit, ${diffs.length} differences`,
    );
    assert.equal(diffs.length, 0, `differences:\n${JSON.stringify(diffs.slice(0, 10), null, 1)}`);
    assert.ok(empty < QUERIES / 2, `too many empty queries (${empty}): the generator is off`);
  } finally {
    await srv.stop();
  }
});
