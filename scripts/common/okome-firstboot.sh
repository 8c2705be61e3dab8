#!/bin/bash
# okome-firstboot: make this device's own identity, once, on its first boot:
#   1. a real machine-id in /etc/machine-id (the image ships "uninitialized"),
#   2. SSH host keys (ssh-keygen -A; before ssh.service starts),
#   3. the root partition and its ext4 filesystem grown to the card (growpart + resize2fs).
# When every step worked it writes /var/lib/okome/firstboot.done; okome-firstboot.service is
# conditioned on that file's absence, and okome-verify.service (ordered after it) then checks
# the node and prints the verdict. A failed step leaves no marker, so the next boot retries.
# Tests: ROOT prefixes every file path; every program is looked up in PATH.
set -eu -o pipefail

ROOT=${ROOT:-}
DONE_FILE=$ROOT/var/lib/okome/firstboot.done
FAILED=()

say() { echo "okome-firstboot: $*"; }

valid_machine_id() { [[ $(cat "$ROOT/etc/machine-id" 2>/dev/null || true) =~ ^[0-9a-f]{32}$ ]]; }

step_machine_id() {
  local root_arg=()
  [ -z "$ROOT" ] || root_arg=(--root="$ROOT")
  if valid_machine_id; then
    # systemd made one at boot (in /run, bind-mounted); write it to /etc for good.
    systemd-machine-id-setup --commit "${root_arg[@]}" || true
  else
    say "/etc/machine-id is '$(cat "$ROOT/etc/machine-id" 2>/dev/null || true)': running systemd-machine-id-setup"
    systemd-machine-id-setup "${root_arg[@]}" || true
  fi
  if valid_machine_id; then say "machine-id is $(cat "$ROOT/etc/machine-id")"
  else say "FAIL machine-id: /etc/machine-id is still '$(cat "$ROOT/etc/machine-id" 2>/dev/null || true)'"; FAILED+=(machine-id); fi
}

step_ssh_host_keys() {
  local prefix=() out f keys=()
  [ -z "$ROOT" ] || prefix=(-f "$ROOT")
  if out=$(ssh-keygen -A "${prefix[@]}" 2>&1); then
    for f in "$ROOT"/etc/ssh/ssh_host_*_key.pub; do [ -e "$f" ] && keys+=("$(basename "$f")"); done
    say "SSH host keys: ${keys[*]:-none}"
  else
    say "FAIL ssh-host-keys: ssh-keygen -A failed: $out"; FAILED+=(ssh-host-keys)
  fi
}

# Print "<partition> <disk> <number>" of the root filesystem, e.g. "mmcblk0p2 mmcblk0 2".
root_partition() {
  local source name majmin sys
  source=$(findmnt -no SOURCE /)
  name=${source#/dev/}
  if [ ! -r "$ROOT/sys/class/block/$name/partition" ]; then
    # /dev/root, a by-label link or a mapper name: go by the device number instead.
    majmin=$(findmnt -no MAJ:MIN /)
    name=$(basename "$(readlink -f "$ROOT/sys/dev/block/${majmin// /}")")
  fi
  if [ ! -r "$ROOT/sys/class/block/$name/partition" ]; then
    echo "root source $source ($name) is not a partition" >&2
    return 1
  fi
  sys=$(readlink -f "$ROOT/sys/class/block/$name")
  echo "$name $(basename "$(dirname "$sys")") $(cat "$ROOT/sys/class/block/$name/partition")"
}

step_grow_root() {
  local part disk num fstype out rc=0
  if ! read -r part disk num < <(root_partition 2>&1) || [ -z "${num:-}" ]; then
    say "FAIL grow-root: cannot find the root partition ($(root_partition 2>&1 | tail -n1))"; FAILED+=(grow-root); return 0
  fi
  out=$(growpart "/dev/$disk" "$num" 2>&1) || rc=$?
  if [ "$rc" -eq 0 ]; then say "grew /dev/$part: $(tail -n1 <<< "$out")"
  elif [ "$rc" -eq 1 ] && grep -q NOCHANGE <<< "$out"; then say "/dev/$part already fills /dev/$disk (growpart: NOCHANGE)"
  else say "FAIL grow-root: growpart /dev/$disk $num exited $rc: $out"; FAILED+=(grow-root); return 0; fi
  fstype=$(findmnt -no FSTYPE /)
  case $fstype in
    ext2|ext3|ext4)
      if out=$(resize2fs "/dev/$part" 2>&1); then say "resize2fs /dev/$part: $(tail -n1 <<< "$out")"
      else say "FAIL grow-root: resize2fs /dev/$part failed: $out"; FAILED+=(grow-root); fi ;;
    *) say "root filesystem is $fstype, not ext4: not resized" ;;
  esac
}

main() {
  if [ -e "$DONE_FILE" ]; then
    say "already done on $(cat "$DONE_FILE"): nothing to do"
    return 0
  fi
  step_machine_id
  step_ssh_host_keys
  step_grow_root
  if [ ${#FAILED[@]} -gt 0 ]; then
    say "FAIL: ${FAILED[*]}; no ${DONE_FILE#"$ROOT"}, the next boot tries again"
    return 1
  fi
  mkdir -p "$(dirname "$DONE_FILE")"
  date -u +%Y-%m-%dT%H:%M:%SZ > "$DONE_FILE"
  say "done: wrote ${DONE_FILE#"$ROOT"}; okome-verify.service checks the node next"
}

main "$@"
