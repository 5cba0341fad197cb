// The helper's wire format on the TypeScript side (src/helper/protocol.ts):
// the status channel's parser and the escaping of --mount fields. Pure code:
// no root, no helper process.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRequest, escapeField, MAX_STATUS_LINE } from '../dist/helper/protocol.js';
import { decodeStatus } from '../dist/helper/status-channel.js';

describe('the status channel parser', () => {
  describe('reads every kind of good line', () => {
    const GOOD = [
      ['nothing at all (the helper said nothing)', '', {}],
      ['PID alone: the command runs', 'PID 4242\n', { pid: 4242 }],
      ['PID then READY: the command waits at its gate', 'PID 7\nREADY\n', { pid: 7, ready: true }],
      ['ERR alone: a step before the fork failed', 'ERR join setns 1\n', { error: { step: 'join', syscall: 'setns', errno: 1 } }],
      ['PID then ERR: a step after the fork failed', 'PID 7\nERR exec execvp 2\n', { pid: 7, error: { step: 'exec', syscall: 'execvp', errno: 2 } }],
      ['PID, READY, then ERR: the gate was refused', 'PID 7\nREADY\nERR gate read 125\n', { pid: 7, ready: true, error: { step: 'gate', syscall: 'read', errno: 125 } }],
      ['ERR parse, whose message has spaces', 'ERR parse bad --pin (TYPE:/absolute/path) 22\n', { error: { step: 'parse', syscall: 'bad --pin (TYPE:/absolute/path)', errno: 22 } }],
      ['steps with a dash or an underscore', 'ERR time-offsets write 13\n', { error: { step: 'time-offsets', syscall: 'write', errno: 13 } }],
      ['errno 0 (a call that failed without setting it)', 'ERR uid_map write 0\n', { error: { step: 'uid_map', syscall: 'write', errno: 0 } }],
      ['the largest pid and errno', 'PID 4194303\nERR exec execvp 4095\n', { pid: 4194303, error: { step: 'exec', syscall: 'execvp', errno: 4095 } }],
    ];
    for (const [what, text, expected] of GOOD) {
      test(what, () => assert.deepEqual(decodeStatus(text), expected));
    }

    test('the first ERR ends the report: what follows it is not read', () => {
      assert.deepEqual(decodeStatus('ERR pin mount 16\nwhatever\n'), { error: { step: 'pin', syscall: 'mount', errno: 16 } });
    });

    test('a line of MAX_STATUS_LINE bytes, its newline included, is read', () => {
      const message = 'x'.repeat(MAX_STATUS_LINE - 'ERR parse  22\n'.length);
      assert.deepEqual(decodeStatus(`ERR parse ${message} 22\n`), { error: { step: 'parse', syscall: message, errno: 22 } });
    });
  });

  describe('calls a line cut short garbage', () => {
    const TRUNCATED = ['PID 42', 'PID 42\nREADY', 'PID 42\nREA', 'PID 42\nERR exec execvp 2', 'ERR exec exe', 'E'];
    for (const text of TRUNCATED) {
      test(`${JSON.stringify(text)}, the last line without its newline`, () => {
        assert.deepEqual(decodeStatus(text), { garbage: text.slice(text.lastIndexOf('\n') + 1) });
      });
    }
  });

  describe('calls garbage what breaks the protocol', () => {
    const GARBAGE = [
      ['an unknown word', 'HELLO 1\n', 'HELLO 1'],
      ['a lower-case word', 'pid 42\n', 'pid 42'],
      ['READY before PID', 'READY\nPID 42\n', 'READY'],
      ['READY twice', 'PID 42\nREADY\nREADY\n', 'READY'],
      ['PID twice', 'PID 42\nPID 43\n', 'PID 43'],
      ['PID 0', 'PID 0\n', 'PID 0'],
      ['a negative pid', 'PID -1\n', 'PID -1'],
      ['a pid with a leading zero', 'PID 042\n', 'PID 042'],
      ['a pid followed by more', 'PID 42 43\n', 'PID 42 43'],
      ['a pid that is not a number', 'PID 4x2\n', 'PID 4x2'],
      ['ERR without its errno', 'ERR exec execvp\n', 'ERR exec execvp'],
      ['ERR without a syscall', 'ERR exec 2\n', 'ERR exec 2'],
      ['ERR with an empty step', 'ERR  execvp 2\n', 'ERR  execvp 2'],
      ['ERR with a negative errno', 'ERR exec execvp -2\n', 'ERR exec execvp -2'],
      ['ERR with a step in capitals', 'ERR EXEC execvp 2\n', 'ERR EXEC execvp 2'],
      ['a carriage return', 'PID 42\r\n', 'PID 42\r'],
      ['a NUL byte', 'PID 4\u00002\n', 'PID 4\u00002'],
      ['bytes that are no text', '\u00ff\u00fe\n', '\u00ff\u00fe'],
    ];
    for (const [what, text, line] of GARBAGE) {
      test(what, () => assert.deepEqual(decodeStatus(text), { garbage: line }));
    }
  });

  describe('calls an over-long field or line garbage', () => {
    const LONG = [
      ['a pid of PID_MAX_LIMIT (2^22) or more', 'PID 4194304\n'],
      ['a pid of eight digits', 'PID 12345678\n'],
      ['a pid past 2^53', 'PID 99999999999999999999\n'],
      ['an errno of 4096 or more', 'ERR exec execvp 4096\n'],
      ['an errno of five digits', 'ERR exec execvp 12345\n'],
      ['a line longer than MAX_STATUS_LINE', `ERR parse ${'x'.repeat(MAX_STATUS_LINE)} 22\n`],
      ['a line one byte past MAX_STATUS_LINE', `ERR parse ${'x'.repeat(MAX_STATUS_LINE - 'ERR parse  22\n'.length + 1)} 22\n`],
    ];
    for (const [what, text] of LONG) {
      test(what, () => assert.deepEqual(decodeStatus(text), { garbage: text.slice(0, -1) }));
    }
  });

  test('a report read part by part is garbage until its line is complete, then the same as read at once', () => {
    const whole = 'PID 1234\nREADY\n';
    for (let cut = 1; cut < whole.length; cut++) {
      const part = decodeStatus(whole.slice(0, cut));
      if (whole[cut - 1] !== '\n') assert.ok(part.garbage !== undefined && !part.ready, `cut at ${cut}: ${JSON.stringify(part)}`);
    }
    assert.deepEqual(decodeStatus(whole), { pid: 1234, ready: true });
  });
});

describe('the request encoding', () => {
  test("a --mount field writes ':' and '%' escaped, and nothing else", () => {
    assert.equal(escapeField('a:b%c/d e'), 'a%3Ab%25c/d e');
    assert.equal(escapeField('%3A'), '%253A');
  });

  test('a bare request is the status fd, --, the command and its arguments', () => {
    const argv = encodeRequest({ statusFd: 3, join: [], create: [], uidMappings: [], gidMappings: [], envClear: false, env: [], command: 'true', args: ['--', 'x'] });
    assert.deepEqual(argv, ['--status-fd=3', '--', 'true', '--', 'x']);
  });
});
