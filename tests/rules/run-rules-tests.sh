#!/bin/bash
# Tier 2: the real `udevadm test` (systemd 252) on simulated machines, every
# scenario twice: with the stock 51-ec2-hvm-devices.rules + ec2udev-vbd, and
# with ours. See tests/rules/README.md.
#
#   tests/rules/run-rules-tests.sh [--helper-as-stock] [--keep] [--only SCENARIO] BUILDDIR
#
#   --helper-as-stock  our rule runs with the stock logic in place of the
#                      helper: the "ours" scenarios must then FAIL (proof
#                      that this tier can fail)
#   --keep             keep the work directory (events, logs, snapshots)
#   --only SCENARIO    run one scenario (both sides)
#
# RT_JOBS=N runs N scenario sides at a time (default: one per CPU).
# Exit: 0 all passed, 1 a failure, 77 cannot run here (reason on stderr).
set -u
. "$(dirname "$0")/lib.sh"

as_stock=0
keep=0
only=""
while [ $# -gt 0 ]; do
	case $1 in
	--helper-as-stock) as_stock=1 ;;
	--keep) keep=1 ;;
	--only) only=$2; shift ;;
	-h|--help) sed -n '2,15p' "$0"; exit 0 ;;
	-*) echo "unknown option $1" >&2; exit 1 ;;
	*) break ;;
	esac
	shift
done
build=${1:-}
if [ -z "$build" ]; then
	echo "usage: $0 [--helper-as-stock] [--keep] [--only SCENARIO] BUILDDIR" >&2
	exit 1
fi
build=$(cd "$build" 2>/dev/null && pwd) || { echo "no such build directory: $1" >&2; exit 1; }

if ! reason=$(rt_prereqs); then
	echo "SKIP: rules tier: $reason" >&2
	echo "SKIP: rules tier: $reason"
	echo "0 passed, 0 failed, 1 skipped"
	exit 77
fi
ours_reason=""
ours_reason=$(rt_build_ok "$build") || true
# the Nitro [ours] scenarios need a test build (NVMe identity from files)
nitro_reason=""
nitro_reason=$(rt_identify_dir "$build") && nitro_reason=""

work=$(mktemp -d /tmp/ec2-xvd-alias-rules.XXXXXX)
if [ "$keep" = 0 ]; then
	trap 'rm -rf "$work"' EXIT
fi
[ "$as_stock" = 1 ] && echo "NOTE: --helper-as-stock: our rule runs with the stock logic; the [ours] scenarios must FAIL"
# the Nitro scenarios' 70 rule: Debian's real one, or the stand-in (a NOTE
# line says which)
rt_stock_nvme

# Why scenario $1's side $2 cannot run here (nothing if it can).
skip_reason() {
	if [ "$2" = ours ] && [ -n "$ours_reason" ]; then
		echo "$ours_reason"
	elif [ "$2" = ours ] && [ -n "$nitro_reason" ] && [[ $1 == nitro-* ]]; then
		echo "$nitro_reason"
	fi
}

pass=0
failed=0
skipped=0
start=$(date +%s)
# Every run is in namespaces of its own and writes only its own directory,
# so they run side by side (RT_JOBS at a time, one per CPU by default);
# the verdicts follow in the scenarios' order.
jobs_max=${RT_JOBS:-$(nproc)}
for sc in $RT_SCENARIOS; do
	[ -n "$only" ] && [ "$sc" != "$only" ] && continue
	for side in stock ours; do
		[ -z "$(skip_reason "$sc" "$side")" ] || continue
		while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
			wait -n
		done
		rt_run "$sc" "$side" "$work/$sc.$side" "$build" "$as_stock" &
	done
done
wait
for sc in $RT_SCENARIOS; do
	[ -n "$only" ] && [ "$sc" != "$only" ] && continue
	for side in stock ours; do
		why=$(skip_reason "$sc" "$side")
		if [ -n "$why" ]; then
			echo "SKIP: $sc [$side]: $why"
			skipped=$((skipped + 1))
			continue
		fi
		out="$work/$sc.$side"
		if rt_verdict "$sc" "$side" "$out"; then
			pass=$((pass + 1))
		else
			failed=$((failed + 1))
			rt_show_failure "$out" >&2
		fi
	done
done
if [ "$keep" = 1 ]; then
	echo "rules tier: work directory kept: $work"
fi
echo "rules tier: $(($(date +%s) - start)) s"
echo "$pass passed, $failed failed, $skipped skipped"
if [ "$failed" -gt 0 ]; then
	exit 1
fi
if [ "$skipped" -gt 0 ]; then
	echo "rules tier: [ours] skipped: ${ours_reason:-$nitro_reason}" >&2
	exit 77
fi
exit 0
