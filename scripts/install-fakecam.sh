#!/usr/bin/env bash
# Build and install the termcall fake-camera libv4l2 plugin
# (Tests/Fixtures/fakecam/fakecam_plugin.c) into libv4l's plugin directory.
# Once installed, any regular file named termcall-fakecam* (e.g. an empty
# /tmp/termcall-fakecam0) behaves like a YUYV V4L2 camera when opened through
# libv4l2 (v4l2_open, or v4l2-ctl -w). Idempotent; takes no arguments.
set -euo pipefail

if [[ $# -ne 0 ]]; then
    echo "usage: $0  (takes no arguments)" >&2
    exit 2
fi

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="${script_dir}/../Tests/Fixtures/fakecam/fakecam_plugin.c"
if [[ ! -f "$src" ]]; then
    echo "install-fakecam: plugin source not found: $src" >&2
    exit 1
fi

libdir="$(pkg-config --variable=libdir libv4l2 2>/dev/null || true)"
if [[ -n "$libdir" ]]; then
    plugin_dir="${libdir}/libv4l/plugins"
else
    plugin_dir="/usr/lib/$(gcc -dumpmachine)/libv4l/plugins"
fi
dest="${plugin_dir}/libv4l-00-termcall-fakecam.so"

# Nearest existing ancestor must be writable (or we must be root).
probe="$plugin_dir"
while [[ ! -d "$probe" ]]; do probe="$(dirname "$probe")"; done
if [[ "$(id -u)" -ne 0 && ! -w "$probe" ]]; then
    echo "install-fakecam: need root to write ${plugin_dir} (run with sudo)" >&2
    exit 1
fi

mkdir -p "$plugin_dir"
tmp="$(mktemp "${plugin_dir}/.libv4l-00-termcall-fakecam.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
gcc -std=gnu99 -Wall -Wextra -O2 -shared -fPIC -o "$tmp" "$src"
chmod 0644 "$tmp"
mv -f "$tmp" "$dest"   # atomic replace: processes with the old .so keep theirs
trap - EXIT
echo "install-fakecam: installed ${dest}"
