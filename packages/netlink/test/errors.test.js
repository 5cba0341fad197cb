// A refusal of the kernel says where and what: the namespace the socket is in, and what the
// errno means when the kernel gave no explanation of its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNamespace } from '@linuxns/core';
import { openNetlink } from '../dist/index.js';

const notRoot = process.getuid() !== 0 && 'creating a network namespace needs root (CAP_SYS_ADMIN)';

test('a netlink-error names the namespace and what the code means', { skip: notRoot }, async () => {
  const ns = await createNamespace('net');
  assert.ok(ns.isOk());
  const nl = await openNetlink(ns.value);
  assert.ok(nl.isOk());
  try {
    const r = await nl.value.setLinkUp('eth9');
    assert.ok(r.isErr());
    assert.equal(r.error.kind, 'netlink-error');
    assert.equal(r.error.code, 'ENODEV');
    assert.match(r.error.namespace, /^net:\[\d+\]$/);
    assert.equal(BigInt(r.error.namespace.slice(5, -1)), ns.value.ino, 'the namespace is the socket\'s own, by inode');
    assert.match(r.error.message, /RTM_NEWLINK eth9 \(up\) in net:\[\d+\] failed with ENODEV \(no such link/);
  } finally {
    nl.value.close();
    ns.value.close();
  }
});
