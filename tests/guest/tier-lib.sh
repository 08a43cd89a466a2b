# Host side shared by the two QEMU tiers, run-guest-tests.sh (disks attached
# to the dom0) and run-domu-tests.sh (an EC2-like domU): host packages, the
# one cached image, the stock rule of the payload, the RPM to test. Sourced;
# the caller sets TIER (its name in messages) and HERE (tests/guest).
# shellcheck shell=bash

# The repository the tier runs from.
TIER_SRC=$(cd "$HERE/../.." && pwd)

say() { printf '[%s-tier %s] %s\n' "$TIER" "$(date +%T)" "$*"; }
skip77() {
	echo "run-$TIER-tests: $*" >&2
	exit 77
}

tier_missing_tools() {
	local t
	for t in qemu-system-x86_64 qemu-img debootstrap mkfs.ext4 tune2fs e2fsck sfdisk unshare flock; do
		command -v "$t" >/dev/null || echo "$t"
	done
}

# Installs host-packages.txt when a tool is missing; skips (77) when that
# is impossible.
tier_host_deps() {
	local -a pkgs
	[ -n "$(tier_missing_tools)" ] || return 0
	say "installing host packages ($(tier_missing_tools | tr '\n' ' ')missing)"
	mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$HERE/host-packages.txt")
	{
		apt-get update -q &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}"
	} >"/tmp/ec2xa-$TIER-host-deps.log" 2>&1 ||
		skip77 "cannot install host packages (see /tmp/ec2xa-$TIER-host-deps.log)"
	[ -z "$(tier_missing_tools)" ] || skip77 "still missing: $(tier_missing_tools | tr '\n' ' ')"
}

