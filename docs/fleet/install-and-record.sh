#!/bin/bash
# Installs ec2-xvd-alias from PACKAGE_URL (an .rpm with dnf, a .deb with
# apt-get; https:// or s3://) and records `status --json`. The same script
# is the body of ssm-document.json, imagebuilder-component.yaml and
# cloud-init.yaml (tests/fleet/test-fleet.sh checks that it is).
#
#   install-and-record.sh PACKAGE_URL
#
# Standard output is the object alone (the install's output goes to
# standard error). Exit status: a failed download or install is 3; else that of
# `status --json` made fit for a rollout: 0 (ok) and 1 (a warning, such as
# a name in use) are success with the object recorded, 2 (a collision) and
# 3 (a system error) fail the step so the rollout stops there.
set -euo pipefail

PACKAGE_URL=${1:?usage: install-and-record.sh PACKAGE_URL}
helper=/usr/lib/udev/ec2-xvd-alias
record_dir=/var/lib/ec2-xvd-alias-fleet
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

case $PACKAGE_URL in
*.rpm) package=$work/ec2-xvd-alias.rpm ;;
*.deb) package=$work/ec2-xvd-alias.deb ;;
*)
	echo "install-and-record.sh: $PACKAGE_URL is neither an .rpm nor a .deb" >&2
	exit 3
	;;
esac
case $PACKAGE_URL in
s3://*) aws s3 cp --only-show-errors "$PACKAGE_URL" "$package" >&2 || exit 3 ;;
https://*) curl -fsSL --retry 3 -o "$package" "$PACKAGE_URL" || exit 3 ;;
*)
	echo "install-and-record.sh: $PACKAGE_URL is not an https:// or s3:// URL" >&2
	exit 3
	;;
esac

if [[ $package == *.rpm ]] && command -v dnf >/dev/null; then
	dnf install -y "$package" >&2 || exit 3
elif [[ $package == *.deb ]] && command -v apt-get >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y "$package" >&2 || exit 3
else
	echo "install-and-record.sh: no dnf for an .rpm, or apt-get for a .deb, on this machine" >&2
	exit 3
fi

mkdir -p "$record_dir"
rc=0
"$helper" status --json >"$record_dir/status.json.new" || rc=$?
mv "$record_dir/status.json.new" "$record_dir/status.json"
cat "$record_dir/status.json"
echo "ec2-xvd-alias status --json: exit $rc (0 ok, 1 warning, 2 collision, 3 system error)" >&2
if ((rc > 1)); then
	exit "$rc"
fi
exit 0
