# shellcheck shell=bash
# tests/lib/package-tier.sh: what the package tiers (tests/deb, tests/rpm)
# share: their host packages, installed when missing, and the run of the
# package build. Sourced after tests/verdicts.sh, whose skip(), fail() and
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
