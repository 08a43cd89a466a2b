#!/bin/bash
# The demonstration: the stock EC2 rules beside ours, on simulated Xen
# and Nitro instances, with the real `udevadm test` of systemd 252 (tier 2's harness,
# tests/rules/lib.sh). Run as root:
#
#   tests/rules/demo.sh BUILDDIR
#
# Exit: 0 shown, 1 a scenario did not end as the tier expects, 77 cannot
# run here (reason on stderr).
set -u
. "$(dirname "$0")/lib.sh"

build=${1:-}
if [ -z "$build" ]; then
	echo "usage: $0 BUILDDIR" >&2
	exit 1
fi
build=$(cd "$build" 2>/dev/null && pwd) || { echo "no such build directory: $1" >&2; exit 1; }
if ! reason=$(rt_prereqs); then
	echo "demo: cannot run here: $reason" >&2
	exit 77
fi
if ! reason=$(rt_build_ok "$build"); then
	echo "demo: cannot run here: $reason" >&2
	exit 77
fi
# the Nitro machines' 70 rule: Debian's real one or the stand-in (NOTE line)
rt_stock_nvme

work=$(mktemp -d /tmp/ec2-xvd-alias-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0

# short forms of the LUN's long names, for the table
short() {
	sed -e "s|$LUN_BYPATH|by-path/ip-…-lun-0|g" \
		-e "s|$LUN_BYID|by-id/scsi-3600a0980…|g" \
		-e "s|disk/by-path/ip-$LUN_ADDR:$LUN_PORT-iscsi-$LUN_IQN-lun-0|disk/by-path/ip-…-lun-0|g" \
		-e "s|disk/by-id/scsi-3${LUN_WWID#naa.}|disk/by-id/scsi-3600a0980…|g" \
		-e "s|ID_SERIAL=3${LUN_WWID#naa.}|ID_SERIAL=3600a0980…|g" \
		-e "s|/usr/lib/udev/rules.d/||; s|/etc/udev/rules.d/||"
}

# cell STATEFILE PATH: what PATH is, in words
cell() {
	local st=$1 p=$2 line t mm
	line=$(grep -F -m 1 -e "$p -> " -e "$p = " "$st")
	case $line in
	'')
		echo "(absent)" ;;
	*" = b "*)
		mm=${line##* }
		echo "real node $(label "$mm" node)" ;;
	*" -> MISSING"*)
		echo "-> nothing (dangling)  WRONG" ;;
	*" -> "*)
		t=${line##* -> }
		mm=$(grep -F -m 1 "$t = b" "$st")
		mm=${mm##* }
		echo "-> ${t#/dev/} $(label "$mm" link)" ;;
	esac
}

label() { # MAJ:MIN node|link
	case $1 in
	202:*) echo "(Xen disk ${1})" ;;
	259:*) echo "(EBS NVMe ${1})" ;;
	8:*) echo "(the LUN, ${1})" ;;
	*) echo "($1)" ;;
	esac
}

# verdict CELL GOOD ABSENT_OK: mark a cell WRONG unless the name reaches a
# device whose devnum starts with GOOD (or is absent where that is fine)
mark() {
	case $1 in
	"(absent)") [ "$3" = 1 ] && echo "$1" || echo "$1  WRONG" ;;
	*WRONG*) echo "$1" ;;
	*" $2"*) echo "$1" ;;
	*) echo "$1  WRONG" ;;
	esac
}

# row LABEL PATH GOOD [ABSENT_OK]
row() {
	local a b
	a=$(mark "$(cell "$S/state.$CP" "$2")" "$3" "${4:-0}")
	b=$(mark "$(cell "$O/state.$CP" "$2")" "$3" "${4:-0}")
	printf '  %-13s %-38s %s\n' "$1" "$a" "$b"
}

