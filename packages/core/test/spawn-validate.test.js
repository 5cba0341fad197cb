// validateSpawnOptions(), the front half of spawn, without root: every bad
// option gives the very error spawn gives (spawn refuses it before anything
// is made), good options give their checked form, misuse throws the same
// TypeError, and the capability and rlimit tables are the kernel's numbering.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CAPABILITY_NAMES, CAPABILITY_SETS, RLIMIT_NAMES, spawn, validateSpawnOptions } from '../dist/index.js';
import { collect, unwrap } from './fixtures/ns-helpers.js';

const r = (containerID, hostID, size) => ({ containerID, hostID, size });
const user = ['user'];
const mnt = ['mnt'];
const rootfs = { path: '/srv/rootfs' };

// [what, options, kind, option (for invalid-option)]
const refused = [
  ['overlapping uid ranges inside', { create: user, uidMappings: [r(0, 0, 10), r(5, 100, 10)] }, 'invalid-option', 'uidMappings'],
  ['overlapping gid ranges outside', { create: user, gidMappings: [r(0, 100, 10), r(50, 105, 10)] }, 'invalid-option', 'gidMappings'],
  ['an empty map', { create: user, uidMappings: [] }, 'invalid-option', 'uidMappings'],
  ['341 ranges', { create: user, uidMappings: Array.from({ length: 341 }, (_, i) => r(i, i, 1)) }, 'invalid-option', 'uidMappings'],
  ['a map text of 4096 bytes or more', { create: user, uidMappings: Array.from({ length: 340 }, (_, i) => r(100000 + i, 200000 + i, 1)) }, 'invalid-option', 'uidMappings'],
  ['a range of size 0', { create: user, uidMappings: [r(0, 0, 0)] }, 'invalid-option', 'uidMappings'],
  ['a negative id', { create: user, uidMappings: [r(-1, 0, 1)] }, 'invalid-option', 'uidMappings'],
  ['a non-integer id', { create: user, gidMappings: [r(0, 1.5, 1)] }, 'invalid-option', 'gidMappings'],
  ['an id given as a string', { create: user, uidMappings: [r('0', 0, 1)] }, 'invalid-option', 'uidMappings'],
  ['a range reaching (uid_t)-1 outside', { create: user, uidMappings: [r(0, 4294967295, 1)] }, 'invalid-option', 'uidMappings'],
  ['a range reaching (uid_t)-1 inside', { create: user, gidMappings: [r(1, 0, 4294967295)] }, 'invalid-option', 'gidMappings'],
  ['maps without a new user namespace', { uidMappings: [r(0, 0, 1)] }, 'invalid-option', 'uidMappings'],
  ['mapRootUser without a new user namespace', { mapRootUser: true }, 'invalid-option', 'mapRootUser'],
  ['mapRootUser with explicit maps', { create: user, mapRootUser: true, uidMappings: [r(0, 0, 1)] }, 'invalid-option', 'mapRootUser'],
  ['setgroups without a new user namespace', { setgroups: 'deny' }, 'invalid-option', 'setgroups'],
  ['a hostname without a new uts namespace', { hostname: 'box' }, 'invalid-option', 'hostname'],
  ['a domainname without a new uts namespace', { domainname: 'example.test' }, 'invalid-option', 'domainname'],
  ['an env name with "="', { env: { 'A=B': 'x' } }, 'invalid-option', 'env'],
  ['an unknown type in create', { create: ['bogus'] }, 'unknown-namespace-type'],
  ['an OCI type name in join', { join: { network: '/proc/self/ns/net' } }, 'unknown-namespace-type'],
  ['a relative join path', { join: { net: 'proc/self/ns/net' } }, 'invalid-target'],
  ["'new' in join", { join: { uts: 'new' } }, 'invalid-option', 'join'],
  ['a type both joined and created', { join: { net: '/proc/self/ns/net' }, create: ['net'] }, 'invalid-option', 'join'],
  ['preserveCredentials without a user namespace to join', { preserveCredentials: true }, 'invalid-option', 'preserveCredentials'],
  ['preserveCredentials joining no user namespace', { join: { net: '/proc/self/ns/net' }, preserveCredentials: true }, 'invalid-option', 'preserveCredentials'],
  ['mountProc without a new pid and mnt namespace', { mountProc: true, create: ['pid'] }, 'invalid-option', 'mountProc'],
  ['time offsets without a new time namespace', { timeOffsets: { monotonic: 1 } }, 'invalid-option', 'timeOffsets'],
  ['a time offset that is not whole', { create: ['time'], timeOffsets: { boottime: 0.5 } }, 'invalid-option', 'timeOffsets'],
  ['nanoseconds of a time offset beyond a second', { create: ['time'], timeOffsets: { monotonic: { secs: 1, nanosecs: 1e9 } } }, 'invalid-option', 'timeOffsets'],
  ['a time offset object without secs', { create: ['time'], timeOffsets: { monotonic: { nanosecs: 5 } } }, 'invalid-option', 'timeOffsets'],
  ['a soft rlimit above the hard one', { rlimits: { nofile: { soft: 10, hard: 5 } } }, 'invalid-option', 'rlimits'],
  ['an unknown rlimit', { rlimits: { files: { soft: 1, hard: 1 } } }, 'invalid-option', 'rlimits'],
  ['a negative uid', { user: { uid: -1 } }, 'invalid-option', 'user'],
  ['65 supplementary groups', { user: { groups: Array.from({ length: 65 }, (_, i) => i) } }, 'invalid-option', 'user'],
  ['an unknown signal', { parentDeathSignal: 'SIGNOPE' }, 'invalid-option', 'parentDeathSignal'],
  ['a relative root', { root: 'srv' }, 'invalid-option', 'root'],
  ['mountPropagation without a new mount namespace', { mountPropagation: 'shared' }, 'invalid-option', 'mountPropagation'],
  ['an unknown propagation', { create: mnt, mountPropagation: 'sideways' }, 'invalid-option', 'mountPropagation'],
  ['an unknown capability', { capabilities: { bounding: ['CAP_FLY'] } }, 'invalid-option', 'capabilities'],
  ['an unknown capability set', { capabilities: { sideways: [] } }, 'invalid-option', 'capabilities'],
  ['a pin of a namespace not created', { create: ['net'], pin: { uts: '/run/x' } }, 'invalid-option', 'pin'],
  ['a relative pin path', { create: ['net'], pin: { net: 'relative/net' } }, 'invalid-option', 'pin'],
  ['two pins on one path', { create: ['net', 'uts'], pin: { net: '/run/x', uts: '/run/x' } }, 'invalid-option', 'pin'],
  ['a pin of an unknown type', { create: ['net'], pin: { bogus: '/run/x' } }, 'unknown-namespace-type'],
  ['an fd target among stdio', { fds: { 2: 0 } }, 'invalid-option', 'fds'],
  ['usernsRoot without a new user namespace', { usernsRoot: true }, 'invalid-option', 'usernsRoot'],
  ['a relative pid file', { pidFile: 'init.pid' }, 'invalid-option', 'pidFile'],
  ['a relative cgroup', { cgroups: ['sys/fs/cgroup/x'] }, 'invalid-option', 'cgroups[0]'],
  ['17 cgroups', { cgroups: Array.from({ length: 17 }, (_, i) => `/sys/fs/cgroup/${i}`) }, 'invalid-option', 'cgroups'],
  ['mountDev without a rootfs', { create: mnt, mountDev: true }, 'invalid-option', 'mountDev'],
  ['a rootfs without a new mount namespace', { rootfs }, 'invalid-option', 'rootfs'],
  ['a rootfs and a root', { create: mnt, rootfs, root: '/srv' }, 'invalid-option', 'rootfs'],
  ['a relative rootfs', { create: mnt, rootfs: { path: 'srv' } }, 'invalid-option', 'rootfs.path'],
  ['a negative overlay size', { create: mnt, rootfs: { path: '/srv', overlay: { size: -1 } } }, 'invalid-option', 'rootfs'],
  ['a mount destination with ".."', { create: mnt, rootfs, mounts: [{ destination: '/a/../b', type: 'tmpfs' }] }, 'invalid-option', 'mounts[0].destination'],
  ['a remount', { create: mnt, rootfs, mounts: [{ destination: '/a', type: 'tmpfs', options: ['remount'] }] }, 'invalid-option', 'mounts[0].options'],
  ['a mount without a type', { create: mnt, rootfs, mounts: [{ destination: '/a' }] }, 'invalid-option', 'mounts[0].type'],
  ['a bind without a source', { create: mnt, rootfs, mounts: [{ destination: '/a', options: ['rbind'] }] }, 'invalid-option', 'mounts[0].source'],
  ['a proc filesystem elsewhere than /proc refused on /proc', { create: mnt, rootfs, mounts: [{ destination: '/a', type: 'tmpfs' }, { destination: '/proc', type: 'tmpfs' }] }, 'invalid-option', 'mounts[1].destination'],
  ['options that are not strings', { create: mnt, rootfs, mounts: [{ destination: '/a', type: 'tmpfs', options: [1] }] }, 'invalid-option', 'mounts[0].options'],
  ['65 mounts', { create: mnt, rootfs, mounts: Array.from({ length: 65 }, (_, i) => ({ destination: `/m${i}`, type: 'tmpfs' })) }, 'invalid-option', 'mounts'],
  ['masked paths without a new mount namespace', { maskedPaths: ['/proc/kcore'] }, 'invalid-option', 'maskedPaths'],
  ['a relative read-only path', { create: mnt, readonlyPaths: ['proc/sys'] }, 'invalid-option', 'readonlyPaths[0]'],
];

