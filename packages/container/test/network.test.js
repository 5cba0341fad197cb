// The network of a container (through @linuxns/netlink) and its id-mapped
// rootfs (through @linuxns/userns-cache): what the kernel shows inside and
// on the host, before and after destroy. Real kernel, busybox rootfs.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipReason } from './fixtures/rootfs.js';
import { containerSuite } from './fixtures/suite.js';
import { exists, mountinfo, output, PIPE, unwrap } from './fixtures/helpers.js';

const skip = skipReason();
const BASIC = [{ type: 'mnt' }, { type: 'pid' }, { type: 'uts' }, { type: 'ipc' }, { type: 'net' }];
const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];
// Names and subnets of this run: two test files never clash.
const tag = String(process.pid % 100000);
const A = 20 + (process.pid % 200);
const B = (process.pid >> 8) % 200;
const net = (k) => `10.${A}.${(B + k) % 250}`;

const ipj = (args, pid) => JSON.parse(execFileSync(pid ? 'nsenter' : 'ip', pid ? ['-t', String(pid), '-n', 'ip', '-j', ...args] : ['-j', ...args], { encoding: 'utf8' }) || '[]');
const hostLinks = () => ipj(['link']).map((l) => l.ifname);
/** The global addresses of each link, as `ip -j addr` shows them: { eth0: ['10.0.0.2/24'] }. */
function addressesOf(pid) {
  const out = {};
  for (const l of ipj(['addr'], pid)) {
    out[l.ifname] = l.addr_info.filter((a) => a.scope === 'global' || a.scope === 'host').map((a) => `${a.local}/${a.prefixlen}`).sort();
  }
  return out;
}

