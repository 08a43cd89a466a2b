#!/bin/bash
# Runs inside the EC2-like domU at every boot (ec2xa-domu-check.service,
# installed into the domU's disk by dom0-driver.sh). It checks what the boot
# left behind, writes the results to /var/lib/ec2xa-domu/bootN/ on the
# domU's own root disk (the dom0 reads them after the domain is gone), then
# reboots from inside or powers off:
#
#   boot 1: only the stock rule: the collision; then, with an RPM, rpm -i
#           live, the stable-name fstab line, and a reboot from inside
#   boot 2: the package installed (live, in boot 1) at coldplug; then
#           rpm -e live, and poweroff
#
# plan: RPM (the file name in /root, empty without one), MARKER_SHA (sha256
# of /data/marker on xvdf), XVDA_MIB.
#
# Result files per boot: problems.PHASE (one per line), facts.PHASE,
# links.xvd (the Xen disks' links: boot 1's after the live install, boot
# 2's at its check, compared by the dom0), patterns ("LUN OFFSET_MIB TAG"),
# timing, status.txt, journal-{errors,warnings,names}.txt.
set -u
export PAYLOAD=/usr/local/lib/ec2xa OUT=/var/lib/ec2xa-domu
# shellcheck source=/dev/null # tests/guest/guest/lib.sh, checked on its own
. /usr/local/lib/ec2xa/lib.sh
# shellcheck source=/dev/null # written by dom0-driver.sh
. /etc/ec2xa-domu/plan

# Three LUNs with sizes that tell them apart (dom0-driver.sh makes them).
# Replaces lib.sh's two-LUN version for its check_sd_identity.
# shellcheck disable=SC2317 # called from lib.sh
lun_mib() {
	case $1 in
	0) echo 96 ;;
	1) echo 48 ;;
	2) echo 80 ;;
	esac
}
NLUNS=3
NPATHS=6
HELPER=/usr/lib/udev/ec2-xvd-alias

mkdir -p "$OUT"
n=$(($(cat "$OUT/boots" 2>/dev/null || echo 0) + 1))
echo "$n" >"$OUT/boots"
R=$OUT/boot$n
rm -rf "$R"
mkdir -p "$R"
exec 2>"$R/trace.log"
set -x
console "EC2XA-DOMU-BOOT $n uptime=$(cut -d' ' -f1 /proc/uptime)"

# Problems and facts go to one file per phase (boot, rpm-i, rpm-e): each
# phase becomes one verdict line in the dom0 (boot 1: domu-control-stock,
# domu-rpm-install-live; boot 2: domu-boot-ours, domu-rpm-erase-live).
PHASE=boot
problem() {
	echo "$*" >>"$R/problems.$PHASE"
	log "PROBLEM: $*"
}
fact() {
	echo "$*" >>"$R/facts.$PHASE"
	log "FACT: $*"
}
problems_from() {
	local what=$1 line
	shift
	while IFS= read -r line; do
		[ -n "$line" ] && problem "$what: $line"
	done < <("$@")
}
: >"$R/problems.boot"
: >"$R/facts.boot"

# ---------------------------------------------------------------- boot facts

# Monotonic microseconds -> seconds with one decimal.
usec_s() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000000 }'; }
login_us=$(systemctl show -P ActiveEnterTimestampMonotonic open-iscsi.service)
login_result=$(systemctl show -P Result open-iscsi.service)
echo "login_done_s $(usec_s "${login_us:-0}")" >>"$R/timing"
echo "runner_start_s $(cut -d' ' -f1 /proc/uptime)" >>"$R/timing"

sessions() { iscsiadm -m session 2>/dev/null | grep -c '^tcp:'; }
# Every LUN is a multipath map with two active ready paths: three WWIDs,
# each with two "active ready" paths, and three dm multipath maps.
maps_ready() {
	[ "$(sd_disks | wc -l)" -eq "$NPATHS" ] || return 1
	[ "$(dmsetup ls --target multipath 2>/dev/null | grep -c .)" -eq "$NLUNS" ] || return 1
	timeout 30 multipathd show paths format '%w %d %t %T' 2>/dev/null | awk -v n="$NLUNS" '
		$3 == "active" && $4 == "ready" { ok[$1]++ }
		END { m = 0; for (w in ok) if (ok[w] == 2) m++; exit m != n }'
}
# shellcheck disable=SC2317 # called through wait_for
all_paths() { [ "$(sd_disks | wc -l)" -eq "$NPATHS" ]; }

