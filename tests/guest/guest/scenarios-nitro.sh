# shellcheck shell=bash
# Scenario "nitro" of tier 3 (issue 11, item 5): an EBS volume as NVMe.
# Sourced by run-scenarios.sh after lib.sh and scenarios.sh, whose helpers
# (problem, fact, skip, need_helper, expect_status, expect_mpath_active,
# check_*) it uses.
#
# The NVMe device is QEMU's (-device nvme, see run-guest-tests.sh). Its
# EC2 identity comes from a TEST DOUBLE at exactly one boundary: the
# payload's nvme-shim, listed in /etc/ld.so.preload, rewrites the answer to
# NVMe Identify Controller (PCI vendor 0x1D0F, model "Amazon Elastic Block
# Store", block device mapping name "sdf") for the serial below. Everything
# else is real: the kernel's NVMe driver, udevd 252 running our
# 71-ec2-xvd-alias-nvme.rules and the helper's own ioctl, a LIO target
# with three LUNs on two portals, open-iscsi, multipathd.

# The serial run-guest-tests.sh gives the QEMU controller (-device
# nvme,serial=...); the shim's configuration keys on it.
NITRO_SERIAL=vol0123456789abcdef0
NITRO_MAPPING=sdf
NITRO_SHIM=/usr/lib/ec2xa-nvme-shim.so
NITRO_SHIM_CONF=/etc/ec2xa-nvme-shim.conf
NITRO_IQN=iqn.2003-01.org.linux-iscsi.ec2xa:nitro
NITRO_PORTALS=(127.0.0.1:3260 127.0.0.1:3261)
# Sizes differ from each other and from every other disk of the tier, so
# blockdev --getsize64 tells which LUN a node is.
NITRO_LUN_MIB=(56 72 88)
# configfs HBA indexes of our backstores; lib.sh uses fileio_0 and _1.
NITRO_HBA0=10

nitro_cfs=/sys/kernel/config/target

# Kernel name of the QEMU NVMe namespace with our serial, from sysfs.
nitro_namespace() {
	local d
	for d in /sys/block/nvme*n*; do
		[ -e "$d" ] || continue
		[ "$(cat "$d/device/serial" 2>/dev/null)" = "$NITRO_SERIAL" ] || continue
		echo "${d##*/}"
		return 0
	done
	return 1
}

# ---------------------------------------------------------------- LIO

# Three fileio LUNs behind two portals of one target: every LUN is seen
# twice (six SCSI disks, sda to sdf), multipath makes three maps of two
# paths. Built in configfs like lib.sh's target; the portal 3260 is shared
# with that target (LIO shares a network portal between TPGs).
nitro_setup_target() {
	local tpg i p hba
	mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
	[ -d "$nitro_cfs/core" ] || {
		log "no $nitro_cfs/core"
		return 1
	}
	for i in 0 1 2; do
		hba=$nitro_cfs/core/fileio_$((NITRO_HBA0 + i))/nitro$i
		rm -f "$WORK/nitro-lun$i.img"
		truncate -s "${NITRO_LUN_MIB[i]}M" "$WORK/nitro-lun$i.img" || return 1
		mkdir -p "$hba" || return 1
		echo "fd_dev_name=$WORK/nitro-lun$i.img,fd_dev_size=$(stat -c %s "$WORK/nitro-lun$i.img")" \
			>"$hba/control" || return 1
		echo 1 >"$hba/enable" || return 1
		# LIO's NAA WWN comes from the leading hex digits of the unit
		# serial: distinct first digits, distinct from lib.sh's 0 and 1,
		# or multipath would merge LUNs into one map.
		echo "$((i + 7))ec2a11a-6000-4000-8000-00000000001$i" >"$hba/wwn/vpd_unit_serial" || return 1
	done
	tpg=$nitro_cfs/iscsi/$NITRO_IQN/tpgt_1
	mkdir -p "$tpg" || return 1
	for p in "${NITRO_PORTALS[@]}"; do
		mkdir -p "$tpg/np/$p" || return 1
	done
	for i in 0 1 2; do
		mkdir -p "$tpg/lun/lun_$i" || return 1
		ln -s "$nitro_cfs/core/fileio_$((NITRO_HBA0 + i))/nitro$i" "$tpg/lun/lun_$i/nitro_lun$i" || return 1
	done
	echo 0 >"$tpg/attrib/authentication"
	echo 1 >"$tpg/attrib/generate_node_acls"
	echo 1 >"$tpg/attrib/cache_dynamic_acls"
	echo 0 >"$tpg/attrib/demo_mode_write_protect"
	echo 1 >"$tpg/enable" || return 1
	log "LIO target $NITRO_IQN on ${NITRO_PORTALS[*]} with 3 LUNs"
}

