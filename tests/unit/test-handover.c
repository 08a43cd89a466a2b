/* SPDX-License-Identifier: MIT */
/* claim, release, recheck and repair on fake machines. These create block
 * device nodes (never opened) in a temporary directory, so they need root. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "fakeroot.h"
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

START_TEST(test_claim_node_right) {
        lun_arrives();
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_run(&root, &run, "claim", "sda", NULL);
        ck_assert_run(run, 0, "", "");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        ck_assert(!fakeroot_exists(&root, "/run/ec2-xvd-alias/nodes/sda"));
        /* the kernel device is gone already: nothing to do */
        fakeroot_run(&root, &run, "claim", "sdq", NULL);
        ck_assert_run(run, 0, "", "");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sdq"), "missing");
}
END_TEST

/* udevd drops the alias in time: no warning, the real node, recorded. */
START_TEST(test_claim_handover) {
        pid_t standin;
        int status;

        aliased();
        lun_arrives();
        standin = fakeroot_udevd_standin(&root, "xvda", "sda", 202, 0, "xvd-sda");
        fakeroot_run(&root, &run, "claim", "sda", NULL);
        ck_assert_int_eq(waitpid(standin, &status, 0), standin);
        ck_assert_int_eq(status, 0);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0), handed over from its xvd alias\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        ck_assert_str_eq(fakeroot_read(&root, "/run/ec2-xvd-alias/nodes/sda"), "8:0\n");
        /* the whole disk's change went to its partitions too */
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/xvda1/uevent"), "change ", 7), 0);
        /* idempotent */
        fakeroot_run(&root, &run, "claim", "sda", NULL);
        ck_assert_run(run, 0, "", "");
}
END_TEST

/* Nobody processes the change (all workers busy): after the bounded wait,
 * the link is replaced anyway: a missing node is safer than a wrong device. */
