#!/bin/bash
# tests/rpm/test-rpm.sh BUILDDIR: the RPM tier.
#
# Builds the source and binary RPMs with packaging/rpm/build-rpm.sh (from
# the `meson dist` tarball) and checks what a packager would: the exact file
# list, the config files, modes, that the packaged rule runs the packaged
# helper, the scriptlets (by reading them and by running them against a
# fake udevadm), the man pages, and rpmlint with no errors.
#
# BUILDDIR is the meson build directory; the work files go to
# BUILDDIR/rpm-test (kept, with rpmbuild.log). RPM_OUT=DIR also copies the
# built RPMs to DIR (for the guest tier).
#
# One verdict line per check, `PASS: rpm: ...` or `FAIL: rpm: ...`, then
# "N passed, N failed". Exit 0 all passed, 1 a check failed, 77 the tier
# cannot run here (the reason on one line on stderr).
set -uo pipefail

[ $# -eq 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
mkdir -p "$1" || exit 1
builddir=$(cd "$1" && pwd)

TIER=rpm
# shellcheck source=tests/verdicts.sh
. "$here/../verdicts.sh"
# shellcheck source=tests/lib/package-tier.sh
. "$here/../lib/package-tier.sh"

# --- host packages ------------------------------------------------------------
need_host_packages "$here/host-packages.txt" "$builddir/rpm-test-apt.log"

work=$builddir/rpm-test
rm -rf "$work"
mkdir -p "$work/out"

# --- build --------------------------------------------------------------------
run_build "$src/packaging/rpm/build-rpm.sh" "$work" "$work"
name=ec2-xvd-alias
version=$(sed -n 's/^Version:[[:space:]]*//p' "$src/packaging/rpm/ec2-xvd-alias.spec")
srpm='' rpmf=''
for f in "$work/out/$name-$version"-*.rpm; do
	case $f in
	*.src.rpm) srpm=$f ;;
	*.rpm) [ -e "$f" ] && rpmf=$f ;;
	esac
done
if [ -n "$srpm" ] && [ -n "$rpmf" ]; then
	pass "build: $(basename "$srpm") and $(basename "$rpmf") from the meson dist tarball"
else
	fail "build: no SRPM or binary RPM in $work/out"
	finish
fi
if [ -n "${RPM_OUT:-}" ]; then
	mkdir -p "$RPM_OUT" && cp "$work/out/"*.rpm "$RPM_OUT/" &&
		echo "rpm: RPMs copied to $RPM_OUT" >&2
fi

q() { rpm -qp --nosignature "$@" 2>/dev/null; }

# --- source RPM -----------------------------------------------------------------
got=$(q -l "$srpm" | sort | tr '\n' ' ')
want="$name-$version.tar.xz $name.spec "
if [ "$got" = "$want" ]; then
	pass "srpm: holds exactly the meson dist tarball and the spec"
else
	fail "srpm: holds '$got', expected '$want'"
fi

# --- file list --------------------------------------------------------------------
helper=/usr/lib/udev/ec2-xvd-alias
rule=/etc/udev/rules.d/51-ec2-hvm-devices.rules
nvme_rule=/usr/lib/udev/rules.d/71-ec2-xvd-alias-nvme.rules
finish_rule=/usr/lib/udev/rules.d/99-ec2-xvd-alias-finish.rules
conf=/etc/ec2-xvd-alias.conf
q -l "$rpmf" >"$work/files"
# The build-id links that find-debuginfo adds to every binary package on
# Amazon Linux (and in our Debian build) are checked apart.
grep -v '^/usr/lib/\.build-id\(/\|$\)' "$work/files" |
	sed -e 's/\.gz$//' >"$work/files.main"
cat >"$work/files.want" <<EOF
$conf
$rule
/usr/lib/systemd/system/systemd-udevd.service.d
/usr/lib/systemd/system/systemd-udevd.service.d/ec2-xvd-alias.conf
/usr/lib/tmpfiles.d/ec2-xvd-alias.conf
$helper
$nvme_rule
$finish_rule
/usr/share/doc/$name-$version
/usr/share/doc/$name-$version/README.md
/usr/share/licenses/$name-$version
/usr/share/licenses/$name-$version/LICENSE
/usr/share/man/man5/ec2-xvd-alias.conf.5
/usr/share/man/man8/ec2-xvd-alias.8
EOF
if diff -u "$work/files.want" "$work/files.main" >"$work/files.diff"; then
	pass "files: exactly helper, the Xen, NVMe and finish rules, config, tmpfiles.d entry, systemd-udevd.service drop-in, 2 man pages, README, LICENSE"
