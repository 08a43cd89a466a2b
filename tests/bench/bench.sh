#!/bin/bash
# The helper's cost per udev event, side by side in one run with the stock
# ec2udev-vbd logic (bash, grep, sed) and /bin/true; then on a machine with
# 1000 real SCSI disks, which must cost the same (no enumeration on the hot
# path). Use an optimised build without sanitizers:
#   meson setup build-release --buildtype=release && tests/bench/bench.sh build-release
#
# The Nitro rule's `nvme` command is measured when NVME_BUILDDIR is given: an
# optimised build configured with -Dtest_identify_dir (only such a build
# reads Identify Controller data from a file; a release build asks the
# controller with one ioctl, which needs a real NVMe device):
#   meson setup build-bench-nvme --buildtype=release -Db_sanitize=none \
#       -Dtest_identify_dir=/run/ec2xa-test-identify
#   tests/bench/bench.sh build-release build-bench-nvme
#
# Besides stdout, each run writes its figures as one Markdown table to
# build-logs/figures/bench.md (from the repository's root), replacing the
# previous run's: the documents point there and copy no figure.
set -euo pipefail

builddir=${1:?usage: bench.sh BUILDDIR [NVME_BUILDDIR [ROUNDS RUNS]]}
nvme_builddir=${2:-}
rounds=${3:-41}
runs=${4:-20}
src=$(cd "$(dirname "$0")/../.." && pwd)
helper=$(realpath "$builddir/helper/ec2-xvd-alias")
bench=$(realpath "$builddir/tests/bench")
stock="$src/tests/stock/ec2udev-vbd"

for b in "$builddir" $nvme_builddir; do
	if grep -q -- '-fsanitize' "$b/build.ninja" 2>/dev/null; then
		echo "bench.sh: $b is built with sanitizers; its timings mean nothing" >&2
		exit 1
	fi
done
nvme_identify_dir=
if [[ -n $nvme_builddir ]]; then
	nvme_identify_dir=$(sed -n 's/^#define TEST_IDENTIFY_DIR "\(.*\)"$/\1/p' "$nvme_builddir/build-config.h")
	if [[ -z $nvme_identify_dir ]]; then
		echo "bench.sh: $nvme_builddir is not configured with -Dtest_identify_dir" >&2
		exit 1
	fi
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
# A Nitro instance: EBS volume nvme1n1 attached as sdf, its Identify data
# where the test build reads it (vendor 0x1d0f, model "Amazon Elastic
# Block Store", the mapping name at byte 3072), and the links udev passes.
nvme_args=()
if [[ -n $nvme_builddir ]]; then
	n="$work/nitro"
	d="$n/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme1/nvme1n1"
	mkdir -p "$d" "$n/sys/class/block" "$n/dev" "$n/etc" "$n/proc" "$n$nvme_identify_dir"
	echo "root=/dev/nvme0n1p1 ro" >"$n/proc/cmdline"
	echo "259:0" >"$d/dev"
	ln -s "../../devices/pci0000:00/0000:00:04.0/nvme/nvme1/nvme1n1" "$n/sys/class/block/nvme1n1"
	/usr/bin/python3 - "$n$nvme_identify_dir/nvme1n1" <<-'PY'
		import sys
		page = bytearray(4096)
		page[0:4] = bytes([0x0f, 0x1d, 0x0f, 0x1d])
		page[4:24] = b"vol0123456789abcdef0"
		page[24:64] = b"Amazon Elastic Block Store".ljust(40)
		page[3072:3104] = b"sdf".ljust(32)
		open(sys.argv[1], "wb").write(page)
	PY
	nvme_helper=$(realpath "$nvme_builddir/helper/ec2-xvd-alias")
	nvme_links=(disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0 disk/by-path/pci-0000:00:04.0-nvme-1 sdf)
	echo "helper nvme nvme1n1 prints: $("$nvme_helper" --root "$n" nvme nvme1n1 "${nvme_links[@]}" 2>&1 | tr '\n' ' ')"
	nvme_args=(-- "ec2-xvd-alias nvme nvme1n1 LINKS (Nitro, sdf)" "$nvme_helper" --root "$n" nvme nvme1n1 "${nvme_links[@]}")
	# Amazon's ebsnvme-id, which the stock Nitro rule runs per event, is a
	# Python program: the interpreter's start alone is its floor.
	# Debian's interpreter, as the stock package uses the system's (a
	# pyenv shim on PATH would time a bash script instead).
	if [[ -x /usr/bin/python3 ]]; then
		nvme_args+=(-- "/usr/bin/python3 -I -c '' (floor of ebsnvme-id)" /usr/bin/python3 -I -c '')
	fi
