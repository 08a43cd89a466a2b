# shellcheck shell=bash
# tests/rules/lib.sh: the tier-2 harness, shared by run-rules-tests.sh and
# demo.sh. It runs the real `udevadm test` (systemd 252) on simulated
# machines, each in a private mount (and pid, net) namespace:
#
#   /sys             tmpfs, a fake sysfs tree built here (Xen vbd disks,
#                    an iSCSI session with a LUN)
#   /dev             tmpfs mounted nodev: udev and the helper create links and
#                    nodes there, and no node can ever open a device
#   /run             tmpfs: udev's database and link stacks, the helper's
#                    node records
#   /etc /var/lib /usr/lib/udev /usr/sbin
#                    overlays on a scratch directory (the config file, iSCSI
#                    node records, the rule files, the helper, the stock
#                    script, the scsi_id double)
#   /proc/cmdline    a bind-mounted file (the kernel command line)
#
# This machine's own /dev, /sys, /run/udev are never written: every write
# happens after the namespace's mounts are made and checked (ns_guard).
#
# The harness also plays the parts of the system that are not udevadm:
#   devtmpfs  creates a node at a kernel "add" unless the name exists
#             (EEXIST, it never retries), deletes only nodes it made
#   udevd     runs the RUN+= programs udevadm test lists (only ours and the
#             stock script), and dispatches the uevents a program writes to
#             /sys/.../uevent: at once (a free worker) or after the running
#             event (--children-max=1)
# and, as a TEST DOUBLE, scsi_id (see write_scsi_id_double).

RT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RT_REPO=$(cd "$RT_DIR/../.." && pwd)
RT_LIB="$RT_DIR/lib.sh"

# Everything in the scenarios that names the LUN. The address is only a
# string in the fake sysfs: nothing connects anywhere.
LUN_VENDOR="NETAPP"
LUN_MODEL="LUN C-Mode"
LUN_WWID="naa.600a09803830344a573f5a7a6c6d4e31"
LUN_IQN="iqn.1992-08.com.netapp:sn.4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c:vs.3"
LUN_ADDR="127.0.0.1"
LUN_PORT="3260"
LUN_BYID="/dev/disk/by-id/scsi-3${LUN_WWID#naa.}"
LUN_WWN="/dev/disk/by-id/wwn-0x${LUN_WWID#naa.}"
LUN_BYPATH="/dev/disk/by-path/ip-$LUN_ADDR:$LUN_PORT-iscsi-$LUN_IQN-lun-0"

RT_RULES_STOCK_DIR=/usr/lib/udev/rules.d
RT_RULES_OURS_DIR=/etc/udev/rules.d
RT_STOCK_SCRIPT=/usr/sbin/ec2udev-vbd
# Nitro: where amazon-ec2-utils installs ebsnvme-id; where the helper's test
# build reads NVMe Identify data (from the build, see rt_identify_dir)
RT_EBSNVME_ID=/usr/sbin/ebsnvme-id
RT_IDENTIFY_DIR=${RT_IDENTIFY_DIR:-/run/ec2xa-test-identify}
# One scenario on one side, at most (s). nitro-boot plays 7 NVMe events, each
# a udevadm test that runs ebsnvme-id and the helper: measured up to 250 s
# on a 2-core machine shared with other jobs (load 12 to 16).
RT_SCENARIO_TIMEOUT=${RT_SCENARIO_TIMEOUT:-600}
# systemd's own rules loaded beside the 51 file (from this machine's udev);
# 60-cdrom_id.rules is there to be masked as on an instance (the Xen
# scenarios install amazon-ec2-utils' empty override, see ns_install_common)
RT_SYSTEM_RULES="50-udev-default.rules 60-block.rules 60-cdrom_id.rules 60-persistent-storage.rules"
# Nitro: Debian's real amazon-ec2-utils (tests/stock/real-amazon-ec2-utils.sh):
# the unpacked tree, or "" for the project's stand-in rule (rt_stock_nvme)
RT_AEU_TREE=${RT_AEU_TREE-}

# The scenarios, in order. Each is a function sc_<name with - as _>.
# shellcheck disable=SC2034 # used by the scripts that source this file
RT_SCENARIOS="xen-boot lun-before-xen lun-after-xen yield-request yield-stock-era handover-timeout reserve
mode-compat mode-off scsi-host-same-answer cmdline-override remove-xen-disk
remove-lun partition-alias-disk-claim partition-alias-xvd-first
ignored-names xen-hvm-map-sdf xen-hvm-map-sda1 xen-pv-map-sda1 xen-pv-sda1-real-sda
nitro-boot nitro-lun-after nitro-lun-first nitro-logout nitro-map-sdf
nitro-map-dev-sdf nitro-map-xvdf nitro-map-sda1 nitro-map-xvda nitro-sda1-real-sda"

########################################################################
# Outside the namespace
########################################################################

# rt_prereqs: prints the reason and returns 1 when the tier cannot run here.
rt_prereqs() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "not root: the tier needs mount namespaces and mknod"
		return 1
	fi
	local pkg
	local -a missing=()
	while read -r pkg; do
		case $pkg in ''|'#'*) continue ;; esac
		dpkg-query -W -f '${Status}\n' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$pkg")
	done < "$RT_DIR/host-packages.txt"
	if [ "${#missing[@]}" -gt 0 ]; then
		echo "rules tier: installing missing host packages: ${missing[*]}" >&2
		if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >&2; then
			echo "could not install ${missing[*]} (apt-get failed)"
			return 1
		fi
	fi
	local t
	for t in unshare udevadm mknod stat; do
		if ! command -v "$t" >/dev/null; then
			echo "$t not found"
			return 1
		fi
	done
	local v
	v=$(udevadm --version 2>/dev/null)
	if [ "${v%%[!0-9]*}" != 252 ]; then
		echo "udevadm is version '$v': this tier's expectations are those of systemd 252"
		return 1
	fi
	if ! unshare --mount --net --pid --fork --mount-proc --propagation private true 2>/dev/null; then
		echo "unshare --mount --net --pid does not work here (no privileges for namespaces)"
		return 1
	fi
	if ! grep -qw overlay /proc/filesystems && ! modprobe overlay 2>/dev/null; then
		echo "no overlay filesystem"
		return 1
	fi
	return 0
}

# rt_build_ok BUILDDIR: prints why our side cannot run, returns 1 then.
rt_build_ok() {
	local b=$1
	if [ ! -x "$b/helper/ec2-xvd-alias" ]; then
		echo "no built helper at $b/helper/ec2-xvd-alias (build with meson/ninja first)"
		return 1
	fi
	local r
	for r in 51-ec2-hvm-devices.rules 71-ec2-xvd-alias-nvme.rules 99-ec2-xvd-alias-finish.rules; do
		if [ ! -f "$b/rules/$r" ]; then
			echo "no generated rule at $b/rules/$r"
			return 1
		fi
	done
	return 0
}

# rt_identify_dir BUILDDIR: prints where the helper's test build reads NVMe
# Identify data (the Nitro [ours] scenarios write it there); prints why
# not and returns 1 for a build without it (a release build would send the
# ioctl to a fake node) or with a directory outside the namespace's /run.
rt_identify_dir() {
	local d
	d=$(sed -n 's/^#define TEST_IDENTIFY_DIR "\(.*\)"$/\1/p' "$1/build-config.h" 2>/dev/null)
	case $d in
	'') echo "$1 is not a test build (meson -Dtest_identify_dir, as build-dev.ini sets): its helper reads NVMe identity only by ioctl"; return 1 ;;
	/run/*) ;;
	*) echo "the test build reads NVMe identity from $d, not under /run (the namespace's tmpfs)"; return 1 ;;
	esac
	case $d in
	*/../*|*/..) echo "test identify directory $d has '..'"; return 1 ;;
	esac
	echo "$d"
}

# rt_stock_nvme: which 70-ec2-nvme-devices.rules the Nitro scenarios run,
# decided once per run. Sets and exports RT_AEU_TREE (the unpacked tree of
# Debian's real amazon-ec2-utils, or "" for the project's stand-in,
# tests/stock/70-ec2-nvme-devices.rules.in, when the package cannot be had)
# and prints the one NOTE line that says which.
rt_stock_nvme() {
	local tree rc=0 err ver
	err=$(mktemp)
	tree=$("$RT_REPO/tests/stock/real-amazon-ec2-utils.sh" 2>"$err") || rc=$?
	if [ "$rc" = 0 ] && [ -f "$tree/lib/udev/rules.d/70-ec2-nvme-devices.rules" ]; then
		ver=${tree##*/amazon-ec2-utils_}
		ver=${ver%_*}
		RT_AEU_TREE=$tree
		echo "NOTE: Amazon's real 70-ec2-nvme-devices.rules (Debian amazon-ec2-utils $ver, with its ec2nvme-nsid in /lib/udev); ebsnvme-id is a test double (tests/stock/ebsnvme-id)"
	else
		RT_AEU_TREE=""
		echo "NOTE: Debian's amazon-ec2-utils cannot be had here (real-amazon-ec2-utils.sh exited $rc: $(tail -n 1 "$err")): the Nitro scenarios run the project's STAND-IN of 70-ec2-nvme-devices.rules (tests/stock/70-ec2-nvme-devices.rules.in); ebsnvme-id is a test double (tests/stock/ebsnvme-id)"
	fi
	rm -f "$err"
	export RT_AEU_TREE
}

# rt_run SCENARIO SIDE OUTDIR BUILDDIR [HELPER_AS_STOCK]: runs one scenario
# on one side in a fresh namespace. Results land in OUTDIR.
rt_run() {
	local sc=$1 side=$2 out=$3 build=$4 as_stock=${5:-0}
	mkdir -p "$out"
	local idir=/run/ec2xa-test-identify
	if [ "$side" = ours ]; then
		idir=$(rt_identify_dir "$build") || idir=/run/ec2xa-test-identify
	fi
	RT_BUILD="$build" RT_HELPER_AS_STOCK="$as_stock" RT_IDENTIFY_DIR="$idir" RT_AEU_TREE="$RT_AEU_TREE" \
		timeout --kill-after=10 "$RT_SCENARIO_TIMEOUT" \
		unshare --mount --net --pid --fork --mount-proc --propagation private \
		bash "$RT_LIB" __inner "$sc" "$side" "$out" > "$out/inner.log" 2>&1
	echo $? > "$out/inner.rc"
}

# rt_verdict SCENARIO SIDE OUTDIR: prints the verdict line, returns 0 on PASS.
# A scenario of the stable-name table names its row(s) first (see row).
rt_verdict() {
	local sc=$1 side=$2 out=$3 rc r=""
	rc=$(cat "$out/inner.rc" 2>/dev/null || echo '?')
	[ -s "$out/row" ] && r="$(cat "$out/row"): "
	if [ -s "$out/failures" ]; then
		echo "FAIL: $sc [$side]: $r$(head -n 1 "$out/failures")"
		return 1
	fi
	if [ "$rc" != 0 ] || [ ! -s "$out/checked" ]; then
		echo "FAIL: $sc [$side]: ${r}harness exited $rc: $(grep -v '^+' "$out/inner.log" | tail -n 1)"
		return 1
	fi
	echo "PASS: $sc [$side]: $r$(paste -sd';' "$out/checked")"
	return 0
}

# rt_show_failure OUTDIR: the details of a failed scenario, for stderr.
rt_show_failure() {
	local out=$1 f
	sed 's/^/    /' "$out/failures" 2>/dev/null
	for f in "$out"/diff.*; do
		[ -f "$f" ] || continue
		echo "    --- ${f##*/} (expected/actual):"
		sed 's/^/    /' "$f"
	done
	if [ ! -s "$out/failures" ]; then
		tail -n 20 "$out/inner.log" | sed 's/^/    /'
	fi
}

########################################################################
# Inside the namespace: setup
########################################################################

ns_mount_tmpfs() {
	mount -t tmpfs -o "nosuid,nodev,mode=${2:-755}" "rules-tier" "$1"
}

ns_overlay() {
	local dir=$1 name=$2
	mkdir -p "$OUT/ovl/$name/upper" "$OUT/ovl/$name/work"
	mount -t overlay "rules-tier" \
		-o "lowerdir=$dir,upperdir=$OUT/ovl/$name/upper,workdir=$OUT/ovl/$name/work" "$dir"
}

# ns_guard: refuse to go on unless /dev, /sys and /run are this namespace's
# own tmpfs (marker files written right after mounting them).
ns_guard() {
	local d
	for d in /dev /sys /run; do
		if [ "$(stat -f -c %T "$d")" != tmpfs ] || [ ! -e "$d/.rules-tier-$RT_TOKEN" ]; then
			echo "SAFETY: $d is not this namespace's tmpfs, stopping" >&2
			exit 3
		fi
	done
}

ns_setup() {
	RT_TOKEN=$$.$RANDOM
	# keep handles on the few real character devices programs need
	local n
	mkdir -p "$OUT/hostdev"
	for n in null zero urandom random; do
		: > "$OUT/hostdev/$n"
		mount --bind "/dev/$n" "$OUT/hostdev/$n"
	done
	ns_mount_tmpfs /dev
	: > "/dev/.rules-tier-$RT_TOKEN"
	for n in null zero urandom random; do
		: > "/dev/$n"
		mount --bind "$OUT/hostdev/$n" "/dev/$n"
	done
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	ns_mount_tmpfs /sys
	: > "/sys/.rules-tier-$RT_TOKEN"
	ns_mount_tmpfs /run
	: > "/run/.rules-tier-$RT_TOKEN"
	ns_guard
	# udevd's control socket: the harness plays udevd, and the helper asks
	# holders to drop a name (and waits) only when udevd runs. Nothing
	# listens on it (perl-base, Essential in Debian, binds it and exits).
	mkdir -p /run/udev
	perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => "/run/udev/control") or die "$!\n"' ||
		{ echo "cannot make /run/udev/control" >&2; exit 2; }

	ns_overlay /etc etc
	ns_overlay /var/lib varlib
	ns_overlay /usr/lib/udev udevdir
	ns_overlay /usr/sbin sbin
	# systemd's own rules, taken from this machine's udev before the
	# rules directories are emptied
	local r
	mkdir -p "$OUT/sysrules"
	for r in $RT_SYSTEM_RULES; do
		cp "/usr/lib/udev/rules.d/$r" "$OUT/sysrules/"
	done
	ns_mount_tmpfs /etc/udev/rules.d
	ns_mount_tmpfs /usr/lib/udev/rules.d
	rm -f /etc/ec2-xvd-alias.conf /etc/ec2xa-nvme-shim.conf
	rm -rf /etc/iscsi /var/lib/iscsi

	# a neutral kernel command line (this machine's own is irrelevant)
	echo "BOOT_IMAGE=/boot/vmlinuz-6.1.0-ec2 root=/dev/xvda1 ro console=ttyS0" > "$OUT/cmdline"
	mount --bind "$OUT/cmdline" /proc/cmdline

	mkdir -p /sys/devices/virtual /sys/dev/block /sys/block /sys/class/block \
		/sys/bus/xen/devices /sys/bus/scsi/devices /sys/class/scsi_host \
		/sys/class/scsi_device /sys/class/scsi_disk /sys/class/iscsi_host \
		/sys/class/iscsi_session /sys/class/iscsi_connection \
		/sys/class/iscsi_transport /sys/module
	mkdir -p "$OUT/uevent" "$OUT/events"
	: > "$OUT/devtmpfs.owned"
	: > "$OUT/uevent-writes.log"
	: > "$OUT/helper.log"
	: > "$OUT/checked"
	: > "$OUT/failures"
	: > "$OUT/queue"
	RT_EVENTS=0
	DISPATCH=concurrent

	ns_install_common
	case $SIDE in
	stock) ;;
	ours) ns_install_ours ;;
	*) echo "unknown side $SIDE" >&2; exit 2 ;;
	esac
}

