/**
 * {@link namespaceTree}: the hierarchies among the namespaces
 * {@link listNamespaces} finds — user namespaces with their children and what
 * they own, pid namespaces with their nested ones.
 *
 * @module
 */
import type { Result } from 'neverthrow';
import type { NsError } from '../errors/ns-error.js';
import type { NamespaceInfo } from './info.js';
import { listNamespaces } from './list.js';

/**
 * One namespace in a hierarchy, with what hangs below it.
 *
 * - In the user-namespace tree: `children` are the user namespaces whose parent it is
 *   (`NS_GET_PARENT`), `owns` the namespaces of the other seven types it owns
 *   (`NS_GET_USERNS`): the ones whose capabilities are checked against it.
 * - In the pid-namespace tree: `children` are the pid namespaces nested in it; `owns` is
 *   always empty (the pid namespace is also in its owner's `owns`).
 *
 * Both lists are sorted by inode number. Every {@link NamespaceInfo} is the same object
 * {@link listNamespaces} would return, so `ns.parent` and `ns.owner` are there too.
 *
 * @example
 * ```ts
 * import { namespaceTree, type NamespaceTreeNode } from '@linuxns/core';
 * const count = (node: NamespaceTreeNode): number => 1 + node.children.reduce((n, c) => n + count(c), 0);
 * const roots = namespaceTree({ type: 'user' });
 * if (roots.isOk()) console.log(roots.value.reduce((n, r) => n + count(r), 0), 'user namespaces');
 * ```
 */
export interface NamespaceTreeNode {
  /** The namespace itself. */
  readonly ns: NamespaceInfo;
  /** Child namespaces of the same type (user or pid). */
  readonly children: readonly NamespaceTreeNode[];
  /** For a user namespace: the non-user namespaces it owns. Empty for a pid namespace. */
  readonly owns: readonly NamespaceInfo[];
}

/**
 * Options of {@link namespaceTree}.
 *
 * @example
 * ```ts
 * import { namespaceTree } from '@linuxns/core';
 * const pidRoots = namespaceTree({ type: 'pid' }); // pid namespaces only, nested
 * if (pidRoots.isOk()) console.log(pidRoots.value.map((r) => r.children.length));
 * ```
 */
export interface NamespaceTreeOptions {
  /** Only this hierarchy: `'user'` (ownership and nesting of user namespaces) or `'pid'` (nesting of pid namespaces). Both when left out. */
  readonly type?: 'user' | 'pid';
}

interface MutableNode {
  readonly ns: NamespaceInfo;
  readonly children: MutableNode[];
  readonly owns: NamespaceInfo[];
}

/** The roots of the `type` hierarchy among `list` (sorted by inode, as `list` is). */
function forest(list: readonly NamespaceInfo[], type: 'user' | 'pid'): MutableNode[] {
  const nodes = new Map<bigint, MutableNode>();
  for (const ns of list) if (ns.type === type) nodes.set(ns.ino, { ns, children: [], owns: [] });
  if (type === 'user') {
    for (const ns of list) {
      if (ns.type !== 'user' && ns.owner !== undefined) nodes.get(ns.owner)?.owns.push(ns);
    }
  }
  const roots: MutableNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.ns.parent === undefined ? undefined : nodes.get(node.ns.parent);
    if (parent !== undefined && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}

/**
 * The namespace hierarchies: the roots of the user-namespace tree, then the
 * roots of the pid-namespace tree (or only one of them with `type`). A root
 * is a namespace whose parent the caller cannot see: the initial one, or,
 * inside a container, the container's own. A non-user namespace whose owner
 * is hidden from the caller appears in no `owns`.
 *
 * Built from one {@link listNamespaces} call, so it sees the same
 * namespaces: user namespaces that no process is in are still there when
 * something they own or parent is (holder `'related'`).
 *
 * @example
 * ```ts
 * import { namespaceTree, type NamespaceTreeNode } from '@linuxns/core';
 * const print = (node: NamespaceTreeNode, depth = 0): void => {
 *   const owns = node.owns.map((ns) => `${ns.type}:[${ns.ino}]`).join(' ');
 *   console.log(`${'  '.repeat(depth)}${node.ns.type}:[${node.ns.ino}] ${node.ns.command ?? ''} owns ${owns}`);
 *   for (const child of node.children) print(child, depth + 1);
 * };
 * const tree = namespaceTree({ type: 'user' });
 * if (tree.isOk()) tree.value.forEach((root) => print(root));
 * ```
 */
export function namespaceTree(options: NamespaceTreeOptions = {}): Result<NamespaceTreeNode[], NsError> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
  const { type } = options;
  if (type !== undefined && type !== 'user' && type !== 'pid') throw new TypeError(`type must be 'user' or 'pid', got ${JSON.stringify(type)}`);
  return listNamespaces().map((list): NamespaceTreeNode[] => [
    ...(type !== 'pid' ? forest(list, 'user') : []),
    ...(type !== 'user' ? forest(list, 'pid') : []),
  ]);
}
