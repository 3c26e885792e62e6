// keepalive.test.mjs - HTTP/1.1 persistent connections.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startServer } from './helpers.mjs';

describe('keep-alive', () => {
  let srv;
  let agent;
  let token;
  before(async () => {
    srv = await startServer();
    token = (await srv.login('admin')).token;
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  });
  after(async () => {
    agent?.destroy();
    await srv?.stop();
  });

  async function sameSocket(reqs) {
    const sockets = [];
    for (const [method, path, o] of reqs) {
      const r = await srv.request(method, path, { ...o, agent });
      sockets.push(r.socket);
      assert.notEqual((r.headers.connection || '').toLowerCase(), 'close', `${method} ${path}: Connection: close`);
      assert.ok(r.status < 500, `${method} ${path}: ${r.status} ${r.text}`);
    }
    for (let i = 1; i < sockets.length; i++) assert.equal(sockets[i], sockets[0], `request ${i} used a new socket`);
  }

  test('two sequential GET /health reuse one socket', async () => {
    await sameSocket([
      ['GET', '/health'],
      ['GET', '/health'],
    ]);
  });

  test('authenticated GETs reuse the socket', async () => {
    const auth = { authorization: `Bearer ${token}` };
    await sameSocket([
      ['GET', '/me', { headers: auth }],
      ['GET', '/deals?limit=5', { headers: auth }],
      ['GET', '/reports/summary', { headers: auth }],
    ]);
  });

  test('the socket survives an error answer and a POST with a body', async () => {
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await sameSocket([
      ['GET', '/nope'],
      ['POST', '/deals', { headers: auth, body: '{"name":' }],
      ['POST', '/companies', { headers: auth, body: JSON.stringify({ name: 'Keepalive 公司' }) }],
      ['GET', '/health'],
    ]);
  });
});
