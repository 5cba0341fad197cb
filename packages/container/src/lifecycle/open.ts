/**
 * Containers opened from their directory without checking their config
 * again (`create` checked it, and only it writes `config.json`, atomically,
 * in a root only its owner can enter): what a short-lived process that only
 * reads the state, signals, starts or deletes needs, without loading the
 * validators (and with them core's spawn). `@linuxns/container/light`.
 *
 * @module
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fsError } from '@linuxns/core/light';
import { err, ok, type Result } from 'neverthrow';
import type { ContainerConfig } from '../config/types.js';
import { configInvalid, notFound, systemError, type ContainerFailure } from '../errors.js';
import { validateId } from '../id.js';
import { CONFIG_FILE, readJson } from '../store.js';
import { Container } from './container.js';

/** The cgroup path of container `id` under factory `root`: its config's, else a parent per root (two roots never share one). */
export function cgroupPathOf(root: string, id: string, config: ContainerConfig | undefined): string {
  const cg = config?.cgroup;
  if (cg && cg.path) return cg.path;
  // node:crypto only when it is needed: an OCI bundle's container has its cgroupsPath.
  const { createHash } = process.getBuiltinModule('node:crypto');
  return `linuxns-${createHash('sha256').update(root).digest('hex').slice(0, 8)}/${id}`;
}

/**
 * Opens container `id` under `root` (absolute) as {@link Factory.load} does,
 * without validating its `config.json` again: `container-not-found` without
 * its directory; a container whose create never finished is `creating`.
 */
export function openContainer(root: string, id: string): Result<Container, ContainerFailure> {
  const idOk = validateId(id);
  if (idOk.isErr()) return err(idOk.error);
  const dir = join(root, id);
  const cfg = readJson(dir, CONFIG_FILE);
  if (cfg.isErr()) {
    if (cfg.error.kind === 'not-found' || (cfg.error.kind === 'syscall-failed' && cfg.error.code === 'ENOTDIR')) return err(notFound(id, root));
    return err(configInvalid(CONFIG_FILE, `${join(dir, CONFIG_FILE)}: ${cfg.error.message}`));
  }
  if (!cfg.value.found) {
    try {
      readdirSync(dir);
    } catch {
      return err(notFound(id, root));
    }
  }
  const config = cfg.value.found ? (cfg.value.value as ContainerConfig) : undefined;
  // The cgroup path when first needed: without the config's path it is a hash of the root (node:crypto, 10 to 18 ms
  // of a start), and the commands that read a state find it in state.json.
  return ok(new Container(id, dir, config, () => cgroupPathOf(root, id, config)));
}

/** The ids of the containers under `root`, sorted; empty if it does not exist yet (see {@link Factory.list}). */
export function containerIds(root: string): Result<string[], ContainerFailure> {
  try {
    return ok(readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && validateId(d.name).isOk()).map((d) => d.name).sort());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok([]);
    return err(systemError('', `list ${root}`, fsError(e, { path: root })));
  }
}
