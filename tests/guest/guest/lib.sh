# shellcheck shell=bash
# Functions shared by the in-guest driver and scenarios of tier 3. Sourced,
# never run. Runs inside the Xen dom0 guest only: it attaches Xen disks,
# runs a LIO target and open-iscsi, and rewrites udev rules.
#
# Every wait is bounded; every function that can fail returns non-zero and
# says why on stderr (which the driver sends to the scenario's log).

: "${PAYLOAD:?}" "${OUT:?}"

WORK=/var/lib/ec2xa
IQN=iqn.2003-01.org.linux-iscsi.ec2xa:target
PORTAL=127.0.0.1:3260
# Sizes differ so that blockdev --getsize64 tells which disk a node is.
XVDA_MIB=64
XVDB_MIB=24
XVDC_MIB=28
XVDF_MIB=32
LUN0_MIB=96
LUN1_MIB=48
# The second target ("many"): six LUNs of 10, 12, ... 20 MiB, reachable
# through two portals, so that each LUN is two SCSI disks (two paths of
# one multipath map) and six LUNs take the names sda...sdl.
MANY_IQN=iqn.2003-01.org.linux-iscsi.ec2xa:many
MANY_LUNS=6
PORTAL2=127.0.0.2:3260
many_lun_mib() { echo $((10 + 2 * $1)); }
# Where the many-at-once patterns go (the small LUNs end at 10 MiB).
# shellcheck disable=SC2034 # used by scenarios.sh
MANY_PATTERN_OFFSET_MIB=4
# The file system of mount-handover (ext4 on xvdf) is mounted by systemd
# from several fstab lines at once, one mount point per form under test
# (scenarios.sh, MH_FORMS). Mount points without "-" so the unit names need
# no escape.
DATA_MNTS="/mnt/ec2xasdf /mnt/ec2xasdfnofail /mnt/ec2xasdfp0 /mnt/ec2xasdfp0nofail /mnt/ec2xanobind /mnt/ec2xaxvd /mnt/ec2xauuid"
CONF=/etc/ec2-xvd-alias.conf
# Where the pattern goes: inside the second partition of both xvda and
# LUN 0, in no file system, so writing it harms nothing.
PATTERN_OFFSET_MIB=40
CONSOLE=/dev/console
HELPER=${HELPER:-}
STOCK_RULE=/usr/lib/udev/rules.d/51-ec2-hvm-devices.rules
STOCK_SCRIPT=/usr/sbin/ec2udev-vbd