# The stock rules and scripts are installed on both sides, where
# amazon-ec2-utils puts them: ours masks the Xen rule from /etc.
#
# Xen scenarios: the set Amazon Linux 2023's amazon-ec2-utils installs
# around the rule we replace (stand-ins, tests/stock/): the Xen rule and
# ec2udev-vbd, 51-ec2-xen-vbd-devices.rules (the by-path/xen-vbd-* links)
# in /usr/lib/udev/rules.d, and the empty 60-cdrom_id.rules in
# /etc/udev/rules.d that masks systemd's.
# Nitro scenarios (nitro-*): what Debian's amazon-ec2-utils installs (it
# has no Xen rule, no xen-vbd rule, no cdrom override): its real
# 70-ec2-nvme-devices.rules and ec2nvme-nsid in /lib/udev, byte for byte,
# and the ebsnvme-id double at /usr/sbin/ebsnvme-id, where the package has
# the real one. Without the package ($RT_AEU_TREE empty): the stand-in rule.
# The Xen rule is installed in the Nitro scenarios too (it matches no
# nvme device), so that ours always masks something.
ns_install_common() {
	cp "$OUT"/sysrules/*.rules "$RT_RULES_STOCK_DIR/"
	install -m 755 "$RT_REPO/tests/stock/ec2udev-vbd" "$RT_STOCK_SCRIPT"
	sed "s|@EC2UDEV_VBD@|$RT_STOCK_SCRIPT|" "$RT_REPO/tests/stock/51-ec2-hvm-devices.rules.in" \
		> "$RT_RULES_STOCK_DIR/51-ec2-hvm-devices.rules"
	write_scsi_id_double /usr/lib/udev/scsi_id
	case $SC in
	nitro-*) ;;
	*)
		install -m 644 "$RT_REPO/tests/stock/51-ec2-xen-vbd-devices.rules" "$RT_RULES_STOCK_DIR/"
		install -m 644 "$RT_REPO/tests/stock/60-cdrom_id.rules" "$RT_RULES_OURS_DIR/"
		;;
	esac
	install -m 755 "$RT_REPO/tests/stock/ebsnvme-id" "$RT_EBSNVME_ID"
	if [ -n "$RT_AEU_TREE" ]; then
		# /lib/udev must be this namespace's /usr/lib/udev (merged /usr):
		# a split /usr would put these files on this machine's /lib
		if [ "$(readlink -f /lib/udev)" != /usr/lib/udev ]; then
			echo "/lib/udev is not /usr/lib/udev here (no merged /usr): cannot install Debian's amazon-ec2-utils in the namespace" >&2
			exit 2
		fi
		install -m 644 "$RT_AEU_TREE/lib/udev/rules.d/70-ec2-nvme-devices.rules" /lib/udev/rules.d/70-ec2-nvme-devices.rules
		install -m 755 "$RT_AEU_TREE/lib/udev/ec2nvme-nsid" /lib/udev/ec2nvme-nsid
		if ! cmp -s "$RT_AEU_TREE/lib/udev/rules.d/70-ec2-nvme-devices.rules" "$RT_RULES_STOCK_DIR/70-ec2-nvme-devices.rules"; then
			echo "the installed 70-ec2-nvme-devices.rules is not the package's" >&2
			exit 2
		fi
	else
		sed "s|@EBSNVME_ID@|$RT_EBSNVME_ID|" "$RT_REPO/tests/stock/70-ec2-nvme-devices.rules.in" \
			> "$RT_RULES_STOCK_DIR/70-ec2-nvme-devices.rules"
	fi
}

# The path the generated rule calls the helper by.
rule_helper_path() {
	sed -n 's/.*PROGRAM="\([^ "]*\) links %k".*/\1/p' "$1" | head -n 1
}

ns_install_ours() {
	local rule="$RT_BUILD/rules/51-ec2-hvm-devices.rules" hp
	hp=$(rule_helper_path "$rule")
	case $hp in
	/usr/lib/udev/*|/lib/udev/*) ;;
	*) echo "the generated rule calls the helper as '$hp', not in the udev directory" >&2; exit 2 ;;
	esac
	RT_HELPER=$hp
	cp "$rule" "$RT_RULES_OURS_DIR/51-ec2-hvm-devices.rules"
	# the NVMe rule goes beside Amazon's 70 file, where the package puts it
	cp "$RT_BUILD/rules/71-ec2-xvd-alias-nvme.rules" "$RT_RULES_STOCK_DIR/71-ec2-xvd-alias-nvme.rules"
	# the end of a handover, last of all the rules
	cp "$RT_BUILD/rules/99-ec2-xvd-alias-finish.rules" "$RT_RULES_STOCK_DIR/99-ec2-xvd-alias-finish.rules"
	install -m 755 "$RT_BUILD/helper/ec2-xvd-alias" /usr/lib/udev/ec2-xvd-alias.real
	write_helper_wrapper "$hp" /usr/lib/udev/ec2-xvd-alias.real
}

# udev runs PROGRAM and RUN with only the event's properties as environment,
# so the helper is installed behind this small wrapper, which adds what a
# fake sysfs and a sanitizer build need and logs every call for the report.
write_helper_wrapper() {
	local at=$1 real=$2
	if [ "$RT_HELPER_AS_STOCK" = 1 ]; then
		# --helper-as-stock: the helper replaced by the stock logic, to
		# prove this tier fails when the product does what the stock does.
		real="$OUT/stock-as-helper"
		cat > "$real" <<-EOF
		#!/bin/sh
		# 'links xvdX' answers like ec2udev-vbd, plus the stable xvd- name,
		# so that only the safety logic differs; every other command does
		# nothing
		case \$1 in
		--root|--debug) shift ;;
		esac
		if [ "\$1" = links ]; then
			n=\$($RT_STOCK_SCRIPT "\$2")
			echo "\$n xvd-\$n"
		fi
		# 'nvme NS' keeps the stock link (ebsnvme-id's name, with the
		# partition number appended) and adds the stable name made the
		# same blind way
		if [ "\$1" = nvme ]; then
			m=\$($RT_EBSNVME_ID -u "/dev/\$2" 2>/dev/null) || exit 0
			[ -n "\$m" ] || exit 0
			p=
			case \$2 in
			*p[0-9]*) p=\${2##*p} ;;
			esac
			case \$m in
			xvd*) echo "EC2XA_STABLE=xvd-sd\${m#xvd}\$p" ;;
			*) echo "EC2XA_STABLE=xvd-\$m\$p" ;;
			esac
		fi
		exit 0
		EOF
		chmod 755 "$real"
	fi
	cat > "$at" <<-EOF
	#!/bin/bash
	# TEST WRAPPER (tier 2), not the product: environment for a fake sysfs
	# and the sanitizers, and a log line per call.
	export SYSTEMD_DEVICE_VERIFY_SYSFS=0
	export ASAN_OPTIONS="log_path=$OUT/asan:detect_leaks=1:abort_on_error=0"
	export UBSAN_OPTIONS="log_path=$OUT/ubsan:print_stacktrace=1:halt_on_error=1"
	err=\$(mktemp "$OUT/helper-err.XXXXXX")
	out=\$("$real" "\$@" 2>"\$err")
	rc=\$?
	if [ "\$1" = claim ] && [ -e "$OUT/hold-after-claim" ]; then
		# FORCED ORDERING (hold_after_claim): the rest of this event's
		# rules wait until the harness has run the events queued so far
		touch "$OUT/hold"
		for _ in \$(seq 500); do [ -e "$OUT/hold" ] || break; sleep 0.02; done
	fi
	[ -n "\$out" ] && printf '%s\n' "\$out"
	cat "\$err" >&2
	{
		printf 'ec2-xvd-alias %s -> exit %s, stdout "%s"\n' "\$*" "\$rc" "\$out"
		sed 's/^/    stderr: /' "\$err"
	} >> "$OUT/helper.log"
	rm -f "\$err"
	exit \$rc
	EOF
	chmod 755 "$at"
}

# TEST DOUBLE for scsi_id (the real one sends SCSI INQUIRY through the device
# node, impossible on a fake device). It keeps the one property that matters
# for this bug: it resolves the node it is given (following symlinks, as the
# real open() does) to a devnum and reports the identity of THAT device, read
# from the fake sysfs. A /dev/sda that is a symlink to xvda yields no SCSI
# identity (xen-blkfront answers no SG_IO), a real 8:0 node the LUN's.
write_scsi_id_double() {
	cat > "$1" <<-'EOF'
	#!/bin/sh
	# TEST DOUBLE of scsi_id (tier 2 of ec2-xvd-alias), never installed
	# outside the test namespace. See tests/rules/lib.sh.
	dev=""
	for a in "$@"; do
		case $a in
		--device=*) dev=${a#--device=} ;;
		-d) next=1; continue ;;
		esac
		[ -n "$next" ] && dev=$a && next=""
	done
	[ -n "$dev" ] || exit 1
	# what open() would reach: follow symlinks, then the devnum
	mm=$(stat -L -c '%Hr:%Lr' "$dev" 2>/dev/null) || exit 1
	[ -b "$dev" ] || exit 1
	sdev=/sys/dev/block/$mm/device
	[ -r "$sdev/wwid" ] && [ -r "$sdev/vendor" ] || exit 1
	read -r vendor < "$sdev/vendor"
	read -r model < "$sdev/model"
	read -r rev < "$sdev/rev"
	read -r wwid < "$sdev/wwid"
	hex=${wwid#naa.}
	echo "ID_SCSI=1"
	echo "ID_VENDOR=$vendor"
	echo "ID_MODEL=$(echo "$model" | tr ' ' _)"
	echo "ID_REVISION=$rev"
	echo "ID_TYPE=disk"
	echo "ID_SERIAL=3$hex"
	echo "ID_SERIAL_SHORT=$hex"
	echo "ID_WWN=0x$(echo "$hex" | cut -c1-16)"
	echo "ID_WWN_VENDOR_EXTENSION=0x$(echo "$hex" | cut -c17-)"
	echo "ID_WWN_WITH_EXTENSION=0x$hex"
	EOF
	chmod 755 "$1"
}

########################################################################
# Inside the namespace: the fake sysfs (what the kernel would show)
########################################################################

sys_attr() { # DIR NAME VALUE
	printf '%s\n' "$3" > "$1/$2"
}

sys_link() { # TARGET LINKNAME
	ln -sfr "$1" "$2"
}

# sys_block_dev PARENTDIR NAME MAJ MIN disk|partition [PARTN]
sys_block_dev() {
	local parent=$1 name=$2 maj=$3 min=$4 type=$5 partn=${6:-}
	local d="$parent/$name"
	mkdir -p "$d/holders" "$d/power"
	{
		echo "MAJOR=$maj"
		echo "MINOR=$min"
		echo "DEVNAME=$name"
		echo "DEVTYPE=$type"
		[ -n "$partn" ] && echo "PARTN=$partn"
	} > "$d/uevent"
	cp "$d/uevent" "$OUT/uevent/$name"
	echo "$d" > "$OUT/uevent/$name.path"
	sys_attr "$d" dev "$maj:$min"
	sys_attr "$d" size 16777216
	sys_attr "$d" ro 0
	sys_link /sys/class/block "$d/subsystem"
	sys_link "$d" "/sys/class/block/$name"
	sys_link "$d" "/sys/dev/block/$maj:$min"
	if [ "$type" = disk ]; then
		mkdir -p "$d/queue"
		sys_attr "$d" removable 0
		sys_attr "$d" range 16
		sys_attr "$d" ext_range 16
		sys_link "$d" "/sys/block/$name"
		case $parent in
		/sys/devices/virtual/*) ;;
		# an NVMe namespace hangs directly under its controller
		*/nvme/nvme[0-9]*) sys_link "$parent" "$d/device" ;;
		*) sys_link "$(dirname "$parent")" "$d/device" ;;
		esac
	else
		sys_attr "$d" partition "$partn"
		sys_attr "$d" start 2048
	fi
}

