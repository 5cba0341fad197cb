// src/helper/protocol.ts mirrors the values of the C helper's protocol.h:
// parse the header and compare. No root, no helper process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as protocol from '../dist/helper/protocol.js';
import { NAMESPACE_TYPES } from '../dist/index.js';

const headerPath = fileURLToPath(new URL('./src/protocol.h', import.meta.resolve('@linuxns/helper-c')));
const header = readFileSync(headerPath, 'utf8');

/** The header's values by name: `#define NAME VALUE /* comment *\/`, VALUE a number (decimal or 0x hex), a "string" or a 'c'haracter. */
const DEFINE = /^#define (\w+) (0x[0-9a-fA-F]+|\d+|"[^"]*"|'.')( +\/\*.*\*\/)?$/gm;
const values = new Map();
const uncommented = [];
for (const [, name, raw, comment] of header.matchAll(DEFINE)) {
  values.set(name, /^\d/.test(raw) ? Number(raw) : raw.slice(1, -1));
  if (!comment) uncommented.push(name);
}

/** The mirrored values: what protocol.ts exports that is a number or a string. */
const mirrored = Object.entries(protocol).filter(([, v]) => typeof v === 'number' || typeof v === 'string');

/** Limits of the header the TypeScript side cannot exceed, so it mirrors none of them: why, and how much it needs. */
const COVERED = {
  MAX_JOIN: ['spawn joins at most one namespace of each type', NAMESPACE_TYPES.length],
  MAX_PIN: ['spawn pins at most one namespace of each type', NAMESPACE_TYPES.length],
  MAX_RLIMIT: ["spawn's rlimits name each of the 16 RLIMIT_* resources at most once", 16],
};

test('protocol.h declares values, each with its comment', () => {
  assert.ok(values.size > 40, `only ${values.size} values parsed from ${headerPath}`);
  assert.deepEqual(uncommented, [], 'every value of protocol.h has a comment of its own');
});

test('every value protocol.ts mirrors is in protocol.h, with the same value', () => {
  assert.ok(mirrored.length > 10, `only ${mirrored.length} values exported by protocol.ts`);
  for (const [name, value] of mirrored) {
    assert.ok(values.has(name), `protocol.ts exports ${name}, which protocol.h does not declare`);
    assert.equal(value, values.get(name), `${name} is ${JSON.stringify(value)} in protocol.ts and ${JSON.stringify(values.get(name))} in protocol.h`);
  }
});

test("every limit of protocol.h is mirrored, or one the TypeScript side's requests cannot reach", () => {
  for (const [name, value] of values) {
    if (!name.startsWith('MAX_')) continue;
    if (name in protocol) continue;
    assert.ok(name in COVERED, `protocol.h's ${name} (${value}) is neither mirrored in protocol.ts nor covered here`);
    const [why, needed] = COVERED[name];
    assert.ok(value >= needed, `protocol.h's ${name} is ${value}, but ${why} (${needed})`);
  }
});

test('the status words and the gate byte the TypeScript side uses are mirrored', () => {
  for (const name of ['STATUS_PID', 'STATUS_READY', 'STATUS_ERR', 'MAX_STATUS_LINE', 'GATE_OPEN']) {
    assert.ok(name in protocol, `protocol.ts does not mirror ${name}`);
  }
});