now_ms() { local u; read -r u _ </proc/uptime; echo "${u/./}0"; }
log() { printf '[%s] %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*" >&2; }
console() { printf '%s\n' "$*" >"$CONSOLE"; }

# Run a command with a bound, log it and its output.
run() {
	local t=$1
	shift
	log "+ $*"
	timeout --kill-after=5 "$t" "$@"
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every
# WAIT_POLL seconds (0.2). A COMMAND that runs dozens of processes polls
# slower: under TCG every process it starts takes CPU from the udev
# workers whose result it waits for.
wait_for() {
	local t=$1 what=$2 end
	shift 2
	end=$(($(now_ms) + t * 1000))
	while [ "$(now_ms)" -lt "$end" ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep "${WAIT_POLL:-0.2}"
	done
	log "timeout after ${t}s waiting for: $what"
	return 1
}

settle() {
	timeout 130 udevadm settle --timeout=120 || log "udevadm settle did not finish"
}

devnum_of() { cat "/sys/class/block/$1/dev" 2>/dev/null; }

# "MAJ:MIN" of the node a path resolves to, empty if none.
node_devnum() { stat -L -c '%Hr:%Lr' "$1" 2>/dev/null; }

# ---------------------------------------------------------------- Xen

xen_ready() {
	wait_for 180 "xenstored and xl" xl info || return 1
}

xvd_present() { [ -e "/sys/block/$1" ]; }
xvd_absent() { [ ! -e "/sys/block/$1" ]; }

# attach_xvd VDEV IMAGE: attach a Xen disk to dom0 itself (dom0's
# xen-blkfront then creates a real VDEV) and wait for it and its partitions.
attach_xvd() {
	local vdev=$1 img=$2 t0
	t0=$(now_ms)
	# libxl kills the backend's hotplug script after 40 s; the stock
	# /etc/xen/scripts/block needs that long on a loaded TCG host, so the
	# light one of the payload goes first (xen-block-light says why), the
	# stock one after a failure; the second try is logged.
	# On the root file system: the payload's tmpfs is mounted noexec.
	install -m 755 "$PAYLOAD/guest/xen-block-light" /usr/local/sbin/xen-block-light
	if ! run 120 xl block-attach 0 "format=raw,vdev=$vdev,access=rw,script=/usr/local/sbin/xen-block-light,target=$img"; then
		log "xl block-attach $vdev with the light hotplug script failed; cleaning up, trying the stock script"
		run 120 xl block-detach 0 "$vdev" >&2
		wait_for 60 "$vdev gone" xvd_absent "$vdev"
		run 120 xl block-attach 0 "format=raw,vdev=$vdev,access=rw,target=$img" || return 1
	fi
	wait_for 120 "/sys/block/$vdev" xvd_present "$vdev" || return 1
	settle
	log "attached $vdev in $(($(now_ms) - t0)) ms: $(cd /sys/block/"$vdev" && echo "$vdev"*)"
}

detach_xvd() {
	local vdev=$1
	xvd_present "$vdev" || return 0
	run 120 xl block-detach 0 "$vdev" || log "xl block-detach $vdev failed"
	wait_for 120 "$vdev gone" xvd_absent "$vdev" || return 1
	settle
}

detach_all_xvd() {
	local d rc=0
	for d in /sys/block/xvd*; do
		[ -e "$d" ] || continue
		detach_xvd "${d##*/}" || rc=1
	done
	return $rc
}

# ---------------------------------------------------------------- images

make_images() {
	mkdir -p "$WORK"
	rm -f "$WORK"/*.img
	truncate -s "${XVDA_MIB}M" "$WORK/xvda.img"
	truncate -s "${XVDB_MIB}M" "$WORK/xvdb.img"
	truncate -s "${XVDC_MIB}M" "$WORK/xvdc.img"
	truncate -s "${XVDF_MIB}M" "$WORK/xvdf.img"
	truncate -s "${XVDF_MIB}M" "$WORK/xvdf-ext4.img"
	mkfs.ext4 -q -F -L ec2xa-sdf "$WORK/xvdf-ext4.img" >&2 || return 1
	local i
	for i in $(seq 0 $((MANY_LUNS - 1))); do
		truncate -s "$(many_lun_mib "$i")M" "$WORK/many$i.img"
	done
	# Content on the plain Xen disks, so that their md5 before and after
	# a scenario means something (a stray write into zeros shows too).
	yes EC2XA-XVDB | head -c 2M | dd of="$WORK/xvdb.img" conv=notrunc status=none
	# handover-latency's Xen disk: xvdb partitioned as an Amazon Linux
	# 2023 root (GPT partitions 1, 127 and 128: root, BIOS boot, EFI).
	truncate -s "${XVDB_MIB}M" "$WORK/xvdb-al2023.img"
	printf 'label: gpt\n%s1 : start=12MiB\n%s127 : start=11MiB, size=1MiB\n%s128 : start=1MiB, size=10MiB\n' \
		"$WORK/xvdb-al2023.img" "$WORK/xvdb-al2023.img" "$WORK/xvdb-al2023.img" |
		sfdisk -q "$WORK/xvdb-al2023.img" >&2 || return 1
	yes EC2XA-XVDC | head -c 2M | dd of="$WORK/xvdc.img" conv=notrunc status=none
	truncate -s "${LUN0_MIB}M" "$WORK/lun0.img"
	truncate -s "${LUN1_MIB}M" "$WORK/lun1.img"
	# Two partitions on the Xen disk and on LUN 0: their partitions collide
	# by name too (sda1, sda2).
	printf 'label: dos\nstart=1MiB, size=31MiB\nstart=32MiB\n' |
		sfdisk -q "$WORK/xvda.img" >&2 || return 1
	printf 'label: dos\nstart=1MiB, size=31MiB\nstart=32MiB\n' |
		sfdisk -q "$WORK/lun0.img" >&2 || return 1
}

# ---------------------------------------------------------------- LIO

# tpg_enable_demo TPG: LIO demo mode (any initiator, no CHAP, writable),
# then the portal group on.
tpg_enable_demo() {
	echo 0 >"$1/attrib/authentication"
	echo 1 >"$1/attrib/generate_node_acls"
	echo 1 >"$1/attrib/cache_dynamic_acls"
	echo 0 >"$1/attrib/demo_mode_write_protect"
	echo 1 >"$1/enable"
}

# The target is built directly in configfs: the same kernel LIO target
# targetcli-fb drives, without one Python start-up (seconds under TCG) per
# command.
setup_target() {
	local cfs=/sys/kernel/config/target tpg i
	run 60 modprobe -a target_core_mod target_core_file iscsi_target_mod || return 1
	mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
	[ -d "$cfs/core" ] || {
		log "no $cfs/core"
		return 1
	}
	for i in 0 1; do
		mkdir -p "$cfs/core/fileio_$i/lun$i"
		echo "fd_dev_name=$WORK/lun$i.img,fd_dev_size=$(stat -c %s "$WORK/lun$i.img")" \
			>"$cfs/core/fileio_$i/lun$i/control" || return 1
		echo 1 >"$cfs/core/fileio_$i/lun$i/enable" || return 1
		# Without a unit serial LIO's VPD page 0x83 has no usable
		# designator: no WWN, no by-id link, no multipath WWID.
		# targetcli writes a random UUID here; fixed ones keep by-id
		# names the same in every run.
		# LIO derives the NAA WWN from the first hex digits only, so
		# the LUN number goes first: equal prefixes give both LUNs one
		# WWID, and multipath makes them two paths of one map.
		echo "${i}ec2a11a-5000-4000-8000-00000000000$i" \
			>"$cfs/core/fileio_$i/lun$i/wwn/vpd_unit_serial" || return 1
	done
	tpg="$cfs/iscsi/$IQN/tpgt_1"
	mkdir -p "$tpg" || return 1
	mkdir -p "$tpg/np/$PORTAL" || return 1
	for i in 0 1; do
		mkdir -p "$tpg/lun/lun_$i"
		ln -s "$cfs/core/fileio_$i/lun$i" "$tpg/lun/lun_$i/ec2xa_lun$i" || return 1
	done
	tpg_enable_demo "$tpg" || return 1
	log "LIO target $IQN on $PORTAL with 2 LUNs"
	setup_many_target
}

# The second target: MANY_LUNS fileio LUNs in one TPG with two network
# portals, PORTAL (shared with the first target: LIO reuses the listening
# socket) and PORTAL2 (the whole of 127/8 is local on lo, no address to
# add). Logging in through both portals gives every LUN two SCSI disks with
# one WWID: two paths of one multipath map.
setup_many_target() {
	local cfs=/sys/kernel/config/target tpg i b
	tpg="$cfs/iscsi/$MANY_IQN/tpgt_1"
	[ -e "$tpg/enable" ] && [ "$(cat "$tpg/enable")" = 1 ] && return 0
	for i in $(seq 0 $((MANY_LUNS - 1))); do
		# The HBA directory is "fileio_<number>"; 10 and up are this target's.
		b="$cfs/core/fileio_$((10 + i))/many$i"
		mkdir -p "$b"
		echo "fd_dev_name=$WORK/many$i.img,fd_dev_size=$(stat -c %s "$WORK/many$i.img")" \
			>"$b/control" || return 1
		echo 1 >"$b/enable" || return 1
		# The first hex digits make the NAA WWN (see setup_target):
		# "2" and the LUN number, unlike the first target's 0 and 1.
		echo "2${i}c2a11a-5000-4000-8000-0000000002$i$i" >"$b/wwn/vpd_unit_serial" || return 1
	done
	mkdir -p "$tpg/np/$PORTAL" "$tpg/np/$PORTAL2" || return 1
	many_target_export "$MANY_LUNS" || return 1
	tpg_enable_demo "$tpg" || return 1
	log "LIO target $MANY_IQN on $PORTAL and $PORTAL2 with $MANY_LUNS LUNs"
}

# many_target_export N: the many target exports its LUNs 0 to N-1 and no
# other (a LUN left out keeps its backing file; N = MANY_LUNS is all of
# them). Only between logins: a LUN is taken from the TPG only when no
# session uses it. Each scenario runs in a bash of its own, so configfs,
# not a variable, says what is exported (many_exported).
many_exported() { find "/sys/kernel/config/target/iscsi/$MANY_IQN/tpgt_1/lun" -mindepth 1 -maxdepth 1 -name 'lun_*' | wc -l; }
many_target_export() {
	local cfs=/sys/kernel/config/target tpg i l
	tpg="$cfs/iscsi/$MANY_IQN/tpgt_1"
	for i in $(seq 0 $((MANY_LUNS - 1))); do
		l=$tpg/lun/lun_$i
		if [ "$i" -lt "$1" ]; then
			[ -e "$l/ec2xa_many$i" ] && continue
			mkdir -p "$l" && ln -s "$cfs/core/fileio_$((10 + i))/many$i" "$l/ec2xa_many$i" || return 1
		elif [ -d "$l" ]; then
			rm -f "$l/ec2xa_many$i" && rmdir "$l" || return 1
		fi
	done
}

# ---------------------------------------------------------------- iSCSI

sd_disks() {
	local d
	for d in /sys/block/sd*; do
		[ -e "$d" ] && echo "${d##*/}"
	done
}
sd_count_is() { [ "$(sd_disks | wc -l)" -eq "$1" ]; }
no_sd() { ! compgen -G '/sys/class/block/sd*' >/dev/null; }

# LUN number of a SCSI disk, from sysfs (H:C:T:L), never from /dev.
lun_of() {
	local hctl
	hctl=$(basename "$(readlink -f "/sys/block/$1/device")")
	echo "${hctl##*:}"
}
lun_mib() { if [ "$1" = 0 ]; then echo "$LUN0_MIB"; else echo "$LUN1_MIB"; fi; }
# Target IQN of a SCSI disk, from its iSCSI session in sysfs.
target_of() {
	local f
	for f in /sys/block/"$1"/device/../../iscsi_session/session*/targetname; do
		[ -e "$f" ] && cat "$f" && return 0
	done
	return 1
}
# Size in MiB of the LUN behind a SCSI disk, whichever target it is on.
sd_lun_mib() {
	local lun
	lun=$(lun_of "$1")
	if [ "$(target_of "$1")" = "$MANY_IQN" ]; then
		many_lun_mib "$lun"
	else
		lun_mib "$lun"
	fi
}
# Kernel name of LUN N's disk.
sd_of_lun() {
	local s
	for s in $(sd_disks); do
		[ "$(lun_of "$s")" = "$1" ] && {
			echo "$s"
			return 0
		}
	done
	return 1
}

iscsi_login() {
	local t0
	t0=$(now_ms)
	run 60 systemctl start iscsid.service || return 1
	run 90 iscsiadm -m discovery -t sendtargets -p "$PORTAL" >&2 || return 1
	run 120 iscsiadm -m node -T "$IQN" -p "$PORTAL" --login >&2 || return 1
	wait_for 120 "2 iSCSI disks" sd_count_is 2 || return 1
	# LUN 0's partitions are scanned right after its disk appears.
	local s0
	s0=$(sd_of_lun 0) && wait_for 60 "partitions of $s0" test -e "/sys/class/block/${s0}2"
	settle
	log "iSCSI login done in $(($(now_ms) - t0)) ms: $(sd_disks | tr '\n' ' ')"
}

iscsi_logout() {
	# Every session, of either target.
	if iscsiadm -m session >/dev/null 2>&1; then
		run 120 iscsiadm -m node --logoutall=all >&2 ||
			log "iscsiadm logout failed"
	fi
	wait_for 120 "SCSI disks gone" no_sd || return 1
	settle
}

# many_login NDISKS PORTAL...: log in to the "many" target through the
# given portals, wait for NDISKS SCSI disks. No settle: a caller that
# measures convergence waits for its own conditions.
many_login() {
	local n=$1 p
	shift
	run 60 systemctl start iscsid.service || return 1
	run 90 iscsiadm -m discovery -t sendtargets -p "$PORTAL" >&2 || return 1
	for p in "$@"; do
		run 120 iscsiadm -m node -T "$MANY_IQN" -p "$p" --login >&2 || return 1
	done
	wait_for 180 "$n iSCSI disks" sd_count_is "$n"
}

# No node record and no discovery record left: the next login starts from
# its own discovery. iscsid and the initiator modules stay: the policy
# reads neither (the kernel's devices decide), and unloading them cost
# every scenario seconds under TCG.
iscsi_forget() {
	run 60 iscsiadm -m node -o delete >/dev/null 2>&1
	run 60 iscsiadm -m discoverydb -t sendtargets -p "$PORTAL" -o delete >/dev/null 2>&1
	return 0
}

# ---------------------------------------------------------------- multipath

# "dev dm_state checker_state" per path.
mpath_paths() { timeout 30 multipathd show paths format '%d %t %T' 2>/dev/null | tail -n +2; }

mpath_state() {
	mpath_paths | awk -v d="$1" '$1 == d { print $2 " " $3 }'
}

# Wait until every whole SCSI disk is an "active ready" multipath path.
mpath_all_active() {
	local s
	for s in $(sd_disks); do
		[ "$(mpath_state "$s")" = "active ready" ] || return 1
	done
	return 0
}

# Maps (whole SCSI disks grouped by the dm device holding them):
# "dm-N sdX sdY" per map, sorted.
mpath_maps() {
	local s h
	for s in $(sd_disks); do
		for h in /sys/block/"$s"/holders/dm-*; do
			[ -e "$h" ] && echo "${h##*/} $s"
		done
	done | sort | awk '{ if ($1 != m) { if (m != "") print line; m = $1; line = $1 } line = line " " $2 } END { if (m != "") print line }'
}

# Every LUN the many target exports is one map with two paths, all active.
mpath_many_ok() {
	[ "$(mpath_maps | awk 'NF == 3' | wc -l)" -eq "$(many_exported)" ] && mpath_all_active
}

# ---------------------------------------------------------------- rules

install_stock() {
	install -D -m 755 "$PAYLOAD/stock/ec2udev-vbd" "$STOCK_SCRIPT"
	install -D -m 644 "$PAYLOAD/stock/51-ec2-hvm-devices.rules" "$STOCK_RULE"
}

# The instance's rule set (issue 18 item 5), installed once by the driver
# before the first scenario and kept for the whole boot: Debian's real
# amazon-ec2-utils package (dpkg -i of the .deb: its
# 70-ec2-nvme-devices.rules and Python ebsnvme-id), AL2023's empty
# /etc/udev/rules.d/60-cdrom_id.rules (cdrom_id never runs on an
# instance), and 51-ec2-xen-vbd-devices.rules (a stand-in, its first line
# says whose). Prints one line saying what is in force.
XEN_VBD_RULE=/usr/lib/udev/rules.d/51-ec2-xen-vbd-devices.rules
CDROM_OVERRIDE=/etc/udev/rules.d/60-cdrom_id.rules
# shellcheck disable=SC2034 # scenarios-nitro.sh's NITRO_STOCK_RULE
AEU_RULE=/lib/udev/rules.d/70-ec2-nvme-devices.rules
install_instance_rules() {
	local deb out
	install -D -m 644 "$PAYLOAD/instance/51-ec2-xen-vbd-devices.rules" "$XEN_VBD_RULE" || return 1
	install -D -m 644 "$PAYLOAD/instance/60-cdrom_id.rules" "$CDROM_OVERRIDE" || return 1
	deb=$(find "$PAYLOAD/instance" -name 'amazon-ec2-utils_*.deb' | head -n 1)
	if [ -n "$deb" ]; then
		out=$(timeout 300 dpkg -i "$deb" 2>&1) || {
			log "dpkg -i $deb failed: $out"
			return 1
		}
	fi
	# scsi_debug (nitro-sda1) is a local disk, not a path: as on the
	# cockpit-style machine of amazon-ec2-utils#37, no multipath map.
	mkdir -p /etc/multipath/conf.d
	printf 'blacklist {\n\tdevice {\n\t\tvendor "Linux"\n\t\tproduct "scsi_debug"\n\t}\n}\n' \
		>/etc/multipath/conf.d/ec2xa-scsi-debug.conf
	systemctl -q is-active multipathd && run 60 multipathd reconfigure >&2
	udevadm control --reload
	# As if the guest had booted with the package: the devices already
	# there (the NVMe namespace, for the 70 rule's by-id link) get their
	# events now, not at the first scenario that triggers them
	# (trigger-change would see the link appear).
	timeout 120 udevadm trigger --settle --action=change --subsystem-match=block --sysname-match='nvme*' ||
		log "udevadm trigger of the NVMe namespaces did not finish"
	echo "cdrom override $CDROM_OVERRIDE ($(stat -c %s "$CDROM_OVERRIDE") bytes), $XEN_VBD_RULE ($(head -n 1 "$XEN_VBD_RULE" | cut -c1-60)), amazon-ec2-utils $(dpkg-query -W -f '${Version}' amazon-ec2-utils 2>/dev/null || echo 'not installed') (real, dpkg -i: $(dpkg -L amazon-ec2-utils 2>/dev/null | grep -E 'rules$|ebsnvme-id$' | tr '\n' ' '))"
}

# The project's files, as meson installs them under DESTDIR.
project_files() {
	[ -d "$PAYLOAD/install" ] || return 0
	(cd "$PAYLOAD/install" && find . \( -type f -o -type l \) -printf '/%P\n')
}

# install_project yes|no: copy the project's installed files into / with or
# without its udev rules, then make udevd reread its rules.
install_project() {
	local with_rules=$1 f
	for f in $(project_files); do
		case $f in
		*.rules) [ "$with_rules" = yes ] || continue ;;
		esac
		mkdir -p "$(dirname "$f")"
		cp -a "$PAYLOAD/install$f" "$f"
	done
	[ "$with_rules" = yes ] || uninstall_project_rules
	udevadm control --reload
}

uninstall_project_rules() {
	local f
	for f in $(project_files); do
		case $f in *.rules) rm -f "$f" ;; esac
	done
}

