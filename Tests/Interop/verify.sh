#!/usr/bin/env bash
# End-to-end check of the Python/coturn interop harness, all inside one loopback-only
# network namespace (needs root; scripts/install-interop first).
#   Tests/Interop/verify.sh [--bench]     --bench also runs aioice_pair_bench.py (20 runs each mode)
#                                         and aiortc_sctp_bench.py (50 MB data channel, 3 runs)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT BENCH="${1:-}"
export PY="$ROOT/.venv-interop/bin/python"
[ -x "$PY" ] || { echo "verify.sh: run scripts/install-interop first" >&2; exit 1; }

if [ -z "${INTEROP_IN_NETNS:-}" ]; then
    exec env INTEROP_IN_NETNS=1 unshare --net bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

I="$ROOT/Tests/Interop"
TMP="$(mktemp -d -t interop.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do "$I/coturn.sh" stop "$p"; done; rm -rf "$TMP"; }
trap cleanup EXIT

LT=$("$I/coturn.sh" start "$TMP/lt" lt); PIDS+=("$LT")
REST=$(TURN_PORT=3479 TURN_MIN_PORT=49400 TURN_MAX_PORT=49500 "$I/coturn.sh" start "$TMP/rest" rest); PIDS+=("$REST")
read -r RU RP < <("$I/coturn.sh" rest-cred verify)

pass=0; fail=0
check() {   # check NAME CMD...
    local name="$1"; shift
    if out=$("$@" 2>"$TMP/stderr"); then
        echo "ok   $name $out"; pass=$((pass+1))
    else
        echo "FAIL $name $out"; sed 's/^/     /' "$TMP/stderr"; fail=$((fail+1))
    fi
}
TLT="--turn 127.0.0.1:3478 --turn-user alice --turn-password s3cret"
TREST="--turn 127.0.0.1:3479 --turn-user $RU --turn-password $RP"
check host-echo     "$PY" "$I/pair_glue.py" --a "--role controlling --echo" --b "--role controlled --send 5"
check host-echo-rev "$PY" "$I/pair_glue.py" --a "--role controlled --echo" --b "--role controlling --send 5"
check relay-lt      "$PY" "$I/pair_glue.py" --a "--role controlling --echo $TLT" --b "--role controlled --send 5 $TLT"
check relay-rest    "$PY" "$I/pair_glue.py" --a "--role controlling --echo $TREST" --b "--role controlled --send 5 $TREST"
check sctp-self-test "$PY" "$I/aiortc_sctp_peer.py" --self-test --quiet

if [ "$BENCH" = "--bench" ]; then
    check bench-host       "$PY" "$I/aioice_pair_bench.py"
    check bench-relay-lt   "$PY" "$I/aioice_pair_bench.py" --turn 127.0.0.1:3478 --user alice --password s3cret
    check bench-relay-rest "$PY" "$I/aioice_pair_bench.py" --turn 127.0.0.1:3479 --rest-secret termcall-secret
    check bench-all-lt     "$PY" "$I/aioice_pair_bench.py" --turn 127.0.0.1:3478 --user alice --password s3cret --policy all
    check bench-sctp       "$PY" "$I/aiortc_sctp_bench.py"
fi
echo "interop: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
