/**
 * Introspection: every namespace on the system ({@link listNamespaces}) and
 * their hierarchies ({@link namespaceTree}).
 *
 * @module
 */
export type { NamespaceInfo, NamespaceHolder, ListNamespacesOptions } from './info.js';
export { listNamespaces } from './list.js';
export { namespaceTree, type NamespaceTreeNode, type NamespaceTreeOptions } from './tree.js';