uninstall_project() {
	local f
	for f in $(project_files); do rm -f "$f"; done
	udevadm control --reload
}

# The project's Debian package in the payload (run-guest-tests.sh DEBDIR),
# installed with dpkg on the running guest, as a Debian user installs it
# after amazon-ec2-utils: its postinst reloads udev and re-triggers the
# EBS volumes. Prints dpkg's output on failure.
payload_deb() { find "$PAYLOAD/deb" -name 'ec2-xvd-alias_*.deb' 2>/dev/null | head -n 1; }
DEB_PKG="ec2-xvd-alias"
install_deb() {
	local deb out
	deb=$(payload_deb)
	[ -n "$deb" ] || return 1
	out=$(timeout 300 dpkg -i "$deb" 2>&1) || {
		echo "dpkg -i $(basename "$deb"): $out"
		return 1
	}
	log "dpkg -i $(basename "$deb"): $out"
}
deb_installed() { dpkg-query -W -f '${Status}' "$DEB_PKG" 2>/dev/null | grep -q 'ok installed'; }
# Purge (not only remove): nothing of the package may stay.
purge_deb() {
	local out
	out=$(timeout 300 dpkg --purge "$DEB_PKG" 2>&1) || {
		echo "dpkg --purge $DEB_PKG: $out"
		return 1
	}
	log "dpkg --purge $DEB_PKG: $out"
}

