// Sockets made inside a fresh network namespace and used by ordinary
// net/http/dgram code on the main thread, which itself stays in the root
// network namespace throughout.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createConnection, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { createNamespace, pinNamespace, unpinNamespace, openNamespace, serveIn, connectIn, listenSocketIn, udpSocketIn, loopbackUp } from '../dist/index.js';

const skip = process.getuid() !== 0 ? 'creating a network namespace needs CAP_SYS_ADMIN (root)' : false;

const fdCount = () => readdirSync('/proc/self/fd').length;
/** Mount points under `dir` (mountinfo field 5). Other test files may mount elsewhere at the same time. */
const mountsUnder = (dir) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4])
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
const idOf = (path) => {
  const st = statSync(path, { bigint: true });
  return { dev: st.dev, ino: st.ino };
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let netns; // NamespaceHandle of the fresh network namespace
let pin; // its pin, for nsenter
let tmp;
let rootNet; // identity of the root network namespace (the main thread's)
let fdsBefore;
const cleanups = []; // run in reverse order after each test

/** Runs `fn` (sync) and asserts it left no fd open. */
function noFdLeak(fn) {
  const before = fdCount();
  const out = fn();
  assert.equal(fdCount(), before, 'fd count changed');
  return out;
}

/** `ss` run inside the namespace: the local ports listening there. */
function portsInside(flags) {
  const out = execFileSync('nsenter', [`--net=${pin}`, 'ss', '-Hn', flags], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(l.trim().split(/\s+/)[3].split(':').at(-1)));
}

/** Sends a HTTP/1.0 request over a connected socket and resolves with the whole response. */
function httpOver(sock, path = '/') {
  return new Promise((resolve, reject) => {
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (data += d));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
    sock.write(`GET ${path} HTTP/1.0\r\nHost: inside\r\n\r\n`);
  });
}

