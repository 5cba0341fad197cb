/**
 * Reading back the maps of a user namespace.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { err, ok, ResultAsync, type Result } from 'neverthrow';
import { checkPid, fsError, NamespaceHandle, spawn, type NsError } from '@linuxns/core';
import { parseMapText, type Mapping } from './mapping.js';
import type { UsernsCacheError } from './errors.js';

function readPid(pid: number): Result<Mapping, NsError | UsernsCacheError> {
  const read = (file: string): Result<string, NsError | UsernsCacheError> => {
    const path = `/proc/${pid}/${file}`;
    try {
      return ok(readFileSync(path, 'latin1'));
    } catch (e) {
      return err(fsError(e, { path, pid }));
    }
  };
  return read('uid_map').andThen((u) => read('gid_map').map((g) => ({ uidMappings: parseMapText(u), gidMappings: parseMapText(g) })));
}

/**
 * The line the reader prints between the two maps: a map line is three
 * numbers, so it is never one; either map may be empty (a namespace whose
 * maps were never written).
 */
const SEPARATOR = '--- gid_map';

/** The two maps in the output of the reader below, or undefined when it is not that. */
function splitMaps(out: string): { uid: string; gid: string } | undefined {
  const lines = out.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const at = lines.indexOf(SEPARATOR);
  if (at < 0 || lines.indexOf(SEPARATOR, at + 1) >= 0) return undefined;
  const text = (part: string[]): string => part.map((l) => `${l}\n`).join('');
  return { uid: text(lines.slice(0, at)), gid: text(lines.slice(at + 1)) };
}

/** Resolves once `stream` has ended (or was closed, or failed). */
function ended(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.once('end', resolve).once('close', resolve).once('error', () => resolve());
  });
}

async function readHandle(userns: NamespaceHandle): Promise<Result<Mapping, NsError | UsernsCacheError>> {
  // A process that joined the namespace reads its own maps: seen from inside, the outer ids are
  // those of the parent user namespace, i.e. exactly what was written.
  const r = await spawn('/bin/sh', ['-c', `cat /proc/self/uid_map && echo '${SEPARATOR}' && cat /proc/self/gid_map`], {
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
  const [status] = await Promise.all([child.exited, ended(child.stdout!), ended(child.stderr!)]);
  const maps = status.code === 0 ? splitMaps(Buffer.concat(chunks).toString('latin1')) : undefined;
  if (maps === undefined) {
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
  return ok({ uidMappings: parseMapText(maps.uid), gidMappings: parseMapText(maps.gid) });
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
export function readMappings(target: number | NamespaceHandle): ResultAsync<Mapping, NsError | UsernsCacheError> {
  if (target instanceof NamespaceHandle) {
    void target.fd; // a closed handle throws TypeError now
    if (target.type !== 'user') {
      const e: NsError | UsernsCacheError = { kind: 'wrong-namespace-type', path: target.path ?? String(target), expected: 'user', actual: target.type, message: `maps belong to user namespaces, not to ${String(target)}` };
      return new ResultAsync(Promise.resolve(err(e)));
    }
    return new ResultAsync(readHandle(target));
  }
  checkPid(target);
  return new ResultAsync(Promise.resolve(readPid(target)));
}
