#!/bin/bash -e
# pi-gen: start from stage2's root filesystem (Raspberry Pi OS Lite).
# okome-image's native build starts from its own Debian base instead and skips this file.
if [ ! -d "${ROOTFS_DIR}" ]; then
	copy_previous
fi
