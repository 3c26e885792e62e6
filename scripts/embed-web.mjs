#!/usr/bin/env node
// embed-web.mjs - turns the web app (web/) and the pinned npm libraries it
// uses into one C file for the litecrm binary (see src/web.h).
//
//   node scripts/embed-web.mjs OUT.c
//
// The app's modules (web/js/, entry app.js) and the npm libraries they import
// are bundled by esbuild (pinned in package-lock.json) into one file, served
// as app.js, so the first screen costs one script request instead of one per
// module. SortableJS, which the app imports only with import() (the board's
// drag, once the first screen is drawn), is bundled apart as sortable.js,
// beside app.js: about a third of the code less to evaluate before the first
// screen. Every other file under web/ is served as it is.
//
// Each file is stored as is and gzip-compressed (when that is smaller), with
// a content hash as its ETag. index.html's "%BUILD%" becomes the build id, a
// hash of every other file, so asset URLs change whenever a file does and
// can be cached for good; the page is stored in six forms (session or not,
// language kept or not), below. The output is generated: never commit it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB = path.join(ROOT, 'web');

const ENTRY = path.join(WEB, 'js', 'app.js');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

function walk(dir, base = '') {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(path.join(dir, e.name), rel));
    else out.push({ name: rel, file: path.join(dir, e.name) });
  }
  return out;
}

const out = process.argv[2];
if (!out) {
  console.error('usage: embed-web.mjs OUT.c');
  process.exit(2);
}

// LAZY: the npm libraries the app imports only with import(), each bundled
// into a file of its own beside app.js, which imports it by that name.
const LAZY = { sortablejs: 'sortable.js' };

// bundle returns [name, contents] for app.js (the app's modules and their npm
// imports as one ES module) and for each LAZY library.
async function bundle() {
  let esbuild;
  try {
    esbuild = createRequire(import.meta.url)(path.join(ROOT, 'node_modules', 'esbuild'));
  } catch (e) {
    console.error(`embed-web: cannot load esbuild (${e.message}): run 'npm ci' (make does it)`);
    process.exit(1);
  }
  const common = {
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: process.env.LITECRM_WEB_MINIFY !== '0', // 0: readable names, for profiling
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    absWorkingDir: ROOT,
  };
  // An import() of a LAZY library becomes an import() of its file; a static
  // import of one is refused (it would put the library back in app.js).
  const lazy = {
    name: 'lazy',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^(${Object.keys(LAZY).join('|')})$`) }, (a) => {
        if (a.kind === 'dynamic-import') return { path: `./${LAZY[a.path]}`, external: true };
        return { errors: [{ text: `'${a.path}' is loaded with import() only (LAZY in embed-web.mjs)` }] };
      });
    },
  };
  const out = [];
  try {
    const r = await esbuild.build({ ...common, entryPoints: [ENTRY], plugins: [lazy] });
    out.push(['app.js', Buffer.from(r.outputFiles[0].contents)]);
    for (const [lib, name] of Object.entries(LAZY)) {
      const l = await esbuild.build({
        ...common,
        stdin: { contents: `export { default } from '${lib}';`, resolveDir: ROOT, sourcefile: name },
      });
      out.push([name, Buffer.from(l.outputFiles[0].contents)]);
    }
    return out;
  } catch (e) {
    for (const m of e.errors || []) {
      const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : '';
      console.error(`embed-web: ${at}${m.text}`);
    }
    if (!e.errors) console.error(`embed-web: ${e.message}`);
    process.exit(1);
  }
}

const files = walk(WEB).filter((f) => !f.name.startsWith('js/'));
for (const f of files) f.body = fs.readFileSync(f.file);
for (const [name, body] of await bundle()) files.push({ name, body });
for (const f of files) {
  f.type = TYPES[path.extname(f.name)];
  if (!f.type) {
    console.error(`embed-web: no content type for '${f.name}'`);
    process.exit(1);
  }
}

const hash = (buf) => crypto.createHash('sha256').update(buf).digest('hex').slice(0, 20);
const others = crypto.createHash('sha256');
for (const f of files) if (f.name !== 'index.html') others.update(f.name).update('\0').update(f.body);
const build = others.digest('hex').slice(0, 12);
// The page in each form web_lookup() serves it: its <html> says whether the
// request came with a session cookie and the language its litecrm_lang
// cookie keeps, so the app starts without reading document.cookie (a
// synchronous round trip to the browser's cookie store before anything could
// be asked or drawn).
const LANGS = ['', 'en', 'zh-TW'];
const HTML_TAG = '<html lang="en">';
const page = files.find((f) => f.name === 'index.html');
const pageText = page.body.toString('utf8').replaceAll('%BUILD%', build);
if (!pageText.includes(HTML_TAG)) {
  console.error(`embed-web: index.html has no '${HTML_TAG}' to mark`);
  process.exit(1);
}
const pages = [];
for (const session of [0, 1]) {
  for (const lang of LANGS) {
    let tag = `<html lang="${lang || 'en'}"`;
    if (lang) tag += ` data-lang="${lang}"`;
    if (session) tag += ' data-session="1"';
    pages.push({ session, lang, name: 'index.html', type: page.type, body: Buffer.from(pageText.replace(HTML_TAG, `${tag}>`)) });
  }
}
files.splice(files.indexOf(page), 1);
for (const f of [...files, ...pages]) {
  f.etag = `"${hash(f.body)}"`;
  const gz = zlib.gzipSync(f.body, { level: 9 });
  f.gz = gz.length < f.body.length ? gz : null;
}

function bytes(buf) {
  const lines = [];
  for (let i = 0; i < buf.length; i += 20) lines.push('\t' + [...buf.subarray(i, i + 20)].map((b) => `${b},`).join(''));
  return `{\n${lines.join('\n')}\n\t0}`;
}

let c = `/* Generated by scripts/embed-web.mjs from web/ - do not edit, do not commit. */\n`;
c += `#include "web.h"\n\n`;
const all = [...files, ...pages];
all.forEach((f, i) => {
  c += `static const unsigned char f${i}[] = ${bytes(f.body)};\n`;
  if (f.gz) c += `static const unsigned char g${i}[] = ${bytes(f.gz)};\n`;
});
const asset = (f) => `{${JSON.stringify(f.name)}, ${JSON.stringify(f.type)}, f${all.indexOf(f)}, ${f.body.length}, ` +
  `${f.gz ? `g${all.indexOf(f)}, ${f.gz.length}` : 'NULL, 0'}, ${JSON.stringify(f.etag)}}`;
c += `\nconst struct web_asset web_assets[] = {\n`;
for (const f of files) c += `\t${asset(f)},\n`;
c += `};\nconst size_t web_nassets = ${files.length};\n`;
c += `\nconst struct web_page web_pages[] = {\n`;
for (const f of pages) c += `\t{${f.session}, ${JSON.stringify(f.lang)}, ${asset(f)}},\n`;
c += `};\nconst size_t web_npages = ${pages.length};\nconst char web_build_id[] = "${build}";\n`;

fs.mkdirSync(path.dirname(out), { recursive: true });
const tmp = `${out}.tmp`;
fs.writeFileSync(tmp, c);
fs.renameSync(tmp, out);
const raw = files.reduce((n, f) => n + f.body.length, 0);
const gz = files.reduce((n, f) => n + (f.gz ? f.gz.length : f.body.length), 0);
console.log(`embed-web: ${files.length} files and ${pages.length} forms of the page, ${raw} bytes, ${gz} compressed, build ${build}`);
