#!/bin/bash
# Debian's real amazon-ec2-utils (Amazon's 70-ec2-nvme-devices.rules and
# ebsnvme-id, as the distribution ships them), unpacked once into a cache:
#
#   tests/stock/real-amazon-ec2-utils.sh        prints the unpacked tree
#
# Fetched with `apt-get download` from the configured Debian archive and
# unpacked with `dpkg-deb -x`; nothing is installed on this machine. The
# tree holds lib/udev/rules.d/70-ec2-nvme-devices.rules, usr/sbin/ebsnvme-id
# and lib/udev/ec2nvme-nsid at the paths the package gives them. Exit 77
# (reason on stderr) when the package cannot be had here.
set -euo pipefail

cache=${EC2XA_AEU_CACHE:-/var/cache/ec2-xvd-alias/amazon-ec2-utils}
mkdir -p "$cache"
exec 8>"$cache/.lock"
flock 8
tree=$(find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'amazon-ec2-utils_*' | sort -V | tail -n 1)
if [ -z "$tree" ] || [ ! -f "$tree/.complete" ]; then
	tmp=$(mktemp -d "$cache/.dl.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	if ! (cd "$tmp" && apt-get download -q amazon-ec2-utils >download.log 2>&1) &&
		! { apt-get update -q >/dev/null 2>&1 && (cd "$tmp" && apt-get download -q amazon-ec2-utils >download.log 2>&1); }; then
		echo "real-amazon-ec2-utils: apt-get download amazon-ec2-utils failed: $(tail -n 1 "$tmp/download.log")" >&2
		exit 77
	fi
	deb=$(ls "$tmp"/amazon-ec2-utils_*.deb)
	tree=$cache/$(basename "$deb" .deb)
	rm -rf "$tree"
	dpkg-deb -x "$deb" "$tree"
	cp "$deb" "$tree.deb"
	[ -f "$tree/lib/udev/rules.d/70-ec2-nvme-devices.rules" ] || {
		echo "real-amazon-ec2-utils: $(basename "$deb") has no lib/udev/rules.d/70-ec2-nvme-devices.rules" >&2
		exit 77
	}
	touch "$tree/.complete"
fi
echo "$tree"
