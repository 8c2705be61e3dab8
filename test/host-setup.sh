#!/usr/bin/env bash
# Makes this host ready for every test tier: installs the Debian packages in
# test/host-packages.txt that are missing (apt-get, as root) and enables qemu-aarch64 in
# binfmt_misc. Idempotent: does nothing when all is in place.
set -euo pipefail
cd "$(dirname "$0")"

main() {
	local missing=() p
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done < host-packages.txt
	if [ "${#missing[@]}" -gt 0 ]; then
		if [ "$(id -u)" -ne 0 ]; then
			echo "host-setup: missing Debian packages: ${missing[*]}" >&2
			echo "host-setup: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
			exit 3
		fi
		echo "host-setup: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q
		apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
	if [ "$(uname -m)" != aarch64 ]; then
		[ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
		grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null || update-binfmts --enable qemu-aarch64
		if ! grep -q '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64; then
			echo "host-setup: qemu-aarch64 is registered without the F flag; chroot builds will fail" >&2
			exit 3
		fi
	fi
	echo "host-setup: ready"
}

main "$@"
