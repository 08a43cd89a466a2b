/* SPDX-License-Identifier: MIT */
/* claim, release, recheck and repair on fake machines. These create block
 * device nodes (never opened) in a temporary directory, so they need root. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/wait.h>

#include "build-config.h"
#include "fakeroot.h"
#include "helper/probe.h"
#include "helper/root.h"
#include "helper/udev-wait.h"
#include "suites.h"

static FakeRoot root;
static HelperRun run;

static void setup(void) {
        fakeroot_init(&root);
        fakeroot_add_xvd(&root, "xvda", 202, 0, NULL);
        fakeroot_add_xvd(&root, "xvda1", 202, 1, "xvda");
        fakeroot_add_node(&root, "xvda", 202, 0);
        fakeroot_add_node(&root, "xvda1", 202, 1);
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "handover_timeout = 0.2\n");
}

static void teardown(void) {
        fakeroot_done(&root);
}

/* The record of /dev/NAME is "MAJ:MIN INODE" of the node there now. */
static void expect_record(const char *name) {
        char path[256], rec[256];
        const char *got;

        snprintf(path, sizeof(path), "/run/ec2-xvd-alias/nodes/%s", name);
        got = fakeroot_read(&root, path);
        ck_assert_ptr_nonnull(got);
        snprintf(rec, sizeof(rec), "%s", got);
        fakeroot_rm(&root, path);
        fakeroot_record_node(&root, name);
        ck_assert_str_eq(fakeroot_read(&root, path), rec);
}

/* The first line of XVD's uevent file is the claim's request: "change",
 * a UUID, and EC2XAYIELD naming the real disk by its letters, "a" for sda
 * (the rule checks that the disk is there and that XVD is xvda or a
 * partition of it before it drops the alias without starting the helper). */
static void expect_yield(const char *xvd, const char *disk) {
        char path[256], want[64];
        const char *got;

        snprintf(path, sizeof(path), "/sys/class/block/%s/uevent", xvd);
        got = fakeroot_read(&root, path);
        ck_assert_ptr_nonnull(got);
        ck_assert_int_eq(strncmp(got, "change ", 7), 0);
        ck_assert_uint_ge(strlen(got), 7 + 36);
        snprintf(want, sizeof(want), " EC2XAYIELD=%s\n", disk);
        ck_assert_int_eq(strncmp(got + 7 + 36, want, strlen(want)), 0);
}

/* A claim run as the rules run it (fakeroot_run_claim) while a stand-in
 * udevd drops the partitions' aliases: the claim either left them (its
 * result names them, and the 99 rule, finding them gone, started no
 * claim-finish) or saw them go itself (no result); either way it exits 0
 * with exp_err. A macro, so that a failure names the test's line. */
#define ck_assert_claimed(run, left, exp_err)                                                  \
        do {                                                                                    \
                ck_assert_str_eq((run).err, (exp_err));                                         \
                ck_assert_int_eq((run).status, 0);                                              \
                if ((run).out[0] != '\0') {                                                     \
                        unsigned long long deadline_;                                           \
                        char names_[FAKEROOT_RESULT_MAX];                                       \
                                                                                                \
                        ck_assert(fakeroot_claim_deadline((run).out, &deadline_, names_));      \
                        ck_assert_str_eq(names_, (left));                                       \
                }                                                                               \
        } while (0)

/* The boot state under the old rule or ours: xvda holds sda and sda1. */
static void aliased(void) {
        fakeroot_symlink(&root, "/dev/sda", "xvda");
        fakeroot_symlink(&root, "/dev/sda1", "xvda1");
        fakeroot_add_db_links(&root, 202, 0, "sda xvd-sda");
        fakeroot_add_db_links(&root, 202, 1, "sda1 xvd-sda1");
}

/* Then the iSCSI login: devtmpfs could not make /dev/sda (EEXIST). */
static void lun_arrives(void) {
        fakeroot_add_scsi(&root, "sda", 8, 0, NULL, 1, 0);
        fakeroot_add_scsi(&root, "sda1", 8, 1, "sda", 1, 0);
}

/* `release NAME` keeps /dev/NAME as it is (NODE: "node MAJ:MIN"), exits 0
 * and says nothing. A macro, so that a failure names the test's line; NAME
 * is a literal. */
#define ck_assert_release_keeps(name, node)                                       \
        do {                                                                      \
                fakeroot_run(&root, &run, "release", (name), NULL);               \
                ck_assert_run(run, 0, "", "");                                    \
                ck_assert_str_eq(fakeroot_describe(&root, "/dev/" name), (node)); \
        } while (0)

START_TEST(test_claim_node_right) {
        lun_arrives();
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "", "");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        ck_assert(!fakeroot_exists(&root, "/run/ec2-xvd-alias/nodes/sda"));
        /* the kernel device is gone already: nothing to do */
        fakeroot_run_claim(&root, &run, "sdq");
        ck_assert_run(run, 0, "", "");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sdq"), "missing");
}
END_TEST

/* A node the claim makes gets udev's owner and mode: from the end of the
 * disk's own add event, or, in any other event, from the add the claim
 * asks for (udev 252's default rules set a block node's group only on
 * add). */
START_TEST(test_claim_node_mode_event) {
        lun_arrives();
        setenv("ACTION", "add", 1);
        setenv("DEVNAME", "/dev/sda", 1);
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "", "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/sda/uevent"), "MAJOR=", 6), 0);
        setenv("ACTION", "change", 1);
        setenv("DEVNAME", "/dev/sda1", 1);
        fakeroot_run_claim(&root, &run, "sda1");
        unsetenv("ACTION");
        unsetenv("DEVNAME");
        ck_assert_run(run, 0, "", "ec2-xvd-alias: /dev/sda1: now the node of real disk sda1 (8:1)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "node 8:1");
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/sda1/uevent"), "add ", 4), 0);
}
END_TEST