# sys_xen_disk NAME MINOR [NPARTS]: a xen-blkfront disk on /sys/devices/vbd-N
sys_xen_disk() {
	local name=$1 min=$2 nparts=${3:-0} vbd i
	if [ "$min" -lt 256 ]; then
		vbd=$((202 * 256 + min))
	else
		vbd=$(((1 << 28) + min))
	fi
	local v=/sys/devices/vbd-$vbd
	mkdir -p "$v/block" "$v/power"
	printf 'DRIVER=vbd\nMODALIAS=xen:vbd\n' > "$v/uevent"
	sys_attr "$v" devtype vbd
	sys_attr "$v" nodename "device/vbd/$vbd"
	sys_link /sys/bus/xen "$v/subsystem"
	sys_link "$v" "/sys/bus/xen/devices/vbd-$vbd"
	# bound to xen-blkfront (the driver Amazon's xen-vbd rule matches)
	mkdir -p /sys/bus/xen/drivers/vbd
	sys_link /sys/bus/xen/drivers/vbd "$v/driver"
	sys_block_dev "$v/block" "$name" 202 "$min" disk
	for ((i = 1; i <= nparts; i++)); do
		sys_block_dev "$v/block/$name" "$name$i" 202 $((min + i)) partition "$i"
	done
}

# sys_iscsi_transport: iscsi_tcp registered (what `modprobe iscsi_tcp` shows)
sys_iscsi_transport() {
	local t=/sys/devices/virtual/iscsi_transport/tcp
	mkdir -p "$t"
	: > "$t/uevent"
	sys_attr "$t" handle 18446744072102082624
	sys_link /sys/class/iscsi_transport "$t/subsystem"
	sys_link "$t" /sys/class/iscsi_transport/tcp
	mkdir -p /sys/module/iscsi_tcp /sys/module/scsi_transport_iscsi
}

# sys_iscsi_lun NAME MINOR [NPARTS]: an iSCSI session (host2, session1) with
# LUN 0 as disk NAME (major 8), laid out as the kernel does.
sys_iscsi_lun() {
	local name=$1 min=$2 nparts=${3:-0} i
	sys_iscsi_transport
	local h=/sys/devices/platform/host2
	mkdir -p "$h/scsi_host/host2" "$h/iscsi_host/host2"
	printf 'DEVTYPE=scsi_host\n' > "$h/uevent"
	sys_link /sys/bus/scsi "$h/subsystem"
	sys_link "$h" /sys/bus/scsi/devices/host2
	: > "$h/scsi_host/host2/uevent"
	sys_link /sys/class/scsi_host "$h/scsi_host/host2/subsystem"
	sys_link "$h/scsi_host/host2" /sys/class/scsi_host/host2
	: > "$h/iscsi_host/host2/uevent"
	sys_link /sys/class/iscsi_host "$h/iscsi_host/host2/subsystem"
	sys_link "$h/iscsi_host/host2" /sys/class/iscsi_host/host2

	local s=$h/session1
	mkdir -p "$s/iscsi_session/session1" "$s/connection1:0/iscsi_connection/connection1:0"
	: > "$s/uevent"
	: > "$s/iscsi_session/session1/uevent"
	sys_attr "$s/iscsi_session/session1" targetname "$LUN_IQN"
	sys_attr "$s/iscsi_session/session1" state LOGGED_IN
	sys_link /sys/class/iscsi_session "$s/iscsi_session/session1/subsystem"
	sys_link "$s/iscsi_session/session1" /sys/class/iscsi_session/session1
	local c=$s/connection1:0
	: > "$c/uevent"
	: > "$c/iscsi_connection/connection1:0/uevent"
	sys_attr "$c/iscsi_connection/connection1:0" persistent_address "$LUN_ADDR"
	sys_attr "$c/iscsi_connection/connection1:0" persistent_port "$LUN_PORT"
	sys_attr "$c/iscsi_connection/connection1:0" address "$LUN_ADDR"
	sys_attr "$c/iscsi_connection/connection1:0" port "$LUN_PORT"
	sys_link /sys/class/iscsi_connection "$c/iscsi_connection/connection1:0/subsystem"
	sys_link "$c/iscsi_connection/connection1:0" /sys/class/iscsi_connection/connection1:0

	local t=$s/target2:0:0
	mkdir -p "$t"
	printf 'DEVTYPE=scsi_target\n' > "$t/uevent"
	sys_link /sys/bus/scsi "$t/subsystem"
	sys_link "$t" /sys/bus/scsi/devices/target2:0:0
	local l=$t/2:0:0:0
	mkdir -p "$l/block" "$l/scsi_device/2:0:0:0" "$l/scsi_disk/2:0:0:0"
	printf 'DEVTYPE=scsi_device\nDRIVER=sd\nMODALIAS=scsi:t-0x00\n' > "$l/uevent"
	sys_link /sys/bus/scsi "$l/subsystem"
	sys_link "$l" /sys/bus/scsi/devices/2:0:0:0
	sys_attr "$l" vendor "$(printf '%-8s' "$LUN_VENDOR")"
	sys_attr "$l" model "$(printf '%-16s' "$LUN_MODEL")"
	sys_attr "$l" rev 9141
	sys_attr "$l" type 0
	sys_attr "$l" scsi_level 7
	sys_attr "$l" state running
	sys_attr "$l" wwid "$LUN_WWID"
	: > "$l/scsi_device/2:0:0:0/uevent"
	sys_link /sys/class/scsi_device "$l/scsi_device/2:0:0:0/subsystem"
	sys_link "$l/scsi_device/2:0:0:0" /sys/class/scsi_device/2:0:0:0
	: > "$l/scsi_disk/2:0:0:0/uevent"
	sys_link /sys/class/scsi_disk "$l/scsi_disk/2:0:0:0/subsystem"
	sys_link "$l/scsi_disk/2:0:0:0" /sys/class/scsi_disk/2:0:0:0

	sys_block_dev "$l/block" "$name" 8 "$min" disk
	for ((i = 1; i <= nparts; i++)); do
		sys_block_dev "$l/block/$name" "$name$i" 8 $((min + i)) partition "$i"
	done
}

# sys_remove NAME: the kernel's sysfs side of a block device going away
sys_remove() {
	local name=$1 d mm
	d=$(cat "$OUT/uevent/$name.path")
	mm=$(cat "$d/dev")
	rm -rf "$d"
	rm -f "/sys/class/block/$name" "/sys/block/$name" "/sys/dev/block/$mm"
}

sys_remove_iscsi_session() {
	rm -rf /sys/devices/platform/host2
	rm -f /sys/bus/scsi/devices/host2 /sys/bus/scsi/devices/target2:0:0 \
		/sys/bus/scsi/devices/2:0:0:0 /sys/class/scsi_host/host2 \
		/sys/class/iscsi_host/host2 /sys/class/iscsi_session/session1 \
		/sys/class/iscsi_connection/connection1:0 /sys/class/scsi_device/2:0:0:0 \
		/sys/class/scsi_disk/2:0:0:0
}

# --- Nitro: NVMe controllers and namespaces -------------------------------
#
# Laid out as Linux 6.1 without native NVMe multipath does:
#   /sys/devices/pci0000:00/SLOT                  the PCI function (vendor)
#   .../SLOT/nvme/nvmeN                           the controller (class nvme:
#                                                 model, serial, firmware_rev)
#   .../SLOT/nvme/nvmeN/nvmeNnM                   a namespace (block, 259:x;
#                                                 nsid, wwid; device -> nvmeN)
#   .../SLOT/nvme/nvmeN/nvmeNnM/nvmeNnMpP         its partitions
# The stock rule's ATTRS{model}/ATTRS{serial} find the controller by walking
# up, path_id makes pci-SLOT-nvme-NSID from it, and the ebsnvme-id double
# follows namespace/device (the controller) and device/device/vendor.
#
# TEST DOUBLE of the NVMe identity: the mapping name exists nowhere in sysfs.
# Each controller's Identify Controller data (what the real ioctl returns)
# is written as the 4096 bytes the helper's test build reads from
# $RT_IDENTIFY_DIR/<namespace> (on both sides: it is the hardware), and
# the mapping name also goes to the ebsnvme-id double's configuration
# (/etc/ec2xa-nvme-shim.conf, by serial). The same facts feed both sides,
# as one controller would.

RT_NVME_CHAR_MAJOR=242
EBS_MODEL="Amazon Elastic Block Store"
EBS_FW="1.0"
INSTANCE_STORE_MODEL="Amazon EC2 NVMe Instance Storage"
INSTANCE_STORE_FW="0"
OTHER_NVME_VENDOR=0x144d
OTHER_NVME_DEVICE=0xa80a
OTHER_NVME_MODEL="SAMSUNG MZQL2960HCJR-00A07"
OTHER_NVME_SERIAL="S64FNE0R812345"
OTHER_NVME_FW="GDC5302Q"

# nvme_ctrl_get CTRL FIELD: a fact recorded by sys_nvme_ctrl
nvme_ctrl_get() {
	cat "$OUT/nvme/$1.$2"
}

