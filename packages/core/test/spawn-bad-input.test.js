// spawn() refuses bad input clearly and leaves nothing behind: invalid
// options and join targets, a missing command or cwd, the kernel's id-map
// limits (refused one past them, accepted at them), misuse as TypeError, and
// hundreds of spawns, successes and failures mixed, without a zombie or an fd.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from '../dist/index.js';
import { errorOf, unwrap } from './fixtures/ns-helpers.js';
import { assertNothingLeft, childrenOf, mapLine, run, snapshot, spawnTestSetup } from './fixtures/spawn-helpers.js';

const tmp = spawnTestSetup(before, after);

describe('bad input fails clearly and leaves nothing behind', () => {
  const user = ['user'];
  const r = (containerID, hostID, size) => ({ containerID, hostID, size });
  const cases = [
    ['overlapping uid ranges (inside) are an invalid-option of uidMappings', { create: user, uidMappings: [r(0, 0, 10), r(5, 100, 10)] }, 'invalid-option', { option: 'uidMappings' }],
    ['overlapping gid ranges (outside) are an invalid-option of gidMappings', { create: user, gidMappings: [r(0, 100, 10), r(50, 105, 10)] }, 'invalid-option', { option: 'gidMappings' }],
    ['an empty list of ranges is an invalid-option', { create: user, uidMappings: [] }, 'invalid-option', { option: 'uidMappings' }],
    ['341 ranges (one past the kernel limit) are an invalid-option', { create: user, uidMappings: Array.from({ length: 341 }, (_, i) => r(i, i, 1)) }, 'invalid-option', { option: 'uidMappings' }],
    ['340 ranges too long for one 4096-byte write are an invalid-option', { create: user, uidMappings: Array.from({ length: 340 }, (_, i) => r(100000 + i, 200000 + i, 1)) }, 'invalid-option', { option: 'uidMappings' }],
    ['a range of size 0 is an invalid-option', { create: user, uidMappings: [r(0, 0, 0)] }, 'invalid-option', { option: 'uidMappings' }],
    ['a negative id is an invalid-option', { create: user, uidMappings: [r(-1, 0, 1)] }, 'invalid-option', { option: 'uidMappings' }],
    ['a non-integer id is an invalid-option', { create: user, gidMappings: [r(0, 1.5, 1)] }, 'invalid-option', { option: 'gidMappings' }],
    ['an id given as a string is an invalid-option', { create: user, uidMappings: [r('0', 0, 1)] }, 'invalid-option', { option: 'uidMappings' }],
    ['a range past 2^32 is an invalid-option', { create: user, uidMappings: [r(0, 4294967295, 2)] }, 'invalid-option', { option: 'uidMappings' }],
    ['an outside id of 4294967295, (uid_t)-1, is an invalid-option', { create: user, uidMappings: [r(0, 4294967295, 1)] }, 'invalid-option', { option: 'uidMappings' }],
    ['a range that reaches 4294967295 inside is an invalid-option', { create: user, gidMappings: [r(1, 0, 4294967295)] }, 'invalid-option', { option: 'gidMappings' }],
    ['id maps without creating a user namespace are an invalid-option', { uidMappings: [r(0, 0, 1)] }, 'invalid-option', { option: 'uidMappings' }],
    ['mapRootUser without creating a user namespace is an invalid-option of mapRootUser', { mapRootUser: true }, 'invalid-option', { option: 'mapRootUser' }],
    ['mapRootUser with explicit maps is an invalid-option', { create: user, mapRootUser: true, uidMappings: [r(0, 0, 1)] }, 'invalid-option', { option: 'mapRootUser' }],
    ['setgroups without creating a user namespace is an invalid-option', { setgroups: 'deny' }, 'invalid-option', { option: 'setgroups' }],
    ['a hostname without a new uts namespace is an invalid-option', { hostname: 'box' }, 'invalid-option', { option: 'hostname' }],
    ['a domainname without a new uts namespace is an invalid-option', { domainname: 'example.test' }, 'invalid-option', { option: 'domainname' }],
    ['a join path that is not a namespace (/etc/passwd) is not-a-namespace', { join: { net: '/etc/passwd' } }, 'not-a-namespace', { path: '/etc/passwd' }],
    ['a namespace file of the wrong type (/proc/self/ns/user as net) is wrong-namespace-type', { join: { net: '/proc/self/ns/user' } }, 'wrong-namespace-type', { expected: 'net', actual: 'user' }],
    ['a join path that does not exist is not-found', { join: { net: '/nonexistent/linuxns/net' } }, 'not-found', { path: '/nonexistent/linuxns/net' }],
    ['a relative join path is invalid-target', { join: { net: 'proc/self/ns/net' } }, 'invalid-target', {}],
    ['an unknown namespace type in create is unknown-namespace-type', { create: ['bogus'] }, 'unknown-namespace-type', { value: 'bogus' }],
    ['a type both joined and created is an invalid-option of join', { join: { net: '/proc/self/ns/net' }, create: ['net'] }, 'invalid-option', { option: 'join' }],
    ['joining a process that does not exist is no-such-process', { join: 2 ** 22 + 1 }, 'no-such-process', {}],
  ];
  for (const [name, options, kind, fields] of cases) {
    test(name, async () => {
      const before = snapshot();
      const e = errorOf(await spawn('true', [], options), kind);
      for (const [k, v] of Object.entries(fields)) assert.equal(e[k], v, `${k} of ${JSON.stringify(e)}`);
      assert.ok(e.message.length > 10, e.message);
      await assertNothingLeft(before, name);
    });
  }

  test('a command that does not exist fails at step exec with ENOENT, with or without a supervisor', async () => {
    for (const create of [[], ['user'], ['user', 'pid']]) {
      const before = snapshot();
      const e = errorOf(await spawn(join(tmp.dir, 'no-such-command'), [], { create }), 'spawn-setup-failed');
      assert.deepEqual([e.step, e.syscall, e.code, e.errno], ['exec', 'execvp', 'ENOENT', 2]);
      assert.match(e.message, /no such command/);
      await assertNothingLeft(before, `a missing command (create ${create})`);
    }
  });

  test('a cwd that does not exist fails at step cwd with ENOENT and runs nothing', async () => {
    const marker = join(tmp.dir, 'cwd-marker');
    for (const create of [[], ['user']]) {
      const before = snapshot();
      const e = errorOf(await spawn('touch', [marker], { cwd: join(tmp.dir, 'nowhere'), create }), 'spawn-setup-failed');
      assert.deepEqual([e.step, e.syscall, e.code], ['cwd', 'chdir', 'ENOENT']);
      assert.equal(existsSync(marker), false);
      await assertNothingLeft(before, 'a missing cwd');
    }
  });

  // Not tested here: a mapping the caller has no right to (the kernel's EPERM at step uid_map). As
  // root, this process holds CAP_SETUID and CAP_SETGID in the initial user namespace, where every id
  // is mapped, so the kernel lets it write any map; and spawn cannot nest a new user namespace in a
  // joined one (the same type both joined and created is refused above). The helper's black-box test
  // covers the kernel refusing a map (ERR uid_map write 22).

  test('the limits themselves are accepted: 340 ranges, and the whole id space 0..4294967294 in one range', async () => {
    const many = Array.from({ length: 340 }, (_, i) => r(i * 2, 1000 + i * 2, 1));
    const a = await run('cat', ['/proc/self/uid_map'], { create: user, uidMappings: many });
    assert.equal(a.code, 0, a.err);
    assert.equal(a.out, many.map((m) => mapLine(m.containerID, m.hostID, 1)).join(''));
    const whole = await run('cat', ['/proc/self/uid_map'], { create: user, uidMappings: [r(0, 0, 4294967295)] });
    assert.equal(whole.out, mapLine(0, 0, 4294967295));
    assert.equal(whole.out, readFileSync('/proc/self/uid_map', 'utf8'), 'the same map as the initial user namespace');
  });

  test('wrong argument types throw a TypeError at once', () => {
    assert.throws(() => spawn('', []), TypeError);
    assert.throws(() => spawn('true', 'not an array'), TypeError);
    assert.throws(() => spawn('true', [], { create: ['user'], uidMappings: 'not an array' }), TypeError);
    assert.throws(() => spawn('true', [], { create: ['user'], setgroups: 'maybe' }), TypeError);
    assert.throws(() => spawn('true', [], { join: 'net' }), TypeError);
    assert.throws(() => spawn('true', [], { stdio: ['pipe', 'pipe'] }), TypeError);
  });
});

