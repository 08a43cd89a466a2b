#!/bin/bash
# In-guest driver of tier 3, run by the image's ec2xa-guest-entry:
#
#   run-scenarios.sh PAYLOAD OUT
#
# PAYLOAD is the unpacked payload (guest/, stock/, install/, rpm/,
# config.sh); OUT collects logs for the host. Prints, on the console, one
# "EC2XA-VERDICT <verdict line>" per scenario, and "EC2XA-TIMING ..." lines.
# Each scenario runs in its own bounded process, so a hang costs one
# scenario, not the run.
set -u
export PAYLOAD=$1 OUT=$2
# shellcheck source=/dev/null # lib.sh is checked on its own
. "$PAYLOAD/guest/lib.sh"
SCENARIOS="stock-control repair boot-order login-first relogin trigger-change children-max-1 mount-handover nitro-stock-control nitro-live-install nitro nitro-sda1-stock-control nitro-sda1 many-at-once many-at-once-1worker handover-latency nitro-handover-latency holder-event-in-flight rpm nitro-boot-prepare"
SCENARIO_TIMEOUT=600
# shellcheck source=/dev/null
[ -f "$PAYLOAD/config.sh" ] && . "$PAYLOAD/config.sh"

exec 2>>"$OUT/driver.log"
# The output disk (virtio serial ec2xa-out): the entry writes OUT there at
# the end; the driver also does after every scenario, so that the logs of
# the scenarios so far survive a run the host had to stop.
OUTDISK=
for d in /sys/block/vd*; do
	[ "$(cat "$d/serial" 2>/dev/null)" = ec2xa-out ] && OUTDISK=/dev/${d##*/}
done
save_out() { [ -z "$OUTDISK" ] || tar -cf "$OUTDISK" -C "$OUT" . 2>/dev/null; }
# Leave shell trace and logs in OUT; the console gets only the markers.
verdict() { console "EC2XA-VERDICT $*"; echo "$*" >>"$OUT/verdicts.txt"; }

# The boot of the Nitro instance that nitro-boot-prepare made of this root
# (the host boots it with no Xen, SELinux on and ec2xa.phase=nitro-boot):
# the boot check alone, as scenario nitro-selinux.
if grep -qw 'ec2xa.phase=nitro-boot' /proc/cmdline; then
	n=$(($(cat /var/lib/ec2xa-nitro-boot/boots 2>/dev/null || echo 0) + 1))
	mkdir -p /var/lib/ec2xa-nitro-boot && echo "$n" >/var/lib/ec2xa-nitro-boot/boots
	export NITRO_BOOT=$n
	console "EC2XA-NOTE nitro-boot$n: $(uname -r), no Xen, udev $(udevadm --version), $(dpkg-query -W -f '${Package} ${Version}' ec2-xvd-alias 2>/dev/null)"
	SCENARIOS=nitro-selinux
fi

t_setup=$(now_ms)
setup_ok=yes
setup_err=
# (Not at a Nitro boot: what the instance has there is what its boot made.)
[ -n "${NITRO_BOOT:-}" ] && setup_ok=skip
if [ "$setup_ok" = yes ] && ! xen_ready; then
	setup_ok=no
	setup_err="Xen toolstack not ready (xl info failed)"
fi
if [ "$setup_ok" = yes ]; then
	make_images || {
		setup_ok=no
		setup_err="cannot make disk images"
	}
fi
if [ "$setup_ok" = yes ]; then
	setup_target || {
		setup_ok=no
		setup_err="LIO target setup failed"
	}
fi
# The instance's rule set, for every scenario (lib.sh).
if [ "$setup_ok" = yes ]; then
	if inst=$(install_instance_rules); then
		console "EC2XA-NOTE instance rule set: $inst"
	else
		setup_ok=no
		setup_err="cannot install the instance's rule set (amazon-ec2-utils, 60-cdrom_id override, 51-ec2-xen-vbd-devices.rules)"
	fi
fi
[ "$setup_ok" = skip ] && setup_ok=yes
# Where meson put the helper: the rule names it, HACKING.md says
# /usr/lib/udev/ec2-xvd-alias.
for f in $(project_files); do
	case $f in */ec2-xvd-alias) HELPER=$f ;; esac
done
console "EC2XA-NOTE helper=${HELPER:-none} rules=$(project_files | grep '\.rules$' | tr '\n' ' ')"
console "EC2XA-NOTE guest $(uname -r) udev $(udevadm --version) xen $(xl info 2>/dev/null | awk '$1 == "xen_major" {a = $3} $1 == "xen_minor" {b = $3} $1 == "xen_extra" {c = $3} END {print a "." b c}')"
# udevd's own default (252: 8 + 2 per CPU, bounded by memory) is what a
# scenario that lowered it restores.
UDEV_CHILDREN_MAX_DEFAULT=$((8 + 2 * $(nproc)))
export UDEV_CHILDREN_MAX_DEFAULT HELPER
systemctl is-active --quiet multipathd || run 60 systemctl start multipathd
console "EC2XA-TIMING setup $(($(now_ms) - t_setup)) ms"

for s in $SCENARIOS; do
	fn=scn_${s//-/_}
	t0=$(now_ms)
	log "===== $s"
	if [ "$setup_ok" != yes ]; then
		verdict "FAIL: $s: guest setup failed: $setup_err"
		continue
	fi
	rm -f "$OUT/result.$s" "$OUT/skip.$s"
	# The scenario runs in a child bash so that timeout can bound it; it
	# writes its problems and facts to OUT/result.NAME.
	# shellcheck disable=SC2016 # expanded by the child bash
	timeout --kill-after=10 "$SCENARIO_TIMEOUT" bash -c '
		. "$PAYLOAD/guest/lib.sh"
		. "$PAYLOAD/guest/scenarios.sh"
		. "$PAYLOAD/guest/scenarios-nitro.sh"
		SCENARIO=$1
		set -x
		"$2"
		set +x
		{
			for p in "${PROBLEMS[@]}"; do echo "P $p"; done
			for f in "${FACTS[@]}"; do echo "F $f"; done
		} >"$OUT/result.$SCENARIO"
	' scenario "$s" "$fn" 2>"$OUT/$s.log"
	rc=$?
	took=$(($(now_ms) - t0))
	console "EC2XA-TIMING $s $took ms"
	journalctl -b --no-pager -o short-monotonic >"$OUT/journal.txt" 2>&1
	if [ -f "$OUT/skip.$s" ]; then
		verdict "SKIP: $s: $(head -n 1 "$OUT/skip.$s")"
	elif [ ! -f "$OUT/result.$s" ]; then
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			verdict "FAIL: $s: timed out after ${SCENARIO_TIMEOUT}s"
		else
			verdict "FAIL: $s: scenario aborted (exit $rc), see $s.log"
		fi
	elif grep -q '^P ' "$OUT/result.$s"; then
		verdict "FAIL: $s: $(grep '^P ' "$OUT/result.$s" | cut -c3- | head -n 8 | paste -sd ";" | cut -c1-1600)"
	else
		verdict "PASS: $s: $(grep '^F ' "$OUT/result.$s" | cut -c3- | paste -sd ";" | cut -c1-1600)"
	fi
	save_out
done
exit 0
