/* SPDX-License-Identifier: MIT */
/* `status` on fake machines: the whole report, exactly. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "build-config.h"
#include "fakeroot.h"
#include "suites.h"

static FakeRoot root;
static HelperRun run;

static void setup(void) {
        fakeroot_init(&root);
        fakeroot_add_xvd(&root, "xvda", 202, 0, NULL);
        fakeroot_add_xvd(&root, "xvda1", 202, 1, "xvda");
        fakeroot_add_xvd(&root, "xvdf", 202, 80, NULL);
}

static void teardown(void) {
        fakeroot_done(&root);
}

/* The links udev recorded for the three disks where ours was in force. */
static void db_links_ours(void) {
        fakeroot_add_db_links(&root, 202, 0, "sda xvd-sda");
        fakeroot_add_db_links(&root, 202, 1, "sda1 xvd-sda1");
        fakeroot_add_db_links(&root, 202, 80, "sdf xvd-sdf");
}

/* The report's head on a fake root with no configuration file (a format:
 * %s is the root), given the rule in force (RULE) and the SCSI activity
 * seen (SCSI), literals both. */
#define REPORT_HEAD(rule, scsi) \
        "ec2-xvd-alias " PACKAGE_VERSION " status of %s\n" \
        "\n" \
        "Rule:           " rule "\n" \
        "Policy:         mode auto (default)\n" \
        "Reserved:       none\n" \
        "SCSI activity:  " scsi "\n" \
        "iSCSI modules:  not read (libkmod reads only the running system, not --root)\n"
/* The report's end where there is no SCSI disk, no name in use and no
 * collision */
#define REPORT_TAIL_NOTHING_ELSE \
        "\n" \
        "SCSI disks:     none\n" \
        "\n" \
        "Names in use:   none\n" \
        "\n" \
        "Collisions:     none\n"
#define XEN_DISKS_HEAD \
        "Xen disks:\n" \
        "  NAME       DEVNUM    EC2 NAME   LINKS NOW              LINKS ON NEXT EVENT\n"

START_TEST(test_clean) {
        fakeroot_write(&root, "/etc/udev/rules.d/51-ec2-hvm-devices.rules",
                       "# comment naming ec2udev-vbd\nKERNEL==\"xvd*\", PROGRAM=\"/usr/lib/udev/ec2-xvd-alias links %k\", SYMLINK+=\"%c\"\n");
        db_links_ours();
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 0);
        ck_assert_str_eq(run.err, "");
        char expected[4096];
        snprintf(expected, sizeof(expected),
                 REPORT_HEAD("/etc/udev/rules.d/51-ec2-hvm-devices.rules (ec2-xvd-alias)", "none seen")
                 "\n"
                 XEN_DISKS_HEAD
                 "  xvda       202:0     sda        sda xvd-sda            sda xvd-sda (no real SCSI disk sda)\n"
                 "  xvda1      202:1     sda1       sda1 xvd-sda1          sda1 xvd-sda1 (no real SCSI disk sda)\n"
                 "  xvdf       202:80    sdf        sdf xvd-sdf            sdf xvd-sdf (no real SCSI disk sdf)\n"
                 REPORT_TAIL_NOTHING_ELSE,
                 root.dir);
        ck_assert_str_eq(run.out, expected);
}
END_TEST

/* The article's machine: the stock rule in force at boot made /dev/sda a
 * link to xvda, then the iSCSI login named the LUN sda. */
