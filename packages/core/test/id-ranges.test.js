// validateIdRanges(), the kernel's rules for one uid or gid map, without root:
// the limits themselves are taken, one past each is refused with the range at
// fault, and the ranges come back sorted (the kernel ignores their order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateIdRanges } from '../dist/index.js';
import { unwrap } from './fixtures/ns-helpers.js';

const r = (containerID, hostID, size) => ({ containerID, hostID, size });
/** 170 ranges whose lines are 24 bytes each: 4080 bytes. */
const long = Array.from({ length: 170 }, (_, i) => r(1000000000 + i * 10, 2000000000 + i * 10, 1));

test('the limits are taken: 340 ranges, ids up to 4294967294, a map text of 4095 bytes', () => {
  assert.equal(unwrap(validateIdRanges('uidMappings', Array.from({ length: 340 }, (_, i) => r(i * 2, 1000 + i * 2, 1)))).length, 340);
  assert.deepEqual(unwrap(validateIdRanges('uidMappings', [r(0, 0, 4294967295)])), [r(0, 0, 4294967295)]);
  assert.deepEqual(unwrap(validateIdRanges('gidMappings', [r(4294967290, 100000, 5)])), [r(4294967290, 100000, 5)]);
  // '0 100000 12345\n' (15 bytes) and 4080: 4095, the longest single write the kernel takes.
  assert.equal(unwrap(validateIdRanges('uidMappings', [r(0, 100000, 12345), ...long])).length, 171);
});

test('the ranges come back sorted by containerID, as a copy', () => {
  const given = [r(1000, 201000, 10), r(0, 200000, 1000)];
  const sorted = unwrap(validateIdRanges('uidMappings', given));
  assert.deepEqual(sorted, [r(0, 200000, 1000), r(1000, 201000, 10)]);
  assert.deepEqual(given, [r(1000, 201000, 10), r(0, 200000, 1000)], 'the caller\'s array is left as it was');
});

test('one past each limit is an invalid-option of the option named, with the range at fault', () => {
  // [ranges, index (undefined: none)]
  const cases = [
    [[], undefined],
    [Array.from({ length: 341 }, (_, i) => r(i, i, 1)), undefined],
    [[r(0, 100000, 123456), ...long], undefined], // 16 + 4080 = 4096 bytes
    [[r(0, 0, 10), r(10, 10, 0)], 1],
    [[r(0, 0, 10), r(10, -1, 1)], 1],
    [[r(0, 0.5, 1)], 0],
    [[r(0, 0, NaN)], 0],
    [[r('0', 0, 1)], 0],
    [[null], 0],
    [[r(0, 2 ** 32, 1)], 0],
    [[r(4294967291, 0, 5)], 0],
    [[r(0, 4294967000, 296)], 0],
    [[r(0, 0, 10), r(5, 100, 10)], 1], // inside
    [[r(0, 100, 10), r(50, 105, 10)], 1], // outside
    [[r(100, 300000, 10), r(0, 200000, 101)], 1], // the later one given first
  ];
  for (const [ranges, index] of cases) {
    const e = validateIdRanges('gidMappings', ranges);
    assert.ok(e.isErr(), `${ranges.length} ranges from ${JSON.stringify(ranges[0])} taken`);
    assert.equal(e.error.kind, 'invalid-option');
    assert.equal(e.error.option, 'gidMappings');
    assert.equal(e.error.index, index, e.error.message);
    assert.ok(e.error.message.startsWith(index === undefined ? 'gidMappings ' : `gidMappings[${index}]`), e.error.message);
  }
});

test('a value that is not an array is a TypeError', () => {
  for (const v of [undefined, null, 'x', { 0: r(0, 0, 1), length: 1 }]) assert.throws(() => validateIdRanges('uidMappings', v), TypeError);
});
