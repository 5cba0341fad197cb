// The road to Kubernetes, with the client Kubernetes itself uses: a CRI
// client (gRPC, runtime.v1 RuntimeService and ImageService, as the kubelet
// speaks them; fixtures/cri) drives the CRI plugin of a private containerd
// 1.6, whose runtime handler `linuxns` is the runc shim with BinaryName set
// to linuxns-runtime (the config docs/kubernetes.md gives), and whose default
// handler `runc` is the same shim with runc. For each handler: a pod with the
// host's network (no CNI needed), a busybox container writing to its CRI log,
// its status RUNNING then EXITED with its exit code, ExecSync, a container
// with CPU and memory limits found in its cgroup files and containerd's
// default seccomp profile (RuntimeDefault) on its processes, and the whole
// teardown, after which no process, runtime state, mount or cgroup of the
// pod is left. What linuxns-runtime did is compared with what runc did, and
// each container is found in the handler's own runtime root (so it really
// ran under that runtime). Containers keep containerd's default
// capabilities, CAP_MKNOD included, as a pod that asks for nothing does
// (linuxns-runtime accepts it: CRI's specs carry device rules, which it
// enforces).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CAPABILITY_NAMES } from '@linuxns/core';
import { runcBinary } from '../../container/test/fixtures/bundle.js';
import { makeRootfs, skipReason } from '../../container/test/fixtures/rootfs.js';
import { tempDir } from './fixtures/cli.js';
import { containerdInstalled, startContainerd } from './fixtures/containerd.js';
import { criClient } from './fixtures/cri/client.js';
import { alive, mountsWith, processesWith, runtimeBinary, waitFor } from './fixtures/runtime.js';

/** Why this test cannot run here (never in CI), or false. */
function criMissing() {
  if (containerdInstalled() && runcBinary() !== undefined) return false;
  // pnpm test installs both (scripts/system-packages.js); CI must never skip this.
  if (process.env.CI) throw new Error('no containerd or runc in CI: apt-get install containerd runc');
  return 'containerd (with its CRI plugin) or runc is not installed (pnpm test installs them as root)';
}

const skip = skipReason() || criMissing();
const TAG = `lcri${process.pid}`;
const IMAGE = `localhost/linuxns-cri-test-${process.pid}:latest`;
const PAUSE = `localhost/linuxns-cri-pause-${process.pid}:latest`;
const HANDLERS = ['linuxns', 'runc'];
const MEMORY = 64 * 1024 * 1024;
/** The /proc/PID/status mask (hex, 16 digits) of capability names like 'CAP_CHOWN'. */
const capMask = (names) => names.reduce((m, n) => m | (1n << BigInt(CAPABILITY_NAMES.indexOf(n.slice(4).toLowerCase()))), 0n).toString(16).padStart(16, '0');
/** The inode of `pid`'s namespace of `type`. */
const nsInode = (pid, type) => statSync(`/proc/${pid}/ns/${type}`).ino;

/** Waits until the promise `check()` gives is true (polling), up to `ms`; returns its last value. */
async function waitForAsync(check, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The fields of `cat /proc/self/status` that say who a process is, what it may do and how it is confined. */
const IDENTITY = ['Uid', 'Gid', 'Groups', 'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp'];
const statusFields = (text) => Object.fromEntries(text.split('\n').map((l) => l.split(':\t')).filter(([k]) => IDENTITY.includes(k)));
/** A CRI log's lines without their time stamp: 'stdout F text'. */
const logLines = (file) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/^\S+ /, ''));

