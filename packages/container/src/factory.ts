/**
 * {@link Factory}: containers under a root directory, one directory each
 * (libcontainer's linux_factory): `config.json` and `state.json` written
 * atomically, ids validated, `load` honest about a create that never
 * finished.
 *
 * @module
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import { fsError } from '@linuxns/core/light';
import { cgroupDirs, populatedDirs } from './cgroup.js';
import type { ContainerConfig } from './config/types.js';
import { validateConfig } from './config/validate.js';
import { checkpoint } from './crash.js';
import { configInvalid, notFound, systemError, type ContainerFailure } from './errors.js';
import { validateId } from './id.js';
import { Container } from './lifecycle/container.js';
import { cgroupPathOf, containerIds } from './lifecycle/open.js';
import type { StoredState } from './lifecycle/state.js';
import { fromOciSpec } from './oci.js';
import { CONFIG_FILE, readJson, STATE_FILE, writeJsonAtomic } from './store.js';

/** Options of {@link Factory.create}. */
export interface CreateOptions {
  /** The OCI bundle the config came from (kept in the state). */
  readonly bundle?: string;
  /** Annotations (an OCI bundle's), kept in the state. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Containers under `root` (absolute; created 0700 on the first create).
 *
 * @example
 * ```ts
 * import { Factory } from '@linuxns/container';
 * const f = new Factory('/run/linuxns-containers');
 * const c = f.create('web', { rootfs: { path: '/srv/busybox' }, namespaces: [{ type: 'mnt' }, { type: 'pid' }] });
 * if (c.isErr()) console.error(c.error.kind, c.error.message);
 * f.list().match((ids) => console.log(ids), (e) => console.error(e.message)); // ['web']
 * ```
 */
export class Factory {
  /** The root directory. */
  readonly root: string;

  constructor(root: string) {
    if (typeof root !== 'string' || !isAbsolute(root)) throw new TypeError(`Factory root must be an absolute path, got ${JSON.stringify(root)}`);
    this.root = resolve(root);
  }

  /** The default cgroup path of a container: a parent per factory root, so two roots never share a cgroup. */
  #cgroupRel(id: string, config: ContainerConfig | undefined): string {
    return cgroupPathOf(this.root, id, config);
  }

