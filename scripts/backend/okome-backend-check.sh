#!/bin/bash
# okome-backend-check: the backend's own checks, one line each:
#   PASS <id>: <what was checked> (<what was seen>)
#   FAIL <id>: <what was checked>: <what was seen>
# Exit 0 when every check passed, 1 otherwise. The first-boot verifier runs it and counts
# the lines. It authenticates as the Redis user `health` (PING and INFO only) with the
# password in $REDIS_HEALTH_PASS_FILE, passed to redis-cli through REDISCLI_AUTH (never argv).
# Settings: $ROOT/etc/okome/backend.env. Tests override ROOT, SYSTEMCTL, REDIS_CLI and the
# env file's values through the environment.
set -eu -o pipefail

ROOT=${ROOT:-}
ENV_FILE=${OKOME_BACKEND_ENV:-$ROOT/etc/okome/backend.env}
SYSTEMCTL=${SYSTEMCTL:-systemctl}
REDIS_CLI=${REDIS_CLI:-redis-cli}
# Which checks run; tests of a redis started by hand leave out the systemd and kernel ones.
CHECKS=${CHECKS:-redis-active redis-ping redis-ping-lan redis-auth redis-acl-health redis-maxmemory redis-policy redis-aof sysctl-overcommit thp-off health-secret}

passed=0
failed=0

pass() { printf 'PASS %s: %s\n' "$1" "$2"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s: %s\n' "$1" "$2"; failed=$((failed + 1)); }

load_env() {
  if [ ! -r "$ENV_FILE" ]; then
    echo "okome-backend-check: cannot read settings file $ENV_FILE (is this a backend image?)" >&2
    exit 2
  fi
  # Values already in the environment win (tests point them at a local redis).
  local saved
  saved=$(export -p | sed -n 's/^declare -x \(REDIS_[A-Z_]*=\)/export \1/p')
  # shellcheck source=/dev/null
  . "$ENV_FILE"
  eval "$saved"
  : "${REDIS_ADDRESS:?missing in $ENV_FILE}" "${REDIS_PORT:?missing in $ENV_FILE}"
  : "${REDIS_HEALTH_USER:=health}" "${REDIS_HEALTH_PASS_FILE:=/etc/okome/secrets/redis-health.pass}"
  : "${REDIS_MAXMEMORY_BYTES:?missing in $ENV_FILE}" "${REDIS_POLICY:?missing in $ENV_FILE}"
  : "${REDIS_UNIT:=redis-server.service}"
  REDIS_LOCAL=${REDIS_LOCAL:-127.0.0.1}
}

# Print one line: what redis-cli answered (stdout and stderr together), or why it could not.
redis_as_health() {
  local host=$1
  shift
  local pass
  pass=$(head -n1 "$ROOT$REDIS_HEALTH_PASS_FILE")
  REDISCLI_AUTH=$pass "$REDIS_CLI" --no-auth-warning --user "$REDIS_HEALTH_USER" -h "$host" -p "$REDIS_PORT" "$@" 2>&1 || true
}

redis_anonymous() {
  "$REDIS_CLI" --no-auth-warning -h "$1" -p "$REDIS_PORT" PING 2>&1 || true
}

one_line() { tr '\r\n' '  ' | sed 's/  *$//' | cut -c1-160; }

check_redis_unit() {
  local state
  state=$("$SYSTEMCTL" is-active "$REDIS_UNIT" 2>&1 || true)
  if [ "$state" = active ]; then pass redis-active "$REDIS_UNIT is active"
  else fail redis-active "$REDIS_UNIT is not active: systemctl is-active said '$(printf '%s' "$state" | one_line)'"; fi
}

check_ping() {
  local id=$1 host=$2 got
  if [ ! -r "$ROOT$REDIS_HEALTH_PASS_FILE" ]; then
    fail "$id" "cannot PING $host:$REDIS_PORT as $REDIS_HEALTH_USER: password file $ROOT$REDIS_HEALTH_PASS_FILE is not readable"
    return
  fi
  got=$(redis_as_health "$host" PING | one_line)
  if [ "$got" = PONG ]; then pass "$id" "PING $host:$REDIS_PORT as $REDIS_HEALTH_USER answered PONG"
  else fail "$id" "no PONG from $host:$REDIS_PORT as $REDIS_HEALTH_USER (got: ${got:-nothing})"; fi
}

check_auth() {
  local got
  got=$(redis_anonymous "$REDIS_LOCAL" | one_line)
  case $got in
    NOAUTH*|*NOAUTH*) pass redis-auth "a client without a user is refused on $REDIS_LOCAL:$REDIS_PORT (got: $got)" ;;
    *) fail redis-auth "a client without a user must get NOAUTH from $REDIS_LOCAL:$REDIS_PORT (got: ${got:-nothing})" ;;
  esac
}