# sys_nvme_ctrl CTRL SLOT VENDOR DEVICE MODEL SERIAL FW [MAPPING]: an NVMe
# controller on PCI function SLOT (bus 0). MAPPING is the block device
# mapping name EC2 stores in the vendor-specific area ("" for none).
sys_nvme_ctrl() {
	local ctrl=$1 slot=$2 vendor=$3 device=$4 model=$5 serial=$6 fw=$7 mapping=${8:-}
	local pci=/sys/devices/pci0000:00/$slot
	local c=$pci/nvme/$ctrl
	local num=${ctrl#nvme}
	mkdir -p "$OUT/nvme" /sys/bus/pci/devices /sys/class/nvme "$c/power"
	printf '%s\n' "$vendor" > "$OUT/nvme/$ctrl.vendor"
	printf '%s\n' "$model" > "$OUT/nvme/$ctrl.model"
	printf '%s\n' "$serial" > "$OUT/nvme/$ctrl.serial"
	printf '%s\n' "$fw" > "$OUT/nvme/$ctrl.fw"
	printf '%s\n' "$mapping" > "$OUT/nvme/$ctrl.mapping"
	printf '%s\n' "$slot" > "$OUT/nvme/$ctrl.slot"

	# the PCI function (class 0x010802: NVM Express)
	local v d
	v=$(printf %04X $((vendor)))
	d=$(printf %04X $((device)))
	{
		echo "DRIVER=nvme"
		echo "PCI_CLASS=10802"
		echo "PCI_ID=$v:$d"
		echo "PCI_SUBSYS_ID=$v:$d"
		echo "PCI_SLOT_NAME=$slot"
		echo "MODALIAS=pci:v0000${v}d0000${d}sv0000${v}sd0000${d}bc01sc08i02"
	} > "$pci/uevent"
	sys_attr "$pci" vendor "$vendor"
	sys_attr "$pci" device "$device"
	sys_attr "$pci" subsystem_vendor "$vendor"
	sys_attr "$pci" subsystem_device "$device"
	sys_attr "$pci" class 0x010802
	sys_link /sys/bus/pci "$pci/subsystem"
	sys_link "$pci" "/sys/bus/pci/devices/$slot"

	# the controller: fixed-width Identify fields, space padded, as the
	# kernel shows them (udev strips the padding when it matches)
	printf 'MAJOR=%s\nMINOR=%s\nDEVNAME=%s\nNVME_TRTYPE=pcie\n' "$RT_NVME_CHAR_MAJOR" "$num" "$ctrl" > "$c/uevent"
	sys_attr "$c" dev "$RT_NVME_CHAR_MAJOR:$num"
	sys_attr "$c" model "$(printf '%-40.40s' "$model")"
	sys_attr "$c" serial "$(printf '%-20.20s' "$serial")"
	sys_attr "$c" firmware_rev "$(printf '%-8.8s' "$fw")"
	sys_attr "$c" transport pcie
	sys_attr "$c" address "$slot"
	sys_attr "$c" state live
	sys_attr "$c" cntlid 0
	sys_link /sys/class/nvme "$c/subsystem"
	sys_link "$pci" "$c/device"
	sys_link "$c" "/sys/class/nvme/$ctrl"

	# the ebsnvme-id double's source of the mapping name
	if [ -n "$mapping" ]; then
		echo "serial=$serial mapping=$mapping" >> /etc/ec2xa-nvme-shim.conf
	fi
}

# hex STRING: the bytes of STRING as lower-case hex, no separators
hex() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# pad WIDTH STRING: STRING cut or space padded to WIDTH bytes
pad() {
	printf "%-$1.$1s" "$2"
}

# le16 0xNNNN: two bytes, little endian, as printf escapes
le16() {
	local v=$(($1))
	printf '\\x%02x\\x%02x' $((v & 255)) $((v >> 8))
}

# write_identify CTRL NS: the controller's Identify Controller data, 4096
# bytes: vendor id at 0 and subsystem vendor id at 2 (little endian),
# serial at 4 (20 bytes), model at 24 (40), firmware at 64 (8), the mapping
# name at 3072 (32 bytes, space padded), zeros elsewhere.
write_identify() {
	local ctrl=$1 ns=$2 vendor f
	vendor=$(nvme_ctrl_get "$ctrl" vendor)
	mkdir -p "$RT_IDENTIFY_DIR"
	f=$RT_IDENTIFY_DIR/$ns
	{
		# shellcheck disable=SC2059 # the format is the escaped bytes
		printf "$(le16 "$vendor")$(le16 "$vendor")"
		pad 20 "$(nvme_ctrl_get "$ctrl" serial)"
		pad 40 "$(nvme_ctrl_get "$ctrl" model)"
		pad 8 "$(nvme_ctrl_get "$ctrl" fw)"
		head -c $((3072 - 72)) /dev/zero
		if [ -n "$(nvme_ctrl_get "$ctrl" mapping)" ]; then
			pad 32 "$(nvme_ctrl_get "$ctrl" mapping)"
		else
			head -c 32 /dev/zero
		fi
		head -c $((4096 - 3072 - 32)) /dev/zero
	} > "$f"
	if [ "$(stat -c %s "$f")" != 4096 ]; then
		echo "write_identify: $f is $(stat -c %s "$f") bytes, not 4096" >&2
		exit 2
	fi
}

# nvme_wwid CTRL NSID: the wwid the kernel makes for a namespace with no
# NGUID/EUI-64/UUID (as EBS namespaces): nvme.VVVV-SERIALHEX-MODELHEX-NSID
nvme_wwid() {
	local ctrl=$1 nsid=$2 vendor
	vendor=$(nvme_ctrl_get "$ctrl" vendor)
	printf 'nvme.%04x-%s-%s-%08x\n' $((vendor)) "$(hex "$(nvme_ctrl_get "$ctrl" serial)")" \
		"$(hex "$(nvme_ctrl_get "$ctrl" model)")" "$nsid"
}

# sys_nvme_ns NS MINOR [NPARTS]: namespace NS (nvme<c>n<nsid>) of controller
# nvme<c>, block major 259 (blkext), its partitions on the next minors.
sys_nvme_ns() {
	local ns=$1 min=$2 nparts=${3:-0} i
	local ctrl=${ns%n*} nsid=${ns##*n}
	local c
	c=$(readlink -f "/sys/class/nvme/$ctrl")
	sys_block_dev "$c" "$ns" 259 "$min" disk
	sys_attr "$c/$ns" nsid "$nsid"
	sys_attr "$c/$ns" wwid "$(nvme_wwid "$ctrl" "$nsid")"
	sys_attr "$c/$ns/queue" io_timeout 30000
	for ((i = 1; i <= nparts; i++)); do
		sys_block_dev "$c/$ns" "${ns}p$i" 259 $((min + i)) partition "$i"
	done
	write_identify "$ctrl" "$ns"
}

# ebs_volume CTRL SLOT SERIAL MAPPING MINOR [NPARTS]: an EBS volume
# attached as MAPPING, namespace CTRL n1 (Nitro: one controller per volume)
ebs_volume() {
	sys_nvme_ctrl "$1" "$2" 0x1d0f 0x8061 "$EBS_MODEL" "$3" "$EBS_FW" "$4"
	sys_nvme_ns "${1}n1" "$5" "${6:-0}"
}

# instance_store CTRL SLOT SERIAL MINOR: an instance store volume (Amazon's
# vendor id, no mapping name)
instance_store() {
	sys_nvme_ctrl "$1" "$2" 0x1d0f 0xcd00 "$INSTANCE_STORE_MODEL" "$3" "$INSTANCE_STORE_FW"
	sys_nvme_ns "${1}n1" "$4"
}

# other_nvme CTRL SLOT MINOR: an NVMe drive of another vendor
other_nvme() {
	sys_nvme_ctrl "$1" "$2" "$OTHER_NVME_VENDOR" "$OTHER_NVME_DEVICE" "$OTHER_NVME_MODEL" \
		"$OTHER_NVME_SERIAL" "$OTHER_NVME_FW"
	sys_nvme_ns "${1}n1" "$3"
}

########################################################################
# Inside the namespace: devtmpfs, udevd
########################################################################

dev_of() { # NAME -> MAJ:MIN
	sed -n 's/^MAJOR=//p; s/^MINOR=//p' "$OUT/uevent/$1" | paste -sd:
}

# devtmpfs_add NAME: as the kernel at device_add(): mknod unless the name
# exists (EEXIST), with no retry.
devtmpfs_add() {
	local name=$1 mm
	mm=$(dev_of "$name")
	if [ -e "/dev/$name" ] || [ -L "/dev/$name" ]; then
		echo "devtmpfs: /dev/$name exists, node $mm not created (EEXIST)" >> "$OUT/kernel.log"
		return 0
	fi
	mknod -m 600 "/dev/$name" b "${mm%:*}" "${mm#*:}"
	echo "$name $mm" >> "$OUT/devtmpfs.owned"
	echo "devtmpfs: created /dev/$name ($mm)" >> "$OUT/kernel.log"
}

# devtmpfs_remove NAME: deletes the node only if devtmpfs made it and it is
# still that node (dev_mynode()).
devtmpfs_remove() {
	local name=$1 mm
	mm=$(dev_of "$name")
	if grep -qx "$name $mm" "$OUT/devtmpfs.owned" && [ -b "/dev/$name" ] && [ ! -L "/dev/$name" ] &&
		[ "$(stat -c '%Hr:%Lr' "/dev/$name")" = "$mm" ]; then
		rm -f "/dev/$name"
		echo "devtmpfs: deleted /dev/$name" >> "$OUT/kernel.log"
	fi
	sed -i "/^$name $mm\$/d" "$OUT/devtmpfs.owned"
}

# The event queue. udevd runs an event at once when a worker is free and no
# earlier or running event is for the same device, its parent or a child
# (252's event_is_blocked(), by devpath); DISPATCH=deferred plays a udevd with
# one worker (--children-max=1): an event waits until the running one ends.
queue_add() { # ACTION NAME [KEY=VALUE...]: the uevent's arguments too
	echo "$*" >> "$OUT/queue"
}

related() { # NAME NAME: same device, or one is the parent of the other
	local a b
	a=$(cat "$OUT/uevent/$1.path")
	b=$(cat "$OUT/uevent/$2.path")
	[ "$a" = "$b" ] || [ "${b#"$a"/}" != "$b" ] || [ "${a#"$b"/}" != "$a" ]
}

# blocked LINENO NAME: an event running, or queued before it, is related
blocked() {
	local pos=$1 name=$2 r i=0 act n
	for r in $RT_RUNNING; do
		related "$r" "$name" && return 0
	done
	while read -r act n _; do
		i=$((i + 1))
		[ "$i" -ge "$pos" ] && break
		related "$n" "$name" && return 0
	done < "$OUT/queue"
	return 1
}

# dispatch: start what may start while an event is running
dispatch() {
	[ "$DISPATCH" = concurrent ] || return 0
	local act name args i again=1
	while [ "$again" = 1 ]; do
		again=0
		i=0
		while read -r act name args; do
			i=$((i + 1))
			if [ -e "$OUT/hold-after-claim" ] && [ ! -e "$OUT/hold" ] && [[ $name == *[0-9] ]]; then
				continue
			fi
			if ! blocked "$i" "$name"; then
				sed -i "${i}d" "$OUT/queue"
				# shellcheck disable=SC2086 # KEY=VALUE words
				udev_event "$act" "$name" $args
				again=1
				break
			fi
		done < <(cat "$OUT/queue")
	done
}

uevents_drain() {
	local act name args
	while [ -s "$OUT/queue" ]; do
		read -r act name args < "$OUT/queue"
		sed -i 1d "$OUT/queue"
		# shellcheck disable=SC2086 # KEY=VALUE words
		udev_event "$act" "$name" $args
	done
}

# worker_wait PID: while this event's process PID runs, queue the uevents
# programs write and start what may start (udevd's other workers); then
# PID's exit status.
worker_wait() {
	local pid=$1
	while kill -0 "$pid" 2>/dev/null; do
		uevents_collect
		dispatch
		if [ -e "$OUT/hold" ] && [ "$RT_DEPTH" = 1 ]; then
			# a held claim's event (hold_after_claim), back in its own
			# loop: dispatch has run everything it could start, the
			# partitions' events too, so its later rules may go on
			rm -f "$OUT/hold"
		fi
		sleep 0.02
	done
	wait "$pid"
}

# hold_after_claim: FORCED ORDERING for this scenario. While a claim runs,
# only whole disks' events are dispatched (the disk's alias goes, the
# partitions' stay, so the claim leaves their names to the 99 rule); once
# it has returned, its event's later rules wait until the partitions'
# events have run. The order udevd takes when its other workers are quick.
# For a claim in an event the scenario starts itself (not one dispatched
# from another event's program).
hold_after_claim() {
	touch "$OUT/hold-after-claim"
}

# udev_event ACTION NAME [KEY=VALUE...]: one event as udevd would process
# it: the rules (udevadm test), then the RUN list; meanwhile, the uevents
# that programs write are queued and dispatched. The arguments of a
# synthetic uevent ("change UUID KEY=VALUE") reach the rules as
# SYNTH_ARG_KEY=VALUE, as the kernel sends them: for this one event they
# are added to the device's uevent file, which udevadm test reads.
udev_event() {
	local action=$1 name=$2 path log n a
	shift 2
	path=$(cat "$OUT/uevent/$name.path")
	if [ $# -gt 0 ]; then
		cp "$OUT/uevent/$name" "$OUT/uevent/$name.synth"
		for a in "$@"; do
			echo "SYNTH_ARG_$a" >> "$OUT/uevent/$name.synth"
		done
		cp "$OUT/uevent/$name.synth" "$path/uevent"
	fi
	RT_EVENTS=$((RT_EVENTS + 1))
	if [ "$RT_EVENTS" -gt 60 ]; then
		fail "more than 60 events: a uevent loop"
		return 1
	fi
	n=$(printf '%02d' "$RT_EVENTS")
	log="$OUT/events/$n-$action-$name.log"
	echo "$n $action $name" >> "$OUT/events.list"
	RT_RUNNING="$RT_RUNNING $name"
	RT_DEPTH=$((RT_DEPTH + 1))
	SYSTEMD_DEVICE_VERIFY_SYSFS=0 SYSTEMD_LOG_COLOR=0 \
		udevadm test --action="$action" "$path" > "$log" 2>&1 &
	worker_wait $! || echo "udevadm test exited $?" >> "$log"
	if [ $# -gt 0 ]; then
		cp "$OUT/uevent/$name" "$path/uevent"
		rm -f "$OUT/uevent/$name.synth"
	fi
	run_list "$log"
	case $name in
	sd*) end_aliases "$name" >> "$log" ;;
	esac
	uevents_collect
	RT_RUNNING=${RT_RUNNING% "$name"}
	RT_DEPTH=$((RT_DEPTH - 1))
	dispatch
	if [ -z "$RT_RUNNING" ]; then
		uevents_drain
	fi
}

# uevents_collect: a program wrote to a sysfs uevent file: restore the file
# (it is a plain file here) and queue the event. A real uevent file is a
# trigger and keeps its content; this one is clobbered until restored, and
# udevadm test reads a parent's uevent file (its devnum, hence its database
# for IMPORT{parent}). A claim writes to all the holders at once, so after
# a write this waits a moment for the rest of the burst and restores every
# file before it queues any event: no event starts while a relative's
# uevent file is clobbered.
uevents_collect() {
	local f name written u found=1 any=0
	local -a got=()
	while [ "$found" = 1 ]; do
		found=0
		for f in "$OUT"/uevent/*.path; do
			name=${f##*/}
			name=${name%.path}
			u="$(cat "$f")/uevent"
			[ -f "$u" ] || continue
			cmp -s "$u" "$OUT/uevent/$name" && continue
			# the running event's own synthetic arguments
			[ -f "$OUT/uevent/$name.synth" ] && cmp -s "$u" "$OUT/uevent/$name.synth" && continue
			# (this plain file keeps the tail of its old content after
			# the write: the first line is the write, which the helper
			# ends with a newline)
			written=$(head -n 1 "$u" | awk '{ printf "%s %s", $1, substr($2, 1, 36); for (i = 3; i <= NF; i++) printf " %s", $i; print "" }')
			written=${written% }
			if [ -f "$OUT/uevent/$name.synth" ]; then
				cp "$OUT/uevent/$name.synth" "$u"
			else
				cp "$OUT/uevent/$name" "$u"
			fi
			got+=("$name" "$written")
			found=1
			any=1
		done
		[ "$found" = 1 ] && sleep 0.1
	done
	[ "$any" = 1 ] || return 0
	local i
	for ((i = 0; i < ${#got[@]}; i += 2)); do
		name=${got[i]}
		written=${got[i + 1]}
		echo "$name: '$written'" >> "$OUT/uevent-writes.log"
		# shellcheck disable=SC2046 # the KEY=VALUE words after the UUID
		case ${written%% *} in
		add|change|remove) queue_add "${written%% *}" "$name" $(echo "$written" | cut -s -d' ' -f3-) ;;
		*) fail "a program wrote '$written' to $name's uevent file" ;;
		esac
	done
}

# run_list LOG: execute the RUN programs udevadm test listed (only the
# helper's and the stock script's; systemd's own are not part of the test),
# with the event's properties as environment, as udevd does.
run_list() {
	local log=$1 cmd
	local -a envv=()
	local line
	while IFS= read -r line; do
		case $line in
		run:*) ;;
		[A-Z_]*=*) envv+=("$line") ;;
		esac
	done < <(sed -n '/^This program is for debugging only/,$p' "$log")
	while IFS= read -r cmd; do
		case $cmd in
		"$RT_HELPER "*|"$RT_STOCK_SCRIPT "*)
			echo "RUN $cmd" >> "$log"
			# shellcheck disable=SC2086 # the command line, split like udevd does
			env -i "${envv[@]}" $cmd >> "$log" 2>&1 &
			# other workers run meanwhile: claim-finish waits for the
			# events its claim asked for
			worker_wait $! || echo "RUN exited $?" >> "$log"
			;;
		esac
	done < <(sed -n "s/^run: '\(.*\)'\$/\1/p" "$log")
}

# plug NAME...: the kernel adds devices (disk first, then partitions): all
# the nodes at once (devtmpfs), the add uevents queued in that order; udevd
# runs a partition's event after its disk's.
plug() {
	local n
	for n in "$@"; do
		devtmpfs_add "$n"
		queue_add add "$n"
	done
	uevents_drain
}

# unplug NAME...: the kernel removes devices (give partitions first)
unplug() {
	local n
	for n in "$@"; do
		devtmpfs_remove "$n"
		# udevd takes a remove from the uevent; udevadm test needs the
		# sysfs directory to read it, so it goes after the event's rules.
		local path log
		path=$(cat "$OUT/uevent/$n.path")
		RT_EVENTS=$((RT_EVENTS + 1))
		log="$OUT/events/$(printf '%02d' "$RT_EVENTS")-remove-$n.log"
		echo "$RT_EVENTS remove $n" >> "$OUT/events.list"
		SYSTEMD_DEVICE_VERIFY_SYSFS=0 SYSTEMD_LOG_COLOR=0 \
			udevadm test --action=remove "$path" > "$log" 2>&1 ||
			echo "udevadm test exited $?" >> "$log"
		sys_remove "$n"
		run_list "$log"
		# what the RUN programs asked udevd to do (release: give back)
		uevents_collect
		uevents_drain
	done
}