describe('CRI: containerd 1.6\'s CRI plugin with runtime handler linuxns (runc shim, BinaryName linuxns-runtime)', { skip }, () => {
  let fs;
  let tmp;
  let bin;
  let containerd;
  let cri;
  /** What each handler's pod showed, by handler: compared at the end. */
  const seen = {};
  /** Pods made, for after() when a test fails half-way. */
  const pods = [];

  before(async () => {
    bin = runtimeBinary();
    fs = makeRootfs('linuxns-runtime-cri-');
    tmp = tempDir('runtime-cri');
    containerd = await startContainerd(tmp.dir, {
      rootfs: fs.root,
      image: IMAGE,
      cri: { handlers: { linuxns: bin }, sandboxImage: PAUSE, sandboxCmd: ['sleep', 'infinity'] },
    });
    cri = criClient(containerd.address);
  });
  after(async () => {
    if (cri) {
      for (const id of pods) {
        await cri.runtime.StopPodSandbox({ pod_sandbox_id: id }).catch(() => {});
        await cri.runtime.RemovePodSandbox({ pod_sandbox_id: id }).catch(() => {});
      }
      cri.close();
    }
    containerd?.stop();
    for (const h of HANDLERS) removeCgroupTree(cgroupParent(h));
    fs?.remove();
    tmp?.remove();
  });

  /** The pods' cgroup parent (as the kubelet's kubepods/...), one per handler. */
  const cgroupParent = (h) => `/${TAG}-${h}`;
  /** The runtime root the shim gives handler `h`'s runtime (the fixture's Root, plus the containerd namespace). */
  const runtimeRoot = (h) => join(tmp.dir, 'runtime-root', h, 'k8s.io');
  const podConfig = (h) => ({
    metadata: { name: `${TAG}-${h}`, uid: `${TAG}-${h}-uid`, namespace: 'linuxns-test' },
    log_directory: join(tmp.dir, 'logs', h),
    linux: { cgroup_parent: cgroupParent(h), security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
  });
  const containerConfig = (name, command, resources = {}, security = {}) => ({
    metadata: { name },
    image: { image: IMAGE },
    command,
    log_path: `${name}.log`,
    // The kubelet's namespaces for a container of a pod with the host's network.
    linux: { resources, security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' }, ...security } },
  });
  /** The pid of a sandbox or container, from the verbose status's info (containerd's JSON). */
  const infoPid = (response) => JSON.parse(response.info.info).pid;
  /** `RUNTIME --root ROOT state ID` of handler `h`'s runtime, parsed. */
  const runtimeState = (h, id) => {
    const r = spawnSync(h === 'linuxns' ? bin : runcBinary(), ['--root', runtimeRoot(h), 'state', id], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${h} state ${id}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };

  test('Version and ImageStatus answer as they answer the kubelet', async () => {
    const v = await cri.runtime.Version({ version: 'v1' });
    assert.deepEqual([v.runtime_name, v.runtime_api_version], ['containerd', 'v1']);
    assert.match(v.runtime_version, /^1\.6\./);
    const { image } = await cri.image.ImageStatus({ image: { image: IMAGE } });
    assert.ok(image?.repo_tags.includes(IMAGE), `the imported image: ${JSON.stringify(image)}`);
  });

  for (const h of HANDLERS) {
    describe(`runtime handler ${h}`, () => {
      const o = {};
      seen[h] = o;
      let pod;
      let sandboxPid;
      let logger;
      let limited;

      test('RunPodSandbox with the host\'s network: the sandbox is ready, run by this handler\'s runtime', async () => {
        ({ pod_sandbox_id: pod } = await cri.runtime.RunPodSandbox({ config: podConfig(h), runtime_handler: h }));
        pods.push(pod);
        const s = await cri.runtime.PodSandboxStatus({ pod_sandbox_id: pod, verbose: true });
        assert.deepEqual([s.status.state, s.status.runtime_handler], ['SANDBOX_READY', h]);
        sandboxPid = infoPid(s);
        assert.ok(alive(sandboxPid));
        o.sandboxNamespaces = { net: nsInode(sandboxPid, 'net') === nsInode(process.pid, 'net'), pid: nsInode(sandboxPid, 'pid') === nsInode(process.pid, 'pid') };
        assert.deepEqual(o.sandboxNamespaces, { net: true, pid: false }, 'the host\'s network namespace, a pid namespace of its own');
        // The handler's runtime made it: its state, in the root the shim gave that runtime, names the same init.
        const state = runtimeState(h, pod);
        assert.deepEqual([state.id, state.status, state.pid], [pod, 'running', sandboxPid]);
        const other = HANDLERS.find((x) => x !== h);
        assert.equal(existsSync(join(runtimeRoot(other), pod)), false, `no state of ${pod} under ${other}'s root`);
      });

      test('CreateContainer + StartContainer: its output in its CRI log, RUNNING, then EXITED with its exit code', async () => {
        const command = ['sh', '-c', 'echo hello from cri; echo to stderr >&2; until [ -e /tmp/go ]; do sleep 0.1; done; exit 7', TAG];
        ({ container_id: logger } = await cri.runtime.CreateContainer({ pod_sandbox_id: pod, config: containerConfig('logger', command), sandbox_config: podConfig(h) }));
        assert.equal((await cri.runtime.ContainerStatus({ container_id: logger })).status.state, 'CONTAINER_CREATED');
        await cri.runtime.StartContainer({ container_id: logger });
        const running = await cri.runtime.ContainerStatus({ container_id: logger, verbose: true });
        assert.equal(running.status.state, 'CONTAINER_RUNNING');
        const pid = infoPid(running);
        assert.deepEqual([runtimeState(h, logger).pid, runtimeState(h, logger).status], [pid, 'running']);
        if (h === 'linuxns') assert.equal(JSON.parse(running.info.info).runtimeOptions.binary_name, bin);
        const log = running.status.log_path;
        assert.equal(log, join(podConfig(h).log_directory, 'logger.log'));
        assert.ok(await waitFor(() => existsSync(log) && logLines(log).length === 2), 'both lines logged');
        o.log = logLines(log).sort();
        assert.deepEqual(o.log, ['stderr F to stderr', 'stdout F hello from cri']);
        // It ends once told (ExecSync's first use): EXITED with its exit code.
        const go = await cri.runtime.ExecSync({ container_id: logger, cmd: ['touch', '/tmp/go'], timeout: 20 });
        assert.equal(go.exit_code, 0, go.stderr.toString());
        let s;
        assert.ok(await waitForAsync(async () => (s = (await cri.runtime.ContainerStatus({ container_id: logger })).status).state === 'CONTAINER_EXITED'), 'it exited');
        o.exited = { state: s.state, exit_code: s.exit_code, reason: s.reason };
        assert.deepEqual(o.exited, { state: 'CONTAINER_EXITED', exit_code: 7, reason: 'Error' });
        assert.ok(s.finished_at >= s.started_at && s.started_at > 0);
      });

      test('a container with CPU and memory limits and the runtime\'s default seccomp profile: the limits are in its cgroup, the filter on its processes, ExecSync runs in it', async () => {
        const command = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.2; done', TAG];
        const resources = { cpu_shares: 512, cpu_period: 100000, cpu_quota: 50000, memory_limit_in_bytes: MEMORY };
        ({ container_id: limited } = await cri.runtime.CreateContainer({ pod_sandbox_id: pod, config: containerConfig('limited', command, resources, { seccomp: { profile_type: 'RuntimeDefault' } }), sandbox_config: podConfig(h) }));
        await cri.runtime.StartContainer({ container_id: limited });
        const pid = infoPid(await cri.runtime.ContainerStatus({ container_id: limited, verbose: true }));
        const cgroup = (controller, file) => readFileSync(`/sys/fs/cgroup/${controller}${cgroupParent(h)}/${limited}/${file}`, 'utf8').trim();
        o.cgroup = {
          'cpu.shares': cgroup('cpu', 'cpu.shares'),
          'cpu.cfs_period_us': cgroup('cpu', 'cpu.cfs_period_us'),
          'cpu.cfs_quota_us': cgroup('cpu', 'cpu.cfs_quota_us'),
          'memory.limit_in_bytes': cgroup('memory', 'memory.limit_in_bytes'),
        };
        assert.deepEqual(o.cgroup, { 'cpu.shares': '512', 'cpu.cfs_period_us': '100000', 'cpu.cfs_quota_us': '50000', 'memory.limit_in_bytes': String(MEMORY) });
        for (const controller of ['cpu', 'memory']) assert.ok(cgroup(controller, 'cgroup.procs').split('\n').map(Number).includes(pid), `its init in the ${controller} cgroup`);
        // ExecSync: who the process is, its output, its exit status; in the container's cgroup.
        const id = await cri.runtime.ExecSync({ container_id: limited, cmd: ['id'], timeout: 20 });
        o.id = { stdout: id.stdout.toString(), exit_code: id.exit_code };
        assert.match(o.id.stdout, /^uid=0\(root\) gid=0\(root\)/);
        const status = await cri.runtime.ExecSync({ container_id: limited, cmd: ['cat', '/proc/self/status', `/proc/self/cgroup`], timeout: 20 });
        assert.equal(status.exit_code, 0, status.stderr.toString());
        o.status = statusFields(status.stdout.toString());
        // The capabilities of the process JSON the shim gave the runtime (containerd's defaults).
        const { capabilities } = JSON.parse(readFileSync(join(tmp.dir, 'state', 'io.containerd.runtime.v2.task', 'k8s.io', limited, 'config.json'), 'utf8')).process;
        assert.deepEqual([o.status.CapEff, o.status.CapPrm, o.status.CapBnd], [capMask(capabilities.effective), capMask(capabilities.permitted), capMask(capabilities.bounding)]);
        assert.ok(capabilities.bounding.includes('CAP_MKNOD'), 'the default set, CAP_MKNOD included');
        assert.equal(o.status.Seccomp, '2', 'a seccomp filter (containerd\'s default profile)');
        assert.match(status.stdout.toString(), new RegExp(`^\\d+:memory:${cgroupParent(h)}/${limited}$`, 'm'));
        // Its init (pid 1 of its own pid namespace) likewise.
        const init = await cri.runtime.ExecSync({ container_id: limited, cmd: ['cat', '/proc/1/status'], timeout: 20 });
        o.initStatus = statusFields(init.stdout.toString());
        assert.deepEqual(o.initStatus, o.status, 'the init and an exec\'d process: the same identity');
        const fail = await cri.runtime.ExecSync({ container_id: limited, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 5'], timeout: 20 });
        o.fail = { stdout: fail.stdout.toString(), stderr: fail.stderr.toString(), exit_code: fail.exit_code };
        assert.deepEqual(o.fail, { stdout: 'out\n', stderr: 'err\n', exit_code: 5 });
      });

      test('StopContainer, RemoveContainer, StopPodSandbox, RemovePodSandbox: nothing of the pod is left', async () => {
        await cri.runtime.StopContainer({ container_id: limited, timeout: 10 });
        const s = (await cri.runtime.ContainerStatus({ container_id: limited })).status;
        o.stopped = { state: s.state, exit_code: s.exit_code };
        assert.deepEqual(o.stopped, { state: 'CONTAINER_EXITED', exit_code: 0 }, 'SIGTERM ended it through its trap');
        for (const id of [logger, limited]) await cri.runtime.RemoveContainer({ container_id: id });
        await assert.rejects(cri.runtime.ContainerStatus({ container_id: limited }), /NotFound|not found/i);
        await cri.runtime.StopPodSandbox({ pod_sandbox_id: pod });
        await cri.runtime.RemovePodSandbox({ pod_sandbox_id: pod });
        pods.splice(pods.indexOf(pod), 1);
        assert.ok(await waitFor(() => processesWith(TAG).length === 0 && !alive(sandboxPid)), `processes left: ${processesWith(TAG)}`);
        assert.deepEqual(processesWith(pod), [], 'no shim of the pod');
        assert.deepEqual(existsSync(runtimeRoot(h)) ? readdirSync(runtimeRoot(h)) : [], [], `no state in ${runtimeRoot(h)}`);
        assert.deepEqual(mountsWith(tmp.dir), [], 'no rootfs or shm mount');
        for (const controller of ['cpu', 'memory', 'pids']) {
          const parent = `/sys/fs/cgroup/${controller}${cgroupParent(h)}`;
          assert.deepEqual(existsSync(parent) ? readdirSync(parent, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [], [], `no cgroup left in ${parent}`);
        }
      });
    });
  }

  test('linuxns-runtime behaved as runc: logs, exit codes, exec output, identity, cgroup limits, namespaces', () => {
    assert.ok(Object.keys(seen.runc).length >= 8, 'both handlers ran every step');
    assert.deepEqual(seen.linuxns, seen.runc);
  });
});

/** Removes cgroup directory `relative` (and what is below it, all empty) from every hierarchy. */
function removeCgroupTree(relative) {
  const roots = existsSync('/sys/fs/cgroup/cgroup.controllers') ? ['/sys/fs/cgroup'] : readdirSync('/sys/fs/cgroup').map((c) => `/sys/fs/cgroup/${c}`);
  const remove = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) remove(join(dir, e.name));
    try {
      rmdirSync(dir);
    } catch {
      /* a process is still in it: the test has said so */
    }
  };
  for (const root of roots) remove(`${root}${relative}`);
}
