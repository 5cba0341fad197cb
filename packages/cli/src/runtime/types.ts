/**
 * The types the runtime's CommonJS modules share (a CommonJS module of
 * TypeScript exports its values with `export =`, and its types from here).
 *
 * @module
 */

/** A flag: `bool`, one `value`, or `values` (repeatable); `alias`: its other names (`b` for `--bundle`). */
export interface FlagSpec {
  readonly kind: 'bool' | 'value' | 'values';
  readonly alias?: readonly string[];
}

/** A command's flags by name. */
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** What a command line said: each flag given (by its name), then the arguments. */
export interface Parsed {
  has(name: string): boolean;
  value(name: string): string | undefined;
  values(name: string): string[];
  readonly args: string[];
}

/** runc's global options. */
export interface Globals {
  /** `--root`: where the containers' state lives. */
  readonly root: string;
  /** `--log`: where errors (and, with `--debug`, more) are written; stderr without it. */
  readonly log?: string;
  /** `--log-format`: `text` (logrus's, as runc) or `json` (one object a line: what containerd and conmon read). */
  readonly logFormat: 'text' | 'json';
  readonly debug: boolean;
  /** `--systemd-cgroup`: cgroupsPath is `slice:prefix:name`. */
  readonly systemdCgroup: boolean;
}

/** A runtime command: its globals and its own arguments in; its exit status out. */
export type Command = (g: Globals, argv: readonly string[]) => number | Promise<number>;

/** The OCI hook points, in the order of a container's life. */
export type HookName = 'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop';

/** One hook of config.json. */
export interface Hook {
  readonly path: string;
  readonly args?: readonly string[];
  readonly env?: readonly string[];
  readonly timeout?: number;
}

/** A container's hooks, by point. */
export type Hooks = Partial<Record<HookName, readonly Hook[]>>;
