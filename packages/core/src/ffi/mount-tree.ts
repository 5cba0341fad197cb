/**
 * The one bind sequence of the new mount API: a detached copy of a tree
 * (`open_tree(OPEN_TREE_CLONE)`), its attributes set while still detached
 * (`mount_setattr`: read-only, id-mapped), then attached (`move_mount`). A
 * mount made this way is never seen without its attributes, not even for a
 * moment, and nothing is attached when a step fails: the detached copy goes
 * with its fd.
 *
 * @module
 * @internal
 */
import * as libc from './libc.js';
import { AT_EMPTY_PATH, AT_FDCWD, AT_RECURSIVE, mountAttr, MOVE_MOUNT_F_EMPTY_PATH, OPEN_TREE_CLOEXEC, OPEN_TREE_CLONE } from './mount-flags.js';

/** What {@link bindTree} binds, and how. */
export interface TreeBind {
  /** A path to copy (`open_tree` in the calling thread's mount namespace), when `treeFd` is not given. */
  readonly source?: string;
  /** A detached tree made earlier (perhaps in another mount namespace); not closed here. */
  readonly treeFd?: number;
  readonly target: string;
  /** The whole tree under the source, submounts included, each with the attributes. */
  readonly recursive: boolean;
  /** `MOUNT_ATTR_*` to set on the copy before it is attached; 0: none. */
  readonly attrSet: number;
  /** The user namespace of `MOUNT_ATTR_IDMAP`. */
  readonly usernsFd?: number;
}

/** The step that failed, and its errno. */
export interface TreeBindFailure {
  readonly syscall: 'open_tree' | 'mount_setattr' | 'move_mount';
  readonly errno: number;
}

/** Binds as {@link TreeBind} says; the failed step, or undefined once attached. */
export function bindTree(b: TreeBind): TreeBindFailure | undefined {
  const recursive = b.recursive ? AT_RECURSIVE : 0;
  let tree = b.treeFd;
  const opened = tree === undefined;
  if (tree === undefined) {
    tree = libc.openTree(AT_FDCWD, b.source!, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | recursive);
    if (tree < 0) return { syscall: 'open_tree', errno: libc.errno() };
  }
  try {
    if (b.attrSet !== 0 && libc.mountSetattr(tree, '', AT_EMPTY_PATH | recursive, mountAttr(b.attrSet, 0, b.usernsFd)) !== 0) {
      return { syscall: 'mount_setattr', errno: libc.errno() };
    }
    if (libc.moveMount(tree, '', AT_FDCWD, b.target, MOVE_MOUNT_F_EMPTY_PATH) !== 0) return { syscall: 'move_mount', errno: libc.errno() };
    return undefined;
  } finally {
    // Once moved, the mount is in the tree and stays; before that, closing the fd drops the copy.
    if (opened) libc.close(tree);
  }
}
