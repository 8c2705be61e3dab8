#!/bin/bash
# okome-validate: run okome-verify's checks now, print each and the verdict, exit 1 on any FAIL.
# Same checks, same result files (verify.json, okome_verify.prom, motd); it does not wait for
# services to settle (--settle <seconds> to wait) and does not write to the consoles.
set -eu

main() {
  local here verify
  here=$(dirname "$0")
  verify=${OKOME_VERIFY:-$here/okome-verify}
  [ -x "$verify" ] || verify=$here/okome-verify.sh
  exec "$verify" --validate "$@"
}

main "$@"
