#!/bin/bash
# okome-prewarm: fills the (tmpfs, so empty after boot) nginx cache. It requests, through the
# local nginx, first the configured paths ($OKOME_PREWARM_URLS), then the $OKOME_PREWARM_TOP_N
# paths most often answered 200 to control GETs in the okome access log (its own requests,
# user agent okome-prewarm, are not counted). At most $OKOME_PREWARM_CONCURRENCY requests run
# at once, each limited to $OKOME_PREWARM_TIMEOUT seconds. It skips the run while the node is
# stale-only (the upstream is down: nothing could be fetched).
# Usage: okome-prewarm [--dry-run] [LOG...]   (default LOG: $OKOME_ACCESS_LOG and its .1)
# Settings: $ROOT/etc/okome/frontend.env; OKOME_* variables already in the environment win;
# OKOME_PREWARM_BASE (default http://127.0.0.1:$OKOME_LISTEN_PORT) is where requests go.
# Runs from okome-prewarm.timer (after boot, then every interval). Exit: 0 done (also when
# some URLs failed: they are listed); 1 every URL failed; 2 bad usage or settings.
set -eu -o pipefail

ROOT=${ROOT:-}
ENV_FILE=${OKOME_FRONTEND_ENV:-$ROOT/etc/okome/frontend.env}
ME=okome-prewarm

say() { printf '%s: %s\n' "$ME" "$*"; }
die() { say "$*" >&2; exit 2; }

load_env() {
  [ -r "$ENV_FILE" ] || die "cannot read settings file $ENV_FILE (is this a frontend image?)"
  local saved
  # `export -p` prints `declare -x`, which would be local inside this function: make it export.
  saved=$(export -p | grep -E '^declare -x OKOME_[A-Z_]+=' | sed 's/^declare -x /export /' || true)
  # shellcheck source=/dev/null
  . "$ENV_FILE"
  eval "$saved"
  : "${OKOME_ACCESS_LOG:=/var/log/nginx/okome-access.log}" "${OKOME_LISTEN_PORT:=80}"
  : "${OKOME_PREWARM_TOP_N:=50}" "${OKOME_PREWARM_CONCURRENCY:=4}" "${OKOME_PREWARM_TIMEOUT:=10}"
  : "${OKOME_PREWARM_URLS:=}" "${OKOME_HEALTH_PATH:=/okome-health}" "${OKOME_NODE:=$(hostname)}"
  : "${OKOME_STATE_FILE:=/etc/nginx/okome/health_state.conf}"
  : "${OKOME_PREWARM_BASE:=http://127.0.0.1:$OKOME_LISTEN_PORT}"
  case $OKOME_PREWARM_TOP_N$OKOME_PREWARM_CONCURRENCY$OKOME_PREWARM_TIMEOUT in
    *[!0-9]*) die "OKOME_PREWARM_TOP_N, _CONCURRENCY and _TIMEOUT must be whole numbers" ;;
  esac
}

# top_paths N LOG... -> the N most requested paths, most requested first (ties by path).
top_paths() {
  local n=$1
  shift
  awk -F'\t' -v health="$OKOME_HEALTH_PATH" '
    NF >= 15 && $10 == "GET" && $4 == "200" && $13 == "control" && $15 !~ /^okome-prewarm/ \
      && substr($11, 1, 1) == "/" && index($11, "\\") == 0 && $11 != health { print $11 }
  ' "$@" | sort | uniq -c | sort -k1,1nr -k2,2 | head -n "$n" | awk '{ print $2 }'
}

main() {
  load_env
  local dry=0 logs=()
  while [ $# -gt 0 ]; do
    case $1 in
      --dry-run) dry=1; shift ;;
      -h | --help) sed -n '2,14s/^# \{0,1\}//p' "$0"; return 0 ;;
      -*) die "unknown option $1 (see --help)" ;;
      *) logs+=("$1"); shift ;;
    esac
  done
  if [ ${#logs[@]} -eq 0 ]; then
    logs=("$ROOT$OKOME_ACCESS_LOG")
    [ -r "$ROOT$OKOME_ACCESS_LOG.1" ] && logs+=("$ROOT$OKOME_ACCESS_LOG.1")
  fi
  local readable=() f
  for f in "${logs[@]}"; do [ -r "$f" ] && readable+=("$f"); done
  [ ${#readable[@]} -gt 0 ] || { say "no access log at ${logs[*]} yet: warming the configured paths only"; readable=(/dev/null); }

  if grep -qF "set \$okome_health \"stale-only\";" "$ROOT$OKOME_STATE_FILE" 2>/dev/null; then
    say "skipped: $OKOME_STATE_FILE says stale-only (the upstream is down, nothing to fetch)"
    return 0
  fi

  local configured top list
  configured=$(printf '%s\n' "$OKOME_PREWARM_URLS" | tr -s '[:blank:]' '\n')
  top=$(top_paths "$OKOME_PREWARM_TOP_N" "${readable[@]}")
  list=$(printf '%s\n%s\n' "$configured" "$top" | awk 'NF && !seen[$0]++')
  local n_conf n_top n_all
  n_conf=$(printf '%s\n' "$configured" | awk 'NF' | wc -l)
  n_top=$(printf '%s\n' "$top" | awk 'NF' | wc -l)
  n_all=$(printf '%s\n' "$list" | awk 'NF' | wc -l)
  say "$n_all paths to warm: $n_conf configured, $n_top from the top $OKOME_PREWARM_TOP_N of ${readable[*]}"
  [ "$n_all" -gt 0 ] || return 0
  if [ "$dry" = 1 ]; then
    printf '%s\n' "$list"
    return 0
  fi

  local results ok failed
  results=$(printf '%s\n' "$list" | xargs -d '\n' -r -P "$OKOME_PREWARM_CONCURRENCY" -I '{}' \
    curl -s -o /dev/null --max-time "$OKOME_PREWARM_TIMEOUT" -A "okome-prewarm ($OKOME_NODE)" \
    -w '%{http_code} %{time_total} {}\n' "$OKOME_PREWARM_BASE{}" || true)
  ok=$(printf '%s\n' "$results" | awk '$1 ~ /^[23][0-9][0-9]$/' | wc -l)
  failed=$((n_all - ok))
  printf '%s\n' "$results" | awk -v me="$ME" 'NF && $1 !~ /^[23][0-9][0-9]$/ {
    printf "%s: FAIL %s: %s\n", me, $3, ($1 == "000" ? "no answer within the timeout" : "HTTP " $1) }'
  say "warmed $ok of $n_all paths through $OKOME_PREWARM_BASE (concurrency $OKOME_PREWARM_CONCURRENCY, timeout ${OKOME_PREWARM_TIMEOUT}s); $failed failed"
  [ "$ok" -gt 0 ] || return 1
}

main "$@"