else
	echo "nvme: not measured (give NVME_BUILDDIR, a build with -Dtest_identify_dir)"
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
	"${nvme_args[@]}" \
	| tee "$work/result"

awk '
	/^\/bin\/true/ { next }
	/links xvdf \(Xen instance\)/ { e = $(NF) + 0 }
	/links xvdf \(1000 SCSI/ { t = $(NF) + 0 }
	/claim sdb \(node right\)/ { c = $(NF) + 0 }
	/nvme nvme1n1/ { v = $(NF) + 0 }
	END {
		printf "\nlinks vs /bin/true: %.2fx (target <= 1.20x: %s)\n", e, (e <= 1.2 ? "met" : "NOT met")
		if (c > 0)
			printf "claim vs /bin/true: %.2fx (target <= 1.20x: %s)\n", c, (c <= 1.2 ? "met" : "NOT met")
		if (v > 0)
			printf "nvme vs /bin/true: %.2fx (target <= 1.20x: %s)\n", v, (v <= 1.2 ? "met" : "NOT met")
		printf "1000 disks vs Xen instance: %.2fx (target: the same within noise)\n", t / e
	}' "$work/result" | tee "$work/summary"

# The figures of this run, as one Markdown table, where the documents point
# (build-logs/figures/, overwritten per run). Nothing of it goes to stdout:
# tests/run-tests.sh reads that.
write_figures() {
	local out=$src/build-logs/figures/bench.md loadavg
	read -r -a loadavg </proc/loadavg || loadavg=("?" "?" "?")
	mkdir -p "${out%/*}"
	{
		echo "# Benchmark: tests/bench/bench.sh"
		echo
		echo "Written by \`tests/bench/bench.sh\` at every run; this file is replaced each time."
		echo "Each time is the median over $rounds rounds of the mean time per call in"
		echo "$runs passes, every command called once per pass in a shuffled order;"
		echo "the ratio is to \`/bin/true\` in the same run. Target: at most 1.20x."
		echo
		echo "| run | value |"
		echo "| --- | --- |"
		echo "| date (UTC) | $(date -u '+%Y-%m-%d %H:%M:%S') |"
		echo "| host | $(uname -n), $(nproc) CPUs (\`nproc\`) |"
		echo "| load average (1, 5, 15 min) at the end | ${loadavg[0]} ${loadavg[1]} ${loadavg[2]} |"
		echo "| rounds x passes | $rounds x $runs |"
		echo "| fake roots | ${#sds[@]} SCSI disks and ${#xvds[@]} Xen disks (the large one) |"
		echo "| builds | \`$builddir\`${nvme_builddir:+, \`$nvme_builddir\` (nvme)} |"
		echo
		echo "| command | median per call | ratio to /bin/true |"
		echo "| --- | ---: | ---: |"
		awk 'NR > 1 && NF >= 4 {
			ratio = $NF; med = $(NF - 2); name = $0
			sub(/[ ]+[0-9.]+ ms[ ]+[0-9.]+x[ ]*$/, "", name)
			gsub(/\|/, "\\|", name)
			printf "| %s | %s ms | %s |\n", name, med, ratio
		}' "$work/result"
		((claim_ok)) || echo "| ec2-xvd-alias claim | not measured (needs root) | |"
		[[ -n $nvme_builddir ]] || echo "| ec2-xvd-alias nvme | not measured (no NVME_BUILDDIR) | |"
		echo
		echo "| summary | |"
		echo "| --- | --- |"
		sed -n 's/^\([^:][^:]*\): \(.*\)$/| \1 | \2 |/p' "$work/summary"
	} >"$out.tmp" && mv "$out.tmp" "$out"
}
if ! write_figures; then
	echo "bench.sh: could not write build-logs/figures/bench.md" >&2
	exit 1
fi
