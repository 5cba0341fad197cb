// readSysctl/writeSysctl against the real kernel: each value is checked with sysctl(8) run
// inside the namespace by nsenter, and the caller's own value is shown to stay.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createNamespace, readSysctl, sysctlNamespaceType, writeSysctl } from '../dist/index.js';
import { errorOf, unwrap } from './fixtures/ns-helpers.js';

const notRoot = process.getuid() !== 0 && 'sysctl tests create namespaces and need root (CAP_SYS_ADMIN)';
/** `sysctl -n KEY` run inside the namespace held by handle `h` (its fd through /proc). */
const inside = (h, key) => execFileSync('nsenter', [`--${h.type === 'net' ? 'net' : h.type}=/proc/${process.pid}/fd/${h.fd}`, 'sysctl', '-n', key], { encoding: 'utf8' }).trim();

describe('sysctls of a namespace', { skip: notRoot }, () => {
  const held = [];
  let net;
  let uts;
  let ipc;
  before(async () => {
    net = unwrap(await createNamespace('net'));
    uts = unwrap(await createNamespace('uts'));
    ipc = unwrap(await createNamespace('ipc'));
    held.push(net, uts, ipc);
  });
  after(() => held.forEach((h) => h.close()));

  test('net.ipv4.ip_forward is written in the network namespace given, and ours keeps its value', () => {
    // A new namespace may start with ours (net.core.devconf_inherit_init_net): set it to the other value.
    const ours = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
    const other = ours === '1' ? '0' : '1';
    assert.equal(unwrap(readSysctl(net, 'net.ipv4.ip_forward')), inside(net, 'net.ipv4.ip_forward'));
    unwrap(writeSysctl(net, 'net.ipv4.ip_forward', other));
    assert.equal(inside(net, 'net.ipv4.ip_forward'), other);
    assert.equal(unwrap(readSysctl(net, 'net.ipv4.ip_forward')), other);
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), ours);
  });

  test("the slash spelling reaches a key whose name holds a dot (an interface eth0.1's)", () => {
    // lo's conf exists in every network namespace; the slash form is what sysctl(8) takes for dotted names.
    unwrap(writeSysctl(net, 'net/ipv4/conf/lo/forwarding', '1'));
    assert.equal(inside(net, 'net.ipv4.conf.lo.forwarding'), '1');
    assert.equal(unwrap(readSysctl(net, 'net.ipv4.conf.lo.forwarding')), '1');
  });

  test('kernel.hostname belongs to uts and kernel.shmmax to ipc; each is written in that namespace only', () => {
    const ourName = readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
    unwrap(writeSysctl(uts, 'kernel.hostname', 'linuxns-sysctl'));
    assert.equal(inside(uts, 'kernel.hostname'), 'linuxns-sysctl');
    assert.equal(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim(), ourName);
    const ourShm = readFileSync('/proc/sys/kernel/shmmax', 'utf8').trim();
    unwrap(writeSysctl(ipc, 'kernel.shmmax', 123456789));
    assert.equal(inside(ipc, 'kernel.shmmax'), '123456789');
    assert.equal(readFileSync('/proc/sys/kernel/shmmax', 'utf8').trim(), ourShm);
    unwrap(writeSysctl(ipc, 'fs.mqueue.msg_max', 20));
    assert.equal(unwrap(readSysctl(ipc, 'fs.mqueue.msg_max')), '20');
  });

  test('a namespace given by pid or by path works like a handle', () => {
    assert.equal(unwrap(readSysctl(process.pid, 'net.ipv4.ip_forward')), readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim());
    assert.equal(unwrap(readSysctl(`/proc/${process.pid}/fd/${net.fd}`, 'net.ipv4.ip_forward')), inside(net, 'net.ipv4.ip_forward'));
  });

  test('a key of another type than the namespace given is wrong-namespace-type, and says which the key needs', () => {
    const e = errorOf(readSysctl(uts, 'net.ipv4.ip_forward'), 'wrong-namespace-type');
    assert.match(e.message, /net\.ipv4\.ip_forward is a net sysctl/);
    errorOf(writeSysctl(net, 'kernel.hostname', 'x'), 'wrong-namespace-type');
  });

  test('a global net key (gc_thresh1 exists only in the initial network namespace) is invalid-sysctl not-namespaced, saying where to set it', () => {
    const e = errorOf(writeSysctl(net, 'net.ipv4.neigh.default.gc_thresh1', 1024), 'invalid-sysctl');
    assert.equal(e.reason, 'not-namespaced');
    assert.match(e.message, /initial network namespace/);
    const g = errorOf(readSysctl(net, 'vm.swappiness'), 'invalid-sysctl');
    assert.equal(g.reason, 'not-namespaced');
  });

  test('an unknown key is not-found; a malformed key invalid-sysctl bad-key; misuse throws', () => {
    const e = errorOf(readSysctl(net, 'net.ipv4.no_such_key_linuxns'), 'not-found');
    assert.equal(e.path, '/proc/sys/net/ipv4/no_such_key_linuxns');
    assert.equal(errorOf(readSysctl(net, 'net..x'), 'invalid-sysctl').reason, 'bad-key');
    assert.equal(errorOf(readSysctl(net, 'net/../../etc/passwd'), 'invalid-sysctl').reason, 'bad-key');
    assert.throws(() => readSysctl(net, 5), TypeError);
    assert.throws(() => writeSysctl(net, 'net.ipv4.ip_forward', {}), TypeError);
  });
});

test('sysctlNamespaceType names the namespace type of a key, or none for a global one', () => {
  assert.equal(sysctlNamespaceType('net.ipv4.ip_forward'), 'net');
  assert.equal(sysctlNamespaceType('net/ipv4/conf/eth0.1/forwarding'), 'net');
  assert.equal(sysctlNamespaceType('kernel.domainname'), 'uts');
  assert.equal(sysctlNamespaceType('kernel.sem'), 'ipc');
  assert.equal(sysctlNamespaceType('fs.mqueue.queues_max'), 'ipc');
  assert.equal(sysctlNamespaceType('kernel.pid_max'), undefined);
  assert.equal(sysctlNamespaceType('vm.swappiness'), undefined);
});
