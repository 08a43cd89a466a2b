#!/bin/bash
# The README's test command: installs what the tests need, builds, and runs
# every tier. As root (the root-only suites and tiers skip otherwise, and say
# so). Ends with one line "N passed, N failed, N skipped".
#
#   tests/run-tests.sh              everything
#   SKIP_GUEST=1 tests/run-tests.sh without the two Xen tiers (the slow ones)
#   SKIP_DOMU=1 tests/run-tests.sh  without the EC2-like domU tier only
#   FUZZ_SECONDS=N                  each libFuzzer target's time (default 10)
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src" || exit 1
logdir=$src/build-logs
mkdir -p "$logdir"
passed=0 failed=0 skipped=0
failures=()

note() { printf '\n=== %s ===\n' "$*"; }

# Counts a stage's verdict lines (PASS:/FAIL:/SKIP:, and check's
# "Checks: N, Failures: F, Errors: E"), and the stage itself when its exit
# status says more than its lines (a crash, a skip with no verdicts).
count() {
	local stage=$1 rc=$2 log=$3 p f s checks fails errors
	p=$(grep -c '^PASS: ' "$log")
	f=$(grep -c '^FAIL: ' "$log")
	s=$(grep -c '^SKIP: ' "$log")
	while read -r checks fails errors; do
		p=$((p + checks - fails - errors))
		f=$((f + fails + errors))
	done < <(sed -n 's/^[0-9]*%: Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$log")
	if ((rc == 77)) && ((p + f + s == 0)); then
		s=1
	elif ((rc != 0 && rc != 77)) && ((f == 0)); then
		f=1
		echo "FAIL: $stage: exited with status $rc" | tee -a "$log"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	((f > 0)) && failures+=("$stage")
	printf -- '--- %s: %d passed, %d failed, %d skipped (log: %s)\n' "$stage" "$p" "$f" "$s" "${log#"$src"/}"
}

# stage NAME COMMAND...: runs it with its output on the terminal and in a log.
stage() {
	local name=$1 log="$logdir/$1.log" rc t0=$SECONDS
	shift
	note "$name"
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	count "$name" "$rc" "$log"
	echo "stage $name took $((SECONDS - t0)) s"
}

parts=(build rules rpm deb fuzz)
[[ ${SKIP_GUEST:-0} == 1 ]] || parts+=(guest)
note "dependencies: ${parts[*]}"
if ! tests/setup-deps.sh "${parts[@]}"; then
	echo "FAIL: setup-deps: could not install the packages the tests need"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

configure() {
	local dir=$1
	shift
	if [[ -f $dir/build.ninja ]]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi && ninja -C "$dir" >/dev/null
}

# Developer build: -Werror, ASan and UBSan. Release build: what ships, for
# valgrind and the benchmark; with NVMe identity from files, for the
# benchmark of `nvme`. Guest build: installed as on Amazon Linux.
note "build"
if ! configure build-dev --native-file build-dev.ini ||
	! configure build-release --buildtype=release -Db_sanitize=none ||
	! configure build-bench-nvme --buildtype=release -Db_sanitize=none -Dtest_identify_dir=/run/ec2xa-test-identify ||
	! configure build-guest --buildtype=release -Db_sanitize=none --prefix=/usr -Dudevdir=/usr/lib/udev; then
	echo "FAIL: build"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
echo "built build-dev (werror, asan, ubsan), build-release, build-bench-nvme, build-guest"

# tests/fuzz: the corpus replayed in the gcc ASan/UBSan build (one verdict),
# then each libFuzzer target for FUZZ_SECONDS (10) in a clang build of its
# own.
fuzz_stage() {
	local rc=0
	if meson test -C build-dev --suite fuzz --no-rebuild >"$logdir/fuzz-replay.log" 2>&1; then
		echo "PASS: fuzz-replay: every target replayed its corpus in build-dev (gcc, ASan, UBSan)"
	else
		echo "FAIL: fuzz-replay: a corpus input failed in build-dev (build-logs/fuzz-replay.log)"
		rc=1
	fi
	if ! command -v clang >/dev/null; then
		echo "SKIP: fuzz: clang is not installed (tests/setup-deps.sh fuzz)"
		return $((rc ? rc : 77))
	fi
	if ! CC=clang configure build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false; then
		echo "FAIL: fuzz-build: CC=clang meson setup build-fuzz -Dfuzz=true ... failed"
		return 1
	fi
	tests/fuzz/run-fuzz.sh build-fuzz "${FUZZ_SECONDS:-10}"
	case $? in
	0) return "$rc" ;;
	77) return $((rc ? rc : 77)) ;;
	*) return 1 ;;
	esac
}

stage unit meson test -C build-dev --suite unit -v --no-rebuild
stage unit-valgrind meson test -C build-release --suite unit --setup valgrind -v --no-rebuild
stage concurrency tests/concurrency/run-concurrency.sh build-release/helper/ec2-xvd-alias 300
# status --json against its schema (python3-jsonschema); docs/fleet offline
stage schema meson test -C build-dev --suite schema --suite fleet -v --no-rebuild
stage fuzz fuzz_stage
stage rules tests/rules/run-rules-tests.sh build-dev
stage bench tests/bench/bench.sh build-release build-bench-nvme
rpmdir=$src/build-logs/rpms
rm -rf "$rpmdir"
stage rpm env RPM_OUT="$rpmdir" tests/rpm/test-rpm.sh build-release
# The Debian package (built from the tree, installed in a scratch root beside
# Debian's real amazon-ec2-utils, lintian); build-release is the default
# build its Xen answer is compared with.
debdir=$src/build-logs/debs
rm -rf "$debdir"
stage deb env DEB_OUT="$debdir" tests/deb/test-deb.sh build-release
if [[ ${SKIP_GUEST:-0} == 1 ]]; then
	note guest
	echo "SKIP: guest: SKIP_GUEST=1"
	skipped=$((skipped + 1))
else
	stage guest tests/guest/run-guest-tests.sh build-guest "$rpmdir" "$debdir"
	if [[ ${SKIP_DOMU:-0} == 1 ]]; then
		note domu
		echo "SKIP: domu: SKIP_DOMU=1"
		skipped=$((skipped + 1))
	else
		# Same image and cache as the guest stage: no second build.
		stage domu tests/guest/run-domu-tests.sh "$rpmdir"
	fi
fi

note "summary"
echo "run-tests.sh took $SECONDS s"
((${#failures[@]})) && echo "failed stages: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
