#!/bin/bash
# tests/deb/test-deb.sh [BUILDDIR]: the Debian package tier.
#
# Builds the .deb with packaging/deb/build-deb.sh (from the tree's files)
# and checks what a Debian packager would: the exact file list, the
# control fields, the conffile, modes, that the packaged rules run the
# packaged helper and that it links libc alone, the man pages, the answer
# of this build for a Xen disk (xen_aliases=false: only the stable link),
# the maintainer scripts run with a fake udevadm in a private mount
# namespace (udevd running or not, chroot, container, another root), an
# install, remove and purge with dpkg into a scratch root beside Debian's
# real amazon-ec2-utils (its 70 rule ordered before our 71), and lintian
# with no error and no warning.
#
# BUILDDIR, if given, is a meson build directory: the work files go to
# BUILDDIR/deb-test (kept), and if its helper is a default build
# (xen_aliases=true) it is the control for the Xen answer. Without it the
# work files go to build-deb-test/ in the source tree. DEB_OUT=DIR also
# copies the built .deb files to DIR.
#
# Nothing here touches this machine's /dev, /sys, /run/udev or dpkg
# database: the maintainer scripts and dpkg --root run in a private mount
# namespace with a tmpfs over /run, dpkg with --root and
# --force-script-chrootless (the scripts see DPKG_ROOT and leave udev
# alone).
#
# One verdict line per check, `PASS: deb: ...` or `FAIL: deb: ...`, then
# "N passed, N failed". Exit 0 all passed, 1 a check failed, 77 the tier
# cannot run here (the reason on one line on stderr).
set -uo pipefail

