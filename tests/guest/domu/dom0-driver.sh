#!/bin/bash
# The dom0 side of the domU tier (run-domu-tests.sh copies this file into
# the payload as guest/run-scenarios.sh, which the image's
# ec2xa-guest-entry runs):
#
#   dom0-driver.sh PAYLOAD OUT
#
# The dom0 plays EC2's host: a LIO target with three LUNs behind two
# portals on a bridge that exists only inside the VM (xenbr0, 10.99.0.0/24,
# no QEMU network device), and one PV domU booting Debian's 6.1 kernel
# from the disk the host attached (virtio serial ec2xa-domu): xvda (root,
# partitioned) and xvdf (ext4 data volume).
#
# The domU has only amazon-ec2-utils' rule at its cold start (xl create):
# its first boot shows the collision, then rpm -i runs live on it and it
# reboots from inside; its second boot is a boot with the package
# installed, then rpm -e runs live on it. domu-check.sh checks each boot.
#
# Prints "EC2XA-VERDICT <verdict line>" per check group, and
# "EC2XA-TIMING ..." lines, on the console; copies every domU boot's results
# and logs to OUT/domu/.
set -u
export PAYLOAD=$1 OUT=$2
# shellcheck source=/dev/null # tests/guest/guest/lib.sh, checked on its own
. "$PAYLOAD/guest/lib.sh"
exec 2>>"$OUT/driver.log"
set -x

IQN=iqn.2003-01.org.linux-iscsi.ec2xa:target
BRIDGE=xenbr0
PORTAL_IPS="10.99.0.1 10.99.0.3"
DOMU_IP=10.99.0.2/24
LUN_MIBS="96 48 80"
# 512 MiB is plenty for the domU's systemd, iscsid and multipathd, and
# leaves room for a second domain while Xen still scrubs the pages of the
# one before: with 1 GiB domUs, a restart (reboot from inside) sometimes
# failed with "can't allocate low memory for domain" under TCG.
DOMU_MIB=512
DOMU_BOOT_TIMEOUT=${DOMU_BOOT_TIMEOUT:-1500}
DOMU=ec2xa-domu
DOMU_OUT=$OUT/domu
ALL="domu-control-stock domu-rpm-install-live domu-boot-ours domu-rpm-erase-live"
# shellcheck source=/dev/null
[ -f "$PAYLOAD/config.sh" ] && . "$PAYLOAD/config.sh"

verdict() { console "EC2XA-VERDICT $*"; echo "$*" >>"$OUT/verdicts.txt"; }
timing() { console "EC2XA-TIMING $*"; }
note() { console "EC2XA-NOTE $*"; }

# ---------------------------------------------------------------- dom0 setup

# The in-VM network: a bridge with the two portal addresses. The domU's vif
# joins it (Xen's vif-bridge script); nothing leaves the VM.
setup_bridge() {
	local ip
	ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge || return 1
	for ip in $PORTAL_IPS; do
		ip addr add "$ip/24" dev "$BRIDGE" 2>/dev/null
	done
	ip link set "$BRIDGE" up
}

# LIO in configfs (as lib.sh's setup_target does for the dom0 tier): three
# fileio LUNs, one target, two network portals.
setup_target3() {
	local cfs=/sys/kernel/config/target tpg i mib ip
	run 60 modprobe -a target_core_mod target_core_file iscsi_target_mod || return 1
	mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
	mkdir -p "$WORK"
	i=0
	for mib in $LUN_MIBS; do
		rm -f "$WORK/lun$i.img"
		truncate -s "${mib}M" "$WORK/lun$i.img"
		mkdir -p "$cfs/core/fileio_$i/lun$i"
		echo "fd_dev_name=$WORK/lun$i.img,fd_dev_size=$((mib * 1048576))" \
			>"$cfs/core/fileio_$i/lun$i/control" || return 1
		echo 1 >"$cfs/core/fileio_$i/lun$i/enable" || return 1
		# A distinct leading hex digit per LUN: LIO builds the NAA WWN
		# from the first digits, and equal ones would merge the LUNs
		# into one multipath map (see lib.sh).
		echo "${i}ec2a11a-5000-4000-8000-00000000000$i" \
			>"$cfs/core/fileio_$i/lun$i/wwn/vpd_unit_serial" || return 1
		i=$((i + 1))
	done
	tpg="$cfs/iscsi/$IQN/tpgt_1"
	mkdir -p "$tpg" || return 1
	for ip in $PORTAL_IPS; do
		mkdir -p "$tpg/np/$ip:3260" || return 1
	done
	for i in 0 1 2; do
		mkdir -p "$tpg/lun/lun_$i"
		ln -s "$cfs/core/fileio_$i/lun$i" "$tpg/lun/lun_$i/ec2xa_lun$i" || return 1
	done
	echo 0 >"$tpg/attrib/authentication"
	echo 1 >"$tpg/attrib/generate_node_acls"
	echo 1 >"$tpg/attrib/cache_dynamic_acls"
	echo 0 >"$tpg/attrib/demo_mode_write_protect"
	echo 1 >"$tpg/enable" || return 1
	log "LIO target $IQN on $PORTAL_IPS port 3260 with 3 LUNs"
}

