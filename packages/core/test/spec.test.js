// OCI runtime-spec helpers: getNamespace, filterNamespaces, validateNamespaces.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getNamespace, filterNamespaces, validateNamespaces, isNsError } from '../dist/index.js';

const spec = {
  ociVersion: '1.2.0',
  linux: {
    namespaces: [
      { type: 'pid' },
      { type: 'network', path: '/run/netns/blue' },
      { type: 'mount' },
      { type: 'uts', path: '/proc/1/ns/uts' },
      { type: 'user' },
    ],
  },
};

describe('getNamespace', () => {
  it('finds an entry by its /proc name (net finds network, mnt finds mount)', () => {
    assert.equal(getNamespace(spec, 'net'), spec.linux.namespaces[1]);
    assert.equal(getNamespace(spec, 'mnt'), spec.linux.namespaces[2]);
  });

  it('finds an entry by its OCI name', () => {
    assert.equal(getNamespace(spec, 'network'), spec.linux.namespaces[1]);
    assert.equal(getNamespace(spec, 'mount'), spec.linux.namespaces[2]);
    assert.equal(getNamespace(spec, 'uts'), spec.linux.namespaces[3]);
  });

  it('returns the entry itself, path included', () => {
    assert.deepEqual(getNamespace(spec, 'net'), { type: 'network', path: '/run/netns/blue' });
  });

  it('returns undefined for a type the spec does not list', () => {
    assert.equal(getNamespace(spec, 'ipc'), undefined);
    assert.equal(getNamespace(spec, 'cgroup'), undefined);
    assert.equal(getNamespace(spec, 'time'), undefined);
  });

  it('returns undefined when linux or linux.namespaces is missing', () => {
    assert.equal(getNamespace({}, 'net'), undefined);
    assert.equal(getNamespace({ linux: {} }, 'net'), undefined);
    assert.equal(getNamespace({ linux: { namespaces: [] } }, 'net'), undefined);
  });

  it('does not match an entry spelled with the /proc name, which the spec does not define', () => {
    assert.equal(getNamespace({ linux: { namespaces: [{ type: 'net' }] } }, 'net'), undefined);
  });
});

describe('filterNamespaces', () => {
  it('returns the entries in the order of the filter, not of the spec', () => {
    const r = filterNamespaces(['user', 'uts', 'net', 'pid'], spec);
    assert.deepEqual(
      r.map((n) => n.type),
      ['user', 'uts', 'network', 'pid'],
    );
    const r2 = filterNamespaces(['pid', 'net', 'uts', 'user'], spec);
    assert.deepEqual(
      r2.map((n) => n.type),
      ['pid', 'network', 'uts', 'user'],
    );
  });

  it('accepts both spellings in the filter', () => {
    assert.deepEqual(filterNamespaces(['mount', 'net'], spec), [spec.linux.namespaces[2], spec.linux.namespaces[1]]);
  });

  it('leaves out types the spec does not list', () => {
    assert.deepEqual(
      filterNamespaces(['ipc', 'net', 'cgroup', 'time'], spec).map((n) => n.type),
      ['network'],
    );
  });

  it('returns an empty array when linux is missing, or for an empty filter', () => {
    assert.deepEqual(filterNamespaces(['net', 'pid'], {}), []);
    assert.deepEqual(filterNamespaces(['net'], { linux: {} }), []);
    assert.deepEqual(filterNamespaces([], spec), []);
  });

  it('returns a new array that the caller may change without touching the spec', () => {
    const r = filterNamespaces(['net'], spec);
    r.push({ type: 'ipc' });
    assert.equal(spec.linux.namespaces.length, 5);
    assert.equal(getNamespace(spec, 'ipc'), undefined);
  });
});