[ $# -le 1 ] || { echo "usage: $0 [BUILDDIR]" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
if [ $# -eq 1 ]; then
	mkdir -p "$1" || exit 1
	builddir=$(cd "$1" && pwd)
else
	builddir=$src/build-deb-test
	mkdir -p "$builddir" || exit 1
fi

TIER=deb
# shellcheck source=tests/verdicts.sh
. "$here/../verdicts.sh"
# shellcheck source=tests/lib/package-tier.sh
. "$here/../lib/package-tier.sh"

# --- host packages ------------------------------------------------------------
command -v dpkg-query >/dev/null 2>&1 || skip "not a Debian system (no dpkg-query)"
need_host_packages "$here/host-packages.txt" "$builddir/deb-test-apt.log" "tests/setup-deps.sh deb"
[ "$(id -u)" -eq 0 ] || skip "needs root (a private mount namespace for the maintainer scripts, dpkg --root)"
unshare --mount --propagation private true 2>/dev/null || skip "unshare --mount does not work here"

work=$builddir/deb-test
rm -rf "$work"
mkdir -p "$work/out"

# --- build --------------------------------------------------------------------
run_build "$src/packaging/deb/build-deb.sh" "$work" "$work/out"
name=ec2-xvd-alias
version=$(dpkg-parsechangelog -l "$src/packaging/deb/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
deb=$work/out/${name}_${version}_$arch.deb
dbgsym=$work/out/${name}-dbgsym_${version}_$arch.deb
debs=$(find "$work/out" -maxdepth 1 -name '*.deb' -printf '%f\n' | LC_ALL=C sort | tr '\n' ' ')
if [ -f "$deb" ] && [ -f "$dbgsym" ] && [ "$debs" = "$(basename "$dbgsym") $(basename "$deb") " ]; then
	pass "build: $(basename "$deb") and its -dbgsym from dpkg-buildpackage -b"
else
	fail "build: expected $(basename "$deb") and $(basename "$dbgsym"), got: $debs"
	finish
fi
case " ${DEB_BUILD_OPTIONS:-} " in
*" nocheck "*)
	echo "SKIP: deb: build: unit suites in dh_auto_test: DEB_BUILD_OPTIONS has nocheck" ;;
*)
	if grep -q '^Ok: *[1-9]' "$work/out/dpkg-buildpackage.log" && ! grep -q '^Fail: *[1-9]' "$work/out/dpkg-buildpackage.log"; then
		pass "build: dh_auto_test ran the unit and fuzz-replay suites against the default-configuration build: $(grep -m1 '^Ok:' "$work/out/dpkg-buildpackage.log" | tr -s ' ')"
	else
		fail "build: the unit suites did not run and pass in dh_auto_test (see $work/out/dpkg-buildpackage.log)"
	fi ;;
esac
if [ -n "${DEB_OUT:-}" ]; then
	mkdir -p "$DEB_OUT" && cp "$work/out/"*.deb "$DEB_OUT/" && echo "deb: .deb files copied to $DEB_OUT" >&2
fi

# --- file list ------------------------------------------------------------------
helper=/usr/lib/udev/$name
xen_rule=/usr/lib/udev/rules.d/51-ec2-hvm-devices.rules
nvme_rule=/usr/lib/udev/rules.d/71-ec2-xvd-alias-nvme.rules
finish_rule=/usr/lib/udev/rules.d/99-ec2-xvd-alias-finish.rules
conf=/etc/$name.conf
doc=/usr/share/doc/$name
dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' | sed 's| \./| /|; s|/$||' >"$work/contents"
awk '{ print $3 }' "$work/contents" | sed '/^$/d' >"$work/files"
# The state directory's tmpfiles.d entry (/run/ec2-xvd-alias).
tmpfiles=/usr/lib/tmpfiles.d/$name.conf
# The systemd-udevd.service drop-in that applies it before udevd starts.
dropin=/usr/lib/systemd/system/systemd-udevd.service.d/$name.conf
{
	printf '%s\n' /etc "$conf" /usr /usr/lib /usr/lib/tmpfiles.d "$tmpfiles"
	printf '%s\n' /usr/lib/systemd /usr/lib/systemd/system "${dropin%/*}" "$dropin"
	printf '%s\n' /usr/lib/udev "$helper" /usr/lib/udev/rules.d "$xen_rule" "$nvme_rule" "$finish_rule" \
		/usr/share /usr/share/doc "$doc" "$doc/README.md.gz" "$doc/changelog.Debian.gz" "$doc/copyright" \
		/usr/share/lintian /usr/share/lintian/overrides "/usr/share/lintian/overrides/$name" \
		/usr/share/man /usr/share/man/man5 /usr/share/man/man5/$name.conf.5.gz \
		/usr/share/man/man8 /usr/share/man/man8/$name.8.gz
} | sort >"$work/files.want"
sort "$work/files" >"$work/files.got"
if diff -u "$work/files.want" "$work/files.got" >"$work/files.diff"; then
	pass "files: exactly helper and the three rules in /usr/lib/udev, the config, 2 man pages, README, copyright, changelog, lintian overrides, tmpfiles.d entry, systemd-udevd.service drop-in"
else
	sed 's/^/  /' "$work/files.diff"
	fail "files: the file list differs from the expected one (above)"
fi
if grep -q '^/etc/udev\|^/lib/\|^/usr/sbin/\|ec2udev-vbd\|70-ec2-nvme-devices' "$work/files"; then
	fail "files: something in /etc/udev, /lib, /usr/sbin or of amazon-ec2-utils: $(grep '^/etc/udev\|^/lib/\|^/usr/sbin/\|ec2udev-vbd\|70-ec2-nvme' "$work/files" | tr '\n' ' ')"
else
	pass "files: nothing in /etc/udev/rules.d (the admin's), nothing in /lib or /usr/sbin, no file of amazon-ec2-utils"
fi
got=$(awk -v h="$helper" -v x="$xen_rule" -v n="$nvme_rule" -v f="$finish_rule" -v c="$conf" -v t="$tmpfiles" -v d="$dropin" '$3 == h || $3 == x || $3 == n || $3 == f || $3 == c || $3 == t || $3 == d { print $1, $2, $3 }' "$work/contents" | sort -k3)
want=$(printf '%s\n' "-rw-r--r-- root/root $conf" "-rwxr-xr-x root/root $helper" "-rw-r--r-- root/root $xen_rule" \
	"-rw-r--r-- root/root $nvme_rule" "-rw-r--r-- root/root $finish_rule" "-rw-r--r-- root/root $tmpfiles" "-rw-r--r-- root/root $dropin" | sort -k3)
if [ "$got" = "$want" ]; then
	pass "modes: helper 0755, rules, config, tmpfiles.d entry and drop-in 0644, all root:root"
else
	fail "modes: got '$(tr '\n' ';' <<<"$got")'"
fi

# --- control fields, conffiles, scripts present ------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
ok=1
check_field() { # NAME WANT
	local got
	got=$(field "$1")
	[ "$got" = "$2" ] || { ok=0; echo "  $1: '$got', expected '$2'"; }
}
check_field Package "$name"
check_field Version "$version"
check_field Architecture "$arch"
check_field Section admin
check_field Priority optional
check_field Recommends libkmod2
check_field Enhances amazon-ec2-utils
for f in Conflicts Breaks Replaces Pre-Depends Provides; do
	[ -z "$(field "$f")" ] || { ok=0; echo "  $f: '$(field "$f")', expected none"; }
done
meson_version=$(meson introspect --projectinfo "$src/meson.build" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
[ "${version%-*}" = "$meson_version" ] || { ok=0; echo "  Version $version is not meson.build's $meson_version"; }
depends=$(field Depends | tr ',' '\n' | sed 's/^ *//; s/ *$//' | sort | tr '\n' ';')
# The helper links libc alone (shlibs: libc6); libudev is dlopen()ed, so
# libudev1 is named by hand, and udev runs the rules.
grep -qx 'libc6 (>= [0-9.]*);libudev1;udev;' <<<"$depends" || { ok=0; echo "  Depends: '$depends', expected libc6 (>= ...), libudev1, udev"; }
case $(field Description | head -n 1) in
"safe /dev/sdX names for EC2 EBS volumes next to iSCSI disks") ;;
*) ok=0; echo "  Description synopsis: '$(field Description | head -n 1)'" ;;
esac
if [ $ok = 1 ]; then
	pass "control: $name $version $arch, Section admin, Depends libc6/libudev1/udev, Recommends libkmod2, Enhances amazon-ec2-utils, no Conflicts/Breaks/Replaces"
else
	fail "control: fields (above)"
fi
ctl=$work/control
dpkg-deb -e "$deb" "$ctl"
if [ "$(cat "$ctl/conffiles" 2>/dev/null)" = "$conf" ]; then
	pass "conffiles: exactly $conf"