# The domU's data volume: 32 MiB ext4 with a marker file whose checksum
# the domU verifies at every boot.
make_xvdf() {
	local img=$1 d
	d=$(mktemp -d)
	make_pattern "$d/marker" MARKER
	rm -f "$img"
	truncate -s 32M "$img"
	mkfs.ext4 -q -F -L ec2xa-data -d "$d" "$img" >&2 || return 1
	sha256sum <"$d/marker" | cut -d' ' -f1
	rm -rf "$d"
}

disk_by_serial() {
	local d
	for d in /sys/block/vd*; do
		[ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] && {
			echo "/dev/${d##*/}"
			return 0
		}
	done
	return 1
}

# prepare_domu DISK MARKER_SHA: make the domU's root disk an instance with
# only the stock rule. The image's dom0 test runner is disabled; open-iscsi
# logs in at boot; the RPM waits in /root for the domU to install it live.
prepare_domu() {
	local disk=$1 sha=$2 m=/mnt/domu rpmf xvda_mib
	mkdir -p "$m"
	run 120 mount "${disk}1" "$m" || return 1
	xvda_mib=$(($(blockdev --getsize64 "$disk") / 1048576))
	echo "$DOMU" >"$m/etc/hostname"
	rm -f "$m/etc/systemd/system/multi-user.target.wants/ec2xa-guest.service"
	# The image masks these for the dom0 tier; an instance logs in at boot.
	rm -f "$m/etc/systemd/system/open-iscsi.service"
	find "$m/etc/modules-load.d" -lname /dev/null -name '*iscsi*' -delete
	mount -t proc proc "$m/proc"
	# The instance's own line for its data volume, under the stock rule's
	# name. The stock rule makes no /dev/xvd-sdf, so a line naming it
	# would send the first boot to emergency mode: the domU adds our
	# docs' /dev/xvd-sdf line itself after rpm -i (domu-check.sh). At
	# boot 2 both lines name one file system: no fsck of its own for this
	# one, and its mount after /data's. Otherwise the two fsck services
	# run at once, and the e2fsck that holds xvdf exclusively makes the
	# other line's fsck or mount fail ("Can't open blockdev"): /data, not
	# nofail, then sends the boot to emergency mode.
	{
		echo "LABEL=ec2xa-domu / ext4 rw,errors=remount-ro 0 1"
		echo "/dev/sdf /data2 ext4 defaults,nofail,x-systemd.after=data.mount 0 0"
	} >"$m/etc/fstab"
	mkdir -p "$m/data" "$m/data2"
	# Network: systemd-networkd, static address on the Xen vif.
	mkdir -p "$m/etc/systemd/network"
	printf '[Match]\nMACAddress=00:16:3e:ec:2a:02\n\n[Network]\nAddress=%s\n' "$DOMU_IP" \
		>"$m/etc/systemd/network/10-vif.network"
	echo "InitiatorName=iqn.2003-01.org.linux-iscsi.ec2xa:domu" >"$m/etc/iscsi/initiatorname.iscsi"
	sed -i 's/^node.startup = .*/node.startup = automatic/' "$m/etc/iscsi/iscsid.conf"
	rm -rf "$m/etc/iscsi/nodes" "$m/etc/iscsi/send_targets"
	# iscsiadm locks its database in /run/lock/iscsi; at boot a tmpfs
	# hides what this leaves in the image's /run.
	mkdir -p "$m/run/lock"
	local ip
	for ip in $PORTAL_IPS; do
		run 60 chroot "$m" iscsiadm -m node -o new -T "$IQN" -p "$ip:3260,1" >&2 || return 1
		run 60 chroot "$m" iscsiadm -m node -T "$IQN" -p "$ip:3260" -o update \
			-n node.startup -v automatic >&2 || return 1
	done
	grep -r 'node.startup' "$m/etc/iscsi/nodes" >&2
	run 120 chroot "$m" systemctl enable open-iscsi.service iscsid.socket multipathd.service \
		systemd-networkd.service systemd-networkd-wait-online.service >&2 || return 1
	# amazon-ec2-utils' rule and script where Amazon Linux 2023 has them.
	install -D -m 755 "$PAYLOAD/stock/ec2udev-vbd" "$m/usr/sbin/ec2udev-vbd"
	install -D -m 644 "$PAYLOAD/stock/51-ec2-hvm-devices.rules" "$m/usr/lib/udev/rules.d/51-ec2-hvm-devices.rules"
	rpmf=
	if [ -n "$RPMF" ]; then
		cp "$RPMF" "$m/root/" || {
			umount "$m/proc"
			umount "$m"
			return 1
		}
		rpmf=$(basename "$RPMF")
	fi
	install -D -m 644 "$PAYLOAD/guest/lib.sh" "$m/usr/local/lib/ec2xa/lib.sh"
	install -D -m 755 "$PAYLOAD/domu/domu-check.sh" "$m/usr/local/sbin/ec2xa-domu-check"
	install -D -m 644 "$PAYLOAD/domu/ec2xa-domu-check.service" "$m/etc/systemd/system/ec2xa-domu-check.service"
	ln -sf /etc/systemd/system/ec2xa-domu-check.service \
		"$m/etc/systemd/system/multi-user.target.wants/ec2xa-domu-check.service"
	mkdir -p "$m/etc/ec2xa-domu"
	printf 'RPM=%s\nMARKER_SHA=%s\nXVDA_MIB=%s\n' "$rpmf" "$sha" "$xvda_mib" \
		>"$m/etc/ec2xa-domu/plan"
	rm -rf "$m/var/lib/ec2xa-domu"
	umount "$m/proc"
	run 120 umount "$m" || return 1
}

