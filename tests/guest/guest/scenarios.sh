# shellcheck shell=bash
# Scenarios of tier 3 (DESIGN 6.3, the brief of tests/guest). Sourced by
# run-scenarios.sh after lib.sh. Each scn_NAME function collects problems
# with problem() and facts with fact(); the driver turns them into exactly
# one verdict line. A scenario never prints PASS itself.

PROBLEMS=()
FACTS=()
problem() { PROBLEMS+=("$*"); log "PROBLEM: $*"; }
fact() { FACTS+=("$*"); log "FACT: $*"; }
# Problems a check printed, one per line, become problems of the scenario.
problems_from() {
	local what=$1 line
	shift
	while IFS= read -r line; do
		[ -n "$line" ] && problem "$what: $line"
	# Only stdout: the shell trace on stderr goes to the scenario log.
	done < <("$@")
}
skip() { echo "$*" >"$OUT/skip.$SCENARIO"; }

need_helper() {
	have_helper && return 0
	skip "no helper in BUILDDIR (nothing installed as ec2-xvd-alias)"
	return 1
}

# The iSCSI disk LUN 0 and its by-id link (whole disk) as udev made it.
lun0_byid() {
	local s0 l
	s0=$(sd_of_lun 0) || return 1
	for l in $(udevadm info -q symlink "/sys/class/block/$s0"); do
		case $l in disk/by-id/wwn-* | disk/by-id/scsi-*)
			echo "/dev/$l"
			return 0
			;;
		esac
	done
	return 1
}
lun_bypath() { echo "/dev/disk/by-path/ip-$PORTAL-iscsi-$IQN-lun-$1"; }

# Wait for multipath to settle on every path being active, report the
# state it ended in.
expect_mpath_active() {
	if wait_for 45 "multipath paths active ready" mpath_all_active; then
		fact "multipath: $(mpath_paths | tr '\n' ';')"
		return 0
	fi
	local st
	st=$(mpath_paths | tr '\n' ';')
	log "multipath -ll: $(timeout 30 multipath -ll 2>&1)"
	# Diagnosis for whoever fixes it: multipathd keeps the fd it opened
	# when the path was added; if /dev/sdX was the Xen alias then, its TUR
	# checker keeps testing the Xen disk. Does making multipathd reopen
	# the path help? (The scenario fails either way.)
	local how=
	run 60 multipathd reconfigure >&2
	if wait_for 30 "multipath active after reconfigure" mpath_all_active; then
		how="multipathd reconfigure"
	else
		local s
		for s in $(sd_disks); do
			run 30 multipathd del path "$s" >&2
			run 30 multipathd add path "$s" >&2
		done
		wait_for 30 "multipath active after del/add path" mpath_all_active &&
			how="multipathd del path + add path"
	fi
	problem "multipath paths not all active ready after 45 s: $st (${how:-neither multipathd reconfigure nor del/add path} made them active)"
}

expect_status() {
	local want=$1 s rc
	s=$(helper_status)
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		problem "ec2-xvd-alias status exited $rc, want $want: ${s:0:300}"
	else
		fact "status exit $rc"
	fi
	log "status: $s"
	status_json "$rc"
}

# status_json RC: the same facts for a fleet, `status --json` on the real
# system, right after a `status` that exited RC; its exit status must be
# the same. The host validates every document it leaves in
# OUT/status-json against docs/status.schema.json (run-guest-tests.sh).
status_json() {
	local j jrc
	mkdir -p "$OUT/status-json"
	j=$OUT/status-json/$SCENARIO-$(find "$OUT/status-json" -name "$SCENARIO-*.json" | wc -l).json
	timeout 60 "$HELPER" status --json >"$j" 2>"$j.err"
	jrc=$?
	[ "$jrc" -eq "$1" ] || problem "status --json exited $jrc, status $1 ($(head -c 200 "$j.err"))"
}

# Make the collision: stock rule, xvda (partitioned) first, then login.
make_collision() {
	reset_state "$1" || problem "reset_state $1 failed"
	attach_xvd xvda "$WORK/xvda.img" || {
		problem "xl block-attach xvda failed"
		return 1
	}
	if [ "$(readlink -f /dev/sda)" != /dev/xvda ]; then
		problem "stock rule did not link /dev/sda to xvda: $(ls -l /dev/sda 2>&1)"
	fi
	iscsi_login || {
		problem "iSCSI login failed"
		return 1
	}
}

# ---------------------------------------------------------------- 1

scn_stock_control() {
	make_collision stock || return 0
	# The LUN the kernel named sda: the scan probes LUNs concurrently, so
	# it is LUN 0 on most runs and LUN 1 on some.
	local s0=sda lun got pat
	lun=$(lun_of sda 2>/dev/null)
	if [ ! -e /sys/block/sda ] || [ -z "$lun" ]; then
		problem "no LUN took the kernel name sda: $(sd_disks | tr '\n' ' ')"
		return 0
	fi
	got=$(readlink -f "/dev/$s0")
	if [ "$got" = /dev/xvda ]; then
		fact "/dev/$s0 (LUN $lun) resolves to xvda"
	else
		problem "no collision: /dev/$s0 resolves to $got"
	fi
	if wait_for 60 "multipath path $s0 failed/faulty" \
		bash -c "multipathd show paths format '%d %t %T' | grep -E '^$s0 .*(failed|faulty)'"; then
		fact "multipathd: $(mpath_paths | grep "^$s0 " | tr '\n' ' ')"
	else
		problem "multipath does not show $s0 failed/faulty: $(mpath_paths | tr '\n' ';')"
	fi
	log "multipath -ll: $(timeout 30 multipath -ll 2>&1)"
	pat=$OUT/pattern.stock
	make_pattern "$pat" STOCK
	if ! write_pattern "$pat" "$(lun_bypath "$lun")"; then
		problem "cannot write through $(lun_bypath "$lun")"
	elif file_has_pattern "$pat" "$WORK/xvda.img"; then
		fact "1 MiB written via LUN $lun's by-path link landed on the Xen disk"
		file_has_pattern "$pat" "$WORK/lun$lun.img" && problem "pattern also on the LUN"
	else
		problem "pattern written via by-path did not reach the Xen disk"
	fi
	if have_helper; then
		local s rc
		s=$(helper_status)
		rc=$?
		log "status: $s"
		status_json "$rc"
		if [ "$rc" -ne 2 ]; then
			problem "ec2-xvd-alias status exited $rc, want 2"
		elif [[ $s != *"$s0"* ]]; then
			problem "status exit 2 but does not name $s0: ${s:0:200}"
		else
			fact "status exit 2 naming $s0"
		fi
	else
		fact "status not checked: no helper in BUILDDIR"
	fi
}

# ---------------------------------------------------------------- 2

scn_repair() {
	need_helper || return 0
	# Right after stock-control; recreate the collision if it is not there.
	if [ ! -e /sys/block/sda ] || [ "$(readlink -f /dev/sda)" != /dev/xvda ]; then
		log "collision not present, making it"
		make_collision stock || return 0
	fi
	install_project yes
	local out rc
	out=$(timeout 120 "$HELPER" repair 2>&1)
	rc=$?
	log "repair exit $rc: $out"
	if [ "$rc" -ne 0 ]; then
		problem "repair exited $rc: ${out//$'\n'/ | }"
	else
		fact "repair exit 0"
	fi
	settle
	problems_from "after repair" check_state_fixed
	expect_status 0
	expect_mpath_active
	[ "$(readlink -f /dev/sda)" = /dev/sda ] && fact "/dev/sda is node $(node_devnum /dev/sda)"
}

# ---------------------------------------------------------------- 3

