/* SPDX-License-Identifier: MIT */
/* `nvme NAME` (Nitro) on fake machines: exact udev properties and messages.
 * The identity comes from files, which only a test build reads
 * (-Dtest_identify_dir); in other builds the suite is empty and says so. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "build-config.h"
#include "fakeroot.h"
#include "machines.h"
#include "suites.h"

#ifdef TEST_IDENTIFY_DIR
static FakeRoot root;
static HelperRun run;

static void setup(void) {
        fakeroot_init(&root);
}

static void teardown(void) {
        fakeroot_done(&root);
}

START_TEST(test_ebs_volume) {
        fakeroot_add_nvme(&root, "nvme1n1", 259, 0, NULL, "sdf");
        fakeroot_add_nvme(&root, "nvme1n1p2", 259, 2, "nvme1n1", NULL);
        fakeroot_run(&root, &run, "nvme", "nvme1n1", NULL);
        ck_assert_run(run, 0, "EC2XA_STOCK_LINK=sdf\nEC2XA_ALIAS=sdf\nEC2XA_STABLE=xvd-sdf\nEC2XA_NAME=xvdf\n", "");
        fakeroot_run(&root, &run, "nvme", "nvme1n1p2", NULL);
        ck_assert_run(run, 0, "EC2XA_STOCK_LINK=sdf2\nEC2XA_ALIAS=sdf2\nEC2XA_STABLE=xvd-sdf2\nEC2XA_NAME=xvdf2\n", "");

        /* the third LUN's second path is kernel sdf: the stock link goes */
        fakeroot_add_scsi(&root, "sdf", 8, 80, NULL, 1, 2);
        fakeroot_run(&root, &run, "nvme", "nvme1n1", NULL);
        ck_assert_run(run, 0, "EC2XA_STOCK_LINK=sdf\nEC2XA_STABLE=xvd-sdf\nEC2XA_NAME=xvdf\n",
                      "ec2-xvd-alias: nvme1n1: no alias sdf: real SCSI disk sdf (8:80) exists\n");
        fakeroot_run(&root, &run, "nvme", "nvme1n1p2", NULL);
        ck_assert_run(run, 0, "EC2XA_STOCK_LINK=sdf2\nEC2XA_STABLE=xvd-sdf2\nEC2XA_NAME=xvdf2\n",
                      "ec2-xvd-alias: nvme1n1p2: no alias sdf2: real SCSI disk sdf (8:80) exists\n");
}
END_TEST

/* Under udev the rule passes the links the volume has so far ($links):
 * the list comes back without the stock sd name when a real disk has it,
 * with ours, for SYMLINK= (udev 252 has no SYMLINK-=). */
START_TEST(test_links_list) {
        fakeroot_add_nvme(&root, "nvme1n1", 259, 0, NULL, "sdf");
        fakeroot_run(&root, &run, "nvme", "nvme1n1", "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123", "sdf",
                     NULL);
        ck_assert_run(run, 0,
                      "EC2XA_STOCK_LINK=sdf\nEC2XA_ALIAS=sdf\nEC2XA_STABLE=xvd-sdf\nEC2XA_NAME=xvdf\n"
                      "EC2XA_LINKS=sdf xvd-sdf disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123\n",
                      "");
        fakeroot_add_scsi(&root, "sdf", 8, 80, NULL, 1, 2);
        fakeroot_run(&root, &run, "nvme", "nvme1n1", "sdf", "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123",
                     NULL);
        ck_assert_run(run, 0,
                      "EC2XA_STOCK_LINK=sdf\nEC2XA_STABLE=xvd-sdf\nEC2XA_NAME=xvdf\n"
                      "EC2XA_LINKS=xvd-sdf disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123\n",
                      "ec2-xvd-alias: nvme1n1: no alias sdf: real SCSI disk sdf (8:80) exists\n");
}
END_TEST

/* Fedora patches the EBS lines out of Amazon's rule (and a system may lack
 * amazon-ec2-utils): under udev no earlier rule made /dev/sdf, so the
 * system never had that name and gets none from us; the stable name
 * comes all the same. */