else
	sed 's/^/  /' "$work/files.diff"
	fail "files: the file list differs from the expected one (above)"
fi
# Build-id links must only point at our helper.
bad=
while read -r f; do
	case $f in
	/usr/lib/.build-id | /usr/lib/.build-id/??) ;;
	/usr/lib/.build-id/??/*)
		t=$(q --qf '[%{FILENAMES} %{FILELINKTOS}\n]' "$rpmf" | awk -v f="$f" '$1 == f { print $2 }')
		case $t in */udev/ec2-xvd-alias) ;; *) bad="$bad $f->$t" ;; esac ;;
	*) bad="$bad $f" ;;
	esac
done < <(grep '^/usr/lib/\.build-id' "$work/files")
if [ -z "$bad" ]; then
	pass "files: build-id links only to the helper"
else
	fail "files: unexpected build-id entries:$bad"
fi
if grep -qx -e /usr/sbin/ec2udev-vbd -e /usr/lib/udev/rules.d/51-ec2-hvm-devices.rules "$work/files"; then
	fail "files: the package owns amazon-ec2-utils' ec2udev-vbd or stock rule"
else
	pass "files: neither /usr/sbin/ec2udev-vbd nor /usr/lib/udev/rules.d/51-ec2-hvm-devices.rules is owned"
fi
if man=$(grep '^/usr/share/man/' "$work/files") && ! grep -qv '\.gz$' <<<"$man"; then
	pass "files: man pages compressed (.gz)"
else
	fail "files: man pages not all .gz: $(tr '\n' ' ' <<<"$man")"
fi

# --- config files, modes, dependencies ------------------------------------------
got=$(q --qf '[%{FILEFLAGS:fflags}|%{FILENAMES}\n]' "$rpmf" | awk -F'|' '$1 ~ /c/ { print $1 " " $2 }' | sort)
want=$(printf '%s\n' "cn $conf" "c $rule" | sort)
if [ "$got" = "$want" ] && [ "$(q -c "$rpmf" | sort)" = "$(printf '%s\n' "$conf" "$rule" | sort)" ]; then
	pass "configfiles: $conf %config(noreplace), $rule %config"
else
	fail "configfiles: got '$(tr '\n' ';' <<<"$got")', expected '$(tr '\n' ';' <<<"$want")'"
fi
got=$(q --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$rpmf" |
	awk -v h="$helper" -v r="$rule" -v c="$conf" '$3 == h || $3 == r || $3 == c' | sort -k3)
want=$(printf '%s\n' "-rw-r--r-- root:root $conf" "-rw-r--r-- root:root $rule" "-rwxr-xr-x root:root $helper" | sort -k3)
if [ "$got" = "$want" ]; then
	pass "modes: helper 0755, rule and config 0644, all root:root"
else
	fail "modes: got '$(tr '\n' ';' <<<"$got")'"
fi
reqs=$(q -R "$rpmf")
confl=$(q --conflicts "$rpmf")
# The helper links libc alone (libudev and libkmod are dlopen()ed), so their
# packages are explicit requirements, not automatic ones.
if grep -qx 'systemd-udev' <<<"$reqs" && grep -q '^systemd-libs' <<<"$reqs" &&
	! grep -q '^libudev\.so\|^libkmod\.so' <<<"$reqs" &&
	! grep -q 'amazon-ec2-utils\|ec2-utils' <<<"$reqs" && [ -z "$confl" ]; then
	pass "deps: requires systemd-udev and systemd-libs, links neither libudev nor libkmod, no Conflicts:, no dependency on amazon-ec2-utils"
else
	fail "deps: requires '$(tr '\n' ' ' <<<"$reqs")', conflicts '$confl'"
fi

# --- payload: the rule runs the packaged helper -----------------------------------
root=$work/payload
mkdir -p "$root"
(cd "$root" && rpm2cpio "$rpmf" | cpio -idm --quiet 2>/dev/null)
if [ -x "$root$helper" ] && file -b "$root$helper" | grep -q '^ELF .* executable'; then
	pass "payload: $helper is an ELF executable"
else
	fail "payload: $helper missing or not an ELF executable"
