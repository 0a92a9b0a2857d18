#!/usr/bin/env bash
# Loopback-only coturn for ICE interop tests. Run it inside a private namespace:
#   unshare --net bash -c 'ip link set lo up; PID=$(Tests/Interop/coturn.sh start DIR lt); ...; Tests/Interop/coturn.sh stop $PID'
#
#   coturn.sh start DIR [lt|rest]   write DIR/turnserver.conf, start turnserver, wait until it
#                                   listens, print its PID. lt: user alice:s3cret;
#                                   rest: static-auth-secret=termcall-secret. Realm termcall.test.
#                                   Env: TURN_PORT (3478, UDP and TCP), TURN_MIN_PORT (49160),
#                                   TURN_MAX_PORT (49300); TURN_TLS_PORT: also TLS there, with a
#                                   test CA (DIR/ca.pem) that signed a certificate for
#                                   turn.termcall.test and 127.0.0.1.
#   coturn.sh stop PID              stop it (TERM, then KILL after ~2 s).
#   coturn.sh rest-cred [NAME] [TTL] print "USERNAME PASSWORD" for the rest mode
#                                   (username EXPIRY:NAME, password base64(HMAC-SHA1(secret, username))).
set -euo pipefail

REST_SECRET=termcall-secret

usage() { sed -n '2,13p' "$0" >&2; exit 2; }

cmd="${1:-}"
case "$cmd" in
start)
    dir="${2:?usage: coturn.sh start DIR [lt|rest]}"
    mode="${3:-lt}"
    command -v turnserver >/dev/null || { echo "coturn.sh: turnserver not installed (scripts/install-interop)" >&2; exit 1; }
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    case "$mode" in
        lt)   auth=$'lt-cred-mech\nuser=alice:s3cret' ;;
        rest) auth=$'use-auth-secret\nstatic-auth-secret='"$REST_SECRET" ;;
        *) echo "coturn.sh: mode must be lt or rest" >&2; exit 2 ;;
    esac
    tls=$'no-tls'
    if [[ -n "${TURN_TLS_PORT:-}" ]]; then
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=termcall test CA" \
            -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=turn.termcall.test" \
            -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
        printf 'subjectAltName=DNS:turn.termcall.test,IP:127.0.0.1\n' > "$dir/san.ext"
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
            -extfile "$dir/san.ext" -out "$dir/server.pem" 2>/dev/null
        tls="tls-listening-port=$TURN_TLS_PORT"$'\n'"cert=$dir/server.pem"$'\n'"pkey=$dir/server.key"
    fi
    cat > "$dir/turnserver.conf" <<CONF
listening-ip=127.0.0.1
relay-ip=127.0.0.1
listening-port=${TURN_PORT:-3478}
min-port=${TURN_MIN_PORT:-49160}
max-port=${TURN_MAX_PORT:-49300}
realm=termcall.test
$auth
fingerprint
$tls
no-dtls
no-cli
no-multicast-peers
allow-loopback-peers
userdb=$dir/turndb
pidfile=$dir/turnserver.pid
log-file=stdout
simple-log
verbose
CONF
    rm -f "$dir/turndb" "$dir/log"
    # stdbuf: without it coturn's stdout log is block-buffered and never shows up.
    stdbuf -oL turnserver -c "$dir/turnserver.conf" > "$dir/log" 2>&1 < /dev/null &
    pid=$!
    # Wait (at most ~10 s) for the UDP listener line ("socket: Protocol not supported" is harmless).
    for _ in $(seq 1 200); do
        if grep -q "UDP listener opened on" "$dir/log" 2>/dev/null \
           && { [[ -z "${TURN_TLS_PORT:-}" ]] || grep -q "TLS/TCP listener opened on" "$dir/log"; }; then
            echo "$pid"
            exit 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "coturn.sh: turnserver exited early; log:" >&2; cat "$dir/log" >&2; exit 1
        fi
        sleep 0.05
    done
    echo "coturn.sh: turnserver not listening after 10 s; log:" >&2; tail -20 "$dir/log" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
stop)
    pid="${2:?usage: coturn.sh stop PID}"
    [[ "$pid" =~ ^[0-9]+$ ]] || { echo "coturn.sh: bad PID" >&2; exit 2; }
    kill -TERM "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    ;;
rest-cred)
    name="${2:-termcall}"
    ttl="${3:-3600}"
    user="$(( $(date +%s) + ttl )):$name"
    pass="$(printf '%s' "$user" | openssl dgst -sha1 -hmac "$REST_SECRET" -binary | base64)"
    echo "$user $pass"
    ;;
*) usage ;;
esac
