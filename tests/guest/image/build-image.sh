#!/bin/bash
# Build the guest image of tier 3: a Debian bookworm root with Xen 4.17,
# the 6.1 kernel (run as PV dom0), udev 252, open-iscsi, LIO, multipath.
#
#   build-image.sh OUTDIR
#
# Writes OUTDIR/{rootfs.img,xen,vmlinuz,initrd.img,manifest.txt}. The whole
# build runs in a private mount namespace (re-exec under unshare), so the
# proc/dev mounts debootstrap and apt need in the chroot vanish with it and
# never touch this machine's own /dev, /sys or /run/udev.
#
# Everything that decides the image's content lives in this directory
# (tests/guest/image); run-guest-tests.sh hashes it for the cache key.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-image.sh OUTDIR}
mirror=${EC2XA_MIRROR:-http://deb.debian.org/debian}

if [ -z "${EC2XA_IN_UNSHARE:-}" ]; then
	export EC2XA_IN_UNSHARE=1
	exec unshare --mount --propagation private -- "$0" "$@"
fi

root="$out/root"
rm -rf "$out"
mkdir -p "$root"

mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages.txt")

log() { printf '[build-image %s] %s\n' "$(date +%T)" "$*"; }

log "debootstrap minbase bookworm from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" \
	>"$out/debootstrap.log" 2>&1 || {
	tail -n 30 "$out/debootstrap.log" >&2
	exit 1
}

# No service may start inside the build chroot.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

# debootstrap leaves its own mounts behind in some environments; only
# mount what is missing. All of this is private to this namespace.
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
mountpoint -q "$root/sys" || mount -t sysfs sysfs "$root/sys"

log "apt-get install ${#pkgs[@]} packages"
chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
	apt-get -q -y update >"$out/apt.log" 2>&1
chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
	apt-get -q -y install --no-install-recommends "${pkgs[@]}" >>"$out/apt.log" 2>&1 || {
	tail -n 40 "$out/apt.log" >&2
	exit 1
}
chroot "$root" apt-get clean

log "configure"
# The SELinux boot (scenario nitro-selinux) enforces Debian's reference
# policy on udevd and every program its rules run (udev_t, where the
# helper runs) and on systemd-tmpfiles (which creates the helper's state
# directory). The domains of the test harness itself (systemd running the
# runner, the iSCSI initiator and the target's restore, multipath, mounts,
# fsck, the journal, module loading) are permissive: a denial there would
# test Debian's policy, not the helper. semanage runs here, natively:
# under TCG each policy rebuild takes minutes. No effect on the boots
# without security=selinux.
harness="init_t initrc_t kernel_t mount_t fsadm_t iscsid_t lvm_t syslogd_t kmod_t getty_t"
for d in $harness; do echo "permissive -a $d"; done >"$root/tmp/ec2xa-permissive"
if ! chroot "$root" semanage import -f /tmp/ec2xa-permissive >"$out/semanage.log" 2>&1; then
	tail -n 20 "$out/semanage.log" >&2
	exit 1
fi
rm -f "$root/tmp/ec2xa-permissive"
# Root by label: the test attaches several virtio disks, the root one
# need not be first.
cat >"$root/etc/fstab" <<'EOF'
LABEL=ec2xa-root / ext4 rw,errors=remount-ro 0 1
EOF
echo ec2xa-guest >"$root/etc/hostname"
# A fixed machine-id: an empty one would make systemd treat every boot as a
# first boot and run preset-all, re-enabling what we disable below.
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$root/etc/machine-id"
echo >>"$root/etc/machine-id"
chroot "$root" passwd -d root >/dev/null

# open-iscsi must not log in or load the iSCSI initiator modules at boot:
# the boot-order scenario needs a host that is not SCSI-active when the Xen
# disk arrives (DESIGN 5); scenarios load them by logging in.
ln -sf /dev/null "$root/etc/systemd/system/open-iscsi.service"
for f in "$root"/usr/lib/modules-load.d/*iscsi* "$root"/lib/modules-load.d/*iscsi*; do
	[ -e "$f" ] || continue
	ln -sf /dev/null "$root/etc/modules-load.d/$(basename "$f")"
done
# Nothing saved for LIO: scenarios build the target in configfs.
ln -sf /dev/null "$root/etc/systemd/system/rtslib-fb-targetctl.service"
# Fewer units under TCG: these do nothing useful in a test guest.
for u in e2scrub_all.timer e2scrub_reap.service fstrim.timer \
	apt-daily.timer apt-daily-upgrade.timer man-db.timer \
	systemd-timesyncd.service xendomains.service \
	getty@.service serial-getty@.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$u"
done

mkdir -p "$root/etc/multipath"
install -m 644 "$here/multipath.conf" "$root/etc/multipath.conf"

install -m 755 "$here/ec2xa-guest-entry" "$root/usr/local/sbin/ec2xa-guest-entry"
install -m 644 "$here/ec2xa-guest.service" "$root/etc/systemd/system/ec2xa-guest.service"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/ec2xa-guest.service \
	"$root/etc/systemd/system/multi-user.target.wants/ec2xa-guest.service"

rm -f "$root/usr/sbin/policy-rc.d"

# SELinux labels for the SELinux boot, set here natively (setfiles over the
# whole root takes minutes under TCG); mkfs.ext4 -d copies them into the
# image. The guest relabels only what changed after this stamp
# (scenarios-nitro.sh, nitro_selinux_relabel). Debian's
# selinux-autorelabel-mark.service would ask for a full relabel at the
# first boot with SELinux, after every boot without it: masked.
ln -sf /dev/null "$root/etc/systemd/system/selinux-autorelabel-mark.service"
log "setfiles (SELinux labels)"
fc=/etc/selinux/default/contexts/files/file_contexts
chroot "$root" setfiles -F -e /proc -e /sys -e /dev -e /run "$fc" / >"$out/setfiles.log" 2>&1 || {
	tail -n 20 "$out/setfiles.log" >&2
	exit 1
}
# Made after the labels (setfiles changes every file's ctime), labeled
# itself: nothing of the image has a later ctime (mkfs.ext4 -d keeps it).
echo "labeled by build-image.sh; nitro_selinux_relabel relabels what changed after this file" \
	>"$root/etc/ec2xa-selinux-labeled"
chroot "$root" setfiles -F "$fc" /etc/ec2xa-selinux-labeled >>"$out/setfiles.log" 2>&1

log "collect boot files"
kver=$(find "$root/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
cp "$root/boot/vmlinuz-$kver" "$out/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$out/initrd.img"
xengz=$(find "$root/boot" -maxdepth 1 -name 'xen-4.17*.gz' | sort -V | tail -n 1)
# QEMU's multiboot loader needs the plain ELF (DESIGN 6.3).
gzip -dc "$xengz" >"$out/xen"
{
	echo "kernel $kver"
	echo "xen $(basename "$xengz")"
	# shellcheck disable=SC2016 # dpkg-query's own format, not shell
	chroot "$root" dpkg-query -W -f '${Package} ${Version}\n'
} >"$out/manifest.txt"

# Unmount everything below the root before copying it into the image.
awk -v r="$root" '$2 ~ "^"r {print $2}' /proc/self/mounts | sort -r |
	while read -r m; do umount -l "$m" || true; done

log "mkfs.ext4 -d"
truncate -s 3G "$out/rootfs.img"
mkfs.ext4 -q -F -L ec2xa-root -E root_owner=0:0 -d "$root" "$out/rootfs.img"
rm -rf "$root"
log "done: $(du -sh --apparent-size "$out/rootfs.img" | cut -f1) apparent, $(du -sh "$out/rootfs.img" | cut -f1) used"