START_TEST(test_no_stock_link) {
        fakeroot_add_nvme(&root, "nvme1n1", 259, 0, NULL, "sdf");
        fakeroot_run(&root, &run, "nvme", "nvme1n1", "disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123", NULL);
        ck_assert_run(run, 0,
                      "EC2XA_STOCK_LINK=sdf\nEC2XA_STABLE=xvd-sdf\nEC2XA_NAME=xvdf\n"
                      "EC2XA_LINKS=xvd-sdf disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123\n",
                      "ec2-xvd-alias: nvme1n1: no alias sdf: no rule before this one made /dev/sdf (amazon-ec2-utils' "
                      "EBS rule is absent or patched out)\n");
}
END_TEST

/* Attached as xvdg: the stock /dev/xvdg is no SCSI name and stays; the
 * stable name is the same as on a Xen instance. */
START_TEST(test_xvd_mapping) {
        fakeroot_add_nvme(&root, "nvme2n1", 259, 4, NULL, "/dev/xvdg");
        fakeroot_run(&root, &run, "nvme", "nvme2n1", NULL);
        ck_assert_run(run, 0, "EC2XA_STABLE=xvd-sdg\nEC2XA_NAME=xvdg\n", "");
}
END_TEST

/* A root mapped as sda1 (most AMIs that are not Amazon Linux). The stable
 * names say the role, as on a Xen HVM instance of the same AMI (kernel
 * xvda, xvda1): /dev/xvd-sda the disk, /dev/xvd-sda1 its partition 1. The
 * compatibility names keep the stock rule's meaning on Nitro (/dev/sda1 the
 * disk, /dev/sda11 partition 1), only while no real disk sda exists. */
START_TEST(test_partition_style_root) {
        fakeroot_add_nvme(&root, "nvme0n1", 259, 8, NULL, "sda1");
        fakeroot_add_nvme(&root, "nvme0n1p1", 259, 9, "nvme0n1", NULL);
        fakeroot_add_nvme(&root, "nvme0n1p14", 259, 10, "nvme0n1", NULL);
        fakeroot_run(&root, &run, "nvme", "nvme0n1", NULL);
        ck_assert_run(run, 0, "EC2XA_STOCK_LINK=sda1\nEC2XA_ALIAS=sda1\nEC2XA_STABLE=xvd-sda\nEC2XA_NAME=xvda1\n", "");
        fakeroot_run(&root, &run, "nvme", "nvme0n1p1", NULL);
        ck_assert_run(run, 0, "EC2XA_STOCK_LINK=sda11\nEC2XA_ALIAS=sda11\nEC2XA_STABLE=xvd-sda1\nEC2XA_NAME=xvda11\n", "");
        fakeroot_run(&root, &run, "nvme", "nvme0n1p14", "sda114", "disk/by-id/x", NULL);
        ck_assert_run(run, 0,
                      "EC2XA_STOCK_LINK=sda114\nEC2XA_ALIAS=sda114\nEC2XA_STABLE=xvd-sda14\nEC2XA_NAME=xvda114\n"
                      "EC2XA_LINKS=sda114 xvd-sda14 disk/by-id/x\n", "");

        /* amazon-ec2-utils#37: a SCSI disk becomes sda; every name of its
         * namespace leaves the volume */
        fakeroot_add_scsi(&root, "sda", 8, 0, NULL, 1, 0);
        fakeroot_run(&root, &run, "nvme", "nvme0n1", "sda1", NULL);
        ck_assert_run(run, 0, "EC2XA_STOCK_LINK=sda1\nEC2XA_STABLE=xvd-sda\nEC2XA_NAME=xvda1\nEC2XA_LINKS=xvd-sda\n",
                      "ec2-xvd-alias: nvme0n1: no alias sda1: real SCSI disk sda (8:0) exists\n");
        fakeroot_run(&root, &run, "nvme", "nvme0n1p1", "sda11", NULL);
        ck_assert_run(run, 0, "EC2XA_STOCK_LINK=sda11\nEC2XA_STABLE=xvd-sda1\nEC2XA_NAME=xvda11\nEC2XA_LINKS=xvd-sda1\n",
                      "ec2-xvd-alias: nvme0n1p1: no alias sda11: real SCSI disk sda (8:0) exists\n");
}
END_TEST

/* A partition whose stock name is no kernel name (root mapped sda1, its
 * partition 128: "sda1128"): the stable name only, and the stock link goes. */
