// notes.test.mjs - the customer notebook: notes CRUD with versions, tags,
// citations from deals, visibility, HTML in titles, the search endpoint, and
// the CLI's note and search commands.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { dealByName, etagVersion, expectStatus, PG_URL, show, startServer } from './helpers.mjs';

let srv;
let admin;
let amy;
let ben;
let cos;

before(async () => {
  srv = await startServer();
  admin = await srv.as('admin');
  amy = await srv.as('amy');
  ben = await srv.as('ben');
  cos = Object.fromEntries(expectStatus(await srv.api('GET', '/companies', admin), 200).items.map((c) => [c.name, c]));
});
after(async () => {
  await srv.stop();
});

async function addNote(cred, body) {
  return expectStatus(await srv.api('POST', '/notes', { ...cred, body }), 201, undefined, 'POST /notes');
}

async function search(cred, q, extra = '') {
  const r = await srv.api('GET', `/search?q=${encodeURIComponent(q)}${extra}`, cred);
  return expectStatus(r, 200, undefined, `search ${q}`);
}

test('a note is created, read, edited with If-Match and deleted', async () => {
  const n = await addNote(ben, {
    company: 'CCC營造股份有限公司',
    title: '需求 開啟中',
    body: '# 報價\n- 第一版 **ABC**',
    tags: ['高優先', '報價'],
  });
  assert.equal(n.company, 'CCC營造股份有限公司');
  assert.equal(n.author, 'ben');
  assert.deepEqual(n.tags, ['高優先', '報價']);
  assert.equal(n.body, '# 報價\n- 第一版 **ABC**', 'the Markdown body comes back raw');
  assert.equal(n.version, 1);

  const g = await srv.api('GET', `/notes/${n.id}`, ben);
  expectStatus(g, 200);
  assert.equal(etagVersion(g), '1');

  expectStatus(await srv.api('PATCH', `/notes/${n.id}`, { ...ben, body: { title: 'x' } }), 428, 'request.if_match_required');
  const p = await srv.api('PATCH', `/notes/${n.id}`, { ...ben, ifMatch: 1, body: { title: '需求 已完成', tags: [] } });
  expectStatus(p, 200);
  assert.equal(p.json.version, 2);
  assert.deepEqual(p.json.tags, []);
  expectStatus(await srv.api('PATCH', `/notes/${n.id}`, { ...ben, ifMatch: 1, body: { title: 'y' } }), 412, 'request.stale');

  // Another member may not edit it; a manager-less member may not even see it (amy: not her company).
  expectStatus(await srv.api('GET', `/notes/${n.id}`, amy), 403);
  expectStatus(await srv.api('DELETE', `/notes/${n.id}`, { ...ben, ifMatch: 2 }), 204);
  expectStatus(await srv.api('GET', `/notes/${n.id}`, ben), 404, 'note.not_found');
});

test('bad input is refused with stable codes', async () => {
  expectStatus(await srv.api('POST', '/notes', { ...admin, body: { title: 'x' } }), 400, 'note.company_required');
  expectStatus(await srv.api('POST', '/notes', { ...admin, body: { company_id: cos['CCC營造股份有限公司'].id } }), 400, 'note.title_required');
  expectStatus(await srv.api('POST', '/notes', { ...admin, body: { company: 'nope', title: 'x' } }), 400, 'note.company_unknown');
  expectStatus(await srv.api('POST', '/notes', { ...admin, body: { company: 'CCC營造股份有限公司', title: 'x', tags: 'a' } }), 400, 'request.type');
  expectStatus(await srv.api('POST', '/notes', { ...admin, body: { company: 'CCC營造股份有限公司', title: 'x', nope: 1 } }), 400, 'request.unknown_field');
  expectStatus(await srv.api('POST', '/notes', { ...admin, body: { company: 'CCC營造股份有限公司', title: 'a\u0001b' } }), 400, 'note.title_invalid');
  expectStatus(await srv.api('GET', '/search?q=' + 'x'.repeat(201), admin), 400, 'request.bad_parameter');
  expectStatus(await srv.api('GET', '/search?q=a&kind=nope', admin), 400, 'request.bad_parameter');
});

