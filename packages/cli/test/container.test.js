// `linuxns container`, driven like runc: a bundle made by `runc spec` (or by
// @linuxns/container's specTemplate, the same config, when runc is not on
// PATH) over a busybox rootfs; create, start, state, exec, kill, delete
// leaving nothing behind; run passing the status through; list; bad input
// answered with one line and exit status 1. Each test deletes the containers
// it made even when it fails, so that one failure does not break the next.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeBundle } from '../../container/test/fixtures/bundle.js';
import { makeRootfs, skipReason } from '../../container/test/fixtures/rootfs.js';
import { BIN, assertOk, assertRefused, linuxns, mountsMentioning, tempDir } from './fixtures/cli.js';

const skip = skipReason();
const TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts'];

/** Whether `pid` is a live process (not a zombie). */
function alive(pid) {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Pids of the live processes in the pid namespace `link` ('pid:[INODE]'): what runs in a container. */
function processesIn(link) {
  const pids = [];
  for (const p of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readlinkSync(`/proc/${p}/ns/pid`) === link && alive(p)) pids.push(Number(p));
    } catch {
      /* gone, or a kernel thread */
    }
  }
  return pids;
}

/** The cgroup directories the library makes by default for container `id` of `root`. */
function cgroupDirsOf(root, id) {
  const parent = `linuxns-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
  const dirs = [join('/sys/fs/cgroup', parent, id)];
  for (const h of readdirSync('/sys/fs/cgroup')) dirs.push(join('/sys/fs/cgroup', h, parent, id));
  return dirs;
}

describe('linuxns container, like runc', { skip }, () => {
  let fs;
  let tmp;
  let root;
  let sleeper;
  let seven;
  let log;
  /** `linuxns container --root ROOT ARGS`. */
  const ctr = (args, options) => linuxns(['container', '--root', root, ...args], options);
  /** Has `delete -f` run on each of `ids` once test `t` ends, passed or failed. */
  const deleteAfter = (t, ...ids) => t.after(() => {
    for (const id of ids) ctr(['delete', '-f', id]);
  });
  /**
   * `start`: the init keeps start's stdout and stderr, so they go to a file
   * (a pipe would stay open as long as the container runs).
   */
  const startDetached = (id) => {
    const fd = openSync(log, 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, 'container', '--root', root, 'start', id], { stdio: ['ignore', fd, fd], timeout: 60_000 });
      return { status: r.status, output: readFileSync(log, 'utf8') };
    } finally {
      closeSync(fd);
    }
  };

  before(() => {
    fs = makeRootfs('linuxns-cli-rootfs-');
    tmp = tempDir('container');
    root = join(tmp.dir, 'root');
    log = join(tmp.dir, 'start.log');
    sleeper = makeBundle(join(tmp.dir, 'sleeper'), fs.root, ['sleep', '1000']);
    seven = makeBundle(join(tmp.dir, 'seven'), fs.root, ['sh', '-c', 'echo ran in $(hostname); exit 7']);
  });
  after(() => {
    // Whatever a failed test left: delete -f each container, then the files.
    for (const id of existsSync(root) ? readdirSync(root) : []) ctr(['delete', '-f', id]);
    tmp.remove();
    fs.remove();
  });

  test('create, start, state, exec into every namespace, kill, delete: nothing is left', (t) => {
    deleteAfter(t, 'box');
    assertOk(ctr(['create', '--bundle', sleeper, 'box']), 'create');
    let st = JSON.parse(ctr(['state', 'box']).stdout);
    assert.deepEqual({ id: st.id, status: st.status, pid: st.pid, bundle: st.bundle }, { id: 'box', status: 'created', pid: 0, bundle: sleeper });
    assert.equal(st.rootfs, join(sleeper, 'rootfs'));
    assert.ok(!Number.isNaN(Date.parse(st.created)), st.created);

    const started = startDetached('box');
    assert.equal(started.status, 0, `start: ${started.output}`);
    st = JSON.parse(ctr(['state', 'box']).stdout);
    assert.equal(st.status, 'running');
    assert.ok(st.pid > 0 && alive(st.pid), `pid ${st.pid}`);
    const pid = st.pid;
    const pidns = readlinkSync(`/proc/${pid}/ns/pid`);
    assert.deepEqual(processesIn(pidns), [pid], 'the init is seen in its namespace (so that the check after delete means something)');

    // exec lands in the container: its hostname, its pid 1, and every namespace of the init.
    const r = ctr(['exec', 'box', '--', 'sh', '-c', `hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; for t in ${TYPES.join(' ')}; do readlink /proc/self/ns/$t; done`]);
    assertOk(r, 'exec');
    const [hostname, cmdline, ...links] = r.stdout.trim().split('\n');
    assert.equal(hostname, 'runc');
    assert.equal(cmdline.trim(), 'sleep 1000');
    assert.deepEqual(links, TYPES.map((t) => readlinkSync(`/proc/${pid}/ns/${t}`)));
    assert.notEqual(links[TYPES.indexOf('net')], readlinkSync('/proc/self/ns/net'));
    assert.equal(ctr(['exec', 'box', 'sh', '-c', 'exit 3']).status, 3, 'exec passes the status through');
    assert.equal(ctr(['exec', 'box', '--', 'no-such-command']).status, 127);

    assertRefused(ctr(['delete', 'box']), /^linuxns: container delete: container 'box' is running: .*-f/);
    assert.equal(JSON.parse(ctr(['state', 'box']).stdout).status, 'running', 'a refused delete touched it');

    assertOk(ctr(['kill', 'box', 'KILL']), 'kill');
    for (let i = 0; i < 200 && alive(pid); i++) spawnSync('sleep', ['0.01']);
    assert.equal(JSON.parse(ctr(['state', 'box']).stdout).status, 'stopped');
    assertRefused(ctr(['exec', 'box', 'true']), /^linuxns: container exec: .*stopped/);

    assertOk(ctr(['delete', 'box']), 'delete');
    assert.equal(existsSync(join(root, 'box')), false, 'the state directory is left');
    assert.deepEqual(mountsMentioning(fs.base), []);
    assert.deepEqual(processesIn(pidns), []);
    assert.equal(alive(pid), false);
    assert.deepEqual(cgroupDirsOf(root, 'box').filter(existsSync), []);
    assertRefused(ctr(['state', 'box']), /^linuxns: container state: container 'box' does not exist/);
  });

  test('run passes the exit status through and deletes the container; --keep keeps it', (t) => {
    deleteAfter(t, 'seven', 'kept');
    const r = ctr(['run', '-b', seven, 'seven'], { stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.status, 7, r.stderr);
    assert.equal(r.stdout, 'ran in runc\n');
    assert.equal(existsSync(join(root, 'seven')), false);
    const k = ctr(['run', '--keep', '--bundle', seven, 'kept']);
    assert.equal(k.status, 7, k.stderr);
    assert.equal(JSON.parse(ctr(['state', 'kept']).stdout).status, 'stopped');
    assertOk(ctr(['delete', 'kept']), 'delete a stopped container');
    assert.deepEqual(mountsMentioning(fs.base), []);
    assert.deepEqual([...cgroupDirsOf(root, 'seven'), ...cgroupDirsOf(root, 'kept')].filter(existsSync), []);
  });

  test('list and list -J show the containers; delete -f removes a running one', (t) => {
    deleteAfter(t, 'l1', 'l2');
    assertOk(ctr(['create', '-b', sleeper, 'l1']), 'create l1');
    assertOk(ctr(['create', '-b', sleeper, 'l2']), 'create l2');
    assert.equal(startDetached('l2').status, 0);
    const pid = JSON.parse(ctr(['state', 'l2']).stdout).pid;
    const pidns = readlinkSync(`/proc/${pid}/ns/pid`);

    const table = ctr(['list']);
    assertOk(table, 'list');
    const lines = table.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(lines[0], ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED']);
    assert.deepEqual(lines.slice(1).map((l) => l.slice(0, 4)), [['l1', '0', 'created', sleeper], ['l2', String(pid), 'running', sleeper]]);
    const json = JSON.parse(ctr(['list', '-J']).stdout);
    assert.deepEqual(json.map((s) => [s.id, s.pid, s.status, s.bundle]), [['l1', 0, 'created', sleeper], ['l2', pid, 'running', sleeper]]);
    assert.deepEqual(JSON.parse(ctr(['list', '--json']).stdout), json);
    assert.equal(ctr(['list', '-q']).stdout, 'l1\nl2\n');

    assertOk(ctr(['delete', '-f', 'l2']), 'delete -f');
    assertOk(ctr(['delete', 'l1']), 'delete a created one');
    assert.equal(alive(pid), false);
    assert.equal(ctr(['list', '-J']).stdout.trim(), '[]');
    assert.deepEqual(processesIn(pidns), []);
    assert.deepEqual(mountsMentioning(fs.base), []);
    assert.deepEqual([...cgroupDirsOf(root, 'l1'), ...cgroupDirsOf(root, 'l2')].filter(existsSync), []);
  });

  test('bad input: one linuxns: line, exit status 1, nothing made', (t) => {
    deleteAfter(t, 'x');
    const noConfig = join(tmp.dir, 'empty-bundle');
    mkdirSync(noConfig);
    assertRefused(ctr(['state', 'nobody']), /^linuxns: container state: container 'nobody' does not exist under /);
    assertRefused(ctr(['start', 'nobody']), /does not exist/);
    assertRefused(ctr(['kill', 'nobody']), /does not exist/);
    assertRefused(ctr(['delete', 'nobody']), /does not exist/);
    assertRefused(ctr(['exec', 'nobody', 'true']), /does not exist/);
    assertRefused(ctr(['create', '-b', sleeper, 'a/b']), /^linuxns: container create: invalid container id "a\/b"/);
    assertRefused(ctr(['state', '../x']), /invalid container id/);
    assertRefused(ctr(['create', '-b', noConfig, 'x']), /^linuxns: container create: .*no config\.json in the bundle/);
    assertRefused(ctr(['run', '-b', noConfig, 'x']), /no config\.json/);
    assertRefused(ctr(['kill', 'x', 'NOSIG']), /unknown signal 'NOSIG'/);
    assertRefused(ctr(['create']), /missing ID/);
    assertRefused(ctr(['exec', 'x']), /missing the command/);
    assertRefused(ctr(['bogus']), /^linuxns: container: unknown subcommand 'bogus'/);
    assertRefused(linuxns(['container']), /missing a subcommand/);
    assertOk(ctr(['delete', '-f', 'nobody']), 'delete -f of nothing (as runc)');
    assert.deepEqual(existsSync(root) ? readdirSync(root) : [], []);

    // --debug adds the error as JSON on a second line.
    const d = linuxns(['--debug', 'container', '--root', root, 'create', '-b', noConfig, 'x']);
    assert.equal(d.status, 1);
    assert.equal(JSON.parse(d.stderr.split('\n')[1]).kind, 'container-config-invalid');
  });

  test('--help on every subcommand', () => {
    for (const words of [[], ['create'], ['start'], ['run'], ['state'], ['list'], ['kill'], ['delete'], ['exec']]) {
      const r = linuxns(['container', ...words, '--help']);
      assert.equal(r.status, 0, words.join(' '));
      assert.match(r.stdout, /^Usage:\n linuxns container /);
      for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, line);
    }
  });
});
