# shellcheck shell=bash
# shellcheck disable=SC2154 # me is the sourcing script's
# packaging/build-lib.sh: what packaging/deb/build-deb.sh and
# packaging/rpm/build-rpm.sh share: their messages and the copy of the
# source tree. Sourced after setting me (the script's name in messages).

die() { echo "$me: $*" >&2; exit 1; }
skip() { echo "$me: $*" >&2; exit 77; }
say() { echo "$me: $*" >&2; }

# copy_source_tree SRC DEST [SKIP]: copies the files of the git work tree
# SRC into DEST (made if missing): the tracked files and the untracked ones
# git does not ignore, as they are on disk, committed or not. Files deleted
# in the tree are skipped, and so are the paths SKIP matches (a shell
# pattern, e.g. 'debian/*').
copy_source_tree() {
	local src=$1 dest=$2 skip=${3:-}
	mkdir -p "$dest"
	(cd "$src" && git ls-files -z --cached --others --exclude-standard) |
		(cd "$src" && while IFS= read -r -d '' f; do
			# shellcheck disable=SC2254 # SKIP is a pattern
			if [ -n "$skip" ]; then case $f in $skip) continue ;; esac; fi
			[ -e "$f" ] || [ -L "$f" ] || continue
			printf '%s\0' "$f"
		done) |
		(cd "$src" && tar --null --no-recursion -T - -cf -) |
		tar -C "$dest" -xf -
}
