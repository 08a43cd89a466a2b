#!/bin/bash
# Builds the TEST DOUBLE ec2xa-nvme-shim.so (see nvme-shim.c, README.md):
#   tests/guest/nvme-shim/build.sh OUTDIR
# Plain gcc, not meson: the shim is preloaded into udev's programs inside
# the guest, so it must not carry the dev build's ASan runtime.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUTDIR}
mkdir -p "$out" || exit 1
cc=${CC:-gcc}

"$cc" -std=gnu11 -O2 -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror \
	-shared -fPIC -fvisibility=hidden \
	-o "$out/ec2xa-nvme-shim.so" "$here/nvme-shim.c" "$here/shim-rewrite.c" -ldl || exit 1

# The library exports ioctl and nothing else, and loads into a program.
exported=$(nm -D --defined-only "$out/ec2xa-nvme-shim.so" | awk '$2 == "T" { print $3 }')
if [ "$exported" != ioctl ]; then
	echo "build.sh: ec2xa-nvme-shim.so exports '$exported', expected only ioctl" >&2
	exit 1
fi
if ! LD_PRELOAD="$out/ec2xa-nvme-shim.so" /bin/true; then
	echo "build.sh: /bin/true fails with the shim preloaded" >&2
	exit 1
fi
echo "$out/ec2xa-nvme-shim.so"