/** Connects to host:port until it answers (the program inside may not listen yet); what it sends. */
async function readFrom(host, port, tries = 100) {
  for (let i = 0; ; i++) {
    try {
      return await new Promise((resolve, reject) => {
        let data = '';
        const s = connect({ host, port });
        s.setEncoding('utf8').on('data', (d) => (data += d)).on('end', () => resolve(data)).on('error', reject);
      });
    } catch (e) {
      if (i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('container network and id-mapped rootfs', { skip }, () => {
  const suite = containerSuite('n');
  const { id } = suite;
  let fs;
  let factory;
  before(() => ({ fs, factory } = suite));
  /** A container in a new user namespace on a writable overlay of the rootfs. */
  const inUserns = () => ({ rootfs: { path: fs.root, overlay: true }, namespaces: [...BASIC, { type: 'user' }], uidMappings: MAP, gidMappings: MAP });

  test('a veth: configured before the init runs, reachable from the host end, ip -j addr inside equals the config; destroy leaves no link or route', async () => {
    const peer = `lnc${tag}a`;
    const network = {
      interfaces: [{ name: 'eth0', peer, addresses: [`${net(0)}.2/24`, `fd${tag.slice(-2).padStart(2, '0')}::2/64`], peerAddresses: [`${net(0)}.1/24`] }],
      routes: [{ dst: 'default', gateway: `${net(0)}.1` }],
      hostRoutes: [{ dst: `${net(1)}.0/24`, gateway: `${net(0)}.2` }],
    };
    const c = unwrap(factory.create(id(), { rootfs: { path: fs.root }, namespaces: BASIC, network }));
    // The init's first command shows the address: it was there before exec.
    const init = unwrap(await c.start({ args: ['sh', '-c', 'ip -o -4 addr show dev eth0; echo hello-from-the-container | nc -l -p 8080'] }, PIPE));
    let first = '';
    init.stdout.setEncoding('utf8').on('data', (d) => (first += d));
    try {
      const pid = unwrap(c.state()).pid;
      assert.equal(await readFrom(`${net(0)}.2`, 8080), 'hello-from-the-container\n');
      assert.match(first, new RegExp(`eth0\\s+inet ${net(0)}\\.2/24`));
      const inside = addressesOf(pid);
      assert.deepEqual(inside.eth0, [...network.interfaces[0].addresses].sort());
      assert.deepEqual(inside.lo, ['127.0.0.1/8', '::1/128']);
      assert.deepEqual(Object.keys(inside).sort(), ['eth0', 'lo']);
      const link = ipj(['link', 'show', 'eth0'], pid)[0];
      assert.ok(link.flags.includes('UP'), JSON.stringify(link));
      assert.ok(ipj(['route'], pid).some((r) => r.dst === 'default' && r.gateway === `${net(0)}.1` && r.dev === 'eth0'));
      // The host end, in our namespace, with its address; the host route.
      assert.ok(hostLinks().includes(peer));
      assert.deepEqual(addressesOf()[peer], [`${net(0)}.1/24`]);
      assert.ok(ipj(['route']).some((r) => r.dst === `${net(1)}.0/24` && r.gateway === `${net(0)}.2`));
    } finally {
      unwrap(await c.destroy());
    }
    assert.ok(!hostLinks().includes(peer), 'the host end is gone');
    assert.ok(!ipj(['route']).some((r) => r.dst.startsWith(`${net(0)}.`) || r.dst.startsWith(`${net(1)}.`)), 'no route of the container is left');
  });

  test('an existing host link moved in by name (renamed inside), moved back by destroy; a bridge made inside', async () => {
    const dummy = `lnc${tag}d`;
    execFileSync('ip', ['link', 'add', dummy, 'type', 'ifb']); // this kernel has no dummy module
    try {
      const c = unwrap(
        factory.create(id(), {
          rootfs: { path: fs.root },
          namespaces: BASIC,
          network: { interfaces: [{ name: 'eth1', hostLink: dummy, addresses: [`${net(2)}.2/24`] }, { name: 'br9', add: 'bridge' }], routes: [{ dst: `${net(3)}.0/24`, dev: 'eth1' }] },
        }),
      );
      unwrap(await c.start({ args: ['sleep', '60'] }, { stdio: 'ignore' }));
      const pid = unwrap(c.state()).pid;
      assert.ok(!hostLinks().includes(dummy));
      assert.deepEqual(addressesOf(pid).eth1, [`${net(2)}.2/24`]);
      assert.ok('br9' in addressesOf(pid));
      assert.ok(ipj(['route'], pid).some((r) => r.dst === `${net(3)}.0/24` && r.dev === 'eth1'));
      unwrap(await c.destroy());
      assert.ok(hostLinks().includes(dummy), 'moved back under its own name');
    } finally {
      execFileSync('ip', ['link', 'del', dummy]);
    }
  });

  test('with a new user namespace: the network is set up in the init\'s own namespace before its program runs, and undone by destroy', async () => {
    const peer = `lnc${tag}u`;
    const c = unwrap(
      factory.create(id(), {
        ...inUserns(),
        network: { interfaces: [{ name: 'eth0', peer, addresses: [`${net(4)}.2/24`], peerAddresses: [`${net(4)}.1/24`] }] },
      }),
    );
    // The program's first command looks at eth0: configured while the init waited before its exec.
    // (In /dev/shm: the rootfs's own directories belong to the host's root, unmapped in the container.)
    const first = `ip -o -4 addr show dev eth0 | grep -o 'inet [0-9./]*' > /dev/shm/first`;
    unwrap(await c.start({ args: ['sh', '-c', `${first}; echo from-userns | nc -l -p 8081`] }, { stdio: 'ignore' }));
    try {
      const pid = unwrap(c.state()).pid;
      assert.deepEqual(addressesOf(pid).eth0, [`${net(4)}.2/24`]);
      let seen = '';
      for (let i = 0; i < 200 && seen === ''; i++, await new Promise((r) => setTimeout(r, 10))) {
        try {
          seen = readFileSync(`/proc/${pid}/root/dev/shm/first`, 'utf8');
        } catch {
          /* not written yet */
        }
      }
      assert.equal(seen, `inet ${net(4)}.2/24\n`, 'the program saw its address from its first instant');
      assert.equal(await readFrom(`${net(4)}.2`, 8081), 'from-userns\n');
    } finally {
      unwrap(await c.destroy());
    }
    assert.ok(!hostLinks().includes(peer));
  });

  test('a network that cannot be set up: start fails, nothing is left outside, the container is created again', async () => {
    const taken = `lnc${tag}t`;
    const peer = `lnc${tag}b`;
    execFileSync('ip', ['link', 'add', taken, 'type', 'ifb']);
    try {
      const c = unwrap(
        factory.create(id(), {
          rootfs: { path: fs.root },
          namespaces: BASIC,
          network: { interfaces: [{ name: 'eth0', peer, addresses: [`${net(5)}.2/24`] }, { name: 'eth1', peer: taken }], hostRoutes: [{ dst: `${net(6)}.0/24`, dev: peer }] },
        }),
      );
      const r = await c.start({ args: ['true'] });
      assert.equal(r.isErr() && r.error.kind, 'container-system-error');
      assert.equal(r.error.cause.kind, 'netlink-error');
      assert.equal(r.error.cause.code, 'EEXIST');
      assert.match(r.error.message, /interface eth1/);
      assert.equal(unwrap(c.state()).status, 'created');
      assert.ok(!hostLinks().includes(peer), 'the first veth is gone');
      assert.ok(hostLinks().includes(taken), 'the link that was there stays');
      assert.ok(!exists(join(c.dir, 'network.json')));
      unwrap(await c.destroy());
      assert.ok(hostLinks().includes(taken));
    } finally {
      execFileSync('ip', ['link', 'del', taken]);
    }
  });

  test('with a new user namespace, a network that cannot be set up: start fails before the program runs, nothing is left outside, the container is created again', async () => {
    const taken = `lnc${tag}v`;
    const peer = `lnc${tag}w`;
    execFileSync('ip', ['link', 'add', taken, 'type', 'ifb']);
    const witness = mkdtempSync(join(tmpdir(), 'linuxns-witness-'));
    chmodSync(witness, 0o777); // writable by the container's root, an unmapped id here
    try {
      const c = unwrap(
        factory.create(id(), {
          ...inUserns(),
          mounts: [{ source: witness, destination: '/witness', options: ['bind'] }],
          network: { interfaces: [{ name: 'eth0', peer, addresses: [`${net(7)}.2/24`] }, { name: 'eth1', peer: taken }] },
        }),
      );
      const r = await c.start({ args: ['sh', '-c', 'echo ran > /witness/ran'] });
      assert.equal(r.isErr() && r.error.kind, 'container-system-error');
      assert.equal(r.error.cause.kind, 'netlink-error');
      assert.equal(r.error.cause.code, 'EEXIST');
      assert.equal(unwrap(c.state()).status, 'created');
      assert.deepEqual(readdirSync(witness), [], 'the program never ran');
      assert.ok(!hostLinks().includes(peer), 'the first veth is gone');
      assert.ok(hostLinks().includes(taken), 'the link that was there stays');
      unwrap(await c.destroy());
    } finally {
      execFileSync('ip', ['link', 'del', taken]);
      rmSync(witness, { recursive: true, force: true });
    }
  });

  test('with a new user namespace, an init whose exec fails after its network was set up: a host link moved in comes back under its name, nothing else is left', async () => {
    const link = `lnc${tag}x`;
    const peer = `lnc${tag}y`;
    execFileSync('ip', ['link', 'add', link, 'type', 'ifb']);
    try {
      const c = unwrap(
        factory.create(id(), {
          ...inUserns(),
          network: { interfaces: [{ name: 'eth1', hostLink: link, addresses: [`${net(8)}.2/24`] }, { name: 'eth0', peer, addresses: [`${net(9)}.2/24`] }] },
        }),
      );
      const r = await c.start({ args: ['/no/such/program'] });
      assert.equal(r.isErr() && r.error.kind, 'container-system-error');
      assert.equal(r.error.cause.kind, 'spawn-setup-failed');
      assert.equal(r.error.cause.step, 'exec');
      assert.equal(unwrap(c.state()).status, 'created');
      assert.ok(hostLinks().includes(link), 'the moved link is back on the host under its own name');
      assert.ok(!hostLinks().includes(peer), 'the veth is gone');
      unwrap(await c.destroy());
    } finally {
      execFileSync('ip', ['link', 'del', link]);
    }
  });

  test('an id-mapped rootfs: a tree owned by 0:0 shows as owned by the container\'s root, which writes in it; destroy unmounts it', async () => {
    assert.equal(statSync(join(fs.root, 'bin', 'busybox')).uid, 0);
    const c = unwrap(
      factory.create(id(), {
        rootfs: { path: fs.root, idmap: true },
        namespaces: [...BASIC, { type: 'user' }],
        uidMappings: MAP,
        gidMappings: MAP,
      }),
    );
    const name = `made-${process.pid}`;
    const r = await output(c.start({ args: ['sh', '-c', `cat /proc/self/uid_map; stat -c %u:%g /bin/busybox; ls -ln /bin/busybox; touch /tmp/${name} && stat -c %u:%g /tmp/${name}; id -u`] }, PIPE));
    assert.equal(r.code, 0, r.out);
    const [map, owner, ls, made, me] = r.out.split('\n');
    assert.equal(map.trim().split(/\s+/).join(' '), '0 100000 65536');
    assert.equal(owner, '0:0');
    assert.match(ls, /^\S+\s+\d+\s+0\s+0\s/);
    assert.equal(made, '0:0');
    assert.equal(me, '0');
    // On the host: through the id-mapped mount the file belongs to the container's root (100000);
    // on disk it was written as the id it had inside (0), as the rootfs's own files are.
    const target = mountinfo().split('\n').find((l) => l.includes('/run/linuxns-container/') && l.includes(c.id))?.split(' ')[4];
    assert.ok(target, 'the id-mapped mount is in our mount namespace while the container exists');
    assert.equal(statSync(join(target, 'tmp', name)).uid, 100000);
    assert.equal(statSync(join(target, 'bin', 'busybox')).uid, 100000);
    assert.equal(statSync(join(fs.root, 'tmp', name)).uid, 0);
    unwrap(await c.destroy());
    assert.ok(!mountinfo().includes(target), 'unmounted');
    assert.ok(!exists(target), 'its directory removed');
    rmSync(join(fs.root, 'tmp', name));
  });

  test('without idmap, the same rootfs shows as unmapped (nobody) and cannot be written', async () => {
    const r = await output(
      factory.create(id(), { rootfs: { path: fs.root }, namespaces: [...BASIC, { type: 'user' }], uidMappings: MAP, gidMappings: MAP }).asyncAndThen((c) =>
        c.start({ args: ['sh', '-c', 'stat -c %u /bin/busybox; touch /tmp/x 2>/dev/null && echo wrote || echo refused'] }, PIPE),
      ),
    );
    assert.deepEqual(r.out.split('\n'), ['65534', 'refused']);
  });
});
