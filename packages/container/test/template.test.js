// specTemplate(): the config.json `runc spec` writes, field by field and as
// text (compared with runc on PATH, which scripts/system-packages.js
// installs, else with runc 1.1's output recorded in fixtures/, which every
// run with runc checks against runc itself); and a container from it runs
// with every part of it in force, as the kernel shows from inside.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { specTemplate } from '../dist/index.js';
import { runcSpec } from './fixtures/bundle.js';
import { skipReason } from './fixtures/rootfs.js';
import { containerSuite } from './fixtures/suite.js';
import { nsLink, output, PIPE, unwrap } from './fixtures/helpers.js';

const RECORDED = new URL('./fixtures/runc-1.1-spec.json', import.meta.url);

describe('specTemplate', () => {
  test('is what runc spec writes: every field, in the same order, the same text', (t) => {
    const scratch = mkdtempSync(join(tmpdir(), 'linuxns-runc-spec-'));
    let reference;
    try {
      const recorded = readFileSync(RECORDED, 'utf8');
      const live = runcSpec(scratch);
      if (live === undefined) {
        t.diagnostic('runc is not on PATH: compared with the recorded output of runc 1.1 spec');
        reference = recorded;
      } else {
        assert.equal(live, recorded, 'runc spec no longer writes the recorded text: runc changed its template, update specTemplate and the recording');
        reference = live;
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    const theirs = JSON.parse(reference);
    const ours = specTemplate();
    assert.deepEqual(Object.keys(ours), Object.keys(theirs));
    for (const key of ['ociVersion', 'root', 'hostname']) assert.deepEqual(ours[key], theirs[key], key);
    for (const key of Object.keys(theirs.process)) assert.deepEqual(ours.process[key], theirs.process[key], `process.${key}`);
    assert.deepEqual(Object.keys(ours.process), Object.keys(theirs.process));
    assert.deepEqual(ours.mounts.map((m) => m.destination), theirs.mounts.map((m) => m.destination));
    for (const [i, m] of theirs.mounts.entries()) assert.deepEqual(ours.mounts[i], m, `mounts[${i}] (${m.destination})`);
    for (const key of Object.keys(theirs.linux)) assert.deepEqual(ours.linux[key], theirs.linux[key], `linux.${key}`);
    assert.deepEqual(Object.keys(ours.linux), Object.keys(theirs.linux));
    // runc writes it tab-indented, without a final newline.
    assert.equal(JSON.stringify(ours, null, '\t'), reference);
  });

  test('each call returns a new object: editing one leaves the next untouched', () => {
    const a = specTemplate();
    a.process.args.push('-x');
    a.process.capabilities.bounding.pop();
    a.mounts.length = 0;
    a.linux.namespaces[0].type = 'user';
    const b = specTemplate();
    assert.deepEqual(b.process.args, ['sh']);
    assert.equal(b.process.capabilities.bounding.length, 3);
    assert.equal(b.mounts.length, 7);
    assert.equal(b.linux.namespaces[0].type, 'pid');
    assert.notEqual(b.process.capabilities.bounding, b.process.capabilities.effective, 'the capability sets share an array');
  });
});

/** Capability numbers (linux/capability.h) of the names the template uses. */
const CAP_NUMBERS = { CAP_KILL: 5, CAP_NET_BIND_SERVICE: 10, CAP_AUDIT_WRITE: 29 };
/** /proc/PID/status's hex form of a set of capability names. */
const capMask = (names) => names.reduce((m, n) => m | (1n << BigInt(CAP_NUMBERS[n])), 0n).toString(16).padStart(16, '0');

describe('a container from specTemplate', { skip: skipReason() }, () => {
  const suite = containerSuite('t');

  test('runs with every part in force: ids, cwd, env, capabilities, no new privileges, rlimit, root read-only, hostname, each mount, masked and read-only paths, namespaces', async () => {
    const spec = specTemplate();
    const masked = spec.linux.maskedPaths;
    const readonly = spec.linux.readonlyPaths;
    const probe = [
      'hostname',
      "tr '\\0' ' ' < /proc/1/cmdline; echo",
      'id -u; id -g; pwd; echo "$PATH"; echo "$TERM"',
      "grep -E '^(CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status | tr -d '\\t '",
      'ulimit -Sn; ulimit -Hn',
      'touch /x 2>/dev/null && echo rootfs-rw || echo rootfs-ro',
      `for p in ${masked.join(' ')}; do if [ -d $p ]; then echo "$p dir $(ls -A $p | wc -l)"; elif [ -e $p ]; then echo "$p file $(wc -c < $p)"; else echo "$p absent"; fi; done`,
      `for t in pid net ipc uts mnt; do readlink /proc/self/ns/$t; done`,
      'echo mounts; cat /proc/self/mounts',
    ].join('; ');
    const dir = join(suite.dir, 'template-bundle');
    mkdirSync(dir);
    symlinkSync(suite.fs.root, join(dir, spec.root.path));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...spec, process: { ...spec.process, terminal: false, args: ['sh', '-c', probe] } }));
    const c = unwrap(suite.factory.createFromBundle(suite.id(), dir));
    try {
      const r = await output(c.start(undefined, PIPE));
      assert.equal(r.code, 0, r.out);
      const lines = r.out.split('\n');
      const [hostname, cmdline, uid, gid, cwd, path, term] = lines.splice(0, 7);
      assert.equal(hostname, spec.hostname);
      assert.match(cmdline, /^sh -c hostname/, 'the process is pid 1 of its own pid namespace');
      assert.deepEqual([Number(uid), Number(gid)], [spec.process.user.uid, spec.process.user.gid]);
      assert.equal(cwd, spec.process.cwd);
      assert.deepEqual([`PATH=${path}`, `TERM=${term}`], spec.process.env);

      const status = Object.fromEntries(lines.splice(0, 5).map((l) => l.split(':')));
      const caps = spec.process.capabilities;
      // As runc raises them: an ambient capability needs to be inheritable and permitted too (runc spec's template has no inheritable set, so none).
      const raisable = (caps.ambient ?? []).filter((c) => (caps.inheritable ?? []).includes(c) && (caps.permitted ?? []).includes(c));
      assert.deepEqual(status, {
        CapPrm: capMask(caps.permitted), CapEff: capMask(caps.effective), CapBnd: capMask(caps.bounding), CapAmb: capMask(raisable),
        NoNewPrivs: spec.process.noNewPrivileges ? '1' : '0',
      });
      const nofile = spec.process.rlimits.find((l) => l.type === 'RLIMIT_NOFILE');
      assert.deepEqual(lines.splice(0, 2).map(Number), [nofile.soft, nofile.hard]);
      assert.equal(lines.shift(), spec.root.readonly ? 'rootfs-ro' : 'rootfs-rw');

      // Masked: an empty directory or a file that reads nothing; a path this kernel lacks stays absent.
      for (const p of masked) {
        const seen = lines.shift();
        const want = !existsSync(p) ? `${p} absent` : new RegExp(`^${p} (dir|file) 0$`);
        if (typeof want === 'string') assert.equal(seen, want);
        else assert.match(seen, want);
      }

      const links = lines.splice(0, 5);
      for (const [i, t] of ['pid', 'net', 'ipc', 'uts', 'mnt'].entries()) assert.notEqual(links[i], nsLink('self', t), `a new ${t} namespace`);
      assert.deepEqual(spec.linux.namespaces.map((n) => n.type), ['pid', 'network', 'ipc', 'uts', 'mount']);

      assert.equal(lines.shift(), 'mounts');
      // The top mount on each path: fs type and options as /proc/self/mounts shows them inside.
      const top = new Map(lines.map((l) => l.split(' ')).map(([, target, type, opts]) => [target, { type, opts: opts.split(',') }]));
      for (const m of spec.mounts) {
        const seen = top.get(m.destination);
        assert.ok(seen, `nothing mounted on ${m.destination}`);
        const asked = m.options ?? [];
        if (m.type === 'cgroup' && seen.type === 'tmpfs') {
          // cgroup v1, as runc 1.1 makes it: a tmpfs (left read-write, as runc leaves it) with each hierarchy mounted read-only below.
          const below = [...top].filter(([target]) => target.startsWith(`${m.destination}/`));
          assert.ok(below.length > 0, 'the hierarchies are mounted below the tmpfs');
          for (const [target, { opts }] of below) assert.equal(opts.includes('ro'), asked.includes('ro'), `${target}: read-only or not as asked, got ${opts}`);
          continue;
        }
        if (m.type !== 'cgroup') assert.equal(seen.type, m.type, `${m.destination}: fs type`);
        for (const o of ['nosuid', 'nodev', 'noexec']) if (asked.includes(o)) assert.ok(seen.opts.includes(o), `${m.destination}: no ${o} in ${seen.opts}`);
        assert.equal(seen.opts.includes('ro'), asked.includes('ro'), `${m.destination}: read-only or not as asked, got ${seen.opts}`);
      }
      for (const p of readonly) {
        if (!existsSync(p)) continue;
        assert.ok(top.get(p)?.opts.includes('ro'), `${p} is not read-only inside`);
      }
    } finally {
      unwrap(await c.destroy());
    }
  });
});
