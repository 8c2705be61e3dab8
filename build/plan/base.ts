// The cached root filesystem layers and their keys. Pure.
//  1. base (shared by every kind): mmdebstrap, kernel, initramfs, system and common packages.
//  2. kind layer: the base plus the kind's packages (nginx... or redis...), installed with apt.
// The rendered stage is applied on top of the kind layer at every build, so overlay or address
// changes never rebuild either layer.
import { createHash } from 'node:crypto';
import type { ResolvedConfig } from '../config/resolve.ts';
import type { Kind } from '../config/schema.ts';
import { planBootstrapPackages, planKindPackages } from './packages.ts';

/** Bumped when the recipe's meaning changes in a way its inputs do not show. */
export const BASE_RECIPE_VERSION = 1;

/**
 * Modules the initramfs carries (MODULES=list): SD/eMMC on Pi 3/4/400/CM4/Zero 2 W, USB mass
 * storage (USB boot), PCIe xHCI of the Pi 4, virtio for QEMU -M virt, and ext4.
 */
export const INITRAMFS_MODULES = [
  'mmc_block', 'sdhci_iproc', 'sdhci_pltfm', 'bcm2835_mmc', 'bcm2835_sdhost', 'bcm2835_dma',
  'reset_raspberrypi', 'pcie_brcmstb', 'xhci_pci', 'xhci_plat_hcd', 'dwc2', 'usb_storage', 'uas',
  'virtio_pci', 'virtio_mmio', 'virtio_blk', 'ext4',
] as const;

/** Paths dpkg never unpacks (docs, man pages, translations): smaller image, faster build. */
export const DPKG_EXCLUDES = [
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
  'path-exclude=/usr/share/lintian/*',
] as const;

export interface BaseRecipe {
  recipeVersion: number;
  release: string;
  arch: string;
  mirror: string;
  components: string[];
  variant: 'minbase';
  packages: string[];
  initramfsModules: string[];
  dpkgOptions: string[];
  /** Shell run by mmdebstrap hooks, in order: [hook option, script]. */
  hooks: [string, string][];
}

export function planBaseRecipe(config: ResolvedConfig): BaseRecipe {
  const modules = [...INITRAMFS_MODULES];
  return {
    recipeVersion: BASE_RECIPE_VERSION,
    release: config.release,
    arch: config.arch,
    mirror: config.mirror,
    components: [...config.components],
    variant: 'minbase',
    packages: planBootstrapPackages(),
    initramfsModules: modules,
    // Our /etc/default/raspi-firmware is written before the package: keep it without asking.
    dpkgOptions: ['force-confdef', 'force-confold', ...DPKG_EXCLUDES],
    hooks: [
      // Before any package: initramfs with only the listed modules, zstd; Debian's raspi-firmware
      // finds the root by label (SD, USB and QEMU alike), not /dev/mmcblk0p2.
      ['--essential-hook', [
        'set -e',
        'mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/default"',
        'printf "MODULES=list\\nCOMPRESS=zstd\\n" > "$1/etc/initramfs-tools/conf.d/okome.conf"',
        `printf "%s\\n" ${modules.join(' ')} >> "$1/etc/initramfs-tools/modules"`,
        'printf "ROOTPART=LABEL=rootfs\\n" > "$1/etc/default/raspi-firmware"',
      ].join('; ')],
      // The kernel and initramfs-tools would each build the initramfs (twice, under emulation):
      // divert update-initramfs during installation and build it once at the end.
      ['--essential-hook', 'set -e; chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs; ln -s /bin/true "$1/usr/sbin/update-initramfs"'],
      ['--customize-hook', 'set -e; rm "$1/usr/sbin/update-initramfs"; chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs; chroot "$1" update-initramfs -c -k all'],
      // Byte-compiling Python under emulation is slow and the device does it on first use.
      ['--essential-hook', 'set -e; chroot "$1" dpkg-divert --quiet --local --rename --add /usr/bin/py3compile; ln -s /bin/true "$1/usr/bin/py3compile"'],
      ['--customize-hook', 'set -e; rm "$1/usr/bin/py3compile"; chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/bin/py3compile'],
      // A Pi needs only Broadcom device trees; the other boards' take ~50 MB.
      ['--customize-hook', 'set -e; for d in "$1"/usr/lib/linux-image-*; do [ -d "$d" ] && find "$d" -mindepth 1 -maxdepth 1 -type d ! -name broadcom -exec rm -rf {} +; done; true'],
    ],
  };
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

export function hashOf(v: unknown): string {
  return createHash('sha256').update(canonical(v)).digest('hex');
}

export function baseCacheKey(recipe: BaseRecipe): string {
  return `base-${recipe.release}-${recipe.arch}-${hashOf(recipe).slice(0, 16)}`;
}

export interface KindLayer { kind: Kind; packages: string[]; cacheKey: string }

export function planKindLayer(kind: Kind, baseKey: string): KindLayer {
  const packages = planKindPackages(kind);
  return { kind, packages, cacheKey: `${baseKey}-${kind}-${hashOf({ baseKey, packages, v: BASE_RECIPE_VERSION }).slice(0, 12)}` };
}

/** mmdebstrap's argv producing `outTar` from the recipe. */
export function mmdebstrapArgv(recipe: BaseRecipe, outTar: string): string[] {
  return [
    `--arch=${recipe.arch}`,
    `--variant=${recipe.variant}`,
    '--mode=root',
    '--format=tar',
    // Keep the package lists: the kind layer installs on top of this base with apt.
    '--skip=cleanup/apt/lists',
    `--components=${recipe.components.join(',')}`,
    `--include=${recipe.packages.join(',')}`,
    ...recipe.dpkgOptions.map((o) => `--dpkgopt=${o}`),
    ...recipe.hooks.map(([opt, script]) => `${opt}=${script}`),
    recipe.release,
    outTar,
    recipe.mirror,
  ];
}