START_TEST(test_claim_timeout) {
        const char *u;

        aliased();
        lun_arrives();
        fakeroot_run(&root, &run, "claim", "sda1", NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: xvda1: udev did not drop its claim on /dev/sda1 within 0.2 s (is udevd running? all workers busy?); replacing the link anyway\n"
                      "ec2-xvd-alias: /dev/sda1: now the node of real disk sda1 (8:1), handed over from its xvd alias\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "node 8:1");
        u = fakeroot_read(&root, "/sys/class/block/xvda1/uevent");
        /* "change " and a UUID, 8-4-4-4-12 */
        ck_assert_uint_eq(strlen(u), 7 + 36);
        ck_assert_int_eq(strncmp(u, "change ", 7), 0);
        ck_assert(u[15] == '-' && u[20] == '-' && u[25] == '-' && u[30] == '-');
        /* a partition's claim leaves the whole disk's alias to the disk's claim */
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/xvda/uevent"), "MAJOR=", 6), 0);
}
END_TEST

START_TEST(test_claim_foreign) {
        lun_arrives();
        fakeroot_symlink(&root, "/dev/sda", "sdb");
        fakeroot_run(&root, &run, "claim", "sda", NULL);
        ck_assert_run(run, 3, "",
                      "ec2-xvd-alias: /dev/sda is a symlink to 'sdb', which ec2-xvd-alias did not make; "
                      "leaving it alone (kernel disk sda is 8:0)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "link sdb");

        fakeroot_add_node(&root, "sda1", 8, 17);
        fakeroot_run(&root, &run, "claim", "sda1", NULL);
        ck_assert_run(run, 3, "",
                      "ec2-xvd-alias: /dev/sda1 is the node of 8:17, which ec2-xvd-alias did not make; "
                      "leaving it alone (kernel disk sda1 is 8:1)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "node 8:17");
}
END_TEST

/* Our node from an earlier LUN of that name, still there: replaced. */
START_TEST(test_claim_own_stale_node) {
        fakeroot_add_scsi(&root, "sda", 8, 32, NULL, 2, 0);
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_write(&root, "/run/ec2-xvd-alias/nodes/sda", "8:0\n");
        fakeroot_run(&root, &run, "claim", "sda", NULL);
        ck_assert_run(run, 0, "", "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:32)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:32");
        ck_assert_str_eq(fakeroot_read(&root, "/run/ec2-xvd-alias/nodes/sda"), "8:32\n");
}
END_TEST

START_TEST(test_release) {
        /* after an iSCSI logout the transport stays registered: SCSI-active,
         * so mode auto gives no alias back */
        fakeroot_mkdir(&root, "/sys/class/iscsi_transport/tcp");
        /* ours, and the kernel device is gone: removed */
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_write(&root, "/run/ec2-xvd-alias/nodes/sda", "8:0\n");
        fakeroot_run(&root, &run, "release", "sda", NULL);
        ck_assert_run(run, 0, "", "ec2-xvd-alias: /dev/sda: removed the node of 8:0 that ec2-xvd-alias had made\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "missing");
        ck_assert(!fakeroot_exists(&root, "/run/ec2-xvd-alias/nodes/sda"));

        /* not ours (devtmpfs made it): kept */
        fakeroot_add_node(&root, "sdb", 8, 16);
        fakeroot_run(&root, &run, "release", "sdb", NULL);
        ck_assert_run(run, 0, "", "");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sdb"), "node 8:16");

        /* recorded, but the node there now is another device's: kept */
        fakeroot_add_node(&root, "sdc", 8, 48);
        fakeroot_write(&root, "/run/ec2-xvd-alias/nodes/sdc", "8:32\n");
        fakeroot_run(&root, &run, "release", "sdc", NULL);
        ck_assert_run(run, 0, "", "");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sdc"), "node 8:48");
        ck_assert(!fakeroot_exists(&root, "/run/ec2-xvd-alias/nodes/sdc"));

        /* the kernel device (or a new one of that name) is still there: kept */
        fakeroot_add_scsi(&root, "sdd", 8, 48, NULL, 1, 3);
        fakeroot_add_node(&root, "sdd", 8, 48);
        fakeroot_write(&root, "/run/ec2-xvd-alias/nodes/sdd", "8:48\n");
        fakeroot_run(&root, &run, "release", "sdd", NULL);
        ck_assert_run(run, 0, "", "");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sdd"), "node 8:48");
}
END_TEST

/* mode compat: the name is free again, so xvda is asked to take it back;
 * auto would not (see test_release) */
START_TEST(test_release_gives_back_in_compat) {
        fakeroot_mkdir(&root, "/sys/class/iscsi_transport/tcp");
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "mode = compat\n");
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_write(&root, "/run/ec2-xvd-alias/nodes/sda", "8:0\n");
        fakeroot_run(&root, &run, "release", "sda", NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/sda: removed the node of 8:0 that ec2-xvd-alias had made\n"
                      "ec2-xvd-alias: xvda: real disk sda is gone; asked udev to give /dev/sda back to xvda "
                      "(sda is free (mode compat))\n");
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/xvda/uevent"), "change ", 7), 0);
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "missing");
}
END_TEST

/* After an xvd event dropped the alias, udev 252 deleted whatever was at
 * /dev/sda: the xvd side puts the real node back and asks udev to re-run
 * the real disk's rules. */
START_TEST(test_recheck) {
        lun_arrives();
        fakeroot_run(&root, &run, "recheck", "xvda", NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: /dev/sda: restored the node of real disk sda (8:0) after xvda dropped its alias\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/sda/uevent"), "change ", 7), 0);
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

        /* a multipath map */
        fakeroot_write(&root, "/sys/class/block/dm-0/dm/uuid", "mpath-360014050ec2a11a50004000800000000\n");
        fakeroot_rm(&root, "/dev/sda");
        fakeroot_run(&root, &run, "recheck", "xvda", NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: sda: map dm-0 opened it through the old /dev entry; 'ec2-xvd-alias repair' "
                      "makes multipathd re-add the path\n"
                      "ec2-xvd-alias: /dev/sda: restored the node of real disk sda (8:0) after xvda dropped its alias\n");
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
                              "repair: 0 fixed, 1 left (see ec2-xvd-alias status)\n", "");
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
                      "sda: handed over from the xvd alias; /dev/sda is the node of 8:0; udevd is not running, so its rules run when udevd starts\n"
                      /* the disk's handover already made xvda1 drop sda1 */
                      "sda1: made the missing node; /dev/sda1 is the node of 8:1; udevd is not running, so its rules run when udevd starts\n"
                      "repair: 2 fixed, 0 left\n",
                      /* repair drops the claims before it looks again: the links are gone by then */
                      "ec2-xvd-alias: /dev/sda: now the node of real disk sda (8:0)\n"
                      "ec2-xvd-alias: /dev/sda1: now the node of real disk sda1 (8:1)\n");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda"), "node 8:0");
        ck_assert_str_eq(fakeroot_describe(&root, "/dev/sda1"), "node 8:1");
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 0);
        fakeroot_run(&root, &run, "repair", NULL);
        ck_assert_run(run, 0, "repair: 0 fixed, 0 left\n", "");
}
END_TEST

/* Without udevd to drop the claim, repair says what is left. */
START_TEST(test_repair_latent_left) {
        lun_arrives();
        fakeroot_add_node(&root, "sda", 8, 0);
        fakeroot_add_node(&root, "sda1", 8, 1);
        fakeroot_add_db_links(&root, 202, 0, "sda xvd-sda");
        fakeroot_run(&root, &run, "repair", NULL);
        ck_assert_int_eq(run.status, 2);
        ck_assert_str_eq(run.out, "repair: 0 fixed, 1 left (see ec2-xvd-alias status)\n");
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
        tcase_add_test(tc, test_claim_handover);
        tcase_add_test(tc, test_claim_timeout);
        tcase_add_test(tc, test_claim_foreign);
        tcase_add_test(tc, test_claim_own_stale_node);
        tcase_add_test(tc, test_release);
        tcase_add_test(tc, test_release_gives_back_in_compat);
        tcase_add_test(tc, test_recheck);
        tcase_add_test(tc, test_multipath_record);
        tcase_add_test(tc, test_repair);
        tcase_add_test(tc, test_repair_latent_left);
        suite_add_tcase(s, tc);
        return s;
}
