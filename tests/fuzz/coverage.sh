#!/bin/bash
# Source-based coverage of the parsers reached by each fuzz target's corpus:
#
#   tests/fuzz/coverage.sh COVDIR [CORPORA]
#
# COVDIR: a clang build with coverage instrumentation, made here when missing
# (fuzz-main.c replays, no libFuzzer, no sanitizers). CORPORA: a directory
# with <target>/corpus/ (run-fuzz.sh's BUILDDIR/fuzz-out keeps the grown
# corpora there); default: the seed corpora in tests/fuzz/corpus.
# Prints per target the region coverage of each parser function it aims at
# (llvm-cov's regions: the blocks and branches of a function).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

if (($# < 1 || $# > 2)); then
	echo "usage: $0 COVDIR [CORPORA]" >&2
	exit 1
fi
covdir=$1
corpora=${2:-}
for tool in clang llvm-profdata llvm-cov python3; do
	command -v $tool >/dev/null || {
		echo "coverage.sh: $tool is not installed (tests/setup-deps.sh fuzz)" >&2
		exit 77
	}
done

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
# Whatever instrumented program the build itself runs (meson's compiler
# checks) writes its profile here, not into the current directory.
export LLVM_PROFILE_FILE=$work/build-%p.profraw

if [[ ! -f $covdir/build.ninja ]]; then
	CC=clang meson setup "$covdir" "$src" -Db_sanitize=none -Dfuzz=false \
		-Dc_args="-fprofile-instr-generate -fcoverage-mapping" \
		-Dc_link_args="-fprofile-instr-generate" >/dev/null || exit 1
fi
ninja -C "$covdir" >/dev/null || exit 1

# The parser functions each target aims at (static ones included).
declare -A aims=(
	[disk-name]="disk_name_parse format_with disk_name_format_ec2 disk_name_format_xvd disk_name_format_stable disk_name_whole name_for_log"
	[config]="config_parse parse_assignment add_reserved strip mode_from_string"
	[cmdline]="config_parse_cmdline mode_from_string"
	[devnum]="read_line_file sysfs_block_devnum parse_devnum node_record_read multipath_pending"
	[scsi]="iscsi_automatic_node scan_node_dir record_is_automatic entry_type scsi_disk_transport is_hctl"
	[status]="config_load status_print collisions_find print_rule print_policy print_xvd print_scsi print_collision policy_decide_alias scsi_host_activity dev_entry_inspect"
)

rc=0
for d in "$here"/corpus/*/; do
	t=$(basename "$d")
	corpus=$d
	[[ -n $corpora && -d $corpora/$t/corpus ]] && corpus=$corpora/$t/corpus
	bin=$covdir/tests/fuzz/fuzz-$t
	if ! LLVM_PROFILE_FILE=$work/$t.profraw TMPDIR=$work "$bin" "$corpus" >/dev/null 2>"$work/$t.err"; then
		echo "fuzz-$t: the replay failed: $(tail -n1 "$work/$t.err")"
		rc=1
		continue
	fi
	llvm-profdata merge -o "$work/$t.profdata" "$work/$t.profraw" || exit 1
	llvm-cov export -instr-profile="$work/$t.profdata" "$bin" >"$work/$t.json" || exit 1
	n=$(find "$corpus" -maxdepth 1 -type f | wc -l)
	python3 - "$work/$t.json" "fuzz-$t" "$n" ${aims[$t]:-} <<'EOF'
import json, sys

path, target, n, aims = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
data = json.load(open(path))["data"][0]
print(f"{target}: {n} corpus inputs")
seen = {}
for fn in data["functions"]:
    name = fn["name"].split(":")[-1]
    if name not in aims or not fn["filenames"][0].split("/")[-2] == "helper":
        continue
    # Code regions (kind 0) of the function's own file.
    regions = [r for r in fn["regions"] if r[7] == 0 and r[5] == 0]
    covered = sum(1 for r in regions if r[4] > 0)
    seen[name] = (fn["filenames"][0].split("/")[-1], covered, len(regions), fn["count"])
for name in aims:
    if name not in seen:
        print(f"  {name}: not in the binary")
        continue
    f, c, total, calls = seen[name]
    pct = 100.0 * c / total if total else 0.0
    print(f"  {f}:{name}: regions {c}/{total} ({pct:.0f}%), called {calls} times")
for s in data["files"]:
    if "/helper/" in s["filename"]:
        l = s["summary"]["lines"]
        if l["covered"]:
            print(f"  file {s['filename'].split('/')[-1]}: lines {l['covered']}/{l['count']} ({l['percent']:.0f}%)")
EOF
done
exit $rc
