#!/usr/bin/env node
// A tour of linuxns in a few seconds: `pnpm demo` (as root).
//
// It creates two network namespaces, serves HTTP inside one of them from the
// main thread, shows who can reach it, runs tasks inside both on a worker
// pool, enters a fresh uts namespace for one synchronous call, spawns a
// command as pid 1 of new user/pid/mnt/uts namespaces through the C helper,
// makes an id-mapped user namespace once for a mapping and an id-mapped
// mount with it, makes a named netns that `ip netns` sees, mounts a host
// directory inside another process's mount namespace, prints the namespace
// tree, shows an error as data, and removes everything it made.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { request as httpRequest, createServer } from 'node:http';
import {
  loopbackUp,
  connectIn,
  createNamespace,
  enterSync,
  formatIdentity,
  NamespacePool,
  pin,
  serveIn,
  threadNamespaceIdentity,
  unpin,
  spawn,
  addNetns,
  deleteNetns,
  mountIn,
  umountIn,
} from '../packages/core/dist/index.js';
import { idmapMount, unmount, UsernsCache } from '../packages/userns-cache/dist/index.js';
import { openNetlink } from '../packages/netlink/dist/index.js';
import { whereAmI } from './demo-tasks.js';
import { ensureSystemPackages } from './system-packages.js';

const TASKS = new URL('./demo-tasks.js', import.meta.url);
const CLI = new URL('../packages/cli/dist/main.js', import.meta.url).pathname;
const DIR = `/run/linuxns-demo-${process.pid}`;

if (process.getuid?.() !== 0) {
  console.error('demo: linuxns creates namespaces, which needs root (CAP_SYS_ADMIN): run it as root.');
  process.exit(1);
}
// ip and nsenter are shown beside linuxns: installed here if missing.
ensureSystemPackages(['iproute2', 'util-linux']);

let stepNo = 0;
function step(title) {
  console.log(`\n${++stepNo}. ${title}`);
}
function line(text) {
  console.log(`   ${text}`);
}

