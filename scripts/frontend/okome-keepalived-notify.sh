#!/bin/bash
# okome-keepalived-notify: keepalived's `notify` script. keepalived runs it on every VRRP
# state change as: okome-keepalived-notify TYPE NAME STATE PRIORITY
# (TYPE INSTANCE or GROUP, STATE MASTER / BACKUP / FAULT / STOP). It logs the transition to the
# journal (tag okome-keepalived) and keeps the current state in $ROOT/run/okome/vrrp-state
# for okome-validate and the runbook ("which node holds the VIP?").
# Exit: always 0 (a notify script must never block keepalived); 2 on bad arguments.
set -eu -o pipefail

ROOT=${ROOT:-}
RUN_DIR=${OKOME_RUN_DIR:-$ROOT/run/okome}
ME=okome-keepalived-notify
LOGGER=${OKOME_LOGGER:-logger}

main() {
  if [ $# -lt 3 ]; then
    printf '%s: expected TYPE NAME STATE [PRIORITY] from keepalived, got %s argument(s)\n' "$ME" "$#" >&2
    exit 2
  fi
  local type=$1 name=$2 state=$3 prio=${4:-?} prev=none node msg
  node=$(hostname 2>/dev/null || echo unknown)
  mkdir -p "$RUN_DIR" || true
  [ -r "$RUN_DIR/vrrp-state" ] && prev=$(awk '{ print $1; exit }' "$RUN_DIR/vrrp-state")
  msg="VRRP ${type,,} $name on $node: $prev -> $state (priority $prio)"
  case $state in
    MASTER) msg="$msg; this node now holds the VIP" ;;
    BACKUP) msg="$msg; the peer holds the VIP" ;;
    FAULT) msg="$msg; the health check (nginx /okome-health) or the interface failed, VIP released" ;;
    STOP) msg="$msg; keepalived stopped, VIP released" ;;
  esac
  if printf '%s %s %s\n' "$state" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$prio" >"$RUN_DIR/vrrp-state.tmp" 2>/dev/null; then
    mv -f "$RUN_DIR/vrrp-state.tmp" "$RUN_DIR/vrrp-state" || true
  fi
  printf '%s: %s\n' "$ME" "$msg"
  "$LOGGER" -t okome-keepalived -p daemon.notice -- "$msg" 2>/dev/null || true
  return 0
}

main "$@"