# ---------------------------------------------------------------- domU runs

HOTPLUG=/etc/xen/scripts/ec2xa-hotplug
write_cfg() {
	local disk=$1 k i loop
	# xvdf's image on a loop device of our own: the hotplug script then
	# only has to name a block device (see ec2xa-hotplug).
	loop=$(losetup -j "$WORK/xvdf.img" | cut -d: -f1 | head -n 1)
	[ -n "$loop" ] || loop=$(losetup -f --show "$WORK/xvdf.img") || return 1
	k=$(find /boot -maxdepth 1 -name 'vmlinuz-*' | sort -V | tail -n 1)
	i=$(find /boot -maxdepth 1 -name 'initrd.img-*' | sort -V | tail -n 1)
	cat >"$WORK/domu.cfg" <<EOF
name = "$DOMU"
type = "pv"
kernel = "$k"
ramdisk = "$i"
extra = "root=LABEL=ec2xa-domu ro console=hvc0 loglevel=4 systemd.show_status=error"
memory = $DOMU_MIB
vcpus = 2
disk = [ 'format=raw,vdev=xvda,access=rw,script=$HOTPLUG,target=$disk',
         'format=raw,vdev=xvdf,access=rw,script=$HOTPLUG,target=$loop' ]
vif = [ 'mac=00:16:3e:ec:2a:02,bridge=$BRIDGE,script=$HOTPLUG' ]
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
EOF
}

xen_free_mib() { xl info 2>/dev/null | awk '$1 == "free_memory" {print $3}'; }
# wait_xen_free MIB SECONDS: until Xen has MIB free (checked every 2 s, as
# xl itself is not cheap under TCG); says so and goes on when it has not.
wait_xen_free() {
	local end=$(($(date +%s) + $2)) free
	while :; do
		free=$(xen_free_mib)
		[ "${free:-0}" -ge "$1" ] && return 0
		[ "$(date +%s)" -lt "$end" ] || break
		sleep 2
	done
	log "Xen has ${free:-?} MiB free after $2 s, want $1; trying anyway"
}