test('deals cite notes; editing a note keeps its citations', async () => {
  const deal = await dealByName(srv, '工地管理平台'); // CCC, owned by ben
  const n = await addNote(ben, { company_id: deal.company_id, title: '客戶聯絡人', body: '王經理' });
  const c = await srv.api('POST', `/deals/${deal.id}/notes`, { ...ben, body: { note_id: n.id } });
  expectStatus(c, 200);
  assert.deepEqual(c.json.items.map((x) => x.id), [n.id]);
  // Citing twice changes nothing.
  expectStatus(await srv.api('POST', `/deals/${deal.id}/notes`, { ...ben, body: { note_id: n.id } }), 200);
  // amy may not change ben's deal.
  expectStatus(await srv.api('POST', `/deals/${deal.id}/notes`, { ...amy, body: { note_id: n.id } }), 403);

  expectStatus(await srv.api('PATCH', `/notes/${n.id}`, { ...ben, ifMatch: 1, body: { body: '王經理 0912-345-678' } }), 200);
  const d = expectStatus(await srv.api('GET', `/notes/${n.id}/deals`, ben), 200);
  assert.deepEqual(d.items.map((x) => x.id), [deal.id]);
  const l = expectStatus(await srv.api('GET', `/deals/${deal.id}/notes`, admin), 200);
  assert.deepEqual(l.items.map((x) => x.id), [n.id]);
  assert.equal(l.items[0].body, '王經理 0912-345-678');

  expectStatus(await srv.api('DELETE', `/deals/${deal.id}/notes?note_id=${n.id}`, ben), 204);
  expectStatus(await srv.api('DELETE', `/deals/${deal.id}/notes?note_id=${n.id}`, ben), 404, 'note.not_cited');
  assert.equal(expectStatus(await srv.api('GET', `/deals/${deal.id}/notes`, ben), 200).items.length, 0);
});

test('search finds 1- and 2-character Chinese terms, case and width folded, T/S folded', async () => {
  const n = await addNote(admin, {
    company: 'CCC營造股份有限公司',
    title: '營造 報價 開啟中',
    body: '華南分公司 ＡＢＣ Project 客戶要求 amy 跟進',
    tags: ['高優先'],
  });
  for (const q of ['華', '客戶', '客户', '營造', '营造', '報價', 'abc', 'ABC', 'ＡＢＣ', 'project', 'title:開啟中', 'tag:高優先', 'tag:高优先', 'author:admin', 'company:CCC', '"客戶 要求"', '華南 amy', 'nothing OR 華南']) {
    const r = await search(admin, q, '&kind=note');
    assert.ok(r.items.some((x) => x.id === n.id), `query ${q} should find the note: ${JSON.stringify(r).slice(0, 400)}`);
  }
  // Words naming a note's workspace, company and author are in the index too, as
  // "\x1fw1", "\x1fc3", "\x1fa1": no search term reaches them.
  for (const q of ['-華 營造', 'title:華南', 'amyx', '華北', 'tag:高', 'author:amy', '\u001fa1', '"\u001fa1"', 'a1', 'w1', '\u001fw1 營造']) {
    const r = await search(admin, q, '&kind=note');
    assert.ok(!r.items.some((x) => x.id === n.id), `query ${q} should not find the note`);
  }
  const r = await search(admin, '華', '&kind=note');
  const hit = r.items.find((x) => x.id === n.id);
  assert.match(hit.snippet_html, /<mark>華<\/mark>南/);
  assert.equal(hit.snippet, '華南分公司 ＡＢＣ Project 客戶要求 amy 跟進');
});

test('an HTML title comes back as text, escaped in the _html forms', async () => {
  const n = await addNote(admin, { company: 'CCC營造股份有限公司', title: '<img src=x onerror=alert(1)> 注入', body: '<script>alert(1)</script>' });
  assert.equal(n.title, '<img src=x onerror=alert(1)> 注入');
  const r = await search(admin, '注入', '&kind=note');
  const hit = r.items.find((x) => x.id === n.id);
  assert.ok(hit, JSON.stringify(r));
  assert.equal(hit.title_html, '&lt;img src=x onerror=alert(1)&gt; <mark>注入</mark>');
  assert.ok(!hit.snippet_html.includes('<script>'), hit.snippet_html);
});

test('members find only notes on companies they may see, in results and in counts', async () => {
  // CCC belongs to ben's deal; BBB to amy's.
  const secret = await addNote(admin, { company: 'CCC營造股份有限公司', title: '機密 底價', body: '機密 底價 九十萬' });
  const mine = await addNote(admin, { company: 'BBB資訊有限公司', title: '機密 公開', body: '機密' });
  const a = await search(amy, '機密');
  assert.ok(a.items.some((x) => x.id === mine.id));
  assert.ok(!a.items.some((x) => x.id === secret.id), 'a note on a company amy may not see leaked');
  assert.ok(!JSON.stringify(a).includes('底價'), 'no snippet of it either');
  assert.equal(a.total.note, 1, `count leaks: ${JSON.stringify(a.total)}`);
  const b = await search(ben, '機密');
  assert.ok(b.items.some((x) => x.id === secret.id));
  assert.ok(!b.items.some((x) => x.id === mine.id));
  const all = await search(admin, '機密');
  assert.equal(all.total.note, 2);
  // Lists and reads too.
  const l = expectStatus(await srv.api('GET', '/notes?limit=500', amy), 200);
  assert.ok(!l.items.some((x) => x.id === secret.id));
  expectStatus(await srv.api('GET', `/notes/${secret.id}/deals`, amy), 403);
});