fi
check_rules_run "$helper" "$root$rule" "$root$nvme_rule" "$root$finish_rule"
if [ -f "$root$conf" ] && conf_example_ok "$root$conf"; then
	pass "payload: $conf sets nothing and shows mode, reserve, handover_timeout commented out"
else
	fail "payload: $conf is not the all-commented example with mode, reserve, handover_timeout"
fi

# --- man pages ------------------------------------------------------------------------
manok=1
man_pages_ok "$root" "$version" || manok=0
if [ $manok = 1 ]; then
	pass "man: both pages render with groff -man -ww without a warning, version $version, paths substituted"
else
	fail "man: page problems (above)"
fi

# --- scriptlets: what they say ------------------------------------------------------
post=$(q --qf '%{POSTIN}' "$rpmf")
postun=$(q --qf '%{POSTUN}' "$rpmf")
printf '%s\n' "$post" >"$work/post.sh"
printf '%s\n' "$postun" >"$work/postun.sh"
prog=$(q --qf '%{POSTINPROG} %{POSTUNPROG}' "$rpmf")
others=
for t in PREIN PREUN PRETRANS POSTTRANS VERIFYSCRIPT; do
	[ "$(q --qf "%{$t}" "$rpmf")" = "(none)" ] || others="$others $t"
done
triggers=$(q --triggers "$rpmf")
if [ "$prog" = "/bin/sh /bin/sh" ] && [ -z "$others" ] && [ -z "$triggers" ]; then
	pass "scripts: only %post and %postun, both /bin/sh; no triggers"
else
	fail "scripts: interpreters '$prog', other scriptlets '$others', triggers '$triggers'"
fi
code() { sed -e 's/#.*//' "$1"; }
ok=1
code "$work/post.sh" | grep -q 'udevadm control --reload' || { ok=0; echo "  %post: no udevadm control --reload"; }
code "$work/post.sh" | tr -d '\\\n' | grep -q "udevadm trigger [^|]*--action=change [^|]*--subsystem-match=block [^|]*--sysname-match='xvd\*'" ||
	{ ok=0; echo "  %post: no targeted change trigger for xvd*"; }
# Not every SCSI disk: on a SAN host that is thousands of multipath paths;
# repair re-runs the rules of exactly the disks it fixes.
code "$work/post.sh" | tr -d '\\\n' | grep -q "sysname-match='sd" &&
	{ ok=0; echo "  %post: triggers sd*"; }
code "$work/post.sh" | grep -q "^[[:space:]]*timeout [0-9]* $helper repair" || { ok=0; echo "  %post: no bounded $helper repair"; }
code "$work/postun.sh" | grep -q 'udevadm control --reload' || { ok=0; echo "  %postun: no reload"; }
code "$work/postun.sh" | tr -d '\\\n' | grep -q "udevadm trigger [^|]*--subsystem-match=block [^|]*--sysname-match='xvd\*'" ||
	{ ok=0; echo "  %postun: no xvd trigger"; }
# The EBS volumes too (a live install on Nitro), and only those: the model
# udev's database has for them, never every NVMe device.
for f in post postun; do
	code "$work/$f.sh" | tr -d '\\\n' |
		grep -q "udevadm trigger [^|]*--subsystem-match=block [^|]*--sysname-match='nvme\*' [^|]*--property-match=ID_MODEL='Amazon Elastic Block Store'" ||
		{ ok=0; echo "  %$f: no trigger of the EBS NVMe volumes (ID_MODEL)"; }
done
# shellcheck disable=SC2016 # a literal $1 in the scriptlet
code "$work/postun.sh" | grep -q '"\$1" -eq 0' || { ok=0; echo "  %postun: not limited to erase (\$1 = 0)"; }
# No global trigger: every udevadm trigger names the block subsystem and a sysname.
for f in post postun; do
	code "$work/$f.sh" | tr -d '\134' | tr '\n' ' ' | grep -o 'udevadm trigger[^|]*||' |
		grep -v -- "--subsystem-match=block .*--sysname-match=" | sed 's/^/  /' | grep -q . &&
		{ ok=0; echo "  %$f: a trigger without subsystem and sysname match"; }
done
if [ $ok = 1 ]; then
	pass "scripts: %post reloads, triggers change on block xvd* and EBS NVMe volumes only, runs a bounded repair; %postun (erase) reloads and re-triggers both"