/* udevd drops the alias in time: no warning, the real node, recorded. */
START_TEST(test_claim_handover) {
        pid_t standin;
        int status;

        pid_t part;

        aliased();
        lun_arrives();
        standin = fakeroot_udevd_standin(&root, "xvda", "sda", 202, 0, "xvd-sda");
        part = fakeroot_udevd_standin(&root, "xvda1", "sda1", 202, 1, "xvd-sda1");
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_int_eq(waitpid(standin, &status, 0), standin);
        ck_assert_int_eq(status, 0);
        ck_assert_int_eq(waitpid(part, &status, 0), part);
        ck_assert_int_eq(status, 0);
        ck_assert_claimed(run, "sda1",
                          "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0), handed over from its xvd alias\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "missing");
        /* the record names this very node: devnum and inode */
        expect_record("sda");
        /* the whole disk's change went to its partitions too, each asked to
         * yield to the real disk */
        expect_yield("xvda", "a");
        expect_yield("xvda1", "a");
        /* idempotent */
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "", "");
}
END_TEST

/* The udevd stand-ins of xvda and xvda1 (the holders of sda and sda1),
 * then claim sda. */
static void claim_sda_over_xvda(void) {
        pid_t standin, part;
        int status;

        standin = fakeroot_udevd_standin(&root, "xvda", "sda", 202, 0, "xvd-sda");
        part = fakeroot_udevd_standin(&root, "xvda1", "sda1", 202, 1, "xvd-sda1");
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_int_eq(waitpid(standin, &status, 0), standin);
        ck_assert_int_eq(waitpid(part, &status, 0), part);
}

/* A handover of a name that fstab uses: one journal warning per use, with
 * the fix, after the handover's own line. */
START_TEST(test_claim_handover_names_in_use) {
        aliased();
        lun_arrives();
        fakeroot_write(&root, "/etc/fstab",
                       "/dev/xvda1 / ext4 defaults 0 1\n"
                       "/dev/sda1 /data ext4 defaults 0 2\n"
                       "/dev/sda none swap sw 0 0\n"
                       "/dev/sdb /other ext4 defaults 0 2\n");
        fakeroot_symlink(&root, "/dev/disk/by-uuid/1234-abcd", "../../xvda1");
        claim_sda_over_xvda();
        ck_assert_claimed(run, "sda1",
                      "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0), handed over from its xvd alias\n"
                      "ec2-xvd-alias: /etc/fstab:2 names /dev/sda1, which real disk sda has taken from its alias: "
                      "what opens it now gets that disk, and systemd 252 unmounts an fstab mount of it whose fsck pass is not 0; "
                      "use UUID=1234-abcd or /dev/xvd-sda1\n"
                      "ec2-xvd-alias: /etc/fstab:3 names /dev/sda, which real disk sda has taken from its alias: "
                      "what opens it now gets that disk, and systemd 252 unmounts an fstab mount of it whose fsck pass is not 0; "
                      "use /dev/xvd-sda\n");
        /* no handover, no warning: the node is right already */
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "", "");
}
END_TEST

/* The handover's warnings also come from mount units; but not under SELinux,
 * whose policies do not let udev_t read systemd's unit directories (the
 * guest's nitro-selinux saw the denials): there only fstab's. */
static void claim_with_unit(bool selinux, const char *want) {
        aliased();
        lun_arrives();
        fakeroot_write(&root, "/etc/fstab", "/dev/sda /data ext4 defaults 0 2\n");
        fakeroot_write(&root, "/etc/systemd/system/srv.mount", "[Mount]\nWhat=/dev/sda\nWhere=/srv\n");
        if (selinux)
                fakeroot_write(&root, "/sys/fs/selinux/enforce", "1");
        claim_sda_over_xvda();
        ck_assert_claimed(run, "sda1", want);
}

#define HANDOVER_LINE "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0), handed over from its xvd alias\n"
#define USE_TAIL                                                                                                        \
        " names /dev/sda, which real disk sda has taken from its alias: what opens it now gets that disk, and systemd " \
        "252 unmounts an fstab mount of it whose fsck pass is not 0; use /dev/xvd-sda\n"

START_TEST(test_claim_handover_unit_in_use) {
        claim_with_unit(false, HANDOVER_LINE "ec2-xvd-alias: /etc/fstab:1" USE_TAIL
                                             "ec2-xvd-alias: /etc/systemd/system/srv.mount:2" USE_TAIL);
}
END_TEST

START_TEST(test_claim_handover_selinux_no_units) {
        claim_with_unit(true, HANDOVER_LINE "ec2-xvd-alias: /etc/fstab:1" USE_TAIL);
}
END_TEST

/* Nobody processes the change (all workers busy): after the bounded wait,
 * the link is replaced anyway: a missing node is safer than a wrong device. */
START_TEST(test_claim_timeout) {
        const char *u;

        aliased();
        lun_arrives();
        fakeroot_udevd_listening(&root);
        fakeroot_run_claim(&root, &run, "sda1");
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: xvda1: udev did not drop its claim on /dev/sda1 within 0.2 s (is udevd running? all workers busy?); replacing the link anyway\n"
                      "ec2-xvd-alias: /dev/sda1: now the node of real disk sda1 (8:1), handed over from its xvd alias\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "node 8:1");
        u = fakeroot_read(&root, "/sys/class/block/xvda1/uevent");
        /* "change ", a UUID, 8-4-4-4-12, the request to yield to the disk
         * of sda1 (then the attributes, which reading a sysfs uevent file
         * gives: fakeroot_run()) */
        ck_assert_uint_eq(strcspn(u, "\n"), 7 + 36 + strlen(" EC2XAYIELD=a"));
        expect_yield("xvda1", "a");
        ck_assert_ptr_nonnull(strstr(u, "\nMAJOR=202\nMINOR=1\n"));
        ck_assert_int_eq(strncmp(u, "change ", 7), 0);
        ck_assert(u[15] == '-' && u[20] == '-' && u[25] == '-' && u[30] == '-');
        /* a partition's claim leaves the whole disk's alias to the disk's claim */
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/xvda/uevent"), "MAJOR=", 6), 0);
}
END_TEST