# Sets IMG to the cached image (building it first if needed) and T_BUILD to
# the seconds spent building. The key covers every file that decides the
# image's content; the cache keeps one image. Returns holding the cache's
# lock (fd 9), so that the caller can add to the image (the domU disk);
# tier_image_done releases it.
tier_image() {
	local cache=${EC2XA_GUEST_CACHE:-/var/cache/ec2-xvd-alias/guest} key t0 d
	mkdir -p "$cache" || skip77 "cannot create $cache"
	key=$(for f in "$HERE"/image/*; do cat "$f"; done | sha256sum | cut -c1-16)
	IMG=$cache/$key
	T_BUILD=0
	exec 9>"$cache/.lock"
	flock 9
	if [ ! -f "$IMG/complete" ]; then
		say "building guest image $key (debootstrap, about 2 minutes)"
		t0=$(date +%s)
		if ! "$HERE/image/build-image.sh" "$IMG.tmp"; then
			echo "FAIL: image: build-image.sh failed" >&2
			exit 1
		fi
		rm -rf "$IMG"
		mv "$IMG.tmp" "$IMG"
		touch "$IMG/complete"
		T_BUILD=$(($(date +%s) - t0))
		for d in "$cache"/*; do
			[ "$d" = "$IMG" ] || rm -rf "$d"
		done
		say "image built in ${T_BUILD}s"
	else
		say "using cached guest image $IMG"
	fi
}
tier_image_done() { exec 9>&-; }

# Amazon's Xen rule and ec2udev-vbd (tests/stock), at Amazon Linux 2023's
# paths, into payload directory $1.
tier_stock_xen() {
	install -D -m 755 "$TIER_SRC/tests/stock/ec2udev-vbd" "$1/ec2udev-vbd"
	sed 's|@EC2UDEV_VBD@|/usr/sbin/ec2udev-vbd|g' "$TIER_SRC/tests/stock/51-ec2-hvm-devices.rules.in" \
		>"$1/51-ec2-hvm-devices.rules"
}

# The newest binary ec2-xvd-alias RPM in directory $1 (nothing if none).
tier_rpm() {
	find "$1" -name 'ec2-xvd-alias-*.rpm' ! -name '*.src.rpm' \
		! -name '*-debuginfo-*' ! -name '*-debugsource-*' 2>/dev/null | sort -V | tail -n 1
}

# tier_figures WALL BOOTED CONSOLE...: the run's figures, written by the
# code (never copied into a document): the consoles' EC2XA-TIMING lines as
# a Markdown table in build-logs/figures/$TIER.md, replaced at every run,
# with what the host was doing. WALL is QEMU's run time, BOOTED the first
# boot to the runner (seconds).
tier_figures() {
	local wall=$1 booted=$2 dir f
	shift 2
	dir=$TIER_SRC/build-logs/figures
	mkdir -p "$dir" || return 0
	f=$dir/$TIER.md
	{
		echo "# The $TIER tier's figures of one run"
		echo
		echo "Written by tests/guest/run-$TIER-tests.sh at the end of its run; each run replaces it."
		echo "Run $(date -u '+%F %T') UTC on $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; QEMU under TCG ran ${wall} s, ${booted:-never} s of it to the runner."
		echo "Times are the guest's own clock (TCG: a busy host makes every figure larger)."
		echo
		echo "| what | figure |"
		echo "| --- | --- |"
		cat "$@" | tr -d '\r' | sed -n 's/^.*EC2XA-TIMING //p' |
			awk '{ w = $1; $1 = ""; sub(/^ /, ""); gsub(/\|/, "\\|"); print "| " w " | " $0 " |" }'
	} >"$f.tmp" && mv "$f.tmp" "$f"
	say "figures: ${f#"$TIER_SRC"/}"
}

# tier_watch QPID CONSOLE T0 LIMIT WHO: follow the QEMU process QPID
# (started at epoch T0) until it ends, its runner printed EC2XA-DONE 60 s
# ago, it never reached the runner in 600 s, or LIMIT seconds passed; then
# stop it. Shows the verdict, timing, note and error lines as they come,
# prefixed "WHO:". Sets BOOTED (seconds to EC2XA-BOOTED, empty if never)
# and T_TOTAL (QEMU's run time). The caller writes the figures.
tier_watch() {
	local qpid=$1 console=$2 t0=$3 limit=$4 who=$5 el n seen=0 done_=
	local pat='EC2XA-\(VERDICT\|TIMING\|NOTE\|ERROR\)'
	BOOTED=
	while kill -0 "$qpid" 2>/dev/null; do
		el=$(($(date +%s) - t0))
		if [ -z "$BOOTED" ] && grep -aq 'EC2XA-BOOTED' "$console"; then
			BOOTED=$el
			say "$who booted after ${el}s"
		fi
		n=$(grep -ac "$pat" "$console")
		if [ "$n" -gt "$seen" ]; then
			grep -a "$pat" "$console" | tail -n +"$((seen + 1))" | tr -d '\r' | sed "s/^.*EC2XA-/  $who: /"
			seen=$n
		fi
		if grep -aq 'EC2XA-DONE' "$console"; then
			[ -n "$done_" ] || done_=$el
			# Give the guest 60 s to power off by itself.
			[ $((el - done_)) -gt 60 ] && break
		fi
		if [ -z "$BOOTED" ] && [ "$el" -gt 600 ]; then
			say "no EC2XA-BOOTED after 600s"
			break
		fi
		if [ "$el" -gt "$limit" ]; then
			say "QEMU still running after ${limit}s"
			break
		fi
		sleep 2
	done
	if kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid"
		sleep 2
		kill -9 "$qpid" 2>/dev/null
	fi
	wait "$qpid" 2>/dev/null
	T_TOTAL=$(($(date +%s) - t0))
	say "QEMU ran ${T_TOTAL}s ($who boot to runner: ${BOOTED:-never}s)"
}

# tier_status_json DIR...: the `status --json` documents the guest's boots
# left in the DIRs (one per status the scenarios ran), validated on the
# host against docs/status.schema.json (tests/schema/validate-status.py:
# the schema test's own validator). Prints the validator's lines indented
# and one verdict line; returns 0 pass, 1 fail, 77 skip.
tier_status_json() {
	local -a docs
	local n out rc
	mapfile -t docs < <(find "$@" -maxdepth 1 -name '*.json' 2>/dev/null | sort)
	n=${#docs[@]}
	if [ "$n" -eq 0 ]; then
		echo "SKIP: status-json: the guest ran no status --json (no scenario with the helper ran)"
		return 77
	fi
	out=$(python3 "$TIER_SRC/tests/schema/validate-status.py" "$TIER_SRC/docs/status.schema.json" "${docs[@]}" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/  /'
	case $rc in
	0) echo "PASS: status-json: $n documents of status --json from the guest's scenarios validate against docs/status.schema.json" ;;
	77) echo "SKIP: status-json: $(printf '%s\n' "$out" | tail -n 1)" ;;
	*) echo "FAIL: status-json: $(printf '%s\n' "$out" | grep -c '^FAIL') of $n documents from the guest do not validate against docs/status.schema.json" ;;
	esac
	return $rc
}