else
	fail "scripts: content (above)"
fi
if sh -n "$work/post.sh" && sh -n "$work/postun.sh"; then
	pass "scripts: both parse with POSIX sh (dash)"
else
	fail "scripts: syntax error under POSIX sh"
fi

# --- scriptlets: what they do, against a fake udevadm -----------------------------------
# The scriptlets name two absolute paths: udevd's control socket and the
# helper. Each run gets a copy with those two paths moved into a temp tree,
# a PATH with only a logging fake udevadm (or none) and `timeout`, and the
# real socket replaced by one the test creates. Anything else absolute in the
# scriptlets would escape this, so that is checked first.
abs=$(cat "$work/post.sh" "$work/postun.sh" | sed 's/#.*//' | grep -o '/[a-z][^ "'\'';)]*' | sort -u |
	grep -vx -e /run/udev/control -e "$helper" -e /dev/null -e /usr/lib/tmpfiles.d/ec2-xvd-alias.conf || true)
if [ -n "$abs" ]; then
	fail "scripts: they use other absolute paths ($(tr '\n' ' ' <<<"$abs")), the fake-udevadm runs would not cover them"
else
	sim=$work/sim
	# scenario SCRIPT ARG SOCKET(yes|no) UDEVADM(ok|fail|none) HELPER(ok|fail)
	scenario() {
		local script=$1 arg=$2 sock=$3 udev=$4 hlp=$5
		rm -rf "$sim"
		mkdir -p "$sim/bin" "$sim/run/udev" "$sim/helperdir"
		ln -s "$(command -v timeout)" "$sim/bin/timeout"
		cat >"$sim/bin/systemd-tmpfiles" <<-EOF
		#!/bin/sh
		echo "systemd-tmpfiles \$*" >>"$sim/calls"
		EOF
		chmod +x "$sim/bin/systemd-tmpfiles"
		if [ "$udev" != none ]; then
			cat >"$sim/bin/udevadm" <<-EOF
			#!/bin/sh
			echo "udevadm \$*" >>"$sim/calls"
			[ "$udev" = ok ]
			EOF
			chmod +x "$sim/bin/udevadm"
		fi
		cat >"$sim/helperdir/ec2-xvd-alias" <<-EOF
		#!/bin/sh
		echo "helper \$*" >>"$sim/calls"
		[ "$hlp" = ok ] || exit 2
		EOF
		chmod +x "$sim/helperdir/ec2-xvd-alias"
		if [ "$sock" = yes ]; then
			python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sim/run/udev/control"
		fi
		sed -e "s|/run/udev/control|$sim/run/udev/control|g" \
			-e "s|$helper|$sim/helperdir/ec2-xvd-alias|g" "$work/$script.sh" >"$sim/script.sh"
		: >"$sim/calls"
		env -i PATH="$sim/bin" /bin/sh "$sim/script.sh" "$arg" >"$sim/out" 2>&1
		echo "exit=$?" >>"$sim/calls"
	}
	# expect NAME CALLS: the scriptlet made CALLS (lines; "" for none) and
	# exited 0
	expect() {
		local name=$1 want="${2:+$2
}exit=0"
		if [ "$(cat "$sim/calls")" = "$want" ]; then
			pass "scriptlet run: $name"
		else
			fail "scriptlet run: $name: got: $(tr '\n' ';' <"$sim/calls") want: $(tr '\n' ';' <<<"$want")"
		fi
	}
	trig="udevadm trigger --settle --action=change --subsystem-match=block --sysname-match="
	tmpf="systemd-tmpfiles --create /usr/lib/tmpfiles.d/ec2-xvd-alias.conf"
	ebs="${trig}nvme* --property-match=ID_MODEL=Amazon Elastic Block Store"
	postun_calls="udevadm control --reload
${trig}xvd*
$ebs"
	post_calls="$tmpf