describe('validateNamespaces', () => {
  it('accepts a valid list and returns every entry with its /proc type and path', () => {
    const r = validateNamespaces(spec);
    assert.ok(r.isOk(), r.isErr() ? r.error.message : '');
    assert.deepEqual(r.value, [{ type: 'pid' }, { type: 'net', path: '/run/netns/blue' }, { type: 'mnt' }, { type: 'uts', path: '/proc/1/ns/uts' }, { type: 'user' }]);
  });

  it('accepts all eight OCI types together', () => {
    const all = ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'].map((type) => ({ type }));
    const r = validateNamespaces({ linux: { namespaces: all } });
    assert.ok(r.isOk());
    assert.deepEqual(
      r.value.map((n) => n.type),
      ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'],
    );
  });

  it('accepts a spec without linux or without namespaces as an empty list', () => {
    assert.deepEqual(validateNamespaces({})._unsafeUnwrap(), []);
    assert.deepEqual(validateNamespaces({ linux: {} })._unsafeUnwrap(), []);
  });

  it('refuses an unknown type with reason unknown-type and the index of the entry', () => {
    const r = validateNamespaces({ linux: { namespaces: [{ type: 'uts' }, { type: 'netns' }] } });
    assert.ok(r.isErr());
    assert.ok(isNsError(r.error, 'invalid-spec'));
    assert.equal(r.error.reason, 'unknown-type');
    assert.equal(r.error.index, 1);
    assert.equal(r.error.value, 'netns');
    assert.ok(r.error.message.includes('linux.namespaces[1]'), r.error.message);
    assert.ok(r.error.message.includes('"netns"'), r.error.message);
  });

  it('refuses the /proc spelling net inside a spec as an unknown type', () => {
    const r = validateNamespaces({ linux: { namespaces: [{ type: 'net' }] } });
    assert.ok(r.isErr());
    assert.equal(r.error.reason, 'unknown-type');
    assert.equal(r.error.index, 0);
  });

  it('refuses an entry without a type, or a null entry, as unknown-type', () => {
    for (const bad of [{}, null, { type: 7 }]) {
      const r = validateNamespaces({ linux: { namespaces: [{ type: 'pid' }, bad] } });
      assert.ok(r.isErr(), JSON.stringify(bad));
      assert.equal(r.error.kind, 'invalid-spec');
      assert.equal(r.error.reason, 'unknown-type');
      assert.equal(r.error.index, 1);
    }
  });

  it('refuses a type listed twice with reason duplicate-type and the index of the second entry', () => {
    const r = validateNamespaces({ linux: { namespaces: [{ type: 'network' }, { type: 'pid' }, { type: 'network', path: '/run/netns/a' }] } });
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'invalid-spec');
    assert.equal(r.error.reason, 'duplicate-type');
    assert.equal(r.error.index, 2);
    assert.equal(r.error.value, 'network');
    assert.ok(r.error.message.includes('linux.namespaces[2]'), r.error.message);
  });

  it('refuses a relative path with reason relative-path, the index and the path', () => {
    const r = validateNamespaces({ linux: { namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'network', path: 'netns/a' }] } });
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'invalid-spec');
    assert.equal(r.error.reason, 'relative-path');
    assert.equal(r.error.index, 2);
    assert.equal(r.error.value, 'netns/a');
    assert.ok(r.error.message.includes('"netns/a"'), r.error.message);
    assert.ok(r.error.message.includes('linux.namespaces[2]'), r.error.message);
  });

  it('refuses an empty or non-string path as relative-path', () => {
    for (const path of ['', './ns', 42]) {
      const r = validateNamespaces({ linux: { namespaces: [{ type: 'uts', path }] } });
      assert.ok(r.isErr(), String(path));
      assert.equal(r.error.reason, 'relative-path');
      assert.equal(r.error.index, 0);
    }
  });

  it('reports the first broken entry when several are broken', () => {
    const r = validateNamespaces({ linux: { namespaces: [{ type: 'ipc', path: 'rel' }, { type: 'bogus' }] } });
    assert.ok(r.isErr());
    assert.equal(r.error.reason, 'relative-path');
    assert.equal(r.error.index, 0);
  });

  it('throws a TypeError when linux.namespaces is not an array', () => {
    assert.throws(() => validateNamespaces({ linux: { namespaces: { type: 'pid' } } }), TypeError);
  });

  it('returns errors that are plain data and survive structuredClone', () => {
    const r = validateNamespaces({ linux: { namespaces: [{ type: 'bogus' }] } });
    assert.deepEqual(structuredClone(r.error), r.error);
  });
});
