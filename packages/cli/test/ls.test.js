// `linuxns ls` against `lsns` on the same system, and `linuxns tree`.
// Compared on namespaces that stay put during the test: a named netns with a
// sleep in it (`ip netns exec NAME sleep 30`) and the namespaces of this
// process. Process counts of shared namespaces change between two calls;
// everything else must be equal.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertOk, assertRefused, background, dropNetns, linuxns, netnsName, notRoot, nsLink, tool } from './fixtures/cli.js';

const TYPES = ['mnt', 'net', 'pid', 'user', 'uts', 'ipc', 'cgroup', 'time'];
const inoOf = (link) => Number(/\[(\d+)\]/.exec(link)[1]);

describe('ls and tree', { skip: notRoot }, () => {
  const name = netnsName('ls');
  let sleeper;
  let netIno;

  before(async () => {
    tool('ip', ['netns', 'add', name]);
    sleeper = await background('ip', ['netns', 'exec', name, 'sleep', '30']);
    netIno = inoOf(nsLink(sleeper.pid, 'net'));
  });
  after(async () => {
    await sleeper?.stop();
    dropNetns(name);
  });

  const byKey = (list) => new Map(list.map((ns) => [`${ns.type}:${ns.ns}`, ns]));

  test('ls -J agrees with lsns -J on field names, value types and values', () => {
    const theirs = byKey(JSON.parse(tool('lsns', ['-J'])).namespaces);
    const r = linuxns(['ls', '-J']);
    assertOk(r, 'ls -J');
    const ours = byKey(JSON.parse(r.stdout).namespaces);
    const stable = [`net:${netIno}`, ...TYPES.map((t) => `${t}:${inoOf(nsLink('self', t))}`)];
    for (const key of stable) {
      const a = theirs.get(key);
      const b = ours.get(key);
      assert.ok(a, `lsns does not list ${key}`);
      assert.ok(b, `linuxns ls does not list ${key}`);
      for (const field of ['ns', 'type', 'nprocs', 'pid', 'user', 'command']) {
        assert.ok(field in b, `${key}: no field ${field}`);
        assert.equal(typeof b[field], typeof a[field], `${key}.${field}: ${JSON.stringify(b[field])} vs lsns ${JSON.stringify(a[field])}`);
        if (field !== 'nprocs') assert.equal(b[field], a[field], `${key}.${field}`);
      }
    }
    // The sleeper's netns holds exactly one process: there the counts must agree too.
    assert.equal(ours.get(`net:${netIno}`).nprocs, 1);
    assert.equal(theirs.get(`net:${netIno}`).nprocs, 1);
    assert.equal(ours.get(`net:${netIno}`).command, 'sleep 30');
    assert.equal(ours.get(`net:${netIno}`).nsfs, `/run/netns/${name}`);
  });

  test('ls -t net -p PID lists what lsns -t net -p PID lists', () => {
    const theirs = JSON.parse(tool('lsns', ['-J', '-t', 'net', '-p', String(sleeper.pid)])).namespaces;
    const r = linuxns(['ls', '-J', '-t', 'net', '-p', String(sleeper.pid)]);
    assertOk(r, 'ls -t net -p');
    const ours = JSON.parse(r.stdout).namespaces;
    assert.deepEqual(ours.map((ns) => [ns.ns, ns.type, ns.pid, ns.command]), theirs.map((ns) => [ns.ns, ns.type, ns.pid, ns.command]));
  });

  test('ls -p PID lists the eight namespaces of the process, like lsns -p', () => {
    const theirs = JSON.parse(tool('lsns', ['-J', '-p', String(sleeper.pid)])).namespaces;
    const ours = JSON.parse(linuxns(['ls', '-J', '-p', String(sleeper.pid)]).stdout).namespaces;
    const keys = (list) => list.map((ns) => `${ns.type}:${ns.ns}`).sort();
    assert.deepEqual(keys(ours), keys(theirs));
    assert.equal(ours.length, 8);
  });

  test('the ls table has lsns columns, and PATH for the pin', () => {
    const r = linuxns(['ls', '-t', 'net']);
    assertOk(r, 'ls -t net');
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    assert.deepEqual(header.trim().split(/\s+/), ['NS', 'TYPE', 'NPROCS', 'PID', 'USER', 'PATH', 'COMMAND']);
    const row = rows.find((l) => l.trim().startsWith(`${netIno} `));
    assert.ok(row, `no row for ${netIno} in\n${r.stdout}`);
    assert.deepEqual(row.trim().split(/\s+/), [String(netIno), 'net', '1', String(sleeper.pid), 'root', `/run/netns/${name}`, 'sleep', '30']);
  });

  test('tree shows the netns under the user namespace that owns it, drawn with box characters', () => {
    const r = linuxns(['tree']);
    assertOk(r, 'tree');
    const lines = r.stdout.split('\n');
    const userLine = lines.findIndex((l) => l.startsWith(nsLink(sleeper.pid, 'user')));
    assert.ok(userLine >= 0, `no root line for ${nsLink(sleeper.pid, 'user')}`);
    const netLine = lines.find((l) => l.includes(`net:[${netIno}]`));
    assert.match(netLine, /^[│ ]*[├└]─net:\[\d+\] \d+ root sleep 30 pinned at \/run\/netns\//);
    const t = JSON.parse(linuxns(['tree', '-J']).stdout).namespaces;
    const userRoot = t.find((n) => n.type === 'user' && n.ns === inoOf(nsLink(sleeper.pid, 'user')));
    assert.ok(userRoot?.owns.some((ns) => ns.type === 'net' && ns.ns === netIno), 'the netns is not in its owner\'s "owns"');
    const pidRoot = t.find((n) => n.type === 'pid' && n.ns === inoOf(nsLink('self', 'pid')));
    assert.ok(Array.isArray(pidRoot?.children), 'no pid tree');
  });

  test('tree shows a nested pid namespace below its parent', async () => {
    const nested = await background('unshare', ['--pid', '--fork', 'sleep', '30']);
    try {
      // unshare --fork: the sleep is the child of unshare, its pid namespace is the nested one.
      const t = JSON.parse(linuxns(['tree', '-J']).stdout).namespaces;
      const pidRoot = t.find((n) => n.type === 'pid' && n.ns === inoOf(nsLink('self', 'pid')));
      const inner = inoOf(nsLink(nested.pid, 'pid'));
      assert.ok(pidRoot.children.some((c) => c.ns === inner), `pid:[${inner}] is not below pid:[${pidRoot.ns}]`);
    } finally {
      await nested.stop();
    }
  });

  test('bad input: an unknown type, a pid that does not exist', () => {
    assertRefused(linuxns(['ls', '-t', 'bogus']), /unknown namespace type "bogus"/);
    assertRefused(linuxns(['ls', '-p', '999999999']), /process 999999999 does not exist/);
    const r = linuxns(['ls', '--debug', '-p', '999999999']);
    assert.equal(r.status, 1);
    const [, details] = r.stderr.split('\n');
    assert.equal(JSON.parse(details).kind, 'no-such-process');
  });
});
