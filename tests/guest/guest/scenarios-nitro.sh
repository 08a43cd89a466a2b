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
# Amazon's side on an instance: the rule amazon-ec2-utils installs and the
# tool it runs; the payload's copies are tests/stock's stand-in rule (its
# model match widened to QEMU's, see run-guest-tests.sh) and the
# ebsnvme-id TEST DOUBLE.
NITRO_STOCK_RULE=/usr/lib/udev/rules.d/70-ec2-nvme-devices.rules
NITRO_EBSNVME_ID=/usr/sbin/ebsnvme-id

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
	tpg_enable_demo "$tpg" || return 1
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

# Amazon's by-id link of the volume (the 70 rule's own name, -ns-N) is
# still among its links: our rule rebuilds the list without dropping it.
nitro_check_stock_byid() {
	local ns=$1 want links
	want=disk/by-id/nvme-QEMU_NVMe_Ctrl_${NITRO_SERIAL}-ns-${1##*n}
	links=" $(udevadm info -q symlink "/sys/class/block/$ns" 2>/dev/null) "
	[[ $links == *" $want "* ]] && return 0
	echo "$ns lost Amazon's link $want (links:$links)"
	return 1
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
	# Only the SCSI paths (the NVMe volume is blacklisted; scn_nitro
	# checks that apart).
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

# The configuration both doubles read: the shim (for the helper's ioctl)
# and the ebsnvme-id double (for the stock rule).
nitro_write_conf() {
	printf '# TEST DOUBLE configuration of the guest tier (scenario nitro)\nserial=%s mapping=%s\n' \
		"$NITRO_SERIAL" "$NITRO_MAPPING" >"$NITRO_SHIM_CONF"
}

# Amazon's rule and the ebsnvme-id double, as amazon-ec2-utils puts them.
nitro_install_stock() {
	install -D -m 755 "$PAYLOAD/stock/ebsnvme-id" "$NITRO_EBSNVME_ID" || return 1
	install -D -m 644 "$PAYLOAD/stock/70-ec2-nvme-devices.rules" "$NITRO_STOCK_RULE" || return 1
	nitro_write_conf || return 1
	udevadm control --reload
}

nitro_uninstall_stock() {
	rm -f "$NITRO_STOCK_RULE" "$NITRO_EBSNVME_ID"
	udevadm control --reload
}

nitro_install_shim() {
	install -D -m 644 "$PAYLOAD/nvme-shim/ec2xa-nvme-shim.so" "$NITRO_SHIM" || return 1
	nitro_write_conf || return 1
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
	nitro_uninstall_stock
	[ -n "$ns" ] && timeout 60 udevadm trigger --action=change --settle "/sys/class/block/$ns"
	settle
}

# ---------------------------------------------------------------- scenario

scn_nitro() {
	# Time stamps in the trace (no fork: bash's own clock), to see where
	# the time goes on a slow TCG guest.
	local PS4='+ ${EPOCHREALTIME} '
	need_helper || return 0
	if [ ! -f "$PAYLOAD/stock/70-ec2-nvme-devices.rules" ] || [ ! -f "$PAYLOAD/stock/ebsnvme-id" ]; then
		skip "no stock 70-ec2-nvme-devices.rules or ebsnvme-id double in the payload (see the host's output)"
		return 0
	fi
	if [ ! -f "$PAYLOAD/nvme-shim/ec2xa-nvme-shim.so" ]; then
		skip "no nvme-shim in the payload (tests/guest/nvme-shim/build.sh failed on the host)"
		return 0
	fi
	local ns
	if ! ns=$(nitro_namespace); then
		skip "no QEMU NVMe namespace with serial $NITRO_SERIAL (is -device nvme in run-guest-tests.sh?)"
		return 0
	fi
	console "EC2XA-NOTE nitro: QEMU cannot present Amazon's NVMe vendor data (PCI vendor 0x1D0F, model, mapping name at byte 3072): the one TEST DOUBLE is ec2xa-nvme-shim.so (/etc/ld.so.preload), which rewrites the Identify Controller answer of $ns (serial $NITRO_SERIAL) to EBS mapping '$NITRO_MAPPING'; sysfs keeps model '$(sed 's/ *$//' "/sys/block/$ns/device/model" 2>/dev/null)'. Amazon's side (70-ec2-nvme-devices.rules stand-in, model match also QEMU's, and the ebsnvme-id double) runs beside our 71 rule."
	reset_state ours || problem "reset_state failed"
	local since
	since=$(date '+%Y-%m-%d %H:%M:%S')
	# As on an instance: Amazon's rule first (70), ours after it (71).
	nitro_install_stock || {
		problem "cannot install the stock Nitro rule"
		nitro_cleanup "$ns"
		return 0
	}
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
		fact "before login: $ns EC2XA_ALIAS=$NITRO_MAPPING EC2XA_NAME=xvdf"
	else
		problem "before login: $ns properties are '$props', want EC2XA_ALIAS=$NITRO_MAPPING and EC2XA_NAME=xvdf"
	fi
	local n_td
	n_td=$(journalctl -o cat -S "$since" 2>/dev/null | grep -c 'ec2xa-nvme-shim: TEST DOUBLE: rewrote Identify Controller')
	if [ "$n_td" -gt 0 ]; then
		fact "$n_td shim rewrites in the journal"
	else
		problem "no 'TEST DOUBLE' line of the shim in the journal: the helper did not read Identify through the shim"
	fi
	# Amazon's rule ran first: udev's debug log has its link lines.
	if journalctl -o cat -S "$since" 2>/dev/null | grep -q "$ns: $NITRO_STOCK_RULE:[0-9]* LINK '$NITRO_MAPPING'"; then
		fact "70 rule: LINK '$NITRO_MAPPING'"
	else
		problem "no \"$ns: $NITRO_STOCK_RULE:N LINK '$NITRO_MAPPING'\" in udev's debug log: Amazon's rule did not run"
	fi
	problems_from "before login" nitro_check_stock_byid "$ns"
	problems_from "before login" nitro_check_ns_links "$ns" alias
	problems_from "before login" check_test64
	[ "$(readlink -f /dev/sdf)" = "/dev/$ns" ] && [ "$(readlink -f /dev/sdf1)" = "/dev/${ns}p1" ] &&
		fact "/dev/sdf, sdf1, xvd-sdf -> $ns, ${ns}p1, $ns"

	local pat=$OUT/pattern.nitro-nvme sum0 sum1
	make_pattern "$pat" NITRO-NVME
	if write_pattern "$pat" /dev/sdf && has_pattern "$pat" "/dev/$ns"; then
		fact "1 MiB via /dev/sdf on $ns"
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
	fact "login (6 disks) in $(($(now_ms) - t0)) ms"
	if [ -e /sys/block/sdf ]; then
		if [ -b /dev/sdf ] && [ ! -L /dev/sdf ] && [ "$(stat -c '%Hr:%Lr' /dev/sdf)" = "$(devnum_of sdf)" ]; then
			fact "/dev/sdf is the node of kernel sdf (LUN $(lun_of sdf))"
		else
			problem "/dev/sdf is not the node of kernel sdf $(devnum_of sdf): $(ls -l /dev/sdf 2>&1)"
		fi
	else
		problem "no kernel sdf after login: $(sd_disks | tr '\n' ' ')"
	fi
	local np=${#PROBLEMS[@]}
	problems_from "after login" check_sd_nodes
	problems_from "after login" check_no_stale_sd
	problems_from "after login" check_links_claimed
	problems_from "after login" check_test64
	problems_from "after login" nitro_check_identity
	problems_from "after login" nitro_check_ns_links "$ns" noalias
	problems_from "after login" nitro_check_stock_byid "$ns"
	[ "${#PROBLEMS[@]}" -eq "$np" ] &&
		fact "after login: sd nodes real, no stale, links claimed, TEST-64, LUN identity, $ns has xvd-sdf and no sd link"
	if wait_for 45 "multipath paths active ready" mpath_all_active; then
		fact "multipath: 6 paths active ready"
	else
		problem "multipath paths not all active ready after 45 s: $(mpath_paths | tr '\n' ';')"
	fi
	problems_from "after login" nitro_check_maps
	# The guest's multipath.conf blacklists NVMe, as an admin on Nitro has it.
	timeout 30 multipathd show paths format '%d' 2>/dev/null | grep -q '^nvme' &&
		problem "multipathd lists an NVMe path despite the blacklist: $(timeout 30 multipathd show paths format '%d %m' | grep '^nvme' | tr '\n' ' ')"
	expect_status 0
	local hl
	hl=$(journalctl -o cat -t ec2-xvd-alias -S "$since" 2>/dev/null | grep -m 1 '^/dev/sdf: ')
	log "ec2-xvd-alias journal since login: $(journalctl -o cat -t ec2-xvd-alias -S "$since" 2>/dev/null | tr '\n' '|')"
	[ -n "$hl" ] && log "handover line: $hl"

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
	[ "$ok" -eq 3 ] && fact "1 MiB via each LUN's by-id link in that LUN only"
	sum1=$(nitro_md5 "$ns")
	if [ "$sum0" = "$sum1" ]; then
		fact "volume md5 unchanged"
	else
		problem "NVMe volume changed while logged in ($sum0 -> $sum1)"
	fi
	wait "$latpid"
	log "handover latency of sdf: $(cat "$OUT/lat.nitro.result" 2>/dev/null || echo 'not measured')"
	fact "latency $(cut -c1-80 "$OUT/lat.nitro.result" 2>/dev/null || echo 'not measured')"

	# Log out: the name goes back to the volume.
	since=$(date '+%Y-%m-%d %H:%M:%S')
	t0=$(now_ms)
	nitro_logout || problem "logout failed"
	# The give-back is a change uevent the helper sends on the real disk's
	# remove; wait for its result rather than assume it ran.
	wait_for 30 "/dev/sdf -> $ns" bash -c "[ \"\$(readlink -f /dev/sdf)\" = /dev/$ns ]"
	settle
	if [ -L /dev/sdf ] && [ "$(readlink -f /dev/sdf)" = "/dev/$ns" ]; then
		fact "logout: /dev/sdf -> $ns again in $(($(now_ms) - t0)) ms"
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
		fact "md5 unchanged after logout"
	else
		problem "NVMe volume changed after logout ($sum0 -> $sum1)"
	fi
	log "ec2-xvd-alias journal since logout: $(journalctl -o cat -t ec2-xvd-alias -S "$since" 2>/dev/null | tr '\n' '|')"
	nitro_cleanup "$ns"
	return 0
}

# ---------------------------------------------------------------- control

# The by-path link udev gave a SCSI disk (its own, ../../NAME).
nitro_bypath_of() {
	local l
	for l in $(udevadm info -q symlink "/sys/class/block/$1" 2>/dev/null); do
		case $l in disk/by-path/*)
			echo "/dev/$l"
			return 0
			;;
		esac
	done
	return 1
}

# The stock control of Nitro: Amazon's rule (stand-in) and the ebsnvme-id
# double, none of the project's rules. The volume attached as "sdf" gets
# /dev/sdf; a LUN that the kernel names sdf later finds its name taken.
# Passes when the bug shows, like stock-control does for Xen: the contract
# (/dev/sdX is the real SCSI disk sdX) is broken as it must be.
scn_nitro_stock_control() {
	local PS4='+ ${EPOCHREALTIME} '
	local ns
	if ! ns=$(nitro_namespace); then
		skip "no QEMU NVMe namespace with serial $NITRO_SERIAL (is -device nvme in run-guest-tests.sh?)"
		return 0
	fi
	if [ ! -f "$PAYLOAD/stock/70-ec2-nvme-devices.rules" ] || [ ! -f "$PAYLOAD/stock/ebsnvme-id" ]; then
		skip "no stock 70-ec2-nvme-devices.rules or ebsnvme-id double in the payload"
		return 0
	fi
	reset_state stock || problem "reset_state failed"
	nitro_install_stock || {
		problem "cannot install the stock Nitro rule"
		nitro_cleanup "$ns"
		return 0
	}
	timeout 60 udevadm trigger --action=change --settle "/sys/class/block/$ns"
	settle
	if [ "$(readlink -f /dev/sdf)" = "/dev/$ns" ]; then
		fact "stock rule: /dev/sdf -> $ns"
	else
		problem "the stock rule did not link /dev/sdf to $ns: $(ls -l /dev/sdf 2>&1) (links: $(udevadm info -q symlink "/sys/class/block/$ns" 2>&1))"
	fi
	nitro_setup_target || {
		problem "LIO target setup failed"
		nitro_cleanup "$ns"
		return 0
	}
	nitro_login || {
		problem "iSCSI login failed ($(sd_disks | tr '\n' ' '))"
		nitro_cleanup "$ns"
		return 0
	}
	if [ ! -e /sys/block/sdf ]; then
		problem "no kernel sdf after login: $(sd_disks | tr '\n' ' ')"
		nitro_cleanup "$ns"
		return 0
	fi
	local lun got
	lun=$(lun_of sdf)
	got=$(readlink -f /dev/sdf)
	if [ "$got" = "/dev/$ns" ]; then
		fact "collision: /dev/sdf resolves to $ns, not to LUN $lun's disk sdf ($(devnum_of sdf))"
	elif [ ! -L /dev/sdf ] && [ "$(node_devnum /dev/sdf)" = "$(devnum_of sdf)" ]; then
		problem "no collision: /dev/sdf is the node of kernel sdf"
	else
		problem "/dev/sdf is neither the volume nor the LUN: $(ls -l /dev/sdf 2>&1)"
	fi
	# What the LUN's own by-path link leads to: ../../sdf, through the
	# volume's link. Data meant for the LUN lands on the volume.
	local bp pat=$OUT/pattern.nitro-stock
	make_pattern "$pat" NITRO-STOCK
	if ! bp=$(nitro_bypath_of sdf); then
		problem "sdf has no by-path link"
	elif ! write_pattern "$pat" "$bp"; then
		problem "cannot write through $bp"
	elif has_pattern "$pat" "/dev/$ns"; then
		fact "1 MiB written via sdf's by-path link landed on the NVMe volume"
		file_has_pattern "$pat" "$WORK/nitro-lun$lun.img" && problem "pattern also on LUN $lun"
	elif file_has_pattern "$pat" "$WORK/nitro-lun$lun.img"; then
		problem "no collision: 1 MiB via $bp reached LUN $lun"
	else
		problem "1 MiB via $bp reached neither the volume nor LUN $lun"
	fi
	local st
	st=$(mpath_state sdf)
	log "multipath -ll: $(timeout 30 multipath -ll 2>&1)"
	case $st in *failed* | *faulty*) fact "multipathd: sdf $st" ;; *) log "multipathd: sdf '$st'" ;; esac
	# The admin's view (the helper installed, none of its rules), as the
	# Xen control checks it: exit 2 and the collision named.
	if have_helper; then
		local out rc
		out=$(helper_status)
		rc=$?
		log "status (no rule of ours installed): $out"
		if [ "$rc" -ne 2 ]; then
			problem "ec2-xvd-alias status exited $rc, want 2"
		elif [[ $out != *"/dev/sdf is a symlink to '$ns'"* ]]; then
			problem "status exit 2 but does not name /dev/sdf -> $ns: ${out:0:200}"
		else
			fact "status exit 2: /dev/sdf is a symlink to '$ns'"
		fi
	fi
	nitro_cleanup "$ns"
	return 0
}
