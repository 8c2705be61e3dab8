#!/bin/bash
# okome-verify: check this node against its role and print the verdict.
#
#   OKOME-VERIFY role=<role> result=PASS|FAIL checks=<passed>/<total> [failed=<names>]
#
# Expectations come from $ROOT/etc/okome/okome.env (rendered from image.config.ts). Each check
# is a function that records PASS or FAIL with what it saw; failing checks are retried for up to
# $OKOME_VERIFY_SETTLE seconds (services may still be starting). Results go to
#   /var/lib/okome/verify.json, /var/lib/prometheus/node-exporter/okome_verify.prom,
#   /run/motd.d/okome-verify, stdout (the journal) and, once, every active console.
# Run as okome-validate (or with --validate) it runs the same checks on demand, does not write
# to the consoles, and exits 1 when any check failed.
#
# Tests: ROOT prefixes every file path; every program is looked up in PATH (fake ones first).
set -eu -o pipefail

ROOT=${ROOT:-}
ENV_FILE=${OKOME_ENV:-$ROOT/etc/okome/okome.env}
STATE_DIR=$ROOT/var/lib/okome
PROM_FILE=$ROOT/var/lib/prometheus/node-exporter/okome_verify.prom
MOTD_FILE=$ROOT/run/motd.d/okome-verify
CONSOLES_FILE=$ROOT/sys/class/tty/console/active
SETTLE=${OKOME_VERIFY_SETTLE:-300}
RETRY_EVERY=${OKOME_VERIFY_RETRY_EVERY:-5}
TIMEOUT=${OKOME_VERIFY_TIMEOUT:-30}

# Check registry: names in order, the function and argument of each, and the results.
CHECK_NAMES=()
declare -A CHECK_FN=() CHECK_ARG=() RESULT=() DETAIL=()
CURRENT=""

# --- recording ------------------------------------------------------------------------------