# why SIDE PATTERN...: the udevadm test (and kernel, helper) lines that show it
why() {
	local side=$1 dir
	shift
	[ "$side" = stock ] && dir=$S || dir=$O
	local pat
	for pat in "$@"; do
		grep -h -m 1 -E "$pat" "$dir"/events/*.log "$dir/kernel.log" 2>/dev/null | head -n 1 |
			short | cut -c1-124 | sed "s/^/    $(printf %-5s "$side") | /"
	done
}

scenario() { # NAME CHECKPOINT TITLE
	local sc=$1
	CP=$2
	S="$work/$sc.stock"
	O="$work/$sc.ours"
	rt_run "$sc" stock "$S" "$build"
	rt_run "$sc" ours "$O" "$build"
	echo
	echo "== $3"
	rt_verdict "$sc" stock "$S" > /dev/null || { status=1; echo "  (!) stock side did not end as expected: see run-rules-tests.sh --only $sc"; }
	rt_verdict "$sc" ours "$O" > /dev/null || { status=1; echo "  (!) our side did not end as expected: see run-rules-tests.sh --only $sc"; }
	printf '  %-13s %-38s %s\n' "name" "stock rule + ec2udev-vbd" "ours (ec2-xvd-alias)"
}

cat <<EOF
ec2-xvd-alias demonstration: Amazon's stock rules beside ours (Xen:
51-ec2-hvm-devices.rules; Nitro: 70-ec2-nvme-devices.rules).
Each machine is simulated (a fake sysfs with Xen disks or EBS NVMe volumes and
an iSCSI LUN, in a private namespace); the udev rule engine is the real one:
udevadm test of systemd $(udevadm --version), with systemd's 60-persistent-storage.rules.
The LUN's by-path name comes from udev's real path_id; its by-id name from a
scsi_id TEST DOUBLE that, like the real one, asks the device its node leads to.
EOF

scenario lun-after-xen login \
	"1. The article's case: the instance booted (xvda = root volume, /dev/sda -> xvda);
   then iscsiadm logs in to a LUN and the kernel names it sda."
row /dev/sda /dev/sda 8:
row /dev/sda1 /dev/sda1 8:
row "LUN by-id" "$LUN_BYID" 8:
row "LUN by-path" "$LUN_BYPATH" 8:
row /dev/xvd-sda /dev/xvd-sda 202: 1
echo "  why (udevadm test output; devtmpfs and helper lines):"
why stock "devtmpfs: /dev/sda exists" "'ec2udev-vbd xvda'\(out\)" "sda: Device node /dev/sda is missing" \
	"sda: Process 'scsi_id.*failed" "sda: Successfully created symlink '/dev/disk/by-path"
why ours "xvda: '.*ec2-xvd-alias links xvda'\(out\) 'xvd-sda'" "xvda: No reference left for '/dev/sda'" \
	"ec2-xvd-alias: /dev/sda: (now|restored)" \
	"sda: 'scsi_id .*ID_SERIAL=" "sda: Successfully created symlink '/dev/disk/by-id/scsi"

scenario remove-xen-disk detached \
	"2. The LUN was there first (stock: 'Conflicting inode', looks harmless);
   then the Xen volume xvda is detached."
row /dev/sda /dev/sda 8:
row "LUN by-id" "$LUN_BYID" 8:
row "LUN by-path" "$LUN_BYPATH" 8:
echo "  why (udevadm test output; devtmpfs and helper lines):"
why stock "xvda: Conflicting inode '/dev/sda'" "xvda: No reference left for '/dev/sda', removing"
why ours "xvda: '.*ec2-xvd-alias links xvda'\(out\)"

scenario handover-timeout login \
	"3. As 1, but udevd has no free worker (--children-max=1; handover_timeout = 0.5)."
row /dev/sda /dev/sda 8:
row "LUN by-id" "$LUN_BYID" 8:
row "LUN by-path" "$LUN_BYPATH" 8:
echo "  why (udevadm test output; devtmpfs and helper lines):"
why stock "sda: Device node /dev/sda is missing"
why ours "claim sda'\(err\) 'ec2-xvd-alias: xvda" "xvda: No reference left for '/dev/sda'" "restored the node of real disk sda "

scenario xen-boot boot \
	"4. A plain Xen instance, no SCSI: old names keep working, new stable ones added."
row /dev/sda /dev/sda 202:
row /dev/sdf /dev/sdf 202:
row /dev/xvd-sdf /dev/xvd-sdf 202: 1

scenario nitro-lun-after login \
	"5. Nitro: the EBS volume attached as sdf is nvme1n1 (Amazon's rule: /dev/sdf ->
   nvme1n1, /dev/sdf1 -> nvme1n1p1); then an iSCSI LUN logs in as kernel sdf.
   TEST DOUBLE: the fake sysfs has no NVMe controller to ask, so the volume's
   identity (vendor 0x1D0F, model, mapping name 'sdf') comes from the Identify
   data files the helper's test build reads and from an ebsnvme-id stand-in."
row /dev/sdf /dev/sdf 8:
row /dev/sdf1 /dev/sdf1 8: 1
row "LUN by-id" "$LUN_BYID" 8:
row "LUN by-path" "$LUN_BYPATH" 8:
row /dev/xvd-sdf /dev/xvd-sdf 259: 1
echo "  why (udevadm test output; devtmpfs and helper lines):"
why stock "'/usr/sbin/ebsnvme-id -u /dev/nvme1n1'\(out\)" "devtmpfs: /dev/sdf exists" \
	"sdf: Device node /dev/sdf is missing" "sdf: Successfully created symlink '/dev/disk/by-path"
why ours "nvme1n1: .*ec2-xvd-alias nvme nvme1n1'\(err\) 'ec2-xvd-alias: nvme1n1: no alias sdf" \
	"ec2-xvd-alias: /dev/sdf: (now|restored)" \
	"sdf: 'scsi_id .*ID_SERIAL=" "sdf: Successfully created symlink '/dev/disk/by-id/scsi"

cat <<'EOF'

WRONG: a LUN name that leads to the Xen disk or the EBS volume (mkfs on it
formats that volume) or to nothing. Ours: sdX only while no SCSI disk has the
name, /dev/xvd-sdX always (Xen and Nitro alike), and a real sdX takes its
name back before its own links are made. Full tier:
tests/rules/run-rules-tests.sh BUILDDIR.
EOF
exit $status