/* What the claim's wait past its deadline looks at: the disk a holder is
 * on, and whether udevd runs an event of it (its lock on the node). On the
 * tests' nodev mount no node opens, so the answer is "cannot tell", and
 * the claim keeps its bound (test_claim_timeout); the guest tier's
 * holder-event-in-flight tests the lock against a real udevd. */
START_TEST(test_holder_whole_disk_and_lock) {
        char disk[DISK_NAME_BUF];

        fakeroot_add_xvd(&root, "xvdb", 202, 16, NULL);
        fakeroot_symlink(&root, "/dev/xvdb", "xvda");
        root_set(root.dir);
        ck_assert_int_eq(sysfs_block_whole_disk("xvda1", disk), 0);
        ck_assert_str_eq(disk, "xvda");
        ck_assert_int_eq(sysfs_block_whole_disk("xvda", disk), 0);
        ck_assert_str_eq(disk, "xvda");
        ck_assert_int_eq(sysfs_block_whole_disk("xvdq", disk), 0);
        ck_assert_str_eq(disk, "xvdq");
        /* a node on a nodev mount */
        ck_assert_int_eq(block_disk_lock("xvda"), -EACCES);
        /* a symlink where the node should be is never followed */
        ck_assert_int_eq(block_disk_lock("xvdb"), -ELOOP);
        /* no such disk */
        ck_assert_int_eq(block_disk_lock("xvdq"), -ENOENT);
        root_set(NULL);
}
END_TEST

START_TEST(test_claim_foreign) {
        lun_arrives();
        fakeroot_symlink(&root, "/dev/sda", "sdb");
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 3, "",
                      "ec2-xvd-alias: /dev/sda is a symlink to 'sdb', which ec2-xvd-alias did not make; "
                      "leaving it alone (kernel disk sda is 8:0)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "link sdb");

        fakeroot_add_node(&root, "sda1", 8, 17);
        fakeroot_run_claim(&root, &run, "sda1");
        ck_assert_run(run, 3, "",
                      "ec2-xvd-alias: /dev/sda1 is the node of 8:17, which ec2-xvd-alias did not make; "
                      "leaving it alone (kernel disk sda1 is 8:1)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "node 8:17");

        /* a refused claim prints no result, so the rule starts no
         * claim-finish (udev keeps no result of a failed PROGRAM either):
         * the partition's alias, asked to go, goes in its own event */
        fakeroot_rm(&root, "/dev/sda1");
        fakeroot_symlink(&root, "/dev/sda1", "xvda1");
        fakeroot_udevd_listening(&root);
        fakeroot_run(&root, &run, "claim", "sda", NULL);
        ck_assert_run(run, 3, "",
                      "ec2-xvd-alias: /dev/sda is a symlink to 'sdb', which ec2-xvd-alias did not make; "
                      "leaving it alone (kernel disk sda is 8:0)\n");
        expect_yield("xvda1", "a");
}
END_TEST

/* Our node from an earlier LUN of that name, still there: replaced. */
START_TEST(test_claim_own_stale_node) {
        fakeroot_add_scsi(&root, "sda", 8, 32, NULL, 2, 0);
        fakeroot_add_node(&root, "sda", 8, 0);
        /* 0.1.0's record names no inode: it proves nothing, so the node stays */
        fakeroot_write(&root, "/run/ec2-xvd-alias/nodes/sda", "8:0\n");
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 3, "",
                      "ec2-xvd-alias: /dev/sda is the node of 8:0, which ec2-xvd-alias did not make; leaving it alone "
                      "(kernel disk sda is 8:32)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");

        fakeroot_record_node(&root, "sda");
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "", "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:32)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:32");
        expect_record("sda");
}
END_TEST

START_TEST(test_release) {
        /* ours, and the kernel device is gone: removed, and with no real disk
         * sda the name goes back to xvda (and its partitions) */
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_record_node(&root, "sda");
        fakeroot_run(&root, &run, "release", "sda", NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/sda: removed the node of 8:0 that ec2-xvd-alias had made\n"
                      "ec2-xvd-alias: xvda: real disk sda is gone; asked udev to give /dev/sda back to xvda\n"
                      "ec2-xvd-alias: xvda1: real disk sda is gone; asked udev to give /dev/sda1 back to xvda1\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "missing");
        ck_assert(!fakeroot_exists(&root, "/run/ec2-xvd-alias/nodes/sda"));
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/xvda/uevent"), "change ", 7), 0);

        /* not ours (devtmpfs made it): kept */
        fakeroot_add_node(&root, "sdb", 8, 16);
        ck_assert_release_keeps("sdb", "node 8:16");

        /* recorded, but the node there now is another device's: kept */
        fakeroot_add_node(&root, "sdc", 8, 48);
        fakeroot_write(&root, "/run/ec2-xvd-alias/nodes/sdc", "8:32 12345\n");
        ck_assert_release_keeps("sdc", "node 8:48");

        /* the kernel device (or a new one of that name) is still there: kept */
        fakeroot_add_scsi(&root, "sdd", 8, 48, NULL, 1, 3);
        fakeroot_add_node(&root, "sdd", 8, 48);
        fakeroot_record_node(&root, "sdd");
        ck_assert_release_keeps("sdd", "node 8:48");
}
END_TEST

/* A stale record and someone else's node of the same devnum (another
 * inode): release never deletes it. Found in review of 0.1.0, which did. */
START_TEST(test_release_same_devnum_other_node) {
        fakeroot_add_node(&root, "sdb", 8, 16);
        fakeroot_record_node(&root, "sdb");
        fakeroot_rm(&root, "/dev/sdb");
        fakeroot_add_node(&root, "sdb", 8, 16);
        ck_assert_release_keeps("sdb", "node 8:16");
}
END_TEST

/* Under udev, the remove event's MAJOR and MINOR say which device went: the
 * helper does not wait for sysfs (the event comes after the kernel dropped
 * it), and keeps our node when the event is about another devnum. */
START_TEST(test_release_event_devnum) {
        fakeroot_add_node(&root, "sdb", 8, 16);
        fakeroot_record_node(&root, "sdb");
        setenv("MAJOR", "8", 1);
        setenv("MINOR", "32", 1);
        ck_assert_release_keeps("sdb", "node 8:16");
        setenv("MINOR", "16", 1);
        fakeroot_run(&root, &run, "release", "sdb", NULL);
        unsetenv("MAJOR");
        unsetenv("MINOR");
        ck_assert_run(run, 0, "", "ec2-xvd-alias: /dev/sdb: removed the node of 8:16 that ec2-xvd-alias had made\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sdb"), "missing");
}
END_TEST

