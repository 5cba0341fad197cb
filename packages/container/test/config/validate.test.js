// validateConfig without root and without the kernel (the rootfs is not looked
// at): good configs come back with their defaults, every bad one is
// container-config-invalid naming the config field at fault, the rules it
// shares with spawn give core's reason under that field, and what it takes
// the helper's spawn takes too (start never refuses what create took).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { validateSpawnOptions } from '@linuxns/core';
import { validateConfig } from '../../dist/index.js';
import { initOptions } from '../../dist/config/spawn-options.js';

const ROOTFS = { path: '/srv/rootfs' };
const NS = [{ type: 'mnt' }, { type: 'pid' }, { type: 'uts' }];
const NET = [...NS, { type: 'net' }];
const USER = [...NS, { type: 'user' }];
const MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];
const PROC = { args: ['true'] };

const check = (config) => validateConfig({ rootfs: ROOTFS, namespaces: NS, ...config }, false);

const GOOD = [
  ['the least: a rootfs and a new mnt namespace', { namespaces: [{ type: 'mnt' }] }],
  ['joined namespaces beside new ones', { namespaces: [...NS, { type: 'net', path: '/proc/1/ns/net' }, { type: 'ipc', path: '/run/ipc' }] }],
  ['a user namespace with its maps and an id-mapped overlay rootfs', { rootfs: { path: '/srv/rootfs', idmap: true, overlay: { size: 1 << 20 } }, namespaces: USER, uidMappings: MAP, gidMappings: MAP }],
  ['hostname and domainname of 64 bytes', { hostname: 'h'.repeat(64), domainname: 'd'.repeat(64) }],
  ['mounts: a tmpfs, a bind by type, an rbind by option', { mounts: [{ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] }, { destination: '/data', type: 'bind', source: '/srv/data' }, { destination: '/etc/x', source: '/etc/hostname', options: ['rbind', 'ro'] }] }],
  ['64 masked and 64 read-only paths', { maskedPaths: Array.from({ length: 64 }, (_, i) => `/m${i}`), readonlyPaths: Array.from({ length: 64 }, (_, i) => `/r${i}`) }],
  ['pins of new namespaces', { namespaces: NET, pins: { net: '/run/netns/x', uts: '/run/uts-x' } }],
  ['cgroup limits and a path', { cgroup: { path: 'a/b', memory: { limit: 1 << 26 }, pids: { limit: 64 }, cpu: { quota: 50000, period: 100000, shares: 1024 } } }],
  ['no cgroup', { cgroup: false }],
  ['a network', { namespaces: NET, network: { interfaces: [{ name: 'eth0', peer: 'veth-x', addresses: ['10.0.0.2/24', 'fd00::2/64'] }, { name: 'dummy0', add: 'dummy' }], routes: [{ dst: 'default', gateway: '10.0.0.1' }], hostRoutes: [{ dst: '10.1.0.0/24', dev: 'veth-x' }] } }],
  ['a process with everything', {
    process: {
      args: ['sh', '-c', 'true'], env: ['A=1', 'PATH=/bin'], cwd: '/tmp', user: { uid: 1000, gid: 1000, additionalGids: [1, 2, 3] },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 64, hard: 128 }, { type: 'RLIMIT_CORE', soft: 'unlimited', hard: 'unlimited' }, { type: 'nproc', soft: 10, hard: Infinity }],
      capabilities: { bounding: ['CAP_KILL', 'net_bind_service'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], inheritable: [], ambient: [] }, noNewPrivileges: true,
    },
  }],
  ['CAP_MKNOD kept with a new user namespace', { namespaces: USER, uidMappings: MAP, gidMappings: MAP, process: { args: ['true'], capabilities: ['CAP_MKNOD'] } }],
  ['memory with reservation, memory+swap and swappiness; cpus and mems', { cgroup: { memory: { limit: 1 << 26, reservation: 1 << 25, swap: -1, swappiness: 0 }, cpu: { cpus: '0', mems: '0' } } }],
  // The v1 devices controller enforces device rules: CAP_MKNOD may be kept with them (cgroup v2 refuses the rules).
  ...(existsSync('/sys/fs/cgroup/devices/devices.allow') ? [['CAP_MKNOD kept with device rules', { cgroup: { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3 }] }, process: { args: ['true'], capabilities: ['CAP_MKNOD'] } }]] : []),
];