test('the global search finds companies, deals and notes', async () => {
  const r = await search(admin, '營造');
  const kinds = new Set(r.items.map((x) => x.kind));
  assert.ok(kinds.has('company') && kinds.has('note'), JSON.stringify(r).slice(0, 500));
  const d = await search(admin, '工地');
  assert.ok(d.items.some((x) => x.kind === 'deal' && x.title === '工地管理平台'));
  assert.deepEqual(Object.keys(d.total).sort(), ['company', 'contact', 'deal', 'note']);
});

test('CLI: note add, list, show, cite and search --json', async () => {
  const deal = await dealByName(srv, '工地管理平台');
  const add = await srv.cliJson(['note', 'add', '--company', 'CCC營造股份有限公司', '--title', 'CLI 筆記', '--body', '命令列 新增', '--tags', 'cli,測試', '--json']);
  assert.deepEqual(add.tags, ['cli', '測試']);
  const list = await srv.cliJson(['note', 'list', '--json']);
  assert.ok(list.items.some((x) => x.id === add.id));
  const cite = await srv.cli(['note', 'cite', String(deal.id), String(add.id)]);
  assert.equal(cite.code, 0, show(cite));
  const sh = await srv.cliJson(['note', 'show', String(add.id), '--json']);
  assert.deepEqual(sh.cited_by.map((x) => x.id), [deal.id]);
  const s = await srv.cliJson(['search', '命令', '--json']);
  assert.ok(s.items.some((x) => x.kind === 'note' && x.id === add.id), JSON.stringify(s));
  const txt = await srv.cli(['search', '命令']);
  assert.equal(txt.code, 0, show(txt));
  assert.match(txt.stdout, /\[命令\]列/);
  const bad = await srv.cli(['search', 'a OR -b']);
  assert.equal(bad.code, 1, show(bad));
  assert.match(bad.stderr, /OR cannot join/);
});

test('past 1,000 matches the note total is an estimate, marked as such; --batch counts exactly', async () => {
  // 2,000 notes with 估計, 100 of them with 一百筆 too, all newer than any other note.
  const lines = [];
  for (let i = 0; i < 2000; i++)
    lines.push(JSON.stringify({ company: 'AAA科技股份有限公司', title: `匯入 ${i}`, body: `估計 總數 ${i % 20 === 0 ? '一百筆' : '其他'}` }));
  const file = path.join(srv.dir, 'many.jsonl');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const imp = await srv.cli(['note', 'import', file]);
  assert.equal(imp.code, 0, show(imp));
  const few = await search(admin, '一百筆', '&kind=note');
  assert.equal(few.total.note, 100);
  assert.deepEqual(few.total_exact, { note: true });
  // PostgreSQL reads every candidate anyway and always counts exactly.
  const many = await search(admin, '估計', '&kind=note');
  assert.equal(many.total_exact.note, !!PG_URL, JSON.stringify(many.total_exact));
  if (PG_URL) assert.equal(many.total.note, 2000);
  else assert.ok(Math.abs(many.total.note - 2000) <= 100, `estimate ${many.total.note} for 2,000`);
  assert.equal(many.items.length, 20);
  const all = await search(admin, '估計');
  assert.deepEqual(all.total_exact, { company: true, contact: true, deal: true, note: !!PG_URL });
  // Pages past the first thousand are still pages of matches, to the last.
  const far = await search(admin, '估計', '&kind=note&limit=100&offset=1950');
  assert.equal(far.items.length, 50);
  // --batch (the property test's path) counts every match.
  const q = path.join(srv.dir, 'q.txt');
  fs.writeFileSync(q, '估計\n一百筆\n');
  const b = await srv.cli(['search', '--batch', q, '--kind', 'note', '--limit', '1000']);
  assert.equal(b.code, 0, show(b));
  const out = b.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(out[0].total.note, 2000);
  assert.equal(new Set(out[0].ids).size, 2000);
  assert.equal(out[1].total.note, 100);
  const cli = await srv.cliJson(['search', '估計', '--kind', 'note', '--json']);
  assert.equal(cli.total_exact.note, !!PG_URL);
});

