// canonicalMapping() checks a mapping with core's validateIdRanges, the one
// validator of id maps, without root: every refusal is core's, as an
// invalid-mapping of the same map and range with the same message, and what
// core takes is taken, sorted the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateIdRanges } from '@linuxns/core';
import { canonicalMapping } from '../dist/index.js';
import { range } from './fixtures/helpers.js';

const ok = [range(0, 100000, 65536)];

test('a refused map is core\'s invalid-option as an invalid-mapping: same map, range and message', () => {
  for (const bad of [
    [],
    [range(0, 100000, 10), range(5, 200000, 10)],
    [range(0, 100000, 10), range(100, 100009, 10)],
    [range(0, 100000, 0)],
    [range(0, 2 ** 32, 1)],
    [range(4294967291, 100000, 5)],
    Array.from({ length: 341 }, (_, i) => range(i, i, 1)),
    Array.from({ length: 200 }, (_, i) => range(1000000000 + i * 10, 2000000000 + i * 10, 1)),
  ]) {
    for (const field of ['uidMappings', 'gidMappings']) {
      const core = validateIdRanges(field, bad);
      assert.ok(core.isErr());
      const c = canonicalMapping({ uidMappings: ok, gidMappings: ok, [field]: bad });
      assert.ok(c.isErr());
      assert.deepEqual(c.error, { kind: 'invalid-mapping', field, ...(core.error.index !== undefined ? { index: core.error.index } : {}), message: core.error.message });
    }
  }
});

test('a map core takes is taken, in core\'s order', () => {
  const uids = [range(1000, 201000, 10), range(0, 200000, 1000)];
  const c = canonicalMapping({ uidMappings: uids, gidMappings: ok });
  assert.ok(c.isOk());
  assert.deepEqual(c.value.uidMappings, validateIdRanges('uidMappings', uids)._unsafeUnwrap());
});
