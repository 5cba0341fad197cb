/**
 * The hooks that run in the container's namespaces: `createContainer` (its
 * path resolved in the runtime's namespaces, as the spec says: the file is
 * opened here and executed inside through `/proc/self/fd`) and
 * `startContainer` (its path resolved inside). Each joins every namespace of
 * the init and its cgroup, as `exec` does, with the state on stdin. Loads the
 * whole library: only a container with such hooks pays for it.
 *
 * @module
 */
import nodeFs = require('node:fs');
const { closeSync, openSync } = nodeFs;
import type { Container } from '@linuxns/container/light';
import hooks = require('./hooks.cjs');
import log = require('./log.cjs');
import type { HookName } from './types.js';

/** The fd a createContainer hook's file gets inside (above stdio, below what a process usually opens). */
const HOOK_FD = 3;

/** Runs the `name` hooks of `c` inside its namespaces, in order; the first that fails throws. */
async function runHooksInside(c: Container, name: HookName, state: Record<string, unknown>): Promise<void> {
  // The whole library first, as an ES module from this package (the exec step then finds core, and koffi, loaded).
  await import('@linuxns/container');
  for (const h of hooks.readHooks(c.dir)[name] ?? []) {
    const { argv0, args, env } = hooks.commandOf(h);
    let file: number | undefined;
    try {
      if (name === 'createContainer') file = openSync(h.path, 'r');
      const command = file !== undefined ? `/proc/self/fd/${HOOK_FD}` : h.path;
      const envList = Object.entries(env).map(([k, v]) => `${k}=${v}`);
      const r = await c.exec(
        { args: [command, ...args], env: envList.length ? envList : ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
        { stdio: ['pipe', 'pipe', 'pipe'], ...(file !== undefined ? { fds: { [HOOK_FD]: file } } : {}) },
      );
      if (r.isErr()) throw new log.RuntimeError(`error running ${name} hook ${h.path} (${argv0}): ${r.error.message}`, 1, r.error);
      const child = r.value;
      let said = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (said += d));
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (said += d));
      // A hook may exit without reading its state: EPIPE is no failure of ours, its exit status says.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(JSON.stringify(state));
      const timer = h.timeout ? setTimeout(() => child.kill('SIGKILL'), h.timeout * 1000) : undefined;
      const status = await child.exited;
      if (timer) clearTimeout(timer);
      if (status.code !== 0) {
        const why = status.signal ? `killed by ${status.signal}` : `exit status ${status.code}`;
        throw new log.RuntimeError(`error running ${name} hook ${h.path}: ${why}${said.trim() ? `: ${said.trim()}` : ''}`);
      }
    } finally {
      if (file !== undefined) closeSync(file);
    }
  }
}

export = { runHooksInside };
