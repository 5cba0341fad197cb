// `linuxns netns` and `ip netns`, both ways: what one makes the other
// lists, enters and deletes.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { assertOk, assertRefused, dropNetns, linuxns, mountinfo, netnsName, notRoot, nsLink, tool } from './fixtures/cli.js';

/** The names `ip netns list` prints (the first word of each line: "NAME (id: N)"). */
const ipList = () => tool('ip', ['netns', 'list']).split('\n').filter(Boolean).map((l) => l.split(' ')[0]);

describe('netns, both ways with ip netns', { skip: notRoot }, () => {
  const ours = netnsName('ours');
  const theirs = netnsName('theirs');
  after(() => {
    dropNetns(ours);
    dropNetns(theirs);
  });

  test('linuxns netns add: ip netns lists it and enters it; linuxns netns del: gone for both', () => {
    assertOk(linuxns(['netns', 'add', ours]), 'netns add');
    assert.ok(ipList().includes(ours));
    const inside = tool('ip', ['netns', 'exec', ours, 'readlink', '/proc/self/ns/net']);
    assert.notEqual(inside.trim(), nsLink('self', 'net'));
    const r = linuxns(['netns', 'list']);
    assertOk(r, 'netns list');
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ipList().sort());
    assertOk(linuxns(['netns', 'del', ours]), 'netns del');
    assert.ok(!ipList().includes(ours));
    assert.ok(!existsSync(`/run/netns/${ours}`));
  });

  test('ip netns add: linuxns netns lists it (also as JSON), enters it, and deletes it', () => {
    tool('ip', ['netns', 'add', theirs]);
    const names = linuxns(['netns', 'list']).stdout.split('\n').filter(Boolean);
    assert.deepEqual(names.sort(), ipList().sort());
    const json = JSON.parse(linuxns(['netns', 'list', '-J']).stdout);
    const entry = json.find((e) => e.name === theirs);
    assert.ok(entry, 'not in netns list -J');
    const viaIp = tool('ip', ['netns', 'exec', theirs, 'readlink', '/proc/self/ns/net']);
    assert.equal(`net:[${entry.ns}]\n`, viaIp);
    const r = linuxns(['netns', 'exec', theirs, '--', 'readlink', '/proc/self/ns/net']);
    assertOk(r, 'netns exec');
    assert.equal(r.stdout, viaIp);
    assert.equal(linuxns(['netns', 'exec', theirs, '--', 'sh', '-c', 'exit 5']).status, 5);
    assertOk(linuxns(['netns', 'delete', theirs]), 'netns delete');
    assert.ok(!ipList().includes(theirs));
  });

  test('bad names and missing namespaces are refused, and nothing is created', () => {
    // Only what this test could have made is compared: other processes may add namespaces meanwhile.
    const mine = (names) => names.filter((n) => n.endsWith(`-${process.pid}`) || ['a', 'b', 'etc'].includes(n));
    const ourMounts = () => mountinfo().split('\n').filter((l) => l.includes(`-${process.pid} `) || / \/run\/(netns\/)?(a|b|etc)( |$)/.test(l));
    const before = mine(readdirSync('/run/netns'));
    const mounts = ourMounts();
    for (const bad of ['a/b', '..', '.', '../etc', '']) {
      assertRefused(linuxns(['netns', 'add', bad]), /is not a valid network namespace name/);
      assertRefused(linuxns(['netns', 'exec', bad, '--', 'true']));
    }
    assertRefused(linuxns(['netns', 'del', netnsName('missing')]), /no network namespace named/);
    assertRefused(linuxns(['netns', 'exec', netnsName('missing'), '--', 'true']), /no network namespace named/);
    assertRefused(linuxns(['netns', 'add']), /missing NAME/);
    assert.deepEqual(mine(readdirSync('/run/netns')), before);
    assert.deepEqual(ourMounts(), mounts);
  });

  test('adding a name twice is refused and leaves the first', () => {
    assertOk(linuxns(['netns', 'add', ours]), 'netns add');
    try {
      assertRefused(linuxns(['netns', 'add', ours]), /already exists/);
      assert.ok(ipList().includes(ours));
    } finally {
      assertOk(linuxns(['netns', 'del', ours]), 'netns del');
    }
  });
});