test('note import reads escapes, key orders and spacing alike on both of its readers, and stops at a line that is not a note', async () => {
  const co = cos['AAA科技股份有限公司'];
  const good = [
    // Plain escapes (read without jansson) and \u escapes (read by jansson) give the same text.
    String.raw`{"company":"AAA科技股份有限公司","title":"讀法一 \"引號\" a\\b c\/d","body":"第一行\n第二行\t定位","tags":["讀法","甲"],"created_at":"2026-01-02T03:04:05Z"}`,
    String.raw`{"company":"AAA\u79d1\u6280\u80a1\u4efd\u6709\u9650\u516c\u53f8","title":"\u8b80\u6cd5\u4e8c \"\u5f15\u865f\" a\\b c/d","body":"\u7b2c\u4e00\u884c\n\u7b2c\u4e8c\u884c\t\u5b9a\u4f4d","tags":["\u8b80\u6cd5","\u7532"],"created_at":"2026-01-02T03:04:05Z"}`,
    `  { "body" : "讀法三" ,\t"title" : "讀法三" , "company_id" : ${co.id} , "tags" : [ ] }  `,
    '',
  ];
  const file = path.join(srv.dir, 'readers.jsonl');
  fs.writeFileSync(file, good.join('\n') + '\n');
  const imp = await srv.cli(['note', 'import', file]);
  assert.equal(imp.code, 0, show(imp));
  assert.match(imp.stdout, /imported 3 notes/);
  const found = (await search(admin, '讀法', '&kind=note&limit=10')).items;
  const notes = await Promise.all(found.map((h) => srv.api('GET', `/notes/${h.id}`, admin).then((r) => expectStatus(r, 200))));
  const byTitle = Object.fromEntries(notes.map((n) => [n.title, n]));
  const one = byTitle['讀法一 "引號" a\\b c/d'];
  const two = byTitle['讀法二 "引號" a\\b c/d'];
  assert.ok(one && two && byTitle['讀法三'], JSON.stringify(notes.map((n) => n.title)));
  for (const n of [one, two]) {
    assert.equal(n.body, '第一行\n第二行\t定位');
    assert.deepEqual(n.tags, ['讀法', '甲']);
    assert.equal(n.company, 'AAA科技股份有限公司');
    assert.equal(n.created_at, '2026-01-02T03:04:05Z');
  }
  assert.deepEqual(byTitle['讀法三'].tags, []);
  assert.equal(byTitle['讀法三'].body, '讀法三');

  // Each bad line stops the import with its line number; the note before it is not kept.
  const bad = [
    '{"company":"AAA科技股份有限公司","title":"壞行","title":"重複"}',
    '{"company":"AAA科技股份有限公司","title":"壞行","color":"red"}',
    `{"company_id":${co.id}.5,"title":"壞行"}`,
    `{"company_id":0${co.id},"title":"壞行"}`,
    '{"company":"AAA科技股份有限公司","title":"壞行\t原樣的定位字元"}',
    `{"company":"AAA科技股份有限公司","title":"${'長'.repeat(67)}"}`,
    `{"company":"AAA科技股份有限公司","title":"壞行","tags":${JSON.stringify(Array.from({ length: 11 }, (_, i) => `t${i}`))}}`,
    '{"company":"AAA科技股份有限公司","title":"壞行","tags":["a",1]}',
    '{"company":"AAA科技股份有限公司","title":"壞行"} x',
    '{"company":"AAA科技股份有限公司","title":"壞行"',
    '["壞行"]',
    '{"company":"AAA科技股份有限公司","title":"壞行","body":null}',
  ];
  const lines = [...bad.map((b) => Buffer.from(b)), Buffer.concat([Buffer.from('{"company":"AAA科技股份有限公司","title":"壞行 '), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])];
  for (const [i, b] of lines.entries()) {
    const f = path.join(srv.dir, `bad${i}.jsonl`);
    fs.writeFileSync(f, Buffer.concat([Buffer.from(`{"company":"AAA科技股份有限公司","title":"先到 ${i}"}\n`), b, Buffer.from('\n')]));
    const r = await srv.cli(['note', 'import', f]);
    assert.equal(r.code, 1, `line ${b}: ${show(r)}`);
    assert.match(r.stderr, /line 2: not a note object/, `line ${b}`);
    assert.equal((await search(admin, `先到 ${i}`, '&kind=note')).total.note, 0, `line ${b}`);
  }

  // A file that cannot be read (here a folder) is an error, not an empty import.
  const before = (await search(admin, '讀法', '&kind=note')).total.note;
  const dir = path.join(srv.dir, 'not-a-file.jsonl');
  fs.mkdirSync(dir, { recursive: true });
  const unreadable = await srv.cli(['note', 'import', dir]);
  assert.equal(unreadable.code, 1, show(unreadable));
  assert.match(unreadable.stderr, /cannot read '.*not-a-file\.jsonl' after line 0: Is a directory/);
  assert.doesNotMatch(unreadable.stdout, /imported/);
  assert.equal((await search(admin, '讀法', '&kind=note')).total.note, before);
});
