#!/usr/bin/env node
// embed-web.mjs - turns the web app (web/) and the pinned npm libraries it
// uses into one C file for the litecrm binary (see src/web.h).
//
//   node scripts/embed-web.mjs OUT.c
//
// The app's modules (web/js/, entry app.js) and the npm libraries they import
// are bundled by esbuild (pinned in package-lock.json): app.js holds the
// shell and the login form, each page is a file of its own that app.js
// import()s when it is first shown, and what they share is in chunks that
// index.html names for preloading (<link rel="modulepreload">, inserted after
// its script tag). Every other file under web/ is served as it is.
//
// Each file is stored as is and gzip-compressed (when that is smaller), with
// a content hash as its ETag. index.html's "%BUILD%" becomes the build id, a
// hash of every other file, so asset URLs change whenever a file does and
// can be cached for good. The output is generated: never commit it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB = path.join(ROOT, 'web');

const ENTRY = path.join(WEB, 'js', 'app.js');
const OUTDIR = 'web-bundle'; // esbuild's output names are relative to it (nothing is written)

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

// bundle returns the app's modules and their npm imports as ES modules: the
// entry app.js (the shell, the login form and what they import), a file per
// page (board.js, deals.js, ...: app.js import()s a page on its first visit)
// and the chunks they share, each named with a hash of its content.
function bundle() {
  let esbuild;
  try {
    esbuild = createRequire(import.meta.url)(path.join(ROOT, 'node_modules', 'esbuild'));
  } catch (e) {
    console.error(`embed-web: cannot load esbuild (${e.message}): run 'npm ci' (make does it)`);
    process.exit(1);
  }
  let r;
  try {
    r = esbuild.buildSync({
      entryPoints: [ENTRY],
      bundle: true,
      splitting: true,
      format: 'esm',
      target: 'es2020',
      minify: process.env.LITECRM_WEB_MINIFY !== '0', // 0: readable names, for profiling
      legalComments: 'none',
      write: false,
      metafile: true,
      outdir: OUTDIR,
      entryNames: '[name]',
      chunkNames: '[name]-[hash]',
      logLevel: 'silent',
      absWorkingDir: ROOT,
    });
  } catch (e) {
    for (const m of e.errors || []) {
      const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : '';
      console.error(`embed-web: ${at}${m.text}`);
    }
    if (!e.errors) console.error(`embed-web: ${e.message}`);
    process.exit(1);
  }
  const name = (p) => path.relative(path.join(ROOT, OUTDIR), path.resolve(ROOT, p)).split(path.sep).join('/');
  // The chunks that are neither app.js nor a page: what app.js and the pages
  // import statically. index.html preloads them all (a few KB), so that a
  // page's import() is one request, not a page and then the chunks it names.
  const shared = Object.entries(r.metafile.outputs).filter(([, o]) => !o.entryPoint).map(([p]) => name(p));
  return { files: r.outputFiles.map((f) => ({ name: name(f.path), body: Buffer.from(f.contents) })), preload: shared.sort() };
}

// The page's script tag, after which the shared chunks are named for
// preloading (fetched alongside app.js instead of after it).
const SCRIPT = '<script type="module" src="/assets/%BUILD%/app.js"></script>';

const files = walk(WEB).filter((f) => !f.name.startsWith('js/'));
for (const f of files) f.body = fs.readFileSync(f.file);
const js = bundle();
files.push(...js.files);
for (const f of files) {
  f.type = TYPES[path.extname(f.name)];
  if (!f.type) {
    console.error(`embed-web: no content type for '${f.name}'`);
    process.exit(1);
  }
}
const page = files.find((f) => f.name === 'index.html');
if (!page || !page.body.includes(SCRIPT)) {
  console.error(`embed-web: web/index.html has no ${SCRIPT}`);
  process.exit(1);
}
page.body = Buffer.from(page.body.toString('utf8').replace(SCRIPT,
  [SCRIPT, ...js.preload.map((n) => `<link rel="modulepreload" href="/assets/%BUILD%/${n}">`)].join('\n')));

const hash = (buf) => crypto.createHash('sha256').update(buf).digest('hex').slice(0, 20);
const others = crypto.createHash('sha256');
for (const f of files) if (f.name !== 'index.html') others.update(f.name).update('\0').update(f.body);
const build = others.digest('hex').slice(0, 12);
for (const f of files) {
  if (f.name === 'index.html') f.body = Buffer.from(f.body.toString('utf8').replaceAll('%BUILD%', build));
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
files.forEach((f, i) => {
  c += `static const unsigned char f${i}[] = ${bytes(f.body)};\n`;
  if (f.gz) c += `static const unsigned char g${i}[] = ${bytes(f.gz)};\n`;
});
c += `\nconst struct web_asset web_assets[] = {\n`;
files.forEach((f, i) => {
  c += `\t{${JSON.stringify(f.name)}, ${JSON.stringify(f.type)}, f${i}, ${f.body.length}, ` +
    `${f.gz ? `g${i}, ${f.gz.length}` : 'NULL, 0'}, ${JSON.stringify(f.etag)}},\n`;
});
c += `};\nconst size_t web_nassets = ${files.length};\nconst char web_build_id[] = "${build}";\n`;

fs.mkdirSync(path.dirname(out), { recursive: true });
const tmp = `${out}.tmp`;
fs.writeFileSync(tmp, c);
fs.renameSync(tmp, out);
const raw = files.reduce((n, f) => n + f.body.length, 0);
const gz = files.reduce((n, f) => n + (f.gz ? f.gz.length : f.body.length), 0);
console.log(`embed-web: ${files.length} files, ${raw} bytes, ${gz} compressed, build ${build}`);