# Sessions: made by open-iscsi.service during the boot, not by us.
if [ "$login_result" = success ] && [ "${login_us:-0}" -gt 0 ]; then
	fact "open-iscsi.service logged in at $(usec_s "$login_us") s"
else
	problem "open-iscsi.service did not finish its logins (Result=$login_result)"
fi
wait_for 120 "$NPATHS SCSI paths" all_paths ||
	problem "only $(sd_disks | wc -l) of $NPATHS SCSI paths after login: $(sd_disks | tr '\n' ' ')"
[ "$(sessions)" -eq 2 ] || problem "$(sessions) iSCSI sessions, want 2: $(iscsiadm -m session 2>&1 | tr '\n' ';')"
settle

# The Xen disks' links, for the dom0 to compare across boots (after the
# live install in boot 1, at the check of boot 2).
xvd_links() {
	local p
	for p in /sys/class/block/xvd*; do
		[ -e "$p" ] || continue
		# by-diskseq numbers count every disk the kernel has seen this
		# boot: not a link of ours, and not meant to be stable.
		echo "${p##*/}: $(udevadm info -q symlink "$p" | tr ' ' '\n' | grep -v '^disk/by-diskseq/' | sort | tr '\n' ' ')"
	done
}

write_lun_patterns() {
	# One 1 MiB pattern per LUN, through the LUN's by-id link, at 8 + 8 *
	# boot MiB; the dom0 looks for it there in the backing file after the
	# domain is gone (the tag is new each boot, so old data cannot pass).
	local off=$((8 + 8 * n)) lun s link tag
	for lun in $(seq 0 $((NLUNS - 1))); do
		s=$(sd_of_lun "$lun") || {
			problem "no SCSI path of LUN $lun"
			continue
		}
		# The WWN link, or the SCSI-name one if udev made no wwn-*.
		link=$(udevadm info -q symlink "/sys/class/block/$s" | tr ' ' '\n' |
			grep -E '^disk/by-id/(wwn|scsi)-' | sort -r | head -n 1)
		[ -n "$link" ] || {
			problem "LUN $lun ($s) has no by-id link"
			continue
		}
		link=/dev/$link
		tag="EC2XA-B$n-LUN$lun-$(od -An -N6 -tx1 /dev/urandom | tr -d ' ')"
		# fullblock: a read from the pipe returns at most 64 KiB, and
		# dd would write that short block as its one block.
		if yes "$tag" | head -c 1048576 |
			timeout 60 dd of="$link" bs=1M seek="$off" count=1 iflag=fullblock oflag=direct \
				conv=fsync,notrunc status=none; then
			echo "$lun $off $tag $link -> $(readlink -f "$link")" >>"$R/patterns"
		else
			problem "cannot write 1 MiB through $link"
		fi
	done
}

# The journal of this boot about the helper, in three files:
# journal-errors.txt, its lines at err or worse and udevd's own reports of
# it (a failure, a timeout, a kill): each is a problem; journal-names.txt,
# the handover's warnings about a name in use (an alias that changed
# meaning, issue 8), which this instance's fstab line must get;
# journal-warnings.txt, its other warnings, reported as facts (under TCG
# the handover's 5 s wait can run out at boot, and the helper says so).
helper_journal() {
	local pat=' names /dev/sd[a-z]*[0-9]*, which real disk '
	{
		journalctl -b -o short-monotonic -t ec2-xvd-alias -p err --no-pager 2>/dev/null | grep -v '^-- '
		# udevd's lines: the helper's syslog lines come from udevd's
		# cgroup too, so select by identifier, not by unit.
		journalctl -b -o short-monotonic SYSLOG_IDENTIFIER=systemd-udevd --no-pager 2>/dev/null |
			grep 'ec2-xvd-alias'
	} >"$R/journal-errors.txt"
	journalctl -b -o short-monotonic -t ec2-xvd-alias -p warning..warning --no-pager 2>/dev/null |
		grep -v '^-- ' >"$R/journal-all-warnings.txt"
	grep "$pat" "$R/journal-all-warnings.txt" >"$R/journal-names.txt"
	grep -v "$pat" "$R/journal-all-warnings.txt" >"$R/journal-warnings.txt"
}

