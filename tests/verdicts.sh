# The verdicts of a package tier (tests/rpm, tests/deb), one way for both:
# "PASS: TIER: ..." and "FAIL: TIER: ..." lines, the closing "N passed, N
# failed" line that tests/run-tests.sh and CI read, and the skip (exit 77,
# the reason on stderr). Sourced after setting TIER.
# shellcheck shell=bash
passed=0 failed=0
skip() { echo "$TIER: skipped: $*" >&2; exit 77; }
pass() { echo "PASS: $TIER: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $TIER: $*"; failed=$((failed + 1)); }
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ] && exit 0
	exit 1
}
