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
lun0_bypath() { echo "/dev/disk/by-path/ip-$PORTAL-iscsi-$IQN-lun-0"; }

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
	local s0 got pat
	s0=$(sd_of_lun 0)
	got=$(readlink -f "/dev/$s0")
	if [ "$got" = /dev/xvda ]; then
		fact "/dev/$s0 resolves to xvda"
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
	if ! write_pattern "$pat" "$(lun0_bypath)"; then
		problem "cannot write through $(lun0_bypath)"
	elif file_has_pattern "$pat" "$WORK/xvda.img"; then
		fact "1 MiB written via LUN 0's by-path link landed on the Xen disk"
		file_has_pattern "$pat" "$WORK/lun0.img" && problem "pattern also on the LUN"
	else
		problem "pattern written via by-path did not reach the Xen disk"
	fi
	if have_helper; then
		local s rc
		s=$(helper_status)
		rc=$?
		log "status: $s"
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
	local s0
	s0=$(sd_of_lun 0 2>/dev/null)
	if [ -z "$s0" ] || [ "$(readlink -f "/dev/$s0")" != /dev/xvda ]; then
		log "collision not present, making it"
		make_collision stock || return 0
		s0=$(sd_of_lun 0)
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
	[ "$(readlink -f "/dev/$s0")" = "/dev/$s0" ] && fact "/dev/$s0 is node $(node_devnum "/dev/$s0")"
}

# ---------------------------------------------------------------- 3

scn_boot_order() {
	need_helper || return 0
	reset_state ours || problem "reset_state failed"
	if [ -e /sys/class/iscsi_transport ]; then
		problem "precondition: host is SCSI-active before the test"
	fi
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
	if [ -e /dev/sdf ] || [ -L /dev/sdf ]; then
		problem "/dev/sdf exists: $(ls -l /dev/sdf)"
	else
		fact "no /dev/sdf"
	fi
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
		problems_from "after logout $i" check_no_stale_sd
		# In auto mode a host that has been SCSI-active gives no alias
		# back, even when the Xen disk is re-evaluated.
		timeout 60 udevadm trigger --action=change --settle /sys/class/block/xvda*
		problems_from "after logout $i + change of xvda" check_no_stale_sd
		problems_from "after logout $i" check_xvd_links noalias
		problems_from "after logout $i" check_links_claimed
	done
	[ ${#PROBLEMS[@]} -eq 0 ] && fact "3 logins and logouts: nodes, links, multipath right each time"
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
		wait_for 180 "convergence with children-max=1" converged; then
		took=$(($(now_ms) - t0))
		fact "converged ${took} ms after login start (bound 180 s)"
		# With one worker busy with sda's add, xvda's change cannot run:
		# the claim's bounded wait must time out and the xvd side repair.
		if journalctl -o cat -t ec2-xvd-alias -S "$since" | grep -q 'did not drop its claim on /dev/sd[a-z]* within'; then
			fact "the claim timed out (no free worker for xvda's change) and the node was restored from the xvd side"
		else
			problem "no claim timeout in the journal: xvda's change was not blocked, so worker exhaustion was not exercised"
		fi
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
	local s0 out rc h
	s0=$(sd_of_lun 0)
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
	# even though the host is SCSI-active (our auto mode would refuse).
	attach_xvd xvdf "$WORK/xvdf.img" || problem "attach xvdf failed"
	if [ "$(readlink -f /dev/sdf)" = /dev/xvdf ]; then
		fact "after rpm -e the stock rule is in force (/dev/sdf -> xvdf)"
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