xen_disks_intact() {
	local want got
	want=$XVDA_MIB
	got=$(($(blockdev --getsize64 /dev/xvda) / 1048576))
	[ "$got" -eq "$want" ] || problem "xvda is $got MiB, want $want"
	got=$(($(blockdev --getsize64 /dev/xvdf) / 1048576))
	[ "$got" -eq 32 ] || problem "xvdf is $got MiB, want 32"
	got=$(sha256sum </data/marker 2>/dev/null | cut -d' ' -f1)
	[ "$got" = "$MARKER_SHA" ] || problem "/data/marker on xvdf changed or unreadable (sha256 ${got:-none})"
	[ "$(findmnt -n -o SOURCE /)" = /dev/xvda1 ] || problem "/ is $(findmnt -n -o SOURCE /), not /dev/xvda1"
}

# ---------------------------------------------------------------- boot 2

# The boot with the package installed: coldplug and the boot's own logins
# under our rule.
check_ours() {
	local st rc mnt2
	if wait_for 90 "3 multipath maps with 2 active ready paths" maps_ready; then
		fact "login complete: $NPATHS paths, $NLUNS maps x 2 active ready at $(cut -d' ' -f1 /proc/uptime) s"
	else
		problem "multipath not ready: $(timeout 30 multipath -ll 2>&1 | tr '\n' ';' | cut -c1-400)"
	fi
	echo "ready_s $(cut -d' ' -f1 /proc/uptime)" >>"$R/timing"
	xvd_links >"$R/links.xvd"

	problems_from "nodes" check_sd_nodes
	problems_from "stale" check_no_stale_sd
	problems_from "udev links" check_links_claimed
	problems_from "TEST-64" check_test64
	problems_from "identity" check_sd_identity
	problems_from "xvd links" check_xvd_links noalias
	fact "$(find /dev/disk -type l | wc -l) links under /dev/disk resolve to their devices; sg_inq + size of $NPATHS paths right"

	# fstab: /dev/xvd-sdf always; /dev/sdf (nofail) either mounted from
	# the Xen volume or reported by status as a name in use.
	local src
	src=$(findmnt -n -o SOURCE /data)
	if [ "$(readlink -f "${src:-/nonexistent}")" = /dev/xvdf ]; then
		fact "/data (fstab /dev/xvd-sdf) mounted from xvdf"
	else
		problem "/data (fstab /dev/xvd-sdf) not mounted from xvdf: ${src:-not mounted}"
	fi
	st=$(timeout 60 "$HELPER" status 2>&1)
	rc=$?
	echo "$st" >"$R/status.txt"
	mnt2=$(findmnt -n -o SOURCE /data2)
	if [ -n "$mnt2" ]; then
		if [ "$(readlink -f "$mnt2")" = /dev/xvdf ]; then
			fact "/data2 (fstab /dev/sdf, nofail) mounted from xvdf"
		else
			problem "/data2 (fstab /dev/sdf) mounted from $mnt2, not the Xen volume"
		fi
	elif grep -qi 'names in use' <<<"$st"; then
		if sed -n '/[Nn]ames in use/,$p' <<<"$st" | grep -q '/dev/sdf'; then
			fact "/data2 (fstab /dev/sdf) not mounted; status lists /dev/sdf as a name in use"
			# What systemd did with it this boot (issue 8: it
			# mounts the alias, then stops the mount when a LUN
			# takes the name, because of the fsck pass).
			local ev
			ev=$(journalctl -b -o short-monotonic --no-pager -u data2.mount 2>/dev/null |
				grep -E 'Mounted data2.mount|Unmounted data2.mount' |
				sed -E 's/^\[ *([0-9.]+)\].* (Mounted|Unmounted) data2.mount.*/\2 at \1 s/' | paste -sd ',' -)
			[ -n "$ev" ] && fact "systemd this boot: /data2 $ev (the handover took sdf; nofail)"
		else
			problem "/data2 (fstab /dev/sdf) not mounted and status's Names in use does not list /dev/sdf"
		fi
	else
		problem "/data2 (fstab /dev/sdf) not mounted ($(systemctl show -P Result data2.mount)), and status has no 'Names in use' section"
	fi
	if [ "$rc" -eq 0 ]; then
		fact "status exit 0"
	else
		problem "status exit $rc: $(tr '\n' '|' <<<"$st" | cut -c1-300)"
	fi

	write_lun_patterns
	xen_disks_intact
	helper_journal
	if [ -s "$R/journal-errors.txt" ]; then
		problem "helper errors in the journal: $(head -n 3 "$R/journal-errors.txt" | tr '\n' ';' | cut -c1-300)"
	else
		fact "journal: no helper error, no udevd report of the helper failing"
	fi
	if [ -s "$R/journal-warnings.txt" ]; then
		fact "journal: $(grep -c . "$R/journal-warnings.txt") helper warning(s) besides names in use: $(head -n 1 "$R/journal-warnings.txt" | sed 's/^.*ec2-xvd-alias\[[0-9]*\]: //' | cut -c1-200)"
	fi
	# The fstab line naming /dev/sdf: if a LUN took sdf this boot, the
	# handover must have said so in the journal, naming the line.
	if [ -e /sys/block/sdf ]; then
		if grep -q '/etc/fstab:[0-9]* names /dev/sdf, ' "$R/journal-names.txt"; then
			fact "journal: the handover warned that /etc/fstab:$(grep -o '/etc/fstab:[0-9]*' "$R/journal-names.txt" | head -n 1 | cut -d: -f2) names /dev/sdf"
		else
			problem "a LUN took sdf, but the handover did not warn about the fstab line naming /dev/sdf"
		fi
	fi
}