START_TEST(test_partition_style_high_partition) {
        fakeroot_add_nvme(&root, "nvme0n1", 259, 8, NULL, "sda1");
        fakeroot_add_nvme(&root, "nvme0n1p128", 259, 11, "nvme0n1", NULL);
        fakeroot_run(&root, &run, "nvme", "nvme0n1p128", "sda1128", NULL);
        ck_assert_int_eq(run.status, 0);
        ck_assert_str_eq(run.out, "EC2XA_STOCK_LINK=sda1128\nEC2XA_STABLE=xvd-sda128\nEC2XA_LINKS=xvd-sda128\n");
        ck_assert_int_eq(strncmp(run.err, "ec2-xvd-alias: nvme0n1p128: mapped as sda1; the stock name sda1128 is no disk name (", 84), 0);
}
END_TEST

START_TEST(test_not_ours) {
        /* a QEMU controller, or an instance store volume: nothing */
        fakeroot_add_nvme(&root, "nvme3n1", 259, 12, NULL, NULL);
        fakeroot_run(&root, &run, "nvme", "nvme3n1", NULL);
        ck_assert_run(run, 0, "", "");
        /* a mapping name that is no sd or xvd name: its stock link goes */
        fakeroot_add_nvme(&root, "nvme4n1", 259, 16, NULL, "hdb");
        fakeroot_run(&root, &run, "nvme", "nvme4n1", NULL);
        ck_assert_int_eq(run.status, 0);
        ck_assert_str_eq(run.out, "EC2XA_STOCK_LINK=hdb\n");
        ck_assert_int_eq(strncmp(run.err, "ec2-xvd-alias: nvme4n1: EBS mapping name 'hdb' is no sd or xvd name (", 69),
                         0);
        /* no identity to read */
        fakeroot_run(&root, &run, "nvme", "nvme9n1", NULL);
        ck_assert_run(run, 0, "",
                      "ec2-xvd-alias: nvme9n1: cannot read the EBS mapping name: no test identify data (No such file "
                      "or directory); no sd or xvd-sd link, and any /dev/sd* link the stock rule made goes\n");
        /* under udev: the stock rule read a name (sdf) that we cannot: no
         * name of the SCSI namespace stays with the volume */
        fakeroot_run(&root, &run, "nvme", "nvme9n1", "sdf", "disk/by-id/nvme-x", "xvdf", NULL);
        ck_assert_run(run, 0, "EC2XA_LINKS=disk/by-id/nvme-x xvdf\n",
                      "ec2-xvd-alias: nvme9n1: cannot read the EBS mapping name: no test identify data (No such file "
                      "or directory); no sd or xvd-sd link, and any /dev/sd* link the stock rule made goes\n");
        /* names that are no NVMe namespace */
        fakeroot_run(&root, &run, "nvme", "nvme1", NULL);
        ck_assert_run(run, 1, "",
                      "ec2-xvd-alias: invalid device name 'nvme1': not an NVMe namespace or partition "
                      "(nvme<c>n<n>[p<p>])\n");
        fakeroot_run(&root, &run, "nvme", "nvme1n1p0", NULL);
        ck_assert_int_eq(run.status, 1);
        fakeroot_run(&root, &run, "nvme", "nvme1n1/../x", NULL);
        ck_assert_int_eq(run.status, 1);
}
END_TEST

/* The NVMe volume holds /dev/sdf (and its stable name); status sees a LUN
 * named sdf as a collision with it, and release gives the name back to the
 * volume's rules. */
START_TEST(test_status_and_give_back) {
        fakeroot_add_nvme(&root, "nvme1n1", 259, 0, NULL, "sdf");
        fakeroot_symlink(&root, "/dev/sdf", "nvme1n1");
        fakeroot_symlink(&root, "/dev/xvd-sdf", "nvme1n1");
        fakeroot_add_scsi(&root, "sdf", 8, 80, NULL, 1, 2);
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 2);
        ck_assert_ptr_nonnull(strstr(run.out, "\nCollisions:     1\n  /dev/sdf is a symlink to 'nvme1n1', but kernel disk sdf is 8:80"));
        fakeroot_rm(&root, "/dev/sdf");
        fakeroot_rm(&root, "/sys/class/block/sdf");
        fakeroot_run(&root, &run, "release", "sdf", NULL);
        ck_assert_run(run, 0, "", "ec2-xvd-alias: nvme1n1: real disk sdf is gone; asked udev to re-run the rules of nvme1n1\n");
        ck_assert_int_eq(strncmp(fakeroot_read(&root, "/sys/class/block/nvme1n1/uevent"), "change ", 7), 0);
}
END_TEST
/* A live install: Amazon's rule made /dev/sdf -> nvme1n1 and no
 * /dev/xvd-sdf exists yet. An fstab line naming /dev/sdf is a name in use
 * all the same: what the name leads to names the volume. */
