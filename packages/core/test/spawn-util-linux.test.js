// spawn() against util-linux: the same requests through unshare and nsenter
// and through linuxns must show the command the same namespaces, maps, ids
// and pids: new user namespaces with their maps and setgroups, uts, pid and
// mount namespaces, and joins by pid, by path, by handle and by pin.
// Namespaces are compared by inode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { createNamespace, pinNamespace, unpinNamespace } from '../dist/index.js';
import { inoOf, unwrap } from './fixtures/ns-helpers.js';
import { direct, mapLine, mapUsersArg, ourLink, run, sh, sleeperIn, spawnTestSetup } from './fixtures/spawn-helpers.js';

const tmp = spawnTestSetup(before, after);

describe('same answers as util-linux', () => {
  test('create user with mapRootUser and setgroups deny shows the maps and setgroups of unshare --user --map-root-user', async () => {
    const files = ['/proc/self/uid_map', '/proc/self/gid_map', '/proc/self/setgroups'];
    const theirs = direct('unshare', ['--user', '--map-root-user', 'cat', ...files]);
    assert.ok(theirs.ok, theirs.err);
    const ours = await run('cat', files, { create: ['user'], mapRootUser: true, setgroups: 'deny' });
    assert.equal(ours.code, 0, ours.err);
    assert.equal(ours.out, theirs.out);
    assert.equal(ours.out, `${mapLine(0, 0, 1)}${mapLine(0, 0, 1)}deny\n`);
  });

  test('by default mapRootUser writes setgroups "deny", as unshare --map-root-user does, and setgroups: "allow" overrides it', async () => {
    const files = ['/proc/self/uid_map', '/proc/self/gid_map', '/proc/self/setgroups'];
    const theirs = direct('unshare', ['--user', '--map-root-user', 'cat', ...files]);
    const ours = await run('cat', files, { create: ['user'], mapRootUser: true });
    assert.equal(ours.out, theirs.out);
    assert.equal(ours.out.split('\n')[2], 'deny');
    // What it means: root inside may not call setgroups(2), in both; with 'allow' it may.
    const probe = 'import os\ntry:\n    os.setgroups([0]); print("setgroups ok")\nexcept PermissionError:\n    print("setgroups EPERM")';
    const theirCall = direct('unshare', ['--user', '--map-root-user', 'python3', '-c', probe]);
    const ourCall = await run('python3', ['-c', probe], { create: ['user'], mapRootUser: true });
    assert.equal(theirCall.out, 'setgroups EPERM\n');
    assert.equal(ourCall.out, theirCall.out);
    const ourAllow = await run('python3', ['-c', probe], { create: ['user'], mapRootUser: true, setgroups: 'allow' });
    assert.equal(ourAllow.out, 'setgroups ok\n');
  });

  for (const [outer, inner, count] of [
    [0, 0, 65536],
    [100000, 0, 65536],
  ]) {
    test(`uidMappings/gidMappings {containerID: ${inner}, hostID: ${outer}, size: ${count}} give the id and maps of unshare --map-users/--map-groups`, async (t) => {
      const script = 'id -u; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups';
      const range = [{ containerID: inner, hostID: outer, size: count }];
      const ours = await sh(script, { create: ['user'], uidMappings: range, gidMappings: range });
      assert.equal(ours.code, 0, ours.err);
      // Root outside (uid 0) is inside only if the range maps it: else the overflow uid 65534.
      const expectedId = outer === 0 ? inner : 65534;
      assert.equal(ours.out, `${expectedId}\n${mapLine(inner, outer, count)}${mapLine(inner, outer, count)}allow\n`);
      const arg = mapUsersArg(outer, inner, count);
      const theirs = direct('unshare', ['--user', `--map-users=${arg}`, `--map-groups=${arg}`, 'sh', '-c', script]);
      if (theirs.ok) {
        assert.equal(ours.out, theirs.out);
      } else {
        // util-linux 2.38 writes ranges only through shadow's newuidmap/newgidmap, which need the
        // uidmap package and /etc/subuid and /etc/subgid entries for root. Without them unshare cannot
        // run this request at all (we can: the helper writes the maps itself); the expected output
        // above is what util-linux documents for this form.
        assert.match(theirs.err, /newuidmap|newgidmap/, `unshare failed for another reason: ${theirs.err}`);
        t.diagnostic(`unshare --map-users=${arg} cannot run here: ${theirs.err.trim().split('\n')[0]}`);
      }
    });
  }

  test('create uts with hostname shows "box" in a new uts namespace, as unshare --uts does after hostname box; ours stays', async () => {
    // util-linux 2.38 unshare has no --hostname: its command sets the name itself.
    assert.doesNotMatch(execFileSync('unshare', ['--help'], { encoding: 'utf8' }), /--hostname/);
    const mine = osHostname();
    const theirs = direct('unshare', ['--uts', 'sh', '-c', 'hostname box; hostname; readlink /proc/self/ns/uts']);
    assert.ok(theirs.ok, theirs.err);
    const ours = await sh('hostname; readlink /proc/self/ns/uts', { create: ['uts'], hostname: 'box' });
    assert.equal(ours.code, 0, ours.err);
    const [theirName, theirUts] = theirs.out.trim().split('\n');
    const [ourName, ourUts] = ours.out.trim().split('\n');
    assert.equal(ourName, theirName);
    assert.equal(ourName, 'box');
    assert.notEqual(inoOf(ourUts), inoOf(ourLink('uts')));
    assert.notEqual(inoOf(theirUts), inoOf(ourLink('uts')));
    assert.equal(osHostname(), mine, 'the hostname of this process changed');
  });

  test('create uts with domainname sets the NIS domain inside only, as unshare --uts with a write of it does', async () => {
    const mine = readFileSync('/proc/sys/kernel/domainname', 'utf8');
    const theirs = direct('unshare', ['--uts', 'sh', '-c', 'echo example.test > /proc/sys/kernel/domainname; cat /proc/sys/kernel/domainname']);
    const ours = await run('cat', ['/proc/sys/kernel/domainname'], { create: ['uts'], domainname: 'example.test' });
    assert.equal(ours.out, theirs.out);
    assert.equal(ours.out, 'example.test\n');
    assert.equal(readFileSync('/proc/sys/kernel/domainname', 'utf8'), mine);
  });

  test("create pid and mnt makes the command pid 1, as unshare --pid --fork --mount-proc does (sh -c 'echo $$' prints 1)", async () => {
    const theirs = direct('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', 'echo $$']);
    assert.ok(theirs.ok, theirs.err);
    const ours = await sh('echo $$; readlink /proc/self/ns/pid_for_children', { create: ['pid', 'mnt'] });
    assert.equal(ours.code, 0, ours.err);
    const [pid, ns] = ours.out.trim().split('\n');
    assert.equal(pid, theirs.out.trim());
    assert.equal(pid, '1');
    assert.notEqual(inoOf(ns), inoOf(ourLink('pid')));
  });

  test('a new mount namespace has no shared mount, as unshare --mount makes it (propagation private)', async () => {
    const shared = (mountinfo) => mountinfo.split('\n').filter((l) => / shared:\d+/.test(l)).length;
    const theirs = direct('unshare', ['--mount', 'cat', '/proc/self/mountinfo']);
    assert.ok(theirs.ok, theirs.err);
    const ours = await run('cat', ['/proc/self/mountinfo'], { create: ['mnt'] });
    assert.equal(shared(ours.out), shared(theirs.out));
    assert.equal(shared(ours.out), 0);
    assert.equal(ours.out.trim().split('\n').length, theirs.out.trim().split('\n').length, 'the same mounts');
  });

  describe('joining the namespaces of a process started by unshare --net --uts --ipc', () => {
    const files = ['/proc/self/ns/net', '/proc/self/ns/uts', '/proc/self/ns/ipc'];
    let sleeper;
    before(async () => {
      sleeper = await sleeperIn(['--net', '--uts', '--ipc'], ['net', 'uts', 'ipc']);
    });
    after(async () => {
      await sleeper?.stop();
    });
    const theirLinks = () => files.map((f) => readlinkSync(f.replace('self', String(sleeper.pid))));

    test('join by bare pid shows what nsenter --target PID --all shows, the sleeper’s own namespaces', async () => {
      const theirs = direct('nsenter', ['--target', String(sleeper.pid), '--all', 'readlink', ...files]);
      assert.ok(theirs.ok, theirs.err);
      const ours = await run('readlink', files, { join: sleeper.pid });
      assert.equal(ours.code, 0, ours.err);
      assert.equal(ours.out, theirs.out);
      assert.deepEqual(ours.out.trim().split('\n'), theirLinks());
      for (const [i, type] of ['net', 'uts', 'ipc'].entries()) assert.notEqual(inoOf(ours.out.trim().split('\n')[i]), inoOf(ourLink(type)));
    });

    test('join by pid and type gives the same namespaces as nsenter --target PID --net --uts --ipc', async () => {
      const theirs = direct('nsenter', ['--target', String(sleeper.pid), '--net', '--uts', '--ipc', 'readlink', ...files]);
      assert.ok(theirs.ok, theirs.err);
      const ours = await run('readlink', files, { join: { net: sleeper.pid, uts: sleeper.pid, ipc: sleeper.pid } });
      assert.equal(ours.out, theirs.out);
    });

    test('join by path (/proc/PID/ns/X) gives the same namespaces as nsenter --net=PATH --uts=PATH --ipc=PATH', async () => {
      const path = (t) => `/proc/${sleeper.pid}/ns/${t}`;
      const theirs = direct('nsenter', [`--net=${path('net')}`, `--uts=${path('uts')}`, `--ipc=${path('ipc')}`, 'readlink', ...files]);
      assert.ok(theirs.ok, theirs.err);
      const ours = await run('readlink', files, { join: { net: path('net'), uts: path('uts'), ipc: path('ipc') } });
      assert.equal(ours.out, theirs.out);
      // only the joined types changed: the user and mnt namespaces are still ours
      const rest = await run('readlink', ['/proc/self/ns/user', '/proc/self/ns/mnt'], { join: { net: path('net') } });
      assert.deepEqual(rest.out.trim().split('\n'), [ourLink('user'), ourLink('mnt')]);
    });
  });

  test('join by a NamespaceHandle from createNamespace("net") runs the command in that namespace', async () => {
    const h = unwrap(await createNamespace('net'));
    try {
      const ours = await run('readlink', ['/proc/self/ns/net'], { join: { net: h } });
      assert.equal(ours.code, 0, ours.err);
      assert.equal(inoOf(ours.out.trim()), h.ino);
      assert.notEqual(h.ino, inoOf(ourLink('net')));
      // the handle is still ours, open and usable after spawn
      const again = await run('readlink', ['/proc/self/ns/net'], { join: { net: h } });
      assert.equal(again.out, ours.out);
    } finally {
      h.close();
    }
  });

  test('join by a pinned path gives the namespace nsenter --net=PIN gives', async () => {
    const h = unwrap(await createNamespace('net'));
    const pin = join(tmp.dir, 'pinned-net');
    try {
      unwrap(pinNamespace(h, pin));
      h.close();
      const theirs = direct('nsenter', [`--net=${pin}`, 'readlink', '/proc/self/ns/net']);
      assert.ok(theirs.ok, theirs.err);
      const ours = await run('readlink', ['/proc/self/ns/net'], { join: { net: pin } });
      assert.equal(ours.out, theirs.out);
      assert.equal(inoOf(ours.out.trim()), h.ino);
    } finally {
      if (existsSync(pin)) unwrap(unpinNamespace(pin));
    }
    assert.equal(existsSync(pin), false);
  });
});