scn_boot_order() {
	need_helper || return 0
	reset_state ours || problem "reset_state failed"
	attach_xvd xvda "$WORK/xvda.img" || {
		problem "attach xvda failed"
		return 0
	}
	problems_from "before login" check_xvd_links alias
	local sum0 sum1 lat
	sum0=$(md5sum </dev/xvda | cut -d' ' -f1)
	rm -f "$OUT/lat.ready" "$OUT/lat.result"
	python3 "$PAYLOAD/guest/latency.py" sda "$OUT/lat.ready" "$OUT/lat.result" 180 &
	local latpid=$!
	wait_for 60 "latency monitor ready" test -e "$OUT/lat.ready" || problem "latency monitor did not start"
	iscsi_login || {
		problem "iSCSI login failed"
		return 0
	}
	local s0
	s0=$(sd_of_lun 0)
	[ "$s0" = sda ] || log "LUN 0 is $s0, not sda"
	problems_from "after login" check_state_fixed
	expect_mpath_active
	expect_status 0
	if [ "$(readlink -f /dev/sda)" = /dev/sda ] &&
		[ "$(stat -c '%Hr:%Lr' /dev/sda)" = "$(devnum_of sda)" ]; then
		fact "/dev/sda is node $(devnum_of sda)"
	fi
	# Data: through the LUN's by-id link, to the LUN only.
	local byid pat
	byid=$(lun0_byid) || problem "LUN 0 has no by-id link"
	pat=$OUT/pattern.boot-order
	make_pattern "$pat" BOOTORDER
	if [ -n "$byid" ] && write_pattern "$pat" "$byid"; then
		if has_pattern "$pat" "$byid" && file_has_pattern "$pat" "$WORK/lun0.img"; then
			fact "1 MiB via $byid read back and found in the LUN's backing file"
		else
			problem "pattern written via $byid not found on the LUN"
		fi
	else
		problem "cannot write through ${byid:-by-id}"
	fi
	sum1=$(md5sum </dev/xvda | cut -d' ' -f1)
	if [ "$sum0" = "$sum1" ]; then
		fact "xvda md5 unchanged"
	else
		problem "xvda content changed ($sum0 -> $sum1)"
	fi
	wait "$latpid"
	lat=$(cat "$OUT/lat.result" 2>/dev/null)
	fact "handover latency: ${lat:-not measured}"
	[[ $lat == *kernel_add_to_node_ms=none* ]] && problem "/dev/sda never became the real node while measured"
	return 0
}

# ---------------------------------------------------------------- 4

scn_login_first() {
	need_helper || return 0
	reset_state ours || problem "reset_state failed"
	iscsi_login || {
		problem "iSCSI login failed"
		return 0
	}
	local s0 before after
	s0=$(sd_of_lun 0)
	before=$(stat -c '%Hr:%Lr inode=%i' "/dev/$s0")
	attach_xvd xvda "$WORK/xvda.img" || problem "attach xvda failed"
	attach_xvd xvdf "$WORK/xvdf.img" || problem "attach xvdf failed"
	after=$(stat -c '%Hr:%Lr inode=%i' "/dev/$s0")
	if [ "$before" = "$after" ]; then
		fact "/dev/$s0 untouched ($after)"
	else
		problem "/dev/$s0 changed: $before -> $after"
	fi
	# The one rule: sda is a real disk, so xvda gets no sda; no real disk
	# is named sdf, so xvdf gets it, on a host with iSCSI as anywhere.
	if [ "$(readlink /dev/sdf 2>/dev/null)" = xvdf ]; then
		fact "/dev/sdf -> xvdf (no real disk sdf)"
	else
		problem "/dev/sdf is not the alias of xvdf: $(ls -l /dev/sdf 2>&1)"
	fi
	if [ -L /dev/sda ]; then problem "/dev/sda is a symlink: $(ls -l /dev/sda)"; fi
	problems_from "after attach" check_state_fixed
	[ -L /dev/xvd-sdf ] && [ -L /dev/xvd-sda1 ] && fact "xvd-sda, xvd-sda1, xvd-sda2, xvd-sdf present"
	expect_mpath_active
	expect_status 0
}

# ---------------------------------------------------------------- 5

