// UsernsCache against the real kernel: one namespace (one dummy) per mapping,
// whatever the order of its ranges; handles the caller owns; release(); no fd
// or process left behind after a thousand gets; concurrent gets; mappings the
// kernel would refuse are refused before any process is made. Namespaces are
// compared by inode (NamespaceHandle.equals / .ino), never by name.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCommand } from '@linuxns/helper-c';
import { UsernsCache, canonicalMapping, readMappings } from '../dist/index.js';
import { errorOf, fdCount, fdLink, inoOf, notRoot, processesWithParent, range, same, simple, sorted, taskChildren, unwrap } from './fixtures/helpers.js';

/** A get, a readMappings (which spawns through core's helper), a release: whatever is opened once per process is open afterwards. */
async function warmUp() {
  const cache = new UsernsCache();
  const h = unwrap(await cache.get(simple(900000, 10)));
  unwrap(await readMappings(h));
  h.close();
  cache.release();
}

describe('UsernsCache: identity by mapping', { skip: notRoot }, () => {
  before(warmUp);

  test('the same mapping given in another range order is one namespace, made by one dummy', async () => {
    const fds = fdCount();
    const cache = new UsernsCache();
    const a = { uidMappings: [range(0, 100000, 1000), range(1000, 200000, 10)], gidMappings: [range(0, 100000, 1000), range(1000, 200000, 10)] };
    const b = { uidMappings: [range(1000, 200000, 10), range(0, 100000, 1000)], gidMappings: [range(1000, 200000, 10), range(0, 100000, 1000)] };
    // Only the uid order differs here, only the gid order there.
    const c = { uidMappings: a.uidMappings, gidMappings: b.gidMappings };
    assert.equal(unwrap(canonicalMapping(a)).id, unwrap(canonicalMapping(b)).id);
    assert.equal(unwrap(canonicalMapping(a)).id, unwrap(canonicalMapping(c)).id);
    const ha = unwrap(await cache.get(a));
    const hb = unwrap(await cache.get(b));
    const hc = unwrap(await cache.get(c));
    try {
      assert.equal(ha.type, 'user');
      assert.ok(ha.equals(hb), `${ha} vs ${hb}`);
      assert.ok(ha.equals(hc), `${ha} vs ${hc}`);
      assert.equal(ha.ino, hb.ino);
      assert.notEqual(ha.fd, hb.fd, 'every get returns its own fd');
      assert.equal(cache.stats.dummies, 1);
      assert.equal(cache.size, 1);
      assert.equal(cache.stats.hits, 2);
      assert.ok(cache.has(b) && cache.has(c));
      // The fds really are that namespace, by the kernel's own word.
      assert.equal(inoOf(fdLink(hb.fd)), ha.ino);
    } finally {
      [ha, hb, hc].forEach((h) => h.close());
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });

  test('different mappings are different namespaces', async () => {
    const fds = fdCount();
    const cache = new UsernsCache();
    const mappings = [
      simple(100000),
      simple(200000),
      simple(100000, 1000), // same start, other size
      { uidMappings: [range(0, 100000, 65536)], gidMappings: [range(0, 200000, 65536)] }, // only the gids differ
      { uidMappings: [range(0, 100000, 1000), range(1000, 200000, 10)], gidMappings: [range(0, 100000, 1000), range(1000, 200000, 10)] },
      { uidMappings: [range(0, 100000, 1000), range(1000, 200000, 11)], gidMappings: [range(0, 100000, 1000), range(1000, 200000, 10)] },
    ];
    const ids = new Set(mappings.map((m) => unwrap(canonicalMapping(m)).id));
    assert.equal(ids.size, mappings.length);
    const handles = [];
    try {
      for (const m of mappings) handles.push(unwrap(await cache.get(m)));
      for (let i = 0; i < handles.length; i++) {
        for (let j = 0; j < i; j++) assert.ok(!handles[i].equals(handles[j]), `mapping ${i} and ${j} share ${handles[i]}`);
      }
      assert.equal(new Set(handles.map((h) => h.ino)).size, mappings.length);
      assert.equal(cache.stats.dummies, mappings.length);
      assert.equal(cache.size, mappings.length);
    } finally {
      handles.forEach((h) => h.close());
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });
});

test('the same mapping object changed after a get is looked up by its new content, never by the object', { skip: notRoot }, async () => {
  const cache = new UsernsCache();
  const m = { uidMappings: [range(0, 100000, 65536)], gidMappings: [range(0, 100000, 65536)] };
  const handles = [];
  try {
    handles.push(unwrap(await cache.get(m)));
    handles.push(unwrap(await cache.get(m))); // the same object again: a hit
    m.uidMappings[0] = range(0, 300000, 65536); // changed in place
    handles.push(unwrap(await cache.get(m)));
    m.gidMappings.push(range(65536, 400000, 10)); // and grown
    handles.push(unwrap(await cache.get(m)));
    m.uidMappings[0] = { containerID: '0', hostID: 300000, size: 65536 }; // a string where a number belongs
    errorOf(await cache.get(m), 'invalid-mapping');
    assert.ok(handles[0].equals(handles[1]));
    assert.ok(!handles[2].equals(handles[0]), 'a changed mapping object got the namespace of its old content');
    assert.ok(!handles[3].equals(handles[2]));
    assert.deepEqual(unwrap(await readMappings(handles[2])).uidMappings, [range(0, 300000, 65536)]);
    assert.equal(cache.stats.dummies, 3);
  } finally {
    handles.forEach((h) => h.close());
    cache.release();
  }
});

describe('UsernsCache: handles and release()', { skip: notRoot }, () => {
  before(warmUp);

  test('returned handles close independently; a later get still works', async () => {
    const fds = fdCount();
    const cache = new UsernsCache();
    const m = same(range(0, 300000, 500), range(500, 310000, 500));
    const h1 = unwrap(await cache.get(m));
    const h2 = unwrap(await cache.get(m));
    try {
      assert.ok(h1.equals(h2));
      h1.close();
      assert.ok(h1.closed);
      assert.throws(() => h1.fd, TypeError);
      // h2 still works: a process joins it (readMappings spawns one) and sees the maps.
      assert.ok(!h2.closed);
      assert.equal(inoOf(fdLink(h2.fd)), h1.ino);
      const read = unwrap(await readMappings(h2));
      assert.deepEqual(read.uidMappings, sorted(m.uidMappings));
      const h3 = unwrap(await cache.get(m));
      assert.ok(h3.equals(h2));
      assert.equal(cache.stats.dummies, 1);
      h2.close();
      // The cache's own fd was not the one closed: h3 still works with every other handle gone.
      assert.equal(inoOf(fdLink(h3.fd)), h1.ino);
      assert.deepEqual(unwrap(await readMappings(h3)).gidMappings, sorted(m.gidMappings));
      h3.close();
      const h4 = unwrap(await cache.get(m));
      assert.ok(h4.equals(h1));
      h4.close();
      assert.equal(cache.stats.dummies, 1);
    } finally {
      h1.close();
      h2.close();
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });

  test('release() keeps earlier handles working and the cache usable', async () => {
    const fds = fdCount();
    const cache = new UsernsCache();
    const m = simple(400000, 1000);
    const before = unwrap(await cache.get(m));
    const after = [];
    try {
      assert.equal(cache.size, 1);
      cache.release();
      assert.equal(cache.size, 0);
      assert.ok(!cache.has(m));
      // The earlier handle's fd is still open and still that user namespace.
      assert.equal(fdLink(before.fd), `user:[${before.ino}]`);
      assert.deepEqual(unwrap(await readMappings(before)).uidMappings, m.uidMappings);
      // A new get makes a new namespace with a new dummy (the old one lives on through `before`).
      after.push(unwrap(await cache.get(m)));
      assert.equal(cache.stats.dummies, 2);
      assert.equal(cache.size, 1);
      assert.ok(!after[0].equals(before), 'release() must drop the held namespace');
      after.push(unwrap(await cache.get(m)));
      assert.ok(after[1].equals(after[0]));
      assert.equal(cache.stats.dummies, 2);
      cache.release();
      cache.release(); // again: nothing held, nothing to do
      assert.equal(cache.size, 0);
    } finally {
      before.close();
      after.forEach((h) => h.close());
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });

  test('release() while a namespace is being made: the waiting gets still get it, the cache does not keep it', async () => {
    const fds = fdCount();
    const cache = new UsernsCache();
    const m = simple(410000, 100);
    const pending = [cache.get(m), cache.get(m)];
    cache.release();
    const [a, b] = (await Promise.all(pending)).map(unwrap);
    // Closed as it arrived, once each waiter had its dup: only a and b are open, no later tick needed.
    assert.equal(fdCount(), fds + 2, 'the fd made across release() is closed by the time the waiters have theirs');
    try {
      assert.ok(a.equals(b));
      assert.equal(fdLink(a.fd), `user:[${a.ino}]`);
      assert.equal(cache.size, 0, 'a namespace made across release() is not kept');
      assert.equal(cache.stats.dummies, 1);
      const c = unwrap(await cache.get(m));
      assert.ok(!c.equals(a));
      assert.equal(cache.stats.dummies, 2);
      c.close();
    } finally {
      a.close();
      b.close();
      cache.release();
    }
    assert.equal(fdCount(), fds, 'the fd made across release() is closed');
  });

  test('release() from any waiter, as soon as it has its handle, never breaks another waiter (each of them has its dup)', async () => {
    const fds = fdCount();
    const cache = new UsernsCache();
    const mappings = Array.from({ length: 6 }, (_, i) => simple(430000 + i * 1000, 100));
    const handles = [];
    try {
      // 4 waiters per mapping; each releases the cache in its own reaction and in a microtask after it.
      const waits = [];
      for (let round = 0; round < 4; round++) {
        for (const m of mappings) {
          waits.push(
            cache.get(m).then((r) => {
              cache.release();
              queueMicrotask(() => cache.release());
              return r;
            }),
          );
        }
      }
      const results = await Promise.allSettled(waits);
      for (const r of results) {
        assert.equal(r.status, 'fulfilled', `a waiter's get rejected: ${r.reason}`);
        handles.push(unwrap(r.value));
      }
      for (const h of handles) assert.equal(fdLink(h.fd), `user:[${h.ino}]`);
      assert.equal(cache.stats.dummies, 6);
    } finally {
      handles.forEach((h) => h.close());
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });
});

describe('UsernsCache: a missing liblinuxns.so', { skip: notRoot }, () => {
  before(warmUp);

  test('every get gives helper-not-found with the build command (never a rejection); the cache is not stuck', async () => {
    const fds = fdCount();
    const cache = new UsernsCache();
    const m = simple(420000, 100);
    const missing = '/nonexistent-linuxns/liblinuxns.so';
    process.env.LINUXNS_LIBRARY = missing;
    try {
      // Two waiters of one make, then a later get of the same mapping: each is an error result.
      const results = await Promise.all([cache.get(m), cache.get(m)]);
      results.push(await cache.get(m));
      for (const r of results) {
        const e = errorOf(r, 'helper-not-found');
        assert.equal(e.path, missing);
        assert.equal(e.fix, buildCommand);
        assert.match(e.message, /missing/);
      }
      assert.equal(cache.size, 0);
      assert.equal(cache.stats.dummies, 2, 'the later get tried again instead of reusing a failed make');
    } finally {
      delete process.env.LINUXNS_LIBRARY;
    }
    // The library is back: the same mapping is made now.
    const h = unwrap(await cache.get(m));
    assert.equal(h.type, 'user');
    h.close();
    cache.release();
    assert.equal(fdCount(), fds);
    assert.deepEqual(taskChildren(), []);
  });
});

describe('UsernsCache: nothing left behind', { skip: notRoot }, () => {
  before(warmUp);

  test('1,000 gets over 10 mappings: 10 namespaces, 10 dummies, no other fd, no process left', async () => {
    const baseline = fdCount();
    const cache = new UsernsCache();
    const mappings = [];
    for (let i = 0; i < 10; i++) {
      const base = 1000000 + i * 100000;
      mappings.push({ uidMappings: [range(0, base, 1000), range(1000, base + 50000, 100)], gidMappings: [range(0, base, 1100)] });
    }
    // Half the gets spell the uid ranges the other way round: the same 10 namespaces.
    const reversed = mappings.map((m) => ({ uidMappings: [...m.uidMappings].reverse(), gidMappings: m.gidMappings }));
    const inodes = new Map();
    try {
      for (let i = 0; i < 1000; i++) {
        const k = i % 10;
        const h = unwrap(await cache.get(i % 20 < 10 ? mappings[k] : reversed[k]));
        if (!inodes.has(k)) inodes.set(k, h.ino);
        else assert.equal(h.ino, inodes.get(k), `get ${i} of mapping ${k}`);
        h.close();
      }
      assert.equal(cache.size, 10);
      assert.equal(cache.stats.dummies, 10);
      assert.equal(cache.stats.misses, 10);
      assert.equal(cache.stats.hits, 990);
      assert.equal(new Set(inodes.values()).size, 10);
      assert.equal(fdCount(), baseline + 10, 'one fd per held namespace, nothing else');
      // No dummy left: no child of this process in any state, zombies and stopped ones included.
      assert.deepEqual(taskChildren(), []);
      assert.deepEqual(processesWithParent(process.pid), []);
    } finally {
      cache.release();
    }
    assert.equal(cache.size, 0);
    assert.equal(fdCount(), baseline);
    assert.deepEqual(processesWithParent(process.pid), []);
  });

  test('50 concurrent gets of one mapping: one dummy, one namespace; 8 mappings at once: 8 of each', async () => {
    const fds = fdCount();
    const cache = new UsernsCache();
    const m = same(range(0, 500000, 65536), range(65536, 700000, 10));
    const handles = [];
    try {
      const all = await Promise.all(Array.from({ length: 50 }, () => cache.get(m)));
      for (const r of all) handles.push(unwrap(r));
      assert.equal(handles.length, 50);
      assert.ok(handles.every((h) => h.equals(handles[0]) && h.type === 'user'));
      assert.equal(new Set(handles.map((h) => h.fd)).size, 50, 'each caller owns its own fd');
      assert.equal(cache.stats.dummies, 1);
      assert.equal(cache.stats.hits + cache.stats.misses, 50);
      assert.equal(cache.size, 1);

      const eight = Array.from({ length: 8 }, (_, i) => simple(2000000 + i * 100000, 1000));
      // Each of the 8 asked for 5 times, interleaved, all at once.
      const asked = [];
      for (let round = 0; round < 5; round++) asked.push(...eight.map((e, i) => ({ i, p: cache.get(e) })));
      const got = await Promise.all(asked.map(async ({ i, p }) => ({ i, h: unwrap(await p) })));
      got.forEach(({ h }) => handles.push(h));
      const inoOfMapping = new Map();
      for (const { i, h } of got) {
        if (!inoOfMapping.has(i)) inoOfMapping.set(i, h.ino);
        else assert.equal(h.ino, inoOfMapping.get(i), `mapping ${i}`);
      }
      assert.equal(new Set(inoOfMapping.values()).size, 8);
      assert.ok(![...inoOfMapping.values()].includes(handles[0].ino));
      assert.equal(cache.stats.dummies, 9);
      assert.equal(cache.size, 9);
      assert.deepEqual(processesWithParent(process.pid), []);
    } finally {
      handles.forEach((h) => h.close());
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });
});

describe('UsernsCache: mappings the kernel would refuse', { skip: notRoot }, () => {
  before(warmUp);

  /** 10-digit ids: 200 ranges make a map text of 24 × 200 = 4800 bytes. */
  const longLines = Array.from({ length: 200 }, (_, i) => range(1000000000 + i * 10, 2000000000 + i * 10, 1));
  const many = (n) => Array.from({ length: n }, (_, i) => range(i, i, 1));
  const ok = [range(0, 100000, 65536)];

  // [what, mapping, field, index (undefined: none)]
  const cases = [
    ['containerID ranges overlap (inside)', { uidMappings: [range(0, 100000, 10), range(5, 200000, 10)], gidMappings: ok }, 'uidMappings', 1],
    ['containerID ranges overlap, the later one given first', { uidMappings: ok, gidMappings: [range(100, 300000, 10), range(0, 200000, 101)] }, 'gidMappings', 1],
    ['hostID ranges overlap (outside)', { uidMappings: [range(0, 100000, 10), range(100, 100009, 10)], gidMappings: ok }, 'uidMappings', 1],
    ['size 0', { uidMappings: [range(0, 100000, 0)], gidMappings: ok }, 'uidMappings', 0],
    ['negative containerID', { uidMappings: ok, gidMappings: [range(-1, 100000, 10)] }, 'gidMappings', 0],
    ['negative size', { uidMappings: [range(0, 100000, 10), range(10, 200000, -5)], gidMappings: ok }, 'uidMappings', 1],
    ['non-integer hostID', { uidMappings: [range(0, 100000.5, 10)], gidMappings: ok }, 'uidMappings', 0],
    ['NaN size', { uidMappings: ok, gidMappings: [range(0, 100000, NaN)] }, 'gidMappings', 0],
    ['a number given as a string', { uidMappings: [{ containerID: '0', hostID: 100000, size: 10 }], gidMappings: ok }, 'uidMappings', 0],
    ['containerID + size past 4294967295', { uidMappings: [range(4294967291, 100000, 5)], gidMappings: ok }, 'uidMappings', 0],
    ['hostID + size past 4294967295', { uidMappings: ok, gidMappings: [range(0, 4294967000, 296)] }, 'gidMappings', 0],
    ['ids past 32 bits', { uidMappings: [range(0, 2 ** 32, 1)], gidMappings: ok }, 'uidMappings', 0],
    ['empty uid list', { uidMappings: [], gidMappings: ok }, 'uidMappings', undefined],
    ['empty gid list', { uidMappings: ok, gidMappings: [] }, 'gidMappings', undefined],
    ['341 ranges', { uidMappings: many(341), gidMappings: ok }, 'uidMappings', undefined],
    ['a uid map text of 4800 bytes (200 ranges of 10-digit ids)', { uidMappings: longLines, gidMappings: ok }, 'uidMappings', undefined],
    ['a gid map text of 4800 bytes', { uidMappings: ok, gidMappings: longLines }, 'gidMappings', undefined],
    // 16 + 170 × 24 = 4096 bytes: one byte over (4095 is accepted, see below).
    ['a uid map text of exactly 4096 bytes', { uidMappings: [range(0, 100000, 123456), ...longLines.slice(0, 170)], gidMappings: ok }, 'uidMappings', undefined],
  ];

  for (const [what, mapping, field, index] of cases) {
    test(`refused before any process: ${what}`, async () => {
      const cache = new UsernsCache();
      const c = errorOf(canonicalMapping(mapping), 'invalid-mapping');
      assert.equal(c.field, field);
      assert.equal(c.index, index);
      assert.ok(c.message.startsWith(field), c.message);
      const e = errorOf(await cache.get(mapping), 'invalid-mapping');
      assert.deepEqual(e, c);
      // Asked twice: the refusal is not remembered as a valid spelling.
      errorOf(await cache.get(mapping), 'invalid-mapping');
      assert.equal(cache.stats.dummies, 0);
      assert.equal(cache.size, 0);
      assert.equal(cache.has(mapping), false);
    });
  }

  test('the limits themselves are accepted by the kernel: 340 ranges, ids up to 4294967294, a map just under 4096 bytes', async () => {
    const fds = fdCount();
    const cache = new UsernsCache();
    // '0 100000 12345\n' and 170 ranges of 24-byte lines: 15 + 4080 = 4095 bytes, the longest single write the kernel takes.
    const long = Array.from({ length: 170 }, (_, i) => range(1000000000 + i * 10, 2000000000 + i * 10, 1));
    const mappings = [
      { uidMappings: many(340), gidMappings: ok },
      // Uid and gid 0 are mapped in each: readMappings(handle) runs a process as 0:0 inside.
      { uidMappings: [range(0, 0, 1), range(4294967290, 100000, 5)], gidMappings: [range(0, 4294967290, 5)] },
      { uidMappings: [range(0, 100000, 12345), ...long], gidMappings: ok },
    ];
    assert.equal(Buffer.byteLength(unwrap(canonicalMapping(mappings[2])).uidMapText), 4095);
    try {
      for (const m of mappings) {
        const h = unwrap(await cache.get(m));
        try {
          assert.equal(fdLink(h.fd), `user:[${h.ino}]`);
          const read = unwrap(await readMappings(h));
          assert.deepEqual(read.uidMappings, sorted(m.uidMappings));
          assert.deepEqual(read.gidMappings, sorted(m.gidMappings));
        } finally {
          h.close();
        }
      }
      assert.equal(cache.stats.dummies, 3);
    } finally {
      cache.release();
    }
    assert.equal(fdCount(), fds);
  });

  test('misuse throws TypeError at once, before any process', () => {
    const cache = new UsernsCache();
    const misuse = [
      null,
      undefined,
      42,
      'uid=0:100000:10',
      { uidMappings: ok },
      { uidMappings: 'x', gidMappings: ok },
      { uidMappings: ok, gidMappings: { 0: ok[0], length: 1 } },
      { uidMappings: [null], gidMappings: ok },
      { uidMappings: ok, gidMappings: [range(0, 100000, 10), 7] },
    ];
    for (const m of misuse) {
      assert.throws(() => cache.get(m), TypeError, `get(${JSON.stringify(m)})`);
      assert.throws(() => canonicalMapping(m), TypeError, `canonicalMapping(${JSON.stringify(m)})`);
      assert.throws(() => cache.has(m), TypeError, `has(${JSON.stringify(m)})`);
    }
    assert.equal(cache.stats.dummies, 0);
    assert.equal(cache.stats.misses, 0);
  });
});