/* A read-only /dev: claim fails, and leaves no record behind (0.1.0 wrote
 * the record first and kept it). A read-only /run (or a state directory a
 * confined udev cannot write): the real disk keeps the node that was put
 * in place, unrecorded, so that no release ever removes it. */
START_TEST(test_claim_rollback) {
        lun_arrives();
        fakeroot_mount_readonly(&root, "/dev");
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_int_eq(run.status, 3);
        ck_assert_str_eq(run.err, "ec2-xvd-alias: /dev/sda: cannot create the node 8:0: Read-only file system\n");
        ck_assert(!fakeroot_exists(&root, "/run/ec2-xvd-alias/nodes/sda"));
}
END_TEST

START_TEST(test_claim_rollback_record) {
        lun_arrives();
        fakeroot_mount_readonly(&root, "/run");
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/sda: cannot open its lock in /run/ec2-xvd-alias/lock (Read-only file "
                      "system); going on without it\n"
                      "ec2-xvd-alias: /dev/sda: cannot record the node in /run/ec2-xvd-alias/nodes (Read-only file "
                      "system); it stays, and ec2-xvd-alias will not remove it when the disk goes\n"
                      "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        /* unrecorded: its release leaves it, as any node not provably ours */
        ck_assert_release_keeps("sda", "node 8:0");
}
END_TEST

/* udevd's event timeout kills a helper between mknod and rename: its
 * temporary node of the LUN is removed by the next one that makes a node
 * (and by repair); one of a running process is left alone. */
START_TEST(test_leftover_temporary_node) {
        char live[64];

        lun_arrives();
        fakeroot_add_node(&root, ".ec2-xvd-alias.sda.2147483000", 8, 0);
        snprintf(live, sizeof(live), ".ec2-xvd-alias.sdb.%d", (int) getpid());
        fakeroot_add_node(&root, live, 8, 16);
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/.ec2-xvd-alias.sda.2147483000: removed the temporary node 8:0 of a "
                      "helper that was killed\n"
                      "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0)\n");
        ck_assert(!fakeroot_exists(&root, "/dev/.ec2-xvd-alias.sda.2147483000"));
        {
                char p[96];
                snprintf(p, sizeof(p), "/dev/%s", live);
                ck_assert_str_eq(fakeroot_describe(&root, p), "node 8:16");
        }
}
END_TEST

/* The LUN has no partitions, /dev/sda is right, but /dev/sda1 still leads
 * to xvda1 (xvda's change ran before sda's claim). Whichever event comes
 * next removes it: sda's claim, or xvda's own. */
