# shellcheck shell=bash
# tests/lib/host-packages.sh: the Debian packages a package tier needs on
# this machine (tests/deb, tests/rpm), installed when missing. Sourced after
# tests/verdicts.sh, whose skip() it calls, with TIER set.

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
