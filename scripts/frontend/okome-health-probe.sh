#!/bin/bash
# okome-health-probe: decides this frontend's health state and tells nginx.
#   normal      the upstream answers (any HTTP status below 500)
#   stale-only  the upstream failed $OKOME_PROBE_FALL probes in a row: nginx serves cached
#               copies only and does not wait on the dead upstream
#   maintenance $OKOME_MAINTENANCE_FLAG exists: /okome-health answers 503, keepalived gives
#               the VIP to the other frontend; traffic that still arrives is served as normal
# It also checks the canary upstream (when one is configured) and the local nginx.
# The state goes to $OKOME_STATE_FILE (an nginx include); nginx is reloaded only when the
# state changes, and each change is logged. Runs from okome-health-probe.timer.
# Settings: $ROOT/etc/okome/frontend.env; OKOME_* variables already in the environment win.
# OKOME_NGINX_RELOAD_CMD (default: systemctl reload nginx) is run by sh on a change.
# Exit: 0 probe done; 1 local nginx did not answer or the reload failed; 2 bad settings.
set -eu -o pipefail

ROOT=${ROOT:-}
ENV_FILE=${OKOME_FRONTEND_ENV:-$ROOT/etc/okome/frontend.env}
RUN_DIR=${OKOME_RUN_DIR:-$ROOT/run/okome}
ME=okome-health-probe

say() { printf '%s: %s\n' "$ME" "$*"; }

load_env() {
  if [ ! -r "$ENV_FILE" ]; then
    say "cannot read settings file $ENV_FILE (is this a frontend image?)" >&2
    exit 2
  fi
  local saved
  # `export -p` prints `declare -x`, which would be local inside this function: make it export.
  saved=$(export -p | grep -E '^declare -x OKOME_[A-Z_]+=' | sed 's/^declare -x /export /' || true)
  # shellcheck source=/dev/null
  . "$ENV_FILE"
  eval "$saved"
  : "${OKOME_UPSTREAM_URL:?missing in $ENV_FILE}" "${OKOME_STATE_FILE:?missing in $ENV_FILE}"
  : "${OKOME_LISTEN_PORT:=80}" "${OKOME_HEALTH_PATH:=/okome-health}" "${OKOME_PROBE_PATH:=/}"
  : "${OKOME_PROBE_TIMEOUT:=3}" "${OKOME_PROBE_FALL:=2}" "${OKOME_CANARY_URL:=}"
  : "${OKOME_MAINTENANCE_FLAG:=/etc/okome/maintenance}"
  : "${OKOME_NGINX_RELOAD_CMD:=systemctl reload nginx}"
}

# check_http URL -> prints "ok <what was seen>" or "down <what was seen>".
check_http() {
  local url=$1 out rc=0 code time
  out=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' --max-time "$OKOME_PROBE_TIMEOUT" "$url" 2>&1) || rc=$?
  if [ "$rc" -ne 0 ]; then
    printf 'down no answer within %ss (curl exit %s: %s)\n' "$OKOME_PROBE_TIMEOUT" "$rc" "$(printf '%s' "$out" | sed -n 's/^curl: //p' | head -n1)"
    return
  fi
  code=${out%% *}
  time=${out#* }
  if [ "$code" -ge 200 ] && [ "$code" -lt 500 ]; then
    printf 'ok HTTP %s in %ss\n' "$code" "$time"
  else
    printf 'down HTTP %s in %ss\n' "$code" "$time"
  fi
}

# count_failures NAME ok|down -> prints the number of consecutive failures so far.
count_failures() {
  local file="$RUN_DIR/$1.failures" n=0
  if [ "$2" = ok ]; then
    rm -f "$file"
    echo 0
    return
  fi
  [ -r "$file" ] && n=$(cat "$file")
  case $n in '' | *[!0-9]*) n=0 ;; esac
  n=$((n + 1))
  echo "$n" >"$file"
  echo "$n"
}

