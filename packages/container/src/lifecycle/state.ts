/**
 * The state of a container, read from its directory and the kernel every
 * time, never cached: so two processes, or a new Factory after a crash, see
 * the same thing.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { err, ok, type Result } from 'neverthrow';
import type { NamespaceType } from '@linuxns/core';
import type { ContainerConfig } from '../config/types.js';
import { notFound, systemError, type ContainerFailure } from '../errors.js';
import { cgroupPopulated } from '../cgroup.js';
import { isFrozen } from '../freezer.js';
import { isAlive, type ProcessRecord } from '../proc.js';
import { CONFIG_FILE, GATE_FIFO, LOCK_FILE, readJson, readPidFile, STATE_FILE } from '../store.js';
import { claimOwner } from './claim.js';
import { waitsAtGate } from './gate.js';
import { ownedCgroup } from './owned-cgroup.js';

/**
 * The OCI statuses: `creating` (create never finished: a file of it is missing, or an init is
 * being set up for {@link Container.createInit}), `created` (no init yet, or one waiting at its
 * gate), `running`, `paused` (its cgroup frozen by {@link Container.pause}), `stopped`.
 */
export type ContainerStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** What {@link Container.state} reports, as `runc state` does. */
export interface ContainerState {
  readonly id: string;
  readonly status: ContainerStatus;
  /** The init's pid (as this pid namespace numbers it) once it exists (waiting at its gate, running, paused); still there when stopped. */
  readonly pid?: number;
  /** Where each of its namespaces can be opened: `/proc/PID/ns/TYPE` while running, else pins and joined paths. */
  readonly namespaces: Readonly<Partial<Record<NamespaceType, string>>>;
  readonly rootfs?: string;
  /** ISO time of create. */
  readonly created?: string;
  /** The bundle directory, for a container made from an OCI bundle. */
  readonly bundle?: string;
  /** The cgroup's directories (one for v2, one per v1 hierarchy). */
  readonly cgroupPaths: readonly string[];
  /** For `creating`: what is missing (`'config.json'`, `'state.json'`). */
  readonly missing?: readonly string[];
  /** The annotations given at create (an OCI bundle's). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** What state.json keeps (written once, at create). */
export interface StoredState {
  readonly version: 1;
  readonly id: string;
  readonly created: string;
  readonly rootfs: string;
  readonly bundle?: string;
  readonly cgroupPaths: readonly string[];
  /** An OCI bundle's annotations, kept for the state. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** @internal What the steps of a container's life know of it: a {@link Container} is one. */
export interface ContainerRef {
  readonly id: string;
  /** Its directory under the factory's root. */
  readonly dir: string;
  /** Its validated config; undefined while `creating` had not written it. */
  readonly config: ContainerConfig | undefined;
  /** Its cgroup's directories (none with `cgroup: false`). */
  readonly cgroupPaths: string[];
}

/** @internal The state, with the init's record (init.pid) as read for it, also when it is not running. */
export interface Snapshot {
  readonly state: ContainerState;
  readonly init: ProcessRecord | undefined;
}

/** @internal Reads the state of `c`: init.pid read once, the init's process looked at once. */
export function snapshot(c: ContainerRef): Result<Snapshot, ContainerFailure> {
  if (!existsSync(c.dir)) return err(notFound(c.id, dirname(c.dir)));
  const stored = readJson(c.dir, STATE_FILE);
  if (stored.isErr()) return err(systemError(c.id, 'read state.json', stored.error));
  const missing = [...(c.config ? [] : [CONFIG_FILE]), ...(stored.value.found ? [] : [STATE_FILE])];
  const s = stored.value.found ? (stored.value.value as StoredState) : undefined;
  const namespaces: Partial<Record<NamespaceType, string>> = {};
  for (const ns of c.config?.namespaces ?? []) if (ns.path) namespaces[ns.type] = ns.path;
  for (const [t, p] of Object.entries(c.config?.pins ?? {})) namespaces[t as NamespaceType] = p;
  const base = {
    id: c.id,
    namespaces,
    // As create stored them (the same as c.cgroupPaths, which may need a hash to compute).
    cgroupPaths: Array.isArray(s?.cgroupPaths) ? s.cgroupPaths : c.cgroupPaths,
    ...(s ? { rootfs: s.rootfs, created: s.created, ...(s.bundle ? { bundle: s.bundle } : {}), ...(s.annotations ? { annotations: s.annotations } : {}) } : c.config ? { rootfs: c.config.rootfs.path } : {}),
  };
  const init = readPidFile(c.dir);
  if (missing.length) return ok({ state: { ...base, status: 'creating', missing }, init });
  if (!init) {
    // No init yet. With a gate, createInit began: its init is being set up (the lock held, or processes in its
    // cgroup), or the create died before the init could wait there, and nothing will ever run.
    if (!existsSync(join(c.dir, GATE_FIFO))) return ok({ state: { ...base, status: 'created' }, init });
    const busy = claimOwner(join(c.dir, LOCK_FILE)) !== undefined || cgroupPopulated(ownedCgroup(c.dir));
    return ok({ state: { ...base, status: busy ? 'creating' : 'stopped' }, init });
  }
  if (!isAlive(init.pid, init.startTime)) return ok({ state: { ...base, status: 'stopped', pid: init.pid }, init });
  for (const ns of c.config!.namespaces) namespaces[ns.type] = `/proc/${init.pid}/ns/${ns.type}`;
  const status = isFrozen(ownedCgroup(c.dir)) ? 'paused' : waitsAtGate(c.dir, init.pid) ? 'created' : 'running';
  return ok({ state: { ...base, status, pid: init.pid }, init });
}
