/**
 * OCI hooks (runtime-spec config.md, "POSIX-platform Hooks"): `prestart`,
 * `createRuntime`, `createContainer`, `startContainer`, `poststart`,
 * `poststop`, each an executable run with the container's state as JSON on
 * its stdin, its own `args` (args[0] its argv[0]) and only its own `env`,
 * killed after `timeout` seconds. Kept by create in `hooks.json` in the
 * container's directory, read by the commands that reach their points.
 *
 * @module
 */
import type { spawnSync } from 'node:child_process';
import nodeFs = require('node:fs');
const { readFileSync } = nodeFs;
import log = require('./log.cjs');
import type { Hook, HookName, Hooks } from './types.js';

/** The hook points, in the order of a container's life. */
const HOOK_NAMES: readonly HookName[] = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/** The runtime's file of a container's hooks. */
const HOOKS_FILE = 'hooks.json';

/** Checks config.json's `hooks` (as runc does at create): the hooks by point, or an error naming the field. */
function checkHooks(hooks: unknown): Hooks {
  if (hooks === undefined || hooks === null) return {};
  if (typeof hooks !== 'object' || Array.isArray(hooks)) throw new log.RuntimeError('hooks must be an object');
  const out: Record<string, Hook[]> = {};
  for (const [name, list] of Object.entries(hooks)) {
    if (!(HOOK_NAMES as readonly string[]).includes(name)) throw new log.RuntimeError(`hooks.${name}: unknown hook point (${HOOK_NAMES.join(', ')})`);
    if (!Array.isArray(list)) throw new log.RuntimeError(`hooks.${name} must be an array`);
    out[name] = list.map((h: unknown, i) => {
      const where = `hooks.${name}[${i}]`;
      if (typeof h !== 'object' || h === null) throw new log.RuntimeError(`${where} must be an object`);
      const { path, args, env, timeout } = h as Record<string, unknown>;
      if (typeof path !== 'string' || !path.startsWith('/')) throw new log.RuntimeError(`${where}.path must be an absolute path, got ${JSON.stringify(path)}`);
      const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
      if (args !== undefined && !strings(args)) throw new log.RuntimeError(`${where}.args must be an array of strings`);
      if (env !== undefined && !strings(env)) throw new log.RuntimeError(`${where}.env must be an array of strings`);
      if (timeout !== undefined && (!Number.isInteger(timeout) || (timeout as number) <= 0)) throw new log.RuntimeError(`${where}.timeout must be a positive integer, got ${JSON.stringify(timeout)}`);
      return { path, ...(args ? { args } : {}), ...(env ? { env } : {}), ...(timeout !== undefined ? { timeout: timeout as number } : {}) };
    });
  }
  return out;
}

/** The hooks kept at create in the container directory `dir` (none without the file). */
function readHooks(dir: string): Hooks {
  try {
    return JSON.parse(readFileSync(`${dir}/${HOOKS_FILE}`, 'utf8')) as Hooks;
  } catch {
    return {};
  }
}

/** The argv, env and options of hook `h`, for a spawn of it. */
function commandOf(h: Hook): { argv0: string; args: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {};
  for (const e of h.env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) env[e.slice(0, i)] = e.slice(i + 1);
  }
  return { argv0: h.args?.[0] ?? h.path, args: (h.args ?? [h.path]).slice(1), env };
}

/** Why a hook run failed, or undefined when it exited 0. */
function whyFailed(r: ReturnType<typeof spawnSync>, h: Hook): string | undefined {
  const said = `${r.stdout?.toString() ?? ''}${r.stderr?.toString() ?? ''}`.trim();
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `timed out after ${h.timeout} s` : r.error.message;
  if (r.signal) return `killed by ${r.signal}${said ? `: ${said}` : ''}`;
  if (r.status !== 0) return `exit status ${r.status}${said ? `: ${said}` : ''}`;
  return undefined;
}

/**
 * Runs the hooks of `name` in the runtime's namespaces, in order, with
 * `state` on stdin. The first that fails throws (prestart, createRuntime,
 * poststop...), or, with `warnOnly` (poststart), is logged as a warning and
 * the others still run.
 */
function runHooks(name: HookName, hooks: Hooks, state: Record<string, unknown>, onWarning?: (msg: string) => void): void {
  for (const h of hooks[name] ?? []) {
    const { argv0, args, env } = commandOf(h);
    // node:child_process (and the streams and sockets it loads: ~10 ms of a start) only when a hook runs.
    const r = (require('node:child_process') as typeof import('node:child_process')).spawnSync(h.path, args, {
      argv0,
      env,
      input: JSON.stringify(state),
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(h.timeout ? { timeout: h.timeout * 1000, killSignal: 'SIGKILL' } : {}),
    });
    const why = whyFailed(r, h);
    if (why === undefined) continue;
    const msg = `error running ${name} hook ${h.path}: ${why}`;
    if (!onWarning) throw new log.RuntimeError(msg);
    onWarning(msg);
  }
}

export = { HOOK_NAMES, HOOKS_FILE, checkHooks, readHooks, runHooks, commandOf, whyFailed };
