// What importing @linuxns/core costs at start: programs run many times a
// second (an OCI runtime's create, the CLI's commands) import it without
// making a pool or an HTTP client, so piscina (~20 ms) and node:https/tls
// (~6 ms) are loaded by the first pool and the first client, not at import.
// Checked in a fresh node process: what it loaded after the import, then
// after making a pool and an HTTPS agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const probe = `
const { createRequire } = await import('node:module');
const require = createRequire(import.meta.url);
const loaded = () => ({
  tls: process.moduleLoadList.includes('NativeModule tls'),
  https: process.moduleLoadList.includes('NativeModule https'),
  piscina: Object.keys(require.cache).some((f) => f.includes('/piscina/')),
});
const core = await import('@linuxns/core');
const atImport = loaded();
const pool = new core.NamespacePool({ threads: 1 });
const agent = core.httpsAgentIn('/proc/self/ns/net');
const afterUse = loaded();
agent.destroy();
await pool.close();
console.log(JSON.stringify({ atImport, afterUse }));
`;

test('importing @linuxns/core loads neither piscina nor node:https and node:tls; the first pool and client do', () => {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: new URL('..', import.meta.url), encoding: 'utf8' });
  const { atImport, afterUse } = JSON.parse(out);
  assert.deepEqual(atImport, { tls: false, https: false, piscina: false });
  assert.deepEqual(afterUse, { tls: true, https: true, piscina: true }, 'the probe sees them once they are used');
});
