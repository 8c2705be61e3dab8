// Host tools a native build needs, with the Debian package that brings each. Pure data.

export interface HostTool { tool: string; package: string; why: string }

const TOOLS: HostTool[] = [
  { tool: 'mmdebstrap', package: 'mmdebstrap', why: 'bootstrapping the arm64 root filesystem' },
  { tool: 'qemu-aarch64-static', package: 'qemu-user-static', why: 'running arm64 programs in the chroot' },
  { tool: 'update-binfmts', package: 'binfmt-support', why: 'registering qemu-aarch64 with binfmt_misc' },
  { tool: 'mke2fs', package: 'e2fsprogs', why: 'making the ext4 root filesystem from a directory' },
  { tool: 'debugfs', package: 'e2fsprogs', why: 'inspecting the root filesystem without mounting' },
  { tool: 'mkfs.vfat', package: 'dosfstools', why: 'making the FAT32 boot partition' },
  { tool: 'mcopy', package: 'mtools', why: 'copying boot files into the FAT partition without mounting' },
  { tool: 'sfdisk', package: 'fdisk', why: 'writing the MBR partition table' },
  { tool: 'xz', package: 'xz-utils', why: 'compressing the image' },
  { tool: 'bmaptool', package: 'bmap-tools', why: 'the block map for fast flashing' },
  { tool: 'ssh-keygen', package: 'openssh-client', why: 'generating the admin key pair' },
  { tool: 'unshare', package: 'util-linux', why: 'private mounts for the chroot' },
  { tool: 'tar', package: 'tar', why: 'unpacking the cached base' },
];

export function planHostTools(): HostTool[] {
  return TOOLS.map((t) => ({ ...t }));
}