# Undo nitro_setup_target, innermost first (configfs refuses otherwise).
nitro_remove_target() {
	local tpg=$nitro_cfs/iscsi/$NITRO_IQN/tpgt_1 i p
	[ -d "$nitro_cfs/iscsi/$NITRO_IQN" ] || return 0
	echo 0 >"$tpg/enable" 2>/dev/null
	for i in 0 1 2; do
		rm -f "$tpg/lun/lun_$i/nitro_lun$i"
		rmdir "$tpg/lun/lun_$i" 2>/dev/null
	done
	for p in "${NITRO_PORTALS[@]}"; do
		rmdir "$tpg/np/$p" 2>/dev/null
	done
	rmdir "$tpg" "$nitro_cfs/iscsi/$NITRO_IQN" 2>/dev/null
	for i in 0 1 2; do
		rmdir "$nitro_cfs/core/fileio_$((NITRO_HBA0 + i))/nitro$i" \
			"$nitro_cfs/core/fileio_$((NITRO_HBA0 + i))" 2>/dev/null
		rm -f "$WORK/nitro-lun$i.img"
	done
	if [ -d "$nitro_cfs/iscsi/$NITRO_IQN" ]; then
		log "cannot remove the LIO target $NITRO_IQN"
		return 1
	fi
}

nitro_login() {
	run 60 systemctl start iscsid.service || return 1
	run 90 iscsiadm -m discovery -t sendtargets -p "${NITRO_PORTALS[1]}" >&2 || return 1
	# All node records of the target: one session per portal.
	run 120 iscsiadm -m node -T "$NITRO_IQN" --login >&2 || return 1
	wait_for 120 "6 iSCSI disks" sd_count_is 6 || return 1
	settle
}

nitro_logout() {
	run 120 iscsiadm -m node -T "$NITRO_IQN" --logout >&2 || log "iscsiadm logout failed"
	wait_for 120 "SCSI disks gone" no_sd || return 1
	settle
}

# ---------------------------------------------------------------- checks

