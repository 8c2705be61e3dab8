#!/bin/bash
# calculate-hit-ratio: the nginx cache hit ratio over the last window of the okome access log,
# printed for a person and written for node-exporter's textfile collector.
#   hits   = HIT + REVALIDATED      misses = MISS + EXPIRED
#   stale  = STALE + UPDATING       bypass = BYPASS (debug route)   other = not cacheable (-)
#   ratio  = (hits + stale) / (hits + stale + misses); n/a (NaN in the metrics) without such requests
# The log format `okome` is TAB-separated; field 1 is $msec, field 5 $upstream_cache_status.
# Usage: calculate-hit-ratio [--window SECONDS] [--now EPOCH] [--no-prom] [LOG...]
#   default LOG: $OKOME_ACCESS_LOG and its first rotation (.1) when present.
# Settings: $ROOT/etc/okome/frontend.env; OKOME_* variables already in the environment win.
# Runs from okome-hit-ratio.timer. Exit: 0 done; 2 bad usage or settings.
set -eu -o pipefail

ROOT=${ROOT:-}
ENV_FILE=${OKOME_FRONTEND_ENV:-$ROOT/etc/okome/frontend.env}
ME=calculate-hit-ratio
STATUSES="HIT MISS EXPIRED STALE UPDATING REVALIDATED BYPASS NONE"

die() { printf '%s: %s\n' "$ME" "$*" >&2; exit 2; }

load_env() {
  [ -r "$ENV_FILE" ] || die "cannot read settings file $ENV_FILE (is this a frontend image?)"
  local saved
  # `export -p` prints `declare -x`, which would be local inside this function: make it export.
  saved=$(export -p | grep -E '^declare -x OKOME_[A-Z_]+=' | sed 's/^declare -x /export /' || true)
  # shellcheck source=/dev/null
  . "$ENV_FILE"
  eval "$saved"
  : "${OKOME_ACCESS_LOG:=/var/log/nginx/okome-access.log}" "${OKOME_HITRATIO_WINDOW:=300}"
  : "${OKOME_PROM_FILE:=/var/lib/prometheus/node-exporter/okome_cache.prom}"
}

# count NOW WINDOW LOG... -> one line "<STATUS> <count>" per status in $STATUSES order.
count() {
  local now=$1 window=$2
  shift 2
  # The window is whole seconds: the `window` seconds that end with second `now` (inclusive).
  awk -F'\t' -v since="$((now - window))" -v now="$now" -v statuses="$STATUSES" '
    NF >= 5 && $1 ~ /^[0-9]+(\.[0-9]+)?$/ && int($1) > since && int($1) <= now {
      s = ($5 == "-" || $5 == "") ? "NONE" : $5
      c[s]++
    }
    END { n = split(statuses, order, " "); for (i = 1; i <= n; i++) printf "%s %d\n", order[i], c[order[i]] }
  ' "$@"
}

write_prom() { # write_prom FILE NOW WINDOW RATIO COUNTS
  local file=$1 now=$2 window=$3 ratio=$4 counts=$5 dir tmp
  dir=$(dirname "$file")
  mkdir -p "$dir"
  tmp=$(mktemp "$dir/.okome_cache.prom.XXXXXX")
  {
    echo "# HELP okome_cache_requests_total Requests by nginx cache status over the last okome_cache_window_seconds (a sliding window, not a counter)."
    echo "# TYPE okome_cache_requests_total gauge"
    printf '%s\n' "$counts" | awk '{ printf "okome_cache_requests_total{status=\"%s\"} %d\n", $1, $2 }'
    echo "# HELP okome_cache_hit_ratio (HIT+REVALIDATED+STALE+UPDATING) / (those + MISS + EXPIRED) over the window; NaN without such requests."
    echo "# TYPE okome_cache_hit_ratio gauge"
    echo "okome_cache_hit_ratio $ratio"
    echo "# HELP okome_cache_window_seconds Length of the access-log window the okome_cache_* values cover."
    echo "# TYPE okome_cache_window_seconds gauge"
    echo "okome_cache_window_seconds $window"
    echo "# HELP okome_cache_hit_ratio_timestamp_seconds When calculate-hit-ratio last ran."
    echo "# TYPE okome_cache_hit_ratio_timestamp_seconds gauge"
    echo "okome_cache_hit_ratio_timestamp_seconds $now"
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$file"
}

main() {
  load_env
  local window=$OKOME_HITRATIO_WINDOW now prom=1
  now=$(date +%s)
  local logs=()
  while [ $# -gt 0 ]; do
    case $1 in
      --window) window=${2:?--window needs seconds}; shift 2 ;;
      --now) now=${2:?--now needs an epoch}; shift 2 ;;
      --no-prom) prom=0; shift ;;
      -h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; return 0 ;;
      -*) die "unknown option $1 (see --help)" ;;
      *) logs+=("$1"); shift ;;
    esac
  done
  case $window$now in *[!0-9]*) die "--window and --now take whole seconds (got window=$window now=$now)" ;; esac
  if [ ${#logs[@]} -eq 0 ]; then
    logs=("$ROOT$OKOME_ACCESS_LOG")
    [ -r "$ROOT$OKOME_ACCESS_LOG.1" ] && logs=("$ROOT$OKOME_ACCESS_LOG.1" "${logs[@]}")
  fi
  local readable=() f
  for f in "${logs[@]}"; do
    if [ -r "$f" ]; then readable+=("$f"); else printf '%s: no log at %s (nothing logged yet?), counting it as empty\n' "$ME" "$f" >&2; fi
  done
  [ ${#readable[@]} -gt 0 ] || readable=(/dev/null)

  local counts
  counts=$(count "$now" "$window" "${readable[@]}")
  local HIT MISS EXPIRED STALE UPDATING REVALIDATED BYPASS NONE s n
  while read -r s n; do printf -v "$s" '%s' "$n"; done <<<"$counts"
  local hits=$((HIT + REVALIDATED)) misses=$((MISS + EXPIRED)) stale=$((STALE + UPDATING))
  local total=$((hits + misses + stale + BYPASS + NONE)) ratio_text ratio_prom
  if [ $((hits + stale + misses)) -eq 0 ]; then
    ratio_text=n/a
    ratio_prom=NaN
  else
    ratio_text=$(awk -v a=$((hits + stale)) -v b=$((hits + stale + misses)) 'BEGIN { printf "%.4f", a / b }')
    ratio_prom=$ratio_text
  fi

  printf 'window: %ss up to %s, %s requests in %s\n' "$window" "$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)" "$total" "${readable[*]}"
  printf 'hits:   %s\n' "$hits"
  printf 'misses: %s\n' "$misses"
  printf 'stale:  %s\n' "$stale"
  printf 'bypass: %s\n' "$BYPASS"
  printf 'other:  %s\n' "$NONE"
  printf 'ratio:  %s\n' "$ratio_text"
  if [ "$prom" = 1 ]; then
    write_prom "$ROOT$OKOME_PROM_FILE" "$now" "$window" "$ratio_prom" "$counts"
    printf 'wrote %s\n' "$OKOME_PROM_FILE"
  fi
}

main "$@"