# 0 while the domain exists. An xl that fails without saying the domain is
# unknown (it crashed, xenstored was slow) counts as "still there".
domain_exists() {
	local out rc
	out=$(timeout 60 xl list 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] || {
		log "xl list exit $rc: $out"
		return 0
	}
	awk -v n="$DOMU" '$1 == n {f = 1} END {exit !f}' <<<"$out"
}

# The domU's console as xenconsoled logs it (restarted with --log=guest).
DOMU_CONSOLE=/var/log/xen/console/guest-$DOMU.log

# forward_console FROM: the domU's console lines from line FROM on to the
# dom0's (its markers as notes), so a slow or stuck boot shows where it
# is. Prints the number of lines seen.
forward_console() {
	local seen=$1 k
	k=$(wc -l <"$DOMU_CONSOLE" 2>/dev/null)
	if [ "${k:-0}" -gt "$seen" ]; then
		tail -n +"$((seen + 1))" "$DOMU_CONSOLE" | head -n "$((k - seen))" | tr -d '\r' |
			while IFS= read -r line; do
				case $line in
				*EC2XA-DOMU-*) note "domU: ${line#*EC2XA-}" ;;
				*) console "domU| $line" ;;
				esac
			done
		seen=$k
	fi
	echo "$seen"
}

# 0 once the dom0 has no Xen disk or vif backend left of a domain before,
# waiting at most $1 s.
wait_backends_gone() {
	local end=$(($(date +%s) + $1)) left
	while :; do
		left=$(xenstore-list /local/domain/0/backend/vbd /local/domain/0/backend/vif 2>/dev/null)
		[ -z "$left" ] && return 0
		[ "$(date +%s)" -lt "$end" ] || break
		sleep 2
	done
	log "backends of domains $(echo "$left" | tr '\n' ' ')still there after $1 s"
	return 1
}

# create_domu BOOT: xl create, up to three times. libxl gives a new Xen
# disk's backend 10 s to reach InitWait, and once under TCG, just after the
# domain before had gone, it took longer: "unable to add device with path
# /local/domain/0/backend/vbd/2/51712", and the reboot from inside had no
# second boot. A failed try is undone (xl destroy), noted, and written to
# OUT/domu/bootBOOT.create, which the verdict lists as a fact.
create_domu() {
	local b=$1 try
	mkdir -p "$DOMU_OUT"
	for try in 1 2 3; do
		wait_backends_gone 60
		# The pages of the domain before may still be being scrubbed.
		wait_xen_free $((DOMU_MIB + 64)) 180
		run 300 xl create "$WORK/domu.cfg" >&2 && return 0
		note "xl create of the domU failed (try $try of 3)"
		echo "xl create failed at try $try (libxl's error in driver.log), created again" >>"$DOMU_OUT/boot$b.create"
		domain_exists && run 60 xl destroy "$DOMU" >&2
		sleep 5
	done
	return 1
}

# run_domu DISK BOOTS: xl create, then wait (bounded) until the domain is
# gone. The domU reboots itself (systemctl reboot) after its first boot
# when it has a package to test; each reboot ends the domain (on_reboot =
# "destroy") and the driver creates it again from the same config, which
# is what xl's own on_reboot = "restart" does (destroy, then create), minus
# the background xl process that has to survive for it: under TCG that
# process sometimes did not, and the domain was simply gone. BOOTS bounds
# the boots. Copies the results out.
run_domu() {
	local disk=$1 boots=$2 t0 m=/mnt/domu end b=0 seen=0
	write_cfg "$disk" || return 1
	t0=$(now_ms)
	end=$(($(date +%s) + DOMU_BOOT_TIMEOUT))
	while [ "$b" -lt "$boots" ]; do
		b=$((b + 1))
		create_domu "$b" || break
		note "domU created for boot $b (domid $(xl domid "$DOMU" 2>/dev/null))"
		while domain_exists; do
			seen=$(forward_console "$seen")
			if [ "$(date +%s)" -gt "$end" ]; then
				log "domU still running after ${DOMU_BOOT_TIMEOUT}s"
				run 60 xl destroy "$DOMU"
				break 2
			fi
			sleep 2
		done
		seen=$(forward_console "$seen")
		# Another boot only after this one's checks finished: the domU
		# asked for it (it reboots after boot 1 when it installed the
		# package).
		[ "$(grep -ac 'EC2XA-DOMU-DONE' "$DOMU_CONSOLE" 2>/dev/null)" -ge "$b" ] || break
		grep -aq 'reboot: Restarting system' <(tail -n 5 "$DOMU_CONSOLE") || break
	done
	timing "domu-run $(($(now_ms) - t0)) ms"
	# Never read the disk of a running domain.
	if domain_exists; then
		run 60 xl destroy "$DOMU" >&2
		sleep 5
	fi
	mkdir -p "$DOMU_OUT"
	cp "$DOMU_CONSOLE" "$DOMU_OUT/console.log" 2>/dev/null
	cp /var/log/xen/xl-"$DOMU".log* "$DOMU_OUT/" 2>/dev/null
	run 120 mount -o ro "${disk}1" "$m" || return 1
	cp -a "$m/var/lib/ec2xa-domu/." "$DOMU_OUT/" 2>/dev/null
	umount "$m"
}