udevadm control --reload
${trig}xvd*
$ebs
helper repair
helper status"
	scenario post 1 yes ok ok
	expect "%post install, udevd running: reload, trigger xvd*, repair, status (names in use), exit 0" "$post_calls"
	scenario post 2 yes ok ok
	expect "%post upgrade: the same calls, exit 0" "$post_calls"
	scenario post 1 yes fail fail
	expect "%post with udevadm and repair failing: every call tried, exit 0" "$post_calls"
	scenario post 1 no ok ok
	expect "%post in an image build (no udevd socket): the state directory, no udevadm call, exit 0" "$tmpf"
	scenario post 1 yes none ok
	expect "%post without udevadm installed: the state directory, no udevadm call, exit 0" "$tmpf"
	scenario postun 0 yes ok ok
	expect "%postun erase: reload, trigger xvd* and EBS volumes, exit 0" "$postun_calls"
	scenario postun 0 yes fail ok
	expect "%postun erase with udevadm failing: exit 0" "$postun_calls"
	scenario postun 1 yes ok ok
	expect "%postun on upgrade: no call, exit 0" ""
	scenario postun 0 no ok ok
	expect "%postun erase in an image build: no call, exit 0" ""
fi

# --- install and erase in a scratch root -------------------------------------------------
# rpm's own file handling, without the scriptlets (tested above) and without
# dependencies (this rpm database is empty): the files land where the list
# says, an edited configuration survives the erase as .rpmsave, and the erase
# takes the /etc rule away, which is what brings the stock rule back.
sr=$work/root
mkdir -p "$sr"
if [ "$(id -u)" -ne 0 ]; then
	echo "rpm: not root: install/erase in a scratch root not checked" >&2
elif rpm --root "$sr" --initdb 2>"$work/rpm-root.err" &&
	rpm --root "$sr" -i --nodeps --noscripts --nosignature "$rpmf" 2>>"$work/rpm-root.err"; then
	if [ -x "$sr$helper" ] && [ -f "$sr$rule" ] && [ -f "$sr$conf" ] &&
		rpm --root "$sr" -V --nodeps ec2-xvd-alias >/dev/null 2>&1; then
		pass "install: rpm -i into a scratch root puts every file in place, rpm -V clean"
	else
		fail "install: files missing or rpm -V not clean after rpm -i"
	fi
	echo "mode = off" >>"$sr$conf"
	if rpm --root "$sr" -e --nodeps --noscripts ec2-xvd-alias 2>>"$work/rpm-root.err" &&
		[ ! -e "$sr$rule" ] && [ ! -e "$sr$helper" ] && [ -f "$sr$conf.rpmsave" ] &&
		grep -q '^mode = off' "$sr$conf.rpmsave" && ! rpm --root "$sr" -q ec2-xvd-alias >/dev/null 2>&1; then
		pass "erase: rpm -e removes the rule and helper, keeps the edited config as .rpmsave"
	else
		fail "erase: rule/helper left behind, or the edited config lost"
	fi
else
	sed 's/^/  /' "$work/rpm-root.err"
	fail "install: rpm -i into a scratch root failed"
fi

# --- rpmlint ------------------------------------------------------------------------
prof=$src/packaging/rpm/rpmlint-fedora.toml
rc=$src/packaging/rpm/ec2-xvd-alias.rpmlintrc
spec=$src/packaging/rpm/ec2-xvd-alias.spec
# The debuginfo package is generated by find-debuginfo, not by the spec: not
# linted, as in Fedora's own reviews.
rpmlint -c "$prof" "$srpm" "$rpmf" "$spec" >"$work/rpmlint-unfiltered.txt" 2>&1
rpmlint -c "$prof" -r "$rc" "$srpm" "$rpmf" "$spec" >"$work/rpmlint.txt" 2>&1
lrc=$?
summary=$(grep -E '[0-9]+ errors?, [0-9]+ warnings?' "$work/rpmlint.txt" | tail -n 1)
errors=$(sed -n 's/.* \([0-9][0-9]*\) errors\?,.*/\1/p' <<<"$summary")
filtered_e=$(grep -c ': E: ' "$work/rpmlint-unfiltered.txt")
filtered_w=$(grep -c ': W: ' "$work/rpmlint-unfiltered.txt")
if [ "$lrc" -eq 0 ] && [ "${errors:-x}" = 0 ] && [ "$filtered_e" -eq 0 ]; then
	pass "rpmlint: $(sed 's/; has taken.*//; s/^ *//' <<<"$summary") (rpmlintrc filters $filtered_w warnings, no error)"
else
	grep -E ': [EW]: ' "$work/rpmlint.txt" | sed 's/^/  /'
	[ "$filtered_e" -eq 0 ] || grep ': E: ' "$work/rpmlint-unfiltered.txt" | sed 's/^/  unfiltered: /'
	fail "rpmlint: exit $lrc, '$summary'"
fi

finish