test('500 spawns, successes and failures mixed, leave no zombie child and no extra fd', async () => {
  const before = snapshot();
  const outcomes = { ok: 0, exec: 0, cwd: 0, codes: 0 };
  const one = async (i) => {
    switch (i % 5) {
      case 0: {
        const r = await run('true', [], i % 10 ? {} : { create: ['user'] });
        assert.equal(r.code, 0);
        outcomes.ok++;
        return;
      }
      case 1: {
        const e = errorOf(await spawn(`/nonexistent/cmd-${i}`, [], i % 3 ? {} : { create: ['user'] }), 'spawn-setup-failed');
        assert.equal(e.step, 'exec');
        outcomes.exec++;
        return;
      }
      case 2: {
        const e = errorOf(await spawn('true', [], { cwd: `/nonexistent/dir-${i}`, stdio: 'ignore' }), 'spawn-setup-failed');
        assert.equal(e.step, 'cwd');
        outcomes.cwd++;
        return;
      }
      case 3: {
        const child = unwrap(await spawn('sh', ['-c', `exit ${i % 256}`], { stdio: 'ignore', ...(i % 2 ? { create: ['user', 'pid'] } : {}) }));
        assert.deepEqual(await child.exited, { code: i % 256, signal: null });
        outcomes.codes++;
        return;
      }
      default: {
        errorOf(await spawn('true', [], { hostname: 'x' }), 'invalid-option');
      }
    }
  };
  for (let i = 0; i < 500; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => one(i + j)));
  assert.deepEqual(outcomes, { ok: 100, exec: 100, cwd: 100, codes: 100 });
  const zombies = childrenOf().filter((k) => k.state === 'Z');
  assert.deepEqual(zombies, [], 'zombie children of this process');
  await assertNothingLeft(before, '500 spawns');
});
