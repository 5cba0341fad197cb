// validateConfig of the OCI settings a ContainerConfig takes besides the runtime-spec mapping (seccomp,
// sysctl, devices, devSymlinks, rootfsPropagation, personality, timeOffsets, and the process's umask,
// oomScoreAdj, scheduler, ioPriority), without root and without the kernel: each refused as the field at
// fault, as precisely as core names it; the good ones handed to spawn as they are (initOptions, processOptions).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DEVICES, validateSpawnOptions } from '@linuxns/core';
import { validateConfig } from '../../dist/index.js';
import { initOptions, processOptions } from '../../dist/config/spawn-options.js';

const NS = [{ type: 'mnt' }, { type: 'pid' }, { type: 'uts' }, { type: 'ipc' }, { type: 'net' }];
const check = (config) => validateConfig({ rootfs: { path: '/srv/rootfs' }, namespaces: NS, ...config }, false);
const PATHS = { pidFile: '/run/x/pid', cgroupDirs: [] };

describe('the OCI settings of a ContainerConfig', () => {
  const bad = [
    ['seccomp.defaultAction', { seccomp: { defaultAction: 'SCMP_ACT_NOPE' } }],
    ['seccomp.syscalls[0].action', { seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'nope' }] } }],
    ['sysctl', { sysctl: { 'vm.swappiness': '10' } }],
    ['sysctl', { namespaces: [{ type: 'mnt' }], sysctl: { 'kernel.msgmax': '10' } }],
    ['devices[0].major', { devices: [{ path: '/dev/x', type: 'c', minor: 1 }] }],
    ['devices[1].path', { devices: [...DEFAULT_DEVICES, { path: 'x', type: 'c', major: 1, minor: 1 }].slice(5) }],
    ['devSymlinks', { devSymlinks: 'yes' }],
    ['rootfsPropagation', { rootfsPropagation: 'sideways' }],
    ['personality.domain', { personality: { domain: 'LINUX64' } }],
    ['timeOffsets', { timeOffsets: { monotonic: 5 } }],
    ['process.user.umask', { process: { args: ['true'], user: { umask: -1 } } }],
    ['process.oomScoreAdj', { process: { args: ['true'], oomScoreAdj: 1001 } }],
    ['process.scheduler.nice', { process: { args: ['true'], scheduler: { policy: 'SCHED_OTHER', nice: 40 } } }],
    ['process.ioPriority.priority', { process: { args: ['true'], ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 9 } } }],
  ];
  for (const [field, config] of bad) {
    test(`${field}: ${JSON.stringify(config)}`, () => {
      const r = check(config);
      assert.equal(r.isErr() && r.error.kind, 'container-config-invalid');
      assert.equal(r.error.field, field, r.error.message);
    });
  }

  test('the good ones are kept in config.json and handed to spawn as they are, which takes them', () => {
    const linux = {
      seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] },
      sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.msgmax': '9000' },
      devices: DEFAULT_DEVICES,
      devSymlinks: true,
      rootfsPropagation: 'rslave',
      personality: { domain: 'LINUX' },
    };
    const process = { args: ['true'], user: { uid: 1, umask: 0o27 }, oomScoreAdj: 5, scheduler: { policy: 'SCHED_BATCH', nice: 3 }, ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 4 } };
    const c = check({ ...linux, process, mountDev: false }).match((v) => v, (e) => assert.fail(e.message));
    for (const [k, v] of Object.entries(linux)) assert.deepEqual(c[k], v, k);
    const o = initOptions(c, c.process, PATHS, {});
    for (const [k, v] of Object.entries(linux)) assert.deepEqual(o[k], v, `spawn's ${k}`);
    assert.deepEqual([o.umask, o.oomScoreAdj, o.scheduler, o.ioPriority], [0o27, 5, process.scheduler, process.ioPriority]);
    assert.ok(validateSpawnOptions(o).isOk());
    const p = processOptions({ args: ['true'], user: { umask: 0o77 } }, {});
    assert.deepEqual([p.umask, p.user], [0o77, {}]);
  });
});

describe("an exec'd process's options", () => {
  test("the container's seccomp filter, as runc's exec installs it, with the process's own settings", async () => {
    const { execOptions } = await import('../../dist/config/spawn-options.js');
    const seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };
    const c = check({ seccomp }).match((v) => v, (e) => assert.fail(e.message));
    const o = execOptions(c, { args: ['true'], user: { umask: 0o77 }, oomScoreAdj: 2 }, {}, false);
    assert.deepEqual([o.seccomp, o.umask, o.oomScoreAdj], [seccomp, 0o77, 2]);
    assert.equal(execOptions(check({}).match((v) => v, () => assert.fail()), { args: ['true'] }, {}).seccomp, undefined);
  });
});
