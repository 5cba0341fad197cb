/**
 * `linuxns tree [-J]`: the user-namespace hierarchy (each with what it
 * owns) and the pid-namespace nesting, drawn like `lsblk` and `pstree`.
 *
 * @module
 */
import { namespaceTree, type NamespaceInfo, type NamespaceTreeNode } from '@linuxns/core';
import { parse, positionals } from '../args.js';
import { failed, help, printJson } from '../output.js';
import { namespaceRecord } from './ls.js';

export const usage = `Usage:
 linuxns tree [options]

Show the namespace hierarchies: every user namespace with the namespaces it
owns (whose capabilities are checked against it) and the user namespaces
nested in it, then the pid namespaces nested in each other. Each line is
TYPE:[INODE], then the lowest pid in it, its user and command, how many
processes are in it, and its pins.

Options:
 -J, --json        JSON output: {"namespaces": [...]}, each with the
                   fields of 'linuxns ls -J', "children" (nested namespaces
                   of the same type) and, for user namespaces, "owns"
 -h, --help        display this help
     --debug       print error details (JSON) after the message
`;

/** One line's text: identity, then what a person wants to know about it. */
function label(ns: NamespaceInfo): string {
  const parts = [`${ns.type}:[${ns.ino}]`];
  if (ns.pid !== undefined) parts.push(`${ns.pid} ${ns.user ?? '?'} ${ns.command ?? ''}`.trimEnd());
  if (ns.nprocs > 1) parts.push(`(${ns.nprocs} processes)`);
  if (ns.paths.length > 0) parts.push(`pinned at ${ns.paths.join(', ')}`);
  if (ns.pid === undefined && ns.paths.length === 0) {
    parts.push(ns.holders.includes('fd') ? '(held by an open fd)' : '(kept alive by the namespaces below it)');
  }
  return parts.join(' ');
}

/** The lines of `node` and what hangs below it: owned namespaces first, then nested ones. */
function draw(node: NamespaceTreeNode, lead: string, branch: string, out: string[]): void {
  out.push(`${lead}${branch}${label(node.ns)}`);
  const below = lead + (branch === '├─' ? '│ ' : branch === '└─' ? '  ' : '');
  const items: Array<NamespaceInfo | NamespaceTreeNode> = [...node.owns, ...node.children];
  items.forEach((item, i) => {
    const b = i === items.length - 1 ? '└─' : '├─';
    if ('children' in item) draw(item, below, b, out);
    else out.push(`${below}${b}${label(item)}`);
  });
}

function json(node: NamespaceTreeNode): Record<string, unknown> {
  return {
    ...namespaceRecord(node.ns),
    ...(node.ns.type === 'user' ? { owns: node.owns.map(namespaceRecord) } : {}),
    children: node.children.map(json),
  };
}

/** `linuxns tree ARGV...`: prints the hierarchies; exit status 0. */
export function tree(argv: readonly string[]): number {
  const p = parse('tree', argv, { json: { kind: 'flag', short: 'J' } });
  if (p.has('help')) return help(usage);
  positionals('tree', p, []);
  const roots = namespaceTree();
  if (roots.isErr()) throw failed('tree', roots.error);
  if (p.has('json')) {
    printJson({ namespaces: roots.value.map(json) });
    return 0;
  }
  const out: string[] = [];
  for (const root of roots.value) draw(root, '', '', out);
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
