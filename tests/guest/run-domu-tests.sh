#!/bin/bash
# The domU tier: boot ec2-xvd-alias as an EC2 Xen instance boots. Xen 4.17
# and a Debian 6.1 PV dom0 boot under QEMU TCG (the image of the guest tier,
# same recipe and cache); the dom0 runs a LIO target on an in-VM bridge and
# starts a PV domU whose disks xvda (root, partitioned) and xvdf (ext4 data)
# exist from early boot and whose open-iscsi logs in at boot: one boot with
# the stock rule and a live rpm -i, a reboot from inside with the package,
# and a live rpm -e. See domu/README.md.
#
#   run-domu-tests.sh RPMDIR
#
# RPMDIR holds the binary RPM of packaging/rpm/build-rpm.sh (run-tests.sh:
# build-logs/rpms); without one only the stock control runs (one boot). Exit 0 all
# passed or skipped, 1 a failure, 77 the tier cannot run here. Never touches
# this machine's /dev, /sys or /run/udev: everything happens inside QEMU.
#
# Environment:
#   EC2XA_GUEST_CACHE=DIR     image cache (/var/cache/ec2-xvd-alias/guest,
#                             shared with run-guest-tests.sh)
#   EC2XA_DOMU_WORK=DIR       logs and overlays (a new /var/tmp dir)
#   EC2XA_DOMU_TIMEOUT=SEC    bound of the whole QEMU run (3600)
#   KEEP_GUEST=1              keep the disk overlays
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
all="domu-control-stock domu-rpm-install-live domu-boot-ours domu-rpm-erase-live"

TIER=domu HERE=$here
# shellcheck source=tests/guest/tier-lib.sh
. "$here/tier-lib.sh"