/** The value of a Result, or an Error that shows the NsError. */
function unwrap(r, what) {
  if (r.isErr()) throw new Error(`${what}: ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

/** A tiny HTTP GET over an already connected socket: resolves to [status, body]. */
function httpGet(socket, port) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', createConnection: () => socket }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve([res.statusCode, body]));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
    req.end();
  });
}

// Everything made is recorded here and undone in the finally block.
const made = { dir: false, pins: [], handles: [], server: undefined, pool: undefined, mounts: [], cache: undefined, files: [], netns: [], children: [], sockets: [], servers: [] };

/** Output of a spawned child's stdout, once it exited. */
async function outputOf(child) {
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => (out += d));
  const [status] = await Promise.all([child.exited, new Promise((r) => child.stdout.on('end', r))]);
  return { status, out };
}

async function main() {
  console.log(`linuxns demo (pid ${process.pid})`);

  // ------------------------------------------------------------------
  step('Two fresh network namespaces, pinned so they outlive their handles');
  mkdirSync(DIR);
  made.dir = true;
  const ns = {};
  for (const name of ['red', 'blue']) {
    const handle = unwrap(await createNamespace('net'), `createNamespace('net') for ${name}`);
    made.handles.push(handle);
    const pinPath = `${DIR}/${name}`;
    unwrap(pin(handle, pinPath, { exclusive: true }), `pin(${pinPath})`);
    made.pins.push(pinPath);
    ns[name] = { handle, pin: pinPath };
    line(`${name.padEnd(5)} ${String(handle)}  pinned at ${pinPath}`);
  }
  const root = formatIdentity(unwrap(threadNamespaceIdentity('net'), 'threadNamespaceIdentity(net)'));
  line(`root  ${root}  (where this process runs)`);

  // ------------------------------------------------------------------
  step('Loopback up in each (a new network namespace starts with lo down)');
  for (const name of ['red', 'blue']) {
    unwrap(loopbackUp(ns[name].handle), `loopbackUp(${name})`);
    line(`loopbackUp(${name}): lo is up inside (an ioctl on a socket made in ${name}; no ip process)`);
  }

  // ------------------------------------------------------------------
  step('An HTTP server listening inside red, served by the main thread');
  made.server = createServer((_req, res) => res.end(`hello from a server listening inside red (${String(ns.red.handle)})\n`));
  const { port } = unwrap(serveIn(ns.red.handle, made.server, { host: '127.0.0.1', port: 0 }), 'serveIn(red)');
  line(`serveIn(red, server, { host: '127.0.0.1', port: 0 }) -> listening on 127.0.0.1:${port} inside red`);
  line(`the main thread itself is still in ${formatIdentity(unwrap(threadNamespaceIdentity('net'), 'identity'))}`);

  // ------------------------------------------------------------------
  step(`Who can reach 127.0.0.1:${port}?`);
  const outside = await connectIn('/proc/self/ns/net', { host: '127.0.0.1', port }, { timeoutMs: 2000 });
  if (outside.isErr()) {
    const e = outside.error;
    line(`from root: ${e.kind}${e.code ? ` (${e.code})` : ''}: red's loopback is not root's`);
  } else {
    // Some other program of the root namespace happens to listen on that very port.
    outside.value.destroy();
    line(`from root: connected, but to another program of the root namespace that uses port ${port} too`);
  }
  const inside = unwrap(await connectIn(ns.red.handle, { host: '127.0.0.1', port }, { timeoutMs: 2000 }), 'connectIn(red)');
  const [status, body] = await httpGet(inside, port);
  line(`from red:  GET / -> ${status} ${JSON.stringify(body.trim())}`);

  // ------------------------------------------------------------------
  step('rtnetlink in TypeScript: a veth pair joins red and blue, with addresses and a route (no ip process)');
  const nlRed = unwrap(await openNetlink(ns.red.handle), 'openNetlink(red)');
  const nlBlue = unwrap(await openNetlink(ns.blue.handle), 'openNetlink(blue)');
  made.sockets.push(nlRed, nlBlue);
  unwrap(await nlRed.createVeth({ name: 'to-blue', peer: 'to-red', peerNamespace: ns.blue.handle }), 'createVeth');
  for (const [nl, link, v4, v6] of [[nlRed, 'to-blue', '10.77.0.1/24', 'fd77::1/64'], [nlBlue, 'to-red', '10.77.0.2/24', 'fd77::2/64']]) {
    unwrap(await nl.addAddress(link, v4), `addAddress(${v4})`);
    unwrap(await nl.addAddress(link, v6, { noDad: true }), `addAddress(${v6})`);
    unwrap(await nl.setLinkUp(link), `setLinkUp(${link})`);
  }
  // A service address on red's loopback, reached from blue through a route via the veth.
  unwrap(await nlRed.addAddress('lo', '10.78.0.1/32'), 'addAddress(lo)');
  unwrap(await nlBlue.addRoute({ dst: '10.78.0.0/24', gateway: '10.77.0.1' }), 'addRoute');
  for (const l of unwrap(await nlBlue.links(), 'links')) line(`blue link ${l.index} ${l.name.padEnd(7)} ${(l.kind ?? '-').padEnd(5)} ${(l.up ? 'UP' : 'DOWN').padEnd(5)} ${l.mac ?? ''}`);
  for (const r of unwrap(await nlBlue.routes({ family: 4 }), 'routes')) line(`blue route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`);
  const overVeth = createServer((_req, res) => res.end('hello from red, over the veth\n'));
  made.servers.push(overVeth);
  const { port: vethPort } = unwrap(serveIn(ns.red.handle, overVeth, { host: '10.78.0.1', port: 0 }), 'serveIn(red, 10.78.0.1)');
  const fromBlue = unwrap(await connectIn(ns.blue.handle, { host: '10.78.0.1', port: vethPort }, { timeoutMs: 2000 }), 'connectIn(blue)');
  const [vethStatus, vethBody] = await httpGet(fromBlue, vethPort);
  line(`from blue: GET http://10.78.0.1:${vethPort}/ -> ${vethStatus} ${JSON.stringify(vethBody.trim())}`);

  // ------------------------------------------------------------------
  step('Tasks inside each namespace on a NamespacePool (2 worker threads)');
  made.pool = new NamespacePool({ threads: 2 });
  const [red, blue] = await Promise.all([
    made.pool.run({ net: ns.red.pin }, TASKS, 'whereAmI'),
    made.pool.run({ net: ns.blue.handle }, TASKS, 'whereAmI'),
  ]);
  const show = (who, w) => line(`${who.padEnd(24)} ${w.net}  interfaces: ${w.interfaces.join(', ')}`);
  show('task in red (by path)', unwrap(red, 'pool.run(red)'));
  show('task in blue (by handle)', unwrap(blue, 'pool.run(blue)'));
  show('root (main thread)', whereAmI());

  // ------------------------------------------------------------------
  step('enterSync: a fresh uts namespace, for one synchronous call on the main thread');
  const utsOf = () => formatIdentity(unwrap(threadNamespaceIdentity('uts'), 'identity'));
  const utsInside = unwrap(enterSync({ uts: 'new' }, utsOf), "enterSync({ uts: 'new' })");
  line(`inside  ${utsInside}  (made for the call, gone after it: nothing holds it)`);
  line(`outside ${utsOf()}  (the main thread is back before enterSync returns)`);

  // ------------------------------------------------------------------
  step('spawn: a command as pid 1 of new user, pid, mnt and uts namespaces (the C helper)');
  const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
  const child = unwrap(
    await spawn('/bin/sh', ['-c', 'echo "pid $$, uid $(id -u), hostname $(hostname), $(ls /proc | grep -c "^[0-9]") processes in /proc"; cat /proc/self/uid_map'], {
      create: ['user', 'pid', 'mnt', 'uts'],
      uidMappings: map,
      gidMappings: map,
      user: { uid: 0, gid: 0 },
      hostname: 'demo-box',
      mountProc: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
    'spawn',
  );
  const { status: exit, out } = await outputOf(child);
  for (const l of out.trim().split('\n')) line(`child: ${l.trim().replace(/\s+/g, ' ')}`);
  line(`exited with ${JSON.stringify(exit)}`);

  // ------------------------------------------------------------------
  step('userns-cache: one user namespace per mapping, then an id-mapped mount with it');
  made.cache = new UsernsCache();
  const mapping = { uidMappings: [{ containerID: 1000, hostID: 101000, size: 64536 }, { containerID: 0, hostID: 100000, size: 1000 }], gidMappings: map };
  const reordered = { uidMappings: [...mapping.uidMappings].reverse(), gidMappings: map };
  const [u1, u2] = await Promise.all([made.cache.get(mapping), made.cache.get(reordered)]);
  const userns = unwrap(u1, 'UsernsCache.get');
  made.handles.push(userns, unwrap(u2, 'UsernsCache.get'));
  line(`get(mapping), get(same ranges in another order) -> ${userns} and ${made.handles.at(-1)}`);
  line(`dummies made: ${made.cache.stats.dummies} (stopped under PTRACE_TRACEME, killed and reaped before get resolved)`);
  const src = `${DIR}/src`;
  const dst = `${DIR}/idmapped`;
  for (const d of [src, dst]) {
    mkdirSync(d);
    made.files.push(d);
  }
  writeFileSync(`${src}/owned-by-root`, 'hello\n');
  unwrap(await idmapMount(src, dst, userns, { readOnly: true }), 'idmapMount');
  made.mounts.push(dst);
  const owner = (path) => `${statSync(path).uid}:${statSync(path).gid}`;
  line(`${src}/owned-by-root       owner ${owner(`${src}/owned-by-root`)}`);
  line(`${dst}/owned-by-root  owner ${owner(`${dst}/owned-by-root`)}  (through the id-mapped, read-only mount)`);
  unwrap(unmount(dst), 'unmount');
  made.mounts.pop();

  // ------------------------------------------------------------------
  step('A named network namespace, the way iproute2 makes them: ip netns sees ours');
  const name = `linuxns-demo-${process.pid}`;
  const named = unwrap(await addNetns(name), 'addNetns');
  made.netns.push(name);
  made.handles.push(named);
  const ipSees = execFileSync('ip', ['netns', 'exec', name, 'readlink', '/proc/self/ns/net'], { encoding: 'utf8' }).trim();
  line(`addNetns('${name}') -> ${named}`);
  line(`ip netns list          -> ${execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).trim().split('\n').join(', ')}`);
  line(`ip netns exec ... readlink /proc/self/ns/net -> ${ipSees}`);

  // ------------------------------------------------------------------
  step("A mount made inside another process's mount namespace (mountIn), and the tree");
  const box = unwrap(await spawn('sleep', ['30'], { create: ['user', 'mnt', 'pid', 'net', 'uts'], mapRootUser: true, stdio: 'ignore' }), 'spawn');
  made.children.push(box);
  const share = `${DIR}/share`;
  mkdirSync(share);
  made.files.push(share);
  writeFileSync(`${share}/hello`, 'hello from the host\n');
  unwrap(await mountIn(box.pid, share, '/mnt', { sourceInCaller: true, readOnly: true }), 'mountIn');
  const inBox = execFileSync('nsenter', ['-t', String(box.pid), '-m', 'cat', '/mnt/hello'], { encoding: 'utf8' }).trim();
  line(`mountIn(${box.pid}, '${share}', '/mnt', { sourceInCaller, readOnly }): the box reads /mnt/hello -> "${inBox}"`);
  line(`our own /mnt is untouched: ${statSync('/mnt').ino === statSync('/').ino ? 'it is /' : 'still the same directory'}`);
  line('linuxns tree (user namespaces and what each owns; pid nesting):');
  for (const l of execFileSync(process.execPath, [CLI, 'tree'], { encoding: 'utf8' }).trimEnd().split('\n')) line(`  ${l.length > 110 ? `${l.slice(0, 107)}...` : l}`);
  unwrap(await umountIn(box.pid, '/mnt'), 'umountIn');

  // ------------------------------------------------------------------
  step('Errors are data: a bad target resolves to an error, it does not throw');
  const bad = await made.pool.run({ net: '/etc/passwd' }, TASKS, 'whereAmI');
  if (bad.isOk()) throw new Error('pool.run with /etc/passwd as net unexpectedly succeeded');
  line(`pool.run({ net: '/etc/passwd' }, ...) -> kind '${bad.error.kind}'`);
  line(`message: ${bad.error.message}`);
}

/** The synchronous part of the cleanup (pins, directory): also safe from a signal handler or the watchdog. */
function cleanupSync() {
  for (const nl of made.sockets.splice(0)) nl.close();
  for (const srv of made.servers.splice(0)) srv.close();
  for (const c of made.children.splice(0)) c.kill('SIGKILL');
  for (const n of made.netns.splice(0)) deleteNetns(n);
  for (const m of made.mounts.splice(0)) unmount(m, { detach: true });
  made.cache?.release();
  for (const f of made.files.splice(0).reverse()) rmSync(f, { recursive: true, force: true });
  for (const h of made.handles) h.close();
  for (const pinPath of made.pins.splice(0)) unpin(pinPath);
  if (made.dir) {
    made.dir = false;
    try {
      rmdirSync(DIR);
    } catch {
      /* reported by the caller's own attempt, or nothing left to do */
    }
  }
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    cleanupSync();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}
// The demo takes well under a second; if anything hangs, remove what was made and say so.
const watchdog = setTimeout(() => {
  console.error('\ndemo: stuck for 30 s, giving up');
  cleanupSync();
  process.exit(1);
}, 30_000);
watchdog.unref();

/** Undo everything in `made`, each step on its own; returns false if any step failed. */
async function cleanup() {
  step('Cleanup');
  const done = [];
  let clean = true;
  const attempt = async (what, fn) => {
    try {
      await fn();
      done.push(what);
    } catch (e) {
      clean = false;
      console.error(`   cleanup: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  if (made.server) {
    const server = made.server;
    await attempt('server closed', () => new Promise((resolve, reject) => {
      server.close((e) => (e ? reject(e) : resolve()));
      server.closeAllConnections?.();
    }));
  }
  for (const srv of made.servers.splice(0)) {
    await attempt('veth server closed', () => new Promise((resolve, reject) => {
      srv.close((e) => (e ? reject(e) : resolve()));
      srv.closeAllConnections?.();
    }));
  }
  for (const nl of made.sockets.splice(0)) await attempt('netlink socket closed', () => nl.close());
  if (made.pool) await attempt('pool closed', () => made.pool.close());
  for (const c of made.children.splice(0)) {
    await attempt(`process ${c.pid} ended`, async () => {
      c.kill('SIGKILL');
      await c.exited;
    });
  }
  for (const n of made.netns.splice(0)) await attempt(`deleted netns ${n}`, () => unwrap(deleteNetns(n), `deleteNetns(${n})`));
  for (const m of made.mounts.splice(0)) await attempt(`unmounted ${basename(m)}`, () => unwrap(unmount(m, { detach: true }), `unmount(${m})`));
  if (made.cache) await attempt('user namespace cache released', () => made.cache.release());
  for (const f of made.files.splice(0).reverse()) await attempt(`removed ${basename(f)}`, () => rmSync(f, { recursive: true }));
  for (const h of made.handles) h.close();
  for (const pinPath of made.pins.splice(0)) await attempt(`unpinned ${basename(pinPath)}`, () => unwrap(unpin(pinPath), `unpin(${pinPath})`));
  if (made.dir) {
    made.dir = false;
    await attempt(`removed ${DIR}`, () => rmdirSync(DIR));
  }
  line(done.length ? done.join(', ') : 'nothing to clean');
  return clean;
}

let ok = true;
try {
  await main();
} catch (e) {
  ok = false;
  console.error(`\ndemo failed: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  if (!(await cleanup())) ok = false;
  clearTimeout(watchdog);
}
process.exitCode = ok ? 0 : 1;