describe('validateSpawnOptions refuses what spawn refuses, with the same error', () => {
  for (const [what, options, kind, option] of refused) {
    test(`${what}: ${kind}${option ? ` of ${option}` : ''}`, async () => {
      const v = validateSpawnOptions(options);
      assert.ok(v.isErr(), `validateSpawnOptions took ${JSON.stringify(options)}`);
      assert.equal(v.error.kind, kind, v.error.message);
      if (option !== undefined) assert.equal(v.error.option, option);
      assert.ok(v.error.message.length > 10, v.error.message);
      const s = await spawn('true', [], options);
      assert.ok(s.isErr(), 'spawn took what the validator refused');
      assert.deepEqual(s.error, v.error);
    });
  }

  test('an id map refused names the range at fault as index', () => {
    const e = validateSpawnOptions({ create: user, gidMappings: [r(0, 100, 10), r(50, 105, 10)] })._unsafeUnwrapErr();
    assert.equal(e.index, 1);
    assert.match(e.message, /^gidMappings\[1\]/);
  });
});

describe('validateSpawnOptions gives the checked form of good options', () => {
  test('mapRootUser maps root to our euid and egid and writes setgroups "deny", as spawn does', () => {
    const v = unwrap(validateSpawnOptions({ create: ['user', 'uts'], mapRootUser: true, hostname: 'box' }));
    assert.deepEqual(v.create, ['user', 'uts']);
    assert.deepEqual(v.uidMappings, [r(0, process.geteuid(), 1)]);
    assert.deepEqual(v.gidMappings, [r(0, process.getegid(), 1)]);
    assert.equal(v.setgroups, 'deny');
    assert.equal(unwrap(validateSpawnOptions({ create: user, mapRootUser: true, setgroups: 'allow' })).setgroups, 'allow');
  });

  test('defaults: no namespaces, no maps, pipes, the environment extended', () => {
    const v = unwrap(validateSpawnOptions({}));
    assert.deepEqual([v.create, v.uidMappings, v.gidMappings, v.pins, v.fds, v.env], [[], [], [], [], [], []]);
    assert.deepEqual(v.stdio, ['pipe', 'pipe', 'pipe']);
    assert.equal(v.envMode, 'extend');
    assert.equal(v.setgroups, undefined);
  });

  test('stdio, env, pins and fds come back spelled out, in the order given', () => {
    const v = unwrap(validateSpawnOptions({
      create: ['net', 'uts'], stdio: 'ignore', env: { A: '1', B: '2' }, envMode: 'replace',
      pin: { uts: '/run/u', net: '/run/n' }, fds: { 5: 0, 4: 1 },
    }));
    assert.deepEqual(v.stdio, ['ignore', 'ignore', 'ignore']);
    assert.deepEqual(v.env, [['A', '1'], ['B', '2']]);
    assert.equal(v.envMode, 'replace');
    assert.deepEqual(v.pins, [['uts', '/run/u'], ['net', '/run/n']]);
    assert.deepEqual(v.fds, [[4, 1], [5, 0]]);
  });

  test('every option a container init uses, at the limits, is taken', () => {
    const v = validateSpawnOptions({
      create: ['user', 'mnt', 'pid', 'uts', 'ipc', 'net'], uidMappings: [r(0, 100000, 65536)], gidMappings: [r(0, 100000, 65536)], usernsRoot: true,
      hostname: 'box', cwd: '/', env: { PATH: '/bin' }, envMode: 'replace', rlimits: { nofile: { soft: 64, hard: Infinity } },
      user: { uid: 4294967294, gid: 0, groups: Array.from({ length: 64 }, (_, i) => i) }, capabilities: { bounding: [...CAPABILITY_NAMES], ambient: [] },
      noNewPrivileges: true, newSession: true, parentDeathSignal: 'SIGKILL', mountProc: true, mountPropagation: 'slave',
      rootfs: { path: '/srv/rootfs', readonly: true, overlay: { size: 1 << 20 } }, mountDev: true, mountSys: true,
      mounts: Array.from({ length: 64 }, (_, i) => ({ destination: `/m${i}`, type: 'tmpfs', options: ['nosuid', 'size=1m'] })),
      maskedPaths: Array.from({ length: 64 }, (_, i) => `/proc/m${i}`), readonlyPaths: ['/proc/sys'],
      cgroups: Array.from({ length: 16 }, (_, i) => `/sys/fs/cgroup/c${i}`), pidFile: '/run/init.pid', pin: { net: '/run/netns/box' },
      join: { cgroup: '/proc/self/ns/cgroup' }, beforeExec: () => undefined,
    });
    assert.ok(v.isOk(), v.isErr() ? v.error.message : '');
  });

  test('options that need no privilege: spawn runs them as the validator took them', async () => {
    for (const options of [{ env: { A: '1' }, envMode: 'replace', stdio: ['ignore', 'pipe', 'pipe'] }, { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] }]) {
      assert.ok(validateSpawnOptions(options).isOk());
      const out = await collect(unwrap(await spawn('sh', ['-c', 'echo "$A:$PWD"'], options)));
      assert.equal(out.code, 0, out.err);
    }
  });

  test('a pid given as join is checked only by spawn, once its namespaces are known', () => {
    // Whether one of them is also created, or is a user namespace for preserveCredentials.
    assert.ok(validateSpawnOptions({ join: process.pid, create: ['net'] }).isOk());
    assert.ok(validateSpawnOptions({ join: process.pid, preserveCredentials: true }).isOk());
  });
});

