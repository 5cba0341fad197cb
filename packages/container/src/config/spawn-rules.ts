/**
 * The rules a config shares with spawn's options (capability and rlimit
 * names, soft ≤ hard, ids and groups, id maps, hostname and domainname
 * needing uts, `/proc` needing pid, masked and read-only paths, mounts, pins)
 * are core's, checked by its `validateSpawnOptions`: one copy of them, and
 * what `create` takes `start` never refuses. Each check hands core the spawn
 * options of one config field, so that a refusal names that field:
 * `container-config-invalid` of the field, with core's message led by it.
 *
 * @module
 */
import { validateSpawnOptions, type MountSpec, type NsError, type SpawnOptions } from '@linuxns/core';
import { configInvalid, type ContainerConfigInvalidError } from '../errors.js';

/** Core's refusal `e` as a refusal of config field `field`. */
function asField(field: string, e: NsError): ContainerConfigInvalidError {
  return configInvalid(field, e.message.startsWith(field) ? e.message : `${field}: ${e.message}`);
}

/**
 * Core's refusal of `options`, the spawn options of config field `field`, as
 * a refusal of that field; undefined when core takes them. The config's
 * shape (`shape.ts`) is checked first: core throws a TypeError for a value
 * of the wrong type, as spawn does. `option`: the spawn option that `field`
 * ends with, whose more precise name in core's refusal
 * (`devices[1].major` for `devices`) becomes the field.
 */
export function spawnRefusal(field: string, options: SpawnOptions, option?: string): ContainerConfigInvalidError | undefined {
  const v = validateSpawnOptions(options);
  if (v.isOk()) return undefined;
  const e = v.error;
  // Core names the part of a structured option at fault (`seccomp.syscalls[2].action`): so does the refusal.
  let at = field;
  if (option !== undefined && field.endsWith(option) && e.kind === 'invalid-option' && e.option.startsWith(option)) {
    // The option's name, or the longer path its message starts with (`devices[0].major must...`).
    const said = /^[\w.[\]]+/.exec(e.message)?.[0] ?? '';
    const part = said.startsWith(e.option) && said.length > e.option.length ? said.replace(/\.$/, '') : e.option;
    at = field.slice(0, -option.length) + part;
  }
  return asField(at, e);
}

/**
 * Core's refusal of `mounts` (shaped as {@link MountSpec}s), as a refusal of
 * the config field at fault: core names the mount's part
 * (`mounts[2].source` for a bind from a relative path), or `mounts` when the
 * list as a whole is refused (too many).
 */
export function mountsRefusal(mounts: readonly MountSpec[]): ContainerConfigInvalidError | undefined {
  return spawnRefusal('mounts', { create: ['mnt'], rootfs: { path: '/' }, mounts }, 'mounts');
}
