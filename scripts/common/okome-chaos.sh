#!/bin/bash
# okome-chaos: break one thing on purpose, for a while, then put it back.
#
#   CHAOS_ENABLE=1 okome-chaos [--dry-run] ACTION [ARGS]
#
#   redis-stop <seconds>            backend: stop Redis, start it again after <seconds>
#   redis-kill [seconds]            backend: SIGKILL Redis (systemd restarts it); after [seconds]
#                                   (default 10) make sure it runs
#   nginx-restart [seconds]         frontend: restart Nginx; after [seconds] (default 5) make sure it runs
#   partition <peer-ip> <seconds>   both: drop all traffic to and from <peer-ip> with an nftables
#                                   table of its own (inet okome-chaos), deleted afterwards
#   fill-cache <MB> <seconds>       frontend: fill the /var/cache/nginx tmpfs with <MB> MiB, removed afterwards
#
# Without CHAOS_ENABLE=1 it changes nothing and exits 3. --dry-run prints the exact commands
# and changes nothing. Every action restores itself when its time is up, and also when the
# script is interrupted (trap on EXIT; INT, TERM and HUP exit through it). A partition table
# is never saved, so a reboot clears it too.
# Tests override ROOT, SYSTEMCTL, NFT, LOGGER, SLEEP, DD and OKOME_KIND.
set -eu -o pipefail

ROOT=${ROOT:-}
SYSTEMCTL=${SYSTEMCTL:-systemctl}
NFT=${NFT:-nft}
LOGGER=${LOGGER:-logger}
SLEEP=${SLEEP:-sleep}
DD=${DD:-dd}
NFT_TABLE=okome-chaos
MAX_SECONDS=3600

DO=()        # commands that break something, in order
UNDO=()      # commands that put it back, in order
WAIT=0       # seconds between the two
ARMED=0      # set once the first DO command ran: from then on EXIT restores
DRY_RUN=0
SLEEP_PID=   # the wait in progress, stopped when interrupted

log() {
  echo "okome-chaos: $*"
  "$LOGGER" -t okome-chaos -- "$*" >/dev/null 2>&1 || true
}

die() {
  local code=$1
  shift
  echo "okome-chaos: $*" >&2
  "$LOGGER" -t okome-chaos -p user.err -- "$*" >/dev/null 2>&1 || true
  exit "$code"
}

usage() {
  sed -n '2,/^# Tests/p' "$0" | sed 's/^# \{0,1\}//' | grep -v '^Tests' >&2
  exit 2
}

# The kind of this node: OKOME_KIND, else KIND= of /etc/okome/okome.env, else which role's
# settings file the image has.
node_kind() {
  local kind=''
  if [ -r "$ROOT/etc/okome/okome.env" ]; then
    kind=$(sed -n "s/^KIND=['\"]\{0,1\}\([a-z]*\).*/\1/p" "$ROOT/etc/okome/okome.env" | head -n1)
  fi
  if [ -n "${OKOME_KIND:-}" ]; then echo "$OKOME_KIND"
  elif [ -n "$kind" ]; then echo "$kind"
  elif [ -r "$ROOT/etc/okome/backend.env" ]; then echo backend
  elif [ -r "$ROOT/etc/okome/frontend.env" ]; then echo frontend
  else echo unknown; fi
}

need_kind() {
  local action=$1 want=$2 have
  have=$(node_kind)
  [ "$have" = "$want" ] && return 0
  case $want in
    backend) die 4 "refusing $action: it needs a backend (Redis runs only on backend nodes such as CN01); this node is a $have (from OKOME_KIND or $ROOT/etc/okome/okome.env)" ;;
    *) die 4 "refusing $action: it needs a $want node (Nginx runs only on frontend nodes such as CN00); this node is a $have (from OKOME_KIND or $ROOT/etc/okome/okome.env)" ;;
  esac
}

seconds_arg() {
  local what=$1 v=${2:-}
  [[ $v =~ ^[1-9][0-9]*$ ]] || die 2 "$what must be a whole number of seconds from 1 to $MAX_SECONDS (got: '${v}')"
  [ "$v" -le "$MAX_SECONDS" ] || die 2 "$what must be at most $MAX_SECONDS seconds (got: $v)"
  echo "$v"
}