test('misuse throws the TypeError spawn throws', () => {
  for (const options of [
    { create: user, uidMappings: 'not an array' },
    { create: user, setgroups: 'maybe' },
    { join: 'net' },
    { stdio: ['pipe', 'pipe'] },
    { beforeExec: 5 },
    { pin: 'net' },
    { fds: { 5: -1 } },
    { create: 'user' }, // a string is not a list (it would read as 'u', 's', 'e', 'r')
    { create: [5] },
  ]) {
    assert.throws(() => validateSpawnOptions(options), TypeError, JSON.stringify(options));
    assert.throws(() => spawn('true', [], options), TypeError, JSON.stringify(options));
  }
  assert.throws(() => validateSpawnOptions({ join: -1 }), RangeError);
  assert.throws(() => validateSpawnOptions({ create: 'user' }), /create must be an array of namespace types.*"user"/);
});

test("an unknown type in create gets the hint every part of linuxns gives: the OCI name's linuxns name, a near miss", () => {
  const oci = validateSpawnOptions({ create: ['network'] });
  assert.equal(oci._unsafeUnwrapErr().kind, 'unknown-namespace-type');
  assert.match(oci._unsafeUnwrapErr().message, /"network" in create: .*use 'net'/);
  assert.match(validateSpawnOptions({ create: ['usr'] })._unsafeUnwrapErr().message, /did you mean 'user'\?/);
});

