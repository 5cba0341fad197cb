/**
 * Reading back the maps of a user namespace.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { checkPid, fsError, NamespaceHandle, spawn, type NsError } from '@linuxns/core';
import { parseMapText, type Mapping } from './mapping.js';

function readPid(pid: number): Result<Mapping, NsError> {
  const read = (file: string): Result<string, NsError> => {
    const path = `/proc/${pid}/${file}`;
    try {
      return ok(readFileSync(path, 'latin1'));
    } catch (e) {
      return err(fsError(e, { path, pid }));
    }
  };
  return read('uid_map').andThen((u) => read('gid_map').map((g) => ({ uidMappings: parseMapText(u), gidMappings: parseMapText(g) })));
}

/** Where the two maps part in the output of the reader below (map files have no empty line). */
const SEPARATOR = '\n\n';

async function readHandle(userns: NamespaceHandle): Promise<Result<Mapping, NsError>> {
  // A process that joined the namespace reads its own maps: seen from inside, the outer ids are
  // those of the parent user namespace, i.e. exactly what was written.
  const r = await spawn('/bin/sh', ['-c', 'cat /proc/self/uid_map; echo; cat /proc/self/gid_map'], {
    join: { user: userns },
    // Keep our ids: becoming root inside fails where uid or gid 0 is not mapped.
    preserveCredentials: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {},
    envMode: 'replace',
  });
  if (r.isErr()) return err(r.error);
  const child = r.value;
  const chunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  child.stderr!.on('data', (c: Buffer) => errChunks.push(c));
  const [status] = await Promise.all([child.exited, new Promise((res) => child.stdout!.on('end', res))]);
  const out = Buffer.concat(chunks).toString('latin1');
  const at = out.indexOf(SEPARATOR);
  if (status.code !== 0 || at < 0) {
    return err({
      kind: 'syscall-failed',
      syscall: 'read',
      code: 'EIO',
      errno: 5,
      path: '/proc/self/uid_map',
      namespace: 'user',
      message: `reading the maps of ${String(userns)} from inside it failed (exit ${status.code ?? status.signal}): ${Buffer.concat(errChunks).toString().trim()}`,
    });
  }
  return ok({ uidMappings: parseMapText(out.slice(0, at + 1)), gidMappings: parseMapText(out.slice(at + SEPARATOR.length)) });
}

/**
 * The uid and gid maps of a user namespace, given a process in it (fast
 * path: `/proc/PID/uid_map` and `gid_map`, as seen from the caller's user
 * namespace) or a user-namespace {@link NamespaceHandle} (a short-lived
 * process joins it through the helper and reads its own maps). Ranges come
 * in the kernel's order. Throws `TypeError` for a pid that is not a positive
 * integer or a closed handle.
 *
 * @example
 * ```ts
 * import { readMappings } from '@linuxns/userns-cache';
 * const r = await readMappings(process.pid);
 * if (r.isOk()) console.log(r.value.uidMappings); // [{ containerID: 0, hostID: 0, size: 4294967295 }]
 * ```
 */
export function readMappings(target: number | NamespaceHandle): ResultAsync<Mapping, NsError> {
  if (target instanceof NamespaceHandle) {
    void target.fd; // a closed handle throws TypeError now
    if (target.type !== 'user') {
      const e: NsError = { kind: 'wrong-namespace-type', path: target.path ?? String(target), expected: 'user', actual: target.type, message: `maps belong to user namespaces, not to ${String(target)}` };
      return new ResultAsync(Promise.resolve(err(e)));
    }
    return new ResultAsync(readHandle(target));
  }
  checkPid(target);
  return new ResultAsync(Promise.resolve(readPid(target)));
}