# ---------------------------------------------------------------- boot 1

# The collision as amazon-ec2-utils' rule leaves it after this boot.
check_collision() {
	local s tgt n=0 list=
	wait_for 60 "multipath maps" maps_ready
	echo "ready_s $(cut -d' ' -f1 /proc/uptime)" >>"$R/timing"
	for s in sda sdf; do
		[ -e "/sys/block/$s" ] || {
			problem "no real $s: the LUN paths did not take the names"
			continue
		}
		tgt=$(readlink -f "/dev/$s")
		case $tgt in
		/dev/xvd*)
			n=$((n + 1))
			list="$list /dev/$s -> $tgt (LUN $(lun_of "$s"))"
			;;
		esac
	done
	if [ "$n" -gt 0 ]; then
		fact "collision:$list"
	else
		problem "no collision with the stock rule: /dev/sda $(ls -l /dev/sda 2>&1), /dev/sdf $(ls -l /dev/sdf 2>&1)"
	fi
	check_links_claimed >"$R/collision-links.txt"
	fact "$(grep -c . "$R/collision-links.txt") LUN links resolve to a device that does not claim them (e.g. $(head -n 1 "$R/collision-links.txt"))"
	check_sd_identity >"$R/collision-identity.txt"
	[ -s "$R/collision-identity.txt" ] && fact "identity: $(head -n 1 "$R/collision-identity.txt")"
	fact "multipath: $(mpath_paths | grep -E 'failed|faulty' | tr '\n' ';')$(mpath_paths | grep -cE 'active ready') of $NPATHS paths active ready"
}

# shellcheck disable=SC2317 # called through wait_for
settled_fixed() { check_state_fixed >/dev/null 2>&1 && maps_ready; }