ipv4_arg() {
  local v=${1:-} o
  [[ $v =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || die 2 "partition needs a peer IPv4 address (got: '${v}')"
  for o in "${BASH_REMATCH[@]:1}"; do [ "$o" -le 255 ] || die 2 "partition needs a peer IPv4 address (got: '$v': $o is above 255)"; done
  echo "$v"
}

# Shell-quote one word for display and eval: plain words as they are, others in '...'.
quote() {
  if [[ $1 =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then printf '%s' "$1"
  else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}

# Append a command (as separate words) to a list, quoted so that eval runs exactly it.
# A leading "-" word marks a command whose failure is reported but tolerated.
add() {
  local list=$1
  shift
  local line='' w
  for w in "$@"; do line+="${line:+ }$(quote "$w")"; done
  if [ "$list" = DO ]; then DO+=("$line"); else UNDO+=("$line"); fi
}

plan_action() {
  local action=$1
  shift
  case $action in
    redis-stop)
      need_kind "$action" backend
      WAIT=$(seconds_arg "redis-stop <seconds>" "${1:-}")
      add DO "$SYSTEMCTL" stop redis-server.service
      add UNDO "$SYSTEMCTL" start redis-server.service ;;
    redis-kill)
      need_kind "$action" backend
      WAIT=$(seconds_arg "redis-kill [seconds]" "${1:-10}")
      add DO "$SYSTEMCTL" kill --signal=SIGKILL redis-server.service
      add UNDO "$SYSTEMCTL" start redis-server.service ;;
    nginx-restart)
      need_kind "$action" frontend
      WAIT=$(seconds_arg "nginx-restart [seconds]" "${1:-5}")
      add DO "$SYSTEMCTL" restart nginx.service
      add UNDO "$SYSTEMCTL" start nginx.service ;;
    partition)
      local peer
      peer=$(ipv4_arg "${1:-}")
      WAIT=$(seconds_arg "partition <peer-ip> <seconds>" "${2:-}")
      add DO "$NFT" add table inet "$NFT_TABLE"
      add DO "$NFT" add chain inet "$NFT_TABLE" input '{ type filter hook input priority -10 ; policy accept ; }'
      add DO "$NFT" add rule inet "$NFT_TABLE" input ip saddr "$peer" counter drop
      add DO "$NFT" add chain inet "$NFT_TABLE" output '{ type filter hook output priority -10 ; policy accept ; }'
      add DO "$NFT" add rule inet "$NFT_TABLE" output ip daddr "$peer" counter drop
      add UNDO "$NFT" delete table inet "$NFT_TABLE" ;;
    fill-cache)
      need_kind "$action" frontend
      local mb=${1:-} dir="$ROOT/var/cache/nginx"
      [[ $mb =~ ^[1-9][0-9]*$ ]] || die 2 "fill-cache <MB> must be a whole number of MiB (got: '${mb}')"
      WAIT=$(seconds_arg "fill-cache <MB> <seconds>" "${2:-}")
      [ -d "$dir" ] || die 5 "fill-cache: $dir does not exist (is Nginx's cache tmpfs mounted?)"
      # dd stops early with "No space left" when the tmpfs is full: that is the point, so tolerated.
      add DO - "$DD" if=/dev/zero of="$dir/okome-chaos-fill" bs=1M count="$mb" status=none
      add UNDO rm -f "$dir/okome-chaos-fill" ;;
    ''|help|-h|--help) usage ;;
    *) die 2 "unknown action '$action' (actions: redis-stop, redis-kill, nginx-restart, partition, fill-cache; see okome-chaos --help)" ;;
  esac
}

print_plan() {
  local c
  echo "okome-chaos: plan for '$*' on this $(node_kind) node (dry run: nothing is changed)"
  for c in "${DO[@]}"; do echo "  do:      ${c#- }"; done
  echo "  wait:    $SLEEP $WAIT"
  for c in "${UNDO[@]}"; do echo "  restore: $c"; done
  if [ "${CHAOS_ENABLE:-}" != 1 ]; then echo "  note:    CHAOS_ENABLE is not 1, so a real run would be refused"; fi
}

# Run one planned command; "- cmd" may fail.
run_line() {
  local line=$1 tolerate=0 rc=0
  case $line in "- "*) tolerate=1; line=${line#- } ;; esac
  log "run: $line"
  eval "$line" || rc=$?
  if [ "$rc" -ne 0 ]; then
    if [ "$tolerate" -eq 1 ]; then log "note: '$line' exited $rc (tolerated)"
    else log "failed: '$line' exited $rc"; return "$rc"; fi
  fi
}

restore() {
  local rc=$? c bad=0
  trap - EXIT
  [ "$ARMED" -eq 1 ] || exit "$rc"
  if [ -n "$SLEEP_PID" ]; then kill "$SLEEP_PID" 2>/dev/null || true; fi
  log "restoring"
  for c in "${UNDO[@]}"; do run_line "$c" || bad=1; done
  if [ "$bad" -eq 0 ]; then log "restored: ${UNDO[*]}"
  else log "restore FAILED: one of '${UNDO[*]}' did not succeed; put it back by hand"; rc=1; fi
  exit "$rc"
}

main() {
  if [ "${1:-}" = --dry-run ]; then DRY_RUN=1; shift; fi
  [ $# -gt 0 ] || usage
  plan_action "$@"
  if [ "$DRY_RUN" -eq 1 ]; then print_plan "$@"; return 0; fi
  if [ "${CHAOS_ENABLE:-}" != 1 ]; then
    die 3 "refusing '$*': CHAOS_ENABLE is not 1 (got: '${CHAOS_ENABLE:-unset}'). Chaos actions stop services and drop traffic; run CHAOS_ENABLE=1 okome-chaos $* (or --dry-run to see the plan)"
  fi
  trap restore EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  log "start: $* for $WAIT s on this $(node_kind) node"
  ARMED=1
  local c
  for c in "${DO[@]}"; do run_line "$c"; done
  log "holding for $WAIT s"
  # In the background, so that INT/TERM/HUP interrupt `wait` at once instead of after the sleep.
  "$SLEEP" "$WAIT" &
  SLEEP_PID=$!
  wait "$SLEEP_PID"
  SLEEP_PID=
}

main "$@"
