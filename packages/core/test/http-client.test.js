// HTTP clients inside a network namespace: a server listens on 127.0.0.1:PORT inside a fresh
// namespace and another on the same port in ours, each answering with where it is; the
// agents and the fetch dispatcher must reach the one inside. A test key and certificate
// (fixtures/tls-test-*.pem: CN and SAN service.lab and 127.0.0.1, made for these tests only)
// serve https.
import assert from 'node:assert/strict';
import { createServer, get as httpGet } from 'node:http';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createNamespace, dispatcherIn, httpAgentIn, httpsAgentIn, loopbackUp, serveIn, NamespaceConnectError } from '../dist/index.js';
import { unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'these tests create a network namespace and need root (CAP_SYS_ADMIN)';
const cert = readFileSync(new URL('./fixtures/tls-test-cert.pem', import.meta.url));
const key = readFileSync(new URL('./fixtures/tls-test-key.pem', import.meta.url));

const body = (res) => new Promise((resolve, reject) => {
  let s = '';
  res.setEncoding('utf8');
  res.on('data', (d) => (s += d)).on('end', () => resolve(s)).on('error', reject);
});
const request = (get, url, options) => new Promise((resolve, reject) => get(url, options, (res) => body(res).then(resolve, reject)).on('error', reject));
const listening = (server) => new Promise((resolve) => (server.listening ? resolve() : server.once('listening', resolve)));

describe('HTTP clients whose connections are made inside a network namespace', { skip: notRoot }, () => {
  let net;
  let port;
  let tlsPort;
  const servers = [];
  before(async () => {
    net = unwrap(await createNamespace('net'));
    unwrap(loopbackUp(net));
    const inside = createServer((req, res) => res.end(`inside ${req.url}`));
    servers.push(inside);
    port = unwrap(serveIn(net, inside, { host: '127.0.0.1', port: 0 })).port;
    const outside = createServer((req, res) => res.end(`outside ${req.url}`));
    servers.push(outside);
    outside.listen(port, '127.0.0.1');
    await listening(outside);
    const tls = createHttpsServer({ cert, key }, (req, res) => res.end(`tls inside ${req.url}`));
    servers.push(tls);
    tlsPort = unwrap(serveIn(net, tls, { host: '127.0.0.1', port: 0 })).port;
  });
  after(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
    net.close();
  });

  test('http.get with httpAgentIn reaches the server inside, by IP and by a name resolved first (localhost)', async () => {
    const agent = httpAgentIn(net);
    assert.equal(await request(httpGet, `http://127.0.0.1:${port}/a`, { agent }), 'inside /a');
    assert.equal(await request(httpGet, `http://localhost:${port}/b`, { agent, family: 4 }), 'inside /b');
    assert.equal(await request(httpGet, `http://127.0.0.1:${port}/c`, {}), 'outside /c', 'without the agent: ours');
    agent.destroy();
  });

  test('keepAlive agents reuse their connection inside', async () => {
    const agent = httpAgentIn(net, { keepAlive: true, maxSockets: 1 });
    const seen = new Set();
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve, reject) =>
        httpGet(`http://127.0.0.1:${port}/${i}`, { agent }, (res) => {
          seen.add(res.socket.localPort);
          body(res).then(resolve, reject);
        }).on('error', reject),
      );
    }
    assert.equal(seen.size, 1, 'one connection for five requests');
    agent.destroy();
  });

  test('https.get with httpsAgentIn verifies the certificate (servername from the URL or given)', async () => {
    const agent = httpsAgentIn(net, { ca: cert });
    assert.equal(await request(httpsGet, `https://127.0.0.1:${tlsPort}/x`, { agent }), 'tls inside /x');
    assert.equal(await request(httpsGet, `https://127.0.0.1:${tlsPort}/y`, { agent, servername: 'service.lab' }), 'tls inside /y');
    await assert.rejects(request(httpsGet, `https://127.0.0.1:${tlsPort}/z`, { agent: httpsAgentIn(net) }), /self[- ]signed|unable to verify|UNABLE_TO_VERIFY/i);
    agent.destroy();
  });

  test("Node's own fetch with dispatcherIn reaches the server inside, http and https", async () => {
    const dispatcher = dispatcherIn(net, { connect: { ca: cert } });
    try {
      const res = await fetch(`http://127.0.0.1:${port}/fetch`, { dispatcher });
      assert.equal(await res.text(), 'inside /fetch');
      const tls = await fetch(`https://127.0.0.1:${tlsPort}/fetch`, { dispatcher });
      assert.equal(await tls.text(), 'tls inside /fetch');
      assert.equal(await (await fetch(`http://127.0.0.1:${port}/plain`)).text(), 'outside /plain', 'without the dispatcher: ours');
    } finally {
      await dispatcher.close();
    }
  });

  test('a refused connect is a NamespaceConnectError with the errno code and the NsError as cause; a timeout is ETIMEDOUT', async () => {
    const agent = httpAgentIn(net);
    // Nothing listens on `closed` inside the fresh namespace (fetch refuses low 'bad ports' such as 1).
    const closed = [40001, 40002, 40003].find((p) => p !== port && p !== tlsPort);
    const e = await request(httpGet, `http://127.0.0.1:${closed}/`, { agent }).then(() => undefined, (x) => x);
    assert.ok(e instanceof NamespaceConnectError, String(e));
    assert.equal(e.code, 'ECONNREFUSED');
    assert.equal(e.cause.kind, 'syscall-failed');
    assert.equal(e.cause.syscall, 'connect');
    // No route inside (lo only): an address outside 127/8 has nowhere to go.
    const unreachable = await request(httpGet, 'http://10.255.255.1:80/', { agent: httpAgentIn(net, { connectTimeoutMs: 300 }) }).then(() => undefined, (x) => x);
    assert.ok(['ENETUNREACH', 'ETIMEDOUT'].includes(unreachable?.code), String(unreachable));
    const dispatcher = dispatcherIn(net);
    try {
      const f = await fetch(`http://127.0.0.1:${closed}/`, { dispatcher }).then(() => undefined, (x) => x);
      assert.ok(f?.cause instanceof NamespaceConnectError, String(f?.cause));
      assert.equal(f.cause.code, 'ECONNREFUSED');
    } finally {
      await dispatcher.close();
    }
  });

  test('misuse throws at once', () => {
    assert.throws(() => httpAgentIn(null), TypeError);
    assert.throws(() => dispatcherIn(undefined), TypeError);
  });
});