# rpm -i on the collision, with multipathd running and the boot's
# sessions logged in; then what an admin who read our docs does next.
install_live() {
	local rpmf=/root/$RPM out rc sids_before sids_after
	PHASE=rpm-i
	: >"$R/problems.$PHASE"
	[ -f "$rpmf" ] || {
		problem "rpm-i: $rpmf not in the domU (the plan names it)"
		return 0
	}
	systemctl is-active --quiet multipathd || problem "multipathd not running before rpm -i"
	sids_before=$(iscsiadm -m session 2>/dev/null | sort)
	# Debian's rpm: its database has none of dpkg's packages, so the
	# dependency on systemd-udev cannot be met from it (--nodeps), and
	# rpm refuses to run on Debian without --force-debian.
	out=$(timeout 300 rpm -i --nodeps --force-debian "$rpmf" 2>&1)
	rc=$?
	echo "$out" >"$R/rpm-i.txt"
	[ "$rc" -eq 0 ] || problem "rpm-i: exit $rc: $(tr '\n' '|' <<<"$out" | cut -c1-200)"
	settle
	wait_for 60 "fixed after rpm -i" settled_fixed
	# The links the live install gave the Xen disks: boot 2 must come up
	# with the same ones (the dom0 compares them).
	xvd_links >"$R/links.xvd"
	problems_from "rpm-i" check_state_fixed
	maps_ready || problem "rpm-i: multipath not 3 maps x 2 active ready: $(mpath_paths | tr '\n' ';')"
	sids_after=$(iscsiadm -m session 2>/dev/null | sort)
	[ "$sids_before" = "$sids_after" ] || problem "rpm-i: sessions changed (re-login?)"
	out=$(timeout 60 "$HELPER" status 2>&1)
	rc=$?
	echo "$out" >"$R/status-after-rpm-i.txt"
	[ "$rc" -eq 0 ] || problem "rpm-i: status exit $rc: $(tr '\n' '|' <<<"$out" | cut -c1-200)"
	systemctl is-active --quiet multipathd || problem "rpm-i: multipathd not running"
	[ -s "$R/problems.$PHASE" ] || fact "fixed without reboot or re-login: real nodes, links, sg_inq, 3 maps x 2 active ready, status exit 0, same sessions"

	# Our docs' fstab line for the data volume; the /dev/sdf line stays
	# (it is what boot 2's handover warns about). Written once the
	# package is in, since only our rule makes /dev/xvd-sdf: without it,
	# boot 2 would wait for the device and end in emergency mode. The
	# reboot reads it; nothing mounts it now.
	if [ -e "$HELPER" ]; then
		echo "/dev/xvd-sdf /data ext4 defaults 0 2" >>/etc/fstab
		fact "fstab: /dev/xvd-sdf /data added (line $(wc -l </etc/fstab)), /dev/sdf /data2 kept"
	fi
}

# rpm -e in the boot with the package, with multipathd running.
erase_live() {
	local out rc l
	PHASE=rpm-e
	: >"$R/problems.$PHASE"
	out=$(timeout 300 rpm -e ec2-xvd-alias 2>&1)
	rc=$?
	echo "$out" >"$R/rpm-e.txt"
	[ "$rc" -eq 0 ] || problem "rpm-e: exit $rc: $(tr '\n' '|' <<<"$out" | cut -c1-200)"
	settle
	[ -e /etc/udev/rules.d/51-ec2-hvm-devices.rules ] && problem "rpm-e: left /etc/udev/rules.d/51-ec2-hvm-devices.rules"
	[ -e "$HELPER" ] && problem "rpm-e: left $HELPER"
	[ -f "$STOCK_RULE" ] || problem "rpm-e: stock rule $STOCK_RULE gone"
	# The stock rule in force again: the Xen disks claim their sd names.
	l=" $(udevadm info -q symlink /sys/class/block/xvda) "
	[[ $l == *" sda "* ]] || problem "rpm-e: xvda does not claim sda again (links:$l)"
	l=" $(udevadm info -q symlink /sys/class/block/xvdf) "
	[[ $l == *" sdf "* ]] || problem "rpm-e: xvdf does not claim sdf again (links:$l)"
	systemctl is-active --quiet multipathd || problem "rpm-e: multipathd not running"
	[ -s "$R/problems.$PHASE" ] || fact "stock rule back: /etc rule and helper gone, xvda/xvdf claim sda/sdf again (/dev/sda -> $(readlink -f /dev/sda)), multipathd running"
}

# Without an RPM the domU has one boot, the control; the dom0 skips the
# package's verdicts.
next=poweroff
case $n in
1)
	check_collision
	if [ -n "${RPM:-}" ]; then
		install_live
		next=reboot
	fi
	;;
2)
	check_ours
	erase_live
	;;
*) problem "boot $n: the plan has two boots" ;;
esac

set +x
journalctl -b --no-pager -o short-monotonic >"$R/journal.txt" 2>&1
dmesg >"$R/dmesg.txt" 2>&1
echo "end_s $(cut -d' ' -f1 /proc/uptime)" >>"$R/timing"
console "EC2XA-DOMU-DONE $n problems=$(cat "$R"/problems.* | grep -c .)"
sync
if [ "$next" = reboot ]; then
	# The reboot from inside is part of what is tested: an orderly one.
	systemctl --no-block reboot
else
	# Done with this instance: its results are on disk (sync above).
	# --force skips stopping units one by one (logouts, multipathd; a
	# minute under TCG) but still unmounts, so the dom0 reads a clean
	# file system.
	systemctl --force poweroff
fi
exit 0
