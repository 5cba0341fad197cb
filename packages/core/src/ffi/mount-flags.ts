/**
 * Flags of mount(2), umount2(2) and the new mount API (linux/mount.h,
 * linux/fcntl.h), named once for every module that mounts.
 *
 * @module
 * @internal
 */
export const MS_RDONLY = 0x1;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_UNBINDABLE = 1 << 17;
export const MS_PRIVATE = 1 << 18;
export const MS_SLAVE = 1 << 19;
export const MS_SHARED = 1 << 20;
export const MNT_DETACH = 2;
export const UMOUNT_NOFOLLOW = 8;
export const AT_FDCWD = -100;
export const AT_RECURSIVE = 0x8000;
export const OPEN_TREE_CLONE = 1;
export const OPEN_TREE_CLOEXEC = 0o2000000;
export const MOVE_MOUNT_F_EMPTY_PATH = 4;
export const AT_EMPTY_PATH = 0x1000;
export const MOUNT_ATTR_RDONLY = 0x1;
export const MOUNT_ATTR_IDMAP = 0x100000;

/**
 * A `struct mount_attr` for mount_setattr: `{ attr_set, attr_clr,
 * propagation, userns_fd }`, 64 bits each; `usernsFd` is the user namespace
 * of `MOUNT_ATTR_IDMAP`.
 */
export function mountAttr(attrSet: number, attrClr = 0, usernsFd?: number): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, BigInt(attrSet), true);
  v.setBigUint64(8, BigInt(attrClr), true);
  if (usernsFd !== undefined) v.setBigUint64(24, BigInt(usernsFd), true);
  return b;
}
