#!/bin/bash
# The helper's cost per udev event, side by side in one run with the stock
# ec2udev-vbd logic (bash, grep, sed) and /bin/true; then on a machine with
# 1000 real SCSI disks, which must cost the same (no enumeration on the hot
# path). Use an optimised build without sanitizers:
#   meson setup build-release --buildtype=release && tests/bench/bench.sh build-release
set -euo pipefail

builddir=${1:?usage: bench.sh BUILDDIR [ROUNDS RUNS]}
rounds=${2:-41}
runs=${3:-20}
src=$(cd "$(dirname "$0")/../.." && pwd)
helper=$(realpath "$builddir/helper/ec2-xvd-alias")
bench=$(realpath "$builddir/tests/bench")
stock="$src/tests/stock/ec2udev-vbd"

if grep -q -- '-fsanitize' "$builddir/build.ninja" 2>/dev/null; then
	echo "bench.sh: $builddir is built with sanitizers; its timings mean nothing" >&2
	exit 1
fi

work=$(mktemp -d)
trap 'umount "$work" 2>/dev/null; rm -rf "$work"' EXIT
# `claim` is measured on a disk whose node is right: that needs a block
# node, which is made only on a nodev tmpfs in a mount namespace of our own.
if [[ $(id -u) == 0 && -z ${EC2XA_BENCH_NS:-} ]]; then
	exec env EC2XA_BENCH_NS=1 unshare --mount --propagation private bash "$0" "$@"
fi
claim_ok=0
if [[ -n ${EC2XA_BENCH_NS:-} ]] && mount -t tmpfs -o nodev,nosuid,size=64m ec2xa-bench "$work"; then
	claim_ok=1
fi

# A Xen instance: xvda (root) and xvdf, nothing else.
make_instance() {
	local root=$1 name vbd=51712 minor=0
	mkdir -p "$root/sys/class/block" "$root/dev" "$root/etc" "$root/run/udev/data" "$root/proc"
	echo "root=/dev/xvda1 ro" >"$root/proc/cmdline"
	for name in xvda xvdf; do
		mkdir -p "$root/sys/devices/vbd-$vbd/block/$name"
		echo "202:$minor" >"$root/sys/devices/vbd-$vbd/block/$name/dev"
		ln -s "../../devices/vbd-$vbd/block/$name" "$root/sys/class/block/$name"
		vbd=$((vbd + 80)) minor=$((minor + 80))
	done
}

# sd names after sdz: sdaa, sdab, ... so that sdf stays free and the helper
# takes its full path (real-disk check, /dev, SCSI activity).
sd_name() {
	local i=$1 letters="abcdefghijklmnopqrstuvwxyz"
	if ((i < 26)); then
		echo "sd${letters:i:1}"
	elif ((i < 702)); then
		i=$((i - 26))
		echo "sd${letters:i/26:1}${letters:i%26:1}"
	else
		i=$((i - 702))
		echo "sd${letters:i/676:1}${letters:i/26%26:1}${letters:i%26:1}"
	fi
}

make_instance "$work/empty"
make_instance "$work/scsi1000"
r="$work/scsi1000"
mkdir -p "$r/sys/class/scsi_disk" "$r/sys/class/iscsi_transport/tcp"
for ((i = 26; i < 1026; i++)); do
	name=$(sd_name "$i")
	h=$((i - 24))
	d="$r/sys/devices/platform/host$h/session$h/target$h:0:0/$h:0:0:0/block/$name"
	mkdir -p "$d"
	echo "$((8 + i / 16)):$((i % 16 * 16))" >"$d/dev"
	ln -s "../../${d#"$r"/sys/}" "$r/sys/class/block/$name"
	ln -s "../../devices/platform/host$h/session$h/target$h:0:0/$h:0:0:0/scsi_disk/$h:0:0:0" \
		"$r/sys/class/scsi_disk/$h:0:0:0"
done
# The LUN that claims: a real disk sdb with its right node, and a Xen disk
# xvdb (so the claim looks at its partitions too).
if ((claim_ok)); then
	for root in "$work/empty" "$r"; do
		d="$root/sys/devices/platform/host1/session1/target1:0:0/1:0:0:0/block/sdb"
		mkdir -p "$d" "$root/sys/devices/vbd-51728/block/xvdb"
		echo "8:16" >"$d/dev"
		ln -s "../../devices/platform/host1/session1/target1:0:0/1:0:0:0/block/sdb" "$root/sys/class/block/sdb"
		echo "202:16" >"$root/sys/devices/vbd-51728/block/xvdb/dev"
		ln -s "../../devices/vbd-51728/block/xvdb" "$root/sys/class/block/xvdb"
		mknod "$root/dev/sdb" b 8 16
		ln -s xvdb "$root/dev/xvd-sdb"
	done
fi
sds=("$r"/sys/class/block/sd*) xvds=("$r"/sys/class/block/xvd*)
echo "fake root with ${#sds[@]} SCSI disks and ${#xvds[@]} Xen disks"
echo "helper on the empty root prints:    $("$helper" --root "$work/empty" links xvdf 2>&1 | tr '\n' ' ')"
echo "helper on the 1000-disk root prints: $("$helper" --root "$r" links xvdf 2>&1 | tr '\n' ' ')"
echo "stock ec2udev-vbd prints:            $("$stock" xvdf)"
claim_args=()
if ((claim_ok)); then
	echo "helper claim sdb (node right) prints: '$("$helper" --root "$work/empty" claim sdb 2>&1)' exit $?"
	claim_args=(-- "ec2-xvd-alias claim sdb (node right)" "$helper" --root "$work/empty" claim sdb
		-- "ec2-xvd-alias claim sdb (1000 SCSI disks)" "$helper" --root "$r" claim sdb)
else
	echo "claim: not measured (needs root for a block node on a nodev tmpfs)"
fi
echo

"$bench" "$rounds" "$runs" \
	-- "/bin/true" /bin/true \
	-- "stock ec2udev-vbd xvdf (bash, grep, sed)" "$stock" xvdf \
	-- "ec2-xvd-alias links xvdf (Xen instance)" "$helper" --root "$work/empty" links xvdf \
	-- "ec2-xvd-alias links xvdf (1000 SCSI disks)" "$helper" --root "$r" links xvdf \
	"${claim_args[@]}" \
	| tee "$work/result"

awk '
	/^\/bin\/true/ { next }
	/links xvdf \(Xen instance\)/ { e = $(NF) + 0 }
	/links xvdf \(1000 SCSI/ { t = $(NF) + 0 }
	/claim sdb \(node right\)/ { c = $(NF) + 0 }
	END {
		printf "\nlinks vs /bin/true: %.2fx (target <= 1.20x: %s)\n", e, (e <= 1.2 ? "met" : "NOT met")
		if (c > 0)
			printf "claim vs /bin/true: %.2fx (target <= 1.20x: %s)\n", c, (c <= 1.2 ? "met" : "NOT met")
		printf "1000 disks vs Xen instance: %.2fx (target: the same within noise)\n", t / e
	}' "$work/result"