describe('validateConfig takes good configs and fills in the defaults', () => {
  for (const [what, config] of GOOD) {
    test(what, () => {
      const r = check(config);
      assert.ok(r.isOk(), r.isErr() ? `${r.error.field}: ${r.error.message}` : '');
    });
  }

  test('defaults: /proc with a new pid namespace, /dev and /sys, runc\'s masked and read-only paths, a cgroup without limits', () => {
    const c = check({}).unwrapOr(undefined);
    assert.equal(c.mountProc, true);
    assert.equal(c.mountDev, true);
    assert.equal(c.mountSys, true);
    assert.ok(c.maskedPaths.includes('/proc/kcore'));
    assert.ok(c.readonlyPaths.includes('/proc/sys'));
    assert.deepEqual(c.cgroup, {});
    assert.equal(check({ namespaces: [{ type: 'mnt' }] }).unwrapOr(undefined).mountProc, false);
  });

  test('unlimited rlimits are kept as "unlimited" (JSON has no Infinity), a cgroup path without its extra slashes', () => {
    const c = check({ process: { args: ['true'], rlimits: [{ type: 'RLIMIT_NPROC', soft: Infinity, hard: Infinity }] }, cgroup: { path: '//a///b/' } }).unwrapOr(undefined);
    assert.deepEqual(c.process.rlimits, [{ type: 'RLIMIT_NPROC', soft: 'unlimited', hard: 'unlimited' }]);
    assert.equal(c.cgroup.path, 'a/b');
  });

  test('what it takes the helper\'s spawn takes: the init\'s spawn options of each good config pass core\'s validateSpawnOptions', () => {
    for (const [what, config] of GOOD) {
      const c = check(config).unwrapOr(undefined);
      const options = initOptions(c, c.process ?? PROC, { pidFile: '/run/x/init.pid', cgroupDirs: ['/sys/fs/cgroup/x'] }, {});
      const v = validateSpawnOptions(options);
      assert.ok(v.isOk(), `${what}: ${v.isErr() ? v.error.message : ''}`);
    }
  });
});

const many = (n, f) => Array.from({ length: n }, (_, i) => f(i));