set_conf() {
	printf '%s\n' "$@" > /etc/ec2-xvd-alias.conf
}

set_cmdline() {
	echo "BOOT_IMAGE=/boot/vmlinuz-6.1.0-ec2 root=/dev/xvda1 ro console=ttyS0 $*" > "$OUT/cmdline"
}

########################################################################
# Inside the namespace: observing and asserting
########################################################################

fail() {
	echo "$*" >> "$OUT/failures"
}

# snapshot: every entry under /dev (but the harness's own) with what it
# resolves to, and the links udev recorded in its database per device.
snapshot() {
	local p
	find /dev -mindepth 1 ! -type d | LC_ALL=C sort | while IFS= read -r p; do
		case $p in
		/dev/null|/dev/zero|/dev/urandom|/dev/random|/dev/fd|/dev/stdin|/dev/stdout|/dev/stderr|/dev/.rules-tier-*) continue ;;
		esac
		if [ -L "$p" ]; then
			if [ -e "$p" ]; then
				echo "$p -> $(readlink -f "$p")"
			else
				echo "$p -> MISSING ($(readlink "$p"))"
			fi
		elif [ -b "$p" ]; then
			echo "$p = b $(stat -c '%Hr:%Lr' "$p")"
		else
			echo "$p = $(stat -c %F "$p")"
		fi
	done
	local db mm name links
	for db in /run/udev/data/b*; do
		[ -f "$db" ] || continue
		mm=${db##*/b}
		name=$(basename "$(readlink "/sys/dev/block/$mm" 2>/dev/null)" 2>/dev/null)
		[ -n "$name" ] || name="gone-$mm"
		links=$(sed -n 's/^S://p' "$db" | LC_ALL=C sort | paste -sd' ')
		echo "db $name: ${links:-(none)}"
		# and what `udevadm info` reports from it must be the same
		if [ -e "/sys/dev/block/$mm" ]; then
			local info
			info=$(SYSTEMD_DEVICE_VERIFY_SYSFS=0 udevadm info -q symlink "/sys/dev/block/$mm" 2>&1 |
				tr ' ' '\n' | grep -v '^$' | LC_ALL=C sort | paste -sd' ')
			[ "$info" = "$links" ] || echo "udevadm info $name differs from its db: '$info'"
		fi
	done
}

# expect SIDE|both: the exact snapshot expected at the next checkpoint,
# from stdin (sorted before comparing; blank lines ignored)
expect() {
	local side=$1
	if [ "$side" = "$SIDE" ] || [ "$side" = both ]; then
		cat >> "$OUT/expect.next"
	else
		cat > /dev/null
	fi
}

# expect_devices EXP: the devices expected at the next checkpoint, from a
# table on stdin, one line a device:
#	NAME MAJ:MIN STOCK-LINK... | OURS-LINK...
# NAME's node (the same on both sides), and on each side the links (under
# /dev) that side gives it; EXP (exp_xen or exp_nvme) adds the links both
# sides give it (by-path, by-id). A side with no link: nothing after, or
# before, the bar.
expect_devices() {
	local exp=$1 name mm links
	while read -r name mm links; do
		[ -n "$name" ] || continue
		if [ "${links#*|}" = "$links" ]; then
			fail "expect_devices: no '|' between the sides in the line of $name"
			continue
		fi
		exp_node "$name" "$mm" | expect both
		# shellcheck disable=SC2086 # link names have no white space
		"$exp" "$name" ${links%%|*} < /dev/null | expect stock
		# shellcheck disable=SC2086
		"$exp" "$name" ${links#*|} < /dev/null | expect ours
	done
}

# checkpoint NAME: compare the snapshot with what was expected.
checkpoint() {
	local cp=$1
	snapshot > "$OUT/state.$cp"
	grep -v '^[[:space:]]*$' "$OUT/expect.next" 2>/dev/null | LC_ALL=C sort -u > "$OUT/expect.$cp"
	LC_ALL=C sort -u "$OUT/state.$cp" > "$OUT/state.$cp.sorted"
	rm -f "$OUT/expect.next"
	if diff -u "$OUT/expect.$cp" "$OUT/state.$cp.sorted" > "$OUT/diff.$cp"; then
		rm -f "$OUT/diff.$cp"
		echo "$cp: $(grep -c ' -> ' "$OUT/state.$cp") links, $(grep -c ' = b ' "$OUT/state.$cp") nodes, $(grep -c '^db ' "$OUT/state.$cp") db entries exact" >> "$OUT/checked"
	else
		local first
		first=$(sed -n '4,$p' "$OUT/diff.$cp" | grep -m 3 '^[-+]' | paste -sd' ')
		fail "checkpoint '$cp': /dev or udev db differs from the contract: $first"
	fi
}

# check WHAT CONDITION...: a named extra assertion
check() {
	local what=$1
	shift
	if "$@"; then
		echo "$what" >> "$OUT/checked"
	else
		fail "$what: not so"
	fi
}

helper_said() { # REGEX: a helper stderr line matches
	grep -qE "stderr: .*$1" "$OUT/helper.log"
}

uevent_written() { # REGEX...: each REGEX matches a uevent written
	uevent_written_since 0 "$@"
}

# uevent_written_since N REGEX...: each REGEX matches a uevent written after
# the first N
uevent_written_since() {
	local n=$1 re
	shift
	for re in "$@"; do
		tail -n +$((n + 1)) "$OUT/uevent-writes.log" | grep -qE "$re" || return 1
	done
}

# lun_untouched NAME: no program wrote NAME's uevent, the helper made no node
lun_untouched() {
	! uevent_written "^$1:" && no_node_records
}

no_helper_timeout() {
	! helper_said "within [0-9.]+ s"
}

# add_event_log NAME: the log of NAME's first add event
add_event_log() {
	local -a logs=("$OUT"/events/*-add-"$1".log)
	echo "${logs[0]}"
}

# end_aliases NAME: when real disk NAME's event ends, every name of its
# namespace that is still a symlink to a Xen or NVMe device, one
# "END-ALIAS /dev/N -> TARGET" line each (none is allowed to be)
end_aliases() {
	local f t
	for f in /dev/"$1"[0-9]*; do
		[ -L "$f" ] || continue
		t=$(readlink "$f")
		case ${t##*/} in
		xvd*|nvme*) echo "END-ALIAS $f -> $t" ;;
		esac
	done
}

# claim_finish_as_needed LUN: LUN's add event ended with no name of its
# namespace leading to a Xen or NVMe device; when the claim printed no
# "finish DEADLINE NAME...", no claim-finish ran; when one ran (the 99
# rule found a name the claim left still there, or the claim named none),
# it had the claim's deadline and succeeded. Whether one runs depends on
# how soon the partitions' events ran (hold_after_claim forces one order,
# the unit tests both).
claim_finish_as_needed() {
	local log want
	log=$(add_event_log "$1")
	grep -q "^END-ALIAS" "$log" && return 1
	want=$(sed -n "s/.*ec2-xvd-alias claim $1'(out) 'finish \([0-9]*\)[ a-z0-9]*'\$/\1/p" "$log")
	if [ -z "$want" ]; then
		! grep -q "^RUN .*claim-finish" "$log"
	elif grep -q "^RUN .*claim-finish" "$log"; then
		grep -qx "RUN .*ec2-xvd-alias claim-finish $1 $want" "$log" && ! grep -q "^RUN exited" "$log"
	fi
}

# claim_finish_ran_and_removed LUN NAME: in LUN's add event udev ran
# claim-finish with the claim's deadline, and it removed NAME's alias
claim_finish_ran_and_removed() {
	local log
	log=$(add_event_log "$1")
	grep -q "^RUN .*ec2-xvd-alias claim-finish $1 [0-9]*\$" "$log" && claim_finish_as_needed "$1" &&
		helper_said "/dev/$2: removed the alias of"
}

# claim_left_for_99 LUN NAME...: LUN's claim printed "finish DEADLINE"
# with exactly these names, the 99 rule found them gone, and udev started
# no claim-finish
claim_left_for_99() {
	local log lun=$1
	shift
	log=$(add_event_log "$lun")
	grep -qE "ec2-xvd-alias claim $lun'\(out\) 'finish [0-9]+ $*'\$" "$log" &&
		! grep -q "^RUN .*claim-finish" "$log" && ! grep -q "^END-ALIAS" "$log"
}

no_node_records() {
	[ -z "$(ls -A /run/ec2-xvd-alias/nodes 2>/dev/null)" ]
}

