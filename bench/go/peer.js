// The Go peers of bench/run.js: the netlink pair (case 'goPair', pair.go, with
// Debian's vishvananda/netlink and vishvananda/netns packages) and the
// 5-namespace spawn (case 'goSpawn5', spawn.go, standard library only), each
// with serve.go (their sampling protocol), built once per bench run into a temporary directory from
// Debian's Go (GOPATH mode, no module download), and started once. It stays up for the whole run; each sample asks
// it for N ms of pairs over its stdin and reads "OPS MS" back, so only the
// library's work is timed, as ours is (no process start, no Go runtime start).
// Go or the packages missing, or a build that fails: `{ skip: reason }`, never
// an error.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onPath } from '../../scripts/system-packages.js';

const GOPATH = '/usr/share/gocode';
const PACKAGES = 'golang-go golang-github-vishvananda-netlink-dev golang-github-vishvananda-netns-dev';
const SERVE = fileURLToPath(new URL('./serve.go', import.meta.url));
/** The programs: their source and the GOPATH packages they import. */
export const GO_PEERS = {
  pair: { source: fileURLToPath(new URL('./pair.go', import.meta.url)), imports: ['github.com/vishvananda/netlink', 'github.com/vishvananda/netns', 'golang.org/x/sys/unix'] },
  spawn: { source: fileURLToPath(new URL('./spawn.go', import.meta.url)), imports: [] },
};

function build(dir, source) {
  const env = { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '' };
  // go needs a build cache: the user's when it has a home, else one in the temporary directory.
  if (!env.GOCACHE && !env.HOME) env.GOCACHE = join(dir, 'cache');
  const out = join(dir, 'peer');
  return new Promise((resolve) => {
    execFile('go', ['build', '-o', out, source, SERVE], { env, timeout: 300_000 }, (e, _stdout, stderr) => {
      resolve(e ? { error: (stderr.trim() || e.message).split('\n').slice(0, 3).join(' | ') } : { path: out });
    });
  });
}

/** Builds and starts a peer of GO_PEERS: `{ sample(ms), release() }`, or `{ skip: reason }`. */
export async function goPeer(peer = GO_PEERS.pair) {
  if (!onPath('go')) return { skip: `Go is not installed (apt-get install ${PACKAGES})` };
  for (const p of peer.imports) {
    if (!existsSync(join(GOPATH, 'src', p))) return { skip: `${p} is not in ${GOPATH} (apt-get install ${PACKAGES})` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'linuxns-bench-go-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const built = await build(dir, peer.source);
  if (built.error) {
    cleanup();
    return { skip: `${peer.source} does not build: ${built.error}` };
  }
  const child = spawn(built.path, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  let ended;
  lines.on('line', (l) => waiting.shift()?.resolve(l));
  child.once('exit', (code, signal) => {
    ended = `the Go peer exited (${code ?? signal})`;
    for (const w of waiting.splice(0)) w.reject(new Error(ended));
  });
  child.once('error', (e) => {
    ended = `the Go peer failed: ${e.message}`;
    for (const w of waiting.splice(0)) w.reject(new Error(ended));
  });
  const ask = (line) =>
    new Promise((resolve, reject) => {
      if (ended) return reject(new Error(ended));
      waiting.push({ resolve, reject });
      child.stdin.write(`${line}\n`);
    });
  const sample = async (ms) => {
    const answer = await ask(String(ms));
    const m = /^(\d+) ([\d.]+)$/.exec(answer);
    if (!m) throw new Error(`the Go peer: ${answer}`);
    return { ops: Number(m[1]), ms: Number(m[2]) };
  };
  // One sample now: a peer that cannot run here (no permission...) is skipped, with its words.
  try {
    await sample(1);
  } catch (e) {
    child.kill();
    cleanup();
    return { skip: e instanceof Error ? e.message : String(e) };
  }
  const release = () => {
    if (!ended) child.stdin.end();
    cleanup();
  };
  return { sample, release };
}