# squeeze <text>: REPLY is the text on one line (no control characters, single spaces, at most
# 240 characters), so it fits a console line, a JSON string and a motd line. No subshell.
squeeze() {
  local s=${1//[$'\r\n\t']/ }
  s=${s//[[:cntrl:]]/}
  while [[ $s == *'  '* ]]; do s=${s//  / }; done
  s=${s# }
  s=${s% }
  REPLY=${s:0:240}
}

pass() { squeeze "$1"; RESULT[$CURRENT]=PASS; DETAIL[$CURRENT]=$REPLY; }
fail() { squeeze "$1"; RESULT[$CURRENT]=FAIL; DETAIL[$CURRENT]=$REPLY; }

# add_check <name> <function> [argument]
add_check() {
  CHECK_NAMES+=("$1")
  CHECK_FN[$1]=$2
  CHECK_ARG[$1]=${3:-}
}

run_check() {
  CURRENT=$1
  RESULT[$1]=FAIL
  DETAIL[$1]="check did not report"
  "${CHECK_FN[$1]}" "${CHECK_ARG[$1]}" || fail "check stopped early: ${DETAIL[$1]}"
}

# Run a program with a time limit; its stdout and stderr together on stdout.
run() { timeout "$TIMEOUT" "$@" 2>&1; }

# --- common checks --------------------------------------------------------------------------

check_hostname() {
  local got
  got=$(cat "$ROOT/proc/sys/kernel/hostname" 2>&1 || true)
  if [ "$got" = "$HOSTNAME" ]; then pass "kernel hostname is $got"
  else fail "kernel hostname is '$got', expected '$HOSTNAME'"; fi
}

check_address() {
  local out want=$ADDRESS/$PREFIX seen=() line
  out=$(run ip -4 -o addr show dev "$IFACE") || { fail "ip -4 addr show dev $IFACE failed: $out"; return 0; }
  while read -r _ _ fam addr _; do
    [ "${fam:-}" = inet ] && seen+=("$addr")
  done <<< "$out"
  for line in "${seen[@]}"; do
    if [ "$line" = "$want" ]; then pass "$IFACE has $want"; return 0; fi
  done
  fail "$IFACE lacks $want (has: ${seen[*]:-no IPv4 address})"
}

check_default_route() {
  local out
  out=$(run ip -4 route show default) || { fail "ip -4 route show default failed: $out"; return 0; }
  if grep -Eq "^default via ${GATEWAY//./\\.} dev $IFACE( |\$)" <<< "$out"; then pass "default via $GATEWAY dev $IFACE"
  else fail "no default route via $GATEWAY dev $IFACE (got: ${out:-no default route})"; fi
}

check_journald_volatile() {
  local out paths
  out=$(run journalctl --header) || { fail "journalctl --header failed: $out"; return 0; }
  paths=$(sed -n 's/^File path: *//p' <<< "$out" | sort -u)
  if [ -z "$paths" ]; then fail "journalctl --header lists no journal files"; return 0; fi
  if grep -qv '^/run/log/journal/' <<< "$paths"; then
    fail "journal files outside /run/log/journal: $(grep -v '^/run/log/journal/' <<< "$paths" | tr '\n' ' ')"
  else
    pass "journal only in /run/log/journal ($(wc -l <<< "$paths") file(s))"
  fi
}

check_sysctl() {
  local conf=$ROOT/etc/sysctl.d/90-okome.conf key value live bad=() n=0
  [ -r "$conf" ] || { fail "cannot read /etc/sysctl.d/90-okome.conf"; return 0; }
  while IFS='=' read -r key value; do
    key=${key//[[:space:]]/}; key=${key#-}
    case $key in ''|'#'*|';'*) continue ;; esac
    squeeze "$value"; value=$REPLY
    live=$(run sysctl -n "$key") || true
    squeeze "$live"; live=$REPLY
    n=$((n + 1))
    [ "$live" = "$value" ] || bad+=("$key=$live (want $value)")
  done < "$conf"
  if [ ${#bad[@]} -eq 0 ]; then pass "$n keys live as in /etc/sysctl.d/90-okome.conf"
  else fail "${#bad[@]} of $n keys differ: ${bad[*]}"; fi
}

check_root_mount() {
  local opts want missing=()
  opts=$(run findmnt -no OPTIONS /) || { fail "findmnt / failed: $opts"; return 0; }
  for want in ${ROOT_OPTIONS//,/ }; do
    case $want in defaults|x-*) continue ;; esac
    case ",$opts," in *",$want,"*) ;; *) missing+=("$want") ;; esac
  done
  if [ ${#missing[@]} -eq 0 ]; then pass "/ mounted with $ROOT_OPTIONS ($opts)"
  else fail "/ lacks $(IFS=,; echo "${missing[*]}") (options: $opts)"; fi
}

check_tmpfs() {
  local p fs ok=() bad=()
  for p in $TMPFS; do
    fs=$(run findmnt -no FSTYPE --mountpoint "$p") || fs=""
    if [ "$fs" = tmpfs ]; then ok+=("$p"); else bad+=("$p is ${fs:-not mounted}"); fi
  done
  if [ ${#bad[@]} -eq 0 ]; then pass "tmpfs mounted: ${ok[*]:-none configured}"
  else fail "$(IFS=,; echo "${bad[*]}") (expected tmpfs)"; fi
}

check_machine_id() {
  local id
  id=$(cat "$ROOT/etc/machine-id" 2>&1 || true)
  if [[ $id =~ ^[0-9a-f]{32}$ ]]; then pass "/etc/machine-id is $id"
  else fail "/etc/machine-id is '${id:-empty}', not a 32-hex-digit id"; fi
}

# Host key files sshd is configured with (the Debian defaults when sshd -T cannot tell).
host_key_files() {
  local out
  out=$(run sshd -T | sed -n 's/^hostkey //p') || true
  if [ -n "$out" ]; then printf '%s\n' "$out"
  else printf '/etc/ssh/ssh_host_%s_key\n' rsa ecdsa ed25519; fi
}

check_ssh_host_keys() {
  local f have=() missing=()
  while read -r f; do
    if [ -s "$ROOT$f" ] && [ -s "$ROOT$f.pub" ]; then have+=("$(basename "$f")"); else missing+=("$f"); fi
  done < <(host_key_files)
  if [ ${#missing[@]} -eq 0 ]; then pass "${#have[@]} host keys present: ${have[*]}"
  else fail "missing host key(s): ${missing[*]}"; fi
}

check_sshd_config() {
  local out want bad=()
  out=$(run sshd -T) || { fail "sshd -T failed: $out"; return 0; }
  for want in 'passwordauthentication no' 'permitrootlogin no' 'kbdinteractiveauthentication no'; do
    grep -qix "$want" <<< "$out" || bad+=("$(grep -i "^${want% *} " <<< "$out" || echo "${want% *} unset")")
  done
  if [ ${#bad[@]} -eq 0 ]; then pass "sshd -T: passwordauthentication no, permitrootlogin no, kbdinteractiveauthentication no"
  else fail "sshd -T has $(IFS=,; echo "${bad[*]}")"; fi
}

check_admin_keys() {
  local home keys
  home=$(awk -F: -v u="$ADMIN_USER" '$1 == u { print $6 }' "$ROOT/etc/passwd" 2>/dev/null || true)
  if [ -z "$home" ]; then fail "user $ADMIN_USER not in /etc/passwd"; return 0; fi
  keys=$(grep -cE '^(ssh-|ecdsa-|sk-)' "$ROOT$home/.ssh/authorized_keys" 2>/dev/null || true)
  if [ "${keys:-0}" -gt 0 ]; then pass "$ADMIN_USER has $keys key(s) in $home/.ssh/authorized_keys"
  else fail "$ADMIN_USER has no key in $home/.ssh/authorized_keys"; fi
}

check_fail2ban_sshd() {
  local out
  # fail2ban-client is Python: slow to start on a Pi 3 or under QEMU.
  out=$(TIMEOUT=60 run fail2ban-client status sshd) || { fail "fail2ban-client status sshd failed: $out"; return 0; }
  if grep -q 'Status for the jail: sshd' <<< "$out"; then
    pass "jail sshd up ($(grep -o 'Currently banned:[[:space:]]*[0-9]*' <<< "$out" | tr -s ' \t' ' ' || echo 'no ban count'))"
  else fail "fail2ban-client status sshd did not show the jail (got: $out)"; fi
}

check_nftables() {
  local out
  # shellcheck disable=SC2086 # NFT_TABLE is "<family> <name>"
  out=$(run nft list table $NFT_TABLE) || { fail "nft list table $NFT_TABLE failed: $out"; return 0; }
  pass "table $NFT_TABLE loaded ($(grep -c . <<< "$out") lines)"
}

check_node_exporter() {
  local out
  out=$(run curl -fsS --max-time "$TIMEOUT" "$NODE_EXPORTER_URL") || { fail "GET $NODE_EXPORTER_URL failed: $(tail -n1 <<< "$out")"; return 0; }
  if grep -q '^node_exporter_build_info' <<< "$out"; then pass "$NODE_EXPORTER_URL answers ($(grep -c '^[a-z]' <<< "$out") samples)"
  else fail "$NODE_EXPORTER_URL answered without node_exporter_build_info"; fi
}

check_firstboot_done() {
  if [ -e "$STATE_DIR/firstboot.done" ]; then pass "/var/lib/okome/firstboot.done present"
  else fail "/var/lib/okome/firstboot.done missing: okome-firstboot did not finish (journalctl -u okome-firstboot)"; fi
}

check_unit_active() {
  local unit=$1 state
  state=$(run systemctl is-active "$unit") || true
  if [ "$state" = active ]; then pass "$unit is active"; else fail "$unit is ${state:-unknown}"; fi
}

# --- frontend checks ------------------------------------------------------------------------

check_nginx_config() {
  local out
  if out=$(run nginx -t); then pass "nginx -t: $(tail -n1 <<< "$out")"
  else fail "nginx -t failed: $(grep -m1 -E 'emerg|error' <<< "$out" || tail -n1 <<< "$out")"; fi
}

check_nginx_header() {
  local url=http://127.0.0.1:$NGINX_PORT/ out status node
  # An unreachable upstream makes nginx wait its connect timeout before it answers 502/504.
  out=$(TIMEOUT=40 run curl -sS -o /dev/null -D - --max-time 30 "$url") || { fail "GET $url failed: $(tail -n1 <<< "$out")"; return 0; }
  status=$(head -n1 <<< "$out" | tr -d '\r')
  node=$(grep -i '^x-okome-node:' <<< "$out" | tr -d '\r' | sed 's/^[^:]*: *//' || true)
  if [ -n "$node" ]; then pass "GET $url: $status, X-OKOME-Node: $node"
  else fail "GET $url: $status without X-OKOME-Node"; fi
}

check_redis_reachable() {
  local b out ok=() bad=()
  [ -n "$BACKENDS" ] || { pass "no backend to reach (none in the fleet, or none whose redis.allowFrom admits this node)"; return 0; }
  for b in $BACKENDS; do
    out=$(run env -u REDISCLI_AUTH redis-cli --no-auth-warning -h "${b%:*}" -p "${b##*:}" PING) || true
    if grep -qE '^(PONG|NOAUTH)' <<< "$out"; then ok+=("$b"); else bad+=("$b (got: ${out:-no answer})"); fi
  done
  if [ ${#bad[@]} -eq 0 ]; then pass "Redis answers at ${ok[*]}"
  else fail "Redis not reachable at ${bad[*]}"; fi
}

# --- backend checks -------------------------------------------------------------------------

REDIS_PASS_FILE=/etc/okome/secrets/redis-health.pass

check_redis_ping() {
  local at=127.0.0.1:$REDIS_PORT pw out
  pw=$(head -n1 "$ROOT$REDIS_PASS_FILE" 2>/dev/null) || { fail "cannot read $REDIS_PASS_FILE"; return 0; }
  out=$(REDISCLI_AUTH=$pw run redis-cli --no-auth-warning --user health -h 127.0.0.1 -p "$REDIS_PORT" PING) || true
  if grep -qx PONG <<< "$out"; then pass "PONG from $at as user health"
  else fail "no PONG from $at as user health (got: ${out:-nothing})"; fi
}

check_redis_auth() {
  local at=127.0.0.1:$REDIS_PORT out
  out=$(run env -u REDISCLI_AUTH redis-cli --no-auth-warning -h 127.0.0.1 -p "$REDIS_PORT" PING) || true
  if grep -q '^NOAUTH' <<< "$out"; then pass "default user refused at $at: $out"
  elif grep -qx PONG <<< "$out"; then fail "default user got PONG at $at without AUTH"
  else fail "no NOAUTH from $at without AUTH (got: ${out:-nothing})"; fi
}

# --- role checkers (PASS/FAIL lines of another script join the verdict) ----------------------

# Run a checker; each of its lines becomes a check of its own (reported_by <checker>). Names
# this script already checks itself are left out. The checker's own entry passes when it ran
# and reported at least one check.
check_extra() {
  local checker=$1 out line name count=0
  out=$(timeout 240 "$checker" 2>&1) || true
  while IFS= read -r line; do
    [[ $line =~ ^(PASS|FAIL)\ ([a-z0-9][a-z0-9-]*):\ ?(.*)$ ]] || continue
    name=${BASH_REMATCH[2]}
    count=$((count + 1))
    if [ -z "${CHECK_FN[$name]:-}" ]; then add_check "$name" reported_by "$checker"; fi
    [ "${CHECK_FN[$name]}" = reported_by ] || continue
    RESULT[$name]=${BASH_REMATCH[1]}
    squeeze "${BASH_REMATCH[3]}"
    DETAIL[$name]=$REPLY
  done <<< "$out"
  if [ "$count" -gt 0 ]; then pass "$checker reported $count check(s)"
  else fail "$checker reported no check (got: $(tail -n1 <<< "$out"))"; fi
}

# Marks a check that a role checker reported; it is re-run by re-running the checker.
reported_by() { check_extra "$1"; }

# --- plan, settle, report -------------------------------------------------------------------

plan_checks() {
  add_check hostname check_hostname
  add_check address check_address
  add_check default-route check_default_route
  add_check journald-volatile check_journald_volatile
  add_check sysctl check_sysctl
  add_check root-mount check_root_mount
  add_check tmpfs check_tmpfs
  add_check machine-id check_machine_id
  add_check ssh-host-keys check_ssh_host_keys
  add_check sshd-config check_sshd_config
  add_check admin-keys check_admin_keys
  add_check fail2ban-sshd check_fail2ban_sshd
  add_check nftables check_nftables
  add_check node-exporter check_node_exporter
  add_check firstboot-done check_firstboot_done
  if [ "$KIND" = frontend ]; then
    add_check nginx-config check_nginx_config
    add_check nginx-header check_nginx_header
    add_check redis-reachable check_redis_reachable
  else
    add_check redis-ping check_redis_ping
    add_check redis-auth check_redis_auth
  fi
  local pair checker
  for pair in $ACTIVE_UNITS; do add_check "${pair%%=*}" check_unit_active "${pair#*=}"; done
  for checker in $EXTRA_CHECKERS; do add_check "$checker" check_extra "$checker"; done
}

failed_names() {
  local n out=()
  for n in "${CHECK_NAMES[@]}"; do [ "${RESULT[$n]:-FAIL}" = PASS ] || out+=("$n"); done
  printf '%s\n' "${out[@]}"
}

# Run every check; re-run the failing ones until they pass or SETTLE seconds (wall clock, the
# checks' own time included) have gone by. A healthy node passes at once; a slow one (a Pi 3
# under load, a VM under software emulation) gets time for its services to come up.
settle() {
  local n failing start=$SECONDS
  for n in "${CHECK_NAMES[@]}"; do run_check "$n"; done
  while failing=$(failed_names | grep . | tr '\n' ' '); [ -n "$failing" ] && [ $((SECONDS - start)) -lt "$SETTLE" ]; do
    echo "okome-verify: waiting ${RETRY_EVERY}s, then retrying: $failing"
    sleep "$RETRY_EVERY"
    local -A rerun=()
    for n in $failing; do
      [ "${CHECK_FN[$n]}" != reported_by ] || n=${CHECK_ARG[$n]}
      [ -z "${rerun[$n]:-}" ] || continue
      rerun[$n]=1
      run_check "$n"
    done
    unset rerun
  done
}

json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

write_file() {  # write_file <path>: stdin to path, atomically
  mkdir -p "$(dirname "$1")"
  cat > "$1.tmp.$$"
  mv -f "$1.tmp.$$" "$1"
}

report() {
  local n total=${#CHECK_NAMES[@]} passed=0 result failed verdict sep="" now epoch
  for n in "${CHECK_NAMES[@]}"; do [ "${RESULT[$n]}" = PASS ] && passed=$((passed + 1)); done
  failed=$(failed_names | grep . | paste -sd, - || true)
  if [ "$passed" -eq "$total" ]; then result=PASS; else result=FAIL; fi
  verdict="OKOME-VERIFY role=$ROLE result=$result checks=$passed/$total${failed:+ failed=$failed}"
  now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  epoch=$(date +%s)

  for n in "${CHECK_NAMES[@]}"; do printf '%s %s: %s\n' "${RESULT[$n]}" "$n" "${DETAIL[$n]}"; done

  {
    printf '{"role":%s,"kind":%s,"result":"%s","passed":%d,"total":%d,"checks":[' \
      "$(json_str "$ROLE")" "$(json_str "$KIND")" "$result" "$passed" "$total"
    for n in "${CHECK_NAMES[@]}"; do
      printf '%s{"name":%s,"result":"%s","detail":%s}' "$sep" "$(json_str "$n")" "${RESULT[$n]}" "$(json_str "${DETAIL[$n]}")"
      sep=,
    done
    printf '],"time":"%s"}\n' "$now"
  } | write_file "$STATE_DIR/verify.json"

  {
    echo '# HELP okome_verify_pass 1 when the last okome-verify run passed every check.'
    echo '# TYPE okome_verify_pass gauge'
    echo "okome_verify_pass $([ "$result" = PASS ] && echo 1 || echo 0)"
    echo '# HELP okome_verify_checks_total Checks in the last okome-verify run.'
    echo '# TYPE okome_verify_checks_total gauge'
    echo "okome_verify_checks_total $total"
    echo '# HELP okome_verify_checks_failed Failed checks in the last okome-verify run.'
    echo '# TYPE okome_verify_checks_failed gauge'
    echo "okome_verify_checks_failed $((total - passed))"
    echo '# HELP okome_verify_check_pass 1 when this check passed in the last run.'
    echo '# TYPE okome_verify_check_pass gauge'
    for n in "${CHECK_NAMES[@]}"; do
      echo "okome_verify_check_pass{check=\"$n\"} $([ "${RESULT[$n]}" = PASS ] && echo 1 || echo 0)"
    done
    echo '# HELP okome_verify_last_run_timestamp_seconds When okome-verify last ran.'
    echo '# TYPE okome_verify_last_run_timestamp_seconds gauge'
    echo "okome_verify_last_run_timestamp_seconds $epoch"
  } | write_file "$PROM_FILE"

  {
    echo "$verdict ($now)"
    for n in "${CHECK_NAMES[@]}"; do
      [ "${RESULT[$n]}" = PASS ] || printf '  FAIL %s: %s\n' "$n" "${DETAIL[$n]}"
    done
    [ "$result" = PASS ] || echo "  details: sudo okome-validate"
  } | write_file "$MOTD_FILE"

  echo "$verdict"
  [ "$MODE" = validate ] || to_consoles "$verdict"
  VERDICT_RESULT=$result
}

# The verdict, once, on every active console (the last one listed is /dev/console).
to_consoles() {
  local tty ttys=()
  [ -r "$CONSOLES_FILE" ] || return 0
  read -r -a ttys < "$CONSOLES_FILE" || true
  for tty in "${ttys[@]}"; do
    [[ $tty =~ ^[A-Za-z0-9]+$ ]] || continue
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
    timeout 5 bash -c 'printf "\n%s\n" "$1" >> "$2"' _ "$1" "$ROOT/dev/$tty" 2>/dev/null \
      || echo "okome-verify: could not write the verdict to /dev/$tty" >&2
  done
}

ENV_PROBLEM=""

# Expectations from okome.env only: nothing of the same name leaks in from the environment.
load_env() {
  local v missing=()
  unset ROLE KIND HOSTNAME ADDRESS PREFIX GATEWAY IFACE DNS VIP REDIS_PORT BACKENDS NGINX_PORT \
    TMPFS ROOT_OPTIONS ADMIN_USER NFT_TABLE NODE_EXPORTER_URL ACTIVE_UNITS EXTRA_CHECKERS
  ROLE=unknown KIND=unknown
  if [ ! -r "$ENV_FILE" ]; then
    ENV_PROBLEM="cannot read ${ENV_FILE#"$ROOT"} (rendered from overlays/common/etc/okome/okome.env.hbs)"
    return 1
  fi
  # shellcheck source=/dev/null
  . "$ENV_FILE"
  for v in ROLE KIND HOSTNAME ADDRESS PREFIX GATEWAY IFACE; do [ -n "${!v:-}" ] || missing+=("$v"); done
  case $KIND in frontend|backend) ;; *) missing+=("KIND (frontend or backend, got '$KIND')") ;; esac
  if [ ${#missing[@]} -gt 0 ]; then
    ENV_PROBLEM="${ENV_FILE#"$ROOT"} lacks ${missing[*]}"
    return 1
  fi
  : "${TMPFS:=}" "${ROOT_OPTIONS:=noatime}" "${ADMIN_USER:=okome}" "${NFT_TABLE:=inet filter}"
  : "${NODE_EXPORTER_URL:=http://127.0.0.1:9100/metrics}" "${REDIS_PORT:=6379}" "${BACKENDS:=}"
  : "${NGINX_PORT:=80}" "${ACTIVE_UNITS:=}" "${EXTRA_CHECKERS:=}"
}

check_env() { fail "$ENV_PROBLEM"; }

main() {
  MODE=verify
  case "$(basename "$0")" in okome-validate*) MODE=validate ;; esac
  [ "${1:-}" != --validate ] || MODE=validate
  # On demand the node has settled: no waiting unless asked for.
  [ "$MODE" = verify ] || SETTLE=${OKOME_VERIFY_SETTLE:-0}
  while [ $# -gt 0 ]; do
    case $1 in
      --validate) MODE=validate ;;
      --settle) SETTLE=$2; shift ;;
      -h|--help) sed -n '2,15p' "$0"; return 0 ;;
      *) echo "okome-verify: unknown argument '$1' (use --validate, --settle <seconds>)" >&2; return 2 ;;
    esac
    shift
  done
  if load_env; then plan_checks; else add_check okome-env check_env; fi
  settle
  report
  if [ "$MODE" = validate ] && [ "$VERDICT_RESULT" != PASS ]; then return 1; fi
  return 0
}

main "$@"