START_TEST(test_partition_alias_follows_disk) {
        pid_t part;
        int status;

        fakeroot_add_scsi(&root, "sda", 8, 0, NULL, 1, 0);
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_symlink(&root, "/dev/sda1", "xvda1");
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 2);
        ck_assert_ptr_nonnull(strstr(run.out, "\nCollisions:     1\n"
                                              "  /dev/sda1 is a symlink to 'xvda1', but sda is a real SCSI disk"));
        /* the claim asks xvda1 to drop it, and udev (the stand-in) does */
        part = fakeroot_udevd_standin(&root, "xvda1", "sda1", 202, 1, "xvd-sda1");
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_int_eq(waitpid(part, &status, 0), part);
        ck_assert_int_eq(status, 0);
        ck_assert_claimed(run, "sda1", "");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "missing");

        /* no udev to drop it: removed by the claim after the bounded wait */
        fakeroot_symlink(&root, "/dev/sda1", "xvda1");
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: xvda1: udev did not drop its claim on /dev/sda1 within 0.2 s (is udevd "
                      "running? all workers busy?); removed them\n"
                      "ec2-xvd-alias: /dev/sda1: removed the alias of xvda1 (udev did not drop it in time)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "missing");

        /* xvda's own event (recheck) asks xvda1 to drop it */
        fakeroot_symlink(&root, "/dev/sda1", "xvda1");
        fakeroot_write(&root, "/sys/class/block/xvda1/uevent", "MAJOR=202\n");
        fakeroot_run(&root, &run, "recheck", "xvda", NULL);
        ck_assert_run(run, 0, "", "");
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/xvda1/uevent"), "change ", 7), 0);

        /* repair removes it too */
        fakeroot_run(&root, &run, "repair", NULL);
        ck_assert_run(run, 0,
                      "sda1: removed the alias of xvda1 (its disk is a real SCSI disk)\n"
                      "repair: 1 fixed, 0 left\n",
                      "ec2-xvd-alias: xvda1: udev did not drop its claim on /dev/sda1 within 0.2 s (is udevd "
                      "running? all workers busy?); removed it\n"
                      "ec2-xvd-alias: /dev/sda1: removed the alias of xvda1 (udev did not drop it in time)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "missing");
}
END_TEST

/* After an xvd event dropped the alias, udev 252 deleted whatever was at
 * /dev/sda: the xvd side puts the real node back and asks udev to re-run
 * the real disk's rules with an add (the one action whose rules give a
 * block node its group and mode). */
START_TEST(test_recheck) {
        lun_arrives();
        fakeroot_run(&root, &run, "recheck", "xvda", NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/sda: restored the node of real disk sda (8:0) after xvda dropped its alias\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/sda/uevent"), "add ", 4), 0);
        /* idempotent, and nothing without a real disk */
        fakeroot_run(&root, &run, "recheck", "xvda", NULL);
        ck_assert_run(run, 0, "", "");
        fakeroot_run(&root, &run, "recheck", "xvdf", NULL);
        ck_assert_run(run, 0, "", "");
        /* a handover in progress is the real disk's business */
        fakeroot_symlink(&root, "/dev/sda1", "xvda1");
        fakeroot_run(&root, &run, "recheck", "xvda1", NULL);
        ck_assert_run(run, 0, "", "");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "link xvda1");
}
END_TEST

/* A claim waits only for the disk's own alias: the partitions' holders
 * (here xvda1, slow: nobody acts on its request) are asked with it, and
 * the claim prints "finish DEADLINE sda1", its own deadline (now plus
 * handover_timeout, 0.2 s) and the name left, with the node already in
 * place. claim-finish then waits for the rest until that deadline and
 * removes what is left. */
START_TEST(test_claim_finish_split) {
        unsigned long long deadline, before;
        char d[32], names[FAKEROOT_RESULT_MAX];
        pid_t standin;
        int status;

        aliased();
        lun_arrives();
        standin = fakeroot_udevd_standin(&root, "xvda", "sda", 202, 0, "xvd-sda");
        before = (unsigned long long) now_ms();
        fakeroot_run(&root, &run, "claim", "sda", NULL);
        ck_assert_int_eq(waitpid(standin, &status, 0), standin);
        ck_assert_int_eq(status, 0);
        ck_assert_int_eq(run.status, 0);
        ck_assert(fakeroot_claim_deadline(run.out, &deadline, names));
        ck_assert_str_eq(names, "sda1");
        ck_assert_uint_ge(deadline, before + 200);
        ck_assert_uint_le(deadline, (unsigned long long) now_ms() + 200);
        ck_assert_str_eq(run.err,
                         "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0), handed over from its xvd alias\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "link xvda1");
        expect_yield("xvda", "a");
        expect_yield("xvda1", "a");

        snprintf(d, sizeof(d), "%llu", deadline);
        fakeroot_run(&root, &run, "claim-finish", "sda", d, NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: xvda1: udev did not drop its claim on /dev/sda1 within 0.2 s (is udevd "
                      "running? all workers busy?); removed them\n"
                      "ec2-xvd-alias: /dev/sda1: removed the alias of xvda1 (udev did not drop it in time)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "missing");
        ck_assert_uint_ge((unsigned long long) now_ms(), deadline);
        /* nothing left: silent, whatever the deadline */
        fakeroot_run(&root, &run, "claim-finish", "sda", "0", NULL);
        ck_assert_run(run, 0, "", "");
}
END_TEST

/* The claim names at most CLAIM_FINISH_NAMES_MAX (6) aliases left, which
 * the 99 rule tests one by one; with more it names none, and the rule
 * always starts claim-finish. A Nitro root mapped sda1 with partitions 1
 * to 6 holds seven names of sda's namespace. */
START_TEST(test_claim_finish_names) {
        char name[16], holder[16], names[FAKEROOT_RESULT_MAX];
        unsigned long long deadline;

        fakeroot_add_nvme(&root, "nvme0n1", 259, 8, NULL, "sda1");
        fakeroot_symlink(&root, "/dev/sda1", "nvme0n1");
        for (unsigned p = 1; p <= 6; p++) {
                snprintf(holder, sizeof(holder), "nvme0n1p%u", p);
                fakeroot_add_nvme(&root, holder, 259, 8 + p, "nvme0n1", NULL);
                snprintf(name, sizeof(name), "/dev/sda1%u", p);
                fakeroot_symlink(&root, name, holder);
        }
        fakeroot_add_scsi(&root, "sda", 8, 0, NULL, 1, 0);
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_record_node(&root, "sda");
        fakeroot_udevd_listening(&root);
        fakeroot_run(&root, &run, "claim", "sda", NULL);
        ck_assert_int_eq(run.status, 0);
        ck_assert(fakeroot_claim_deadline(run.out, &deadline, names));
        ck_assert_str_eq(names, "");
        /* six left: named, in the order of their names */
        fakeroot_rm(&root, "/dev/sda16");
        fakeroot_run(&root, &run, "claim", "sda", NULL);
        ck_assert_int_eq(run.status, 0);
        ck_assert(fakeroot_claim_deadline(run.out, &deadline, names));
        ck_assert_str_eq(names, "sda1 sda11 sda12 sda13 sda14 sda15");
}
END_TEST

/* claim-finish's deadline comes from the claim's result; anything else is
 * refused, and a deadline further off than any handover_timeout is
 * clamped to the configured one. */
START_TEST(test_claim_finish_usage) {
        fakeroot_run(&root, &run, "claim-finish", "sda", NULL);
        ck_assert_run(run, 1, "", "ec2-xvd-alias: claim-finish takes a device name and a deadline\n");
        fakeroot_run(&root, &run, "claim-finish", "sda", "12x", NULL);
        ck_assert_run(run, 1, "",
                      "ec2-xvd-alias: claim-finish: '12x' is not a deadline (milliseconds of CLOCK_MONOTONIC, as "
                      "the claim prints it)\n");
        fakeroot_run(&root, &run, "claim-finish", "sda", "-5", NULL);
        ck_assert_int_eq(run.status, 1);
        fakeroot_run(&root, &run, "claim-finish", "sda", "99999999999999999999999", NULL);
        ck_assert_int_eq(run.status, 1);
        fakeroot_run(&root, &run, "claim-finish", "xvda", "100", NULL);
        ck_assert_int_eq(run.status, 1);

        /* far off: waits handover_timeout (0.2 s), not hours */
        lun_arrives();
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_symlink(&root, "/dev/sda1", "xvda1");
        fakeroot_udevd_listening(&root);
        fakeroot_run(&root, &run, "claim-finish", "sda", "18446744073709551615", NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: xvda1: udev did not drop its claim on /dev/sda1 within 0.2 s (is udevd "
                      "running? all workers busy?); removed them\n"
                      "ec2-xvd-alias: /dev/sda1: removed the alias of xvda1 (udev did not drop it in time)\n");
}
END_TEST

/* In the event of a claim's request to xvda, its recheck does not ask the
 * partitions again: the claim has. In any other event it does. */
START_TEST(test_recheck_yield_event) {
        lun_arrives();
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_symlink(&root, "/dev/sda1", "xvda1");
        fakeroot_write(&root, "/sys/class/block/xvda1/uevent", "MAJOR=202\n");
        setenv("SYNTH_ARG_EC2XAYIELD", "a", 1);
        fakeroot_run(&root, &run, "recheck", "xvda", NULL);
        unsetenv("SYNTH_ARG_EC2XAYIELD");
        ck_assert_run(run, 0, "", "");
        ck_assert_str_eq(fakeroot_read(&root, "/sys/class/block/xvda1/uevent"), "MAJOR=202\n");
        fakeroot_run(&root, &run, "recheck", "xvda", NULL);
        ck_assert_run(run, 0, "", "");
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/xvda1/uevent"), "change ", 7), 0);
        /* a request naming another disk is none a claim sent xvda (the
         * rule ignored it): the partitions are asked as in a plain change */
        fakeroot_write(&root, "/sys/class/block/xvda1/uevent", "MAJOR=202\n");
        setenv("SYNTH_ARG_EC2XAYIELD", "b", 1);
        fakeroot_run(&root, &run, "recheck", "xvda", NULL);
        unsetenv("SYNTH_ARG_EC2XAYIELD");
        ck_assert_run(run, 0, "", "");
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/xvda1/uevent"), "change ", 7), 0);
}
END_TEST

/* The stock rule's era left a multipath map holding sda, opened through
 * /dev/sda -> xvda. Fixing the node is not enough: the map must re-add the
 * path. The udev side records it; status reports it; repair does it (not
 * under --root: multipathd knows nothing of it). */
START_TEST(test_multipath_record) {
        char expected[1024];

        lun_arrives();
        /* an LVM map holding the disk has no path checker: nothing to record */
        fakeroot_mkdir(&root, "/sys/devices/platform/host2/session1/target2:0:0/2:0:0:0/block/sda/holders/dm-0");
        fakeroot_add_virtual(&root, "dm-0", 253, 0);
        fakeroot_write(&root, "/sys/class/block/dm-0/dm/uuid", "LVM-Vq3zXkT0\n");
        fakeroot_run(&root, &run, "recheck", "xvda", NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/sda: restored the node of real disk sda (8:0) after xvda dropped its alias\n");
        ck_assert(!fakeroot_exists(&root, "/run/ec2-xvd-alias/multipath/sda"));

        /* a multipath map, but the node was missing (udev took it with the
         * dropped alias after a handover timeout): the map never opened the
         * xvd through it, so nothing is recorded (0.1.0 recorded it, and
         * repair then re-added a healthy path) */
        fakeroot_write(&root, "/sys/class/block/dm-0/dm/uuid", "mpath-360014050ec2a11a50004000800000000\n");
        fakeroot_rm(&root, "/dev/sda");
        fakeroot_run(&root, &run, "recheck", "xvda", NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/sda: restored the node of real disk sda (8:0) after xvda dropped its alias\n");
        ck_assert(!fakeroot_exists(&root, "/run/ec2-xvd-alias/multipath/sda"));

        /* the map holds the disk while /dev/sda is still the alias: it opened
         * the xvd through it, so the handover records it */
        fakeroot_rm(&root, "/dev/sda");
        fakeroot_symlink(&root, "/dev/sda", "xvda");
        fakeroot_udevd_listening(&root);
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: xvda: udev did not drop its claim on /dev/sda within 0.2 s (is udevd running? "
                      "all workers busy?); replacing the link anyway\n"
                      "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0), handed over from its xvd alias\n"
                      "ec2-xvd-alias: sda: map dm-0 opened it through the old /dev entry; '" HELPER_PATH " repair' "
                      "makes multipathd re-add the path\n");
        ck_assert_str_eq(fakeroot_read(&root, "/run/ec2-xvd-alias/multipath/sda"), "dm-0\n");

        fakeroot_add_node(&root, "sda1", 8, 1);
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 2);
        snprintf(expected, sizeof(expected),
                 "\nCollisions:     1\n"
                 "  /dev/sda is right, but multipath map dm-0 opened it through the old entry and still\n"
                 "    checks that device (kernel disk sda is 8:0, iscsi iqn.2026-11.test.ec2-xvd-alias:lun-target1 lun 0 (127.0.0.1:3260))\n");
        ck_assert_ptr_nonnull(strstr(run.out, expected));

        fakeroot_run(&root, &run, "repair", NULL);
        ck_assert_run(run, 2, "sda: map dm-0 must re-add the path; not done under --root\n"
                              "repair: 0 fixed, 1 left (see " HELPER_PATH " status)\n", "");
}
END_TEST

/* The article's machine, repaired in place; udevd is played by stand-ins. */
START_TEST(test_repair) {
        pid_t a, b;

        aliased();
        lun_arrives();
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 2);

        a = fakeroot_udevd_standin(&root, "xvda", "sda", 202, 0, "xvd-sda");
        b = fakeroot_udevd_standin(&root, "xvda1", "sda1", 202, 1, "xvd-sda1");
        fakeroot_run(&root, &run, "repair", NULL);
        ck_assert_int_eq(waitpid(a, NULL, 0), a);
        ck_assert_int_eq(waitpid(b, NULL, 0), b);
        ck_assert_run(run, 0,
                      /* the stand-ins play udevd for the xvd devices only */
                      "sda: handed over from the xvd alias; /dev/sda is the node of 8:0; udev did not confirm re-running its rules in time\n"
                      "sda1: handed over from the xvd alias; /dev/sda1 is the node of 8:1; udev did not confirm re-running its rules in time\n"
                      "repair: 2 fixed, 0 left\n",
                      /* repair drops the claims before it looks again: the links are gone by then */
                      "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0), handed over from its xvd alias\n"
                      "ec2-xvd-alias: /dev/sda1: now the node of real disk sda1 (8:1), handed over from its xvd alias\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "node 8:1");
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 0);
        fakeroot_run(&root, &run, "repair", NULL);
        ck_assert_run(run, 0, "repair: 0 fixed, 0 left\n", "");
}
END_TEST

/* A rescue shell or an image build: no udevd, so nobody would run the
 * holders' rules. repair asks nobody and waits for nothing (60 s allowed
 * here; check's 4 s limit would end a wait): the aliases go, the nodes
 * come, and it says udev's rules run when udevd starts. */
START_TEST(test_repair_no_udevd) {
        aliased();
        lun_arrives();
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "handover_timeout = 60\n");
        fakeroot_run(&root, &run, "repair", NULL);
        /* udev's database still lists the names for the Xen disks until
         * udevd starts and runs their rules: said, not waited for */
        ck_assert_run(run, 2,
                      "sda: handed over from the xvd alias; /dev/sda is the node of 8:0; udevd is not running, so its rules run when udevd starts\n"
                      "sda1: handed over from the xvd alias; /dev/sda1 is the node of 8:1; udevd is not running, so its rules run when udevd starts\n"
                      "repair: 2 fixed, 2 left (see " HELPER_PATH " status)\n",
                      "ec2-xvd-alias: xvda: udevd is not running, so nothing drops its claim on /dev/sda; replacing the link anyway\n"
                      "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0), handed over from its xvd alias\n"
                      "ec2-xvd-alias: xvda1: udevd is not running, so nothing drops its claim on /dev/sda1; replacing the link anyway\n"
                      "ec2-xvd-alias: /dev/sda1: now the node of real disk sda1 (8:1), handed over from its xvd alias\n");
        /* nothing was asked of the holders */
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/xvda/uevent"), "MAJOR=", 6), 0);
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/xvda1/uevent"), "MAJOR=", 6), 0);
}
END_TEST

/* amazon-ec2-utils#37 on Nitro: the root volume is mapped sda1, so the
 * stock rule (or ours, while no disk sda exists) linked /dev/sda1 to the
 * whole disk and /dev/sda11 to its partition 1. A SCSI disk without
 * partitions becomes sda: every name of its namespace that leads to the
 * volume is a collision, and its claim takes them all back (no udevd
 * here: removed at once), though no /dev/xvd-sda leads there. */
START_TEST(test_claim_nitro_partition_style_root) {
        fakeroot_add_nvme(&root, "nvme0n1", 259, 8, NULL, "sda1");
        fakeroot_add_nvme(&root, "nvme0n1p1", 259, 9, "nvme0n1", NULL);
        fakeroot_add_nvme(&root, "nvme0n1p2", 259, 10, "nvme0n1", NULL);
        fakeroot_symlink(&root, "/dev/sda1", "nvme0n1");
        fakeroot_symlink(&root, "/dev/sda11", "nvme0n1p1");
        fakeroot_symlink(&root, "/dev/sda12", "nvme0n1p2");
        fakeroot_symlink(&root, "/dev/xvd-sda1", "nvme0n1p1");
        fakeroot_add_scsi(&root, "sda", 8, 0, NULL, 1, 0);
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 2);
        ck_assert_ptr_nonnull(strstr(run.out, "\nCollisions:     3\n"));
        ck_assert_ptr_nonnull(strstr(run.out, "/dev/sda1 "));
        ck_assert_ptr_nonnull(strstr(run.out, "/dev/sda11 "));
        ck_assert_ptr_nonnull(strstr(run.out, "/dev/sda12 "));
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/sda1: removed the alias of nvme0n1 (udevd is not running)\n"
                      "ec2-xvd-alias: /dev/sda11: removed the alias of nvme0n1p1 (udevd is not running)\n"
                      "ec2-xvd-alias: /dev/sda12: removed the alias of nvme0n1p2 (udevd is not running)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "missing");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda11"), "missing");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda12"), "missing");
        /* not in the disk's namespace: stays */
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/xvd-sda1"), "link nvme0n1p1");
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 0);
}
END_TEST

