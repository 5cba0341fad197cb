/**
 * A container under a factory's root: its state read from disk every time
 * (so two processes, or a new Factory after a crash, see the same thing;
 * the config, which never changes after create, is the one read by
 * `create` or `load`),
 * its init started by the helper (one process, fully set up before exec),
 * processes exec'd into its namespaces, and its destruction.
 *
 * @module
 */
import { appendFileSync, existsSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow';
import {
  createNamespace, fsError, NAMESPACE_TYPES, identityOfPath, openProcessNamespace, pin, sameNamespace, spawn, unpin,
  type ExitStatus, type NamespaceHandle, type NamespaceType, type NsChild, type SpawnOptions,
} from '@linuxns/core';
import type { NetnsRef } from '@linuxns/netlink';
import { cgroupDirs, cgroupPids, cgroupPopulated, createCgroup, isHierarchyRoot, killCgroup, removeCgroup } from './cgroup.js';
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- NetworkConfig is only named by a {@link}: imported so typedoc resolves it
import { checkProcess, hasNewUserns, invalid, type ContainerConfig, type NetworkConfig, type ProcessConfig } from './config.js';
import { checkpoint } from './crash.js';
import { makeIdmapRootfs, removeIdmapRootfs } from './idmap.js';
import { initOptions, processOptions, type ProcessIo } from './launch.js';
import { setupNetwork, teardownNetwork } from './network.js';
import { isAlive, procStat, waitGone } from './proc.js';
import { CGROUP_FILE, CONFIG_FILE, EXEC_FILE, PID_FILE, readJson, readPidFile, START_CLAIM, STATE_FILE, writeJsonAtomic } from './store.js';
import type { ContainerFailure } from './errors.js';

/** The OCI statuses: `creating` (create never finished: a file of it is missing), `created` (no init yet), `running`, `stopped`. */
export type ContainerStatus = 'creating' | 'created' | 'running' | 'stopped';

/** What {@link Container.state} reports, as `runc state` does. */
export interface ContainerState {
  readonly id: string;
  readonly status: ContainerStatus;
  /** The init's pid (as this pid namespace numbers it) once started; still there when stopped. */
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
}

/** What state.json keeps (written once, at create). */
export interface StoredState {
  readonly version: 1;
  readonly id: string;
  readonly created: string;
  readonly rootfs: string;
  readonly bundle?: string;
  readonly cgroupPaths: readonly string[];
}


/**
 * A container made by {@link Factory.create} or found by
 * {@link Factory.load}. Its state lives in files under the factory's root;
 * the object keeps only what a crash may lose anyway (the init's exit status,
 * when this process started it).
 *
 * @example
 * ```ts
 * import { Factory } from '@linuxns/container';
 * const f = new Factory('/run/linuxns-containers');
 * const c = f.create('demo', {
 *   rootfs: { path: '/srv/busybox', readonly: true },
 *   namespaces: [{ type: 'mnt' }, { type: 'pid' }, { type: 'uts' }, { type: 'ipc' }, { type: 'net' }],
 *   hostname: 'demo', process: { args: ['sh', '-c', 'hostname; echo $$'] },
 * })._unsafeUnwrap();
 * console.log((await c.run()).isOk(), c.state()._unsafeUnwrap().status); // true 'stopped'
 * await c.destroy();
 * ```
 */
export class Container {
  readonly #cgroupRel: string;
  #child: NsChild | undefined;

  /** @internal Use {@link Factory.create} or {@link Factory.load}. */
  constructor(
    /** The container's id. */
    readonly id: string,
    /** Its directory under the factory's root (config.json, state.json, init.pid). */
    readonly dir: string,
    /** Its validated config; undefined while `creating` had not written it. */
    readonly config: ContainerConfig | undefined,
    cgroupRel: string,
  ) {
    this.#cgroupRel = cgroupRel;
  }

  /** The cgroup's directories (none with `cgroup: false`). */
  get cgroupPaths(): string[] {
    return this.config?.cgroup === false ? [] : cgroupDirs(this.#cgroupRel);
  }

  /**
   * The state, read from disk (state.json, init.pid, the init's process;
   * the config is {@link Container.config}, read once by `create` or `load`:
   * config.json never changes after create, so a container loaded while
   * config.json was missing stays `creating` until loaded again):
   * `creating` if config.json or state.json is
   * missing (a create that never finished), else `created` until the helper
   * wrote the init's pid, then `running` while that process (same pid, same
   * start time) lives, `stopped` after.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const c = new Factory('/run/linuxns-containers').load('demo');
   * if (c.isOk()) console.log(c.value.state()._unsafeUnwrap().status);
   * ```
   */
  state(): Result<ContainerState, ContainerFailure> {
    return this.#snapshot().map((s) => s.state);
  }

  /** The state, with the init's pid record as read for it (read once; also when it is not running). */
  #snapshot(): Result<{ state: ContainerState; init: { pid: number; startTime: number } | undefined }, ContainerFailure> {
    const sys = (operation: string, cause: ContainerFailure): ContainerFailure => ({ kind: 'container-system-error', id: this.id, operation, cause, message: `container ${this.id}: ${operation}: ${cause.message}` });
    if (!existsSync(this.dir)) return err({ kind: 'container-not-found', id: this.id, message: `container ${this.id} does not exist (no ${this.dir})` });
    const stored = readJson(this.dir, STATE_FILE);
    if (stored.isErr()) return err(sys('read state.json', stored.error));
    const missing = [...(this.config ? [] : [CONFIG_FILE]), ...(stored.value.found ? [] : [STATE_FILE])];
    const s = stored.value.found ? (stored.value.value as StoredState) : undefined;
    const namespaces: Partial<Record<NamespaceType, string>> = {};
    for (const ns of this.config?.namespaces ?? []) if (ns.path) namespaces[ns.type] = ns.path;
    for (const [t, p] of Object.entries(this.config?.pins ?? {})) namespaces[t as NamespaceType] = p;
    const base = {
      id: this.id,
      namespaces,
      cgroupPaths: this.cgroupPaths,
      ...(s ? { rootfs: s.rootfs, created: s.created, ...(s.bundle ? { bundle: s.bundle } : {}) } : this.config ? { rootfs: this.config.rootfs.path } : {}),
    };
    const init = readPidFile(this.dir);
    if (missing.length) return ok({ state: { ...base, status: 'creating', missing }, init });
    if (!init) return ok({ state: { ...base, status: 'created' }, init });
    if (!isAlive(init.pid, init.startTime)) return ok({ state: { ...base, status: 'stopped', pid: init.pid }, init });
    for (const ns of this.config!.namespaces) namespaces[ns.type] = `/proc/${init.pid}/ns/${ns.type}`;
    return ok({ state: { ...base, status: 'running', pid: init.pid }, init });
  }

  /** The exec'd processes recorded in exec.pids. */
  #execd(): Array<{ pid: number; startTime: number }> {
    try {
      return parseExecd(readFileSync(join(this.dir, EXEC_FILE), 'utf8'));
    } catch {
      return [];
    }
  }

  #wrongStatus(status: string, operation: string, want: string): ContainerFailure {
    return { kind: 'container-wrong-status', id: this.id, status, operation, message: `cannot ${operation} container ${this.id}: it is ${status} (${want})` };
  }

  #systemError(operation: string, cause?: ContainerFailure): ContainerFailure {
    return { kind: 'container-system-error', id: this.id, operation, ...(cause ? { cause } : {}), message: `container ${this.id}: ${operation} failed${cause ? `: ${cause.message}` : ''}` };
  }

  /**
   * Starts the init: `process`, or the config's. One process set up by the
   * helper before exec — namespaces, id maps, cgroup, rootfs (bind or
   * overlay), /proc, /dev, /sys, mounts, masked and read-only paths,
   * pivot_root, hostname, rlimits, session, capabilities, ids, cwd, env — so
   * that it never runs half set up; an id-mapped rootfs is mounted first,
   * and the config's `network` is set up before the init starts (without a
   * new user namespace) or while it waits before its exec (with one: see
   * {@link NetworkConfig}). Resolves once it runs; the container is then
   * `running`. Only from `created`, and one at a time: the `starting` claim
   * is taken first, so a second start meanwhile (or while processes of a
   * crashed earlier start are in its cgroup) is `container-wrong-status`. A
   * cgroup directory that exists with processes in it is refused
   * (`container-config-invalid`). A failure leaves nothing running, removes
   * the cgroup it made, and leaves the container `created`.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const c = new Factory('/run/linuxns-containers').load('demo')._unsafeUnwrap();
   * const init = await c.start({ args: ['sleep', '60'] }, { stdio: 'ignore' });
   * if (init.isOk()) console.log(init.value.pid, c.state()._unsafeUnwrap().status); // 12345 'running'
   * ```
   */
  start(process?: ProcessConfig, io: ProcessIo = {}): ResultAsync<NsChild, ContainerFailure> {
    const st = this.state();
    if (st.isErr()) return errAsync(st.error);
    if (st.value.status !== 'created') return errAsync(this.#wrongStatus(st.value.status, 'start', 'start needs a created container'));
    const config = this.config!;
    const proc = process ?? config.process;
    if (proc === undefined) return errAsync(invalid('process', 'no process to start: give one, or put process in the config'));
    const bad = checkProcess(proc, 'process', hasNewUserns(config));
    if (bad) return errAsync(bad);
    const claim = this.#claimStart();
    if (claim.isErr()) return errAsync(claim.error);
    // Another start may have run to its end between state() and the claim.
    if (readPidFile(this.dir)) {
      this.#releaseStart();
      return errAsync(this.#wrongStatus('running', 'start', 'start needs a created container'));
    }
    checkpoint();
    return new ResultAsync(
      (async (): Promise<Result<NsChild, ContainerFailure>> => {
        let recorded = false;
        let r: Result<NsChild, ContainerFailure>;
        try {
          const taken = this.#takeCgroup(config, () => (recorded = true));
          if (taken.isErr()) r = err(taken.error);
          else r = await this.#launchInit(config, proc, io, taken.value);
        } catch (e) {
          if (recorded) await this.#undoCgroup();
          this.#releaseStart();
          throw e;
        }
        if (r.isErr()) {
          // Nothing of the attempt runs: the cgroup it made goes, and the container is created again.
          if (recorded) await this.#undoCgroup();
          this.#releaseStart();
        }
        return r;
      })(),
    );
  }

  /**
   * The claim of a start: `starting`, a symlink to "PID:STARTTIME" of the
   * process starting it, made atomically (EEXIST if there is one). A claim
   * whose process is gone (a start that crashed) is stale: it is moved aside
   * (rename, so that two callers never both take it) and taken again. Kept
   * after a start that succeeded (the container never goes back to created);
   * removed by a start that failed.
   */
  #claimStart(): Result<void, ContainerFailure> {
    const path = join(this.dir, START_CLAIM);
    const me = `${globalThis.process.pid}:${procStat(globalThis.process.pid)?.startTime ?? 0}`;
    const busy = (owner: string): ContainerFailure => this.#wrongStatus('created', 'start', `another start is in progress (process ${owner.split(':')[0] ?? '?'})`);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        symlinkSync(me, path);
        return ok(undefined);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return err(this.#systemError(`claim the start (${path})`, fsError(e, { path })));
      }
      let owner: string;
      try {
        owner = readlinkSync(path);
      } catch {
        continue; // released meanwhile
      }
      const [pid, start] = owner.split(':').map(Number);
      if (pid !== undefined && start !== undefined && isAlive(pid, start)) return err(busy(owner));
      const aside = `${path}.stale-${globalThis.process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      let moved = '';
      try {
        moved = readlinkSync(aside);
      } catch {
        /* gone */
      }
      rmSync(aside, { force: true });
      if (moved !== owner) {
        // A fresh claim was taken in between and moved aside by mistake: put it back.
        try {
          symlinkSync(moved, path);
        } catch {
          /* taken again meanwhile */
        }
        return err(busy(moved));
      }
    }
    return err(this.#wrongStatus('created', 'start', 'another start is in progress'));
  }

  #releaseStart(): void {
    try {
      rmSync(join(this.dir, START_CLAIM), { force: true });
    } catch {
      /* the directory is gone (destroyed meanwhile) */
    }
  }

  /** The cgroup directories a start recorded as the container's (cgroup.json): the only ones destroy kills and removes. */
  #ownedCgroup(): string[] {
    const r = readJson(this.dir, CGROUP_FILE);
    if (r.isErr() || !r.value.found) return [];
    const dirs = (r.value.value as { dirs?: unknown }).dirs;
    return Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === 'string' && !isHierarchyRoot(d)) : [];
  }

  /**
   * Takes the container's cgroup for a start: refused if a directory of it
   * exists with processes in it (an earlier start's: `container-wrong-status`;
   * anyone else's: `container-config-invalid`), else recorded in cgroup.json
   * (`onRecorded`), then made (or an empty existing one reused) with its
   * limits. Its directories, none with `cgroup: false`.
   */
  #takeCgroup(config: ContainerConfig, onRecorded: () => void): Result<string[], ContainerFailure> {
    if (config.cgroup === false) return ok([]);
    const dirs = this.cgroupPaths;
    const bad = dirs.find(isHierarchyRoot);
    if (bad !== undefined) return err(invalid('cgroup.path', `the cgroup ${bad} is the root of a hierarchy`));
    const owned = this.#ownedCgroup();
    for (const d of dirs) {
      if (!existsSync(d) || !cgroupPopulated([d])) continue;
      if (owned.includes(d)) return err(this.#wrongStatus('created', 'start', `processes of an earlier start are still in its cgroup ${d}: destroy it`));
      return err(invalid('cgroup.path', `the cgroup ${d} already exists and has processes that are not this container's`));
    }
    const w = writeJsonAtomic(this.dir, [[CGROUP_FILE, { dirs }]]);
    if (w.isErr()) return err(this.#systemError('record the cgroup', w.error));
    onRecorded();
    const made = createCgroup(dirs, config.cgroup ?? {}, checkpoint);
    if (made.isErr()) return err(this.#systemError('create cgroup', made.error));
    return ok(dirs);
  }

  /** After a failed start: the cgroup it recorded removed (nothing of the attempt runs), and its record. */
  async #undoCgroup(): Promise<void> {
    const dirs = this.#ownedCgroup();
    try {
      const r = await removeCgroup(dirs);
      if (r.isErr()) return; // kept recorded: destroy removes it
    } catch {
      return;
    }
    try {
      rmSync(join(this.dir, CGROUP_FILE), { force: true });
    } catch {
      /* destroyed meanwhile */
    }
  }

  /**
   * start's work once the cgroup is taken: an id-mapped rootfs mounted first;
   * then, without a new user namespace, a network namespace made and
   * configured before the helper is started, which joins it; with one, the
   * network configured in the init's own namespace (owned by its user
   * namespace) while the init waits before its exec. Either way the init's
   * program never runs in an unconfigured network. A failure undoes
   * everything: the container is `created` again.
   */
  #launchInit(config: ContainerConfig, proc: ProcessConfig, io: ProcessIo, cgroupDirs: readonly string[]): ResultAsync<NsChild, ContainerFailure> {
    const pidFile = join(this.dir, PID_FILE);
    const net = config.network;
    const newUser = hasNewUserns(config);
    const netPin = config.pins?.net;
    return new ResultAsync(
      (async (): Promise<Result<NsChild, ContainerFailure>> => {
        let netns: NamespaceHandle | undefined;
        let pinned = false;
        const undo = async (operation: string, cause: ContainerFailure): Promise<Result<NsChild, ContainerFailure>> => {
          if (net) await teardownNetwork(this.dir, netns);
          if (pinned && netPin) unpin(netPin);
          netns?.close();
          if (config.rootfs.idmap) removeIdmapRootfs(this.dir);
          return err(this.#systemError(operation, cause));
        };
        if (net) {
          // What a start that crashed may have left outside.
          const left = await teardownNetwork(this.dir, undefined);
          if (left.isErr()) return err(this.#systemError('undo the network of an earlier start', left.error));
        }
        let rootfs: string | undefined;
        if (config.rootfs.idmap) {
          const m = await makeIdmapRootfs(this.dir, config.rootfs.path, config.uidMappings!, config.gidMappings!);
          if (m.isErr()) return err(this.#systemError('mount the id-mapped rootfs', m.error));
          rootfs = m.value;
        }
        if (net && !newUser) {
          const h = await createNamespace('net');
          if (h.isErr()) return undo('create the network namespace', h.error);
          netns = h.value;
          const s = await setupNetwork(this.dir, net, netns);
          if (s.isErr()) return undo('set up the network', s.error);
          if (netPin) {
            const p = pin(netns, netPin, { exclusive: true });
            if (p.isErr()) return undo(`pin the network namespace on ${netPin}`, p.error);
            pinned = true;
          }
        }
        // With a new user namespace the init's own network namespace is configured while the
        // init waits before its exec (spawn's beforeExec): from outside, before the program runs.
        // The namespace is held open from the hook on: if the exec fails after it, the init is gone
        // by the time spawn answers, and moved links must still be moved back out of it (a namespace
        // that dies with them deletes virtual links and sends physical ones back renamed).
        let netFailed = false;
        const configureInside = async (pid: number): Promise<Result<void, ContainerFailure>> => {
          const h = openProcessNamespace(pid, 'net');
          if (h.isErr()) {
            netFailed = true;
            return err(h.error);
          }
          netns = h.value;
          const s = await setupNetwork(this.dir, net!, netns);
          if (s.isErr()) netFailed = true;
          return s;
        };
        const options = initOptions(config, proc, { pidFile, cgroupDirs, ...(rootfs ? { rootfs } : {}), ...(netns ? { netns } : {}) }, io);
        let launched: ResultAsync<NsChild, ContainerFailure>;
        try {
          const spawnOptions: SpawnOptions<ContainerFailure> = net && newUser ? { ...options, beforeExec: configureInside } : options;
          launched = spawn(proc.args[0]!, proc.args.slice(1), spawnOptions);
        } catch (e) {
          // Misuse spawn refuses at once (a bad stdio value): nothing may stay behind for it either.
          await undo('start', { kind: 'invalid-option', option: 'stdio', message: String(e) });
          throw e;
        }
        checkpoint(); // the helper is on its way: a crash now leaves it to finish alone
        const r = await launched;
        checkpoint();
        if (r.isErr()) {
          rmSync(pidFile, { force: true });
          return undo(netFailed ? 'set up the network' : 'start', r.error); // undo tears the network down in netns, held
        }
        netns?.close(); // the init is in it now
        netns = undefined;
        this.#child = r.value;
        return ok(r.value);
      })(),
    );
  }

  /**
   * Starts the init and waits for it: its exit code or signal.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const c = new Factory('/run/linuxns-containers').load('demo')._unsafeUnwrap();
   * const status = await c.run({ args: ['true'] });
   * if (status.isOk()) console.log(status.value); // { code: 0, signal: null }
   * ```
   */
  run(process?: ProcessConfig, io: ProcessIo = {}): ResultAsync<ExitStatus, ContainerFailure> {
    return this.start(process, io).andThen(() => this.wait());
  }

  /**
   * Sends a signal to the init. As pid 1 of a new pid namespace it ignores
   * those it has no handler for, except SIGKILL. Only while `running`. An
   * unknown signal name throws a TypeError, a number outside 0..64 a
   * RangeError.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const c = new Factory('/run/linuxns-containers').load('demo')._unsafeUnwrap();
   * c.signal('SIGKILL');
   * ```
   */
  signal(signal: NodeJS.Signals | number = 'SIGTERM'): Result<void, ContainerFailure> {
    if (typeof signal === 'string') {
      if (!Object.hasOwn(osConstants.signals, signal)) throw new TypeError(`unknown signal ${JSON.stringify(signal)}: a name such as 'SIGTERM', or a number`);
    } else if (typeof signal === 'number') {
      if (!Number.isInteger(signal) || signal < 0 || signal > 64) throw new RangeError(`signal must be from 0 to 64, got ${signal}`);
    } else throw new TypeError(`signal must be a signal name or number, got ${typeof signal}`);
    const st = this.state();
    if (st.isErr()) return err(st.error);
    if (st.value.status !== 'running') return err(this.#wrongStatus(st.value.status, 'signal', 'it needs a running container'));
    try {
      process.kill(st.value.pid!, signal);
      return ok(undefined);
    } catch (e) {
      const x = e as NodeJS.ErrnoException;
      if (x.code === 'ESRCH') return err(this.#wrongStatus('stopped', 'signal', 'the init has just exited'));
      return err(this.#systemError(`kill ${st.value.pid}: ${x.message}`));
    }
  }

  /**
   * Waits until the init has exited. Its exit status is known when this
   * object started it; for a container started elsewhere (another process, a
   * previous Factory), `{ code: null, signal: null }` once it is gone.
   * `container-wrong-status` while `created` or `creating`.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const c = new Factory('/run/linuxns-containers').load('demo')._unsafeUnwrap();
   * console.log(await c.wait());
   * ```
   */
  wait(): ResultAsync<ExitStatus, ContainerFailure> {
    if (this.#child) return ResultAsync.fromSafePromise(this.#child.exited);
    const st = this.#snapshot();
    if (st.isErr()) return errAsync(st.error);
    const { state, init } = st.value;
    if (state.status === 'created' || state.status === 'creating') return errAsync(this.#wrongStatus(state.status, 'wait for', 'it was never started'));
    if (!init) return okAsync({ code: null, signal: null });
    return ResultAsync.fromSafePromise(waitGone(init.pid, init.startTime).then(() => ({ code: null, signal: null })));
  }

  /**
   * Runs `process` inside the running container: every namespace of the init
   * joined by handle (opened from `/proc/PID/ns`, with the init's start time
   * checked after, so a reused pid is never joined; the user namespace last,
   * becoming root in it), in its cgroup, with the process's own env, cwd,
   * ids, rlimits and capabilities.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const c = new Factory('/run/linuxns-containers').load('demo')._unsafeUnwrap();
   * const p = await c.exec({ args: ['hostname'] }, { stdio: ['ignore', 'pipe', 'inherit'] });
   * if (p.isOk()) p.value.stdout?.pipe(process.stdout);
   * ```
   */
  exec(process: ProcessConfig, io: ProcessIo = {}): ResultAsync<NsChild, ContainerFailure> {
    const newUser = this.config ? hasNewUserns(this.config) : true;
    const bad = checkProcess(process, 'process', newUser);
    if (bad) return errAsync(bad);
    const st = this.#snapshot();
    if (st.isErr()) return errAsync(st.error);
    if (st.value.state.status !== 'running') return errAsync(this.#wrongStatus(st.value.state.status, 'exec in', 'it needs a running container'));
    const init = st.value.init!;
    const handles: Array<[NamespaceType, NamespaceHandle]> = [];
    const closeAll = (): void => handles.forEach(([, h]) => h.close());
    for (const type of NAMESPACE_TYPES) {
      const h = openProcessNamespace(init.pid, type);
      if (h.isErr()) {
        closeAll();
        return errAsync(this.#systemError(`open the ${type} namespace of ${init.pid}`, h.error));
      }
      const mine = identityOfPath(`/proc/self/ns/${type}`, type);
      if (mine.isOk() && sameNamespace(mine.value, h.value)) h.value.close();
      else handles.push([type, h.value]);
    }
    if (!isAlive(init.pid, init.startTime)) {
      closeAll();
      return errAsync(this.#wrongStatus('stopped', 'exec in', 'the init exited meanwhile'));
    }
    const cgroups = this.config!.cgroup !== false ? this.#ownedCgroup() : [];
    let launched: ResultAsync<NsChild, ContainerFailure>;
    try {
      launched = spawn(process.args[0]!, process.args.slice(1), {
        ...processOptions(process, io, newUser),
        join: Object.fromEntries(handles),
        ...(cgroups.length ? { cgroups } : {}),
      });
    } finally {
      closeAll(); // spawn handed the helper its own copies, or threw at once for a misuse
    }
    return launched
      .map((child) => {
        // Recorded for destroy, which kills it even without a cgroup or a pid namespace.
        const stat = procStat(child.pid);
        try {
          if (stat) appendFileSync(join(this.dir, EXEC_FILE), `${child.pid} ${stat.startTime}\n`);
        } catch {
          /* destroyed meanwhile */
        }
        return child;
      })
      .mapErr((e) => this.#systemError('exec', e));
  }

  /**
   * Destroys the container: its network undone outside (moved links moved
   * back, host routes and host-side veth ends deleted), every process of it
   * killed (the init SIGKILLed, which ends a pid namespace; the exec'd
   * processes recorded by {@link Container.exec}; its cgroup and every cgroup
   * below it emptied) and waited for, its pins unmounted, its cgroup (the
   * one a start recorded; none if never started) removed children first, an
   * id-mapped rootfs unmounted, its directory deleted. Works from every
   * status, `creating` included; a second call finds nothing and says
   * `container-not-found`.
   *
   * @example
   * ```ts
   * import { Factory } from '@linuxns/container';
   * const c = new Factory('/run/linuxns-containers').load('demo');
   * if (c.isOk()) await c.value.destroy();
   * ```
   */
  destroy(): ResultAsync<void, ContainerFailure> {
    return new ResultAsync(
      (async (): Promise<Result<void, ContainerFailure>> => {
        const st = this.#snapshot();
        if (st.isErr()) return err(st.error);
        const dirs = this.#ownedCgroup();
        const { init } = st.value;
        const alive = init !== undefined && isAlive(init.pid, init.startTime);
        // The network first, while the container's namespace is there to move links back out of.
        let netError: ContainerFailure | undefined;
        if (this.config?.network !== undefined) {
          const pin = this.config.pins?.net;
          const inside: NetnsRef | undefined = alive ? init.pid : pin !== undefined && existsSync(pin) ? pin : undefined;
          const r = await teardownNetwork(this.dir, inside);
          if (r.isErr()) netError = r.error;
        }
        if (alive) {
          try {
            process.kill(init.pid, 'SIGKILL');
          } catch {
            /* exited meanwhile */
          }
        }
        // The init first (that ends a pid namespace), so that the helpers above it reap it and exit
        // in order; then whatever else is left in the cgroup (exec'd processes, no pid namespace).
        if (init && !(await waitGone(init.pid, init.startTime, 5000))) return err(this.#systemError(`kill the init ${init.pid}`));
        // The exec'd processes (they outlive the init without a pid namespace), by pid and start time.
        const execd = this.#execd();
        for (const p of execd) {
          try {
            if (isAlive(p.pid, p.startTime)) process.kill(p.pid, 'SIGKILL');
          } catch {
            /* exited meanwhile */
          }
        }
        for (const p of execd) if (!(await waitGone(p.pid, p.startTime, 5000))) return err(this.#systemError(`kill the exec'd process ${p.pid}`));
        try {
          if (dirs.length && !(await killCgroup(dirs))) return err(this.#systemError(`empty the cgroup (${cgroupPids(dirs).join(' ')} still there)`));
        } catch (e) {
          return err(this.#systemError(`empty the cgroup: ${(e as Error).message}`));
        }
        // The helper, reaped by Node once it has reaped the init. Only now: exited also waits for
        // the init's piped stdout and stderr to close, and without a pid namespace a process the
        // init left in the cgroup may hold them until the cgroup is emptied.
        if (this.#child) await this.#child.exited;
        for (const path of Object.values(this.config?.pins ?? {})) {
          const r = unpin(path);
          if (r.isErr() && r.error.kind !== 'not-pinned' && r.error.kind !== 'not-found') return err(this.#systemError(`unpin ${path}`, r.error));
        }
        let removed: Result<void, ContainerFailure>;
        try {
          removed = await removeCgroup(dirs);
        } catch (e) {
          return err(this.#systemError(`remove the cgroup: ${(e as Error).message}`));
        }
        if (removed.isErr()) return err(this.#systemError('remove the cgroup', removed.error));
        if (this.config?.rootfs.idmap) {
          const r = removeIdmapRootfs(this.dir);
          if (r.isErr()) return err(this.#systemError('unmount the id-mapped rootfs', r.error));
        }
        if (netError) return err(this.#systemError('undo the network', netError));
        try {
          rmSync(this.dir, { recursive: true, force: true });
        } catch (e) {
          return err(this.#systemError(`remove ${this.dir}: ${(e as Error).message}`));
        }
        return ok(undefined);
      })(),
    );
  }
}

function parseExecd(text: string): Array<{ pid: number; startTime: number }> {
  const out: Array<{ pid: number; startTime: number }> = [];
  for (const l of text.split('\n')) {
    const m = /^(\d+) (\d+)$/.exec(l);
    if (m) out.push({ pid: Number(m[1]), startTime: Number(m[2]) });
  }
  return out;
}

export type { ProcessIo };
