#!/bin/bash
# okome-frontend-check: the frontend's own checks, one line each:
#   PASS <id>: <what was checked> (<what was seen>)
#   FAIL <id>: <what was checked>: <what was seen>
# Exit 0 when every check passed, 1 otherwise. The first-boot verifier can run it as the
# frontend's role checker (EXTRA_CHECKERS) and count the lines; operators run it by hand.
# Settings: $ROOT/etc/okome/frontend.env; OKOME_* variables already in the environment win.
# Tests override ROOT, SYSTEMCTL, KEEPALIVED, IP and CHECKS through the environment.
set -eu -o pipefail

ROOT=${ROOT:-}
ENV_FILE=${OKOME_FRONTEND_ENV:-$ROOT/etc/okome/frontend.env}
SYSTEMCTL=${SYSTEMCTL:-systemctl}
KEEPALIVED=${KEEPALIVED:-keepalived}
IP=${IP:-ip}
CHECKS=${CHECKS:-health-endpoint health-state okome-headers request-id access-log cache-dir hit-ratio-timer keepalived-config vrrp-state vip}

passed=0
failed=0
pass() { printf 'PASS %s: %s\n' "$1" "$2"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s: %s\n' "$1" "$2"; failed=$((failed + 1)); }
one_line() { tr '\r\n\t' '   ' | sed 's/  */ /g; s/ $//' | cut -c1-160; }

load_env() {
  if [ ! -r "$ENV_FILE" ]; then
    echo "okome-frontend-check: cannot read settings file $ENV_FILE (is this a frontend image?)" >&2
    exit 2
  fi
  local saved
  # `export -p` prints `declare -x`, which would be local inside this function: make it export.
  saved=$(export -p | grep -E '^declare -x OKOME_[A-Z_]+=' | sed 's/^declare -x /export /' || true)
  # shellcheck source=/dev/null
  . "$ENV_FILE"
  eval "$saved"
  : "${OKOME_LISTEN_PORT:=80}" "${OKOME_HEALTH_PATH:=/okome-health}" "${OKOME_NODE:=$(hostname)}"
  : "${OKOME_STATE_FILE:=/etc/nginx/okome/health_state.conf}" "${OKOME_ACCESS_LOG:=/var/log/nginx/okome-access.log}"
  : "${OKOME_VIP:=}" "${OKOME_CACHE_DIR:=/var/cache/nginx}" "${OKOME_KEEPALIVED_CONF:=/etc/keepalived/keepalived.conf}"
  : "${OKOME_VRRP_STATE_FILE:=/run/okome/vrrp-state}"
  BASE=http://127.0.0.1:$OKOME_LISTEN_PORT
}

check_health_endpoint() {
  local out
  out=$(curl -sS --max-time 5 -w ' HTTP %{http_code}' "$BASE$OKOME_HEALTH_PATH" 2>&1 | one_line) || true
  case $out in
    "state=normal node=$OKOME_NODE HTTP 200" | "state=stale-only node=$OKOME_NODE HTTP 200")
      pass health-endpoint "GET $BASE$OKOME_HEALTH_PATH answered by nginx ($out)" ;;
    *) fail health-endpoint "GET $BASE$OKOME_HEALTH_PATH: expected HTTP 200 state=normal|stale-only node=$OKOME_NODE, got: ${out:-nothing}" ;;
  esac
}

check_health_state() {
  local file="$ROOT$OKOME_STATE_FILE" state served
  state=$(sed -n "s/^set \\\$okome_health \"\\([a-z-]*\\)\";\$/\\1/p" "$file" 2>/dev/null | tail -n1)
  served=$(curl -sS --max-time 5 "$BASE$OKOME_HEALTH_PATH" 2>/dev/null | sed -n 's/^state=\([a-z-]*\) .*/\1/p') || true
  if [ -z "$state" ]; then fail health-state "$OKOME_STATE_FILE: no 'set \$okome_health \"...\";' line (nginx cannot start without it)"
  elif [ "$state" != "$served" ]; then fail health-state "$OKOME_STATE_FILE says $state but nginx serves ${served:-nothing} (reload missed?)"
  else pass health-state "$OKOME_STATE_FILE says $state, nginx serves $state"; fi
}

# The OKOME headers are added `always`, so even a 502 from an unreachable upstream carries them.
HEADERS=''
fetch_root() {
  [ -n "$HEADERS" ] && return 0
  RID=okome-check-$$-$RANDOM
  HEADERS=$(curl -sS -o /dev/null -D - --max-time 15 -H "X-Request-ID: $RID" "$BASE/" 2>&1 | tr -d '\r') || true
}
header() { printf '%s\n' "$HEADERS" | sed -n "s/^$1: *//Ip" | head -n1; }

