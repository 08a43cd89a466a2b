#!/bin/bash
# build-rpm.sh OUTDIR [RPMBUILD-OPTION...]: build the source and binary RPMs
# of ec2-xvd-alias from this source tree, through the `meson dist` tarball,
# into OUTDIR. Extra options go to rpmbuild, e.g. `--without check`.
#
# Works on Amazon Linux 2023 / Fedora (rpm-build, meson, systemd-rpm-macros
# installed) and on Debian with its `rpm` package, where the macros that
# Debian's rpm lacks come from packaging/rpm/macros.debian-build and the
# build dependencies are checked with pkg-config instead of the (empty) rpm
# database. The spec itself is not changed for Debian.
#
# The tarball: `meson dist` packs the last commit. When the tree has no
# commit yet, or has uncommitted changes, the script says so and packs a
# snapshot of the work tree instead (tracked and untracked files that git
# does not ignore, committed into a throw-away repository), so what is
# built is what is on disk.
#
# Environment: KEEP_WORKDIR=1 keeps the temporary directory (its path is
# printed). Exit: 0 built, 1 failed, 77 a needed tool is missing (reason on
# stderr).
set -euo pipefail

me=build-rpm
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=packaging/build-lib.sh
. "$here/../build-lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [RPMBUILD-OPTION...]" >&2; exit 1; }
outdir=$1
shift

src=$(cd "$here/../.." && pwd)
spec=$here/ec2-xvd-alias.spec
if [ ! -f "$src/meson.build" ] || [ ! -f "$spec" ]; then
	die "cannot find the source tree around $here"
fi

for tool in meson ninja rpmbuild rpm git xz python3 pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || skip "missing tool: $tool"
done

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/ec2-xvd-alias-rpm.XXXXXX")
if [ "${KEEP_WORKDIR:-0}" = 1 ]; then
	say "keeping $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# The spec's Version must be the meson project's version, or the tarball
# name and its top directory would not match Source0.
meson_version=$(meson introspect --projectinfo "$src/meson.build" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$spec")
[ "$meson_version" = "$spec_version" ] ||
	die "spec Version $spec_version differs from meson.build version $meson_version"

# Build-time macros that this rpm lacks (Debian) come from our file.
rpmargs=()
if [ -z "$(rpm --eval '%{?meson_build}')" ] || [ -z "$(rpm --eval '%{?_udevrulesdir}')" ]; then
	say "this rpm lacks the meson/systemd macros: loading $here/macros.debian-build"
	rpmargs+=(--load "$here/macros.debian-build")
fi

# Build dependencies: on an rpm-based system rpmbuild checks them itself;
# where the rpm database does not hold the system's packages (Debian), check
# the same pkg-config names here and tell rpmbuild not to look.
if ! rpm -q --quiet --whatprovides 'pkgconfig(libudev)' 2>/dev/null; then
	missing=()
	for pc in libudev libkmod check; do
		pkg-config --exists "$pc" || missing+=("pkgconfig($pc)")
	done
	command -v gcc >/dev/null 2>&1 || command -v cc >/dev/null 2>&1 || missing+=(gcc)
	[ ${#missing[@]} -eq 0 ] || skip "missing build dependencies: ${missing[*]}"
	say "rpm database has no build dependencies (not an rpm-based system): checked with pkg-config, building with --nodeps"
	rpmargs+=(--nodeps)
fi

# --- the meson dist tarball -------------------------------------------------
distsrc=$src
if ! git -C "$src" rev-parse --verify -q HEAD >/dev/null; then
	say "the source tree has no commit yet: packing a snapshot of the work tree"
	distsrc=
elif [ -n "$(git -C "$src" status --porcelain --untracked-files=normal)" ]; then
	say "the source tree has uncommitted changes: packing a snapshot of the work tree"
	distsrc=
fi
if [ -z "$distsrc" ]; then
	distsrc=$work/snapshot
	copy_source_tree "$src" "$distsrc"
	git -C "$distsrc" init -q
	git -C "$distsrc" add -A
	git -C "$distsrc" -c user.name=build-rpm -c user.email=build-rpm@localhost \
		-c commit.gpgsign=false commit -q -m "work tree snapshot for build-rpm.sh"
fi

# meson dist needs a configured build directory. It only packs the sources:
# no tests here (the spec's %check runs them), and a fixed udevdir so the
# host's udev.pc is not needed.
meson setup "$work/dist-build" "$distsrc" -Dtests=disabled -Dudevdir=/usr/lib/udev \
	>"$work/dist-setup.log" 2>&1 || { cat "$work/dist-setup.log" >&2; die "meson setup failed"; }
meson dist -C "$work/dist-build" --no-tests --formats xztar \
	>"$work/dist.log" 2>&1 || { cat "$work/dist.log" >&2; die "meson dist failed"; }
tarball=$work/dist-build/meson-dist/ec2-xvd-alias-$meson_version.tar.xz
[ -f "$tarball" ] || die "meson dist made no $tarball"
say "tarball: $(basename "$tarball")"

# --- rpmbuild ---------------------------------------------------------------
top=$work/rpmbuild
mkdir -p "$top"/{BUILD,BUILDROOT,RPMS,SOURCES,SPECS,SRPMS}
cp "$tarball" "$top/SOURCES/"
cp "$spec" "$top/SPECS/"
if ! rpmbuild -ba \
	--define "_topdir $top" \
	"${rpmargs[@]}" "$@" \
	"$top/SPECS/ec2-xvd-alias.spec" >"$work/rpmbuild.log" 2>&1; then
	cp "$work/rpmbuild.log" "$outdir/rpmbuild.log"
	tail -n 60 "$work/rpmbuild.log" >&2
	die "rpmbuild failed (full log: $outdir/rpmbuild.log)"
fi
cp "$work/rpmbuild.log" "$outdir/rpmbuild.log"

find "$top/SRPMS" "$top/RPMS" -name '*.rpm' -exec cp {} "$outdir/" \;
for f in "$outdir"/*.rpm; do
	[ -e "$f" ] || die "rpmbuild made no package"
	echo "$f"
done
