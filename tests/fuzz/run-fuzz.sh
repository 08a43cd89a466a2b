#!/bin/bash
# Runs every libFuzzer target of a -Dfuzz=true build for a bounded time:
#
#   CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
#   ninja -C build-fuzz
#   tests/fuzz/run-fuzz.sh build-fuzz [SECONDS]      (default 60 per target)
#
# One line per target:
#   PASS: fuzz-<target>: N executions in S s, no crash (cov C, ft F, corpus K)
#   FAIL: fuzz-<target>: <sanitizer/check summary>, reproducer <path>
# Exit 0 (all passed), 1 (a failure), 77 (clang, libFuzzer or a fuzz build
# missing; the reason on stderr).
#
# The repository's corpus is only read: each target fuzzes a copy in a
# temporary directory. Logs, reproducers and the grown corpora are kept in
# BUILDDIR/fuzz-out/<target>/ (FUZZ_OUT overrides). FUZZ_TARGETS="a b"
# runs a subset. One job per target, one target at a time: the machine's
# cores are shared.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)

skip() {
	echo "SKIP: fuzz: $*"
	echo "run-fuzz.sh: $*" >&2
	exit 77
}

if (($# < 1 || $# > 2)); then
	echo "usage: $0 BUILDDIR [SECONDS]" >&2
	exit 1
fi
builddir=$(cd "$1" 2>/dev/null && pwd) || {
	echo "run-fuzz.sh: $1: no such build directory" >&2
	exit 1
}
secs=${2:-60}
if ! [[ $secs =~ ^[0-9]+$ ]] || ((secs < 1)); then
	echo "run-fuzz.sh: SECONDS must be a positive integer, not '$secs'" >&2
	exit 1
fi

command -v clang >/dev/null || skip "clang is not installed (tests/setup-deps.sh fuzz)"
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1 ||
	skip "the libFuzzer runtime is not installed (Debian: libclang-rt-14-dev; tests/setup-deps.sh fuzz)"

targets=()
if [[ -n ${FUZZ_TARGETS:-} ]]; then
	read -ra targets <<<"$FUZZ_TARGETS"
else
	for d in "$here"/corpus/*/; do
		targets+=("$(basename "$d")")
	done
fi
((${#targets[@]})) || {
	echo "run-fuzz.sh: no targets (no corpus under $here/corpus)" >&2
	exit 1
}

# A libFuzzer binary answers -help=1 with its usage; fuzz-main.c (a build
# without -Dfuzz=true) would take it for a file name.
probe=$builddir/tests/fuzz/fuzz-${targets[0]}
[[ -x $probe ]] || skip "$probe is not built (ninja -C $1; a -Dfuzz=true build is needed)"
usage=$("$probe" -help=1 2>&1)
grep -q '^Usage:' <<<"$usage" ||
	skip "$1 is not a -Dfuzz=true build (CC=clang meson setup BUILDDIR -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false)"

out=${FUZZ_OUT:-$builddir/fuzz-out}
work=$(mktemp -d "${TMPDIR:-/tmp}/ec2xa-run-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# The file-reading targets write their input to a fake root at every
# execution: on tmpfs that is ten times faster than on disk. As root, each
# target gets a private tmpfs for its TMPDIR in its own mount namespace (the
# machine's mounts are not touched); otherwise the disk is used.
use_tmpfs=0
if [[ $(id -u) == 0 ]] && command -v unshare >/dev/null &&
	unshare --mount --propagation private true 2>/dev/null; then
	use_tmpfs=1
fi

# run_libfuzzer TMPDIR COMMAND...
run_libfuzzer() {
	local tmp=$1
	shift
	if ((use_tmpfs)); then
		unshare --mount --propagation private -- bash -c '
			mount -t tmpfs -o nodev,nosuid,noexec,size=512m ec2xa-fuzz "$1" || exit 1
			tmp=$1; shift
			TMPDIR=$tmp exec "$@"' _ "$tmp" "$@"
	else
		TMPDIR=$tmp "$@"
	fi
}

failed=0
for t in "${targets[@]}"; do
	bin=$builddir/tests/fuzz/fuzz-$t
	seeds=$here/corpus/$t
	tout=$out/$t
	log=$tout/fuzz.log
	if [[ ! -x $bin ]]; then
		echo "FAIL: fuzz-$t: $bin is not built"
		failed=1
		continue
	fi
	if [[ ! -d $seeds ]]; then
		echo "FAIL: fuzz-$t: no seed corpus $seeds"
		failed=1
		continue
	fi
	rm -rf "$tout"
	mkdir -p "$tout/artifacts" "$work/$t/tmp" || exit 1
	cp -r "$seeds" "$work/$t/corpus" || exit 1

	opts=()
	[[ -f $here/fuzz-$t.options ]] && read -ra opts <"$here/fuzz-$t.options"
	# -error_exitcode/-timeout_exitcode: libFuzzer's default 77 would read
	# as "skipped". The outer timeout only guards against a hung runner.
	run_libfuzzer "$work/$t/tmp" timeout --kill-after=30 $((secs + 300)) \
		"$bin" "${opts[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 \
		-error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
		-artifact_prefix="$tout/artifacts/" "$work/$t/corpus" >"$log" 2>&1
	rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n1)
	cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n1 |
		sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
	rm -rf "$tout/corpus"
	cp -r "$work/$t/corpus" "$tout/corpus"
	rm -rf "${work:?}/$t"

	artifact=$(find "$tout/artifacts" -type f | head -n1)
	if ((rc == 0)) && [[ -z $artifact && -n $execs ]]; then
		echo "PASS: fuzz-$t: $execs executions in ${took:-?} s, no crash${cov:+ ($cov)}"
		continue
	fi
	failed=1
	# The sanitizer's one-line summary names the bug and the place; then
	# our own property checks, then whatever else libFuzzer said.
	summary=$(grep -m1 '^SUMMARY: ' "$log")
	[[ -n $summary ]] || summary=$(grep -m1 -E 'check failed: |runtime error: |^==[0-9]+==ERROR: |ERROR: libFuzzer: ' "$log" |
		sed 's/^==[0-9]*==//')
	[[ -n $summary ]] || summary="exited with status $rc"
	echo "FAIL: fuzz-$t: $summary; reproducer ${artifact:-none written}; log $log"
done
exit $failed
