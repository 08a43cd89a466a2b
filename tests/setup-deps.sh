#!/bin/bash
# Installs the Debian packages the named parts need, and nothing when they
# are there already:  tests/setup-deps.sh build [rules] [rpm] [deb] [guest] [fuzz]
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
declare -A lists=(
	[build]="$src/tests/build-packages.txt"
	[rules]="$src/tests/rules/host-packages.txt"
	[rpm]="$src/tests/rpm/host-packages.txt"
	[deb]="$src/tests/deb/host-packages.txt"
	[guest]="$src/tests/guest/host-packages.txt"
	[fuzz]="$src/tests/fuzz/host-packages.txt"
)

packages=()
for part in "$@"; do
	list=${lists[$part]:-}
	if [[ -z $list ]]; then
		echo "setup-deps.sh: unknown part '$part' (build, rules, rpm, deb, guest, fuzz)" >&2
		exit 1
	fi
	[[ -f $list ]] || continue
	while read -r pkg _; do
		[[ -z $pkg || $pkg == \#* ]] && continue
		packages+=("$pkg")
	done <"$list"
done

missing=()
for pkg in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$pkg")
done
((${#missing[@]} == 0)) && exit 0

if [[ $(id -u) != 0 ]]; then
	echo "setup-deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
	exit 1
fi
echo "setup-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
