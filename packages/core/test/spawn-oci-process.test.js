// spawn's OCI process settings, each observed from inside the command: oomScoreAdj and umask in
// /proc/self/status, personality (uname -m under LINUX32), scheduler (sched_getattr, /proc/self/stat),
// ioPriority (ioprio_get), sysctl (/proc/sys of the new namespaces); and bad input for each, refused as
// invalid-option naming the option before any process exists.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawn, validateSpawnOptions } from '../dist/index.js';
import { collect, errorOf } from './fixtures/ns-helpers.js';
import { ociSkip, useScratch } from './fixtures/oci-probe.js';
import { assertNothingLeft, run, sh, snapshot } from './fixtures/spawn-helpers.js';

const skip = ociSkip();
const scratch = useScratch(before, after);

describe('OCI process settings seen from inside', { skip }, () => {
  test('oomScoreAdj and umask are what /proc/self/status and oom_score_adj say', async () => {
    const r = await sh('grep Umask /proc/self/status; cat /proc/self/oom_score_adj', { umask: 0o027, oomScoreAdj: 321 });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n'), ['Umask:\t0027', '321']);
    // Written first thing, with the caller's privileges, so a new user namespace changes nothing.
    const user = await sh('cat /proc/self/oom_score_adj', { oomScoreAdj: 400, create: ['user'], mapRootUser: true });
    assert.equal(user.out.trim(), '400');
    // Lowering it needs CAP_SYS_RESOURCE (some sandboxes drop it even for root): done, or refused at its step.
    const resource = (BigInt(`0x${/CapEff:\s*(\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]}`) >> 24n) & 1n;
    const low = await spawn('cat', ['/proc/self/oom_score_adj'], { oomScoreAdj: -500, create: ['user'], mapRootUser: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (resource) assert.equal((await collect(low.value)).out.trim(), '-500');
    else assert.deepEqual([errorOf(low, 'spawn-setup-failed').step, low.error.code], ['oom-score-adj', 'EACCES']);
  });

  test('personality LINUX32: uname -m says i686 (x86-64) and the persona is PER_LINUX32', async () => {
    const r = await sh(`uname -m; ${scratch.probe} personality`, { personality: { domain: 'LINUX32' } });
    assert.equal(r.code, 0, r.err);
    const [machine, persona] = r.out.trim().split('\n');
    assert.equal(persona, '8');
    if (process.arch === 'x64') assert.equal(machine, 'i686');
    const plain = await sh(`${scratch.probe} personality`, { personality: { domain: 'LINUX' } });
    assert.equal(plain.out.trim(), '0');
  });

  test('scheduler: SCHED_BATCH with a nice, SCHED_FIFO with a priority, SCHED_DEADLINE with its parameters (sched_getattr)', async () => {
    // policy flags nice priority (a fair task's runtime field reads back its time slice: not compared).
    const head = (r) => r.out.trim().split(' ').slice(0, 4).join(' ');
    const batch = await run(scratch.probe, ['sched'], { scheduler: { policy: 'SCHED_BATCH', nice: 7 } });
    assert.equal(head(batch), '3 0 7 0');
    const fifo = await run(scratch.probe, ['sched'], { scheduler: { policy: 'SCHED_FIFO', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK'] } });
    assert.equal(head(fifo), '1 1 0 10');
    // /proc/self/stat agrees: field 19 nice, 40 rt_priority, 41 policy.
    const stat = await sh("awk '{ print $19, $40, $41 }' /proc/self/stat", { scheduler: { policy: 'SCHED_RR', priority: 5 } });
    assert.equal(stat.out.trim(), '0 5 2');
    // A deadline task may not fork (the probe is exec'd directly): 1 ms of every 10 ms.
    const dl = await run(scratch.probe, ['sched'], { scheduler: { policy: 'SCHED_DEADLINE', runtime: 1_000_000, deadline: 10_000_000n, period: 10_000_000 } });
    assert.equal(dl.out.trim(), '6 0 0 0 1000000 10000000 10000000', dl.err);
  });

  test('ioPriority: the class and priority ioprio_get reads back (busybox ionice too)', async () => {
    const be = await run(scratch.probe, ['ioprio'], { ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 6 } });
    assert.equal(be.out.trim(), '2 6');
    const idle = await sh('ionice', { ioPriority: { class: 'IOPRIO_CLASS_IDLE', priority: 0 } });
    assert.match(idle.out, /^idle/);
    const rt = await run(scratch.probe, ['ioprio'], { ioPriority: { class: 'IOPRIO_CLASS_RT', priority: 1 }, create: ['user'], mapRootUser: true });
    assert.equal(rt.out.trim(), '1 1', 'set with the caller\'s privileges, before the user namespace');
  });

  test('sysctl: net, ipc and uts keys written in the new namespaces, the host\'s untouched', async () => {
    const hostForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
    const hostShm = readFileSync('/proc/sys/kernel/shmmni', 'utf8');
    const r = await sh('cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/shmmni /proc/sys/fs/mqueue/msg_max /proc/sys/kernel/domainname', {
      create: ['net', 'ipc', 'uts'],
      sysctl: { 'net.ipv4.ip_forward': '1', 'net/ipv4/ping_group_range': '0 0', 'kernel.shmmni': '1234', 'fs.mqueue.msg_max': '33', 'kernel.domainname': 'sysctl.test' },
    });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n').map((l) => l.replace(/\s+/g, ' ')), ['1', '0 0', '1234', '33', 'sysctl.test']);
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'), hostForward);
    assert.equal(readFileSync('/proc/sys/kernel/shmmni', 'utf8'), hostShm);
  });

  test('sysctl: written in a new user namespace too, before /proc/sys becomes read-only', async () => {
    const r = await sh('cat /proc/sys/net/ipv4/ip_forward; echo 0 > /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo read-only', {
      create: ['user', 'mnt', 'pid', 'net'], mapRootUser: true, rootfs: { path: scratch.root }, mountProc: true, readonlyPaths: ['/proc/sys'],
      sysctl: { 'net.ipv4.ip_forward': '1' }, envMode: 'replace', env: { PATH: '/bin' },
    });
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(r.out.trim().split('\n'), ['1', 'read-only']);
  });

  test('a sysctl the kernel refuses is spawn-setup-failed at step sysctl, nothing left running', async () => {
    const before = snapshot();
    const e = errorOf(await spawn('true', [], { create: ['net'], sysctl: { 'net.ipv4.no_such_key_linuxns': '1' } }), 'spawn-setup-failed');
    assert.deepEqual([e.step, e.syscall, e.code], ['sysctl', 'open', 'ENOENT']);
    await assertNothingLeft(before, 'a failed sysctl');
  });
});

describe('bad OCI process settings are invalid-option naming the option, and nothing runs', { skip }, () => {
  const cases = [
    ['oomScoreAdj', { oomScoreAdj: 1001 }],
    ['oomScoreAdj', { oomScoreAdj: 1.5 }],
    ['umask', { umask: 0o1000 }],
    ['umask', { umask: -1 }],
    ['personality', { personality: { domain: 'LINUX64' } }],
    ['personality', { personality: { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] } }],
    ['scheduler', { scheduler: { policy: 'SCHED_TURBO' } }],
    ['scheduler', { scheduler: { policy: 'SCHED_ISO' } }],
    ['scheduler', { scheduler: { policy: 'SCHED_OTHER', nice: 20 } }],
    ['scheduler', { scheduler: { policy: 'SCHED_OTHER', priority: 3 } }],
    ['scheduler', { scheduler: { policy: 'SCHED_FIFO', priority: 0 } }],
    ['scheduler', { scheduler: { policy: 'SCHED_BATCH', runtime: 5 } }],
    ['scheduler', { scheduler: { policy: 'SCHED_DEADLINE', runtime: -1 } }],
    ['scheduler', { scheduler: { policy: 'SCHED_OTHER', flags: ['SCHED_FLAG_FAST'] } }],
    ['ioPriority', { ioPriority: { class: 'IOPRIO_CLASS_NONE', priority: 0 } }],
    ['ioPriority', { ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 8 } }],
    ['sysctl', { sysctl: { 'vm.swappiness': '10' } }],
    ['sysctl', { sysctl: { 'net.ipv4.ip_forward': '1' } }],
    ['sysctl', { create: ['net'], sysctl: { 'kernel.shmmax': '1' } }],
    ['sysctl', { create: ['uts'], sysctl: { 'kernel.hostname': 'box' } }],
    ['sysctl', { create: ['net'], sysctl: { 'net..ip_forward': '1' } }],
    ['sysctl', { create: ['net'], sysctl: { 'net.ipv4.ip_forward': 1 } }],
    ['sysctl', { join: { net: '/proc/self/ns/net' }, sysctl: { 'net.ipv4.ip_forward': '1' } }],
  ];
  for (const [option, options] of cases) {
    test(`${option}: ${JSON.stringify(options)}`, async () => {
      const before = snapshot();
      const e = errorOf(await spawn('true', [], options), 'invalid-option');
      assert.equal(e.option, option, e.message);
      if (!('join' in options)) assert.equal(validateSpawnOptions(options).error?.option, option, 'validateSpawnOptions finds it too');
      await assertNothingLeft(before, option);
    });
  }

  test('a pid joined for its net namespace: a net sysctl is refused once its namespaces are known (it is ours)', async () => {
    const e = errorOf(await spawn('true', [], { join: process.pid, create: ['uts'], sysctl: { 'net.ipv4.ip_forward': '1' } }), 'invalid-option');
    assert.equal(e.option, 'sysctl');
  });
});