else
	fail "conffiles: '$(tr '\n' ' ' <"$ctl/conffiles" 2>/dev/null)', expected '$conf'"
fi
scripts=$(find "$ctl" -mindepth 1 -maxdepth 1 -printf '%f\n' | grep -v -x -e control -e md5sums -e conffiles | sort | tr '\n' ' ')
if [ "$scripts" = "postinst postrm prerm " ] && sh -n "$ctl/postinst" && sh -n "$ctl/prerm" && sh -n "$ctl/postrm"; then
	pass "scripts: postinst, prerm, postrm, all parse with POSIX sh (dash); no preinst, no triggers file"
else
	fail "scripts: control members '$scripts', or a syntax error under sh"
fi

# --- payload ---------------------------------------------------------------------
root=$work/payload
dpkg-deb -x "$deb" "$root"
if [ -x "$root$helper" ] && file -b "$root$helper" | grep -q '^ELF .*\(executable\|shared object\)'; then
	pass "payload: $helper is an ELF executable"
else
	fail "payload: $helper missing or not an ELF executable"
fi
needed=$(readelf -d "$root$helper" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
if [ "$needed" = "libc.so.6 " ]; then
	pass "payload: the helper links libc alone (NEEDED: libc.so.6; libudev and libkmod are dlopen()ed)"
else
	fail "payload: the helper's NEEDED entries are '$needed'"
fi
check_rules_run "$helper" "$root$xen_rule" "$root$nvme_rule" "$root$finish_rule"
if [ -f "$root$conf" ] && conf_example_ok "$root$conf" && cmp -s "$root$conf" "$src/packaging/$name.conf"; then
	pass "payload: $conf is packaging/$name.conf, sets nothing, shows mode, reserve, handover_timeout commented out"
else
	fail "payload: $conf is not packaging/$name.conf, the all-commented example"
fi
manok=1
man_pages_ok "$root" "$meson_version" || manok=0
# FILES names the rule where this package installs it; NOTES says what a
# xen_aliases=false build does.
if ! zcat "$root/usr/share/man/man8/$name.8.gz" 2>/dev/null | grep -qx "\.B $xen_rule"; then
	manok=0
	echo "  $name.8 does not name the rule at $xen_rule"
fi
if ! zcat "$root/usr/share/man/man8/$name.8.gz" 2>/dev/null | grep -q '^This build (xen_aliases=false'; then
	manok=0
	echo "  $name.8 does not say that this build gives Xen disks only the stable link"
fi
if ! zcat "$root/usr/share/man/man5/$name.conf.5.gz" 2>/dev/null | grep -q '^This build (xen_aliases=false'; then
	manok=0
	echo "  $name.conf.5 does not say that this build gives Xen disks only the stable link"
fi
if [ $manok = 1 ]; then
	pass "man: both pages render with groff -man -ww without a warning, version $meson_version; $name(8) names the rule at $xen_rule, both say Xen disks get only the stable link"
else
	fail "man: page problems (above)"
fi

# --- this build's answer for a Xen disk ------------------------------------------------
# A Xen disk xvdf and nothing else: the default build gives "sdf xvd-sdf";
# this package (xen_aliases=false) only the stable link, with the reason.
fake=$work/fake-xen
mkdir -p "$fake/sys/devices/vbd-51792/block/xvdf" "$fake/sys/class/block" "$fake/sys/dev/block" "$fake/dev" \
	"$fake/etc" "$fake/run/udev/data" "$fake/proc"
echo 202:80 >"$fake/sys/devices/vbd-51792/block/xvdf/dev"
printf 'MAJOR=202\nMINOR=80\nDEVNAME=xvdf\nDEVTYPE=disk\n' >"$fake/sys/devices/vbd-51792/block/xvdf/uevent"
ln -s ../../devices/vbd-51792/block/xvdf "$fake/sys/class/block/xvdf"
ln -s ../../devices/vbd-51792/block/xvdf "$fake/sys/dev/block/202:80"
ln -s ../../../../class/block "$fake/sys/devices/vbd-51792/block/xvdf/subsystem"
echo 'BOOT_IMAGE=/vmlinuz root=/dev/xvda1 ro' >"$fake/proc/cmdline"
out=$(env -u SEQNUM "$root$helper" --root "$fake" links xvdf 2>"$work/xen.err")
rc=$?
want_err="ec2-xvd-alias: xvdf: no alias sdf: this build gives Xen disks only the stable link (the distribution has no Xen sdX aliases)"
if [ $rc -eq 0 ] && [ "$out" = xvd-sdf ] && [ "$(cat "$work/xen.err")" = "$want_err" ]; then
	pass "xen: the packaged helper gives Xen disk xvdf only 'xvd-sdf' (exit 0), saying why: $(sed 's/^ec2-xvd-alias: //' "$work/xen.err")"
else
	fail "xen: links xvdf printed '$out' (exit $rc), stderr '$(tr '\n' ' ' <"$work/xen.err")'; expected 'xvd-sdf' and '$want_err'"
fi
control_helper=$builddir/helper/$name
if [ $# -eq 1 ] && [ -x "$control_helper" ] &&
	meson introspect --buildoptions "$builddir" 2>/dev/null |
	python3 -c 'import json, sys; sys.exit(0 if any(o["name"] == "xen_aliases" and o["value"] for o in json.load(sys.stdin)) else 1)'; then
	out=$(env -u SEQNUM "$control_helper" --root "$fake" links xvdf 2>/dev/null)
	if [ "$out" = "sdf xvd-sdf" ]; then
		pass "xen: control: the default build in $(basename "$builddir") gives the same fake root 'sdf xvd-sdf'"
	else
		fail "xen: control: the default build in $(basename "$builddir") printed '$out', expected 'sdf xvd-sdf'"
	fi
else
	echo "SKIP: deb: xen: control: no default (xen_aliases=true) meson build given as BUILDDIR to compare with"
fi

# --- Nitro keeps the contract in this configuration ----------------------------------------
# The package's helper asks the NVMe controller itself, which no fake root
# can answer; a build with the package's meson options plus
# test_identify_dir reads the Identify data from a file instead (as the
# unit suites' fakeroot_add_nvme writes it) and shows the EBS volume's
# answer with xen_aliases=false: the alias while no real sdf exists.
if ! grep -q -- '-Dxen_aliases=false' "$src/packaging/deb/debian/rules"; then
	fail "nitro: debian/rules does not pass -Dxen_aliases=false; the check below would not be of the package's configuration"
fi
nb=$work/build-identify
if meson setup "$nb" "$src" -Dudevdir=/usr/lib/udev -Drulesdir=/usr/lib/udev/rules.d -Dxen_aliases=false \
	-Dtest_identify_dir=/run/ec2xa-test-identify -Dtests=disabled -Db_sanitize=none >"$work/build-identify.log" 2>&1 &&
	ninja -j1 -C "$nb" helper/ec2-xvd-alias >>"$work/build-identify.log" 2>&1; then
	nf=$work/fake-nitro
	cp -a "$fake" "$nf"
	d=/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme1/nvme1n1
	mkdir -p "$nf$d" "$nf/run/ec2xa-test-identify"
	echo 259:0 >"$nf$d/dev"
	printf 'MAJOR=259\nMINOR=0\nDEVNAME=nvme1n1\nDEVTYPE=disk\n' >"$nf$d/uevent"
	ln -s "../..${d#/sys}" "$nf/sys/class/block/nvme1n1"
	ln -s "../..${d#/sys}" "$nf/sys/dev/block/259:0"
	ln -s ../../../../../../class/block "$nf$d/subsystem"
	python3 - "$nf/run/ec2xa-test-identify/nvme1n1" <<-'EOF'
	import sys
	page = bytearray(4096)
	page[0:4] = b"\x0f\x1d\x0f\x1d"                      # vendor 0x1D0F (Amazon), twice
	page[4:24] = b"vol0123456789abcdef0"                # serial
	page[24:64] = b"Amazon Elastic Block Store".ljust(40)  # model
	page[3072:3104] = b"sdf".ljust(32)                 # the block device mapping name
	open(sys.argv[1], "wb").write(page)
	EOF
	out=$(env -u SEQNUM "$nb/helper/ec2-xvd-alias" --root "$nf" nvme nvme1n1 2>"$work/nitro.err")
	rc=$?
	want="EC2XA_STOCK_LINK=sdf
EC2XA_ALIAS=sdf
EC2XA_STABLE=xvd-sdf
EC2XA_NAME=xvdf"
	if [ $rc -eq 0 ] && [ "$out" = "$want" ] && [ ! -s "$work/nitro.err" ]; then
		pass "nitro: with xen_aliases=false an EBS volume attached as sdf still gets /dev/sdf and /dev/xvd-sdf (nvme nvme1n1: EC2XA_ALIAS=sdf)"
	else
		fail "nitro: nvme nvme1n1 printed '$(tr '\n' ';' <<<"$out")' (exit $rc), stderr '$(tr '\n' ' ' <"$work/nitro.err")'; expected '$(tr '\n' ';' <<<"$want")'"
	fi
	s=/sys/devices/platform/host2/session1/target2:0:0/2:0:0:2/block/sdf
	mkdir -p "$nf$s"
	echo 8:80 >"$nf$s/dev"
	printf 'MAJOR=8\nMINOR=80\nDEVNAME=sdf\nDEVTYPE=disk\n' >"$nf$s/uevent"
	ln -s "../..${s#/sys}" "$nf/sys/class/block/sdf"
	ln -s "../..${s#/sys}" "$nf/sys/dev/block/8:80"
	out=$(env -u SEQNUM "$nb/helper/ec2-xvd-alias" --root "$nf" nvme nvme1n1 2>"$work/nitro.err")
	rc=$?
	want="EC2XA_STOCK_LINK=sdf
EC2XA_STABLE=xvd-sdf
EC2XA_NAME=xvdf"
	want_err="ec2-xvd-alias: nvme1n1: no alias sdf: real SCSI disk sdf (8:80) exists"
	if [ $rc -eq 0 ] && [ "$out" = "$want" ] && [ "$(cat "$work/nitro.err")" = "$want_err" ]; then
		pass "nitro: with xen_aliases=false and a real SCSI disk sdf, the EBS volume drops /dev/sdf and keeps /dev/xvd-sdf, saying why"
	else
		fail "nitro: with a real sdf, nvme nvme1n1 printed '$(tr '\n' ';' <<<"$out")' (exit $rc), stderr '$(tr '\n' ' ' <"$work/nitro.err")'"
	fi
	out=$(env -u SEQNUM "$nb/helper/ec2-xvd-alias" --root "$nf" links xvdf 2>/dev/null)
	if [ "$out" = xvd-sdf ]; then
		pass "nitro: the same build gives Xen disk xvdf only 'xvd-sdf', as the package's helper does"
	else
		fail "nitro: the same build gave Xen disk xvdf '$out', expected 'xvd-sdf'"
	fi
else
	tail -n 20 "$work/build-identify.log" | sed 's/^/  /'
	fail "nitro: the test build with -Dtest_identify_dir failed (log: $work/build-identify.log)"
fi

# --- maintainer scripts, run --------------------------------------------------------------
# The unmodified scripts, in a private mount namespace with a tmpfs over /run
# (udevd's control socket is a socket the test makes, or none) and over
# /usr/lib/udev (the helper is a logging fake), with PATH holding only
# logging fakes of udevadm and systemd-detect-virt (or none) and the few
# real tools the scripts use.
sim=$work/sim
mkdir -p "$sim"
cat >"$sim/scenario.sh" <<'EOF'
#!/bin/bash
# scenario.sh SIM CTLDIR SCRIPT SOCKET(yes|no) UDEVADM(ok|fail|none) VIRT(none|chroot|container|absent) HELPER(ok|fail) DPKG_ROOT ARG...
# Runs inside `unshare --mount`; see test-deb.sh.
set -u
sim=$1 ctl=$2 script=$3 sock=$4 udev=$5 virt=$6 hlp=$7 droot=$8
shift 8
mount -t tmpfs -o mode=0755 tmpfs /run || exit 90
mount -t tmpfs -o mode=0755 tmpfs /usr/lib/udev || exit 90
rm -rf "$sim/bin"
mkdir -p "$sim/bin" /run/udev /run/ec2-xvd-alias/nodes
echo '202:80 12' >/run/ec2-xvd-alias/nodes/sdf
for t in timeout sed grep rm; do ln -s "$(command -v "$t")" "$sim/bin/$t"; done
if [ "$udev" != none ]; then
	printf '#!/bin/sh\necho "udevadm $*" >>"%s/calls"\n[ "%s" = ok ]\n' "$sim" "$udev" >"$sim/bin/udevadm"
	chmod +x "$sim/bin/udevadm"
fi
if [ "$virt" != absent ]; then
	cat >"$sim/bin/systemd-detect-virt" <<-EOV
	#!/bin/sh
	case "$virt:\$*" in
	"chroot:--quiet --chroot" | "container:--quiet --container") exit 0 ;;
	esac
	exit 1
	EOV
	chmod +x "$sim/bin/systemd-detect-virt"
fi
printf '#!/bin/sh\necho "systemd-tmpfiles $*" >>"%s/calls"\n' "$sim" >"$sim/bin/systemd-tmpfiles"
chmod +x "$sim/bin/systemd-tmpfiles"
# SIM_SYSTEMD=1: systemd is PID 1 (/run/systemd/system), with a logging
# fake of systemctl.
if [ -n "${SIM_SYSTEMD:-}" ]; then
	mkdir -p /run/systemd/system
	printf '#!/bin/sh\necho "systemctl $*" >>"%s/calls"\n' "$sim" >"$sim/bin/systemctl"
	chmod +x "$sim/bin/systemctl"
fi
printf '#!/bin/sh\necho "helper $*" >>"%s/calls"\n[ "%s" = ok ] || exit 2\n' "$sim" "$hlp" >/usr/lib/udev/ec2-xvd-alias
chmod +x /usr/lib/udev/ec2-xvd-alias
[ "$sock" = no ] || python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' /run/udev/control
: >"$sim/calls"
env -i PATH="$sim/bin" ${droot:+DPKG_ROOT="$droot"} /bin/sh "$ctl/$script" "$@" >"$sim/out" 2>&1
echo "exit=$?" >>"$sim/calls"
[ -e /run/ec2-xvd-alias ] && echo "run-dir=kept" >>"$sim/calls"
exit 0
EOF
scenario() { # SCRIPT SOCKET UDEVADM VIRT HELPER DPKG_ROOT ARG...
	local s=$1
	shift
	unshare --mount --propagation private bash "$sim/scenario.sh" "$sim" "$ctl" "$s" "$@"
	local rc=$?
	[ $rc -eq 0 ] || echo "exit=scenario-setup-failed($rc)" >"$sim/calls"
}
expect() { # NAME WANT
	if [ "$(cat "$sim/calls")" = "$2" ]; then
		pass "$1"
	else
		fail "$1: got: $(tr '\n' ';' <"$sim/calls") want: $(tr '\n' ';' <<<"$2")"
	fi
}
# expect_calls NAME CALLS: the script made CALLS (lines; "" for none),
# exited 0 and left /run/ec2-xvd-alias in place
expect_calls() {
	expect "$1" "${2:+$2
}exit=0
run-dir=kept"
}
trig="udevadm trigger --settle --action=change --subsystem-match=block --sysname-match="
triggers="${trig}xvd*
${trig}nvme* --property-match=ID_MODEL=Amazon Elastic Block Store"
postrm_calls="udevadm control --reload
$triggers"
# debhelper's snippet (dh_installtmpfiles) first: the state directory, on
# configure and the abort-* actions, whether udevd runs or not.
tmpf="systemd-tmpfiles --create $name.conf"
post_calls="$tmpf
udevadm control --reload
$triggers
helper repair
helper status"
scenario postinst yes ok none ok '' configure ''
expect_calls "postinst: configure (install), udevd running: reload, change to xvd* and EBS NVMe only, repair, status; exit 0" "$post_calls"
SIM_SYSTEMD=1 scenario postinst yes ok none ok '' configure ''
expect_calls "postinst: configure with systemd running: daemon-reload (the systemd-udevd.service drop-in), then the same calls; exit 0" "$tmpf
systemctl --system daemon-reload
${post_calls#"$tmpf"$'\n'}"
SIM_SYSTEMD=1 scenario postinst yes ok none ok /nonexistent-root configure ''
expect_calls "postinst: dpkg --root with systemd running: no daemon-reload, exit 0" "systemd-tmpfiles --root=/nonexistent-root --create $name.conf"
scenario postinst yes ok none ok '' configure 0.1.0-1
expect_calls "postinst: configure (upgrade from 0.1.0-1): the same calls; exit 0" "$post_calls"
scenario postinst yes fail none fail '' configure ''
expect_calls "postinst: udevadm and the helper failing: every call tried, exit 0" "$post_calls"
scenario postinst yes ok absent ok '' configure ''
expect_calls "postinst: without systemd-detect-virt, udevd running: the same calls; exit 0" "$post_calls"
scenario postinst no ok none ok '' configure ''
expect_calls "postinst: no udevd (no control socket): only the state directory (systemd-tmpfiles --create), no udev call, exit 0" "$tmpf"
scenario postinst yes none none ok '' configure ''
expect_calls "postinst: udevadm not installed: only the state directory (systemd-tmpfiles --create), no udev call, exit 0" "$tmpf"
scenario postinst yes ok chroot ok '' configure ''
expect_calls "postinst: in a chroot (systemd-detect-virt --chroot): only the state directory (systemd-tmpfiles --create), no udev call, exit 0" "$tmpf"
scenario postinst yes ok container ok '' configure ''
expect_calls "postinst: in a container (systemd-detect-virt --container): only the state directory (systemd-tmpfiles --create), no udev call, exit 0" "$tmpf"
scenario postinst yes ok none ok /nonexistent-root configure ''
expect_calls "postinst: dpkg --root (DPKG_ROOT set): systemd-tmpfiles --root only, no udev call, exit 0" "systemd-tmpfiles --root=/nonexistent-root --create $name.conf"
scenario postinst yes ok none ok '' abort-upgrade 0.2.0-1
expect_calls "postinst: abort-upgrade: only the state directory, no udev call, exit 0" "$tmpf"
scenario postrm yes ok none ok '' remove
expect_calls "postrm: remove, udevd running: reload, change to xvd* and EBS NVMe only, exit 0" "$postrm_calls"
SIM_SYSTEMD=1 scenario postrm yes ok none ok '' remove
expect_calls "postrm: remove with systemd running: daemon-reload (the drop-in is gone), then the same calls, exit 0" "systemctl --system daemon-reload
$postrm_calls"
scenario postrm yes fail none ok '' remove
expect_calls "postrm: remove with udevadm failing: exit 0" "$postrm_calls"
scenario postrm no ok none ok '' remove
expect_calls "postrm: remove, no udevd: no call, exit 0" ""
scenario postrm yes ok container ok '' remove
expect_calls "postrm: remove in a container: no call, exit 0" ""
scenario postrm yes ok none ok '' upgrade 0.2.0-1
expect_calls "postrm: upgrade: no call, exit 0" ""
scenario postrm yes ok none ok '' purge
expect "postrm: purge: no udev call, /run/ec2-xvd-alias removed, exit 0" "exit=0"
scenario prerm yes ok none ok '' remove
expect_calls "prerm: remove: no udev call, exit 0" ""
# prerm warns about fstab lines that name a stable link (DPKG_ROOT gives it
# a fstab of the test's).
mkdir -p "$work/prerm-root/etc"
printf '# /dev/xvd-sdg /old ext4 defaults 0 2\n/dev/xvd-sdf /data ext4 defaults,nofail 0 2\nUUID=1234 / ext4 defaults 0 1\n' \
	>"$work/prerm-root/etc/fstab"
scenario prerm yes ok none ok "$work/prerm-root" remove
want="ec2-xvd-alias: warning: /etc/fstab names /dev/xvd-sd* links (1 lines), which are gone once this package is removed; use UUID= or LABEL= there"
if [ "$(cat "$sim/calls")" = "exit=0
run-dir=kept" ] && [ "$(cat "$sim/out")" = "$want" ]; then
	pass "prerm: remove with an fstab line naming /dev/xvd-sdf (and one commented out): one warning, exit 0"
else
	fail "prerm: fstab warning: calls '$(tr '\n' ';' <"$sim/calls")', output '$(tr '\n' ';' <"$sim/out")'"
fi
# lintian's scripts check reads these lines; every udevadm call is guarded.
if grep -v '^[[:space:]]*#' "$ctl/postinst" "$ctl/postrm" | grep 'udevadm ' | grep -v 'command -v udevadm' | grep -qv '|| true$'; then
	fail "scripts: a udevadm call without '|| true'"
elif grep -v '^[[:space:]]*#' "$ctl/postinst" "$ctl/postrm" | grep 'udevadm trigger' | grep -v -- '--subsystem-match=block --sysname-match=' | grep -q .; then
	fail "scripts: a udevadm trigger without --subsystem-match=block and --sysname-match"
elif grep -v '^[[:space:]]*#' "$ctl/postinst" "$ctl/postrm" | grep "sysname-match='nvme\*'" | grep -qv "property-match=ID_MODEL='Amazon Elastic Block Store'"; then
	fail "scripts: an nvme* trigger not limited to ID_MODEL='Amazon Elastic Block Store'"
else
	pass "scripts: every udevadm call ends '|| true', every trigger names block and a sysname, nvme* only with the EBS model"
fi

# --- install beside Debian's real amazon-ec2-utils, remove, purge -------------------------
# dpkg --root into a merged-/usr scratch root (bookworm's layout: /lib is
# usr/lib), scripts run chrootless with DPKG_ROOT set, all of it in a
# private mount namespace with a tmpfs over /run, so neither udevd nor this
# machine's dpkg database can be reached.
aeu_deb=
if aeu_tree=$(bash "$src/tests/stock/real-amazon-ec2-utils.sh" 2>"$work/aeu.err"); then
	aeu_deb=$aeu_tree.deb
	[ -f "$aeu_deb" ] || aeu_deb=
fi
sr=$work/root
mkdir -p "$sr/usr/lib" "$sr/usr/bin" "$sr/usr/sbin" "$sr/etc" "$sr/run" "$sr/var/lib/dpkg/info" \
	"$sr/var/lib/dpkg/updates" "$sr/var/lib/dpkg/triggers" "$sr/var/log"
ln -s usr/lib "$sr/lib"
ln -s usr/bin "$sr/bin"
ln -s usr/sbin "$sr/sbin"
: >"$sr/var/lib/dpkg/status"
: >"$sr/var/lib/dpkg/available"
cat >"$work/dpkg-root.sh" <<'EOF'
#!/bin/bash
# dpkg-root.sh ROOT ARG...: dpkg on the scratch root, inside unshare --mount.
set -u
r=$1
shift
mount -t tmpfs -o mode=0755 tmpfs /run || exit 90
exec dpkg --root="$r" --force-script-chrootless --force-depends --force-not-root "$@"
EOF
droot() { unshare --mount --propagation private bash "$work/dpkg-root.sh" "$sr" "$@" >>"$work/dpkg-root.log" 2>&1; }
status_of() { dpkg-query --admindir="$sr/var/lib/dpkg" -W -f '${db:Status-Abbrev}' "$1" 2>/dev/null | tr -d ' '; }
if [ -z "$aeu_deb" ]; then
	echo "SKIP: deb: amazon-ec2-utils: Debian's real package is not available here: $(tail -n 1 "$work/aeu.err")"
	droot -i "$deb"
else
	droot -i "$aeu_deb" "$deb"
fi
if [ "$(status_of $name)" = ii ] && [ -x "$sr$helper" ] && [ -f "$sr$xen_rule" ] && [ -f "$sr$nvme_rule" ] && [ -f "$sr$finish_rule" ] &&
	[ -f "$sr$conf" ] && dpkg --root="$sr" -V $name >"$work/verify.out" 2>&1 && [ ! -s "$work/verify.out" ]; then
	pass "install: dpkg --root -i puts every file in place, status ii, dpkg -V clean${aeu_deb:+ (beside $(basename "$aeu_deb"))}"
else
	sed 's/^/  /' "$work/dpkg-root.log" | tail -n 20
	fail "install: status '$(status_of $name)', or files missing, or dpkg -V not clean: $(tr '\n' ' ' <"$work/verify.out")"
fi
# debhelper's postinst snippet ran systemd-tmpfiles --root on the scratch
# root (chrootless, DPKG_ROOT set) when this machine has it.
if ! command -v systemd-tmpfiles >/dev/null 2>&1; then
	echo "SKIP: deb: install: state directory: this machine has no systemd-tmpfiles for the postinst snippet to run"
elif [ "$(stat -c %a "$sr/run/ec2-xvd-alias/nodes" 2>/dev/null)" = 755 ] &&
	[ "$(stat -c %a "$sr/run/ec2-xvd-alias/lock" 2>/dev/null)" = 700 ]; then
	pass "install: postinst made the state directory from $tmpfiles (systemd-tmpfiles --root): /run/ec2-xvd-alias/nodes 0755, lock 0700"
else
	fail "install: no /run/ec2-xvd-alias/nodes (0755) and lock (0700) in the scratch root after postinst"
fi
out=$(env -u SEQNUM "$sr$helper" --root "$fake" links xvdf 2>/dev/null)
if [ "$out" = xvd-sdf ]; then
	pass "install: the installed helper gives Xen disk xvdf 'xvd-sdf' on the fake root"
else
	fail "install: the installed helper printed '$out' for xvdf, expected 'xvd-sdf'"
fi
if [ -n "$aeu_deb" ]; then
	# udev reads one file per name from /etc/udev/rules.d, /run/udev/rules.d,
	# /usr/local/lib/udev/rules.d, /usr/lib/udev/rules.d, /lib/udev/rules.d
	# (the first wins) and runs them all in the order of their names.
	order=$(for d in /etc/udev/rules.d /run/udev/rules.d /usr/local/lib/udev/rules.d /usr/lib/udev/rules.d /lib/udev/rules.d; do
		[ -d "$sr$d" ] || continue
		(cd "$sr$d" && for f in *.rules; do [ -e "$f" ] && echo "$f $d/$f"; done)
	done | sort -s -k1,1 | awk '!seen[$1]++ { print $2 }' | tr '\n' ' ')
	want="/usr/lib/udev/rules.d/51-ec2-hvm-devices.rules /usr/lib/udev/rules.d/70-ec2-nvme-devices.rules /usr/lib/udev/rules.d/71-ec2-xvd-alias-nvme.rules /usr/lib/udev/rules.d/99-ec2-xvd-alias-finish.rules "
	if [ "$(status_of amazon-ec2-utils)" = ii ] && [ "$order" = "$want" ] &&
		[ "$(readlink -f "$sr/lib/udev/rules.d/70-ec2-nvme-devices.rules")" = "$(readlink -f "$sr/usr/lib/udev/rules.d/70-ec2-nvme-devices.rules")" ]; then
		pass "amazon-ec2-utils: with its real package installed, the rule set runs our 51, Amazon's 70-ec2-nvme-devices.rules (its /lib/udev/rules.d), then our 71-ec2-xvd-alias-nvme.rules and 99-ec2-xvd-alias-finish.rules; no file shadows another"
	else
		fail "amazon-ec2-utils: status '$(status_of amazon-ec2-utils)', rule order '$order', expected '$want'"
	fi
	# What our 71 rule guards: the EBS disk's link to the name it was
	# attached with (PROGRAM ebsnvme-id, SYMLINK+="%c"), for the model our
	# postinst and postrm trigger.
	if grep -v '^[[:space:]]*#' "$sr/lib/udev/rules.d/70-ec2-nvme-devices.rules" |
		grep 'ATTRS{model}=="Amazon Elastic Block Store"' | grep 'PROGRAM="/usr/sbin/ebsnvme-id' | grep -q 'SYMLINK+="%c"'; then
		pass "amazon-ec2-utils: its 70 rule links an EBS disk (model Amazon Elastic Block Store) to its attachment name (ebsnvme-id, SYMLINK+=\"%c\"), the link our 71 rule guards"
	else
		fail "amazon-ec2-utils: its 70 rule has no EBS PROGRAM=ebsnvme-id ... SYMLINK+=\"%c\" line: nothing for our 71 rule to guard?"
	fi
fi
echo "mode = off" >>"$sr$conf"
mkdir -p "$sr/run/ec2-xvd-alias/nodes" && echo '202:80 12' >"$sr/run/ec2-xvd-alias/nodes/sdf"
droot -r $name
if [ "$(status_of $name)" = rc ] && [ ! -e "$sr$helper" ] && [ ! -e "$sr$xen_rule" ] && [ ! -e "$sr$nvme_rule" ] && [ ! -e "$sr$finish_rule" ] &&
	grep -q '^mode = off' "$sr$conf"; then
	pass "remove: dpkg -r removes helper and rules, keeps the edited conffile (status rc)"
else
	fail "remove: status '$(status_of $name)', or helper/rules left, or the edited config lost"
fi
droot -P $name
left=$(cd "$sr" && find . -path ./var/lib/dpkg -prune -o -path ./var/log -prune -o -name '*ec2-xvd-alias*' -print | tr '\n' ' ')
if [ -z "$(status_of $name)" ] || [ "$(status_of $name)" = un ]; then purged=1; else purged=0; fi
if [ $purged = 1 ] && [ -z "$left" ] && { [ -z "$aeu_deb" ] || [ -f "$sr/lib/udev/rules.d/70-ec2-nvme-devices.rules" ]; }; then
	pass "purge: dpkg -P leaves nothing of ec2-xvd-alias (conffile, /run/ec2-xvd-alias gone)${aeu_deb:+; the 70 rule of amazon-ec2-utils stays}"
else
	fail "purge: status '$(status_of $name)', left: $left"
fi

# --- lintian ------------------------------------------------------------------------------
# bookworm's lintian on the binary package, default profile; with
# --pedantic and the overrides shown too, for the record.
lintian --tag-display-limit 0 "$deb" >"$work/lintian.txt" 2>"$work/lintian.err"
lrc=$?
lintian --pedantic --display-experimental --show-overrides --tag-display-limit 0 "$deb" >"$work/lintian-pedantic.txt" 2>>"$work/lintian.err"
ew=$(grep -E '^[EW]: ' "$work/lintian.txt")
if [ $lrc -eq 0 ] && [ -z "$ew" ] && ! grep -qv 'running with root privileges is not recommended' "$work/lintian.err"; then
	pass "lintian: $(lintian --version): no error, no warning ($(grep -c '^O: ' "$work/lintian-pedantic.txt") overridden, with a reason; full output in $work/lintian-pedantic.txt)"
else
	sed 's/^/  /' "$work/lintian.txt" "$work/lintian.err"
	fail "lintian: exit $lrc, $(grep -c '^E: ' "$work/lintian.txt") errors, $(grep -c '^W: ' "$work/lintian.txt") warnings"
fi

finish
