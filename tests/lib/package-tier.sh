# shellcheck shell=bash
# tests/lib/package-tier.sh: what the package tiers (tests/deb, tests/rpm)
# share: their host packages, installed when missing, the run of the
# package build, and the checks of the payload both packages have (the
# rules, the configuration example, the man pages). Sourced after tests/verdicts.sh, whose skip(), fail() and
# finish() it calls, with TIER set.

# need_host_packages LIST LOG [HINT]: every package LIST names (a file: one
# a line, # comments) is installed, or apt-get installs the missing ones
# now (as root; its output goes to LOG); else the tier is skipped. HINT:
# another way to install them, for the message to a user who is not root.
need_host_packages() {
	local list=$1 log=$2 hint=${3:-} p
	local -a pkgs missing=()
	mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	command -v apt-get >/dev/null 2>&1 || skip "missing packages and no apt-get: ${missing[*]}"
	[ "$(id -u)" -eq 0 ] || skip "missing packages (run as root to install${hint:+, or $hint}): ${missing[*]}"
	echo "$TIER: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1 ||
		skip "apt-get install ${missing[*]} failed (see $log)"
}

# run_build SCRIPT WORK LOGS: SCRIPT (packaging/*/build-*.sh) builds the
# packages into WORK/out, its output in WORK/build.out and WORK/build.err.
# Its skip (77) skips the tier; its failure is the tier's last verdict
# (LOGS: where the build's log is, for that verdict).
run_build() {
	local script=$1 work=$2 logs=$3 rc=0
	bash "$script" "$work/out" >"$work/build.out" 2>"$work/build.err" || rc=$?
	if [ $rc -eq 77 ]; then
		skip "$(tail -n 1 "$work/build.err")"
	elif [ $rc -ne 0 ]; then
		tail -n 40 "$work/build.err" | sed 's/^/  /'
		fail "build: ${script##*/} failed (exit $rc; log in $logs)"
		finish
	fi
}

# check_rules_run HELPER RULE...: the verdict on the packaged rules (paths
# in the unpacked payload): every program they start is HELPER, and none
# is the stock scripts' or an unsubstituted @VAR@
check_rules_run() {
	local helper=$1 rulelines progs f
	shift
	for f in "$@"; do
		[ -f "$f" ] || { fail "payload: no rule file $f"; return; }
	done
	rulelines=$(cat "$@" | grep -v '^[[:space:]]*#' | grep -v '^[[:space:]]*$')
	progs=$(grep -o '\(PROGRAM\|IMPORT{program}\|RUN+\?\)="[^" ]*' <<<"$rulelines" | sed 's/.*="//' | sort -u)
	if [ -n "$progs" ] && [ "$progs" = "$helper" ] && ! grep -q 'ec2udev-vbd\|ebsnvme-id\|@[A-Z_]*@' <<<"$rulelines"; then
		pass "payload: every PROGRAM/IMPORT/RUN in the $# rule files runs $helper (no ec2udev-vbd or ebsnvme-id, no unsubstituted @VAR@)"
	else
		fail "payload: the rules run '$(tr '\n' ' ' <<<"$progs")'"
	fi
}

# conf_example_ok FILE: FILE sets nothing, and shows mode, reserve and
# handover_timeout commented out
conf_example_ok() {
	grep -v '^[[:space:]]*#' "$1" | grep -q '[^[:space:]]' && return 1
	local k
	for k in mode reserve handover_timeout; do grep -q "^#$k = " "$1" || return 1; done
}

# man_pages_ok ROOT VERSION: both man pages are in the unpacked payload
# ROOT, render with groff -man -ww without a warning, have no unsubstituted
# @VAR@ and carry VERSION in .TH; each problem is printed
man_pages_ok() {
	local root=$1 version=$2 m warn bad=0
	for m in "$root"/usr/share/man/man8/ec2-xvd-alias.8.gz "$root"/usr/share/man/man5/ec2-xvd-alias.conf.5.gz; do
		if [ ! -f "$m" ]; then bad=1; echo "  missing: ${m#"$root"}"; continue; fi
		warn=$(zcat "$m" | LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z 2>&1)
		if [ -n "$warn" ]; then bad=1; echo "  ${m#"$root"}: $warn"; fi
		if zcat "$m" | grep -q '@[A-Z_]*@'; then bad=1; echo "  ${m#"$root"}: unsubstituted @VAR@"; fi
		if ! zcat "$m" | grep -q "^\.TH .*$version"; then bad=1; echo "  ${m#"$root"}: no version $version in .TH"; fi
	done
	return $bad
}
