/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "machines.h"

static void xen_disks(FakeRoot *r) {
        fakeroot_add_xvd(r, "xvda", 202, 0, NULL);
        fakeroot_add_xvd(r, "xvda1", 202, 1, "xvda");
        fakeroot_add_xvd(r, "xvdf", 202, 80, NULL);
}

static void our_rule(FakeRoot *r) {
        fakeroot_write(r, "/etc/udev/rules.d/51-ec2-hvm-devices.rules",
                       "KERNEL==\"xvd*\", PROGRAM=\"/usr/lib/udev/ec2-xvd-alias links %k\", SYMLINK+=\"%c\"\n");
}

void machine_clean(FakeRoot *r) {
        xen_disks(r);
        our_rule(r);
        fakeroot_add_db_links(r, 202, 0, "sda xvd-sda");
        fakeroot_add_db_links(r, 202, 1, "sda1 xvd-sda1");
        fakeroot_add_db_links(r, 202, 80, "sdf xvd-sdf");
        fakeroot_symlink(r, "/dev/sda", "xvda");
        fakeroot_symlink(r, "/dev/sda1", "xvda1");
        fakeroot_symlink(r, "/dev/sdf", "xvdf");
}

void machine_stock_collision(FakeRoot *r) {
        xen_disks(r);
        fakeroot_write(r, "/usr/lib/udev/rules.d/51-ec2-hvm-devices.rules",
                       "KERNEL==\"xvd*\", PROGRAM=\"/usr/sbin/ec2udev-vbd %k\", SYMLINK+=\"%c\"\n");
        fakeroot_add_db_links(r, 202, 0, "sda disk/by-id/xen-vbd-51712");
        fakeroot_add_db_links(r, 202, 1, "sda1");
        fakeroot_symlink(r, "/dev/sda", "xvda");
        fakeroot_symlink(r, "/dev/sda1", "xvda1");
        fakeroot_add_scsi(r, "sda", 8, 0, NULL, 1, 0);
        fakeroot_add_db_links(r, 8, 0,
                              "disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.2026-11.test.ec2-xvd-alias:lun-target1-lun-0");
        fakeroot_symlink(r, "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.2026-11.test.ec2-xvd-alias:lun-target1-lun-0",
                         "../../sda");
}

void machine_names_in_use(FakeRoot *r) {
        machine_clean(r);
        fakeroot_symlink(r, "/dev/disk/by-uuid/0f3c2a4e-9d1b-4c5e-8f00-5a2b7c9d1e01", "../../xvdf");
        fakeroot_write(r, "/etc/fstab",
                       "# <file system> <mount point> <type> <options> <dump> <pass>\n"
                       "/dev/xvd-sda1 / ext4 defaults 0 1\n"
                       "/dev/sdf /data ext4 defaults,nofail 0 2\n");
        fakeroot_write(r, "/etc/systemd/system/srv.mount", "[Mount]\nWhat=/dev/sdf\nWhere=/srv\n");
        fakeroot_write(r, "/proc/self/mountinfo", "40 25 202:80 / /data rw,relatime shared:20 - ext4 /dev/sdf rw\n");
}

void machine_hostile(FakeRoot *r) {
        machine_clean(r);
        /* a SCSI disk whose /dev entry is a symlink someone else made */
        fakeroot_add_scsi(r, "sdg", 8, 96, NULL, 1, 0);
        fakeroot_write(r, "/sys/class/iscsi_session/session1/targetname", "iqn.2026-11.evil\"\\\033[2J\n");
        fakeroot_symlink(r, "/dev/sdg", "q\"b\\s\n\t\001\177\xff\xc0\xaf\xed\xa0\x80\xc2\x9b\xe2\x80\xa8\xc3\xa9");
        /* a label and a unit file's name: anyone who can mkfs or write a unit */
        fakeroot_symlink(r, "/dev/disk/by-label/da\"ta\\\x01\xfe", "../../xvdf");
        fakeroot_write(r, "/etc/systemd/system/x\"\\\x1b\xe2\x80\xa9.mount", "[Mount]\nWhat=/dev/sdf\n");
}

void machine_nitro(FakeRoot *r) {
        our_rule(r);
        fakeroot_add_nvme(r, "nvme0n1", 259, 0, NULL, "sda1");
        fakeroot_add_nvme(r, "nvme0n1p1", 259, 1, "nvme0n1", NULL);
        fakeroot_add_nvme(r, "nvme1n1", 259, 2, NULL, "sdf");
        fakeroot_add_nvme(r, "nvme2n1", 259, 3, NULL, "xvdg");
        fakeroot_add_db_links(r, 259, 0, "sda1 xvd-sda");
        fakeroot_add_db_links(r, 259, 1, "sda11 xvd-sda1");
        fakeroot_add_db_links(r, 259, 2, "sdf xvd-sdf");
        fakeroot_add_db_links(r, 259, 3, "xvdg xvd-sdg");
        fakeroot_symlink(r, "/dev/sda1", "nvme0n1");
        fakeroot_symlink(r, "/dev/sda11", "nvme0n1p1");
        fakeroot_symlink(r, "/dev/sdf", "nvme1n1");
        fakeroot_symlink(r, "/dev/xvd-sda", "nvme0n1");
        fakeroot_symlink(r, "/dev/xvd-sda1", "nvme0n1p1");
}
