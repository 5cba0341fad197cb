// A command given by name is searched on PATH where it will run: inside the
// root it gets (`root`; a joined mount namespace likewise), not in the
// caller's filesystem. The busybox rootfs has its programs in /bin only; the
// caller's /usr/bin/true found first on PATH=/usr/bin:/bin would not exist
// there (execvp's ENOENT once inside). Run on both paths: scripts/test.js runs
// the spawn suites again with LINUXNS_SPAWN=helper.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from '../dist/index.js';
import { ociSkip, useScratch } from './fixtures/oci-probe.js';
import { run } from './fixtures/spawn-helpers.js';

const skip = ociSkip() || (!existsSync('/usr/bin/true') && 'needs /usr/bin/true in the caller\'s filesystem, to be found first on PATH');
const scratch = useScratch(before, after);

describe('PATH search in the root the command runs in', { skip }, () => {
  test('a name with root: found in the root\'s /bin, not at the caller\'s /usr/bin first on PATH', async () => {
    assert.equal(existsSync(join(scratch.root, 'usr', 'bin', 'true')), false, 'the rootfs has no /usr/bin/true');
    const r = await run('true', [], { root: scratch.root, env: { PATH: '/usr/bin:/bin' }, envMode: 'replace' });
    assert.deepEqual([r.code, r.signal], [0, null], r.err);
  });

  test('a name that is nowhere on PATH inside: exec ENOENT, as execvp says', async () => {
    const r = await spawn('no-such-command-here', [], { root: scratch.root, env: { PATH: '/usr/bin:/bin' }, envMode: 'replace' });
    assert.ok(r.isErr());
    assert.deepEqual([r.error.kind, r.error.step, r.error.code], ['spawn-setup-failed', 'exec', 'ENOENT']);
  });
});
