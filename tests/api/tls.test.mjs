// tls.test.mjs - `litecrm serve --tls-cert FILE --tls-key FILE`: a
// self-signed certificate made with openssl, the API called over HTTPS, the
// session cookie Secure, HSTS sent, and plain HTTP on the TLS port refused.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, DEMO_PASSWORD, PG_URL, cookiesOf, freePort, runCli } from './helpers.mjs';

function call(port, ca, method, p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = https.request(
      { host: '127.0.0.1', port, method, path: p, ca, servername: 'localhost', headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode, headers: res.headers, text, json: text ? JSON.parse(text) : undefined, cipher: req.socket.getCipher?.() });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

describe('HTTPS with --tls-cert and --tls-key', { skip: PG_URL ? 'the TLS layer does not depend on the store' : false }, () => {
  let dir, proc, port, ca;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'litecrm-tls-'));
    const o = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { encoding: 'utf8' });
    assert.equal(o.status, 0, o.stderr);
    ca = fs.readFileSync(path.join(dir, 'cert.pem'));
    const db = path.join(dir, 'crm.db');
    const d = await runCli(['--db', db, 'demo']);
    assert.equal(d.code, 0, d.stderr);
    port = await freePort();
    proc = spawn(BIN, ['--db', db, 'serve', '--quiet', '--listen', `127.0.0.1:${port}`, '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem')], {
      env: { ...process.env, LITECRM_DEMO_PASSWORD: DEMO_PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (x) => (err += x));
    for (let i = 0; ; i++) {
      try {
        const r = await call(port, ca, 'GET', '/api/v1/health');
        if (r.status === 200) break;
      } catch (e) {
        if (i > 150) assert.fail(`no HTTPS answer: ${e.message}\n${err}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    if (proc) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.on('exit', r));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('login over HTTPS: Secure HttpOnly cookie, HSTS, the certificate verified', async () => {
    const r = await call(port, ca, 'POST', '/api/v1/login', { username: 'amy', password: DEMO_PASSWORD });
    assert.equal(r.status, 200, r.text);
    const lines = [].concat(r.headers['set-cookie']);
    const c = cookiesOf({ 'set-cookie': lines });
    assert.ok(c.litecrm_session.attrs.includes('Secure') && c.litecrm_session.attrs.includes('HttpOnly'), c.litecrm_session.line);
    assert.match(r.headers['strict-transport-security'] || '', /max-age=\d+/);
    console.log(`tls: ${r.cipher?.version} ${r.cipher?.name}; ${c.litecrm_session.line.replace(/=[^;]+/, '=…')}`);
    const me = await call(port, ca, 'GET', '/api/v1/me', undefined, { authorization: `Bearer ${r.json.token}` });
    assert.equal(me.status, 200);
    assert.equal(me.json.user.username, 'amy');
  });

  test('plain HTTP on the TLS port gets no answer', async () => {
    const ok = await fetch(`http://127.0.0.1:${port}/api/v1/health`).then((x) => x.status).catch(() => 'refused');
    assert.notEqual(ok, 200);
  });

  test('a missing key file is a clear error at start', async () => {
    const r = await runCli(['--db', path.join(dir, 'crm.db'), 'serve', '--listen', '127.0.0.1:1', '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'nope.pem')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot read --tls-key/);
  });
});