// [what, config, field, core: the reason is core's (spawn's rules), so the message is led by the field]
const BAD = [
  ['a config that is not an object', null, ''],
  ['namespaces that are not an array', { namespaces: 'mnt' }, 'namespaces'],
  ['no new mnt namespace', { namespaces: [{ type: 'pid' }] }, 'namespaces'],
  ['an unknown namespace type', { namespaces: [...NS, { type: 'network' }] }, 'namespaces[3]'],
  ['a namespace given twice', { namespaces: [...NS, { type: 'pid', path: '/proc/1/ns/pid' }] }, 'namespaces[3]'],
  ['a relative namespace path', { namespaces: [...NS, { type: 'net', path: 'proc/1/ns/net' }] }, 'namespaces[3].path'],
  ['uid maps without a new user namespace', { uidMappings: MAP }, 'uidMappings', true],
  ['a user namespace without maps', { namespaces: USER }, 'uidMappings'],
  ['a user namespace with uid maps only', { namespaces: USER, uidMappings: MAP }, 'uidMappings'],
  ['a map that is not an array', { namespaces: USER, uidMappings: MAP[0], gidMappings: MAP }, 'uidMappings'],
  ['an empty map', { namespaces: USER, uidMappings: [], gidMappings: MAP }, 'uidMappings', true],
  ['overlapping gid ranges', { namespaces: USER, uidMappings: MAP, gidMappings: [{ containerID: 0, hostID: 1, size: 10 }, { containerID: 5, hostID: 100, size: 10 }] }, 'gidMappings', true],
  ['a range reaching (uid_t)-1', { namespaces: USER, uidMappings: [{ containerID: 0, hostID: 4294967290, size: 10 }], gidMappings: MAP }, 'uidMappings', true],
  ['a hostname without a new uts namespace', { namespaces: [{ type: 'mnt' }], hostname: 'x' }, 'hostname', true],
  ['a domainname with a joined uts namespace', { namespaces: [{ type: 'mnt' }, { type: 'uts', path: '/proc/1/ns/uts' }], domainname: 'x' }, 'domainname', true],
  ['a hostname of 65 bytes', { hostname: 'é'.repeat(32) + 'x' }, 'hostname'],
  ['a hostname with NUL', { hostname: 'a\0b' }, 'hostname'],
  ['network settings without a new net namespace', { network: {} }, 'network'],
  ['an interface without a name', { namespaces: NET, network: { interfaces: [{ peer: 'v1' }] } }, 'network.interfaces[0].name'],
  ['a route out of an unknown interface', { namespaces: NET, network: { routes: [{ dst: '10.0.0.0/8', dev: 'eth7' }] } }, 'network.routes[0].dev'],
  ['a host route with a gateway of the other family', { namespaces: NET, network: { hostRoutes: [{ dst: 'fd00::/64', gateway: '10.0.0.1' }] } }, 'network.hostRoutes[0].gateway'],
  ['a rootfs that is not an object', { rootfs: '/srv/rootfs' }, 'rootfs.path'],
  ['a relative rootfs', { rootfs: { path: 'srv/rootfs' } }, 'rootfs.path', true],
  ['an overlay of 0 bytes', { rootfs: { path: '/srv/rootfs', overlay: { size: 0 } } }, 'rootfs.overlay'],
  ['an idmap that is not a boolean', { rootfs: { path: '/srv/rootfs', idmap: 'yes' } }, 'rootfs.idmap'],
  ['an id-mapped rootfs without a new user namespace', { rootfs: { path: '/srv/rootfs', idmap: true } }, 'rootfs.idmap'],
  ['/proc without a new pid namespace', { namespaces: [{ type: 'mnt' }], mountProc: true }, 'mountProc', true],
  ['a relative masked path', { maskedPaths: ['/proc/kcore', 'proc/keys'] }, 'maskedPaths', true],
  ['65 read-only paths', { readonlyPaths: many(65, (i) => `/r${i}`) }, 'readonlyPaths', true],
  ['mounts that are not an array', { mounts: { destination: '/tmp' } }, 'mounts'],
  ['a mount that is not an object', { mounts: ['/tmp'] }, 'mounts[0]'],
  ['a relative mount destination', { mounts: [{ destination: '/ok', type: 'tmpfs' }, { destination: 'tmp', type: 'tmpfs' }] }, 'mounts[1].destination', true],
  ['a mount destination with ..', { mounts: [{ destination: '/a/../b', type: 'tmpfs' }] }, 'mounts[0].destination', true],
  ['mount options that are not strings', { mounts: [{ destination: '/tmp', type: 'tmpfs', options: [1] }] }, 'mounts[0].options'],
  ['a remount', { mounts: [{ destination: '/tmp', type: 'tmpfs', options: ['remount'] }] }, 'mounts[0].options', true],
  ['a mount type with NUL', { mounts: [{ destination: '/tmp', type: 'tmp\0fs' }] }, 'mounts[0].type'],
  ['a mount without a type that is no bind', { mounts: [{ destination: '/tmp', source: '/srv' }] }, 'mounts[0].type', true],
  ['a bind from a relative source', { mounts: [{ destination: '/tmp', source: 'srv', options: ['bind'] }] }, 'mounts[0].source', true],
  ['a bind by type without a source', { mounts: [{ destination: '/tmp', type: 'bind' }] }, 'mounts[0].source', true],
  ['65 mounts', { mounts: many(65, (i) => ({ destination: `/m${i}`, type: 'tmpfs' })) }, 'mounts', true],
  ['pins that are not an object', { pins: ['/run/x'] }, 'pins'],
  ['a pin of an unknown type', { pins: { network: '/run/x' } }, 'pins.network', true],
  ['a pin of a joined namespace', { namespaces: [...NS, { type: 'net', path: '/proc/1/ns/net' }], pins: { net: '/run/x' } }, 'pins.net', true],
  ['a relative pin', { pins: { uts: 'run/x' } }, 'pins.uts', true],
  ['two pins on one path', { pins: { uts: '/run/x', pid: '/run/x' } }, 'pins', true],
  ['a cgroup that is not an object', { cgroup: true }, 'cgroup'],
  ['a cgroup path that is a hierarchy root', { cgroup: { path: '/' } }, 'cgroup.path'],
  ['a cgroup path with ..', { cgroup: { path: 'a/../../b' } }, 'cgroup.path'],
  ['a memory limit of 0', { cgroup: { memory: { limit: 0 } } }, 'cgroup.memory.limit'],
  ['a pids limit that is not a number', { cgroup: { pids: { limit: '64' } } }, 'cgroup.pids.limit'],
  ['cpu shares of 1', { cgroup: { cpu: { shares: 1 } } }, 'cgroup.cpu.shares'],
  ['a memory+swap below the memory limit', { cgroup: { memory: { limit: 1 << 26, swap: 1 << 20 } } }, 'cgroup.memory.swap'],
  ['a swappiness above 100', { cgroup: { memory: { swappiness: 200 } } }, 'cgroup.memory.swappiness'],
  ['a cpuset that is not a list', { cgroup: { cpu: { cpus: '0-' } } }, 'cgroup.cpu.cpus'],
  ['a device rule without allow', { cgroup: { devices: [{ type: 'c', major: 1, minor: 3 }] } }, 'cgroup.devices[0]'],
  ['a block I/O weight of 1', { cgroup: { blockIO: { weight: 1 } } }, 'cgroup.blockIO.weight'],
  ['a process that is not an object', { process: ['true'] }, 'process'],
  ['empty args', { process: { args: [] } }, 'process.args'],
  ['an empty argument', { process: { args: ['sh', ''] } }, 'process.args'],
  ['an env entry without =', { process: { ...PROC, env: ['PATH'] } }, 'process.env'],
  ['a relative cwd', { process: { ...PROC, cwd: 'tmp' } }, 'process.cwd'],
  ['a user that is not an object', { process: { ...PROC, user: 0 } }, 'process.user'],
  ['a negative uid', { process: { ...PROC, user: { uid: -1 } } }, 'process.user.uid', true],
  ['a gid of (gid_t)-1', { process: { ...PROC, user: { gid: 4294967295 } } }, 'process.user.gid', true],
  ['65 additional gids', { process: { ...PROC, user: { additionalGids: many(65, (i) => i) } } }, 'process.user.additionalGids', true],
  ['rlimits that are not an array', { process: { ...PROC, rlimits: {} } }, 'process.rlimits'],
  ['an rlimit without a type', { process: { ...PROC, rlimits: [{ soft: 1, hard: 1 }] } }, 'process.rlimits[0]'],
  ['an unknown rlimit', { process: { ...PROC, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }, { type: 'RLIMIT_FILES', soft: 1, hard: 1 }] } }, 'process.rlimits[1]', true],
  ['a soft rlimit above the hard one', { process: { ...PROC, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }] } }, 'process.rlimits[0]', true],
  ['an unlimited soft rlimit under a hard one', { process: { ...PROC, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 'unlimited', hard: 5 }] } }, 'process.rlimits[0]', true],
  ['a negative rlimit', { process: { ...PROC, rlimits: [{ type: 'RLIMIT_NOFILE', soft: -1, hard: 5 }] } }, 'process.rlimits[0]'],
  ['capabilities that are neither a list nor sets', { process: { ...PROC, capabilities: 'CAP_KILL' } }, 'process.capabilities'],
  ['an unknown capability in the list', { process: { ...PROC, capabilities: ['CAP_KILL', 'CAP_FLY'] } }, 'process.capabilities', true],
  ['an unknown capability set', { process: { ...PROC, capabilities: { sideways: [] } } }, 'process.capabilities.sideways', true],
  ['a capability set that is not a list', { process: { ...PROC, capabilities: { bounding: null } } }, 'process.capabilities.bounding'],
  ['an unknown capability in a set', { process: { ...PROC, capabilities: { ambient: ['cap_fly'] } } }, 'process.capabilities.ambient', true],
  ['CAP_MKNOD without a new user namespace', { process: { ...PROC, capabilities: ['CAP_KILL', 'CAP_MKNOD'] } }, 'process.capabilities'],
  ['mknod in a set without a new user namespace', { process: { ...PROC, capabilities: { bounding: ['mknod'] } } }, 'process.capabilities.bounding'],
  ['noNewPrivileges that is not a boolean', { process: { ...PROC, noNewPrivileges: 1 } }, 'process.noNewPrivileges'],
];

