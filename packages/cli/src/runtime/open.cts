/**
 * A container of the runtime's root, through `@linuxns/container/light`
 * (one CommonJS file: what keeps `state`, `start`, `kill` and `delete`
 * nearly as fast to start as `node -e 0`), and the library's errors in
 * runc's words where engines read them ("container does not exist",
 * "container not running").
 *
 * @module
 */
import nodeFs = require('node:fs');
const { readFileSync, statSync } = nodeFs;
import nodePath = require('node:path');
const { join, resolve } = nodePath;
import type { Container, ContainerFailure, ContainerLock, ContainerState } from '@linuxns/container/light';

type Light = typeof import('@linuxns/container/light');

/**
 * `@linuxns/container/light`: its CommonJS bundle (dist/light.cjs, made by
 * the container package's bundle-light.js after tsc), or, where the bundle
 * was not made, the same modules as ES modules (Node 20.19 and 22.12 on
 * require them), slower to load but the same code.
 */
function loadLight(): Light {
  try {
    return require('@linuxns/container/light') as Light;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    const dir = nodePath.dirname(require.resolve('@linuxns/container/package.json'));
    return require(join(dir, 'dist', 'light.js')) as Light;
  }
}
let lightModule: Light | undefined;
/** The light library, loaded by the first command that opens a container by id: `create` and `run`, which make theirs with the whole library, never load it twice. */
const light = (): Light => (lightModule ??= loadLight());

/**
 * The whole `@linuxns/container`, for the commands that make containers
 * (`create`, `run`): its CommonJS bundle (dist/index.cjs, made with the light
 * one), one file where the ES modules are about 180 (~140 ms more to load),
 * or, where the bundle was not made, the ES modules.
 */
async function library(): Promise<typeof import('@linuxns/container')> {
  try {
    return require('@linuxns/container') as typeof import('@linuxns/container');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    return import('@linuxns/container');
  }
}
import log = require('./log.cjs');
import type { Globals } from './types.js';

/** The ids of the containers under `root` (light's containerIds). */
function containerIds(root: string): ReturnType<Light['containerIds']> {
  return light().containerIds(root);
}

/** The spec version runc 1.1 reports; the state's `ociVersion`. */
const OCI_VERSION = '1.0.2-dev';

/** How long a command waits for another one's lock on the same container. */
const LOCK_TIMEOUT_MS = 30_000;

/** The library's error as the runtime reports it: its message, with the error behind it for `--debug`. */
function failure(e: ContainerFailure): InstanceType<typeof log.RuntimeError> {
  if (e.kind === 'container-not-found') return new log.RuntimeError('container does not exist', 1, e);
  if (e.kind === 'container-invalid-id') return new log.RuntimeError(`invalid id format: ${e.message}`, 1, e);
  return new log.RuntimeError(e.message, 1, e);
}

/** Container `id` of `--root`, or the error runc gives ("container does not exist"). */
function open(g: Globals, id: string | undefined): Container {
  if (id === undefined || id === '') throw new log.RuntimeError('container id cannot be empty');
  const c = light().openContainer(resolve(g.root), id);
  if (c.isErr()) throw failure(c.error);
  return c.value;
}

function stateOf(c: Container): ContainerState {
  const s = c.state();
  if (s.isErr()) throw failure(s.error);
  return s.value;
}

/** Takes the lock of `c` (see {@link Container.lock}): every command that changes a container holds it. */
async function lock(c: Container): Promise<ContainerLock> {
  const l = await c.lock(LOCK_TIMEOUT_MS);
  if (l.isErr()) throw failure(l.error);
  return l.value;
}

/** The user name of uid `uid` (runc's OWNER column), or `#uid`. */
function userName(uid: number): string {
  if (uid === 0) return 'root';
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.split(':')[2] === String(uid));
    if (line) return line.split(':')[0] ?? `#${uid}`;
  } catch {
    /* no /etc/passwd */
  }
  return `#${uid}`;
}

/** runc's state of a container: ociVersion, id, pid (0 unless its init exists), status, bundle, rootfs, created, annotations, owner. */
function ociState(c: Container, s: ContainerState, owner = ''): Record<string, unknown> {
  return {
    ociVersion: OCI_VERSION,
    id: s.id,
    pid: s.status === 'stopped' ? 0 : (s.pid ?? 0),
    status: s.status,
    bundle: s.bundle ?? '',
    rootfs: c.config?.rootfs.path ?? s.rootfs ?? '',
    created: s.created ?? '',
    ...(s.annotations ? { annotations: s.annotations } : {}),
    owner,
  };
}

/** The owner (user name) of a container's directory, as runc's `list` shows it. */
function ownerOf(c: Container): string {
  try {
    return userName(statSync(c.dir).uid);
  } catch {
    return '';
  }
}

/** The container directories' root, made absolute. */
function rootOf(g: Globals): string {
  return resolve(g.root);
}

/** A runtime file of the container (hooks.json...). */
function fileOf(c: Container, name: string): string {
  return join(c.dir, name);
}

export = { OCI_VERSION, failure, open, stateOf, lock, ociState, ownerOf, rootOf, fileOf, containerIds, library };
