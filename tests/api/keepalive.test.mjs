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

  test('SIGTERM with an idle keep-alive connection open: exit 0 within 5 s', async () => {
    const other = await startServer();
    const a = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const r = await other.request('GET', '/health', { agent: a });
      assert.equal(r.status, 200);
      // The socket stays open and idle in the agent while the server stops.
      await other.stop();
    } finally {
      a.destroy();
    }
  });

  test('SIGTERM during a burst of requests: answers under way complete, exit 0', async () => {
    const other = await startServer();
    const t = (await other.login('admin')).token;
    const burst = Array.from({ length: 40 }, () =>
      other.api('GET', '/reports/summary', { token: t }).then(
        (r) => (r.status === 503 ? `503 ${r.json?.error?.code}` : r.status),
        () => 'refused',
      ),
    );
    // SIGTERM as soon as the first answer is in: the rest are under way.
    await Promise.race([Promise.any(burst.map((b) => b.then((x) => (x === 200 ? x : Promise.reject(x))))), new Promise((r) => setTimeout(r, 3000))]).catch(() => {});
    await other.stop();
    const got = await Promise.all(burst);
    // Each request got a full answer, or was refused/reset, or (read after the
    // shutdown began) a clean 503 server.busy: never a hang, a 500 or a half answer.
    assert.ok(got.every((x) => x === 200 || x === 'refused' || x === '503 server.busy'), got.join(','));
    assert.ok(got.includes(200), `some requests under way finish: ${got.join(',')}`);
  });
});