  /**
   * Creates container `id` with `config`: the id and the config are checked
   * first (nothing is made for a bad one; a `cgroup.path` that exists with
   * processes in it is refused), then its directory is claimed
   * (`container-id-in-use` if it exists), then config.json and state.json are
   * written, each atomically. A crash in between leaves a directory that
   * {@link Factory.load} reports as `creating`; a write that fails otherwise
   * removes the directory again. A non-string id throws a TypeError. Nothing runs yet: see
   * {@link Container.start}.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const r = new Factory('/run/linuxns-containers').create('box', {
   *   rootfs: { path: '/srv/busybox', overlay: true },
   *   namespaces: [{ type: 'mnt' }, { type: 'pid' }, { type: 'uts' }],
   *   hostname: 'box', cgroup: { memory: { limit: 64 << 20 }, pids: { limit: 32 } },
   * });
   * r.andThen((c) => c.state()).match(
   *   (s) => console.log(s.status), // 'created'
   *   (e) => console.error(`${e.kind}: ${e.message}`),
   * );
   * ```
   */
  create(id: string, config: ContainerConfig, options: CreateOptions = {}): Result<Container, ContainerFailure> {
    const idOk = validateId(id);
    if (idOk.isErr()) return err(idOk.error);
    const valid = validateConfig(config, true);
    if (valid.isErr()) return err(valid.error);
    const cfg = valid.value;
    const rel = this.#cgroupRel(id, cfg);
    if (cfg.cgroup !== false) {
      const taken = populatedDirs(cgroupDirs(rel));
      if (taken.length) return err(configInvalid('cgroup.path', `the cgroup ${taken.join(', ')} already exists and has processes: a container's cgroup must be new or empty`));
    }
    checkpoint();
    const dir = join(this.root, id);
    try {
      mkdirSync(this.root, { recursive: true, mode: 0o700 });
      checkpoint();
      mkdirSync(dir, { mode: 0o700 }); // the claim: atomic, fails if it exists
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return err({ kind: 'container-id-in-use', id, message: `container id ${JSON.stringify(id)} is in use under ${this.root}` });
      return err(systemError(id, `mkdir ${dir}`, fsError(e, { path: dir })));
    }
    checkpoint();
    const state: StoredState = {
      version: 1,
      id,
      created: new Date().toISOString(),
      rootfs: cfg.rootfs.path,
      ...(options.bundle ? { bundle: options.bundle } : {}),
      ...(options.annotations && Object.keys(options.annotations).length ? { annotations: options.annotations } : {}),
      cgroupPaths: cfg.cgroup === false ? [] : cgroupDirs(rel),
    };
    // config.json first: a crash between the renames leaves a container that loads as creating.
    // Not a crash: a failed write gives the id back (a crash leaves it `creating`, for destroy).
    const giveBack = (): void => {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        /* the error reported is the write's */
      }
    };
    let wrote: Result<void, ContainerFailure>;
    try {
      wrote = writeJsonAtomic(dir, [[CONFIG_FILE, cfg], [STATE_FILE, state]]);
    } catch (e) {
      giveBack(); // a value JSON cannot hold (misuse): thrown, as it was
      throw e;
    }
    if (wrote.isErr()) {
      giveBack();
      return err(systemError(id, 'write config.json and state.json', wrote.error));
    }
    return ok(new Container(id, dir, cfg, rel));
  }

  /**
   * Creates container `id` from an OCI bundle: `bundle/config.json` in
   * runtime-spec field names, `root.path` relative to the bundle. Fields this
   * runtime does not support are refused by name (`container-config-invalid`,
   * `field` the first of them; the message lists them all); see
   * {@link fromOciSpec}.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const r = new Factory('/run/linuxns-containers').createFromBundle('b1', '/srv/bundle');
   * if (r.isErr()) console.error(r.error.message);
   * ```
   */
  createFromBundle(id: string, bundle: string): Result<Container, ContainerFailure> {
    const idOk = validateId(id);
    if (idOk.isErr()) return err(idOk.error);
    const dir = resolve(bundle);
    const spec = readJson(dir, 'config.json');
    if (spec.isErr()) return err(configInvalid('config.json', `cannot read ${join(dir, 'config.json')}: ${spec.error.message}`));
    if (!spec.value.found) return err(configInvalid('config.json', `no config.json in the bundle ${dir}`));
    const config = fromOciSpec(spec.value.value, dir);
    if (config.isErr()) return err(config.error);
    return this.create(id, config.value, { bundle: dir });
  }

  /**
   * Loads container `id`: `container-not-found` without its directory;
   * otherwise the container, whose {@link Container.state} says `creating`
   * when a create never finished (config.json or state.json missing), so that
   * it can still be destroyed. A config.json that is not a valid config is
   * `container-config-invalid`.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * new Factory('/run/linuxns-containers').load('web').andThen((c) => c.state()).match(
   *   (s) => console.log(s.status),
   *   (e) => console.log(e.kind), // 'container-not-found'
   * );
   * ```
   */
  load(id: string): Result<Container, ContainerFailure> {
    const idOk = validateId(id);
    if (idOk.isErr()) return err(idOk.error);
    const dir = join(this.root, id);
    const cfg = readJson(dir, CONFIG_FILE);
    if (cfg.isErr()) {
      if (cfg.error.kind === 'not-found' || (cfg.error.kind === 'syscall-failed' && cfg.error.code === 'ENOTDIR')) return err(notFound(id, this.root));
      return err(configInvalid(CONFIG_FILE, `${join(dir, CONFIG_FILE)}: ${cfg.error.message}`));
    }
    let config: ContainerConfig | undefined;
    if (cfg.value.found) {
      const v = validateConfig(cfg.value.value as ContainerConfig, false);
      if (v.isErr()) return err(v.error);
      config = v.value;
    } else {
      try {
        readdirSync(dir);
      } catch {
        return err(notFound(id, this.root));
      }
    }
    return ok(new Container(id, dir, config, this.#cgroupRel(id, config)));
  }

  /**
   * The ids of the containers under the root (every status, `creating`
   * included), sorted; empty if the root does not exist yet.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * for (const id of new Factory('/run/linuxns-containers').list().unwrapOr([])) console.log(id);
   * ```
   */
  list(): Result<string[], ContainerFailure> {
    return containerIds(this.root);
  }
}
