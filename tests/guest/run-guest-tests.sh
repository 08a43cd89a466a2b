#!/bin/bash
# Tier 3: the real-system test. Xen 4.17 boots under QEMU TCG with Debian's
# 6.1 kernel as PV dom0; dom0 attaches Xen disks to itself (real
# xen-blkfront xvd*), logs in to a LIO iSCSI target on 127.0.0.1 (real sd*),
# with multipath. See README.md beside this file.
#
#   run-guest-tests.sh BUILDDIR [RPMDIR [DEBDIR]]
#
# RPMDIR holds the binary RPM (packaging/rpm/build-rpm.sh), DEBDIR the
# .deb (packaging/deb/build-deb.sh) that the Nitro scenarios install with
# dpkg beside Debian's real amazon-ec2-utils.
#
# Exit 0 all scenarios passed or skipped, 1 a scenario failed, 77 the tier
# cannot run here (reason on stderr). Never touches this machine's /dev,
# /sys or /run/udev: everything happens inside the guest.
#
# Environment:
#   SCENARIOS="boot-order relogin"  run only these (the guest adds nothing)
#   KEEP_GUEST=1                    keep the guest's disk overlay
#   EC2XA_GUEST_CACHE=DIR           image cache (/var/cache/ec2-xvd-alias/guest)
#   EC2XA_GUEST_WORK=DIR            logs and overlay (a new /var/tmp dir)
#   EC2XA_GUEST_TIMEOUT=SECONDS     bound of the test boot (2700)
#   EC2XA_SCENARIO_TIMEOUT=SECONDS  bound of one scenario (600)
#   HANDOVER_REPS=N                 repetitions per kind of handover-latency
#                                   and nitro-handover-latency (7)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# The default run (CI). The Nitro scenarios run after the Xen ones. Run
# only when named, because another scenario of the list makes their
# checks: mount-handover-nompath (the same table as mount-handover),
# children-max-1 and many-at-once (many-at-once-1worker makes every check
# of many-at-once's round, with one worker), relogin (the give-back after
# a logout: many-at-once-1worker, mount-handover, nitro; a second login:
# mount-handover), boot-order and rpm (the domU tier, run-domu-tests.sh,
# does them at a real boot and on a live instance); and handover-latency
# and nitro-handover-latency, which measure (their tables go to
# build-logs/figures/guest.md). The last,
# nitro-boot-prepare, makes the guest's root a Nitro instance, which the
# host then boots with no Xen and SELinux enforcing (nitro-selinux), which
# is also the check of a reboot.
all="stock-control repair login-first trigger-change holder-event-in-flight mount-handover many-at-once-1worker nitro-stock-control nitro-live-install nitro nitro-sda1-stock-control nitro-sda1 nitro-boot-prepare"
TIER=guest HERE=$here
# shellcheck source=tests/guest/tier-lib.sh
. "$here/tier-lib.sh"