START_TEST(test_stock_collision) {
        char expected[4096];

        fakeroot_write(&root, "/usr/lib/udev/rules.d/51-ec2-hvm-devices.rules",
                       "KERNEL==\"xvd*\", PROGRAM=\"/usr/sbin/ec2udev-vbd %k\", SYMLINK+=\"%c\"\n");
        fakeroot_add_db_links(&root, 202, 0, "sda disk/by-id/xen-vbd-51712");
        fakeroot_add_db_links(&root, 202, 1, "sda1");
        fakeroot_symlink(&root, "/dev/sda", "xvda");
        fakeroot_symlink(&root, "/dev/sda1", "xvda1");
        fakeroot_add_scsi(&root, "sda", 8, 0, NULL, 1, 0);
        fakeroot_add_db_links(&root, 8, 0,
                              "disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.2026-11.test.ec2-xvd-alias:lun-target1-lun-0");
        fakeroot_symlink(&root, "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.2026-11.test.ec2-xvd-alias:lun-target1-lun-0",
                         "../../sda");

        fakeroot_run(&root, &run, "status", NULL);
        snprintf(expected, sizeof(expected),
                 REPORT_HEAD("/usr/lib/udev/rules.d/51-ec2-hvm-devices.rules (the stock amazon-ec2-utils rule: it aliases unconditionally)",
                             "iSCSI transport tcp is registered")
                 "\n"
                 XEN_DISKS_HEAD
                 "  xvda       202:0     sda        sda                    xvd-sda (real SCSI disk sda (8:0) exists)\n"
                 "  xvda1      202:1     sda1       sda1                   xvd-sda1 (real SCSI disk sda (8:0) exists)\n"
                 "  xvdf       202:80    sdf        -                      sdf xvd-sdf (no real SCSI disk sdf)\n"
                 "\n"
                 "SCSI disks:\n"
                 "  NAME       DEVNUM    /dev ENTRY                     TRANSPORT\n"
                 "  sda        8:0       a symlink to 'xvda'            iscsi iqn.2026-11.test.ec2-xvd-alias:lun-target1 lun 0 (127.0.0.1:3260)\n"
                 "\n"
                 "Names in use:   none\n"
                 "\n"
                 "Collisions:     2\n"
                 "  /dev/sda is a symlink to 'xvda', but kernel disk sda is 8:0 (iscsi iqn.2026-11.test.ec2-xvd-alias:lun-target1 lun 0 (127.0.0.1:3260))\n"
                 "    1 of its links in udev's database lead elsewhere, e.g. /dev/disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.2026-11.test.ec2-xvd-alias:lun-target1-lun-0\n"
                 /* the LUN has no partition 1: 0.1.0 did not see this one */
                 "  /dev/sda1 is a symlink to 'xvda1', but sda is a real SCSI disk (iscsi iqn.2026-11.test.ec2-xvd-alias:lun-target1 lun 0 (127.0.0.1:3260)): a partition made\n"
                 "    on it would be written through this name to the Xen disk\n"
                 "\n"
                 "To fix: make sure the rule in force is ec2-xvd-alias's (see Rule above), then run\n"
                 "'" HELPER_PATH " repair'. Do not write to the disk's links until status is clean.\n",
                 root.dir);
        ck_assert_str_eq(run.out, expected);
        ck_assert_str_eq(run.err, "");
        ck_assert_int_eq(run.status, 2);
}
END_TEST

/* udev's database is read through libudev alone, which reads /sys and
 * /run/udev. Without the namespace that puts the fake root's there, the
 * fake root's database entries are not read (the helper has no reader of
 * its own): the links are unknown, and status says why. */
START_TEST(test_udev_db_only_through_libudev) {
        char expected[4096];

        fakeroot_write(&root, "/etc/udev/rules.d/51-ec2-hvm-devices.rules",
                       "KERNEL==\"xvd*\", PROGRAM=\"/usr/lib/udev/ec2-xvd-alias links %k\", SYMLINK+=\"%c\"\n");
        db_links_ours();
        root.host_namespace = true;
        fakeroot_run(&root, &run, "status", NULL);
        snprintf(expected, sizeof(expected),
                 REPORT_HEAD("/etc/udev/rules.d/51-ec2-hvm-devices.rules (ec2-xvd-alias)", "none seen")
                 "udev database:  not read (libudev reads only /sys and /run/udev, not those under --root): LINKS NOW and udev's claims on names unknown\n"
                 "\n"
                 XEN_DISKS_HEAD
                 "  xvda       202:0     sda        ?                      sda xvd-sda (no real SCSI disk sda)\n"
                 "  xvda1      202:1     sda1       ?                      sda1 xvd-sda1 (no real SCSI disk sda)\n"
                 "  xvdf       202:80    sdf        ?                      sdf xvd-sdf (no real SCSI disk sdf)\n"
                 REPORT_TAIL_NOTHING_ELSE,
                 root.dir);
        ck_assert_str_eq(run.out, expected);
        ck_assert_str_eq(run.err, "");
        ck_assert_int_eq(run.status, 0);

        /* the same machine through the namespace: libudev reads the entries */
        root.host_namespace = false;
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_ptr_nonnull(strstr(run.out, "\n  xvdf       202:80    sdf        sdf xvd-sdf            sdf xvd-sdf"));
        ck_assert_ptr_null(strstr(run.out, "udev database:"));
        ck_assert_int_eq(run.status, 0);
}
END_TEST

/* A real disk without any /dev entry (udev removed it with a dropped alias). */
START_TEST(test_missing_node) {
        fakeroot_add_scsi(&root, "sdb", 8, 16, NULL, 0, 0);
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 2);
        ck_assert_ptr_nonnull(strstr(run.out, "\nCollisions:     1\n"
                                              "  /dev/sdb is missing, but kernel disk sdb is 8:16 (ata 0:0:0:0)\n"));
}
END_TEST