/* The same with udevd running and every holder slow: all are asked at
 * once; the claim waits for the disk's alias, claim-finish for the
 * partitions' until the same deadline (passed by then: 0.2 s in all), and
 * removes them. */
START_TEST(test_claim_nitro_one_wait) {
        fakeroot_add_nvme(&root, "nvme0n1", 259, 8, NULL, "sda1");
        fakeroot_add_nvme(&root, "nvme0n1p1", 259, 9, "nvme0n1", NULL);
        fakeroot_add_node(&root, "nvme0n1", 259, 8);
        fakeroot_add_node(&root, "nvme0n1p1", 259, 9);
        fakeroot_symlink(&root, "/dev/sda1", "nvme0n1");
        fakeroot_symlink(&root, "/dev/sda11", "nvme0n1p1");
        fakeroot_add_scsi(&root, "sda", 8, 0, NULL, 1, 0);
        fakeroot_symlink(&root, "/dev/sda", "xvda");
        fakeroot_udevd_listening(&root);
        fakeroot_run_claim(&root, &run, "sda");
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: xvda: udev did not drop its claim on /dev/sda within 0.2 s (is udevd running? "
                      "all workers busy?); replacing the link anyway\n"
                      "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0), handed over from its xvd alias\n"
                      "ec2-xvd-alias: nvme0n1: udev did not drop its claim on /dev/sda1 and others within 0.2 s (is "
                      "udevd running? all workers busy?); removed them\n"
                      "ec2-xvd-alias: /dev/sda1: removed the alias of nvme0n1 (udev did not drop it in time)\n"
                      "ec2-xvd-alias: /dev/sda11: removed the alias of nvme0n1p1 (udev did not drop it in time)\n");
        /* each holder got its request */
        expect_yield("xvda", "a");
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/nvme0n1/uevent"), "change ", 7), 0);
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/nvme0n1p1/uevent"), "change ", 7), 0);
}
END_TEST