check_acl_health() {
  local got
  got=$(redis_as_health "$REDIS_LOCAL" GET okome:verify | one_line)
  case $got in
    *NOPERM*) pass redis-acl-health "user $REDIS_HEALTH_USER may not read keys (GET okome:verify: $got)" ;;
    *) fail redis-acl-health "user $REDIS_HEALTH_USER must be refused GET okome:verify (got: ${got:-nothing})" ;;
  esac
}

# One field of INFO as the health user.
info_field() {
  redis_as_health "$REDIS_LOCAL" INFO "$1" | tr -d '\r' | sed -n "s/^$2:\(.*\)$/\1/p" | head -n1
}

check_info() {
  local id=$1 section=$2 field=$3 want=$4 got
  got=$(info_field "$section" "$field")
  if [ "$got" = "$want" ]; then pass "$id" "INFO $field is $want"
  else fail "$id" "INFO $field should be $want (got: ${got:-nothing; is Redis up and the health user allowed INFO?})"; fi
}

check_file_value() {
  local id=$1 path=$2 want=$3 what=$4 got
  if [ ! -r "$ROOT$path" ]; then fail "$id" "$what: cannot read $ROOT$path"; return; fi
  got=$(head -n1 "$ROOT$path")
  if [ "$got" = "$want" ]; then pass "$id" "$what ($path is $got)"
  else fail "$id" "$what: $path should be $want (got: $got)"; fi
}

check_thp() {
  local path=/sys/kernel/mm/transparent_hugepage/enabled got
  if [ ! -e "$ROOT$path" ]; then pass thp-off "transparent hugepages: this kernel has no THP ($path absent)"; return; fi
  got=$(head -n1 "$ROOT$path")
  case $got in
    *"[never]"*) pass thp-off "transparent hugepages off ($path: $got)" ;;
    *) fail thp-off "transparent hugepages should be [never] (okome-thp.service) but $path says: $got" ;;
  esac
}

check_secret() {
  local path=$REDIS_HEALTH_PASS_FILE got
  if [ ! -e "$ROOT$path" ]; then fail health-secret "health password file $path is missing"; return; fi
  got=$(stat -c '%a %U' "$ROOT$path")
  if [ "$got" = "600 root" ]; then pass health-secret "$path is mode 600 owner root"
  else fail health-secret "$path should be mode 600 owner root (got: $got)"; fi
}

run_check() {
  case $1 in
    redis-active) check_redis_unit ;;
    redis-ping) check_ping redis-ping "$REDIS_LOCAL" ;;
    redis-ping-lan) check_ping redis-ping-lan "$REDIS_ADDRESS" ;;
    redis-auth) check_auth ;;
    redis-acl-health) check_acl_health ;;
    redis-maxmemory) check_info redis-maxmemory memory maxmemory "$REDIS_MAXMEMORY_BYTES" ;;
    redis-policy) check_info redis-policy memory maxmemory_policy "$REDIS_POLICY" ;;
    redis-aof) check_info redis-aof persistence aof_enabled 0 ;;
    sysctl-overcommit) check_file_value sysctl-overcommit /proc/sys/vm/overcommit_memory 1 'vm.overcommit_memory is 1 for Redis' ;;
    thp-off) check_thp ;;
    health-secret) check_secret ;;
    *) fail "$1" "unknown check name '$1' in CHECKS" ;;
  esac
}

main() {
  load_env
  local c
  for c in $CHECKS; do run_check "$c"; done
  echo "okome-backend-check: checks=$passed/$((passed + failed)) failed=$failed"
  [ "$failed" -eq 0 ]
}

main "$@"