[ $# -ge 1 ] || skip77 "usage: run-guest-tests.sh BUILDDIR [RPMDIR [DEBDIR]]"
builddir=$1
rpmdir=${2:-}
debdir=${3:-}
[ "$(id -u)" -eq 0 ] || skip77 "needs root (debootstrap, mkfs, QEMU image handling)"
[ "$(uname -m)" = x86_64 ] || skip77 "needs an x86_64 host"

# ---------------------------------------------------------------- host deps, image

tier_host_deps
tier_image
img=$IMG
tier_image_done

# ---------------------------------------------------------------- payload

work=${EC2XA_GUEST_WORK:-$(mktemp -d /var/tmp/ec2xa-guest.XXXXXX)}
mkdir -p "$work"
rm -rf "$work/payload" "$work/out"
mkdir -p "$work/payload/stock" "$work/payload/rpm" "$work/payload/deb" "$work/out"
cp -r "$here/guest" "$work/payload/guest"
tier_stock_xen "$work/payload/stock"
# The instance's rule set (issue 18 item 5), installed once in the guest
# before the first scenario (guest/lib.sh, install_instance_rules): what
# amazon-ec2-utils puts beside the rule we replace.
#  - REAL: Debian's amazon-ec2-utils package (tests/stock/real-amazon-ec2-utils.sh),
#    the .deb itself, which the guest installs with dpkg: Amazon's
#    70-ec2-nvme-devices.rules unchanged and the real Python ebsnvme-id.
#  - the empty /etc/udev/rules.d/60-cdrom_id.rules of AL2023's package
#    (an empty file is what it is: nothing stands in).
#  - 51-ec2-xen-vbd-devices.rules: tests/stock's STAND-IN (its first line
#    says so), the rule tier's too.
mkdir -p "$work/payload/instance"
: >"$work/payload/instance/60-cdrom_id.rules"
xvbd=$src/tests/stock/51-ec2-xen-vbd-devices.rules
install -m 644 "$xvbd" "$work/payload/instance/51-ec2-xen-vbd-devices.rules"
say "51-ec2-xen-vbd-devices.rules: ${xvbd#"$src"/} ($(head -n 1 "$xvbd" | cut -c1-100))"
if aeu=$("$src/tests/stock/real-amazon-ec2-utils.sh" 2>"$work/real-amazon-ec2-utils.log") && [ -f "$aeu.deb" ]; then
	cp "$aeu.deb" "$work/payload/instance/"
	say "real amazon-ec2-utils: $(basename "$aeu.deb")"
else
	say "no real amazon-ec2-utils ($(tail -n 1 "$work/real-amazon-ec2-utils.log")): the Nitro scenarios will SKIP"
fi

# The project as meson installs it (helper, rule, man pages, ...).
if [ -f "$builddir/build.ninja" ]; then
	if DESTDIR="$work/payload/install" meson install -C "$builddir" --no-rebuild \
		>"$work/meson-install.log" 2>&1; then
		say "installed $builddir: $(cd "$work/payload/install" && find . -type f | tr '\n' ' ')"
	else
		say "meson install failed (see $work/meson-install.log): scenarios needing the helper will SKIP"
		rm -rf "$work/payload/install"
	fi
else
	say "$builddir is not a meson build dir: scenarios needing the helper will SKIP"
fi

if [ -n "$rpmdir" ]; then
	rpmf=$(tier_rpm "$rpmdir")
	if [ -n "$rpmf" ]; then
		cp "$rpmf" "$work/payload/rpm/"
		say "RPM: $(basename "$rpmf")"
	else
		say "no binary ec2-xvd-alias RPM in $rpmdir"
	fi
fi

# The TEST DOUBLE that gives QEMU's NVMe controller an EBS identity
# (scenario nitro installs it in the guest's /etc/ld.so.preload).
if ! "$src/tests/guest/nvme-shim/build.sh" "$work/payload/nvme-shim" >"$work/nvme-shim-build.log" 2>&1; then
	say "nvme-shim build failed (see $work/nvme-shim-build.log): scenario nitro will SKIP"
	rm -rf "$work/payload/nvme-shim"
fi

deb_reason="no DEBDIR given"
if [ -n "$debdir" ]; then
	debf=$(find "$debdir" -maxdepth 1 -name 'ec2-xvd-alias_*.deb' 2>/dev/null | sort -V | tail -n 1)
	if [ -n "$debf" ]; then
		cp "$debf" "$work/payload/deb/"
		say "deb: $(basename "$debf")"
	else
		deb_reason="no ec2-xvd-alias .deb in $debdir"
		say "$deb_reason"
	fi
fi

want=${SCENARIOS:-$all}
rpm_reason="no RPMDIR given"
[ -n "$rpmdir" ] && rpm_reason="no binary ec2-xvd-alias RPM in $rpmdir"
{
	printf 'SCENARIOS="%s"\n' "$want"
	printf 'export RPM_SKIP_REASON="%s"\n' "$rpm_reason"
	printf 'export DEB_SKIP_REASON="%s"\n' "$deb_reason"
	# The bound of one scenario in the guest (run-scenarios.sh: 600 s).
	[ -z "${EC2XA_SCENARIO_TIMEOUT:-}" ] || printf 'SCENARIO_TIMEOUT=%d\n' "$EC2XA_SCENARIO_TIMEOUT"
	# The repetitions per kind of the two latency scenarios (7).
	[ -z "${HANDOVER_REPS:-}" ] || printf 'export HANDOVER_REPS=%d\n' "$HANDOVER_REPS"
} >"$work/payload/config.sh"
tar -cf "$work/payload.tar" -C "$work/payload" .
truncate -s 64M "$work/out.img"
rm -f "$work/overlay.qcow2"
qemu-img create -q -f qcow2 -b "$img/rootfs.img" -F raw "$work/overlay.qcow2"
# The NVMe volume of the Nitro scenarios, blank at every boot.
rm -f "$work/nvme.img"
truncate -s 80M "$work/nvme.img"

# ---------------------------------------------------------------- boot

console="$work/console.log"
: >"$console"
xen_args="console=com1 com1=115200,8n1 dom0_mem=1800M,max:1800M dom0_max_vcpus=2 loglvl=warning guest_loglvl=warning"
# No commas: QEMU's multiboot -initrd splits modules on them.
# systemd.show_status=error: no "Job running" spinner on the 115200 baud
# serial line for the whole run.
dom0_args="root=LABEL=ec2xa-root rw console=hvc0 earlyprintk=xen loglevel=4 systemd.show_status=error"
say "booting Xen + dom0 under QEMU TCG; console: $console"
t_boot0=$(date +%s)
# guest_qemu CONSOLE OUTIMG QEMULOG CPU BOOT-ARGS...: QEMU in the
# background with the guest's disks: the overlay of the image's root, the
# payload, the output disk OUTIMG and the NVMe volume of the Nitro
# scenarios. -nodefaults: no IDE CD-ROM or floppy, so the guest's only SCSI
# disks are the iSCSI ones. TCG: the nested /dev/kvm here cannot run it.
guest_qemu() {
	local console=$1 outimg=$2 qlog=$3 cpu=$4
	shift 4
	qemu-system-x86_64 -nodefaults -machine pc,accel=tcg -cpu "$cpu" -smp 2 -m 2048 \
		-display none -monitor none -serial "file:$console" -no-reboot "$@" \
		-drive "file=$work/overlay.qcow2,if=none,id=root,format=qcow2,cache=unsafe" \
		-device virtio-blk-pci,drive=root,serial=ec2xa-root \
		-drive "file=$work/payload.tar,if=none,id=payload,format=raw,readonly=on" \
		-device virtio-blk-pci,drive=payload,serial=ec2xa-payload \
		-drive "file=$outimg,if=none,id=out,format=raw" \
		-device virtio-blk-pci,drive=out,serial=ec2xa-out \
		-drive "file=$work/nvme.img,if=none,id=nvme0,format=raw" \
		-device nvme,serial=vol0123456789abcdef0,drive=nvme0 \
		-net none >"$qlog" 2>&1 &
}
# -cpu max,-smap,-smep: with SMAP the PV dom0 dies at its first exception
# (DESIGN 6.3).
guest_qemu "$console" "$work/out.img" "$work/qemu.log" max,-smap,-smep \
	-kernel "$img/xen" -append "$xen_args" -initrd "$img/vmlinuz $dom0_args,$img/initrd.img"
qpid=$!

tier_watch "$qpid" "$console" "$t_boot0" "${EC2XA_GUEST_TIMEOUT:-2700}" guest
booted=$BOOTED
t_qemu=$T_TOTAL
consoles=("$console")
tar -xf "$work/out.img" -C "$work/out" 2>/dev/null || say "no output tar from the guest"

# ---------------------------------------------------------------- Nitro boot
# nitro-boot-prepare, the last scenario of the Xen boot, made the guest's
# root a Nitro instance (scenarios-nitro.sh says what it has) and labeled
# it for SELinux. Boot that root with no Xen, the kernel straight under
# QEMU as Nitro runs an instance under KVM, with the same disks (the NVMe
# volume as the Xen boot left it) and Debian's SELinux policy enforcing;
# the runner checks the boot (nitro-selinux), the reboot's check too: the
# volume's stable links are those recorded before it.
# EC2XA_SELINUX_ENFORCING=0 boots it permissive instead (every denial
# logged, none enforced: to see what a policy change would need).
boots=()
case " $want " in *" nitro-boot-prepare "*) boots=(nitro-selinux) ;; esac
for nb in "${boots[@]}"; do
	if [ ! -f "$work/out/nitro-boot.prepared" ]; then
		say "$nb: not booted: nitro-boot-prepare did not prepare the root"
		want="$want $nb"
		continue
	fi
	extra=
	if [ "$nb" = nitro-selinux ]; then
		if [ ! -f "$work/out/nitro-selinux.relabeled" ]; then
			say "$nb: not booted: nitro-boot-prepare did not label the root"
			want="$want $nb"
			continue
		fi
		extra=" security=selinux selinux=1 enforcing=${EC2XA_SELINUX_ENFORCING:-1} ec2xa.selinux"
	fi
	nconsole=$work/console-$nb.log
	: >"$nconsole"
	truncate -s 64M "$work/out-$nb.img"
	say "booting the Nitro instance ($nb) under QEMU TCG, no Xen; console: $nconsole"
	t0=$(date +%s)
	guest_qemu "$nconsole" "$work/out-$nb.img" "$work/qemu-$nb.log" max \
		-kernel "$img/vmlinuz" -initrd "$img/initrd.img" \
		-append "root=LABEL=ec2xa-root rw console=ttyS0,115200 loglevel=4 systemd.show_status=error ec2xa.phase=nitro-boot$extra"
	tier_watch $! "$nconsole" "$t0" 900 "$nb"
	t_qemu=$((t_qemu + T_TOTAL))
	consoles+=("$nconsole")
	mkdir -p "$work/out-$nb"
	tar -xf "$work/out-$nb.img" -C "$work/out-$nb" 2>/dev/null || say "no output tar from $nb"
	want="$want $nb"
