// The container's error kinds, each made by one builder (without root): the
// fields code branches on, and a message that names the container, the
// operation and what went wrong underneath.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configInvalid, notFound, systemError, wrongStatus } from '../dist/errors.js';

test('container-system-error: the id, the operation and the cause, in its fields and its message', () => {
  const cause = { kind: 'not-found', code: 'ENOENT', errno: 2, syscall: 'open', path: '/x', message: '/x does not exist' };
  assert.deepEqual(systemError('web', 'read state.json', cause), {
    kind: 'container-system-error', id: 'web', operation: 'read state.json', cause, message: 'container web: read state.json failed: /x does not exist',
  });
  assert.deepEqual(systemError('web', 'kill the init 12'), { kind: 'container-system-error', id: 'web', operation: 'kill the init 12', message: 'container web: kill the init 12 failed' });
  assert.equal(systemError('', 'list /run/c', cause).message, 'list /run/c failed: /x does not exist', 'the factory\'s own operations name no container');
});

test('container-config-invalid, container-wrong-status, container-not-found: their fields, and messages that say why', () => {
  assert.deepEqual(configInvalid('hostname', 'hostname is too long'), { kind: 'container-config-invalid', field: 'hostname', message: 'invalid container config: hostname is too long' });
  assert.deepEqual(wrongStatus('web', 'stopped', 'exec in', 'it needs a running container'), {
    kind: 'container-wrong-status', id: 'web', status: 'stopped', operation: 'exec in', message: 'cannot exec in container web: it is stopped (it needs a running container)',
  });
  assert.deepEqual(notFound('web', '/run/c'), { kind: 'container-not-found', id: 'web', message: 'container web does not exist under /run/c' });
});