scn_relogin() {
	need_helper || return 0
	reset_state ours || problem "reset_state failed"
	attach_xvd xvda "$WORK/xvda.img" || {
		problem "attach xvda failed"
		return 0
	}
	problems_from "before first login" check_xvd_links alias
	local i
	for i in 1 2 3; do
		iscsi_login || {
			problem "login $i failed"
			return 0
		}
		problems_from "after login $i" check_state_fixed
		wait_for 60 "multipath active" mpath_all_active ||
			problem "after login $i: multipath $(mpath_paths | tr '\n' ';')"
		iscsi_logout || problem "logout $i failed"
		# The policy (DESIGN 5): the name is free again, so the alias
		# comes back, the same after the Xen disk is re-evaluated; and
		# no node of the gone disk stays behind.
		wait_for 30 "/dev/sda -> xvda again" test "$(readlink /dev/sda)" = xvda
		problems_from "after logout $i" check_sd_names
		timeout 60 udevadm trigger --action=change --settle /sys/class/block/xvda*
		problems_from "after logout $i + change of xvda" check_sd_names
		problems_from "after logout $i" check_xvd_links alias
		problems_from "after logout $i" check_links_claimed
	done
	[ ${#PROBLEMS[@]} -eq 0 ] && fact "3 logins and logouts: nodes, links, multipath right each time, the alias back after each logout"
	iscsi_login || problem "final login failed"
}

# ---------------------------------------------------------------- 6

scn_trigger_change() {
	need_helper || return 0
	if [ "$(sd_disks | wc -l)" -ne 2 ] || ! xvd_present xvda; then
		reset_state ours || problem "reset_state failed"
		attach_xvd xvda "$WORK/xvda.img" || problem "attach xvda failed"
		iscsi_login || problem "iSCSI login failed"
	fi
	wait_for 60 "multipath active" mpath_all_active
	settle
	snapshot_dev >"$OUT/trigger.before"
	local t0 rc
	t0=$(now_ms)
	timeout 300 udevadm trigger --action=change --settle
	rc=$?
	settle
	fact "trigger --action=change --settle on everything: exit $rc in $(($(now_ms) - t0)) ms"
	wait_for 60 "multipath active" mpath_all_active
	snapshot_dev >"$OUT/trigger.after"
	if diff -u "$OUT/trigger.before" "$OUT/trigger.after" >"$OUT/trigger.diff"; then
		fact "$(wc -l <"$OUT/trigger.before") nodes and links unchanged (inodes included)"
	else
		problem "changed: $(grep '^[-+][^-+]' "$OUT/trigger.diff" | head -n 6 | tr '\n' ';')"
	fi
	problems_from "after trigger" check_state_fixed
	expect_status 0
}

# ---------------------------------------------------------------- 7

converged() { check_state_fixed >/dev/null 2>&1 && mpath_all_active; }

scn_children_max_1() {
	need_helper || return 0
	# The hard case: the alias is held when the real disk arrives, and
	# udevd has a single worker (DESIGN 4.3).
	reset_state ours || problem "reset_state failed"
	attach_xvd xvda "$WORK/xvda.img" || {
		problem "attach xvda failed"
		return 0
	}
	problems_from "before login" check_xvd_links alias
	udevadm control --children-max=1
	# A lower limit stops udevd from spawning workers, but the idle ones of
	# the scenarios before keep serving until udevd reaps them (a few
	# seconds idle): wait for that, or the single worker is not single and
	# the xvd change runs beside the real disk's add after all.
	# shellcheck disable=SC2016 # expanded by the inner bash, at each try
	wait_for 30 "udevd down to one worker" \
		bash -c '[ "$(cat /proc/[0-9]*/comm 2>/dev/null | grep -cxF "(udev-worker)")" -le 1 ]' ||
		problem "udevd kept more than one worker"
	local t0 took since
	since=$(date '+%Y-%m-%d %H:%M:%S')
	t0=$(now_ms)
	run 60 systemctl start iscsid.service
	run 90 iscsiadm -m discovery -t sendtargets -p "$PORTAL" >&2
	run 120 iscsiadm -m node -T "$IQN" -p "$PORTAL" --login >&2 || problem "login failed"
	if wait_for 180 "convergence with children-max=1" \
		bash -c "[ \$(ls -d /sys/block/sd* | wc -l) -eq 2 ]" &&
		WAIT_POLL=2 wait_for 180 "convergence with children-max=1" converged; then
		took=$(($(now_ms) - t0))
		fact "converged ${took} ms after login start (bound 180 s)"
		check_claim_timed_out "$since"
	else
		problems_from "not converged in 180 s" check_state_fixed
		problem "not converged in 180 s (multipath: $(mpath_paths | tr '\n' ';'))"
	fi
	iscsi_logout || problem "logout with children-max=1 failed"
	problems_from "after logout" check_no_stale_sd
	udevadm control --children-max="${UDEV_CHILDREN_MAX_DEFAULT:-16}"
}

# ---------------------------------------------------------------- 8

scn_rpm() {
	local rpmfile
	rpmfile=$(find "$PAYLOAD/rpm" -name '*.rpm' ! -name '*.src.rpm' 2>/dev/null | head -n 1)
	if [ -z "$rpmfile" ]; then
		skip "${RPM_SKIP_REASON:-no RPMDIR given}"
		return 0
	fi
	# The collision as amazon-ec2-utils leaves it, nothing of ours installed.
	make_collision none || return 0
	local s0=sda out rc h
	[ "$(readlink -f "/dev/$s0")" = /dev/xvda ] || problem "no collision before rpm -i"
	out=$(timeout 300 rpm -i --nodeps --force-debian "$rpmfile" 2>&1)
	rc=$?
	log "rpm -i exit $rc: $out"
	[ "$rc" -eq 0 ] || problem "rpm -i exited $rc: ${out//$'\n'/ | }"
	h=$(rpm -ql ec2-xvd-alias 2>/dev/null | grep -E '/ec2-xvd-alias$' | head -n 1)
	if [ -z "$h" ] || [ ! -x "$h" ]; then
		problem "rpm installed no helper: $(rpm -ql ec2-xvd-alias 2>&1 | tr '\n' ' ')"
		return 0
	fi
	HELPER=$h
	settle
	problems_from "after rpm -i" check_state_fixed
	expect_status 0
	expect_mpath_active
	[ ${#PROBLEMS[@]} -eq 0 ] && fact "rpm -i fixed it without reboot or re-login"

	out=$(timeout 300 rpm -e ec2-xvd-alias 2>&1)
	rc=$?
	log "rpm -e exit $rc: $out"
	[ "$rc" -eq 0 ] || problem "rpm -e exited $rc: ${out//$'\n'/ | }"
	settle
	if [ -e /etc/udev/rules.d/51-ec2-hvm-devices.rules ]; then
		problem "rpm -e left /etc/udev/rules.d/51-ec2-hvm-devices.rules"
	fi
	[ -e "$h" ] && problem "rpm -e left $h"
	[ -f "$STOCK_RULE" ] || problem "rpm -e removed the stock rule $STOCK_RULE"
	# The stock rule is in force again: a new Xen disk gets its sdX alias
	# and, unlike with our rule, no xvd-sdX link.
	attach_xvd xvdf "$WORK/xvdf.img" || problem "attach xvdf failed"
	if [ -e /dev/xvd-sdf ] || [ -L /dev/xvd-sdf ]; then
		problem "after rpm -e /dev/xvd-sdf exists: our rule is still in force"
	elif [ "$(readlink -f /dev/sdf)" = /dev/xvdf ]; then
		fact "after rpm -e the stock rule is in force (/dev/sdf -> xvdf, no xvd-sdf)"
	else
		problem "after rpm -e no stock alias for xvdf: $(ls -l /dev/sdf 2>&1)"
	fi

	out=$(timeout 300 rpm -i --nodeps --force-debian "$rpmfile" 2>&1)
	rc=$?
	log "rpm -i (again) exit $rc: $out"
	[ "$rc" -eq 0 ] || problem "second rpm -i exited $rc: ${out//$'\n'/ | }"
	settle
	problems_from "after second rpm -i" check_sd_nodes
	problems_from "after second rpm -i" check_links_claimed
	problems_from "after second rpm -i" check_test64
	problems_from "after second rpm -i" check_sd_identity
	expect_status 0
	expect_mpath_active
	# Leave the system as the other scenarios expect it.
	timeout 300 rpm -e ec2-xvd-alias >/dev/null 2>&1
}

# ---------------------------------------------------------------- 9
# The alias over the machine's whole life (issue 8): a file system on a Xen
# disk mounted by systemd from an fstab line naming /dev/sdf, while a real
# disk takes the name sdf and gives it back.

# The forms under test, one per line: "MOUNTPOINT|SOURCE|OPTIONS|PASS|KIND".
# SOURCE "UUID" stands for UUID=<the file system's>. KIND "survive": a form
# that must stay mounted, writable and its unit active through the handover
# and the give-back (the scenario FAILS if it does not); "report": its fate
# is reported (systemd 252 unmounts it, see README.md), not asserted.
MH_FORMS='/mnt/ec2xasdf|/dev/sdf|defaults|2|report
/mnt/ec2xasdfnofail|/dev/sdf|defaults,nofail|2|report
/mnt/ec2xasdfp0|/dev/sdf|defaults|0|survive
/mnt/ec2xasdfp0nofail|/dev/sdf|defaults,nofail|0|survive
/mnt/ec2xanobind|/dev/sdf|defaults,x-systemd.device-bound=no|0|report
/mnt/ec2xaxvd|/dev/xvd-sdf|defaults|2|survive
/mnt/ec2xauuid|UUID|defaults|2|survive'

mh_unit() { echo "mnt-${1#/mnt/}.mount"; }
# Short name of a form for the verdict: "sdf,p2,nofail".
mh_label() {
	local src=$1 o=$2
	src=${src#/dev/}
	o=${o#defaults}
	o=${o#,}
	o=${o/x-systemd.device-bound=no/bound=no}
	echo "$src,p$3${o:+,$o}"
}

# What a mount point is mounted from ("SOURCE MAJ:MIN"), empty if nothing.
data_mounted() { findmnt -n -o SOURCE,MAJ:MIN --mountpoint "$1" 2>/dev/null | head -n 1; }

# mh_fate MOUNTPOINT WHEN: one word: "ok" (mounted from xvdf, a file
# written, synced and read back, unit active/mounted), else what is wrong
# ("UNMOUNTED(dead)", "readonly", "unit-failed/failed", ...).
mh_fate() {
	local m=$1 when=$2 u src st f
	u=$(mh_unit "$m")
	src=$(data_mounted "$m")
	st=$(systemctl show -p ActiveState,SubState --value "$u" | paste -sd/)
	if [ -z "$src" ]; then
		if [ "$st" = inactive/dead ]; then echo unmounted; else echo "unmounted($st)"; fi
		return
	fi
	# findmnt pads its columns: compare the second word.
	if [ "$(echo "$src" | awk '{ print $2 }')" != "$(devnum_of xvdf)" ]; then
		echo "mounted-from-${src%% *}"
		return
	fi
	f=$m/written-$(now_ms)
	if ! { echo "$when" >"$f" && sync "$f" && [ "$(cat "$f")" = "$when" ]; } 2>/dev/null; then
		echo "not-writable($st)"
		return
	fi
	if [ "$st" != active/mounted ]; then
		echo "mounted-but-unit-$st"
		return
	fi
	echo ok
}

# What systemd thinks, for the log: the mount units' dependencies and
# state, the device units.
log_systemd_view() {
	local m
	log "systemd view ($1):"
	for m in $DATA_MNTS; do
		systemctl show -p Id,What,Options,Requires,BindsTo,StopPropagatedFrom,After,ActiveState,SubState \
			"$(mh_unit "$m")" >&2
	done
	systemctl show -p Id,ActiveState,SubState,SysFSPath,Following dev-sdf.device dev-xvdf.device \
		'dev-xvd\x2dsdf.device' >&2
	findmnt -t ext4 >&2
}

# The journal of PID 1 about the mounts, the fsck services and the device
# units since $1.
systemd_journal_about() {
	journalctl -q --no-pager -o short-monotonic -S "$1" _PID=1 |
		grep -E 'mnt-ec2xa|/mnt/ec2xa|dev-sdf|sdf\.device|xvdf\.device|xvd\\x2dsdf|by\\x2duuid|systemd-fsck@'
}

# What PID 1 did at the handover, from its debug journal ($1), in short:
# the device unit's change, the fsck service's stop, the unmounts.
systemd_did() {
	local did='' u
	grep -q 'dev-sdf\.device: Changed plugged -> dead' "$1" && did="dev-sdf.device plugged->dead"
	grep -q 'systemd-fsck@dev-sdf\.service: Installed new job .*/stop' "$1" &&
		did="$did > stop systemd-fsck@dev-sdf"
	u=$(grep -o 'Unmounting mnt-ec2xa[a-z0-9]*\.mount' "$1" | sort -u | cut -d' ' -f2 | paste -sd' ')
	[ -n "$u" ] && did="$did > Unmounting $u"
	echo "${did# > }"
}

scn_mount_handover() { mount_handover mpath; }
# The same without multipath: the LUNs are no multipath paths (blacklisted),
# so udev does not mark them SYSTEMD_READY=0 and the LUN's own device unit
# answers to dev-sdf.device. Not in the default list.
scn_mount_handover_nompath() { mount_handover nompath; }

MH_NOMPATH_CONF=/etc/multipath/conf.d/ec2xa-nompath.conf
mh_mpath_restore() {
	[ -e "$MH_NOMPATH_CONF" ] || return 0
	rm -f "$MH_NOMPATH_CONF"
	run 60 multipathd reconfigure >&2
}

# mount_handover mpath|nompath
mount_handover() {
	local mp=$1
	need_helper || return 0
	local PS4='+ ${EPOCHREALTIME} '
	reset_state ours auto || problem "reset_state failed"
	if [ "$mp" = nompath ]; then
		mkdir -p "${MH_NOMPATH_CONF%/*}"
		printf 'blacklist {\n\tdevnode "^sd"\n}\n' >"$MH_NOMPATH_CONF"
		run 60 multipathd reconfigure >&2 || problem "multipathd reconfigure failed"
	fi
	attach_xvd xvdf "$WORK/xvdf-ext4.img" || {
		problem "attach xvdf failed"
		mh_mpath_restore
		return 0
	}
	problems_from "before the mount" check_xvd_links alias
	local uuid m src o pass kind u line
	uuid=$(blkid -s UUID -o value /dev/xvdf)
	[ -n "$uuid" ] || problem "no UUID on xvdf"
	while IFS='|' read -r -u 3 m src o pass kind; do
		mkdir -p "$m"
		[ "$src" = UUID ] && src=UUID=$uuid
		echo "$src $m ext4 $o 0 $pass" >>/etc/fstab
	done 3<<<"$MH_FORMS"
	log "fstab: $(grep ec2xa /etc/fstab | tr '\n' ';')"
	run 120 systemctl daemon-reload
	# One at a time: each fsck service sees the file system mounted by the
	# one before and skips it (systemd-fsck passes -M).
	while IFS='|' read -r -u 3 m src o pass kind; do
		u=$(mh_unit "$m")
		run 120 systemctl start "$u" ||
			problem "systemctl start $u ($(mh_label "$src" "$o" "$pass")) failed: $(systemctl status --no-pager "$u" 2>&1 | tail -n 3 | tr '\n' ' ')"
	done 3<<<"$MH_FORMS"
	local bad=
	while IFS='|' read -r -u 3 m src o pass kind; do
		line=$(mh_fate "$m" "mounted")
		[ "$line" = ok ] || bad="$bad $(mh_label "$src" "$o" "$pass")=$line"
	done 3<<<"$MH_FORMS"
	if [ -n "$bad" ]; then
		problem "before the login, not every form is mounted and writable:$bad"
		remove_data_mount
		mh_mpath_restore
		return 0
	fi
	# The evidence: each unit's dependencies before anything happens.
	while IFS='|' read -r -u 3 m src o pass kind; do
		u=$(mh_unit "$m")
		echo "$(mh_label "$src" "$o" "$pass") $u: $(systemctl show -p Requires,BindsTo,After "$u" | tr '\n' ' ')"
	done 3<<<"$MH_FORMS" >"$OUT/$SCENARIO.deps"
	systemctl show -p Id,BindsTo,After systemd-fsck@dev-sdf.service >>"$OUT/$SCENARIO.deps"
	log "dependencies: $(cat "$OUT/$SCENARIO.deps")"
	# The chain that decides, as systemd has it now.
	local fsck_binds p2req p0req
	fsck_binds=$(systemctl show -p BindsTo --value systemd-fsck@dev-sdf.service)
	p2req=$(systemctl show -p Requires --value mnt-ec2xasdf.mount | tr ' ' '\n' | grep -E 'fsck|dev-' | sort | paste -sd,)
	p0req=$(systemctl show -p Requires --value mnt-ec2xasdfp0.mount | tr ' ' '\n' | grep -E 'fsck|dev-' | sort | paste -sd,)
	fact "sdf,p2 Requires=$p2req (fsck BindsTo=$fsck_binds); sdf,p0 Requires=$p0req"
	log_systemd_view "before the login"
	# PID 1's debug log shows every device unit state change.
	local since
	since=$(date '+%Y-%m-%d %H:%M:%S')
	systemd-analyze log-level debug

	# Six LUNs through one portal: sda...sdf, the sixth takes sdf.
	local t0
	many_target_export "$MANY_LUNS" || problem "cannot export the many target's $MANY_LUNS LUNs"
	t0=$(now_ms)
	many_login "$MANY_LUNS" "$PORTAL" || problem "login of $MANY_LUNS LUNs failed"
	settle
	if [ "$mp" = mpath ]; then
		wait_for 60 "multipath active" mpath_all_active || problem "multipath: $(mpath_paths | tr '\n' ';')"
	else
		[ -z "$(mpath_maps)" ] || problem "multipath maps despite the blacklist: $(mpath_maps | tr '\n' ';')"
		log "sdf: $(udevadm info -q property /sys/class/block/sdf 2>&1 | grep -E 'SYSTEMD_READY|DM_MULTIPATH' | tr '\n' ' ')"
	fi
	log "login to converged: $(($(now_ms) - t0)) ms"
	sleep 3 # let PID 1 act on the last uevents before judging it
	log_systemd_view "after the handover"
	if [ ! -e /sys/class/block/sdf ]; then
		problem "no SCSI disk took the name sdf: $(sd_disks | tr '\n' ' ')"
	else
		local lun link got
		lun=$(lun_of sdf)
		if [ "$(node_devnum /dev/sdf)" = "$(devnum_of sdf)" ] && [ ! -L /dev/sdf ]; then
			fact "/dev/sdf: LUN $lun's node"
		else
			problem "/dev/sdf is not the node of sdf: $(ls -l /dev/sdf 2>&1)"
		fi
		# Its by-id link: sdf itself, or the multipath map sdf is the path of.
		link=$(byid_of sdf)
		got=$(readlink -f "/dev/$link")
		if [ -z "$link" ]; then
			problem "sdf has no disk/by-id link"
		elif [ "$got" != /dev/sdf ] && [ ! -e "/sys/block/${got#/dev/}/slaves/sdf" ]; then
			problem "/dev/$link resolves to $got, neither sdf nor its map"
		fi
		[ "$(blockdev --getsize64 /dev/sdf)" = $(($(many_lun_mib "$lun") * 1048576)) ] ||
			problem "/dev/sdf is not LUN $lun's size: $(blockdev --getsize64 /dev/sdf 2>&1)"
	fi
	problems_from "after the handover" check_sd_names
	problems_from "after the handover" check_links_claimed
	problems_from "after the handover" check_test64
	declare -A fate_h fate_l
	while IFS='|' read -r -u 3 m src o pass kind; do
		fate_h[$m]=$(mh_fate "$m" "after the handover")
	done 3<<<"$MH_FORMS"
	systemd_journal_about "$since" >"$OUT/$SCENARIO.journal-handover"
	log "PID 1 on the handover: $(cat "$OUT/$SCENARIO.journal-handover")"
	# The handover says so in the journal: one warning per fstab line that
	# names /dev/sdf, each naming its line.
	local ln warned=0 want=0
	for ln in $(awk '$1 == "/dev/sdf" { print NR }' /etc/fstab); do
		want=$((want + 1))
		if journalctl -o cat -t ec2-xvd-alias -S "$since" |
			grep -qF "/etc/fstab:$ln names /dev/sdf, which real disk sdf has taken from its alias"; then
			warned=$((warned + 1))
		else
			problem "no handover warning in the journal for /etc/fstab:$ln ($(sed -n "${ln}p" /etc/fstab))"
		fi
	done
	fact "the handover's journal warned about $warned of $want fstab lines naming /dev/sdf"

	# The LUNs go; the alias comes back.
	local since2
	since2=$(date '+%Y-%m-%d %H:%M:%S')
	iscsi_logout || problem "logout failed"
	multipath -F >/dev/null 2>&1
	wait_for 30 "/dev/sdf -> xvdf again" test "$(readlink /dev/sdf)" = xvdf ||
		problem "the alias did not come back: $(ls -l /dev/sdf 2>&1)"
	settle
	sleep 3
	log_systemd_view "after the logout"
	problems_from "after the logout" check_xvd_links alias
	problems_from "after the logout" check_sd_names
	while IFS='|' read -r -u 3 m src o pass kind; do
		fate_l[$m]=$(mh_fate "$m" "after the logout")
	done 3<<<"$MH_FORMS"
	systemd_journal_about "$since2" >"$OUT/$SCENARIO.journal-logout"
	log "PID 1 on the logout: $(cat "$OUT/$SCENARIO.journal-logout")"
	systemd-analyze log-level info

	# The verdict: which forms survived both steps, which did not.
	local survived='' lost='' label
	while IFS='|' read -r -u 3 m src o pass kind; do
		label=$(mh_label "$src" "$o" "$pass")
		log "form $label ($kind): handover ${fate_h[$m]}, give-back ${fate_l[$m]}"
		if [ "${fate_h[$m]}" = ok ] && [ "${fate_l[$m]}" = ok ]; then
			survived="$survived $label"
		else
			lost="$lost $label(${fate_h[$m]}/${fate_l[$m]})"
			[ "$kind" = survive ] &&
				problem "$label must survive: handover ${fate_h[$m]}, give-back ${fate_l[$m]}"
		fi
	done 3<<<"$MH_FORMS"
	fact "systemd $(systemctl --version | head -n 1 | cut -d' ' -f2): mounted, written, unit active after handover and give-back:${survived:- none}"
	fact "lost:${lost:- none}"
	local did
	did=$(systemd_did "$OUT/$SCENARIO.journal-handover")
	[ -n "$did" ] && fact "PID 1: $did"
	console "EC2XA-NOTE $SCENARIO: survived:${survived:- none}; lost:${lost:- none}; deps in out/$SCENARIO.deps, journal in out/$SCENARIO.journal-*"
	remove_data_mount
	mh_mpath_restore
}

# ---------------------------------------------------------------- 10, 11
# Four Xen disks aliased, then the many target's LUNs with two paths each
# take every one of their names at once: six LUNs (twelve SCSI disks
# sda...sdl) with udevd's workers, three (sda...sdf) with one worker.

MANY_XVDS="xvda xvdb xvdc xvdf"

many_attach() {
	local x
	for x in $MANY_XVDS; do
		attach_xvd "$x" "$WORK/$x.img" || {
			problem "attach $x failed"
			return 1
		}
	done
	problems_from "before the login" check_xvd_links alias
	problems_from "before the login" check_sd_names
}

# md5 of every Xen disk, read through xen-blkfront.
xvd_sums() {
	local x
	for x in $MANY_XVDS; do
		echo "$x $(timeout 60 md5sum </dev/"$x" | cut -d' ' -f1)"
	done
}

# Everything at once, for the convergence wait: two disks per exported
# LUN, real nodes, no alias on a taken name, every /dev/disk link right, a
# two-path map per LUN.
many_converged() {
	sd_count_is $((2 * $(many_exported))) && check_sd_names >/dev/null 2>&1 &&
		check_xvd_links noalias >/dev/null 2>&1 && check_links_claimed >/dev/null 2>&1 &&
		check_test64 >/dev/null 2>&1 && mpath_many_ok
}

# The whole-disk by-id link of a SCSI disk (wwn- first).
byid_of() {
	udevadm info -q symlink "/sys/class/block/$1" | tr ' ' '\n' |
		grep -E '^disk/by-id/(wwn-|scsi-)' | sort -r | head -n 1
}

# A 1 MiB pattern through each exported LUN's by-id link must land in that
# LUN's backing file and in no other backing file (of all MANY_LUNS).
many_data_check() {
	local i s link pat f j ok=0
	for i in $(seq 0 $(($(many_exported) - 1))); do
		s=
		for f in $(sd_disks); do
			[ "$(target_of "$f")" = "$MANY_IQN" ] && [ "$(lun_of "$f")" = "$i" ] && {
				s=$f
				break
			}
		done
		[ -n "$s" ] || {
			problem "LUN $i: no SCSI disk"
			continue
		}
		link=$(byid_of "$s")
		[ -n "$link" ] || {
			problem "LUN $i ($s): no by-id link"
			continue
		}
		pat=$OUT/pattern.many$i
		make_pattern "$pat" "MANY$i"
		if ! timeout 60 dd if="$pat" of="/dev/$link" bs=1M seek="$MANY_PATTERN_OFFSET_MIB" count=1 \
			oflag=direct conv=fsync,notrunc status=none; then
			problem "LUN $i: cannot write through /dev/$link"
			continue
		fi
		for j in $(seq 0 $((MANY_LUNS - 1))); do
			if dd if="$WORK/many$j.img" bs=1M skip="$MANY_PATTERN_OFFSET_MIB" count=1 status=none |
				cmp -s - "$pat"; then
				[ "$j" = "$i" ] || problem "LUN $i's pattern (via /dev/$link) found in LUN $j's backing file"
			else
				[ "$j" = "$i" ] && problem "LUN $i's pattern (via /dev/$link -> $(readlink -f "/dev/$link")) not in its backing file"
			fi
		done
		ok=$((ok + 1))
		log "LUN $i: /dev/$link -> $(readlink -f "/dev/$link")"
	done
	fact "1 MiB via each of $ok LUNs' by-id links in its LUN's backing file only"
}

# many_round NAME BOUND: log in through both portals, wait until all is
# converged (at most BOUND seconds), check it all, log out, check the
# aliases came back.
# check_claim_timed_out SINCE: with one worker busy with the real disk's
# add, the holder's change cannot run: the claim's bounded wait must have
# timed out (journal since SINCE) and the xvd side repaired.
check_claim_timed_out() {
	if journalctl -o cat -t ec2-xvd-alias -S "$1" | grep -Eq 'did not drop its claim on /dev/sd[a-z]+[0-9]*( and others)? within'; then
		fact "the claim timed out (no free worker for the Xen disk's change) and the node was restored from the xvd side"
	else
		problem "no claim timeout in the journal: the Xen disk's change was not blocked, so worker exhaustion was not exercised"
	fi
}

many_round() {
	local name=$1 bound=$2 t0 took sums0 sums1 luns
	luns=$(many_exported)
	sums0=$(xvd_sums)
	t0=$(now_ms)
	many_login $((2 * luns)) "$PORTAL" "$PORTAL2" || problem "$name: login through two portals failed ($(sd_disks | wc -l) disks)"
	if WAIT_POLL=2 wait_for "$bound" "$name: convergence" many_converged; then
		took=$(($(now_ms) - t0))
		fact "$name: $((2 * luns)) disks converged ${took} ms after login start (bound ${bound} s)"
		console "EC2XA-TIMING $SCENARIO-converged $took ms"
	else
		problem "$name: not converged within $bound s"
	fi
	settle
	# (check_sd_names includes check_sd_nodes: every node, also one the
	# helper restored, with udev's owner and mode.)
	problems_from "$name" check_sd_names
	problems_from "$name" check_xvd_links noalias
	problems_from "$name" check_links_claimed
	problems_from "$name" check_test64
	problems_from "$name" check_sd_identity
	if mpath_many_ok; then
		fact "$name: $luns maps with 2 active paths each"
	else
		problem "$name: multipath maps: $(mpath_maps | tr '\n' ';') paths: $(mpath_paths | tr '\n' ';')"
	fi
	log "multipath -ll: $(timeout 30 multipath -ll 2>&1)"
	many_data_check
	sums1=$(xvd_sums)
	if [ "$sums0" = "$sums1" ]; then
		fact "$name: md5 of $MANY_XVDS unchanged"
	else
		problem "$name: Xen disk content changed: $(diff <(echo "$sums0") <(echo "$sums1") | grep '^[<>]' | tr '\n' ' ')"
	fi
	expect_status 0
	iscsi_logout || problem "$name: logout failed"
	multipath -F >/dev/null 2>&1
	# Each name goes back to its Xen disk (mode auto).
	local x
	for x in $MANY_XVDS; do
		wait_for 30 "/dev/sd${x#xvd} -> $x" test "$(readlink "/dev/sd${x#xvd}")" = "$x" || break
	done
	settle
	problems_from "$name: after logout" check_xvd_links alias
	problems_from "$name: after logout" check_sd_names
}

scn_many_at_once() {
	need_helper || return 0
	reset_state ours auto || problem "reset_state failed"
	many_target_export "$MANY_LUNS" || problem "cannot export the many target's $MANY_LUNS LUNs"
	many_attach || return 0
	many_round "udevd's default workers" 180
}

# The same with a single udev worker: every handover's wait for the xvd
# change times out (handover_timeout, 5 s) and the xvd side repairs. Three
# LUNs are enough: their six paths sda...sdf take all four aliased names
# (xvda's with its partitions), and one worker runs every event in turn,
# so half the disks is half the time. The bound: 6 disks, 2 partitions, 3
# maps, one event at a time under TCG.
scn_many_at_once_1worker() {
	need_helper || return 0
	reset_state ours auto || problem "reset_state failed"
	many_target_export 3 || problem "cannot export 3 of the many target's LUNs"
	many_attach || return 0
	udevadm control --children-max=1
	# shellcheck disable=SC2016 # expanded by the inner bash, at each try
	wait_for 30 "udevd down to one worker" \
		bash -c '[ "$(cat /proc/[0-9]*/comm 2>/dev/null | grep -cxF "(udev-worker)")" -le 1 ]' ||
		problem "udevd kept more than one worker"
	local since
	since=$(date '+%Y-%m-%d %H:%M:%S')
	many_round "1 worker" 300
	check_claim_timed_out "$since"
	udevadm control --children-max="${UDEV_CHILDREN_MAX_DEFAULT:-16}"
	many_target_export "$MANY_LUNS" || problem "cannot export the many target's $MANY_LUNS LUNs again"
}

# ---------------------------------------------------------------- 12
# What the handover costs a real disk's add event: the same LUN (LUN 1 of
# the first target, sdb) removed and rescanned, with the alias
# /dev/sdb -> xvdb in place (handover), alternating with xvdb's name
# reserved (no alias, the same devices).

# The SCSI disk of LUN 1 of the first target.
lun1_sd() {
	local s
	for s in $(sd_disks); do
		[ "$(target_of "$s")" = "$IQN" ] && [ "$(lun_of "$s")" = 1 ] && echo "$s" && return 0
	done
	return 1
}

# lun_delete NAME [HOLDER]: delete the SCSI disk NAME and wait for what
# its release leaves: with HOLDER, /dev/NAME -> HOLDER (the alias back);
# without, no /dev/NAME. On failure prints what went wrong and returns 1.
lun_delete() {
	local name=$1 holder=${2:-}
	echo 1 >"/sys/block/$name/device/delete" || {
		echo "cannot delete $name"
		return 1
	}
	wait_for 60 "$name gone" test ! -e "/sys/class/block/$name" || {
		echo "$name did not go"
		return 1
	}
	settle
	if [ -n "$holder" ]; then
		wait_for 30 "/dev/$name -> $holder" test "$(readlink "/dev/$name")" = "$holder" || {
			echo "the alias did not come back after $name went: $(ls -l "/dev/$name" 2>&1)"
			return 1
		}
	else
		wait_for 30 "no /dev/$name" test ! -e "/dev/$name" -a ! -L "/dev/$name" || {
			echo "/dev/$name stayed after $name went: $(ls -l "/dev/$name" 2>&1)"
			return 1
		}
	fi
}

# lun_rescan H:C:T:L: ask the SCSI host to scan for that one LUN again.
lun_rescan() {
	local hctl=$1 ctl=${1#*:}
	echo "${ctl//:/ }" >"/sys/class/scsi_host/host${hctl%%:*}/scan"
}

# latency_once NAME H:C:T:L [HOLDER]: lun_delete NAME [HOLDER] (with
# HOLDER the rescan is a handover), then rescan it under latency.py (which
# also times HOLDER's change). Prints latency.py's result line, or on
# failure what went wrong.
latency_once() {
	local name=$1 hctl=$2 holder=${3:-}
	lun_delete "$name" ${holder:+"$holder"} || return 1
	rm -f "$OUT/lat.ready" "$OUT/lat.result"
	python3 "$PAYLOAD/guest/latency.py" "$name" "$OUT/lat.ready" "$OUT/lat.result" 60 ${holder:+"$holder"} &
	local latpid=$!
	wait_for 30 "latency monitor ready" test -e "$OUT/lat.ready" || {
		echo "latency.py did not start"
		return 1
	}
	lun_rescan "$hctl" || {
		echo "cannot rescan $hctl"
		return 1
	}
	wait "$latpid"
	settle
	cat "$OUT/lat.result"
}

# change_once NAME: one synthetic change of block device NAME under
# latency.py --change. Prints its result line, or on failure what went
# wrong.
change_once() {
	local name=$1
	rm -f "$OUT/lat.ready" "$OUT/lat.result"
	python3 "$PAYLOAD/guest/latency.py" --change "$name" "$OUT/lat.ready" "$OUT/lat.result" 30 &
	local latpid=$!
	wait_for 30 "latency monitor ready" test -e "$OUT/lat.ready" || {
		echo "latency.py did not start"
		return 1
	}
	printf 'change %s' "$(cat /proc/sys/kernel/random/uuid)" >"/sys/class/block/$name/uevent" || {
		echo "cannot send a change to $name"
		return 1
	}
	wait "$latpid"
	settle
	cat "$OUT/lat.result"
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "none"; else if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# The start of the scenarios on sdb: xvdb attached (from image $1, default
# xvdb.img) and aliased, the iSCSI login done, LUN 1 named sdb. Sets
# SDB_HCTL (sdb's H:C:T:L); returns 1, the problem recorded, when a step
# failed.
sdb_over_xvdb() {
	local s img=${1:-$WORK/xvdb.img}
	SDB_HCTL=
	reset_state ours auto || problem "reset_state failed"
	attach_xvd xvdb "$img" || {
		problem "attach xvdb failed"
		return 1
	}
	local try
	for try in 1 2 3; do
		iscsi_login || {
			problem "iSCSI login failed"
			return 1
		}
		s=$(lun1_sd) || {
			problem "no disk for LUN 1"
			return 1
		}
		[ "$s" = sdb ] && break
		# The kernel names the two LUNs in the order their probes end:
		# most logins give LUN 1 sdb, some give it sda. Log in again.
		log "LUN 1 is $s, not sdb (login $try of 3): logging out and in again"
		iscsi_logout || {
			problem "iSCSI logout failed"
			return 1
		}
	done
	[ "$s" = sdb ] || {
		problem "LUN 1 is $s, not sdb, in 3 logins: the scenario needs xvdb's name"
		return 1
	}
	SDB_HCTL=$(basename "$(readlink -f /sys/block/sdb/device)")
}

# The override amazon-ec2-utils installs (lib.sh, CDROM_OVERRIDE) on or
# off; udevd rereads its rules.
cdrom_override() {
	if [ "$1" = on ]; then
		install -D -m 644 "$PAYLOAD/instance/60-cdrom_id.rules" "$CDROM_OVERRIDE"
	else
		rm -f "$CDROM_OVERRIDE"
	fi
	udevadm control --reload
}

# pair_estimate FILE CDROM: from FILE's lines "CDROM I KIND MS", the median
# of the per-pair ratios handover/plain (each handover next to the plain
# add of the same repetition), then the two kinds' medians and the pairs'
# count: "RATIO HANDOVER_MS PLAIN_MS N".
pair_estimate() {
	awk -v c="$2" '$1 == c { v[$2 " " $3] = $4; i[$2] = 1 }
		END { for (k in i) if ((k " handover") in v && (k " plain") in v && v[k " plain"] > 0)
			print v[k " handover"] / v[k " plain"], v[k " handover"], v[k " plain"] }' "$1" >"$1.$2"
	local r h p n
	n=$(wc -l <"$1.$2")
	[ "$n" -gt 0 ] || {
		echo "none none none 0"
		return 1
	}
	r=$(cut -d' ' -f1 "$1.$2" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
	h=$(cut -d' ' -f2 "$1.$2" | median)
	p=$(cut -d' ' -f3 "$1.$2" | median)
	echo "$r $h $p $n"
}

# latency_rep KIND NAME H:C:T:L HOLDER LABEL I: repetition I of a latency
# scenario, as pair_estimate reads it. KIND handover: HOLDER holds
# /dev/NAME; plain: "reserve = NAME", no alias. latency_once's figure goes
# to OUT/latency.pairs as "LABEL I KIND MS" and, for LABEL on, its result
# line to OUT/latency.KIND; then /dev/NAME must be NAME's node. Sets
# LATENCY_R to the result line; returns 1, the problem recorded, when the
# repetition failed. (Not in a $(...): problem() must reach this shell.)
latency_rep() {
	local kind=$1 name=$2 hctl=$3 holder=$4 label=$5 i=$6
	if [ "$kind" = plain ]; then
		printf 'mode = auto\nreserve = %s\n' "$name" >"$CONF"
		holder=
	else
		printf 'mode = auto\n' >"$CONF"
	fi
	LATENCY_R=$(latency_once "$name" "$hctl" ${holder:+"$holder"}) || {
		problem "$kind repetition $i ($label) failed: ${LATENCY_R:-no result}"
		return 1
	}
	log "$kind $i $label: $LATENCY_R"
	[ "$label" = on ] && echo "$LATENCY_R" >>"$OUT/latency.$kind"
	echo "$label $i $kind $(echo "$LATENCY_R" | grep -o 'kernel_add_to_udev_add_ms=[0-9]*' | cut -d= -f2)" >>"$OUT/latency.pairs"
	if [ "$(node_devnum "/dev/$name")" != "$(devnum_of "$name")" ] || [ -L "/dev/$name" ]; then
		problem "$kind $i: /dev/$name is not the node of $name afterwards: $(ls -l "/dev/$name" 2>&1)"
	fi
	return 0
}

# latency_median FIELD KIND: the median of FIELD (latency.py's
# FIELD=MS) over the results latency_rep kept for KIND.
latency_median() { grep -o "$1=[0-9]*" "$OUT/latency.$2" | cut -d= -f2 | median; }

# target_met RATIO: "met" when RATIO is at most the handover's 1.25x target.
target_met() { if awk -v r="$1" 'BEGIN { exit !(r > 1.25) }'; then echo "NOT met"; else echo met; fi; }

# The handover's cost on the layout of an Amazon Linux 2023 Xen instance
# (issue 18, item 6): xvdb, the disk that holds the name, partitioned as
# an AL2023 root (1, 127, 128), so the claim also takes back
# /dev/sdb1, /dev/sdb127, /dev/sdb128; the instance's rule set in force,
# and the same again without amazon-ec2-utils' cdrom override. LUN 1
# (sdb) is deleted and rescanned REPS times per kind, alternating: with
# /dev/sdb -> xvdb in place (handover) and with "reserve = sdb" (plain,
# the same devices), each of them with the override and without it. The
# estimator is the median of the per-pair ratios (each handover over the
# plain add of its repetition). Reported, not asserted; what fails the
# scenario is behaviour.
scn_handover_latency() {
	need_helper || return 0
	sdb_over_xvdb "$WORK/xvdb-al2023.img" || return 0
	local hctl=$SDB_HCTL reps=${HANDOVER_REPS:-7} i r kind yields=0 cd f
	local parts
	parts=$(cd /sys/block/xvdb && echo xvdb[0-9]* | tr ' ' '\n' | sort -V | paste -sd ' ')
	if [ "$parts" = "xvdb1 xvdb127 xvdb128" ]; then
		fact "xvdb partitioned as an AL2023 root: $parts"
	else
		problem "xvdb's partitions are '$parts', want xvdb1 xvdb127 xvdb128"
	fi
	wait_for 60 "multipath active" mpath_all_active
	# While sdb is away the Xen disk's partitions hold the sdb partition
	# names too: each handover takes back four names.
	local bad=${#PROBLEMS[@]}
	r=$(lun_delete sdb xvdb) || problem "lun_delete sdb: $r"
	for f in 1 127 128; do
		[ "$(readlink "/dev/sdb$f")" = "xvdb$f" ] ||
			problem "with sdb gone: /dev/sdb$f is not the alias of xvdb$f: $(ls -l "/dev/sdb$f" 2>&1)"
	done
	[ "${#PROBLEMS[@]}" -eq "$bad" ] && fact "with sdb gone: /dev/sdb, sdb1, sdb127, sdb128 -> xvdb, xvdb1, xvdb127, xvdb128"
	lun_rescan "$hctl"
	wait_for 60 "sdb back" test -e /sys/block/sdb || problem "sdb did not come back after the rescan"
	settle
	: >"$OUT/latency.pairs"
	: >"$OUT/latency.handover"
	: >"$OUT/latency.plain"
	for i in $(seq 1 "$reps"); do
		for cd in on off; do
			cdrom_override "$cd"
			for kind in handover plain; do
				latency_rep "$kind" sdb "$hctl" xvdb "$cd" "$i" || continue
				for f in /dev/sdb[0-9]*; do
					[ -L "$f" ] && problem "$kind $i: $f -> $(readlink "$f") while disk sdb exists"
				done
				[ "$kind" = handover ] || continue
				if [ "$(readlink /dev/xvd-sdb)" != xvdb ]; then
					problem "handover $i: /dev/xvd-sdb is not xvdb's afterwards: $(ls -l /dev/xvd-sdb 2>&1)"
				fi
				if udevadm info -q property /dev/xvdb | grep -qx 'EC2XA_YIELDED_TO=sdb' &&
					udevadm info -q property /dev/xvdb | grep -qx 'EC2XA_STABLE=xvd-sdb'; then
					yields=$((yields + 1))
				fi
			done
		done
	done
	cdrom_override on
	fact "xvdb's last event after a handover was the claim's request to yield in $yields of $((2 * reps))"
	[ "$yields" -gt 0 ] || problem "the claim's request to yield never reached xvdb's rule: $(udevadm info -q property /dev/xvdb | grep -E 'EC2XA' | tr '\n' ' ')"
	printf 'mode = auto\n' >"$CONF"
	local est_on est_off hn pn hc hq hp pu
	est_on=$(pair_estimate "$OUT/latency.pairs" on)
	est_off=$(pair_estimate "$OUT/latency.pairs" off)
	read -r r_on h_on p_on n_on <<<"$est_on"
	read -r r_off h_off p_off n_off <<<"$est_off"
	if [ "$n_on" = 0 ] || [ "$n_off" = 0 ]; then
		problem "no measurement (pairs with the override $n_on, without $n_off)"
		return 0
	fi
	hn=$(latency_median kernel_add_to_node_ms handover)
	pn=$(latency_median kernel_add_to_node_ms plain)
	hc=$(latency_median holder_change_ms handover)
	hq=$(latency_median holder_request_ms handover)
	hp=$(latency_median parts_done_ms handover)
	local met met_off
	met=$(target_met "$r_on")
	met_off=$(target_met "$r_off")
	console "EC2XA-TIMING handover-latency AL2023 layout (xvdb1, xvdb127, xvdb128), sdb add event (kernel uevent to udev event), median of per-pair ratios: with the cdrom override ${r_on}x over $n_on pairs (medians: handover $h_on ms, no alias $p_on ms; target at most 1.25x: $met), without it ${r_off}x over $n_off pairs (handover $h_off ms, no alias $p_off ms; $met_off); /dev/sdb the right node: $hn ms vs $pn ms; from sdb's kernel add: the request to xvdb sent at $hq ms, xvdb's change event $hc ms, its partitions' changes done at $hp ms"
	fact "AL2023 layout, median of per-pair ratios: with the cdrom override ${r_on}x ($n_on pairs, $h_on vs $p_on ms; target 1.25x $met), without it ${r_off}x ($n_off pairs, $h_off vs $p_off ms; $met_off)"
	pu=$p_on
	handover_latency_share "$reps" "$pu"
}

# handover_latency_share REPS PLAIN_MS: how much of the Xen disk's change,
# which the handover waits for, is udev's own: change_share with our rule
# file. (A plain change with our rule runs the helper twice, links and
# recheck; the claim's request to yield runs only recheck, after udev
# dropped the link.)
handover_latency_share() {
	local rule='' f
	for f in $(project_files); do
		case $f in */51-ec2-hvm-devices.rules) rule=$f ;; esac
	done
	[ -n "$rule" ] || {
		problem "no 51-ec2-hvm-devices.rules among the project's files"
		return 0
	}
	change_share handover-latency xvdb "$rule" "$PAYLOAD/install$rule" "our rule" "$1" "$2"
	if [ "$(readlink /dev/xvd-sdb)" != xvdb ]; then
		problem "/dev/xvd-sdb is not back after the rule was restored: $(ls -l /dev/xvd-sdb 2>&1)"
	fi
}

# change_share SCENARIO NAME RULE COPY WHAT REPS PLAIN_MS: block device
# NAME's change event with rule file RULE in place (restored from COPY)
# against the same with RULE emptied, alternating, REPS times each; each
# after an untimed change that has udevd load the rules it was just told
# to reload. Prints a TIMING line: the two medians and the emptied
# rules' share of the plain add event (PLAIN_MS).
change_share() {
	local scn=$1 name=$2 rule=$3 copy=$4 what=$5 reps=$6 pu=$7 i kind r co cu pct
	: >"$OUT/latency.change-with"
	: >"$OUT/latency.change-without"
	for i in $(seq 1 "$reps"); do
		for kind in with without; do
			if [ "$kind" = without ]; then
				: >"$rule"
			else
				cp -a "$copy" "$rule"
			fi
			udevadm control --reload
			echo change >"/sys/class/block/$name/uevent"
			settle
			r=$(change_once "$name") || {
				problem "$name change $kind $what, repetition $i failed: ${r:-no result}"
				continue
			}
			log "$name change, $kind $what, $i: $r"
			echo "$r" >>"$OUT/latency.change-$kind"
		done
	done
	cp -a "$copy" "$rule"
	udevadm control --reload
	echo change >"/sys/class/block/$name/uevent"
	settle
	co=$(grep -o 'change_ms=[0-9]*' "$OUT/latency.change-with" | cut -d= -f2 | median)
	cu=$(grep -o 'change_ms=[0-9]*' "$OUT/latency.change-without" | cut -d= -f2 | median)
	if [ "$co" = none ] || [ "$cu" = none ]; then
		problem "no measurement of $name's change (with $what $co ms, without $cu ms)"
		return 0
	fi
	pct=$(awk -v p="$pu" -v u="$cu" 'BEGIN { printf "%.0f", 100 * u / p }')
	console "EC2XA-TIMING $scn $name change event (kernel uevent to udev event), median of $reps: with $what $co ms, without it $cu ms ($pct% of the plain add event, $pu ms)"
	fact "$name's change event median of $reps: with $what $co ms, without it $cu ms ($pct% of the plain add event)"
}

# ---------------------------------------------------------------- 13
# The invariant the claim's wait keeps (design.md, "The handover"): from
# our claim's rule on, every rule of the real disk's event finds /dev/sdX
# the real node (not the Xen disk, and not missing), even when an event of
# the holder that began before the disk existed (its links still include
# sdX) finishes during the disk's event, and even when that takes longer
# than handover_timeout. A claim that does not wait fails here: the
# holder's change unlinks the node in the middle of the event. So does one
# that replaces the link at its deadline while the holder's events run (a
# worker runs them, so they end; multipathd, opening a path whose node is
# missing, never checks it). A test rule holds such a change of xvdb for
# 4 s after our rule computed its links; handover_timeout is 0.5 s; LUN 1
# (sdb) is rescanned meanwhile; a test rule at 57, between our claim (51)
# and the 60-* rules that open the node, looks at /dev/sdb 60 times, 50 ms
# apart (more under TCG).
HIF_SLOW_RULE=/etc/udev/rules.d/52-ec2xa-test-slow.rules
HIF_PROBE_RULE=/etc/udev/rules.d/57-ec2xa-test-probe.rules
HIF_PROBE=/usr/local/sbin/ec2xa-test-probe
HIF_SLOW=/usr/local/sbin/ec2xa-test-slow
HIF_LOG=/run/ec2xa-test-probe.log
HIF_SLOW_LOG=/run/ec2xa-test-slow.log

hif_rules_remove() {
	rm -f "$HIF_SLOW_RULE" "$HIF_PROBE_RULE" "$HIF_PROBE" "$HIF_SLOW"
	udevadm control --reload
}

# The probe: one line per look, "UPTIME TYPE [TARGET]"; and the hold.
hif_write_probe() {
	printf '%s\n' '#!/bin/sh' \
		'# ec2xa guest tier, holder-event-in-flight: what /dev/sdb is, 60 looks.' \
		'# Builtins but sleep: under TCG every program started costs 40 ms.' \
		'i=0' \
		'while [ $i -lt 60 ]; do' \
		'	read -r up _ </proc/uptime' \
		'	if [ -L /dev/sdb ]; then t="symbolic link $(readlink /dev/sdb)"' \
		'	elif [ -b /dev/sdb ]; then t="block special file"' \
		'	else t=missing; fi' \
		"	echo \"\$up \$t\" >>$HIF_LOG" \
		'	sleep 0.05' \
		'	i=$((i + 1))' \
		'done' \
		'exit 0' >"$HIF_PROBE"
	printf '%s\n' '#!/bin/sh' \
		'# ec2xa guest tier, holder-event-in-flight: holds a change of xvdb for 4 s.' \
		"echo start \$(cut -d' ' -f1 /proc/uptime) >>$HIF_SLOW_LOG" \
		'sleep 4' \
		"echo end \$(cut -d' ' -f1 /proc/uptime) >>$HIF_SLOW_LOG" >"$HIF_SLOW"
	chmod 755 "$HIF_PROBE" "$HIF_SLOW"
}

scn_holder_event_in_flight() {
	need_helper || return 0
	sdb_over_xvdb || return 0
	# The bound passes while xvdb's events run: the claim must wait on for
	# them (their lock on xvdb says they run), not replace the link.
	printf 'mode = auto\nhandover_timeout = 0.5\n' >"$CONF"
	local why
	why=$(lun_delete sdb xvdb) || {
		problem "$why"
		return 0
	}
	hif_write_probe
	printf '%s\n' "SUBSYSTEM==\"block\", KERNEL==\"xvdb\", ACTION==\"change\", ENV{SYNTH_ARG_EC2XATESTSLOW}==\"1\", PROGRAM=\"$HIF_SLOW\"" >"$HIF_SLOW_RULE"
	printf '%s\n' "SUBSYSTEM==\"block\", KERNEL==\"sdb\", ACTION==\"add\", PROGRAM=\"$HIF_PROBE\"" >"$HIF_PROBE_RULE"
	rm -f "$HIF_LOG" "$HIF_SLOW_LOG"
	udevadm control --reload
	# The holder's slow change first: our rule computes its links while
	# no sdb exists, so they include sdb.
	# The kernel takes only letters and digits in an argument's name.
	printf 'change %s EC2XATESTSLOW=1' "$(cat /proc/sys/kernel/random/uuid)" >/sys/block/xvdb/uevent
	wait_for 10 "the slow change of xvdb running" test -s "$HIF_SLOW_LOG" || {
		problem "the test's slow change of xvdb did not start (rule: $(cat "$HIF_SLOW_RULE"))"
		hif_rules_remove
		return 0
	}
	local rescan since
	since=$(date '+%Y-%m-%d %H:%M:%S')
	rescan=$(cut -d' ' -f1 /proc/uptime)
	lun_rescan "$SDB_HCTL" || problem "cannot rescan $SDB_HCTL"
	wait_for 60 "sdb back" test -e /sys/class/block/sdb
	settle
	hif_rules_remove
	cp "$HIF_LOG" "$OUT/holder-event-in-flight.probe" 2>/dev/null
	cp "$HIF_SLOW_LOG" "$OUT/holder-event-in-flight.slow" 2>/dev/null
	local start end first n alias missing node
	start=$(awk '$1 == "start" { print $2; exit }' "$HIF_SLOW_LOG")
	end=$(awk '$1 == "end" { print $2; exit }' "$HIF_SLOW_LOG")
	n=$(wc -l <"$HIF_LOG" 2>/dev/null || echo 0)
	if [ -z "$end" ] || [ "$n" -eq 0 ]; then
		problem "no probe or no end of the slow change (probe lines $n, slow log: $(tr '\n' ' ' <"$HIF_SLOW_LOG" 2>/dev/null))"
		return 0
	fi
	first=$(head -n 1 "$HIF_LOG" | cut -d' ' -f1)
	alias=$(grep -c 'symbolic link' "$HIF_LOG")
	missing=$(grep -c ' missing' "$HIF_LOG")
	node=$(grep -c 'block special file' "$HIF_LOG")
	fact "xvdb's held change ran from $start to $end s (its links computed before the rescan at $rescan s); the rule at 57 looked at /dev/sdb $n times from $first s: the real node $node, missing $missing, the Xen disk $alias"
	# Without overlap the scenario proves nothing: the held change must end
	# after the disk's event reached the probe.
	if ! awk -v e="$end" -v p="$first" 'BEGIN { exit !(e > p) }'; then
		fact "the held change ended at $end s, before the probe began at $first s: the claim waited for it"
	fi
	if [ "$alias" -gt 0 ]; then
		problem "a rule between our claim and 60-* found /dev/sdb leading to the Xen disk: $(grep -m 1 'symbolic link' "$HIF_LOG")"
	fi
	# Past its 0.5 s the claim saw xvdb's event running and waited for it.
	local said
	said=$(journalctl -o cat -t ec2-xvd-alias -S "$since" | grep -E '^(xvdb: udev is running an event|xvdb: udev did not drop)' | head -n 2 | tr '\n' ';')
	case $said in
	"xvdb: udev is running an event of it; waiting for it to drop /dev/sdb"*"udev did not drop"*)
		problem "the claim waited for xvdb's running event, then gave up: $said" ;;
	"xvdb: udev is running an event of it; waiting for it to drop /dev/sdb"*)
		fact "past handover_timeout (0.5 s) the claim found xvdb's event running and waited for it" ;;
	*)
		problem "the claim did not wait for xvdb's running event past its 0.5 s: ${said:-nothing in the journal}" ;;
	esac
	if [ "$node" -ne "$n" ]; then
		problem "the rule at 57 did not always find the real node ($missing times missing, $alias times the Xen disk)"
	fi
	if [ "$(node_devnum /dev/sdb)" != "$(devnum_of sdb)" ] || [ -L /dev/sdb ]; then
		problem "/dev/sdb is not the node of sdb afterwards: $(ls -l /dev/sdb 2>&1)"
	fi
}