/** Reads a connected socket to its end. */
function readAll(sock) {
  return new Promise((resolve, reject) => {
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (data += d));
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
}

function listening(server) {
  return new Promise((resolve, reject) => {
    if (server.listening) return resolve();
    server.once('listening', resolve);
    server.once('error', reject);
  });
}

const closeServer = (server) => new Promise((r) => server.close(() => r()));

before(async () => {
  if (skip) return;
  rootNet = idOf('/proc/thread-self/ns/net');
  // The per-thread state of linuxns (fds of the original namespaces) is opened once on first use:
  // open it before counting fds. A socket made in our own namespace is the cheapest way.
  closeSync(udpSocketIn('/proc/self/ns/net', { host: '127.0.0.1', port: 0 })._unsafeUnwrap().fd);
  fdsBefore = fdCount();
  netns = (await createNamespace('net'))._unsafeUnwrap();
  tmp = mkdtempSync('/tmp/linuxns-socket-');
  pin = join(tmp, 'net');
  pinNamespace(netns, pin)._unsafeUnwrap();
  execFileSync('nsenter', [`--net=${pin}`, 'ip', 'link', 'set', 'lo', 'up']);
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (!skip) assert.deepEqual(idOf('/proc/thread-self/ns/net'), rootNet, 'the main thread left the root network namespace');
});

after(async () => {
  if (skip) return;
  netns?.close();
  if (pin && existsSync(pin)) unpinNamespace(pin)._unsafeUnwrap();
  const left = tmp ? mountsUnder(tmp) : [];
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  // Node closes the fds of servers and sockets asynchronously.
  for (let i = 0; i < 100 && fdCount() !== fdsBefore; i++) await sleep(10);
  assert.equal(fdCount(), fdsBefore, 'the file leaked fds');
  assert.deepEqual(left, [], 'the file left mounts behind');
});

describe('the test namespace', { skip }, () => {
  it('is a network namespace other than ours, pinned, with lo up', () => {
    assert.equal(netns.type, 'net');
    assert.notDeepEqual({ dev: netns.dev, ino: netns.ino }, rootNet);
    assert.deepEqual(idOf(pin), { dev: netns.dev, ino: netns.ino });
    const lo = JSON.parse(execFileSync('nsenter', [`--net=${pin}`, 'ip', '-j', 'link', 'show', 'lo'], { encoding: 'utf8' }));
    assert.ok(lo[0].flags.includes('UP'));
  });
});

describe('TCP and HTTP', { skip }, () => {
  it('serveIn serves HTTP inside the namespace and connectIn from inside gets the body', async () => {
    const server = createHttpServer((req, res) => res.end(`inside ${req.url}`));
    cleanups.push(() => closeServer(server));
    const s = serveIn(netns, server, { host: '127.0.0.1', port: 0 });
    assert.ok(s.isOk(), s.isErr() ? s.error.message : '');
    await listening(server);
    assert.ok(s.value.port > 0);
    assert.equal(s.value.address, '127.0.0.1');
    assert.equal(server.address().port, s.value.port);
    assert.deepEqual(idOf('/proc/thread-self/ns/net'), rootNet);

    const c = await connectIn(netns, { host: '127.0.0.1', port: s.value.port });
    assert.ok(c.isOk(), c.isErr() ? c.error.message : '');
    cleanups.push(() => c.value.destroy());
    const response = await httpOver(c.value, '/hello');
    assert.match(response, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(response.endsWith('\r\n\r\ninside /hello'), response);
    assert.deepEqual(idOf('/proc/thread-self/ns/net'), rootNet);
  });

  it('the listening port is visible to ss inside the namespace', async () => {
    const server = createNetServer((c) => c.end());
    cleanups.push(() => closeServer(server));
    const s = serveIn(netns, server, { host: '127.0.0.1', port: 0 })._unsafeUnwrap();
    await listening(server);
    assert.ok(portsInside('-lt').includes(s.port), `port ${s.port} not listed inside`);
  });

  it('connectIn from the root namespace to the port served inside is refused', async () => {
    const server = createHttpServer((req, res) => res.end('inside'));
    cleanups.push(() => closeServer(server));
    const s = serveIn(netns, server, { host: '127.0.0.1', port: 0 })._unsafeUnwrap();
    await listening(server);
    const r = await connectIn('/proc/self/ns/net', { host: '127.0.0.1', port: s.port }, { timeoutMs: 2000 });
    if (r.isOk()) r.value.destroy();
    assert.ok(r.isErr(), 'the root namespace reached a server that listens only inside');
    assert.equal(r.error.kind, 'syscall-failed');
    assert.equal(r.error.code, 'ECONNREFUSED');
    assert.equal(r.error.syscall, 'connect');
  });

  it('a server in the root namespace cannot be reached by connectIn from inside', async () => {
    const server = createNetServer((c) => c.end('root'));
    cleanups.push(() => closeServer(server));
    await new Promise((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
    const r = await connectIn(netns, { host: '127.0.0.1', port: server.address().port }, { timeoutMs: 2000 });
    if (r.isOk()) r.value.destroy();
    assert.ok(r.isErr(), 'the namespace reached a server that listens only in the root namespace');
    assert.equal(r.error.code, 'ECONNREFUSED');
  });

  it('connectIn accepts a path to the namespace as well as a handle', async () => {
    const server = createNetServer((c) => c.end('by path'));
    cleanups.push(() => closeServer(server));
    const s = serveIn(pin, server, { host: '127.0.0.1', port: 0 })._unsafeUnwrap();
    await listening(server);
    const c = (await connectIn(pin, { host: '127.0.0.1', port: s.port }))._unsafeUnwrap();
    cleanups.push(() => c.destroy());
    assert.equal(await readAll(c), 'by path');
  });

  it('IPv6 literals in several spellings bind inside, and connectIn over ::1 works', async () => {
    const cases = [
      ['::1', '::1'],
      ['[::1]', '::1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['::ffff:127.0.0.1', '::ffff:127.0.0.1'],
      ['0:0:0:0:0:ffff:127.0.0.1', '::ffff:127.0.0.1'],
      ['::ffff:7f00:1', '::ffff:127.0.0.1'],
    ];
    for (const [host, normal] of cases) {
      const server = createNetServer((c) => c.end(`v6 ${host}`));
      cleanups.push(() => closeServer(server));
      const s = serveIn(netns, server, { host, port: 0 });
      assert.ok(s.isOk(), `${host}: ${s.isErr() ? s.error.message : ''}`);
      await listening(server);
      assert.equal(server.address().address, normal, host);
      assert.equal(server.address().family, 'IPv6', host);
      const c = (await connectIn(netns, { host, port: s.value.port }))._unsafeUnwrap();
      cleanups.push(() => c.destroy());
      assert.equal(await readAll(c), `v6 ${host}`);
    }
  });

  it('connectIn gives up after timeoutMs with ETIMEDOUT when the peer never answers', async () => {
    // A listener with backlog 0 that nobody accepts from: once its queue is full, SYNs are dropped.
    const s = listenSocketIn(netns, { host: '127.0.0.1', port: 0, backlog: 0 })._unsafeUnwrap();
    cleanups.push(() => closeSync(s.fd));
    const first = await connectIn(netns, { host: '127.0.0.1', port: s.port }, { timeoutMs: 1000 });
    assert.ok(first.isOk());
    cleanups.push(() => first.value.destroy());
    const t0 = Date.now();
    const fds = fdCount();
    const r = await connectIn(netns, { host: '127.0.0.1', port: s.port }, { timeoutMs: 250 });
    const took = Date.now() - t0;
    if (r.isOk()) r.value.destroy();
    assert.ok(r.isErr(), 'connect did not time out');
    assert.equal(r.error.code, 'ETIMEDOUT');
    assert.ok(took >= 200 && took < 2000, `took ${took} ms`);
    assert.equal(fdCount(), fds, 'the timed-out socket was not closed');
  });

  it("pending TCP connects do not occupy libuv's threadpool: async fs still answers at once", async () => {
    const s = listenSocketIn(netns, { host: '127.0.0.1', port: 0, backlog: 0 })._unsafeUnwrap();
    cleanups.push(() => closeSync(s.fd));
    const first = (await connectIn(netns, { host: '127.0.0.1', port: s.port }, { timeoutMs: 1000 }))._unsafeUnwrap();
    cleanups.push(() => first.destroy());
    await readFile('/proc/self/stat'); // the threadpool is up
    // More stalled connects than the threadpool has threads (4 by default).
    const stalled = Array.from({ length: 6 }, () => connectIn(netns, { host: '127.0.0.1', port: s.port }, { timeoutMs: 1200 }));
    await sleep(50);
    const t0 = Date.now();
    await readFile('/proc/self/stat');
    const took = Date.now() - t0;
    const results = await Promise.all(stalled);
    for (const r of results) if (r.isOk()) r.value.destroy();
    assert.ok(took < 500, `an async readFile took ${took} ms while connects were pending`);
    assert.ok(results.every((r) => r.isErr() && r.error.code === 'ETIMEDOUT'));
  });

  it('a failed connectIn closes its socket', async () => {
    const fds = fdCount();
    const r = await connectIn(netns, { host: '127.0.0.1', port: 1 }, { timeoutMs: 1000 });
    assert.ok(r.isErr());
    assert.equal(r.error.code, 'ECONNREFUSED');
    assert.equal(fdCount(), fds);
  });
});

describe('UDP', { skip }, () => {
  it('two UDP sockets made inside exchange a datagram through dgram', async () => {
    const a = udpSocketIn(netns, { host: '127.0.0.1', port: 0 })._unsafeUnwrap();
    const b = udpSocketIn(netns, { host: '127.0.0.1', port: 0 })._unsafeUnwrap();
    assert.ok(a.port > 0 && b.port > 0 && a.port !== b.port);
    const sa = createSocket('udp4');
    const sb = createSocket('udp4');
    cleanups.push(
      () => new Promise((r) => sa.close(r)),
      () => new Promise((r) => sb.close(r)),
    );
    await new Promise((r) => sa.bind({ fd: a.fd }, r));
    await new Promise((r) => sb.bind({ fd: b.fd }, r));
    assert.equal(sa.address().port, a.port);
    assert.ok(portsInside('-lu').includes(a.port), `udp port ${a.port} not listed inside`);

    const got = new Promise((resolve) => sa.once('message', (msg, rinfo) => resolve({ msg: msg.toString(), rinfo })));
    await new Promise((r, j) => sb.send('ping inside', a.port, '127.0.0.1', (e) => (e ? j(e) : r())));
    const { msg, rinfo } = await got;
    assert.equal(msg, 'ping inside');
    assert.equal(rinfo.port, b.port);
    assert.equal(rinfo.address, '127.0.0.1');
    assert.deepEqual(idOf('/proc/thread-self/ns/net'), rootNet);
  });

  it('a second UDP socket on a port already bound inside fails with EADDRINUSE instead of sharing it', () => {
    const a = udpSocketIn(netns, { host: '127.0.0.1', port: 0 })._unsafeUnwrap();
    cleanups.push(() => closeSync(a.fd));
    const r = noFdLeak(() => udpSocketIn(netns, { host: '127.0.0.1', port: a.port }));
    if (r.isOk()) closeSync(r.value.fd);
    assert.ok(r.isErr(), 'two UDP sockets were bound to one port (SO_REUSEADDR on UDP)');
    assert.equal(r.error.code, 'EADDRINUSE');
  });

  it('a datagram sent from the root namespace does not reach a UDP socket inside', async () => {
    const a = udpSocketIn(netns, { host: '127.0.0.1', port: 0 })._unsafeUnwrap();
    const b = udpSocketIn(netns, { host: '127.0.0.1', port: 0 })._unsafeUnwrap();
    const sa = createSocket('udp4');
    const sb = createSocket('udp4');
    const root = createSocket('udp4');
    cleanups.push(
      () => new Promise((r) => sa.close(r)),
      () => new Promise((r) => sb.close(r)),
      () => new Promise((r) => root.close(r)),
    );
    await new Promise((r) => sa.bind({ fd: a.fd }, r));
    await new Promise((r) => sb.bind({ fd: b.fd }, r));
    const messages = [];
    sa.on('message', (m) => messages.push(m.toString()));
    await new Promise((r, j) => root.send('from root', a.port, '127.0.0.1', (e) => (e ? j(e) : r())));
    await new Promise((r, j) => sb.send('from inside', a.port, '127.0.0.1', (e) => (e ? j(e) : r())));
    for (let i = 0; i < 100 && messages.length === 0; i++) await sleep(5);
    await sleep(50);
    assert.deepEqual(messages, ['from inside']);
  });
});

describe('Unix sockets', { skip }, () => {
  it('an abstract socket listens inside, answers connectIn from inside, and leaves the name free in the root namespace', async () => {
    const name = `\0linuxns-test-${process.pid}-${Date.now()}`;
    const s = listenSocketIn(netns, { path: name });
    assert.ok(s.isOk(), s.isErr() ? s.error.message : '');
    assert.equal(s.value.port, 0);
    assert.equal(s.value.address, name);
    const inner = createNetServer((c) => c.end('abstract inside'));
    cleanups.push(() => closeServer(inner));
    inner.listen({ fd: s.value.fd });
    await listening(inner);

    const c = await connectIn(netns, { path: name });
    assert.ok(c.isOk(), c.isErr() ? c.error.message : '');
    cleanups.push(() => c.value.destroy());
    assert.equal(await readAll(c.value), 'abstract inside');

    // Node's own listen and connect on the name, in the root namespace, do not reach the socket
    // inside. (Node 20's libuv pads an abstract name with NULs to the full sockaddr_un, which makes
    // it another name to the kernel and proves less; Node 22 on bind exactly the name's bytes, as
    // listenSocketIn does, so this is the same name there. The bind below is exact everywhere.)
    const nodeOuter = createNetServer((c1) => c1.end('node root'));
    await new Promise((resolve, reject) => {
      nodeOuter.once('error', reject);
      nodeOuter.listen({ path: name }, resolve);
    });
    try {
      const c1 = createConnection({ path: name });
      cleanups.push(() => c1.destroy());
      assert.equal(await readAll(c1), 'node root');
    } finally {
      await closeServer(nodeOuter); // frees the name in ours again (an abstract name goes with its socket)
    }

    // Abstract names belong to the network namespace: the very same name (same bytes, same length) is free in ours.
    const rootSock = listenSocketIn('/proc/self/ns/net', { path: name });
    assert.ok(rootSock.isOk(), rootSock.isErr() ? rootSock.error.message : '');
    const outer = createNetServer((c2) => c2.end('abstract root'));
    cleanups.push(() => closeServer(outer));
    outer.listen({ fd: rootSock.value.fd });
    await listening(outer);
    const c2 = (await connectIn('/proc/self/ns/net', { path: name }))._unsafeUnwrap();
    cleanups.push(() => c2.destroy());
    assert.equal(await readAll(c2), 'abstract root');
    const c3 = (await connectIn(netns, { path: name }))._unsafeUnwrap();
    cleanups.push(() => c3.destroy());
    assert.equal(await readAll(c3), 'abstract inside');
    // And it is the same name: a second bind of it in ours is refused.
    const twice = noFdLeak(() => listenSocketIn('/proc/self/ns/net', { path: name }));
    assert.ok(twice.isErr());
    assert.equal(twice.error.code, 'EADDRINUSE');
  });

  it('a second listener on the same abstract name inside fails with EADDRINUSE and leaves no fd', () => {
    const name = `\0linuxns-test-dup-${process.pid}-${Date.now()}`;
    const first = listenSocketIn(netns, { path: name })._unsafeUnwrap();
    cleanups.push(() => closeSync(first.fd));
    const r = noFdLeak(() => listenSocketIn(netns, { path: name }));
    assert.ok(r.isErr());
    assert.equal(r.error.code, 'EADDRINUSE');
    assert.equal(r.error.syscall, 'bind');
  });

  it('a Unix socket path longer than sockaddr_un allows throws a RangeError', () => {
    noFdLeak(() => assert.throws(() => listenSocketIn(netns, { path: `/tmp/${'x'.repeat(120)}` }), RangeError));
  });
});

describe('loopbackUp', { skip }, () => {
  /** `ip -j link show lo` inside the namespace of `h`, through our own fd of it. */
  const loFlags = (h) => JSON.parse(execFileSync('nsenter', [`--net=/proc/${process.pid}/fd/${h.fd}`, 'ip', '-j', 'link', 'show', 'lo'], { encoding: 'utf8' }))[0].flags;

  it('brings lo of a fresh namespace up, so that 127.0.0.1 becomes reachable there', async () => {
    const h = (await createNamespace('net'))._unsafeUnwrap();
    cleanups.push(() => h.close());
    assert.ok(!loFlags(h).includes('UP'), 'lo of a fresh namespace is already up');
    const s = listenSocketIn(h, { host: '127.0.0.1', port: 0 })._unsafeUnwrap();
    cleanups.push(() => closeSync(s.fd));
    const down = await connectIn(h, { host: '127.0.0.1', port: s.port }, { timeoutMs: 1000 });
    if (down.isOk()) down.value.destroy();
    assert.ok(down.isErr(), 'reached 127.0.0.1 with lo down');
    assert.equal(down.error.code, 'ENETUNREACH');

    const r = noFdLeak(() => loopbackUp(h));
    assert.ok(r.isOk(), r.isErr() ? r.error.message : '');
    assert.ok(loFlags(h).includes('UP'));
    const up = await connectIn(h, { host: '127.0.0.1', port: s.port }, { timeoutMs: 1000 });
    assert.ok(up.isOk(), up.isErr() ? up.error.message : '');
    up.value.destroy();
    assert.deepEqual(idOf('/proc/thread-self/ns/net'), rootNet);
  });

  it('can be called again on a namespace whose lo is already up', async () => {
    const h = (await createNamespace('net'))._unsafeUnwrap();
    cleanups.push(() => h.close());
    assert.ok(loopbackUp(h).isOk());
    assert.ok(loopbackUp(h).isOk());
    assert.ok(loFlags(h).includes('UP'));
  });

  it('a missing namespace path gives not-found and leaves no fd', () => {
    const r = noFdLeak(() => loopbackUp(join(tmp, 'missing')));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'not-found');
  });
});

describe('bad input', { skip }, () => {
  it('binding an address the namespace does not have fails with EADDRNOTAVAIL and leaves no fd', () => {
    const r = noFdLeak(() => listenSocketIn(netns, { host: '10.254.254.1', port: 0 }));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'syscall-failed');
    assert.equal(r.error.code, 'EADDRNOTAVAIL');
    assert.equal(r.error.syscall, 'bind');
    assert.match(r.error.message, /10\.254\.254\.1/);
    const u = noFdLeak(() => udpSocketIn(netns, { host: '10.254.254.1', port: 0 }));
    assert.ok(u.isErr());
    assert.equal(u.error.code, 'EADDRNOTAVAIL');
    const srv = createNetServer();
    const s = noFdLeak(() => serveIn(netns, srv, { host: '10.254.254.1', port: 0 }));
    assert.ok(s.isErr());
    assert.equal(srv.listening, false);
  });

  it('a port held in the root namespace is free inside, and a second listener inside on it gets EADDRINUSE', async () => {
    const root = createNetServer();
    cleanups.push(() => closeServer(root));
    await new Promise((resolve, reject) => {
      root.once('error', reject);
      root.listen({ host: '127.0.0.1', port: 0 }, resolve);
    });
    const port = root.address().port;
    const first = listenSocketIn(netns, { host: '127.0.0.1', port });
    assert.ok(first.isOk(), first.isErr() ? first.error.message : '');
    cleanups.push(() => closeSync(first.value.fd));
    assert.equal(first.value.port, port);
    const r = noFdLeak(() => listenSocketIn(netns, { host: '127.0.0.1', port }));
    assert.ok(r.isErr());
    assert.equal(r.error.code, 'EADDRINUSE');
    assert.equal(r.error.syscall, 'bind');
  });

  it('a host name that is not an IP literal throws a TypeError before any socket is made', () => {
    noFdLeak(() => {
      assert.throws(() => listenSocketIn(netns, { host: 'localhost', port: 0 }), TypeError);
      assert.throws(() => udpSocketIn(netns, { host: 'example.com', port: 53 }), TypeError);
      assert.throws(() => connectIn(netns, { host: 'localhost', port: 80 }), TypeError);
      assert.throws(() => serveIn(netns, createNetServer(), { host: 'localhost', port: 0 }), TypeError);
      assert.throws(() => listenSocketIn(netns, { host: '1.2.3', port: 0 }), TypeError);
    });
  });

  it('an IPv6 zone id throws a TypeError instead of being dropped', () => {
    noFdLeak(() => assert.throws(() => listenSocketIn(netns, { host: 'fe80::1%lo', port: 0 }), TypeError));
  });

  it('a port out of range, or a bad timeout, throws a RangeError', () => {
    noFdLeak(() => {
      assert.throws(() => listenSocketIn(netns, { host: '127.0.0.1', port: 65536 }), RangeError);
      assert.throws(() => udpSocketIn(netns, { host: '127.0.0.1', port: -1 }), RangeError);
      assert.throws(() => connectIn(netns, { host: '127.0.0.1', port: 1.5 }), RangeError);
      assert.throws(() => connectIn(netns, { host: '127.0.0.1', port: 80 }, { timeoutMs: 0 }), RangeError);
    });
  });

  it('serveIn on a server that already listens throws Node\'s own error and leaves no fd', async () => {
    const server = createNetServer();
    cleanups.push(() => closeServer(server));
    serveIn(netns, server, { host: '127.0.0.1', port: 0 })._unsafeUnwrap();
    await listening(server);
    noFdLeak(() => assert.throws(() => serveIn(netns, server, { host: '127.0.0.1', port: 0 }), { code: 'ERR_SERVER_ALREADY_LISTEN' }));
  });

  it('serveIn with something that is not a server throws a TypeError', () => {
    noFdLeak(() => assert.throws(() => serveIn(netns, {}, { host: '127.0.0.1', port: 0 }), TypeError));
  });

  it('a closed handle throws a TypeError', () => {
    const h = openNamespace(pin, 'net')._unsafeUnwrap();
    h.close();
    noFdLeak(() => assert.throws(() => listenSocketIn(h, { host: '127.0.0.1', port: 0 }), TypeError));
  });

  it('a path that is not a network namespace gives an error and leaves no fd', () => {
    const r = noFdLeak(() => listenSocketIn('/proc/self/ns/uts', { host: '127.0.0.1', port: 0 }));
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'wrong-namespace-type');
    const m = noFdLeak(() => udpSocketIn(join(tmp, 'missing'), { host: '127.0.0.1', port: 0 }));
    assert.ok(m.isErr());
    assert.equal(m.error.kind, 'not-found');
  });
});
