/**
 * `@linuxns/core/ffi`: linuxns's one binding of the kernel, for linuxns's
 * own packages (@linuxns/netlink, @linuxns/userns-cache), not for users:
 * it follows the packages' needs and may change in any release.
 *
 * - `libc`: the koffi declarations of every libc call linuxns makes
 *   (`libc.ts`); `checked` and `closeFd` turn their results into Results.
 * - The numbers of the kernel's ABI, each named once: socket, netlink,
 *   fcntl and clone constants (`constants.ts`), mount flags and
 *   `struct mount_attr` (`mount-flags.ts`), and the new mount API's bind
 *   sequence (`bindTree`, `mount-tree.ts`).
 * - rtnetlink (`rtnl/`): the socket and its wire (`openRouteSocket`,
 *   `fdWire`), message framing and attributes (`parseMessages`,
 *   `parseAttrs`, `message`, `attr*`), and the reply to a request
 *   (`Reply`, `decodeError`). core's introspection asks nsids through it,
 *   and @linuxns/netlink builds its requests and its asynchronous exchanges
 *   on it.
 *
 * @module
 * @internal
 */
export * as libc from './libc.js';
export { checked, closeFd } from './syscall.js';
export * from './constants.js';
export * from './mount-flags.js';
export { bindTree, type TreeBind, type TreeBindFailure } from './mount-tree.js';
export * from './rtnl/frame.js';
export * from './rtnl/reply.js';
export * from './rtnl/socket.js';