[ $# -ge 1 ] || skip77 "usage: run-domu-tests.sh RPMDIR"
rpmdir=$1
[ "$(id -u)" -eq 0 ] || skip77 "needs root (debootstrap, mkfs, QEMU image handling)"
[ "$(uname -m)" = x86_64 ] || skip77 "needs an x86_64 host"
t_tier0=$(date +%s)

tier_host_deps

# ---------------------------------------------------------------- images

# The guest tier's image and cache: one build serves both tiers.
tier_image
img=$IMG t_build=$T_BUILD
# The domU's disk: the same root file system as a partition (xvda1) of a
# partitioned disk, as EC2 root volumes are, with a label and UUID of its
# own so the dom0, which sees this disk too, never takes it for its root.
if [ ! -f "$img/domu-complete" ]; then
	say "making the domU disk from the image's root file system"
	t0=$(date +%s)
	rm -f "$img/domu-root.tmp" "$img/domu-disk.img"
	rootmib=$(($(stat -c %s "$img/rootfs.img") / 1048576))
	if cp --sparse=always "$img/rootfs.img" "$img/domu-root.tmp" &&
		{ e2fsck -fy "$img/domu-root.tmp" >/dev/null 2>&1 || [ $? -le 1 ]; } &&
		tune2fs -L ec2xa-domu -U random "$img/domu-root.tmp" >/dev/null &&
		truncate -s "$((rootmib + 2))M" "$img/domu-disk.img" &&
		printf 'label: dos\nstart=1MiB, size=%sMiB, type=83\n' "$rootmib" |
		sfdisk -q "$img/domu-disk.img" &&
			dd if="$img/domu-root.tmp" of="$img/domu-disk.img" bs=1M seek=1 \
				conv=notrunc,sparse status=none; then
		rm -f "$img/domu-root.tmp"
		touch "$img/domu-complete"
		t_build=$((t_build + $(date +%s) - t0))
		say "domU disk made in $(($(date +%s) - t0))s"
	else
		rm -f "$img/domu-root.tmp" "$img/domu-disk.img"
		echo "FAIL: image: cannot make the domU disk" >&2
		exit 1
	fi
fi
tier_image_done

# ---------------------------------------------------------------- payload

work=${EC2XA_DOMU_WORK:-$(mktemp -d /var/tmp/ec2xa-domu.XXXXXX)}
mkdir -p "$work"
rm -rf "$work/payload" "$work/out"
mkdir -p "$work/payload/guest" "$work/payload/stock" "$work/payload/rpm" "$work/out"
# The image's entry runs payload/guest/run-scenarios.sh: here that is the
# dom0 driver of this tier.
install -m 644 "$here/guest/lib.sh" "$work/payload/guest/lib.sh"
install -m 755 "$here/domu/dom0-driver.sh" "$work/payload/guest/run-scenarios.sh"
cp -r "$here/domu" "$work/payload/domu"
tier_stock_xen "$work/payload/stock"
rpm_reason="no binary ec2-xvd-alias RPM in $rpmdir"
rpmf=$(tier_rpm "$rpmdir")
if [ -n "$rpmf" ]; then
	cp "$rpmf" "$work/payload/rpm/"
	say "RPM: $(basename "$rpmf")"
else
	say "$rpm_reason: only the stock control runs"
fi
printf 'export RPM_SKIP_REASON="%s"\n' "$rpm_reason" >"$work/payload/config.sh"
tar -cf "$work/payload.tar" -C "$work/payload" .
truncate -s 256M "$work/out.img"
rm -f "$work"/*.qcow2
qemu-img create -q -f qcow2 -b "$img/rootfs.img" -F raw "$work/dom0.qcow2"
qemu-img create -q -f qcow2 -b "$img/domu-disk.img" -F raw "$work/domu.qcow2"

# ---------------------------------------------------------------- boot

console="$work/console.log"
: >"$console"
# dom0 gets 1 GiB; the rest of the 3 GiB is for the domU's 512 MiB, with
# room for the pages Xen still scrubs at its reboot (the driver creates the
# domain again while the one before may not be gone from memory yet).
# As soon as a domU runs beside the dom0 under TCG, dom0 processes crash at
# random (segfaults and general protection faults in libc: xl, udevd,
# bash), with or without xpti=false pcid=0 and PCID/INVPCID. Vector
# registers corrupted when Xen switches vCPUs of two domains on one CPU fit
# that, so QEMU's CPU has no XSAVE (Xen and the guests fall back to
# FXSAVE and SSE). None of this is visible to the helper.
xen_args="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=2 xpti=false pcid=0 loglvl=warning guest_loglvl=warning"
dom0_args="root=LABEL=ec2xa-root rw console=hvc0 earlyprintk=xen loglevel=4 systemd.show_status=error"
say "booting Xen + dom0 under QEMU TCG; console: $console"
t_boot0=$(date +%s)
# As in run-guest-tests.sh: -nodefaults and no network device (the domU's
# network is a bridge inside the dom0), -cpu max,-smap,-smep for the PV dom0.
qemu-system-x86_64 -nodefaults -machine pc,accel=tcg -cpu max,-smap,-smep,-pcid,-invpcid,-xsave -smp 2 -m 3072 \
	-display none -monitor none -serial "file:$console" -no-reboot \
	-kernel "$img/xen" -append "$xen_args" \
	-initrd "$img/vmlinuz $dom0_args,$img/initrd.img" \
	-drive "file=$work/dom0.qcow2,if=none,id=root,format=qcow2,cache=unsafe" \
	-device virtio-blk-pci,drive=root,serial=ec2xa-root \
	-drive "file=$work/payload.tar,if=none,id=payload,format=raw,readonly=on" \
	-device virtio-blk-pci,drive=payload,serial=ec2xa-payload \
	-drive "file=$work/out.img,if=none,id=out,format=raw" \
	-device virtio-blk-pci,drive=out,serial=ec2xa-out \
	-drive "file=$work/domu.qcow2,if=none,id=domu,format=qcow2,cache=unsafe" \
	-device virtio-blk-pci,drive=domu,serial=ec2xa-domu \
	-net none >"$work/qemu.log" 2>&1 &
qpid=$!

tier_watch "$qpid" "$console" "$t_boot0" "${EC2XA_DOMU_TIMEOUT:-3600}" dom0
booted=$BOOTED t_total=$T_TOTAL
tier_figures "$t_total" "$booted" "$console"
tar -xf "$work/out.img" -C "$work/out" 2>/dev/null || say "no output tar from the guest"

# ---------------------------------------------------------------- verdicts

pass=0 fail=0 skipped=0
for s in $all; do
	line=$(grep -a "^[A-Z]*: $s: " "$work/out/verdicts.txt" 2>/dev/null | tail -n 1)
	if [ -z "$line" ]; then
		line=$(grep -a "EC2XA-VERDICT [A-Z]*: $s: " "$console" | tail -n 1 | tr -d '\r' |
			sed 's/^.*EC2XA-VERDICT //')
	fi
	if [ -z "$line" ]; then
		if [ -z "$booted" ]; then
			line="FAIL: $s: the dom0 never reached the test runner (see $console)"
		else
			line="FAIL: $s: no verdict from the dom0 (see $console, $work/out/driver.log)"
		fi
	fi
	echo "$line"
	case $line in
	PASS:*) pass=$((pass + 1)) ;;
	SKIP:*) skipped=$((skipped + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
done
grep -a 'EC2XA-TIMING' "$console" | tr -d '\r' | sed 's/^.*EC2XA-TIMING /timing: /'
say "logs: $work (console.log, out/driver.log, out/domu/boot*/)"
if [ "${KEEP_GUEST:-0}" != 1 ]; then
	rm -f "$work"/*.qcow2 "$work/out.img" "$work/payload.tar"
fi
say "tier took $(($(date +%s) - t_tier0))s (image and domU disk build ${t_build}s, QEMU ${t_total}s)"
echo "domu: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ] || exit 1
exit 0
