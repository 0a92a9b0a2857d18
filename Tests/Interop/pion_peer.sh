#!/usr/bin/env bash
# Runs Tests/Interop/pion_peer/main.go (a Pion WebRTC v3 interop peer, JSON lines on stdin/stdout; see
# the comment at the top of main.go), building it first when the binary is missing or older than main.go
# or this script, or when Go or the Pion packages changed. Offline: GOPATH mode against Debian's
# golang-go and golang-github-pion-webrtc.v3-dev (scripts/install-interop installs both), no module proxy.
# The binary, a GOPATH with the /vN import-path symlinks and the Go build cache live in
# $TERMCALL_PION_CACHE (default "${TMPDIR:-/tmp}/termcall-pion-peer"), outside the repository.
#   Tests/Interop/pion_peer.sh [--offer | --answer]
# Quiet when all is well; a failed build prints Go's output to stderr and exits 1.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$HERE/pion_peer/main.go"
CACHE="${TERMCALL_PION_CACHE:-${TMPDIR:-/tmp}/termcall-pion-peer}"
BIN="$CACHE/pion_peer"
GOCODE=/usr/share/gocode/src      # where Debian's golang-*-dev packages put their sources
GO="${GO:-go}"

fail() { echo "pion_peer.sh: $*" >&2; exit 1; }

# What the binary was built from besides main.go: the Go toolchain and the Debian Go packages.
stamp() {
    "$GO" version 2>/dev/null || echo "no go"
    dpkg-query -W -f='${db:Status-Abbrev}${Package} ${Version}\n' golang-go 'golang-github-*' 'golang-golang-x-*' \
        2>/dev/null | sed -n 's/^ii *//p' | sort || true
}

build() {
    command -v "$GO" >/dev/null 2>&1 || fail "no '$GO' (apt-get install golang-go golang-github-pion-webrtc.v3-dev, or scripts/install-interop)"
    [ -d "$GOCODE/github.com/pion/webrtc" ] || fail "no $GOCODE/github.com/pion/webrtc (apt-get install golang-github-pion-webrtc.v3-dev)"
    local gopath="$CACHE/gopath"
    # Debian installs a module at the path of its repository, e.g. github.com/pion/webrtc, while its code
    # imports it by module path, github.com/pion/webrtc/v3. For each go.mod whose module path is not its
    # directory, a symlink at the module path in our own GOPATH entry (searched first).
    rm -rf "$gopath"
    mkdir -p "$gopath/src"
    local mod dir rel module
    while IFS= read -r mod; do
        dir="${mod%/go.mod}"
        rel="${dir#"$GOCODE"/}"
        module="$(sed -n 's/^module[[:space:]]\{1,\}"\{0,1\}\([^"[:space:]]*\).*/\1/p' "$mod" | head -n 1)"
        if [ -n "$module" ] && [ "$module" != "$rel" ] && [ ! -e "$GOCODE/$module" ]; then
            mkdir -p "$gopath/src/$(dirname "$module")"
            ln -sfn "$dir" "$gopath/src/$module"
        fi
    done < <(find "$GOCODE" -name go.mod -not -path '*/testdata/*' -not -path '*/vendor/*' 2>/dev/null)

    local log="$CACHE/build.log" tmp="$BIN.tmp.$$"
    if ! env GOPATH="$gopath:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
            GOCACHE="$CACHE/gocache" CGO_ENABLED=0 \
            "$GO" build -o "$tmp" -trimpath -ldflags='-s -w' "$SRC" >"$log" 2>&1; then
        rm -f "$tmp"
        cat "$log" >&2
        fail "building $SRC failed (are golang-go and golang-github-pion-webrtc.v3-dev installed? scripts/install-interop)"
    fi
    stamp >"$CACHE/stamp.tmp.$$"
    mv -f "$tmp" "$BIN"
    mv -f "$CACHE/stamp.tmp.$$" "$CACHE/stamp"
}

needs_build() {
    [ -x "$BIN" ] || return 0
    [ "$SRC" -nt "$BIN" ] && return 0
    [ "${BASH_SOURCE[0]}" -nt "$BIN" ] && return 0
    [ "$(cat "$CACHE/stamp" 2>/dev/null)" != "$(stamp)" ] && return 0
    return 1
}

[ -f "$SRC" ] || fail "no $SRC"
mkdir -p "$CACHE" || fail "cannot create $CACHE"
if needs_build; then
    # One build at a time; whoever waited finds the binary fresh. The lock's descriptor stays in the subshell.
    (
        if command -v flock >/dev/null 2>&1; then flock 9; fi
        if needs_build; then build; fi
    ) 9>"$CACHE/lock" || exit 1
fi
exec "$BIN" "$@"