# nitro_check_ns_links NS alias|noalias: the volume and its partitions have
# /dev/xvd-sdf[N] -> themselves; with "alias" also /dev/sdf[N] ->
# themselves, with "noalias" none of them claims an sd name. One line per
# problem on stdout, like lib.sh's checks.
nitro_check_ns_links() {
	local ns=$1 want=$2 p n suffix sd links bad=0
	for p in "/sys/class/block/$ns" "/sys/class/block/$ns"p*; do
		[ -e "$p" ] || continue
		n=${p##*/}
		suffix=${n#"$ns"}
		suffix=${suffix#p}
		sd=$NITRO_MAPPING$suffix
		links=" $(udevadm info -q symlink "$p" 2>/dev/null) "
		if [[ $links != *" xvd-$sd "* ]]; then
			echo "$n has no xvd-$sd link (links:$links)"
			bad=1
		elif [ "$(readlink -f "/dev/xvd-$sd")" != "/dev/$n" ]; then
			echo "/dev/xvd-$sd does not resolve to $n ($(ls -l "/dev/xvd-$sd" 2>&1))"
			bad=1
		fi
		case $want in
		alias)
			if [[ $links != *" $sd "* ]]; then
				echo "$n has no $sd link (links:$links)"
				bad=1
			elif [ ! -L "/dev/$sd" ] || [ "$(readlink -f "/dev/$sd")" != "/dev/$n" ]; then
				echo "/dev/$sd is not a link to $n ($(ls -l "/dev/$sd" 2>&1))"
				bad=1
			fi
			;;
		noalias)
			if [[ $links =~ \ sd[a-z]+[0-9]*\  ]]; then
				echo "$n still claims an sd name (links:$links)"
				bad=1
			fi
			;;
		esac
	done
	return $bad
}

# Every SCSI disk answers as its LUN of our target: size and sg_inq.
nitro_check_identity() {
	local s lun want got bad=0
	for s in $(sd_disks); do
		lun=$(lun_of "$s")
		want=$((${NITRO_LUN_MIB[lun]:-0} * 1048576))
		got=$(timeout 30 blockdev --getsize64 "/dev/$s" 2>&1)
		if [ "$got" != "$want" ]; then
			echo "blockdev --getsize64 /dev/$s = $got, LUN $lun is $want"
			bad=1
		fi
		if ! timeout 30 sg_inq "/dev/$s" 2>&1 | grep -q 'LIO-ORG'; then
			echo "sg_inq /dev/$s does not answer as LIO"
			bad=1
		fi
	done
	return $bad
}

# Three maps, each of two paths, one per LUN. One awk: every process
# costs on a TCG guest.
nitro_check_maps() {
	# Only the SCSI paths: multipathd also lists the NVMe volume (an
	# orphan path once reset_state flushed the map greedy made of it).
	timeout 30 multipathd show paths format '%d %m %w' 2>/dev/null | awk '
		$1 ~ /^sd/ { all = all $0 ";"; if ($2 !~ /^\[/) n[$2]++; else orphan++ }
		END {
			for (m in n) { maps++; list = list " " m "=" n[m]; if (n[m] != 2) bad = 1 }
			if (maps != 3 || orphan || bad) {
				print "want 3 maps of 2 paths each, multipathd shows: " all
				exit 1
			}
			print "maps:" list > "/dev/stderr"
		}'
}

# md5 of the whole NVMe volume, read with O_DIRECT (no page cache).
nitro_md5() { timeout 120 dd if="/dev/$1" bs=1M iflag=direct status=none | md5sum | cut -d' ' -f1; }

# A by-id link (scsi-* or wwn-*) of LUN N, from the links udev gave one of
# its paths.
nitro_lun_byid() {
	local s l
	for s in $(sd_disks); do
		[ "$(lun_of "$s")" = "$1" ] || continue
		for l in $(udevadm info -q symlink "/sys/class/block/$s"); do
			case $l in disk/by-id/scsi-* | disk/by-id/wwn-*)
				echo "/dev/$l"
				return 0
				;;
			esac
		done
	done
	return 1
}

# ---------------------------------------------------------------- state

nitro_install_shim() {
	install -D -m 644 "$PAYLOAD/nvme-shim/ec2xa-nvme-shim.so" "$NITRO_SHIM" || return 1
	printf '# TEST DOUBLE configuration of the guest tier (scenario nitro)\nserial=%s mapping=%s\n' \
		"$NITRO_SERIAL" "$NITRO_MAPPING" >"$NITRO_SHIM_CONF" || return 1
	# udev runs programs with only the device's properties as their
	# environment: LD_PRELOAD would not reach them, ld.so.preload does.
	grep -qxF "$NITRO_SHIM" /etc/ld.so.preload 2>/dev/null || echo "$NITRO_SHIM" >>/etc/ld.so.preload
}

nitro_uninstall_shim() {
	if [ -f /etc/ld.so.preload ]; then
		grep -vxF "$NITRO_SHIM" /etc/ld.so.preload >/etc/ld.so.preload.new
		if [ -s /etc/ld.so.preload.new ]; then
			mv /etc/ld.so.preload.new /etc/ld.so.preload
		else
			rm -f /etc/ld.so.preload /etc/ld.so.preload.new
		fi
	fi
	rm -f "$NITRO_SHIM_CONF" "$NITRO_SHIM"
}

# Leave the guest as the other scenarios expect it: no session or target
# of ours, no shim, the NVMe volume's links re-evaluated without it.
nitro_cleanup() {
	local ns=$1
	iscsiadm -m session 2>/dev/null | grep -q "$NITRO_IQN" && nitro_logout
	run 60 iscsiadm -m node -T "$NITRO_IQN" -o delete >/dev/null 2>&1
	nitro_remove_target || problem "cleanup: LIO target $NITRO_IQN not removed"
	udevadm control --log-level=info
	nitro_uninstall_shim
	[ -n "$ns" ] && timeout 60 udevadm trigger --action=change --settle "/sys/class/block/$ns"
	settle
}

# ---------------------------------------------------------------- scenario

scn_nitro() {
	# Time stamps in the trace (no fork: bash's own clock), to see where
	# the time goes on a slow TCG guest.
	local PS4='+ ${EPOCHREALTIME} '
	need_helper || return 0
	if [ ! -f "$PAYLOAD/nvme-shim/ec2xa-nvme-shim.so" ]; then
		skip "no nvme-shim in the payload (tests/guest/nvme-shim/build.sh failed on the host)"
		return 0
	fi
	local ns
	if ! ns=$(nitro_namespace); then
		skip "no QEMU NVMe namespace with serial $NITRO_SERIAL (is -device nvme in run-guest-tests.sh?)"
		return 0
	fi
	console "EC2XA-NOTE nitro: TEST DOUBLE: QEMU cannot present Amazon's NVMe vendor data (PCI vendor 0x1D0F, model, mapping name at byte 3072); ec2xa-nvme-shim.so in /etc/ld.so.preload rewrites the Identify Controller answer of $ns (serial $NITRO_SERIAL) to EBS mapping '$NITRO_MAPPING'. sysfs keeps model '$(sed 's/ *$//' "/sys/block/$ns/device/model" 2>/dev/null)'."
	reset_state ours || problem "reset_state failed"
	local since
	since=$(date '+%Y-%m-%d %H:%M:%S')
	nitro_install_shim || {
		problem "cannot install the shim"
		nitro_cleanup "$ns"
		return 0
	}
	# udevd logs its programs' stderr (the shim's TEST DOUBLE lines) only
	# at debug level.
	udevadm control --log-level=debug

	# The volume, partitioned (its partitions get sdf1, sdf2), with a known
	# pattern. Re-reading the new partition table sends a change of the
	# disk and an add of each partition: udev runs our rule on all three
	# with the shim in place.
	printf 'label: dos\nstart=1MiB, size=15MiB\nstart=16MiB\n' |
		timeout 60 sfdisk -q "/dev/$ns" >&2 || problem "sfdisk /dev/$ns failed"
	wait_for 30 "${ns}p2" test -e "/sys/class/block/${ns}p2" || problem "no ${ns}p2 after sfdisk"
	settle
	local props
	props=$(udevadm info -q property "/sys/class/block/$ns" | grep '^EC2XA_' | tr '\n' ' ')
	log "$ns properties: $props"
	if [[ " $props " == *" EC2XA_ALIAS=$NITRO_MAPPING "* ]] && [[ " $props " == *" EC2XA_NAME=xvdf "* ]]; then
		fact "before login: $ns has $props"
	else
		problem "before login: $ns properties are '$props', want EC2XA_ALIAS=$NITRO_MAPPING and EC2XA_NAME=xvdf"
	fi
	local n_td
	n_td=$(journalctl -o cat -S "$since" 2>/dev/null | grep -c 'ec2xa-nvme-shim: TEST DOUBLE: rewrote Identify Controller')
	if [ "$n_td" -gt 0 ]; then
		fact "journal: $n_td 'TEST DOUBLE: rewrote Identify Controller' lines of the shim"
	else
		problem "no 'TEST DOUBLE' line of the shim in the journal: the helper did not read Identify through the shim"
	fi
	problems_from "before login" nitro_check_ns_links "$ns" alias
	problems_from "before login" check_test64
	[ "$(readlink -f /dev/sdf)" = "/dev/$ns" ] && [ "$(readlink -f /dev/sdf1)" = "/dev/${ns}p1" ] &&
		fact "before login: /dev/sdf -> $ns, /dev/sdf1 -> ${ns}p1, /dev/xvd-sdf -> $ns"

	local pat=$OUT/pattern.nitro-nvme sum0 sum1
	make_pattern "$pat" NITRO-NVME
	if write_pattern "$pat" /dev/sdf && has_pattern "$pat" "/dev/$ns"; then
		fact "1 MiB written via /dev/sdf read back from $ns"
	else
		problem "pattern written via /dev/sdf not read back from $ns"
	fi
	sum0=$(nitro_md5 "$ns")

	# Debug logging costs every event; the handover runs at udevd's
	# normal level.
	udevadm control --log-level=info

	# The real disks: three LUNs on two portals, six SCSI disks, one of
	# which the kernel names sdf.
	nitro_setup_target || {
		problem "LIO target setup failed"
		nitro_cleanup "$ns"
		return 0
	}
	rm -f "$OUT/lat.nitro.ready" "$OUT/lat.nitro.result"
	python3 "$PAYLOAD/guest/latency.py" sdf "$OUT/lat.nitro.ready" "$OUT/lat.nitro.result" 180 &
	local latpid=$! t0
	wait_for 60 "latency monitor ready" test -e "$OUT/lat.nitro.ready" || problem "latency monitor did not start"
	since=$(date '+%Y-%m-%d %H:%M:%S')
	t0=$(now_ms)
	if ! nitro_login; then
		problem "iSCSI login failed ($(sd_disks | tr '\n' ' '))"
		kill "$latpid" 2>/dev/null
		nitro_cleanup "$ns"
		return 0
	fi
	fact "login: $(sd_disks | tr '\n' ' ')in $(($(now_ms) - t0)) ms"
	if [ -e /sys/block/sdf ]; then
		if [ -b /dev/sdf ] && [ ! -L /dev/sdf ] && [ "$(stat -c '%Hr:%Lr' /dev/sdf)" = "$(devnum_of sdf)" ]; then
			fact "/dev/sdf is the node of kernel sdf ($(devnum_of sdf), LUN $(lun_of sdf))"
		else
			problem "/dev/sdf is not the node of kernel sdf $(devnum_of sdf): $(ls -l /dev/sdf 2>&1)"
		fi
	else
		problem "no kernel sdf after login: $(sd_disks | tr '\n' ' ')"
	fi
	problems_from "after login" check_sd_nodes
	problems_from "after login" check_no_stale_sd
	problems_from "after login" check_links_claimed
	problems_from "after login" check_test64
	problems_from "after login" nitro_check_identity
	problems_from "after login" nitro_check_ns_links "$ns" noalias
	expect_mpath_active
	problems_from "after login" nitro_check_maps
	expect_status 0
	local hl
	hl=$(journalctl -o cat -t ec2-xvd-alias -S "$since" 2>/dev/null | grep -m 1 '^/dev/sdf: ')
	log "ec2-xvd-alias journal since login: $(journalctl -o cat -t ec2-xvd-alias -S "$since" 2>/dev/null | tr '\n' '|')"
	[ -n "$hl" ] && fact "journal: $hl"

	# Data: through each LUN's by-id link, into that LUN's backing file
	# and nowhere else.
	local i j byid ok=0
	for i in 0 1 2; do
		make_pattern "$OUT/pattern.nitro-lun$i" "NITRO-LUN$i"
	done
	for i in 0 1 2; do
		if ! byid=$(nitro_lun_byid "$i"); then
			problem "LUN $i has no by-id link"
			continue
		fi
		if ! write_pattern "$OUT/pattern.nitro-lun$i" "$byid"; then
			problem "cannot write through $byid"
			continue
		fi
		if ! file_has_pattern "$OUT/pattern.nitro-lun$i" "$WORK/nitro-lun$i.img"; then
			problem "1 MiB via $byid ($(readlink -f "$byid")) not in LUN $i's backing file"
			continue
		fi
		for j in 0 1 2; do
			[ "$j" = "$i" ] && continue
			file_has_pattern "$OUT/pattern.nitro-lun$i" "$WORK/nitro-lun$j.img" &&
				problem "1 MiB via $byid also in LUN $j's backing file"
		done
		has_pattern "$OUT/pattern.nitro-lun$i" "/dev/$ns" && problem "1 MiB via $byid landed on the NVMe volume"
		ok=$((ok + 1))
	done
	[ "$ok" -eq 3 ] && fact "1 MiB via each LUN's by-id link found in that LUN's backing file only"
	sum1=$(nitro_md5 "$ns")
	if [ "$sum0" = "$sum1" ]; then
		fact "NVMe volume md5 unchanged while logged in"
	else
		problem "NVMe volume changed while logged in ($sum0 -> $sum1)"
	fi
	wait "$latpid"
	fact "handover latency of sdf: $(cat "$OUT/lat.nitro.result" 2>/dev/null || echo 'not measured')"

	# Log out: the name goes back to the volume.
	since=$(date '+%Y-%m-%d %H:%M:%S')
	t0=$(now_ms)
	nitro_logout || problem "logout failed"
	# The give-back is a change uevent the helper sends on the real disk's
	# remove; wait for its result rather than assume it ran.
	wait_for 30 "/dev/sdf -> $ns" bash -c "[ \"\$(readlink -f /dev/sdf)\" = /dev/$ns ]"
	settle
	if [ -L /dev/sdf ] && [ "$(readlink -f /dev/sdf)" = "/dev/$ns" ]; then
		fact "after logout: /dev/sdf -> $ns again in $(($(now_ms) - t0)) ms"
	else
		problem "after logout: /dev/sdf is not the volume's link: $(ls -l /dev/sdf 2>&1)"
	fi
	problems_from "after logout" nitro_check_ns_links "$ns" alias
	problems_from "after logout" check_test64
	local f
	for f in /dev/sd*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		case $(readlink -f "$f") in "/dev/$ns" | "/dev/$ns"p*) continue ;; esac
		problem "after logout: stale $f ($(ls -l "$f" 2>&1))"
	done
	expect_status 0
	sum1=$(nitro_md5 "$ns")
	if [ "$sum0" = "$sum1" ]; then
		fact "NVMe volume md5 unchanged after logout"
	else
		problem "NVMe volume changed after logout ($sum0 -> $sum1)"
	fi
	log "ec2-xvd-alias journal since logout: $(journalctl -o cat -t ec2-xvd-alias -S "$since" 2>/dev/null | tr '\n' '|')"
	nitro_cleanup "$ns"
	return 0
}
