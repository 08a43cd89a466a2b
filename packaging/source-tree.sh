# shellcheck shell=bash
# packaging/source-tree.sh: sourced by packaging/deb/build-deb.sh and
# packaging/rpm/build-rpm.sh.

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