/* A live install on Nitro: Amazon's rule made /dev/sdf -> nvme1n1 before
 * the package was there (no /dev/xvd-sdf yet). A path the kernel names
 * sdf takes the name from the volume: a handover, not "leaving it alone". */
START_TEST(test_claim_nitro_stock_link) {
        fakeroot_add_nvme(&root, "nvme1n1", 259, 0, NULL, "sdf");
        fakeroot_symlink(&root, "/dev/sdf", "nvme1n1");
        fakeroot_add_scsi(&root, "sdf", 8, 80, NULL, 1, 2);
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 2);
        fakeroot_run(&root, &run, "repair", NULL);
        ck_assert_run(run, 0,
                      "sdf: handed over from the xvd alias; /dev/sdf is the node of 8:80; udevd is not running, so its "
                      "rules run when udevd starts\n"
                      "repair: 1 fixed, 0 left\n",
                      "ec2-xvd-alias: nvme1n1: udevd is not running, so nothing drops its claim on /dev/sdf; replacing "
                      "the link anyway\n"
                      "ec2-xvd-alias: /dev/sdf: now the node of real disk sdf (8:80), handed over from its xvd alias\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sdf"), "node 8:80");
        expect_record("sdf");
}
END_TEST

/* Xen PV: a root mapped sda1 is the whole disk xvdb1 here (no xvdb). Real
 * disk sdb's claim takes /dev/sdb1 back from it. */