check_okome_headers() {
  fetch_root
  local status h missing=() seen=()
  status=$(printf '%s\n' "$HEADERS" | head -n1)
  for h in X-Cache-Status X-OKOME-Node X-Upstream X-Request-ID; do
    if [ -n "$(header "$h")" ]; then seen+=("$h: $(header "$h")"); else missing+=("$h"); fi
  done
  if [ ${#missing[@]} -gt 0 ]; then fail okome-headers "GET $BASE/ ($status) lacks ${missing[*]}"
  elif [ "$(header X-OKOME-Node)" != "$OKOME_NODE" ]; then fail okome-headers "GET $BASE/: X-OKOME-Node is $(header X-OKOME-Node), expected $OKOME_NODE"
  else
    local joined
    joined=$(printf '%s, ' "${seen[@]}")
    pass okome-headers "GET $BASE/ ($status): ${joined%, }"
  fi
}

check_request_id() {
  fetch_root
  local got
  got=$(header X-Request-ID)
  if [ "$got" = "$RID" ]; then pass request-id "X-Request-ID $RID sent to $BASE/ came back unchanged"
  else fail request-id "X-Request-ID $RID sent to $BASE/ came back as '${got:-nothing}'"; fi
}

check_access_log() {
  fetch_root
  local file="$ROOT$OKOME_ACCESS_LOG" line='' i
  # nginx writes the log in 32k buffers flushed every 5 s.
  for i in 1 2 3 4 5 6 7 8; do
    line=$(grep -F "	$RID	" "$file" 2>/dev/null | tail -n1) || true
    [ -n "$line" ] && break
    [ "$i" -lt 8 ] && sleep 1
  done
  if [ -z "$line" ]; then fail access-log "no line with request id $RID in $OKOME_ACCESS_LOG after 7 s"; return 0; fi
  local n
  n=$(printf '%s\n' "$line" | awk -F'\t' '{ print NF }')
  if [ "$n" -eq 15 ]; then pass access-log "$OKOME_ACCESS_LOG has the okome format (15 TAB-separated fields, cache status $(printf '%s' "$line" | cut -f5))"
  else fail access-log "$OKOME_ACCESS_LOG line for $RID has $n fields, expected 15 (log_format okome)"; fi
}

check_cache_dir() {
  local dir="$ROOT$OKOME_CACHE_DIR" owner
  owner=$(stat -c %U "$dir" 2>/dev/null) || { fail cache-dir "$OKOME_CACHE_DIR does not exist"; return 0; }
  if [ "$owner" != www-data ]; then fail cache-dir "$OKOME_CACHE_DIR is owned by $owner, nginx workers (www-data) cannot fill the cache"
  elif [ ! -d "$dir/okome" ]; then fail cache-dir "$OKOME_CACHE_DIR/okome (proxy_cache_path) missing: nginx did not create it"
  else pass cache-dir "$OKOME_CACHE_DIR owned by www-data, cache zone directory okome present"; fi
}

check_hit_ratio_timer() {
  local state
  state=$("$SYSTEMCTL" is-active okome-hit-ratio.timer 2>&1 | one_line) || true
  if [ "$state" = active ]; then pass hit-ratio-timer "okome-hit-ratio.timer is active"
  else fail hit-ratio-timer "okome-hit-ratio.timer is ${state:-unknown}, expected active"; fi
}

check_keepalived_config() {
  local out
  # keepalived prints nothing for a good file (2.2 then ends itself by SIGTERM; ignore its status).
  out=$("$KEEPALIVED" -t -f "$ROOT$OKOME_KEEPALIVED_CONF" 2>&1 | one_line) || true
  if [ -z "$out" ]; then pass keepalived-config "keepalived -t -f $OKOME_KEEPALIVED_CONF printed no problem"
  else fail keepalived-config "keepalived -t -f $OKOME_KEEPALIVED_CONF: $out"; fi
}

VRRP=''
check_vrrp_state() {
  VRRP=$(awk '{ print $1; exit }' "$ROOT$OKOME_VRRP_STATE_FILE" 2>/dev/null) || true
  case $VRRP in
    MASTER | BACKUP) pass vrrp-state "keepalived reported $VRRP ($OKOME_VRRP_STATE_FILE: $(one_line < "$ROOT$OKOME_VRRP_STATE_FILE"))" ;;
    '') fail vrrp-state "$OKOME_VRRP_STATE_FILE is missing: keepalived has not reported a state (not running?)" ;;
    *) fail vrrp-state "keepalived reported $VRRP (FAULT: nginx health check failing; see journalctl -t okome-keepalived)" ;;
  esac
}

check_vip() {
  [ -n "$VRRP" ] || VRRP=$(awk '{ print $1; exit }' "$ROOT$OKOME_VRRP_STATE_FILE" 2>/dev/null) || true
  local has=no
  "$IP" -o -4 addr show 2>/dev/null | grep -qF " $OKOME_VIP/" && has=yes
  case $VRRP:$has in
    MASTER:yes) pass vip "MASTER holds the VIP $OKOME_VIP" ;;
    MASTER:no) fail vip "keepalived says MASTER but $OKOME_VIP is on no interface" ;;
    BACKUP:no) pass vip "BACKUP does not hold the VIP $OKOME_VIP (the peer does)" ;;
    BACKUP:yes) fail vip "keepalived says BACKUP but $OKOME_VIP is on this node too (split brain?)" ;;
    *) fail vip "cannot judge the VIP $OKOME_VIP: VRRP state '${VRRP:-none}', on this node: $has" ;;
  esac
}

main() {
  load_env
  local c
  for c in $CHECKS; do
    case $c in
      health-endpoint) check_health_endpoint ;;
      health-state) check_health_state ;;
      okome-headers) check_okome_headers ;;
      request-id) check_request_id ;;
      access-log) check_access_log ;;
      cache-dir) check_cache_dir ;;
      hit-ratio-timer) check_hit_ratio_timer ;;
      keepalived-config) check_keepalived_config ;;
      vrrp-state) check_vrrp_state ;;
      vip) check_vip ;;
      *) fail "$c" "unknown check name (known: health-endpoint health-state okome-headers request-id access-log cache-dir hit-ratio-timer keepalived-config vrrp-state vip)" ;;
    esac
  done
  [ "$failed" -eq 0 ]
}

main "$@"