START_TEST(test_names_in_use_stock_link) {
        fakeroot_add_nvme(&root, "nvme1n1", 259, 2, NULL, "sdf");
        fakeroot_symlink(&root, "/dev/sdf", "nvme1n1");
        fakeroot_write(&root, "/etc/fstab", "/dev/sdf /data ext4 defaults,nofail 0 2\n");
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 0);
        ck_assert_msg(strstr(run.out, "  /etc/fstab:1: /dev/sdf is -> nvme1n1 (EBS volume 259:2);\n"
                                      "    a real SCSI disk that arrives (an iSCSI login) takes the name; use /dev/xvd-sdf\n"),
                      "%s", run.out);
}
END_TEST

/* status lists the EBS volumes with the names of their roles, and says how
 * the compatibility names of a root mapped sda1 differ from a Xen
 * instance's; a real disk sda then makes those names collisions. */
START_TEST(test_status_ebs_volumes) {
        machine_nitro(&root);
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 0);
        ck_assert_msg(strstr(run.out,
                             "\nEBS volumes:\n"
                             "  NAME       DEVNUM    MAPPING    LINKS NOW              LINKS ON NEXT EVENT\n"
                             "  nvme0n1    259:0     sda1       sda1 xvd-sda           sda1 xvd-sda (no real SCSI disk sda)\n"
                             "  nvme0n1p1  259:1     sda1       sda11 xvd-sda1         sda11 xvd-sda1 (no real SCSI disk sda)\n"
                             "  nvme1n1    259:2     sdf        sdf xvd-sdf            sdf xvd-sdf (no real SCSI disk sdf)\n"
                             "  nvme2n1    259:3     xvdg       xvd-sdg xvdg           xvd-sdg (mapped xvdg: Amazon's /dev/xvdg stays, no SCSI name)\n"
                             "  Note: nvme0n1 is mapped sda1: here /dev/sda1 is the whole disk and /dev/sda11 its partition 1 "
                             "(the stock rule's names on Nitro), while on Xen /dev/sda1 is partition 1; /dev/xvd-sda1 is "
                             "partition 1 on both: use it or UUID= in fstab.\n"),
                      "%s", run.out);
        fakeroot_add_scsi(&root, "sda", 8, 0, NULL, 1, 0);
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 2);
        ck_assert_msg(strstr(run.out, "  nvme0n1    259:0     sda1       sda1 xvd-sda           xvd-sda (real SCSI disk sda (8:0) exists)\n"),
                      "%s", run.out);
        ck_assert_msg(strstr(run.out, "\nCollisions:     3\n"), "%s", run.out);
}
END_TEST
#endif

Suite *nitro_suite(void) {
        Suite *s = suite_create("nitro");
        TCase *tc = tcase_create("nvme");

#ifdef TEST_IDENTIFY_DIR
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_ebs_volume);
        tcase_add_test(tc, test_links_list);
        tcase_add_test(tc, test_xvd_mapping);
        tcase_add_test(tc, test_no_stock_link);
        tcase_add_test(tc, test_partition_style_root);
        tcase_add_test(tc, test_partition_style_high_partition);
        tcase_add_test(tc, test_not_ours);
        tcase_add_test(tc, test_status_and_give_back);
        tcase_add_test(tc, test_status_ebs_volumes);
        tcase_add_test(tc, test_names_in_use_stock_link);
#else
        fprintf(stderr, "nitro: the nvme command's tests need a test build (-Dtest_identify_dir, as build-dev.ini sets)\n");
#endif
        suite_add_tcase(s, tc);
        return s;
}