START_TEST(test_claim_pv_whole_disk) {
        fakeroot_add_xvd(&root, "xvdb1", 202, 17, NULL);
        fakeroot_symlink(&root, "/dev/sdb1", "xvdb1");
        fakeroot_add_scsi(&root, "sdb", 8, 16, NULL, 1, 1);
        fakeroot_run_claim(&root, &run, "sdb");
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/sdb1: removed the alias of xvdb1 (udevd is not running)\n"
                      "ec2-xvd-alias: /dev/sdb: now the node of real disk sdb (8:16)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sdb1"), "missing");
}
END_TEST

/* Without udevd to drop the claim, repair says what is left. */
START_TEST(test_repair_latent_left) {
        lun_arrives();
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_add_node(&root, "sda1", 8, 1);
        fakeroot_add_db_links(&root, 202, 0, "sda xvd-sda");
        fakeroot_run(&root, &run, "repair", NULL);
        ck_assert_run(run, 2, "repair: 0 fixed, 1 left (see " HELPER_PATH " status)\n",
                      "ec2-xvd-alias: xvda: udevd is not running, so its database keeps its claim on /dev/sda until "
                      "udevd starts and runs its rules\n");
        /* udevd running, but busy: the bounded wait */
        fakeroot_udevd_listening(&root);
        fakeroot_run(&root, &run, "repair", NULL);
        ck_assert_int_eq(run.status, 2);
        ck_assert_str_eq(run.out, "repair: 0 fixed, 1 left (see " HELPER_PATH " status)\n");
        ck_assert_str_eq(run.err,
                         "ec2-xvd-alias: xvda: udev did not drop its claim on /dev/sda within 0.2 s (is udevd running? all workers busy?); it still claims the name\n");
}
END_TEST

Suite *handover_suite(void) {
        Suite *s = suite_create("handover");
        TCase *tc = tcase_create("protocol");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 30);
        tcase_add_test(tc, test_claim_node_right);
        tcase_add_test(tc, test_holder_whole_disk_and_lock);
        tcase_add_test(tc, test_claim_node_mode_event);
        tcase_add_test(tc, test_claim_handover);
        tcase_add_test(tc, test_claim_handover_names_in_use);
        tcase_add_test(tc, test_claim_handover_unit_in_use);
        tcase_add_test(tc, test_claim_handover_selinux_no_units);
        tcase_add_test(tc, test_claim_timeout);
        tcase_add_test(tc, test_claim_foreign);
        tcase_add_test(tc, test_claim_own_stale_node);
        tcase_add_test(tc, test_release);
        tcase_add_test(tc, test_release_same_devnum_other_node);
        tcase_add_test(tc, test_release_event_devnum);
        tcase_add_test(tc, test_claim_rollback);
        tcase_add_test(tc, test_claim_rollback_record);
        tcase_add_test(tc, test_leftover_temporary_node);
        tcase_add_test(tc, test_partition_alias_follows_disk);
        tcase_add_test(tc, test_recheck);
        tcase_add_test(tc, test_recheck_yield_event);
        tcase_add_test(tc, test_claim_finish_split);
        tcase_add_test(tc, test_claim_finish_usage);
        tcase_add_test(tc, test_claim_finish_names);
        tcase_add_test(tc, test_multipath_record);
        tcase_add_test(tc, test_repair);
        tcase_add_test(tc, test_repair_latent_left);
        tcase_add_test(tc, test_repair_no_udevd);
        tcase_add_test(tc, test_claim_nitro_partition_style_root);
        tcase_add_test(tc, test_claim_nitro_one_wait);
        tcase_add_test(tc, test_claim_nitro_stock_link);
        tcase_add_test(tc, test_claim_pv_whole_disk);
        suite_add_tcase(s, tc);
        return s;
}