# ---------------------------------------------------------------- verdicts

# The pattern a domU boot (the one with the package) wrote through a LUN's
# by-id link must be in that LUN's backing file, and in neither Xen disk at
# that offset.
check_patterns() {
	local r=$1 xvda=$2 xvdf=$3 lun off tag rest pat n=0
	[ -s "$r/patterns" ] || {
		echo "no data written through the LUNs' by-id links"
		return 1
	}
	pat=$(mktemp)
	while read -r lun off tag rest; do
		yes "$tag" | head -c 1048576 >"$pat"
		if ! dd if="$WORK/lun$lun.img" bs=1M skip="$off" count=1 status=none | cmp -s - "$pat"; then
			echo "LUN $lun: data written via ${rest%% *} not in lun$lun.img"
		elif dd if="$xvda" bs=1M skip="$off" count=1 iflag=direct status=none | cmp -s - "$pat" ||
			dd if="$xvdf" bs=1M skip="$off" count=1 status=none 2>/dev/null | cmp -s - "$pat"; then
			echo "LUN $lun: data written via ${rest%% *} landed on a Xen disk"
		else
			n=$((n + 1))
		fi
	done <"$r/patterns"
	rm -f "$pat"
	echo "OK $n"
}

# one_verdict NAME PROBLEMFILE FACTFILE [EXTRA PROBLEM LINES FILE]
one_verdict() {
	local name=$1 pf=$2 ff=$3 xf=${4:-}
	local probs
	probs=$(cat "$pf" ${xf:+"$xf"} 2>/dev/null | grep -v '^$')
	if [ ! -e "$pf" ]; then
		verdict "FAIL: $name: no result from the domU (${NO_RESULT_WHY:-see domu-*/console.log, driver.log})"
	elif [ -n "$probs" ]; then
		verdict "FAIL: $name: $(head -n 8 <<<"$probs" | paste -sd ';' | cut -c1-900)"
	else
		verdict "PASS: $name: $(grep -v '^$' "$ff" 2>/dev/null | paste -sd ';' | cut -c1-900)"
	fi
}

timing_of() { awk -v k="$2" '$1 == k {print $2}' "$1/timing" 2>/dev/null; }

# boot_facts BOOT LINE: how the domain came up (xl create's retries, the
# boot's times) as facts of that boot's verdict.
boot_facts() {
	local r=$DOMU_OUT/boot$1
	[ -f "$DOMU_OUT/boot$1.create" ] && cat "$DOMU_OUT/boot$1.create" >>"$r/facts.boot"
	echo "$2" >>"$r/facts.boot"
}

# Boot 1: the control, then the live install. With only the stock rule
# the maps do not get ready (failed paths), so its line has no ready time.
verdicts_boot1() {
	local r=$DOMU_OUT/boot1
	[ -d "$r" ] && boot_facts 1 "cold start (xl create); login complete at $(timing_of "$r" login_done_s) s"
	one_verdict domu-control-stock "$r/problems.boot" "$r/facts.boot"
	[ -d "$r" ] && timing "domu-control-stock login_done $(timing_of "$r" login_done_s) s"
	[ -n "$RPMF" ] || return 0
	one_verdict domu-rpm-install-live "$r/problems.rpm-i" "$r/facts.rpm-i"
}