done
tier_figures "$t_qemu" "$booted" "${consoles[@]}"

# ---------------------------------------------------------------- verdicts

pass=0 fail=0 skipped=0
for s in $want; do
	line=$(cat "${consoles[@]}" | grep -a "EC2XA-VERDICT [A-Z]*: $s: " | tail -n 1 | tr -d '\r' |
		sed 's/^.*EC2XA-VERDICT //')
	# A kernel message can split a long console line; the guest also
	# wrote every verdict to the output disk.
	if [ -z "$line" ]; then
		line=$(cat "$work"/out*/verdicts.txt 2>/dev/null | grep -a "^[A-Z]*: $s: " | tail -n 1)
	fi
	if [ -z "$line" ]; then
		if [ -z "$booted" ]; then
			line="FAIL: $s: guest never reached the test runner (see $console)"
		elif [[ $s == nitro-boot[0-9] || $s == nitro-selinux ]] && [ ! -f "$work/out/nitro-boot.prepared" ]; then
			line="FAIL: $s: not booted: nitro-boot-prepare did not prepare the root"
		else
			line="FAIL: $s: no verdict from the guest (see $work/console*.log)"
		fi
	fi
	echo "$line"
	case $line in
	PASS:*) pass=$((pass + 1)) ;;
	SKIP:*) skipped=$((skipped + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
done
# status --json from the real system, against the schema.
sj=$(tier_status_json "$work"/out*/status-json)
rc=$?
printf '%s\n' "$sj"
case $rc in
0) pass=$((pass + 1)) ;;
77) skipped=$((skipped + 1)) ;;
*) fail=$((fail + 1)) ;;
esac
say "logs: $work (console*.log, out*/*.log, out*/journal.txt)"
if [ "${KEEP_GUEST:-0}" != 1 ]; then
	# The logs stay; the disks (overlay up to a few hundred MiB) go.
	rm -f "$work/overlay.qcow2" "$work"/out*.img "$work/payload.tar" "$work/nvme.img"
fi
echo "guest: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ] || exit 1
exit 0