test('CAPABILITY_NAMES, CAPABILITY_SETS and RLIMIT_NAMES number as the kernel does, and cannot be changed', () => {
  assert.equal(CAPABILITY_NAMES.length, 41);
  assert.deepEqual([CAPABILITY_NAMES[0], CAPABILITY_NAMES[12], CAPABILITY_NAMES[21], CAPABILITY_NAMES[40]], ['chown', 'net_admin', 'sys_admin', 'checkpoint_restore']);
  assert.deepEqual([RLIMIT_NAMES[0], RLIMIT_NAMES[7], RLIMIT_NAMES[15]], ['cpu', 'nofile', 'rttime']);
  assert.equal(RLIMIT_NAMES.length, 16);
  assert.deepEqual(CAPABILITY_SETS, ['bounding', 'effective', 'permitted', 'inheritable', 'ambient']);
  for (const table of [CAPABILITY_NAMES, CAPABILITY_SETS, RLIMIT_NAMES]) assert.ok(Object.isFrozen(table));
  // Every name is taken by spawn, in either case, with or without CAP_.
  assert.ok(validateSpawnOptions({ capabilities: { permitted: CAPABILITY_NAMES.map((n) => `CAP_${n.toUpperCase()}`) } }).isOk());
  assert.ok(validateSpawnOptions({ rlimits: Object.fromEntries(RLIMIT_NAMES.map((n) => [n, { soft: 1, hard: 1 }])) }).isOk());
});