read_var() { # read_var FILE NAME -> the value of `set $NAME "...";` or nothing
  [ -r "$1" ] || return 0
  sed -n "s/^set \\\$$2 \"\\([a-z-]*\\)\";\$/\\1/p" "$1" | tail -n1
}

write_state() { # write_state FILE HEALTH CANARY REASON
  local file=$1 tmp
  tmp=$(mktemp "$file.XXXXXX")
  {
    printf '# Written by okome-health-probe at %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$4"
    printf '# Do not edit: to drain this node create %s (the probe then writes maintenance).\n' "$OKOME_MAINTENANCE_FLAG"
    printf "set \$okome_health \"%s\";\n" "$2"
    printf "set \$okome_canary_health \"%s\";\n" "$3"
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$file"
}

main() {
  load_env
  mkdir -p "$RUN_DIR"
  local state_file="$ROOT$OKOME_STATE_FILE" rc=0
  local old_health old_canary health canary up up_seen up_fails reason
  old_health=$(read_var "$state_file" okome_health)
  old_canary=$(read_var "$state_file" okome_canary_health)

  up=$(check_http "$OKOME_UPSTREAM_URL$OKOME_PROBE_PATH")
  up_seen=${up#* }
  up_fails=$(count_failures upstream "${up%% *}")
  say "upstream $OKOME_UPSTREAM_URL$OKOME_PROBE_PATH: $up_seen (consecutive failures: $up_fails of $OKOME_PROBE_FALL)"

  if [ -e "$ROOT$OKOME_MAINTENANCE_FLAG" ]; then
    health=maintenance
    reason="maintenance flag $OKOME_MAINTENANCE_FLAG exists"
  elif [ "$up_fails" -eq 0 ]; then
    health=normal
    reason="upstream $OKOME_UPSTREAM_URL answered: $up_seen"
  elif [ "$up_fails" -ge "$OKOME_PROBE_FALL" ]; then
    health=stale-only
    reason="upstream $OKOME_UPSTREAM_URL failed $up_fails probes in a row: $up_seen"
  else
    health=${old_health:-normal}
    [ "$health" = maintenance ] && health=normal
    reason="upstream $OKOME_UPSTREAM_URL failed $up_fails of $OKOME_PROBE_FALL probes: $up_seen"
  fi

  canary=up
  if [ -n "$OKOME_CANARY_URL" ]; then
    local c c_fails
    c=$(check_http "$OKOME_CANARY_URL$OKOME_PROBE_PATH")
    c_fails=$(count_failures canary "${c%% *}")
    say "canary upstream $OKOME_CANARY_URL$OKOME_PROBE_PATH: ${c#* } (consecutive failures: $c_fails of $OKOME_PROBE_FALL)"
    if [ "$c_fails" -ge "$OKOME_PROBE_FALL" ]; then canary=down
    elif [ "$c_fails" -gt 0 ]; then canary=${old_canary:-up}
    fi
  fi

  local local_url="http://127.0.0.1:$OKOME_LISTEN_PORT$OKOME_HEALTH_PATH" l
  l=$(check_http "$local_url")
  case $l in
    "ok HTTP 200 "* | "down HTTP 503 "*) say "local nginx $local_url: ${l#* }" ;;
    *) say "local nginx $local_url: ${l#* } (expected HTTP 200 or 503; keepalived gives up the VIP while nginx does not answer)"; rc=1 ;;
  esac

  if [ "$health" = "$old_health" ] && [ "$canary" = "$old_canary" ]; then
    say "state $health, canary $canary (unchanged, no reload)"
    return "$rc"
  fi
  write_state "$state_file" "$health" "$canary" "$reason"
  say "state ${old_health:-none} -> $health, canary ${old_canary:-none} -> $canary ($reason); wrote $OKOME_STATE_FILE"
  if sh -c "$OKOME_NGINX_RELOAD_CMD"; then
    say "reloaded nginx ($OKOME_NGINX_RELOAD_CMD)"
  else
    say "FAILED to reload nginx ($OKOME_NGINX_RELOAD_CMD exited non-zero); nginx still runs the old state"
    rc=1
  fi
  return "$rc"
}

main "$@"
