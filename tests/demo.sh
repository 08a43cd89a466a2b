#!/bin/bash
# The README's first command: simulated Xen and Nitro instances with an
# iSCSI LUN, Amazon's stock rules beside ours, through the real udevadm
# (systemd 252) in a private mount namespace. Installs what it needs; run
# as root. build-dev is a test build: the Nitro part reads the EBS volumes'
# identity from files (a test double; the fake sysfs has no NVMe hardware).
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