/* Every place that names an alias a real disk can take, with what it leads
 * to now and the fix. Names of devices without an xvd counterpart, and
 * stable names, are not listed. Warnings: the exit status stays 0. */
START_TEST(test_names_in_use) {
        fakeroot_symlink(&root, "/dev/sdf", "xvdf");
        fakeroot_symlink(&root, "/dev/sda1", "xvda1");
        fakeroot_symlink(&root, "/dev/disk/by-uuid/0f3c2a4e-9d1b-4c5e-8f00-5a2b7c9d1e01", "../../xvdf");
        fakeroot_symlink(&root, "/dev/disk/by-label/rootfs", "../../xvda1");
        fakeroot_write(&root, "/etc/fstab",
                       "# <file system> <mount point> <type> <options> <dump> <pass>\n"
                       "LABEL=rootfs / ext4 defaults 0 1\n"
                       "/dev/sdf /data ext4 defaults,nofail 0 2\n"
                       "/dev/xvd-sdf /data2 ext4 defaults 0 2\n"
                       "/dev/sdq /other ext4 defaults 0 2\n");
        fakeroot_write(&root, "/etc/crypttab", "secret /dev/sda1 none luks\n");
        fakeroot_write(&root, "/etc/systemd/system/srv.mount", "[Mount]\nWhat=/dev/sdf\nWhere=/srv\n");
        fakeroot_write(&root, "/etc/systemd/system/other.service", "[Service]\nWhat=/dev/sdf\n");
        fakeroot_write(&root, "/proc/self/mountinfo",
                       "25 1 202:1 / / rw,relatime shared:1 - ext4 /dev/xvda1 rw\n"
                       "40 25 202:80 / /data rw,relatime shared:20 - ext4 /dev/sdf rw\n");
        fakeroot_add_scsi(&root, "sda", 8, 0, NULL, 1, 0);
        fakeroot_symlink(&root, "/dev/sda", "../dev/null-not-ours");
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_str_eq(run.err, "");
        ck_assert_ptr_nonnull(strstr(run.out,
                 "\nNames in use:   these name an EBS volume by its sd name, which a real SCSI disk can take;\n"
                 "                when one does, the name opens that disk, and systemd 252 unmounts an fstab mount of it whose fsck pass is not 0\n"
                 "  /etc/fstab:3: /dev/sdf is -> xvdf (Xen disk 202:80);\n"
                 "    a real SCSI disk that arrives (an iSCSI login) takes the name; use UUID=0f3c2a4e-9d1b-4c5e-8f00-5a2b7c9d1e01 or /dev/xvd-sdf\n"
                 "  /etc/crypttab:1: /dev/sda1 is -> xvda1 (Xen disk 202:1);\n"
                 "    a real SCSI disk has taken the name; use LABEL=rootfs or /dev/xvd-sda1\n"
                 "  /etc/systemd/system/srv.mount:2: /dev/sdf is -> xvdf (Xen disk 202:80);\n"
                 "    a real SCSI disk that arrives (an iSCSI login) takes the name; use UUID=0f3c2a4e-9d1b-4c5e-8f00-5a2b7c9d1e01 or /dev/xvd-sdf\n"
                 "  mounted now: /dev/sdf is -> xvdf (Xen disk 202:80);\n"
                 "    a real SCSI disk that arrives (an iSCSI login) takes the name; use UUID=0f3c2a4e-9d1b-4c5e-8f00-5a2b7c9d1e01 or /dev/xvd-sdf\n"
                 "\nCollisions:"));
}
END_TEST

/* A target name is the initiator's to set: a terminal escape in it reaches
 * the status line as '?', never raw. */
START_TEST(test_target_name_printable) {
        fakeroot_add_scsi(&root, "sdg", 8, 96, NULL, 1, 0);
        fakeroot_write(&root, "/sys/class/iscsi_session/session1/targetname", "iqn.2026-11.evil\033[2J\n");
        fakeroot_add_node(&root, "sdg", 8, 96);
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_ptr_nonnull(strstr(run.out, " iscsi iqn.2026-11.evil?[2J lun 0 (127.0.0.1:3260)\n"));
        ck_assert_ptr_null(strchr(run.out, '\033'));
}
END_TEST

Suite *status_suite(void) {
        Suite *s = suite_create("status");
        TCase *tc = tcase_create("report");

        tcase_set_timeout(tc, 60);

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_clean);
        tcase_add_test(tc, test_stock_collision);
        tcase_add_test(tc, test_missing_node);
        tcase_add_test(tc, test_udev_db_only_through_libudev);
        tcase_add_test(tc, test_names_in_use);
        tcase_add_test(tc, test_target_name_printable);
        suite_add_tcase(s, tc);
        return s;
}