# helper_rejected N: N 'links' calls failed, each with exactly one stderr line
helper_rejected() {
	[ "$(grep -c '^ec2-xvd-alias links .* -> exit [1-9]' "$OUT/helper.log")" -eq "$1" ] &&
		[ "$(awk '/^ec2-xvd-alias links .* -> exit [1-9]/ { n = 0; f = 1; next }
			/^ec2-xvd-alias / { if (f && n != 1) bad++; f = 0; next }
			f && /stderr:/ { n++ }
			END { if (f && n != 1) bad++; print bad + 0 }' "$OUT/helper.log")" -eq 0 ]
}

# rules_parsed_clean: udevadm test (which loads every rule file at each
# run) logged no complaint about a line of our rule files; udev drops such
# a line and goes on, so nothing else would show it. The Nitro file is
# checked in the Nitro scenarios.
rules_parsed_clean() {
	local files='51-ec2-hvm-devices|99-ec2-xvd-alias-finish' bad
	case $SC in
	nitro-*) files='51-ec2-hvm-devices|71-ec2-xvd-alias-nvme|99-ec2-xvd-alias-finish' ;;
	esac
	bad=$(grep -hE "^(/etc|/usr/lib)/udev/rules.d/($files)\.rules:[0-9]+ " "$OUT"/events/*.log 2>/dev/null |
		sort -u | head -n 1)
	[ -z "$bad" ] && return 0
	fail "udev 252 rejected a line of our rules: $bad"
	return 1
}

sanitizer_clean() {
	local f
	for f in "$OUT"/asan.* "$OUT"/ubsan.*; do
		[ -e "$f" ] || continue
		fail "sanitizer report $(basename "$f"): $(grep -m 1 -E 'ERROR|runtime error' "$f")"
		return 1
	done
	return 0
}

# Expected-state snippets, composed by the scenarios.
# exp_node NAME MAJ:MIN
exp_node() {
	echo "/dev/$1 = b $2"
	echo "/dev/block/$2 -> /dev/$1"
}

# exp_links TARGET LINK... (links relative to /dev) and their db entry
exp_links() {
	local t=$1 l
	shift
	for l in "$@"; do
		echo "/dev/$l -> /dev/$t"
	done
	echo "db $t: $(printf '%s\n' "$@" | LC_ALL=C sort | paste -sd' ')"
}

exp_db() { # NAME LINKS...
	local n=$1
	shift
	if [ $# -eq 0 ]; then
		echo "db $n: (none)"
	else
		echo "db $n: $(printf '%s\n' "$@" | LC_ALL=C sort | paste -sd' ')"
	fi
}

# xen_path_link NAME: the by-path link of a Xen disk or partition (Amazon's
# 51-ec2-xen-vbd-devices.rules sets ID_PATH=xen-<vbd device>, and
# 60-persistent-storage.rules links it): disk/by-path/xen-vbd-51712,
# ...-part1; nothing for a device not on a vbd
xen_path_link() {
	local p vbd n
	p=$(cat "$OUT/uevent/$1.path")
	case $p in
	/sys/devices/vbd-*) ;;
	*) return 0 ;;
	esac
	vbd=${p#/sys/devices/}
	vbd=${vbd%%/*}
	n=$(sed -n 's/^PARTN=//p' "$OUT/uevent/$1")
	echo "disk/by-path/xen-$vbd${n:+-part$n}"
}

# exp_xen NAME LINK...: a Xen disk's or partition's links: LINK... (the
# names under test) and its by-path link
exp_xen() {
	local name=$1
	shift
	# shellcheck disable=SC2046 # link names have no white space
	exp_links "$name" "$@" $(xen_path_link "$name")
}

# exp_xen_claims NAME CLAIM...: NAME's by-path link, and its database
# entry with it and CLAIM... (names udev recorded but could not link:
# "Conflicting inode")
exp_xen_claims() {
	local name=$1 bp
	shift
	bp=$(xen_path_link "$name")
	echo "/dev/$bp -> /dev/$name"
	exp_db "$name" "$@" "$bp"
}

# The LUN healthy: real nodes, by-id and by-path on the LUN itself.
exp_lun_ok() {
	exp_node sda 8:0
	exp_node sda1 8:1
	exp_links sda "${LUN_BYID#/dev/}" "${LUN_WWN#/dev/}" "${LUN_BYPATH#/dev/}"
	exp_links sda1 "${LUN_BYID#/dev/}-part1" "${LUN_WWN#/dev/}-part1" "${LUN_BYPATH#/dev/}-part1"
}

# exp_lun_hijacked_by NAME MAJ:MIN HOLDER [-partN]: the LUN's disk (or
# partition) NAME as the stock rule leaves it when HOLDER took /dev/NAME
# first: no node, every name resolves to HOLDER, no SCSI identity (scsi_id
# read HOLDER)
exp_lun_hijacked_by() {
	echo "/dev/block/$2 -> /dev/$3"
	echo "$LUN_BYPATH${4:-} -> /dev/$3"
	exp_db "$1" "${LUN_BYPATH#/dev/}${4:-}"
}

# The LUN (sda, sda1) as the stock rule leaves it when xvda came first.
exp_lun_hijacked() {
	exp_lun_hijacked_by sda 8:0 xvda
	exp_lun_hijacked_by sda1 8:1 xvda1 -part1
}

########################################################################
# The scenarios. Each builds a machine, plays events, and states the exact
# /dev and udev database expected from the stock rule and from ours.
########################################################################

# A Xen instance boots: root volume xvda with one partition, xvdf, xvdba.
boot_xen() {
	sys_xen_disk xvda 0 1
	sys_xen_disk xvdf 80
	sys_xen_disk xvdba 13312
	plug xvda xvda1 xvdf xvdba
}

sc_xen_boot() {
	boot_xen
	expect_devices exp_xen <<-EOF
	xvda  202:0     sda  | sda  xvd-sda
	xvda1 202:1     sda1 | sda1 xvd-sda1
	xvdf  202:80    sdf  | sdf  xvd-sdf
	xvdba 202:13312 sdba | sdba xvd-sdba
	EOF
	checkpoint boot
	check "the instance's rule set: Xen disk xvda and partition xvda1 have disk/by-path/xen-vbd-51712 and -part1 (51-ec2-xen-vbd-devices.rules)" \
		xen_by_path_ok
	check "the instance's rule set: cdrom_id never ran (the empty /etc/udev/rules.d/60-cdrom_id.rules masks systemd's)" \
		cdrom_id_masked
}

xen_by_path_ok() {
	[ "$(readlink -f /dev/disk/by-path/xen-vbd-51712)" = /dev/xvda ] &&
		[ "$(readlink -f /dev/disk/by-path/xen-vbd-51712-part1)" = /dev/xvda1 ]
}

cdrom_id_masked() {
	grep -q "Skipping overridden file '/usr/lib/udev/rules.d/60-cdrom_id.rules'" "$OUT"/events/*-add-xvda.log &&
		! grep -q "Starting 'cdrom_id" "$OUT"/events/*.log
}

# The LUN (sda, sda1) is there first, then the Xen volumes xvda (with
# xvda1) and xvdf are attached: both sides keep the LUN's nodes and links.
attach_xen_after_lun() {
	sys_iscsi_lun sda 0 1
	plug sda sda1
	sys_xen_disk xvda 0 1
	sys_xen_disk xvdf 80
	plug xvda xvda1 xvdf
	exp_lun_ok | expect both
	{ exp_node xvda 202:0; exp_node xvda1 202:1; exp_node xvdf 202:80; } | expect both
	# stock: udev records xvda's claims on sda and sda1 but finds the
	# LUN's nodes ("Conflicting inode"), so the damage waits for a later
	# event; xvdf gets sdf.
	expect stock <<-EOF
	$(exp_xen_claims xvda sda)
	$(exp_xen_claims xvda1 sda1)
	$(exp_xen xvdf sdf)
	EOF
	# ours, in the one rule (mode auto, or its old name compat): sda is a
	# real disk, so xvda and xvda1 get no sd name; sdf is free, so xvdf
	# gets it, on a SCSI host as anywhere
	expect ours <<-EOF
	$(exp_xen xvda xvd-sda)
	$(exp_xen xvda1 xvd-sda1)
	$(exp_xen xvdf sdf xvd-sdf)
	EOF
	checkpoint attached
}

sc_lun_before_xen() {
	# the LUN is there first (e.g. logged in from the initramfs), then the
	# Xen volumes are attached
	attach_xen_after_lun
	if [ "$SIDE" = stock ]; then
		check "stock: udev logged the conflict on /dev/sda" \
			grep -q "Conflicting inode '/dev/sda'" "$OUT"/events/*-add-xvda.log
	fi
}

# A Xen instance boots with its root volume xvda, one partition: both
# sides alias it, ours adds the stable names.
exp_partitioned_xvda() {
	expect_devices exp_xen <<-EOF
	xvda  202:0 sda  | sda  xvd-sda
	xvda1 202:1 sda1 | sda1 xvd-sda1
	EOF
}

boot_partitioned_xvda() {
	sys_xen_disk xvda 0 1
	plug xvda xvda1
	exp_partitioned_xvda
	checkpoint boot
}

# The article's case: the alias exists first, the LUN comes later.
history_common() {
	boot_partitioned_xvda
	# iscsiadm --login: the kernel creates sda and sda1
	sys_iscsi_lun sda 0 1
	plug sda sda1
}

exp_history_final() {
	expect_devices exp_xen <<-EOF
	xvda  202:0 sda  | xvd-sda
	xvda1 202:1 sda1 | xvd-sda1
	EOF
	exp_lun_hijacked | expect stock
	exp_lun_ok | expect ours
}

sc_lun_after_xen() {
	history_common
	exp_history_final
	checkpoint login
	# a later change on the Xen disk (udevadm trigger, resize, ...)
	udev_event change xvda
	udev_event change xvda1
	exp_history_final
	checkpoint xvda-change
	if [ "$SIDE" = stock ]; then
		check_stock_lun_node_taken sda 8:0 xvda
	else
		check "ours: the helper asked xvda and xvda1 to drop their claims (change uevents)" \
			uevent_written "^xvda: 'change" "^xvda1: 'change"
		check "ours: no handover timeout" \
			no_helper_timeout
	fi
}

# check_stock_lun_node_taken LUN MAJ:MIN HOLDER: the stock side's damage
# when HOLDER had /dev/LUN first: the kernel and udev left the LUN no node
check_stock_lun_node_taken() {
	check "stock: devtmpfs could not create the LUN's node" \
		grep -q "/dev/$1 exists, node $2 not created" "$OUT/kernel.log"
	check "stock: udev skipped the LUN's node (it is $3's)" \
		grep -q "Device node /dev/$1 is missing" "$OUT"/events/*-add-"$1".log
}

# The claim's request to yield (EC2XAYIELD=<letters of the real disk>)
# reaches the holders' rules as SYNTH_ARG_EC2XAYIELD. xvda and xvda1 honour
# it without starting the helper; a stray request to xvdf, naming disk a
# or naming sdf while no disk sdf exists, changes nothing.
sc_yield_request() {
	sys_xen_disk xvda 0 1
	sys_xen_disk xvdf 80
	plug xvda xvda1 xvdf
	sys_iscsi_lun sda 0 1
	plug sda sda1
	exp_yield_state
	checkpoint login
	if [ "$SIDE" = ours ]; then
		check "ours: the claim asked xvda and xvda1 to yield to disk sda (EC2XAYIELD=a)" \
			uevent_written "^xvda: 'change [0-9a-f-]{36} EC2XAYIELD=a'" \
			"^xvda1: 'change [0-9a-f-]{36} EC2XAYIELD=a'"
		check "ours: xvda's and xvda1's rules honoured it without starting the helper's links" \
			yield_path sda request xvda xvda1
		check "ours: the LUN's event ended with no sda name leading to Xen; claim-finish, if udev ran it, had the claim's deadline" \
			claim_finish_as_needed sda
		check "ours: xvda1's request to yield started no program (sda1's claim, after sda's event, had recorded no node)" \
			yield_started_no_program sda xvda1
	fi
	# a stray request (root wrote it): xvdf is not xvda
	udev_event change xvdf EC2XAYIELD=a
	# and one for xvdf's own name while no disk sdf exists
	udev_event change xvdf EC2XAYIELD=f
	exp_yield_state
	checkpoint stray-requests
	if [ "$SIDE" = ours ]; then
		check "ours: xvdf's rule ignored both stray requests (the helper decided, no EC2XA_YIELDED_TO)" \
			helper_decided_changes xvdf 202:80 2
	fi
}

# The rule replaces the stock one on a running instance: xvda and xvda1
# were added under the stock rule, so their databases hold sda and sda1
# but no EC2XA_STABLE, and no event has run since. A LUN logs in: the
# holders' requests to yield find no stable name to keep, so they take the
# links path, which drops the sd names and makes the stable links.
sc_yield_stock_era() {
	if [ "$SIDE" = ours ]; then
		mv "$RT_RULES_OURS_DIR/51-ec2-hvm-devices.rules" "$OUT/ours-51.rules"
	fi
	sys_xen_disk xvda 0 1
	plug xvda xvda1
	expect_devices exp_xen <<-EOF
	xvda  202:0 sda  | sda
	xvda1 202:1 sda1 | sda1
	EOF
	checkpoint stock-rule-boot
	if [ "$SIDE" = ours ]; then
		mv "$OUT/ours-51.rules" "$RT_RULES_OURS_DIR/51-ec2-hvm-devices.rules"
		check "ours: xvda's and xvda1's databases are the stock rule's (no EC2XA_STABLE)" \
			no_stable_in_db 202:0 202:1
	fi
	sys_iscsi_lun sda 0 1
	plug sda sda1
	exp_history_final
	checkpoint login
	if [ "$SIDE" = ours ]; then
		check "ours: the claim asked xvda and xvda1 to yield to disk sda (EC2XAYIELD=a)" \
			uevent_written "^xvda: 'change [0-9a-f-]{36} EC2XAYIELD=a'" \
			"^xvda1: 'change [0-9a-f-]{36} EC2XAYIELD=a'"
		check "ours: without EC2XA_STABLE in their databases, both requests ran links (which made the stable links)" \
			yield_path sda links xvda xvda1
	fi
}

# no_stable_in_db MAJ:MIN...: no EC2XA_STABLE in these devices' databases
no_stable_in_db() {
	local mm
	for mm in "$@"; do
		[ -f "/run/udev/data/b$mm" ] && ! grep -q '^E:EC2XA_STABLE=' "/run/udev/data/b$mm" || return 1
	done
}

# The yield scenario's state, after the login and after the stray
# requests: the article's, and xvdf with its alias.
exp_yield_state() {
	exp_history_final
	expect_devices exp_xen <<< "xvdf 202:80 sdf | sdf xvd-sdf"
}

# yield_event_log DISK XVD: the log of XVD's last change event that carried
# the request to yield to DISK (a later plain change, such as xvda's
# recheck sends xvda1, decides anew); nothing when there is none
yield_event_log() {
	grep -lx "SYNTH_ARG_EC2XAYIELD=${1#sd}" "$OUT"/events/*-change-"$2".log 2>/dev/null | tail -n 1
}

# yield_path DISK request|links XVD...: each holder's request to yield to
# DISK took the path named: the request's (no `links` run,
# EC2XA_YIELDED_TO=DISK among its properties) or the links path (`links`
# ran, no EC2XA_YIELDED_TO)
yield_path() {
	local disk=$1 path=$2 xvd log
	shift 2
	for xvd in "$@"; do
		log=$(yield_event_log "$disk" "$xvd")
		[ -n "$log" ] || return 1
		case $path in
		request) ! grep -q "ec2-xvd-alias links $xvd" "$log" && grep -qx "EC2XA_YIELDED_TO=$disk" "$log" ;;
		links) grep -q "ec2-xvd-alias links $xvd" "$log" && ! grep -q "^EC2XA_YIELDED_TO=" "$log" ;;
		esac || return 1
	done
}

# yield_ran_recheck DISK XVD: XVD's last request to yield to DISK ran
# recheck (the helper had recorded a node of XVD's counterpart, which the
# event's link update unlinks and recheck restores).
yield_ran_recheck() {
	local log
	log=$(yield_event_log "$1" "$2")
	[ -n "$log" ] && grep -q "^RUN .*ec2-xvd-alias recheck $2\$" "$log"
}

# yield_started_no_program DISK XVD: XVD's last request to yield to DISK
# started no program: no node of its counterpart was recorded (the claim
# was still waiting for this event, or DISK has no such partition).
yield_started_no_program() {
	local log
	log=$(yield_event_log "$1" "$2")
	[ -n "$log" ] && ! grep -q "^RUN " "$log" && ! grep -q "ec2-xvd-alias " "$log"
}

# links_ran_for_each_change XVD N: the last N change events of XVD ran links.
links_ran_for_each_change() {
	local log n=0
	local -a logs=("$OUT"/events/*-change-"$1".log)
	[ "${#logs[@]}" -ge "$2" ] || return 1
	for log in "${logs[@]: -$2}"; do
		grep -q "ec2-xvd-alias links $1" "$log" && n=$((n + 1))
	done
	[ "$n" = "$2" ]
}

# helper_decided_changes XVD MAJ:MIN N: the last N change events of XVD ran
# links, and none left EC2XA_YIELDED_TO in its database
helper_decided_changes() {
	links_ran_for_each_change "$1" "$3" && ! grep -q '^E:EC2XA_YIELDED_TO=' "/run/udev/data/b$2"
}

sc_handover_timeout() {
	# udevd has no free worker for xvda's change (--children-max=1): the
	# helper gives up waiting after handover_timeout and replaces the link;
	# the queued xvda change then runs and udev 252 unlinks /dev/sda (node
	# or not), and the helper's recheck (RUN) puts the real node back.
	set_conf "handover_timeout = 0.5"
	DISPATCH=deferred
	history_common
	exp_history_final
	checkpoint login
	if [ "$SIDE" = ours ]; then
		check "ours: the helper logged the timeout" helper_said "within 0.5 s|timeout|timed out"
		check "ours: the helper restored the node udev unlinked" helper_said "restored"
		check "ours: xvda's request to yield, run after the claim had made and recorded the node, ran its recheck" \
			yield_ran_recheck sda xvda
		check "ours: udev 252 unlinked the handed-over node with xvda's claim (DESIGN 4.2)" \
			grep -q "No reference left for '/dev/sda'" "$OUT"/events/*-change-xvda.log
		check "ours: xvda1's change had not run when the LUN's rules ended: the 99 rule found sda1's alias and udev ran claim-finish, which removed it" \
			claim_finish_ran_and_removed sda sda1
	fi
}

sc_reserve() {
	set_conf "reserve = sdf" "reserve = sdba"
	boot_xen
	expect_devices exp_xen <<-EOF
	xvda  202:0     sda  | sda  xvd-sda
	xvda1 202:1     sda1 | sda1 xvd-sda1
	xvdf  202:80    sdf  | xvd-sdf
	xvdba 202:13312 sdba | xvd-sdba
	EOF
	checkpoint boot
}

sc_mode_compat() {
	# the old spelling still parses: compat, 0.1.0's name for the one rule
	# (mode = auto), gives what auto gives in lun-before-xen: an alias
	# whenever no real SCSI disk has the name, on a SCSI host as anywhere
	set_conf "mode = compat"
	attach_xen_after_lun
}

# The Xen instance booted where the policy gives no sdX at all: the stock
# rule aliases everything regardless, ours makes only the xvd-sdX links.
boot_xen_without_aliases() {
	boot_xen
	expect_devices exp_xen <<-EOF
	xvda  202:0     sda  | xvd-sda
	xvda1 202:1     sda1 | xvd-sda1
	xvdf  202:80    sdf  | xvd-sdf
	xvdba 202:13312 sdba | xvd-sdba
	EOF
	checkpoint boot
}

sc_mode_off() {
	set_conf "mode = off"
	boot_xen_without_aliases
}

sc_scsi_host_same_answer() {
	# xvda boots with its alias; then iscsi_tcp registers (no session
	# yet). A new disk gets its sdX all the same, and xvda keeps its alias
	# across a change: SCSI activity never enters the decision (0.1.0's
	# auto withheld it, so the next boot lost every alias).
	sys_xen_disk xvda 0
	plug xvda
	sys_iscsi_transport
	sys_xen_disk xvdf 80
	plug xvdf
	udev_event change xvda
	expect_devices exp_xen <<-EOF
	xvda 202:0  sda | sda xvd-sda
	xvdf 202:80 sdf | sdf xvd-sdf
	EOF
	checkpoint transport-registered
}

sc_cmdline_override() {
	# the kernel command line wins over the file
	set_conf "mode = auto"
	set_cmdline "ec2_xvd_alias.mode=off"
	boot_xen_without_aliases
}

sc_remove_xen_disk() {
	# LUN first, then xvda attached (the stock claim is recorded), then the
	# Xen volume is detached: a remove of xvda1 and xvda.
	sys_iscsi_lun sda 0 1
	plug sda sda1
	sys_xen_disk xvda 0 1
	sys_xen_disk xvdf 80
	plug xvda xvda1 xvdf
	: > "$OUT/expect.next"
	unplug xvda1 xvda
	expect_devices exp_xen <<< "xvdf 202:80 sdf | sdf xvd-sdf"
	# stock: dropping xvda's claims unlinks /dev/sda and /dev/sda1, the
	# LUN's real nodes: every name of the LUN now dangles.
	expect stock <<-EOF
	/dev/block/8:0 -> MISSING (../sda)
	/dev/block/8:1 -> MISSING (../sda1)
	$LUN_BYID -> MISSING (../../sda)
	$LUN_WWN -> MISSING (../../sda)
	$LUN_BYPATH -> MISSING (../../sda)
	$LUN_BYID-part1 -> MISSING (../../sda1)
	$LUN_WWN-part1 -> MISSING (../../sda1)
	$LUN_BYPATH-part1 -> MISSING (../../sda1)
	$(exp_db sda "${LUN_BYID#/dev/}" "${LUN_WWN#/dev/}" "${LUN_BYPATH#/dev/}")
	$(exp_db sda1 "${LUN_BYID#/dev/}-part1" "${LUN_WWN#/dev/}-part1" "${LUN_BYPATH#/dev/}-part1")
	EOF
	exp_lun_ok | expect ours
	checkpoint detached
	if [ "$SIDE" = stock ]; then
		check "stock: udev deleted the LUN's real node with xvda's claim" \
			grep -q "No reference left for '/dev/sda', removing" "$OUT"/events/*-remove-xvda.log
	fi
}

# The article's history, then the LUN is logged out.
logout_after_history() {
	history_common
	: > "$OUT/expect.next"
	unplug sda1 sda
	sys_remove_iscsi_session
	# ours: the nodes the helper made are released, and the helper asks
	# xvda and xvda1 to take their names back: the state of the boot again
	exp_partitioned_xvda
	checkpoint logout
	if [ "$SIDE" = ours ]; then
		check "ours: the helper's node records are gone" no_node_records
	fi
}

sc_remove_lun() {
	logout_after_history
}

# A LUN without partitions takes sda while xvda1 holds sda1: while sda is
# a real disk, no /dev/sda1 may lead to xvda1 (mkfs on a partition made on
# the LUN would format the root partition).
exp_bare_lun_ok() {
	exp_node sda 8:0
	exp_links sda "${LUN_BYID#/dev/}" "${LUN_WWN#/dev/}" "${LUN_BYPATH#/dev/}"
}

# After the bare LUN took sda: stock, its names resolve to xvda; ours,
# the LUN has its node and names, and no sdX name leads to xvda or xvda1.
exp_partition_alias_login() {
	expect_devices exp_xen <<-EOF
	xvda  202:0 sda  | xvd-sda
	xvda1 202:1 sda1 | xvd-sda1
	EOF
	exp_lun_hijacked_by sda 8:0 xvda | expect stock
	exp_bare_lun_ok | expect ours
}

sc_partition_alias_disk_claim() {
	# the disk's claim takes the partition alias with it
	# in the order udevd takes when its other workers are quick: xvda1's
	# change runs after the claim, before the LUN's 99 rule
	boot_partitioned_xvda
	hold_after_claim
	sys_iscsi_lun sda 0 0
	plug sda
	exp_partition_alias_login
	checkpoint login
	if [ "$SIDE" = ours ]; then
		check "ours: the claim left sda1 to the 99 rule, which found it gone: udev started no claim-finish" \
			claim_left_for_99 sda sda1
		check "ours: xvda's request to yield started no program (the claim was waiting for it and had made no node)" \
			yield_started_no_program sda xvda
		check "ours: xvda1's request to yield started no program (sda has no sda1)" \
			yield_started_no_program sda xvda1
	fi
}

sc_partition_alias_xvd_first() {
	# xvda's change runs before sda's add (udev's watch, a queued change):
	# xvda's own event removes the partition alias too
	boot_partitioned_xvda
	sys_iscsi_lun sda 0 0
	devtmpfs_add sda
	udev_event change xvda
	queue_add add sda
	uevents_drain
	exp_partition_alias_login
	checkpoint login
	if [ "$SIDE" = ours ]; then
		check "ours: xvda's recheck asked xvda1 to drop sda1" uevent_written "^xvda1: 'change"
	fi
}

sc_ignored_names() {
	# names in xvd* that are not xvd<letters><digits>: the helper gives no link
	local n m=0
	for n in xvd xvd1 xvdA xvdabcdefghijklmnopqrstuvwxyzab; do
		m=$((m + 16))
		sys_block_dev /sys/devices/virtual/block "$n" 202 $((4096 + m)) disk
	done
	plug xvd xvd1 xvdA xvdabcdefghijklmnopqrstuvwxyzab
	for n in xvd xvd1 xvdA xvdabcdefghijklmnopqrstuvwxyzab; do
		m=$(dev_of "$n")
		exp_node "$n" "$m" | expect both
	done
	# stock: ec2udev-vbd echoes the name back (a link onto the node itself:
	# "Conflicting inode") or maps it blindly
	expect stock <<-EOF
	$(exp_db xvd xvd)
	$(exp_db xvd1 xvd1)
	$(exp_db xvdA xvdA)
	$(exp_links xvdabcdefghijklmnopqrstuvwxyzab sdabcdefghijklmnopqrstuvwxyzab)
	EOF
	expect ours <<-EOF
	$(exp_db xvd)
	$(exp_db xvd1)
	$(exp_db xvdA)
	$(exp_db xvdabcdefghijklmnopqrstuvwxyzab)
	EOF
	checkpoint added
	if [ "$SIDE" = ours ]; then
		check "ours: a one-line reason and a non-zero exit for each name" helper_rejected 4
	fi
}

########################################################################
# The stable-name table (tests/rules/README.md, "One stable name per
# attachment"; issue 17 item 3): for every mapping shape EC2 uses, the
# stable link names the same role (the disk, partition N) on Xen HVM, Xen
# PV and Nitro, and the compatibility /dev/sdX names keep the meaning the
# stock rule of that platform gave them. One scenario per row; on Xen the
# guest never sees the mapping name (a volume attached as sdf or as xvdf is
# the kernel's xvdf either way), so one scenario proves both rows of a
# kernel layout. The verdict line starts with the row(s).
########################################################################

# row TEXT: the table row(s) the scenario proves, for its verdict line
row() {
	printf '%s\n' "$*" > "$OUT/row"
}

# leads_to NAME DEV: /dev/NAME resolves to /dev/DEV
leads_to() {
	[ "$(readlink -f "/dev/$1")" = "/dev/$2" ]
}

# none_leads_to PATTERN NAME...: no /dev/NAME resolves to a /dev/PATTERN
# (a shell pattern: 'nvme*', 'xvd*')
none_leads_to() {
	local pat=$1 n t
	shift
	for n in "$@"; do
		[ -e "/dev/$n" ] || [ -L "/dev/$n" ] || continue
		t=$(readlink -f "/dev/$n")
		# shellcheck disable=SC2053 # $pat is a pattern
		[[ ${t#/dev/} == $pat ]] && return 1
	done
	return 0
}

# real_sda_and_none_leads_to PATTERN NAME...: /dev/sda is the real disk's
# node (8:0) and none of /dev/NAME... resolves to a /dev/PATTERN
real_sda_and_none_leads_to() {
	[ -b /dev/sda ] && [ ! -L /dev/sda ] && [ "$(stat -c '%Hr:%Lr' /dev/sda)" = 8:0 ] &&
		none_leads_to "$@"
}

sc_xen_hvm_map_sdf() {
	row "rows 'sdf | Xen HVM' and 'xvdf | Xen HVM' (the same kernel devices)"
	sys_xen_disk xvdf 80 1
	plug xvdf xvdf1
	expect_devices exp_xen <<-EOF
	xvdf  202:80 sdf  | sdf  xvd-sdf
	xvdf1 202:81 sdf1 | sdf1 xvd-sdf1
	EOF
	checkpoint attached
}

sc_xen_hvm_map_sda1() {
	row "rows 'sda1 (root) | Xen HVM' and 'xvda | Xen HVM' (the same kernel devices)"
	boot_partitioned_xvda
}

# Xen PV: the root attached as sda1 is a whole disk xvda1 (vbd 51713),
# with no partition table; there is no xvda.
boot_xen_pv_root() {
	sys_xen_disk xvda1 1
	plug xvda1
	expect_devices exp_xen <<< "xvda1 202:1 sda1 | sda1 xvd-sda1"
	checkpoint boot
}

sc_xen_pv_map_sda1() {
	row "row 'sda1 | Xen PV' (xvda1, a whole disk)"
	boot_xen_pv_root
}

# Issue 17 item 1 on Xen PV: the root xvda1 holds /dev/sda1; then a SCSI
# disk without partitions becomes sda. While disk sda exists, no /dev/sda1
# may lead to xvda1 (a partition made on sda would be the root disk).
exp_xen_pv_after_login() {
	expect_devices exp_xen <<< "xvda1 202:1 sda1 | xvd-sda1"
	exp_bare_lun_ok | expect both
}

sc_xen_pv_sda1_real_sda() {
	set_conf "handover_timeout = 30"
	boot_xen_pv_root
	sys_iscsi_lun sda 0 0
	plug sda
	xen_pv_collision_check "after the disk's add"
	exp_xen_pv_after_login
	checkpoint login
	# a later change on the root disk (udevadm trigger)
	udev_event change xvda1
	xen_pv_collision_check "after a change of xvda1"
	exp_xen_pv_after_login
	checkpoint xvda1-change
}

xen_pv_collision_check() { # WHEN
	if [ "$SIDE" = stock ]; then
		check "stock, $1: /dev/sda1 leads to the root disk xvda1 beside the real disk sda" \
			leads_to sda1 xvda1
	else
		check "ours, $1: /dev/sda is the real disk and no /dev/sda1 leads to a Xen disk" \
			real_sda_and_none_leads_to 'xvd*' sda1
	fi
}

########################################################################
# Nitro: EBS volumes as NVMe namespaces (DESIGN 8). Amazon's
# 70-ec2-nvme-devices.rules (Debian's real file, or the stand-in when the
# package cannot be had: rt_stock_nvme) and ebsnvme-id (double) on both
# sides; ours adds 71-ec2-xvd-alias-nvme.rules.
########################################################################

# nvme_id_links NAME: the by-id and by-path links of a namespace or one of
# its partitions, the same on both sides: systemd's 60-persistent-storage
# (nvme-WWID, nvme-MODEL_SERIAL, nvme-MODEL_SERIAL_NSID, pci-SLOT-nvme-NSID)
# and Amazon's 70 file (nvme-MODEL_SERIAL-ns-N). Debian's real 70 file
# gives a partition no ...-ns-N-partP link: it imports _NS_ID from
# /usr/sbin/ec2nvme-nsid, which the package installs in /lib/udev (the
# stand-in rule computes it inline, so it has the link).
nvme_id_links() {
	local name=$1 ns part="" ctrl nsid model serial slot
	ns=${name%p[0-9]*}
	[ "$ns" != "$name" ] && part=-part${name##*p}
	ctrl=${ns%n*}
	nsid=${ns##*n}
	model=$(nvme_ctrl_get "$ctrl" model)
	model=${model// /_}
	serial=$(nvme_ctrl_get "$ctrl" serial)
	slot=$(nvme_ctrl_get "$ctrl" slot)
	echo "disk/by-id/nvme-$(nvme_wwid "$ctrl" "$nsid")$part"
	echo "disk/by-id/nvme-${model}_$serial$part"
	echo "disk/by-id/nvme-${model}_${serial}_$nsid$part"
	if [ -z "$part" ] || [ -z "$RT_AEU_TREE" ]; then
		echo "disk/by-id/nvme-${model}_$serial-ns-$nsid$part"
	fi
	echo "disk/by-path/pci-$slot-nvme-$nsid$part"
}

# exp_nvme NAME LINK...: NAME's node, and its links: LINK... (the names
# under test) plus its by-id and by-path links
exp_nvme() {
	local name=$1
	shift
	# shellcheck disable=SC2046 # link names have no white space
	exp_links "$name" "$@" $(nvme_id_links "$name")
}

# The Nitro machine of the boot scenario: root volume attached as
# /dev/sda1 (one partition), a data volume as sdf (one partition), one as
# xvdg, an instance store volume, and an NVMe drive of another vendor.
EBS_ROOT_SERIAL=vol0a1b2c3d4e5f60718
EBS_SDF_SERIAL=vol0f1e2d3c4b5a69788
EBS_XVDG_SERIAL=vol02468ace13579bdf0
INSTANCE_STORE_SERIAL=AWS1F2E3D4C5B6A79880

boot_nitro_hardware() {
	ebs_volume nvme0 0000:00:04.0 "$EBS_ROOT_SERIAL" /dev/sda1 0 1
	ebs_volume nvme1 0000:00:1f.0 "$EBS_SDF_SERIAL" sdf 2 1
	ebs_volume nvme2 0000:00:1e.0 "$EBS_XVDG_SERIAL" xvdg 4
	instance_store nvme3 0000:00:1d.0 "$INSTANCE_STORE_SERIAL" 5
	other_nvme nvme4 0000:00:1c.0 6
}

sc_nitro_boot() {
	boot_nitro_hardware
	plug nvme0n1 nvme0n1p1 nvme1n1 nvme1n1p1 nvme2n1 nvme3n1 nvme4n1
	# stock: the mapping name as it is, "%c%n" for partitions: sda11.
	# ours: the stock names kept (no disk sda exists), the stable names of
	# the roles: xvd-sda the disk, xvd-sda1 its partition 1, as on Xen
	# HVM (the stable-name table, nitro-map-sda1). Neither side names the
	# instance store volume or the other vendor's drive.
	expect_devices exp_nvme <<-EOF
	nvme0n1   259:0 sda1  | sda1  xvd-sda
	nvme0n1p1 259:1 sda11 | sda11 xvd-sda1
	nvme1n1   259:2 sdf   | sdf   xvd-sdf
	nvme1n1p1 259:3 sdf1  | sdf1  xvd-sdf1
	nvme2n1   259:4 xvdg  | xvdg  xvd-sdg
	nvme3n1   259:5       |
	nvme4n1   259:6       |
	EOF
	checkpoint boot
	if [ -n "$RT_AEU_TREE" ]; then
		check "Debian's real 70 rule ran /usr/sbin/ec2nvme-nsid, which the package puts in /lib/udev: it failed, no by-id ...-ns-1-part1" \
			grep -q "Process '/usr/sbin/ec2nvme-nsid nvme0n1p1' failed" "$OUT"/events/*-add-nvme0n1p1.log
	fi
}

# The Nitro LUN scenarios: the data volume attached as sdf, with one
# partition; a LUN without partitions that the kernel names sdf.
exp_lun_sdf_ok() {
	exp_node sdf 8:80
	exp_links sdf "${LUN_BYID#/dev/}" "${LUN_WWN#/dev/}" "${LUN_BYPATH#/dev/}"
}

# nitro_map_volume MAPPING: one EBS volume (nvme1n1), one partition,
# attached as MAPPING
nitro_map_volume() {
	ebs_volume nvme1 0000:00:1f.0 "$EBS_SDF_SERIAL" "$1" 2 1
	plug nvme1n1 nvme1n1p1
}

# The volume mapped sdf (or /dev/sdf) while no disk sdf exists: both sides
# give it sdf and sdf1, ours the stable names too.
exp_nitro_sdf() {
	expect_devices exp_nvme <<-EOF
	nvme1n1   259:2 sdf  | sdf  xvd-sdf
	nvme1n1p1 259:3 sdf1 | sdf1 xvd-sdf1
	EOF
}

boot_nitro_sdf() {
	nitro_map_volume sdf
	exp_nitro_sdf
	checkpoint boot
}

# After the LUN took sdf: stock, every name of the LUN resolves to the
# EBS volume; ours, the LUN has its node and names, the volume only
# xvd-sdf, and no /dev/sdf1 leads to the volume's partition.
exp_nitro_after_login() {
	expect_devices exp_nvme <<-EOF
	nvme1n1   259:2 sdf  | xvd-sdf
	nvme1n1p1 259:3 sdf1 | xvd-sdf1
	EOF
	exp_lun_hijacked_by sdf 8:80 nvme1n1 | expect stock
	exp_lun_sdf_ok | expect ours
}

nitro_login_sdf() {
	# udevd runs an NVMe change in milliseconds; udevadm test here takes
	# seconds on a loaded machine (it re-reads every rule file, runs the
	# ebsnvme-id double, the helper under ASan): a roomier wait, so that
	# this tests the handover and not its timeout (handover-timeout does)
	set_conf "handover_timeout = 30"
	boot_nitro_sdf
	# iscsiadm --login: the kernel names the LUN sdf
	sys_iscsi_lun sdf 80 0
	plug sdf
	exp_nitro_after_login
	checkpoint login
}

sc_nitro_lun_after() {
	nitro_login_sdf
	# a later change on the volume (udevadm trigger, a resize)
	udev_event change nvme1n1
	udev_event change nvme1n1p1
	exp_nitro_after_login
	checkpoint nvme-change
	if [ "$SIDE" = stock ]; then
		check_stock_lun_node_taken sdf 8:80 nvme1n1
	else
		check "ours: the helper asked nvme1n1 and nvme1n1p1 to drop sdf and sdf1 (change uevents)" \
			uevent_written "^nvme1n1: 'change" "^nvme1n1p1: 'change"
		check "ours: no handover timeout" no_helper_timeout
	fi
}

sc_nitro_lun_first() {
	# the LUN is sdf first, then the EBS volume attached as sdf appears
	sys_iscsi_lun sdf 80 0
	plug sdf
	ebs_volume nvme1 0000:00:1f.0 "$EBS_SDF_SERIAL" sdf 2 1
	plug nvme1n1 nvme1n1p1
	{ exp_node nvme1n1 259:2; exp_node nvme1n1p1 259:3; exp_lun_sdf_ok; } | expect both
	# stock: udev records nvme1n1's claim on sdf but finds the LUN's node
	# ("Conflicting inode"): the damage waits for a later event. sdf1 is
	# free, so the volume's partition takes it: /dev/sdf1 beside a LUN sdf
	# without partitions leads to the EBS volume.
	# shellcheck disable=SC2046 # link names have no white space
	expect stock <<-EOF
	$(nvme_id_links nvme1n1 | sed 's|.*|/dev/& -> /dev/nvme1n1|')
	$(exp_db nvme1n1 sdf $(nvme_id_links nvme1n1))
	$(exp_nvme nvme1n1p1 sdf1)
	EOF
	expect ours <<-EOF
	$(exp_nvme nvme1n1 xvd-sdf)
	$(exp_nvme nvme1n1p1 xvd-sdf1)
	EOF
	checkpoint attached
	if [ "$SIDE" = stock ]; then
		check "stock: udev logged the conflict on /dev/sdf" \
			grep -q "Conflicting inode '/dev/sdf'" "$OUT"/events/*-add-nvme1n1.log
	else
		check "ours: nothing was asked of the LUN (no uevent, no node made)" \
			lun_untouched sdf
	fi
}

sc_nitro_logout() {
	nitro_login_sdf
	local before
	before=$(wc -l < "$OUT/uevent-writes.log")
	# iscsiadm --logout: the LUN goes
	unplug sdf
	sys_remove_iscsi_session
	# ours: the release gives the names back to the volume
	exp_nitro_sdf
	checkpoint logout
	if [ "$SIDE" = ours ]; then
		check "ours: the release sent nvme1n1 and nvme1n1p1 a change" \
			uevent_written_since "$before" "^nvme1n1: 'change" "^nvme1n1p1: 'change"
		check "ours: the helper's node records are gone" no_node_records
	fi
}

# The stable-name table on Nitro (see the Xen rows above): one EBS volume,
# one partition unless the row says more, mapped as the row says
# (nitro_map_volume).
nitro_map_sdf() { # MAPPING
	nitro_map_volume "$1"
	exp_nitro_sdf
	checkpoint attached
}

sc_nitro_map_sdf() {
	row "row 'sdf | Nitro' (mapping sdf)"
	nitro_map_sdf sdf
}

sc_nitro_map_dev_sdf() {
	row "row 'sdf | Nitro' (mapping /dev/sdf)"
	nitro_map_sdf /dev/sdf
}

sc_nitro_map_xvdf() {
	row "row 'xvdf | Nitro'"
	nitro_map_volume xvdf
	# an xvd name is no SCSI name: Amazon's links stay, ours adds the
	# stable names only
	expect_devices exp_nvme <<-EOF
	nvme1n1   259:2 xvdf  | xvdf  xvd-sdf
	nvme1n1p1 259:3 xvdf1 | xvdf1 xvd-sdf1
	EOF
	checkpoint attached
}

sc_nitro_map_xvda() {
	row "row 'xvda | Nitro'"
	ebs_volume nvme0 0000:00:04.0 "$EBS_ROOT_SERIAL" xvda 0 1
	plug nvme0n1 nvme0n1p1
	expect_devices exp_nvme <<-EOF
	nvme0n1   259:0 xvda  | xvda  xvd-sda
	nvme0n1p1 259:1 xvda1 | xvda1 xvd-sda1
	EOF
	checkpoint boot
}

# The root volume mapped sda1 (most AMIs that are not Amazon Linux), three
# partitions: the whole disk nvme0n1 carries the mapping. The stock rule
# gives /dev/sda1 -> nvme0n1 and "%c%n" /dev/sda11 -> nvme0n1p1, sda12,
# sda13. Ours: the stable names of the roles, as on Xen HVM (xvd-sda the
# disk, xvd-sdaN partition N), and the stock rule's names kept while no
# real disk sda exists.
boot_nitro_root_sda1() {
	ebs_volume nvme0 0000:00:04.0 "$EBS_ROOT_SERIAL" sda1 0 3
	plug nvme0n1 nvme0n1p1 nvme0n1p2 nvme0n1p3
	expect_devices exp_nvme <<-EOF
	nvme0n1   259:0 sda1  | sda1  xvd-sda
	nvme0n1p1 259:1 sda11 | sda11 xvd-sda1
	nvme0n1p2 259:2 sda12 | sda12 xvd-sda2
	nvme0n1p3 259:3 sda13 | sda13 xvd-sda3
	EOF
	if [ "${1:-}" = unchecked ]; then
		rm -f "$OUT/expect.next"
	else
		checkpoint boot
	fi
}

sc_nitro_map_sda1() {
	row "row 'sda1 | Nitro' (root, partitions 1 to 3)"
	boot_nitro_root_sda1
}

# Issue 17 item 1 (amazon-ec2-utils#37): the root mapped sda1 has booted
# with /dev/sda1 -> nvme0n1, then a SCSI disk without partitions becomes
# sda (scsi_debug, an iSCSI login). While disk sda exists no /dev/sda,
# /dev/sdaN, /dev/sdaNM may lead to the EBS volume: `parted /dev/sda`, then
# a write to /dev/sda1 before udev has handled the new partition, would
# land on the root volume.
exp_nitro_sda1_after_login() {
	expect_devices exp_nvme <<-EOF
	nvme0n1   259:0 sda1  | xvd-sda
	nvme0n1p1 259:1 sda11 | xvd-sda1
	nvme0n1p2 259:2 sda12 | xvd-sda2
	nvme0n1p3 259:3 sda13 | xvd-sda3
	EOF
	exp_bare_lun_ok | expect both
}

stock_root_sda1_collides() {
	leads_to sda1 nvme0n1 && leads_to sda11 nvme0n1p1
}

# the verdict of the collision, first (so that a FAIL line names it
# before the exact states, which also hold the row's stable names)
nitro_sda1_collision_check() { # WHEN
	if [ "$SIDE" = stock ]; then
		check "stock, $1: beside the real disk sda, /dev/sda1 leads to the root volume nvme0n1 and /dev/sda11 to its partition nvme0n1p1 (amazon-ec2-utils#37)" \
			stock_root_sda1_collides
	else
		check "ours, $1: /dev/sda is the real disk and none of /dev/sda1, /dev/sda11, /dev/sda12, /dev/sda13 leads to an NVMe device" \
			real_sda_and_none_leads_to 'nvme*' sda1 sda11 sda12 sda13
	fi
}

sc_nitro_sda1_real_sda() {
	set_conf "handover_timeout = 30"
	# the boot's exact state is nitro-map-sda1's
	boot_nitro_root_sda1 unchecked
	sys_iscsi_lun sda 0 0
	plug sda
	nitro_sda1_collision_check "after the disk's add"
	exp_nitro_sda1_after_login
	checkpoint login
	# a later change on the volume (udevadm trigger)
	udev_event change nvme0n1
	udev_event change nvme0n1p1
	nitro_sda1_collision_check "after a change of nvme0n1 and nvme0n1p1"
	exp_nitro_sda1_after_login
	checkpoint nvme-change
	if [ "$SIDE" = ours ]; then
		check "ours: no handover timeout" no_helper_timeout
	fi
}

########################################################################
# Inner entry point
########################################################################

rt_inner() {
	SC=$1
	SIDE=$2
	OUT=$3
	RT_HELPER=/usr/lib/udev/ec2-xvd-alias
	RT_RUNNING=""
	RT_DEPTH=0
	export LC_ALL=C
	set -u
	ns_setup
	local fn="sc_${SC//-/_}"
	if ! declare -F "$fn" >/dev/null; then
		fail "no such scenario"
		return 0
	fi
	"$fn"
	ns_guard
	if [ "$SIDE" = ours ]; then
		sanitizer_clean && echo "no sanitizer report" >> "$OUT/checked"
		rules_parsed_clean && echo "udev parsed our rule files without a complaint" >> "$OUT/checked"
	fi
	cp "$OUT/helper.log" "$OUT/helper.log.final" 2>/dev/null
	return 0
}

if [ "${1:-}" = __inner ]; then
	shift
	rt_inner "$@"
	exit $?
fi
