#!/bin/bash
# The README's first command: a simulated Xen instance with an iSCSI LUN,
# the stock rule beside ours, through the real udevadm (systemd 252) in a
# private mount namespace. Installs what it needs; run as root.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
tests/setup-deps.sh build rules
if [[ -f build-dev/build.ninja ]]; then
	ninja -C build-dev >/dev/null
else
	meson setup build-dev --native-file build-dev.ini >/dev/null && ninja -C build-dev >/dev/null
fi
exec tests/rules/demo.sh build-dev
