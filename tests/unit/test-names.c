/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "helper/names.h"
#include "suites.h"

static void check_xvd(const char *name, const char *ec2, const char *stable, unsigned partition) {
        char buf[DISK_NAME_BUF], xvd[DISK_NAME_BUF];
        const char *reason = NULL;
        DiskName n;

        ck_assert_msg(xvd_name_parse(name, &n, &reason) == 0, "%s: %s", name, reason);
        ck_assert_uint_eq(n.partition, partition);
        disk_name_format_ec2(&n, buf);
        ck_assert_str_eq(buf, ec2);
        disk_name_format_stable(&n, buf);
        ck_assert_str_eq(buf, stable);
        /* and back: the EC2 name parses as the SCSI name of the same disk */
        ck_assert_int_eq(sd_name_parse(ec2, &n, &reason), 0);
        disk_name_format_xvd(&n, xvd);
        ck_assert_str_eq(xvd, name);
}

START_TEST(test_xvd_disks) {
        check_xvd("xvda", "sda", "xvd-sda", 0);
        check_xvd("xvdz", "sdz", "xvd-sdz", 0);
        check_xvd("xvdaa", "sdaa", "xvd-sdaa", 0);
        check_xvd("xvdba", "sdba", "xvd-sdba", 0);
        check_xvd("xvdzz", "sdzz", "xvd-sdzz", 0);
        check_xvd("xvdaaa", "sdaaa", "xvd-sdaaa", 0);
        check_xvd("xvdzzzz", "sdzzzz", "xvd-sdzzzz", 0);
}
END_TEST

START_TEST(test_xvd_partitions) {
        check_xvd("xvda1", "sda1", "xvd-sda1", 1);
        check_xvd("xvdf3", "sdf3", "xvd-sdf3", 3);
        check_xvd("xvda15", "sda15", "xvd-sda15", 15);
        /* beyond 15: extended minors (blkext), e.g. GPT with many partitions */
        check_xvd("xvda16", "sda16", "xvd-sda16", 16);
        check_xvd("xvdaa15", "sdaa15", "xvd-sdaa15", 15);
        check_xvd("xvda128", "sda128", "xvd-sda128", 128);
        check_xvd("xvda255", "sda255", "xvd-sda255", 255);
}
END_TEST

static void check_invalid(const char *name, const char *why) {
        const char *reason = NULL;
        DiskName n;

        ck_assert_int_eq(xvd_name_parse(name, &n, &reason), -EINVAL);
        ck_assert_str_eq(reason, why);
}

START_TEST(test_xvd_invalid) {
        check_invalid("", "empty device name");
        check_invalid(NULL, "empty device name");
        check_invalid("xvd", "no lowercase disk letters after the prefix");
        check_invalid("xvd1", "no lowercase disk letters after the prefix");
        check_invalid("xvdA", "no lowercase disk letters after the prefix");
        check_invalid("xvd-sda", "no lowercase disk letters after the prefix");
        check_invalid("xvd..", "no lowercase disk letters after the prefix");
        check_invalid("sda", "not a Xen disk name (xvd<letters>[<partition>])");
        check_invalid("nvme0n1", "not a Xen disk name (xvd<letters>[<partition>])");
        check_invalid("../xvda", "not a Xen disk name (xvd<letters>[<partition>])");
        check_invalid("/dev/xvda", "not a Xen disk name (xvd<letters>[<partition>])");
        check_invalid("XVDA", "not a Xen disk name (xvd<letters>[<partition>])");
        check_invalid("xvda/..", "unexpected character in device name");
        check_invalid("xvda/../sda", "unexpected character in device name");
        check_invalid("xvdaB", "unexpected character in device name");
        check_invalid("xvda1a", "unexpected character in device name");
        check_invalid("xvda 1", "unexpected character in device name");
        check_invalid("xvda\n", "unexpected character in device name");
        check_invalid("xvda0", "partition number 0 or with a leading zero");
        check_invalid("xvda01", "partition number 0 or with a leading zero");
        check_invalid("xvda256", "partition number above 255");
        check_invalid("xvda99999999999999999999", "partition number above 255");
        check_invalid("xvdaaaaa", "more than 4 disk letters");
        check_invalid("xvdabcdefghijklmnopqrstuvwxyzab", "more than 4 disk letters");
        check_invalid("xvdabcdefghijklmnopqrstuvwxyzabc", "device name longer than 31 characters");
}
END_TEST

START_TEST(test_whole_disk) {
        const char *reason;
        char buf[DISK_NAME_BUF];
        DiskName n, w;

        ck_assert_int_eq(sd_name_parse("sdba12", &n, &reason), 0);
        w = disk_name_whole(&n);
        disk_name_format_ec2(&w, buf);
        ck_assert_str_eq(buf, "sdba");
        ck_assert_int_eq(sd_name_parse("xvda", &n, &reason), -EINVAL);
        ck_assert_str_eq(reason, "not a SCSI disk name (sd<letters>[<partition>])");
}
END_TEST

START_TEST(test_name_for_log) {
        char buf[NAME_LOG_BUF];

        ck_assert_str_eq(name_for_log("xvda", buf, sizeof(buf)), "xvda");
        ck_assert_str_eq(name_for_log("a\nb\x1b", buf, sizeof(buf)), "a\\x0ab\\x1b");
        ck_assert_str_eq(name_for_log("a\\b", buf, sizeof(buf)), "a\\x5cb");
        ck_assert_str_eq(name_for_log("0123456789012345678901234567890123456789XYZ", buf, sizeof(buf)),
                         "0123456789012345678901234567890123456789...");
        ck_assert_str_eq(name_for_log(NULL, buf, sizeof(buf)), "");
}
END_TEST

Suite *names_suite(void) {
        Suite *s = suite_create("names");
        TCase *tc = tcase_create("mapping");

        tcase_add_test(tc, test_xvd_disks);
        tcase_add_test(tc, test_xvd_partitions);
        tcase_add_test(tc, test_xvd_invalid);
        tcase_add_test(tc, test_whole_disk);
        tcase_add_test(tc, test_name_for_log);
        suite_add_tcase(s, tc);
        return s;
}
