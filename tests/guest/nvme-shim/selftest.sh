#!/bin/bash
# Host self-test of the TEST DOUBLE shim, without NVMe hardware:
#   tests/guest/nvme-shim/selftest.sh
# fake-qemu-ctrl.so (another test double) is preloaded after the shim and
# answers Identify as QEMU 7.2's controller would, so the ioctl never
# reaches a kernel driver; the program under the two is the helper's own
# reader (helper/nvme-id.c) on /dev/null, which only serves as an open
# character device. Prints PASS/FAIL per scenario; exit 0, 1, or 77 (no gcc).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
cc=${CC:-gcc}
command -v "$cc" >/dev/null || { echo "SKIP: nvme-shim: no C compiler ($cc)" >&2; exit 77; }
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT

flags=(-std=gnu11 -O2 -Wall -Wextra -Werror)
"$here/build.sh" "$work" >/dev/null || { echo "FAIL: build: build.sh failed"; exit 1; }
"$cc" "${flags[@]}" -shared -fPIC -fvisibility=hidden -o "$work/fake-qemu-ctrl.so" \
	"$here/fake-qemu-ctrl.c" -ldl || { echo "FAIL: build: fake-qemu-ctrl.so"; exit 1; }
"$cc" "${flags[@]}" -D_GNU_SOURCE -I "$repo" -o "$work/reader" "$here/selftest-main.c" \
	"$repo/helper/nvme-id.c" "$repo/helper/names.c" || { echo "FAIL: build: reader"; exit 1; }

status=0
# run NAME CONF-TEXT|- PRELOAD ARGS... -> $out, $err
run() {
	local conf=$1 preload=$2
	shift 2
	if [ "$conf" = - ]; then
		rm -f "$work/conf"
	else
		printf '%s\n' "$conf" > "$work/conf"
	fi
	out=$(EC2XA_NVME_SHIM_CONF="$work/conf" FAKE_QEMU_SERIAL=vol0123456789abcdef0 \
		LD_PRELOAD="$preload" "$work/reader" "$@" 2> "$work/err")
	err=$(cat "$work/err")
}
verdict() { # SCENARIO WHAT EXPECTED-OUT EXPECTED-ERR
	if [ "$out" = "$3" ] && [ "$err" = "$4" ]; then
		echo "PASS: $1: $2"
	else
		echo "FAIL: $1: got '$out' / stderr '$err', expected '$3' / '$4'"
		status=1
	fi
}
shim=$work/ec2xa-nvme-shim.so
fake=$work/fake-qemu-ctrl.so
not_amazon="r=-19 vendor=0x1b36 model='QEMU NVMe Ctrl' mapping='' reason='not an Amazon NVMe controller (PCI vendor id is not 0x1D0F)'"

run - "$fake" /dev/null
verdict control "without the shim the reader sees QEMU's controller" "$not_amazon" ""

run "serial=vol0123456789abcdef0 mapping=/dev/sdf" "$shim $fake" /dev/null
verdict listed "a listed serial reads as EBS volume sdf, and the shim says so" \
	"r=0 vendor=0x1d0f model='Amazon Elastic Block Store' mapping='sdf' reason=''" \
	"ec2xa-nvme-shim: TEST DOUBLE: rewrote Identify Controller of QEMU NVMe serial 'vol0123456789abcdef0': vendor 0x1D0F, model 'Amazon Elastic Block Store', mapping '/dev/sdf'"

run "serial=vol0123456789abcdef0 mapping= kind=instance-store" "$shim $fake" /dev/null
verdict instance-store "kind=instance-store reads as an instance store volume" \
	"r=-19 vendor=0x1d0f model='Amazon EC2 NVMe Instance Storage' mapping='' reason='an EC2 instance store volume, not EBS'" \
	"ec2xa-nvme-shim: TEST DOUBLE: rewrote Identify Controller of QEMU NVMe serial 'vol0123456789abcdef0': vendor 0x1D0F, model 'Amazon EC2 NVMe Instance Storage', mapping ''"

run "serial=other mapping=sdg" "$shim $fake" /dev/null
verdict unlisted "a serial not listed is left as QEMU's, silently" "$not_amazon" ""

run - "$shim $fake" /dev/null
verdict no-config "without a configuration nothing is rewritten" "$not_amazon" ""

run "serial=vol0123456789abcdef0 mapping=sdf colour=blue" "$shim $fake" /dev/null
verdict bad-config "a line it cannot read leaves the answer alone, with one line" "$not_amazon" \
	"ec2xa-nvme-shim: TEST DOUBLE: $work/conf line 1: unknown key (serial=, mapping=, kind=); Identify Controller left alone"

run "serial=vol0123456789abcdef0 mapping=sdf" "$shim $fake" /dev/null ns
verdict identify-namespace "Identify Namespace (CNS 0) passes through untouched" "vendor=0x1b36" ""

run "serial=vol0123456789abcdef0 mapping=sdf" "$shim" /dev/null
verdict real-ioctl "other ioctls reach the kernel: /dev/null refuses the NVMe one, nothing is rewritten" \
	"r=-25 vendor=0x0000 model='' mapping='' reason='Identify Controller ioctl failed'" ""

exit $status