describe('validateConfig refuses bad configs, naming the field at fault', () => {
  for (const [what, config, field, core] of BAD) {
    test(`${what}: ${field || '(the config)'}`, () => {
      const r = config === null ? validateConfig(null, false) : check(config);
      assert.ok(r.isErr(), `taken: ${JSON.stringify(config)}`);
      assert.equal(r.error.kind, 'container-config-invalid', r.error.message);
      assert.equal(r.error.field, field, r.error.message);
      assert.match(r.error.message, /^invalid container config: /);
      // Core's reason comes under the config's own name for the field.
      if (core) assert.ok(r.error.message.startsWith(`invalid container config: ${field}`), r.error.message);
    });
  }

  test('core\'s reason is kept: the bad value and the limit are quoted', () => {
    const soft = check({ process: { ...PROC, rlimits: [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }] } });
    assert.match(soft.isErr() ? soft.error.message : '', /process\.rlimits\[0\]: .*soft 10 is above hard 5/);
    const cap = check({ process: { ...PROC, capabilities: ['CAP_FLY'] } });
    assert.match(cap.isErr() ? cap.error.message : '', /"CAP_FLY"/);
    const map = check({ namespaces: USER, uidMappings: MAP, gidMappings: [{ containerID: 0, hostID: 1, size: 10 }, { containerID: 5, hostID: 100, size: 10 }] });
    assert.match(map.isErr() ? map.error.message : '', /gidMappings\[1\].*overlaps range 0/);
    const mount = check({ mounts: [{ destination: '/ok', type: 'tmpfs' }, { destination: '/x', source: 'rel', options: ['rbind'] }] });
    assert.match(mount.isErr() ? mount.error.message : '', /mounts\[1\] is a bind: its source must be an absolute path, got "rel"/);
  });
});