# Boot 2: the package at a real boot, then the live erase. The dom0 adds
# what only it can check: the LUN data in the backing files, and the Xen
# disks' links against those boot 1 had after the live install.
verdicts_boot2() {
	local r=$DOMU_OUT/boot2 extra=$DOMU_OUT/boot2.dom0-problems pc
	local was=$DOMU_OUT/boot1/links.xvd
	: >"$extra"
	if [ -d "$r" ]; then
		pc=$(check_patterns "$r" "$DISK" "$WORK/xvdf.img")
		grep -v '^OK ' <<<"$pc" >>"$extra"
		grep -q '^OK 3$' <<<"$pc" &&
			echo "1 MiB through each of the 3 LUNs' by-id links is in its backing file, not on a Xen disk" >>"$r/facts.boot"
		if [ ! -f "$was" ]; then
			echo "no Xen disk link list from boot 1's live install to compare with" >>"$extra"
		elif diff -u "$was" "$r/links.xvd" >"$r/links.diff"; then
			echo "Xen disk links as after the live install in boot 1 ($(wc -l <"$r/links.xvd") devices: $(cut -d: -f2 "$r/links.xvd" | tr ' ' '\n' | grep -c .) links)" >>"$r/facts.boot"
		else
			echo "Xen disk links differ from those after the live install in boot 1: $(grep '^[-+][^-+]' "$r/links.diff" | head -n 4 | tr '\n' ';')" >>"$extra"
		fi
		boot_facts 2 "reboot from inside, the package installed live in boot 1; login complete at $(timing_of "$r" login_done_s) s, maps ready at $(timing_of "$r" ready_s) s"
	fi
	one_verdict domu-boot-ours "$r/problems.boot" "$r/facts.boot" "$extra"
	[ -d "$r" ] && timing "domu-boot-ours login_done $(timing_of "$r" login_done_s) s ready $(timing_of "$r" ready_s) s"
	one_verdict domu-rpm-erase-live "$r/problems.rpm-e" "$r/facts.rpm-e"
}

# ---------------------------------------------------------------- main

fail_all() {
	local s
	for s in $ALL; do
		verdict "FAIL: $s: $*"
	done
	exit 0
}

t_setup=$(now_ms)
xen_ready || fail_all "Xen toolstack not ready (xl info failed)"
note "dom0 $(uname -r) udev $(udevadm --version) xen $(xl info 2>/dev/null | awk '$1 == "xen_major" {a = $3} $1 == "xen_minor" {b = $3} $1 == "xen_extra" {c = $3} END {print a "." b c}') free $(xen_free_mib) MiB"
# Guest consoles to files, for the logs.
if pid=$(pidof xenconsoled); then
	kill "$pid"
	sleep 1
	mkdir -p /var/log/xen/console
	xenconsoled --log=guest --log-dir=/var/log/xen/console || log "cannot restart xenconsoled with logging"
fi
install -m 755 "$PAYLOAD/domu/ec2xa-hotplug" "$HOTPLUG"
setup_bridge || fail_all "cannot make bridge $BRIDGE"
setup_target3 || fail_all "LIO target setup failed"
DISK=$(disk_by_serial ec2xa-domu) || fail_all "no domU disk ec2xa-domu"
sha=$(make_xvdf "$WORK/xvdf.img") || fail_all "cannot make xvdf"
RPMF=$(find "$PAYLOAD/rpm" -name 'ec2-xvd-alias-*.rpm' 2>/dev/null | head -n 1)
# Without an RPM the domU powers off after the control: one boot.
boots=2
if [ -z "$RPMF" ]; then
	boots=1
	for s in domu-rpm-install-live domu-boot-ours domu-rpm-erase-live; do
		verdict "SKIP: $s: needs the package: ${RPM_SKIP_REASON:-no RPM}"
	done
fi
NO_RESULT_WHY=
if ! prepare_domu "$DISK" "$sha"; then
	log "prepare_domu failed"
	NO_RESULT_WHY="preparing its disk in the dom0 failed, see driver.log"
fi
timing "dom0-setup $(($(now_ms) - t_setup)) ms"
if [ -z "$NO_RESULT_WHY" ] && ! run_domu "$DISK" "$boots"; then
	NO_RESULT_WHY="xl create or reading its disk failed, see driver.log"
fi
verdicts_boot1
[ -n "$RPMF" ] && verdicts_boot2
exit 0