# The payload has a helper (run-scenarios.sh sets HELPER from its file
# list); reset_state installs it, so it need not be in place yet.
have_helper() { [ -n "$HELPER" ]; }

# ---------------------------------------------------------------- checks
# Each check prints one line per problem on stdout and returns non-zero if
# it printed any.

# Every real SCSI disk and partition has its real node at /dev/NAME.
check_sd_nodes() {
	local p n want got perm bad=0
	perm=$(udev_block_perm)
	for p in /sys/class/block/sd*; do
		[ -e "$p" ] || continue
		n=${p##*/}
		want=$(cat "$p/dev")
		if [ -L "/dev/$n" ]; then
			echo "/dev/$n is a symlink to $(readlink "/dev/$n"), not the $want node"
			bad=1
		elif [ ! -b "/dev/$n" ]; then
			echo "/dev/$n missing (want block node $want)"
			bad=1
		else
			got=$(stat -c '%Hr:%Lr' "/dev/$n")
			if [ "$got" != "$want" ]; then
				echo "/dev/$n is node $got, sysfs says $want"
				bad=1
			fi
			# A node the helper made or restored (mode 0600 root) ends
			# with what udev's rules give a block node.
			got=$(stat -c '%U:%G %a' "/dev/$n")
			if [ -n "$perm" ] && [ "$got" != "$perm" ]; then
				echo "/dev/$n is $got, udev's rules give a block node $perm"
				bad=1
			fi
		fi
	done
	return $bad
}

# "OWNER:GROUP MODE" of a node udev made and nothing of ours touched: the
# guest's own virtio disks (the same block rules, 50-udev-default's
# GROUP="disk", apply to every disk).
udev_block_perm() {
	local d
	for d in /sys/block/vd*; do
		[ -b "/dev/${d##*/}" ] || continue
		stat -c '%U:%G %a' "/dev/${d##*/}"
		return 0
	done
}

# No /dev/sdX without a real SCSI device behind it (stale node or alias).
check_no_stale_sd() {
	local f n bad=0
	for f in /dev/sd*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		n=${f##*/}
		[ -e "/sys/class/block/$n" ] && continue
		# The alias of a free name (the one rule): /dev/sdf -> xvdf while
		# no real disk sdf exists, and no real disk of its letters.
		if [ -L "$f" ] && [ "$(readlink "$f")" = "xvd${n#sd}" ] && [ -e "/sys/class/block/xvd${n#sd}" ] &&
			[ ! -e "/sys/class/block/$(echo "$n" | sed 's/[0-9]*$//')" ]; then
			continue
		fi
		echo "stale $f ($(stat -c %F "$f")$([ -L "$f" ] && echo " -> $(readlink "$f")"))"
		bad=1
	done
	return $bad
}

# For every symlink in the udev database: the device it resolves to must
# be one that claims it. Catches the collision, where the LUN's by-path
# and by-id links resolve to the Xen disk. Few processes on purpose: a
# fork costs tens of milliseconds under TCG and there are ~100 links.
check_links_claimed() {
	local tmp=/run/ec2xa-check
	mkdir -p "$tmp"
	udevadm info --export-db 2>/dev/null | awk '
		/^P: / { maj = ""; min = ""; nl = 0 }
		/^E: MAJOR=/ { maj = substr($0, 10) }
		/^E: MINOR=/ { min = substr($0, 10) }
		/^S: / { links[++nl] = substr($0, 4) }
		/^$/ { if (maj != "") for (i = 1; i <= nl; i++) print links[i], maj ":" min; maj = ""; nl = 0 }
	' | sort -u >"$tmp/claims"
	# "/dev/LINK MAJ:MIN" of what each link resolves to now.
	cut -d' ' -f1 "$tmp/claims" | sort -u | sed 's|^|/dev/|' |
		xargs -r -d '\n' stat -L -c '%n %Hr:%Lr' 2>/dev/null >"$tmp/resolved"
	# A link may resolve to any device that claims it: with several
	# claims udev picks by priority (e.g. multipath's dm device).
	awk '
		FNR == NR { claimed[$1 " " $2] = 1; by[$1] = by[$1] " " $2; next }
		{ sub("^/dev/", "", $1); got[$1] = $2 }
		END {
			bad = 0
			for (l in by) {
				if (!(l in got)) { print "/dev/" l " (claimed by" by[l] ") does not resolve"; bad = 1 }
				else if (!((l " " got[l]) in claimed)) {
					print "/dev/" l " (claimed by" by[l] ") resolves to " got[l] ", which does not claim it"
					bad = 1
				}
			}
			exit bad
		}
	' "$tmp/claims" "$tmp/resolved"
}

# The assertion of systemd's TEST-64-UDEV-STORAGE: every link under
# /dev/disk resolves to /dev/$(udevadm info -q name LINK). One udevadm and
# one readlink for all links; per link only if a link vanished meanwhile
# (then the outputs no longer line up).
check_test64() {
	local -a links names reals
	local i bad=0
	mapfile -t links < <(find /dev/disk -type l | sort)
	[ ${#links[@]} -gt 0 ] || return 0
	mapfile -t reals < <(readlink -f -- "${links[@]}")
	mapfile -t names < <(udevadm info -q name "${links[@]}" 2>/dev/null)
	if [ ${#names[@]} -ne ${#links[@]} ] || [ ${#reals[@]} -ne ${#links[@]} ]; then
		names=()
		reals=()
		for i in "${!links[@]}"; do
			reals[i]=$(readlink -f -- "${links[i]}")
			names[i]=$(udevadm info -q name "${links[i]}" 2>/dev/null)
		done
	fi
	for i in "${!links[@]}"; do
		if [ "${reals[i]}" != "/dev/${names[i]}" ]; then
			echo "${links[i]} -> ${reals[i]} but udevadm says /dev/${names[i]}"
			bad=1
		fi
	done
	return $bad
}

# check_xvd_links alias|noalias: every Xen disk and partition has its
# xvd-sdX link; with "noalias" none has a bare sdX link, with "alias" each
# has one that resolves to it.
check_xvd_links() {
	local want=$1 p n ec2 links bad=0 mode
	for p in /sys/class/block/xvd*; do
		[ -e "$p" ] || continue
		n=${p##*/}
		ec2=sd${n#xvd}
		links=" $(udevadm info -q symlink "/sys/class/block/$n" 2>/dev/null) "
		if [[ $links != *" xvd-$ec2 "* ]]; then
			echo "$n has no xvd-$ec2 link (links:$links)"
			bad=1
		elif [ "$(node_devnum "/dev/xvd-$ec2")" != "$(devnum_of "$n")" ]; then
			echo "/dev/xvd-$ec2 does not resolve to $n"
			bad=1
		fi
		# The instance's 51-ec2-xen-vbd-devices.rules (install_instance_rules):
		# by-path/xen-vbd-N[-partM].
		if [ -f "$XEN_VBD_RULE" ] && [[ $links != *" disk/by-path/xen-vbd-"* ]]; then
			echo "$n has no disk/by-path/xen-vbd-* link (links:$links)"
			bad=1
		fi
		mode=$want
		# policy: the one rule, no alias exactly when a real disk has the
		# whole disk's name (docs/design.md, "Policy")
		if [ "$want" = policy ]; then
			if [ -e "/sys/class/block/$(echo "$ec2" | sed 's/[0-9]*$//')" ]; then
				mode=noalias
			else
				mode="alias"
			fi
		fi
		case $mode in
		noalias)
			if [[ $links =~ \ sd[a-z]+[0-9]*\  ]]; then
				echo "$n still claims an sd name (links:$links)"
				bad=1
			fi
			;;
		alias)
			if [[ $links != *" $ec2 "* ]]; then
				echo "$n has no $ec2 alias (links:$links)"
				bad=1
			elif [ "$(readlink -f "/dev/$ec2")" != "/dev/$n" ]; then
				echo "/dev/$ec2 is not a link to $n ($(ls -l "/dev/$ec2" 2>&1))"
				bad=1
			fi
			;;
		esac
	done
	return $bad
}

# The sd names as the policy wants them (mode auto): every /dev/sd*
# entry is either the real node of its kernel device, or a link to the Xen
# device of the same EC2 name whose whole-disk sdX does not exist. So no
# /dev/sdXN leads to an xvd partition while a real sdX exists.
check_sd_names() {
	local f n disk t bad=0
	for f in /dev/sd*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		n=${f##*/}
		disk=${n%%[0-9]*}
		if [ -L "$f" ]; then
			t=$(readlink "$f")
			if [ "$t" != "xvd${n#sd}" ]; then
				echo "$f -> $t, not the alias of xvd${n#sd}"
				bad=1
			elif [ -e "/sys/class/block/$disk" ]; then
				echo "$f -> $t while real disk $disk exists"
				bad=1
			fi
		elif [ ! -e "/sys/class/block/$n" ]; then
			echo "stale $f ($(stat -c '%F %Hr:%Lr' "$f"))"
			bad=1
		fi
	done
	check_sd_nodes || bad=1
	return $bad
}

# Every SCSI disk answers as the LUN it is: sg_inq through /dev/NAME names
# LIO, and the size through /dev/NAME is the LUN's.
check_sd_identity() {
	local s lun want got bad=0
	for s in $(sd_disks); do
		lun=$(lun_of "$s")
		want=$(($(sd_lun_mib "$s") * 1048576))
		got=$(timeout 30 blockdev --getsize64 "/dev/$s" 2>&1)
		if [ "$got" != "$want" ]; then
			echo "blockdev --getsize64 /dev/$s = $got, LUN $lun is $want"
			bad=1
		fi
		if ! timeout 30 sg_inq "/dev/$s" 2>&1 | grep -q 'LIO-ORG'; then
			echo "sg_inq /dev/$s does not answer as LIO ($(timeout 30 sg_inq "/dev/$s" 2>&1 | head -n 2 | tr '\n' ' '))"
			bad=1
		fi
	done
	return $bad
}

# The whole "right state" with the project's rule in force and SCSI disks
# present: real nodes, links claimed, TEST-64, identity, Xen disks without
# sd aliases.
check_state_fixed() {
	local bad=0
	check_sd_nodes || bad=1
	check_no_stale_sd || bad=1
	check_links_claimed || bad=1
	check_test64 || bad=1
	check_sd_identity || bad=1
	check_xvd_links policy || bad=1
	return $bad
}

# Status of the helper: prints "exit=N" then its output on one line.
helper_status() {
	local out rc
	out=$(timeout 60 "$HELPER" status 2>&1)
	rc=$?
	echo "exit=$rc ${out//$'\n'/ | }"
	return $rc
}

# Listing of everything a change event could disturb: nodes and links with
# their targets, device numbers and inode numbers.
snapshot_dev() {
	{
		# Loop devices are the Xen backend's (blkback over files): a
		# change event gives them a new diskseq. Not ours to judge.
		find /dev/disk -type l -printf '%p -> %l\n' | grep -v -- '-> .*/loop[0-9]*$'
		for f in /dev/sd* /dev/xvd*; do
			[ -e "$f" ] || [ -L "$f" ] || continue
			if [ -L "$f" ]; then
				echo "$f -> $(readlink "$f")"
			else
				echo "$f $(stat -c '%F %Hr:%Lr inode=%i' "$f")"
			fi
		done
	} | sort
}

# ---------------------------------------------------------------- data

# make_pattern FILE TAG: 1 MiB that cannot be mistaken for anything else.
make_pattern() {
	yes "EC2XA-$2-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" | head -c 1048576 >"$1"
}

# write_pattern FILE DEV: 1 MiB at PATTERN_OFFSET_MIB, bypassing caches.
write_pattern() {
	timeout 60 dd if="$1" of="$2" bs=1M seek="$PATTERN_OFFSET_MIB" count=1 \
		oflag=direct conv=fsync,notrunc status=none
}

# has_pattern FILE IMAGE_OR_DEV: the 1 MiB at PATTERN_OFFSET_MIB equals FILE.
has_pattern() {
	timeout 60 dd if="$2" bs=1M skip="$PATTERN_OFFSET_MIB" count=1 iflag=direct status=none 2>/dev/null |
		cmp -s - "$1"
}
# Backing files are read through the page cache (O_DIRECT on a file of a
# file system that loop/LIO also use is fine, but plain read is enough).
file_has_pattern() {
	dd if="$2" bs=1M skip="$PATTERN_OFFSET_MIB" count=1 status=none 2>/dev/null | cmp -s - "$1"
}

# ---------------------------------------------------------------- state

# The mounts of mount-handover: their fstab lines, units and mounts go.
remove_data_mount() {
	local m u reload=
	for m in $DATA_MNTS; do
		u=mnt-${m#/mnt/}.mount
		if mountpoint -q "$m" || systemctl -q is-active "$u" 2>/dev/null; then
			log "reset: stopping $u"
			run 60 systemctl stop "$u"
			mountpoint -q "$m" && run 60 umount "$m"
		fi
		if grep -q "[[:space:]]${m}[[:space:]]" /etc/fstab; then
			sed -i "\|[[:space:]]${m}[[:space:]]|d" /etc/fstab
			reload=yes
		fi
	done
	[ -z "$reload" ] || run 120 systemctl daemon-reload
	for m in $DATA_MNTS; do
		run 30 systemctl reset-failed "mnt-${m#/mnt/}.mount" 2>/dev/null
	done
	return 0
}

# reset_state stock|ours|none|deb [MODE]: no iSCSI session or node record, no Xen
# disk, the chosen rule in force (deb: the project's Debian package,
# installed live with dpkg), and /etc/ec2-xvd-alias.conf saying
# "mode = MODE" (no file without MODE). Leftovers of the scenario before
# are logged (they are its failure to explain) and removed so the next one
# starts clean.
reset_state() {
	local mode=$1 conf=${2:-} f rc=0
	log "reset_state $mode $conf"
	udevadm control --children-max="${UDEV_CHILDREN_MAX_DEFAULT:-16}"
	remove_data_mount
	# mount-handover-nompath's blacklist of SCSI paths, if it was cut short.
	if [ -e /etc/multipath/conf.d/ec2xa-nompath.conf ]; then
		rm -f /etc/multipath/conf.d/ec2xa-nompath.conf
		run 60 multipathd reconfigure >&2
	fi
	iscsi_logout || rc=1
	# nitro-sda1's local SCSI disk, if it was cut short.
	if [ -d /sys/module/scsi_debug ]; then
		run 60 modprobe -r scsi_debug >&2 || rc=1
		settle
	fi
	multipath -F >/dev/null 2>&1
	detach_all_xvd || rc=1
	iscsi_forget
	# The Debian package of a Nitro scenario that was cut short.
	if deb_installed; then
		log "reset: $DEB_PKG still installed; purging it"
		purge_deb >&2 || rc=1
	fi
	for f in /dev/sd*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		log "reset: removing leftover $f ($(ls -l "$f"))"
		rm -f "$f"
	done
	case $mode in
	stock)
		install_stock
		install_project no
		;;
	ours)
		install_stock
		install_project yes
		;;
	none)
		install_stock
		uninstall_project
		;;
	deb)
		install_stock
		uninstall_project
		# A file of an earlier scenario where dpkg installs its conffile
		# would make dpkg ask what to keep.
		rm -f "$CONF"
		install_deb >&2 || rc=1
		;;
	esac
	# After the project's files, so that no installed file replaces it.
	if [ -n "$conf" ]; then
		printf '# written by the guest tier\nmode = %s\n' "$conf" >"$CONF"
	elif [ "$mode" != deb ]; then
		# (The package's own file is a conffile: it stays as dpkg put it.)
		rm -f "$CONF"
	fi
	settle
	return $rc
}
