#!/bin/bash
# build-deb.sh OUTDIR [DPKG-BUILDPACKAGE-OPTION...]: build the binary
# Debian package of ec2-xvd-alias from this source tree into OUTDIR.
#
# Copies the files of the tree that git knows (tracked, and untracked ones
# git does not ignore: what is built is what is on disk, committed or not)
# into a temporary ec2-xvd-alias-VERSION/, puts packaging/deb/debian/ at
# its top, and runs `dpkg-buildpackage -us -uc -b` there (unsigned, binary
# only). The build runs the unit suites unless DEB_BUILD_OPTIONS has
# nocheck; it is serial (parallel=1) unless DEB_BUILD_OPTIONS says
# otherwise. Copies the .deb files (the package and its -dbgsym) and the
# build log to OUTDIR and prints the .deb paths.
#
# Environment: KEEP_WORKDIR=1 keeps the temporary directory (its path is
# printed). Exit: 0 built, 1 failed, 77 a needed tool or build dependency
# is missing (the reason on stderr).
set -euo pipefail

me=build-deb
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=packaging/build-lib.sh
. "$here/../build-lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [DPKG-BUILDPACKAGE-OPTION...]" >&2; exit 1; }
outdir=$1
shift

src=$(cd "$here/../.." && pwd)
if [ ! -f "$src/meson.build" ] || [ ! -f "$here/debian/control" ]; then
	die "cannot find the source tree around $here"
fi

for tool in dpkg-buildpackage dpkg-checkbuilddeps dpkg-parsechangelog dh git meson python3 tar; do
	command -v "$tool" >/dev/null 2>&1 || skip "missing tool: $tool"
done
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || die "$src is not a git work tree (the file list comes from git)"

# The package's upstream version must be the meson project's.
meson_version=$(meson introspect --projectinfo "$src/meson.build" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])') ||
	die "cannot read the project version from $src/meson.build"
deb_version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version) ||
	die "cannot read the version from $here/debian/changelog"
[ "${deb_version%-*}" = "$meson_version" ] ||
	die "debian/changelog version $deb_version is not meson.build's version $meson_version plus a Debian revision"

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/ec2-xvd-alias-deb.XXXXXX")
if [ "${KEEP_WORKDIR:-0}" = 1 ]; then
	say "keeping $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# --- the source copy --------------------------------------------------------
top=$work/ec2-xvd-alias-$meson_version
# The tree's own debian/ (if someone made one) is not taken: ours replaces it.
copy_source_tree "$src" "$top" 'debian/*'
rm -rf "$top/debian"
cp -a "$here/debian" "$top/debian"

# --- build dependencies -----------------------------------------------------
if ! (cd "$top" && dpkg-checkbuilddeps) >"$work/builddeps.log" 2>&1; then
	skip "$(sed -n 's/^dpkg-checkbuilddeps: error: //p' "$work/builddeps.log" | head -n 1) (tests/setup-deps.sh deb installs them)"
fi

# --- dpkg-buildpackage ------------------------------------------------------
opts=${DEB_BUILD_OPTIONS:-}
case " $opts " in *" parallel="*) ;; *) opts="${opts:+$opts }parallel=1" ;; esac
say "dpkg-buildpackage -us -uc -b in $top (DEB_BUILD_OPTIONS=$opts)"
if ! (cd "$top" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -us -uc -b "$@") >"$work/build.log" 2>&1; then
	cp "$work/build.log" "$outdir/dpkg-buildpackage.log"
	tail -n 60 "$work/build.log" >&2
	die "dpkg-buildpackage failed (full log: $outdir/dpkg-buildpackage.log)"
fi
cp "$work/build.log" "$outdir/dpkg-buildpackage.log"

found=0
for f in "$work"/*.deb; do
	[ -e "$f" ] || continue
	cp "$f" "$outdir/"
	echo "$outdir/$(basename "$f")"
	found=1
done
[ $found = 1 ] || die "dpkg-buildpackage made no .deb"
