// linuxns-runtime driven directly, as conmon and containerd's shim drive it,
// with runc's command line and runc's answers: create leaves the init waiting
// (state `created` with its pid, the pid file written, the command gone),
// start runs it, state/list/ps/events/pause/resume/kill/exec/delete, commands
// at once on one container serialized by its lock, errors
// in the --log file as runc writes them, runc's exit statuses; where runc is
// on PATH the same commands are run with it and the answers compared. Every
// test deletes what it made; the last checks nothing is left (processes,
// cgroups, mounts, state directories, this process's fds).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBundle, runcBinary } from '../../container/test/fixtures/bundle.js';
import { makeRootfs, skipReason } from '../../container/test/fixtures/rootfs.js';
import { tempDir } from './fixtures/cli.js';
import { alive, cgroupsNamed, mountsWith, ownFds, processesWith, runToFiles, runtimeBinary, waitFor } from './fixtures/runtime.js';

const skip = skipReason();
// runc, the peer these answers are compared with: scripts/system-packages.js installs it. By its
// path when it is not on PATH (CI hides it from PATH to check the fallbacks of other tests).
const RUNC = runcBinary();
const TAG = `lrt-${process.pid}`;
/** A program that says when it got SIGUSR1 and otherwise waits; its $0 is the tag the test finds it by. */
const WAITER = ['sh', '-c', 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 1; done', TAG];

describe('linuxns-runtime, driven as runc', { skip }, () => {
  let fs;
  let tmp;
  let root;
  let bundle;
  let bin;
  let fdsBefore;
  /** `linuxns-runtime --root ROOT ARGS`, its output in files. */
  const rt = (args, options) => runToFiles(bin, ['--root', root, ...args], tmp.dir, options);
  const runc = (args, options) => runToFiles(RUNC, ['--root', join(tmp.dir, 'runc-root'), ...args], tmp.dir, options);
  const stateOf = (id) => JSON.parse(rt(['state', id]).stdout);
  const deleteAfter = (t, ...ids) => t.after(() => {
    for (const id of ids) rt(['delete', '--force', id]);
  });

  before(() => {
    fdsBefore = ownFds();
    bin = runtimeBinary();
    fs = makeRootfs('linuxns-runtime-rootfs-');
    tmp = tempDir('runtime');
    root = join(tmp.dir, 'root');
    bundle = makeBundle(join(tmp.dir, 'bundle'), fs.root, WAITER);
  });
  after(() => {
    fs?.remove();
    tmp?.remove();
  });

  test('create leaves the init set up and waiting: state created with its pid, the pid file written, the command gone', async (t) => {
    deleteAfter(t, 'c1');
    const pidFile = join(tmp.dir, 'c1.pid');
    const r = rt(['create', '--bundle', bundle, '--pid-file', pidFile, 'c1']);
    assert.equal(r.status, 0, r.stderr);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const s = stateOf('c1');
    assert.deepEqual({ ...s, created: undefined }, { ociVersion: '1.0.2-dev', id: 'c1', pid, status: 'created', bundle, rootfs: join(bundle, 'rootfs'), created: undefined, owner: '' });
    assert.ok(alive(pid), 'the init lives on after create exited');
    const cmdline = () => readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    assert.ok(!cmdline().startsWith('sh\x00'), 'the program has not run yet');
    assert.equal(rt(['start', 'c1']).status, 0);
    assert.ok(await waitFor(() => cmdline().startsWith('sh\x00-c\x00')), 'start made the init exec the program');
    assert.equal(stateOf('c1').status, 'running');
    assert.equal(rt(['start', 'c1']).status, 1, 'a second start is refused');
  });

  test('state carries the bundle annotations; list shows the containers as a table, as JSON and by id', (t) => {
    deleteAfter(t, 'c2');
    const annotated = makeBundle(join(tmp.dir, 'bundle-annotated'), fs.root, WAITER, (spec) => {
      spec.annotations = { 'org.example/key': 'value' };
    });
    assert.equal(rt(['create', '-b', annotated, 'c2']).status, 0);
    assert.deepEqual(stateOf('c2').annotations, { 'org.example/key': 'value' });
    const table = rt(['list']).stdout.split('\n');
    assert.match(table[0], /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
    assert.ok(table.some((l) => /^c2\s+\d+\s+created\s+/.test(l)));
    const json = JSON.parse(rt(['list', '--format', 'json']).stdout);
    assert.deepEqual(json.find((c) => c.id === 'c2')?.owner, 'root');
    assert.ok(rt(['list', '-q']).stdout.split('\n').includes('c2'));
  });

  test('kill takes a signal by name with or without SIG, by number, or none (SIGTERM); --all reaches every process', async (t) => {
    deleteAfter(t, 'k1');
    assert.equal(runToFiles(bin, ['--root', root, 'run', '-d', '-b', bundle, 'k1'], tmp.dir, { name: 'k1' }).status, 0);
    // The init keeps run's stdout: the file out.k1.
    const said = () => readFileSync(join(tmp.dir, 'out.k1'), 'utf8');
    for (const sig of ['USR1', 'SIGUSR1', '10', 'usr1']) {
      const before = said().split('got-usr1').length;
      const r = rt(['kill', 'k1', sig]);
      assert.equal(r.status, 0, `kill ${sig}: ${r.stderr}`);
      assert.ok(await waitFor(() => said().split('got-usr1').length > before), `SIGUSR1 as ${sig} reached the init`);
    }
    assert.equal(rt(['kill', 'k1', 'NOPE']).status, 1);
    assert.equal(rt(['exec', '-d', 'k1', 'sleep', '1000']).status, 0);
    assert.equal(rt(['kill', '--all', 'k1', 'KILL']).status, 0);
    assert.ok(await waitFor(() => stateOf('k1').status === 'stopped'), 'stopped after kill --all KILL');
    const s = stateOf('k1');
    assert.equal(s.pid, 0, 'a stopped container has pid 0, as runc says');
    assert.equal(rt(['kill', 'k1']).status, 1, 'kill of a stopped container fails');
  });

  test('exec: the status passed through, a process JSON, detached with a pid file; ps lists them', async (t) => {
    deleteAfter(t, 'e1');
    assert.equal(rt(['run', '-d', '-b', bundle, 'e1']).status, 0);
    const r = rt(['exec', 'e1', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    assert.deepEqual([r.status, r.stdout, r.stderr], [7, 'out\n', 'err\n']);
    const procFile = join(tmp.dir, 'process.json');
    writeFileSync(procFile, JSON.stringify({ terminal: false, user: { uid: 65534, gid: 65534, umask: 0o077 }, args: ['sh', '-c', 'id -u; umask'], env: ['PATH=/bin'], cwd: '/tmp' }));
    const p = rt(['exec', '--process', procFile, 'e1']);
    assert.deepEqual([p.status, p.stdout], [0, '65534\n0077\n']);
    const pidFile = join(tmp.dir, 'e1-exec.pid');
    assert.equal(rt(['exec', '-d', '--pid-file', pidFile, 'e1', 'sleep', '999']).status, 0);
    const execPid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(alive(execPid) && readFileSync(`/proc/${execPid}/cmdline`, 'latin1') === 'sleep\x00999\x00', 'the pid file names the detached process');
    const ps = JSON.parse(rt(['ps', '--format', 'json', 'e1']).stdout);
    assert.ok(ps.includes(execPid) && ps.includes(stateOf('e1').pid), `ps lists the init and the exec'd process: ${ps}`);
    assert.match(rt(['ps', 'e1']).stdout, /^UID\s+PID\s+PPID/);
    assert.equal(rt(['exec', 'e1', 'no-such-program']).status, 255, 'runc\'s status of a failed exec');
  });

  test('pause and resume freeze and thaw; events --stats gives runc\'s stats JSON; update sets limits', (t) => {
    deleteAfter(t, 'p1');
    assert.equal(rt(['run', '-d', '-b', bundle, 'p1']).status, 0);
    assert.equal(rt(['pause', 'p1']).status, 0);
    assert.equal(stateOf('p1').status, 'paused');
    assert.equal(rt(['exec', 'p1', 'true']).status, 255, 'no exec in a paused container (runc\'s status of a failed exec)');
    assert.equal(rt(['pause', 'p1']).status, 1, 'paused twice is an error, as with runc');
    assert.equal(rt(['resume', 'p1']).status, 0);
    assert.equal(stateOf('p1').status, 'running');
    const ev = JSON.parse(rt(['events', '--stats', 'p1']).stdout);
    assert.equal(ev.type, 'stats');
    assert.equal(ev.id, 'p1');
    assert.equal(typeof ev.data.cpu.usage.total, 'number');
    assert.equal(typeof ev.data.memory.usage.usage, 'number');
    assert.equal(ev.data.pids.current >= 1, true);
    assert.equal(rt(['update', '--pids-limit', '77', 'p1']).status, 0);
    assert.equal(JSON.parse(rt(['events', '--stats', 'p1']).stdout).data.pids.limit, 77);
    // runc's other update flags and --resources JSON (what containerd's shim pipes in), read back from the cgroup files.
    const dir = (c) => cgroupsNamed('p1').find((p) => p.includes(`/${c}/`));
    const file = (c, f) => readFileSync(join(dir(c), f), 'utf8').trim();
    const v1Swap = dir('memory') !== undefined && existsSync(join(dir('memory'), 'memory.memsw.limit_in_bytes'));
    if (v1Swap) {
      assert.equal(rt(['update', '--memory', '64m', '--memory-swap', '128m', '--memory-reservation', '32m', '--cpuset-cpus', '0', 'p1']).status, 0);
      assert.deepEqual(['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes', 'memory.soft_limit_in_bytes'].map((f) => file('memory', f)), [String(64 << 20), String(128 << 20), String(32 << 20)]);
      assert.equal(file('cpuset', 'cpuset.cpus'), '0');
      const json = rt(['update', '--resources', '-', 'p1'], { input: JSON.stringify({ memory: { limit: 16 << 20, swap: 16 << 20 }, cpu: { shares: 0, cpus: '' } }) });
      assert.equal(json.status, 0, json.stderr);
      assert.deepEqual([file('memory', 'memory.limit_in_bytes'), file('memory', 'memory.memsw.limit_in_bytes')], [String(16 << 20), String(16 << 20)], 'lowered: the limit first, as runc');
      const below = rt(['update', '--memory', '64m', '--memory-swap', '1m', 'p1']);
      assert.equal(below.status, 1);
      assert.match(below.stderr, /memory\.swap must be at least memory\.limit/);
      assert.equal(file('memory', 'memory.limit_in_bytes'), String(16 << 20), 'nothing written');
    }
    const kmem = rt(['update', '--kernel-memory', '1m', 'p1']);
    assert.deepEqual([kmem.status, /--kernel-memory is not supported/.test(kmem.stderr)], [1, true]);
    const rdma = rt(['update', '--resources', '-', 'p1'], { input: JSON.stringify({ rdma: { mlx: { hcaHandles: 1 } }, memory: { kernelTCP: 5 } }) });
    assert.deepEqual([rdma.status, /cannot update rdma, memory\.kernelTCP/.test(rdma.stderr)], [1, true], rdma.stderr);
  });

  test('delete refuses a running container; --force removes it with its cgroups and mounts; state then says it does not exist', async (t) => {
    deleteAfter(t, 'd1');
    assert.equal(rt(['run', '-d', '-b', bundle, 'd1']).status, 0);
    const pid = stateOf('d1').pid;
    const refused = rt(['delete', 'd1']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /not stopped/);
    assert.ok(cgroupsNamed('d1').length > 0);
    assert.equal(rt(['delete', '--force', 'd1']).status, 0);
    assert.ok(await waitFor(() => !alive(pid)));
    assert.deepEqual(cgroupsNamed('d1'), []);
    const gone = rt(['state', 'd1']);
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /container does not exist/);
    assert.equal(rt(['delete', '--force', 'd1']).status, 0, 'delete --force of nothing succeeds, as runc');
    assert.equal(rt(['delete', 'd1']).status, 1);
  });

  test('commands on one container at once are serialized by its lock: each answers as if alone, and concurrent delete --force leaves nothing', async (t) => {
    deleteAfter(t, 'l1');
    assert.equal(rt(['run', '-d', '-b', bundle, 'l1']).status, 0);
    /** `linuxns-runtime --root ROOT ARGS` without waiting: its exit status. */
    const spawned = (args) => new Promise((resolve, reject) => {
      const child = spawn(bin, ['--root', root, ...args], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', (code) => resolve(code));
    });
    const pauses = await Promise.all([spawned(['pause', 'l1']), spawned(['pause', 'l1']), spawned(['pause', 'l1'])]);
    assert.deepEqual(pauses.sort(), [0, 1, 1], 'one pause froze it, the others found it paused');
    assert.equal(stateOf('l1').status, 'paused');
    const resumes = await Promise.all([spawned(['resume', 'l1']), spawned(['resume', 'l1'])]);
    assert.deepEqual(resumes.sort(), [0, 1]);
    assert.equal(stateOf('l1').status, 'running');
    const deletes = await Promise.all([spawned(['delete', '--force', 'l1']), spawned(['delete', '--force', 'l1']), spawned(['kill', 'l1', 'KILL'])]);
    assert.deepEqual(deletes.slice(0, 2), [0, 0]);
    assert.equal(rt(['state', 'l1']).status, 1);
    assert.deepEqual(cgroupsNamed('l1'), []);
  });

  test('run in the foreground: the output and exit status passed through, the container deleted after (kept with --keep)', (t) => {
    deleteAfter(t, 'r1', 'r2');
    const fg = makeBundle(join(tmp.dir, 'bundle-fg'), fs.root, ['sh', '-c', 'echo fg; exit 9']);
    const r = rt(['run', '-b', fg, 'r1']);
    assert.deepEqual([r.status, r.stdout], [9, 'fg\n'], r.stderr);
    assert.equal(rt(['state', 'r1']).status, 1, 'deleted after');
    assert.equal(rt(['run', '--keep', '-b', fg, 'r2']).status, 9);
    assert.equal(stateOf('r2').status, 'stopped');
    assert.equal(rt(['delete', 'r2']).status, 0);
    assert.deepEqual(cgroupsNamed('r2'), []);
  });

  test('--preserve-fds N: the init gets the caller\'s fds 3 to 3+N-1', async (t) => {
    deleteAfter(t, 'pf');
    const out = join(tmp.dir, 'fd3.txt');
    const fd3 = openSync(out, 'w');
    try {
      const b = makeBundle(join(tmp.dir, 'bundle-fds'), fs.root, ['sh', '-c', 'echo through-fd-3 >&3']);
      const r = spawnSync(bin, ['--root', root, 'run', '-d', '--preserve-fds', '1', '-b', b, 'pf'], { stdio: ['ignore', 'ignore', 'pipe', fd3], encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      closeSync(fd3);
    }
    assert.ok(await waitFor(() => readFileSync(out, 'utf8') === 'through-fd-3\n'));
  });

  test('--log FILE --log-format json: the error as one JSON line (level, msg, time), the bare message on stderr', () => {
    const log = join(tmp.dir, 'log.json');
    const r = runToFiles(bin, ['--root', root, '--log', log, '--log-format', 'json', 'state', 'nope'], tmp.dir);
    assert.equal(r.status, 1);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 1);
    assert.deepEqual(Object.keys(lines[0]).sort(), ['level', 'msg', 'time']);
    assert.equal(lines[0].level, 'error');
    assert.equal(lines[0].msg, 'container does not exist');
    assert.equal(r.stderr, 'container does not exist\n');
    const text = rt(['state', 'nope']);
    assert.match(text.stderr, /^time="[^"]+" level=error msg="container does not exist"\n$/);
  });

  test('a create that fails says why in the log, leaves nothing, and exits 1', () => {
    const log = join(tmp.dir, 'create-log.json');
    const bad = makeBundle(join(tmp.dir, 'bundle-missing'), fs.root, ['no-such-program']);
    const r = runToFiles(bin, ['--root', root, '--log', log, '--log-format', 'json', 'create', '-b', bad, 'f1'], tmp.dir);
    assert.equal(r.status, 1);
    assert.match(JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)).msg, /no-such-program.*executable file not found/);
    assert.equal(rt(['state', 'f1']).status, 1);
    assert.deepEqual(cgroupsNamed('f1'), []);
  });

  test('features, spec, version and help answer; checkpoint and restore are refused; bad usage exits 1', () => {
    const f = JSON.parse(rt(['features']).stdout);
    assert.ok(f.ociVersionMax && Array.isArray(f.hooks) && Array.isArray(f.mountOptions));
    const dir = join(tmp.dir, 'spec');
    mkdirSync(dir);
    assert.equal(runToFiles(bin, ['spec'], tmp.dir, { cwd: dir }).status, 0);
    assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).process.args[0], 'sh');
    assert.equal(runToFiles(bin, ['spec'], tmp.dir, { cwd: dir }).status, 1, 'an existing config.json is kept');
    assert.equal(rt(['--version']).status, 0);
    assert.equal(rt(['--help']).status, 0);
    for (const c of ['checkpoint', 'restore']) {
      const r = rt([c, 'x']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /not supported/);
    }
    assert.equal(rt(['no-such-command']).status, 1);
    assert.equal(rt(['state']).status, 1);
    assert.equal(rt(['create', '--no-such-flag', 'x']).status, 1);
  });

  test('the same commands with runc give the same answers', { skip: RUNC === undefined && 'runc is not installed (scripts/system-packages.js installs it)' }, async (t) => {
    t.after(() => {
      runc(['delete', '--force', 'cmp']);
      rt(['delete', '--force', 'cmp']);
    });
    const ours = rt(['state', 'none']);
    const theirs = runc(['state', 'none']);
    assert.equal(ours.status, theirs.status);
    assert.match(theirs.stderr, /container does not exist/);
    // runc takes no symlink as its rootfs: the rootfs's own path.
    const direct = makeBundle(join(tmp.dir, 'bundle-direct'), fs.root, WAITER, (spec) => {
      spec.root.path = fs.root;
    });
    const made = runc(['create', '-b', direct, 'cmp']);
    assert.equal(made.status, 0, made.stderr);
    assert.equal(rt(['create', '-b', direct, 'cmp']).status, 0);
    const a = JSON.parse(rt(['state', 'cmp']).stdout);
    const b = JSON.parse(runc(['state', 'cmp']).stdout);
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
    assert.deepEqual([a.status, a.bundle, a.ociVersion], [b.status, b.bundle, b.ociVersion]);
    for (const args of [['start', 'cmp'], ['pause', 'cmp'], ['resume', 'cmp'], ['resume', 'cmp'], ['kill', 'cmp', 'NOPE'], ['delete', 'cmp'], ['kill', 'cmp', 'KILL']]) {
      assert.equal(rt(args).status, runc(args).status, `${args.join(' ')}: the same exit status as runc`);
    }
    // Once the init is dead: kill --all succeeds (the shims send it after the init's exit), kill alone fails, as with runc.
    assert.ok(await waitFor(() => JSON.parse(rt(['state', 'cmp']).stdout).status === 'stopped' && JSON.parse(runc(['state', 'cmp']).stdout).status === 'stopped'), 'both stopped');
    for (const args of [['kill', '--all', 'cmp', 'KILL'], ['kill', 'cmp', 'KILL']]) {
      const [ours, theirs] = [rt(args).status, runc(args).status];
      assert.deepEqual([ours, theirs], [theirs, args.includes('--all') ? 0 : 1], `${args.join(' ')}: the same exit status as runc`);
    }
    assert.deepEqual(Object.keys(JSON.parse(rt(['list', '--format', 'json']).stdout)[0]).sort(), Object.keys(JSON.parse(runc(['list', '--format', 'json']).stdout)[0]).sort());
  });

  test('nothing is left: no container, process, cgroup, mount or fd of the tests', async () => {
    assert.equal(rt(['list', '-q']).stdout, '');
    assert.ok(await waitFor(() => processesWith(TAG).length === 0), `processes left: ${processesWith(TAG)}`);
    for (const id of ['c1', 'c2', 'k1', 'e1', 'p1', 'd1', 'l1', 'r1', 'r2', 'pf', 'f1', 'cmp']) assert.deepEqual(cgroupsNamed(id).filter((p) => !p.includes('runc')), []);
    assert.deepEqual(mountsWith(tmp.dir), []);
    assert.deepEqual(existsSync(root) ? readdirSync(root).filter((n) => !n.startsWith('.')) : [], []);
    assert.deepEqual(ownFds(), fdsBefore);
  });
});
