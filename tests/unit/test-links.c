/* SPDX-License-Identifier: MIT */
/* `links` on fake machines: exact stdout, stderr and exit status. Symlinks
 * only: these run without root (test-handover.c has the device nodes). */
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
        /* A Xen instance: root disk with a partition, and two data volumes. */
        fakeroot_add_xvd(&root, "xvda", 202, 0, NULL);
        fakeroot_add_xvd(&root, "xvda1", 202, 1, "xvda");
        fakeroot_add_xvd(&root, "xvdf", 202, 80, NULL);
        fakeroot_add_xvd(&root, "xvdba", 202, 416, NULL);
}

static void teardown(void) {
        fakeroot_done(&root);
}

/* `links NAME` prints EXP_OUT (the link names), says EXP_ERR (why an alias
 * is withheld, or nothing) and exits 0. A macro, so that a failure names
 * the test's line. */
#define ck_assert_links(name, exp_out, exp_err)                           \
        do {                                                              \
                fakeroot_run(&root, &run, "links", (name), NULL);         \
                ck_assert_run(run, 0, (exp_out), (exp_err));              \
        } while (0)

START_TEST(test_nothing_else_present) {
        ck_assert_links("xvda", "sda xvd-sda\n", "");
        ck_assert_links("xvda1", "sda1 xvd-sda1\n", "");
        ck_assert_links("xvdba", "sdba xvd-sdba\n", "");
        /* a name the kernel does not have (yet): the mapping alone */
        ck_assert_links("xvdzz15", "sdzz15 xvd-sdzz15\n", "");
}
END_TEST

START_TEST(test_invalid_names) {
        static const struct {
                const char *name;
                const char *err;
        } cases[] = {
                { "xvd", "ec2-xvd-alias: invalid device name 'xvd': no lowercase disk letters after the prefix\n" },
                { "xvd1", "ec2-xvd-alias: invalid device name 'xvd1': no lowercase disk letters after the prefix\n" },
                { "xvdA", "ec2-xvd-alias: invalid device name 'xvdA': no lowercase disk letters after the prefix\n" },
                { "sda", "ec2-xvd-alias: invalid device name 'sda': not a Xen disk name (xvd<letters>[<partition>])\n" },
                { "", "ec2-xvd-alias: invalid device name '': empty device name\n" },
                { "../xvda", "ec2-xvd-alias: invalid device name '../xvda': not a Xen disk name (xvd<letters>[<partition>])\n" },
                { "xvda/../../etc", "ec2-xvd-alias: invalid device name 'xvda/../../etc': unexpected character in device name\n" },
                { "xvda\nfake", "ec2-xvd-alias: invalid device name 'xvda\\x0afake': unexpected character in device name\n" },
                { "xvda0", "ec2-xvd-alias: invalid device name 'xvda0': partition number 0 or with a leading zero\n" },
                { "xvdabcdefghijklmnopqrstuvwxyzabcdefghijklmnop",
                  "ec2-xvd-alias: invalid device name 'xvdabcdefghijklmnopqrstuvwxyzabcdefghijk...': device name longer than 31 characters\n" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                fakeroot_run(&root, &run, "links", cases[i].name, NULL);
                ck_assert_run(run, 1, "", cases[i].err);
        }
}
END_TEST

START_TEST(test_usage) {
        fakeroot_run(&root, &run, "links", NULL);
        ck_assert_run(run, 1, "", "ec2-xvd-alias: links takes one device name\n");
        fakeroot_run(&root, &run, "links", "xvda", "xvdb", NULL);
        ck_assert_run(run, 1, "", "ec2-xvd-alias: links takes one device name\n");
        fakeroot_run(&root, &run, "frobnicate", NULL);
        ck_assert_run(run, 1, "", "ec2-xvd-alias: unknown command 'frobnicate' (see --help)\n");
        fakeroot_run(&root, &run, "status", "xvda", NULL);
        ck_assert_run(run, 1, "", "ec2-xvd-alias: status takes no arguments\n");
        fakeroot_run(&root, &run, NULL);
        ck_assert_run(run, 1, "", "ec2-xvd-alias: no command given (see --help)\n");
        fakeroot_run(&root, &run, "--version", NULL);
        ck_assert_run(run, 0, "ec2-xvd-alias " PACKAGE_VERSION "\n", "");
        fakeroot_run(&root, &run, "--help", NULL);
        ck_assert_int_eq(run.status, 0);
        ck_assert_str_eq(run.err, "");
        {
                static const char usage[] = "Usage: ec2-xvd-alias [OPTIONS] COMMAND [NAME]\n";

                ck_assert_int_eq(strncmp(run.out, usage, strlen(usage)), 0);
        }
        /* a second --root, relative: refused before anything is read */
        fakeroot_run(&root, &run, "--root", "relative/dir", "links", "xvda", NULL);
        ck_assert_run(run, 1, "", "ec2-xvd-alias: --root: 'relative/dir' is not an absolute path\n");
        /* the device name is never taken for an option */
        fakeroot_run(&root, &run, "links", "--help", NULL);
        ck_assert_run(run, 1, "",
                      "ec2-xvd-alias: invalid device name '--help': not a Xen disk name (xvd<letters>[<partition>])\n");
}
END_TEST

/* A real SCSI disk exists in sysfs: its name, and every partition name of
 * it, belong to it. The devtmpfs node is a symlink here, because creating
 * block nodes needs root; the sysfs device alone decides. */
START_TEST(test_real_scsi_disk) {
        fakeroot_add_scsi(&root, "sda", 8, 0, NULL, 1, 0);
        fakeroot_add_scsi(&root, "sda1", 8, 1, "sda", 1, 0);
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "mode = auto\n");

        ck_assert_links("xvda", "xvd-sda\n", "ec2-xvd-alias: xvda: no alias sda: real SCSI disk sda (8:0) exists\n");
        ck_assert_links("xvda1", "xvd-sda1\n", "ec2-xvd-alias: xvda1: no alias sda1: real SCSI disk sda (8:0) exists\n");
        /* a partition the real disk does not have is still its disk's */
        ck_assert_links("xvda7", "xvd-sda7\n", "ec2-xvd-alias: xvda7: no alias sda7: real SCSI disk sda (8:0) exists\n");
        ck_assert_links("xvdf", "sdf xvd-sdf\n", "");
}
END_TEST

START_TEST(test_dev_entries) {
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "mode = auto\n");
        /* our own alias from an earlier event: keep it */
        fakeroot_symlink(&root, "/dev/sda", "xvda");
        ck_assert_links("xvda", "sda xvd-sda\n", "");
        /* a stale link to another device */
        fakeroot_symlink(&root, "/dev/sdf", "xvdg");
        ck_assert_links("xvdf", "xvd-sdf\n", "ec2-xvd-alias: xvdf: no alias sdf: /dev/sdf is a symlink to 'xvdg', not ours\n");
        /* an absolute link is not udev's */
        fakeroot_symlink(&root, "/dev/sdba", "/dev/xvdba");
        ck_assert_links("xvdba", "xvd-sdba\n",
                        "ec2-xvd-alias: xvdba: no alias sdba: /dev/sdba is a symlink to '/dev/xvdba', not ours\n");
        /* a directory or file in the way */
        fakeroot_mkdir(&root, "/dev/sda1");
        ck_assert_links("xvda1", "xvd-sda1\n",
                        "ec2-xvd-alias: xvda1: no alias sda1: /dev/sda1 is not a block device node, not ours\n");
}
END_TEST

START_TEST(test_reserve) {
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "mode = auto\nreserve = sda sdf\n");
        ck_assert_links("xvda1", "xvd-sda1\n",
                        "ec2-xvd-alias: xvda1: no alias sda1: sda is reserved in /etc/ec2-xvd-alias.conf\n");
        ck_assert_links("xvdf", "xvd-sdf\n", "ec2-xvd-alias: xvdf: no alias sdf: sdf is reserved in /etc/ec2-xvd-alias.conf\n");
        ck_assert_links("xvdba", "sdba xvd-sdba\n", "");
}
END_TEST

START_TEST(test_modes) {
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "mode = off\n");
        ck_assert_links("xvdf", "xvd-sdf\n", "ec2-xvd-alias: xvdf: no alias sdf: mode off (/etc/ec2-xvd-alias.conf:1)\n");

        /* auto is the default */
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "mode = auto\n");
        fakeroot_run(&root, &run, "--debug", "links", "xvdf", NULL);
        ck_assert_run(run, 0, "sdf xvd-sdf\n", "ec2-xvd-alias: xvdf: alias sdf: no real SCSI disk sdf\n");
}
END_TEST

/* The old spelling still works: 0.1.0's "compat" means the one rule, auto
 * (the one place this suite writes the old name; test-config.c parses it) */
START_TEST(test_mode_compat_old_spelling) {
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "mode = compat\n");
        fakeroot_run(&root, &run, "--debug", "links", "xvdf", NULL);
        ck_assert_run(run, 0, "sdf xvd-sdf\n", "ec2-xvd-alias: xvdf: alias sdf: no real SCSI disk sdf\n");
}
END_TEST

START_TEST(test_cmdline_override) {
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "mode = auto\n");
        fakeroot_write(&root, "/proc/cmdline", "root=/dev/xvda1 ec2_xvd_alias.mode=off quiet\n");
        ck_assert_links("xvdf", "xvd-sdf\n", "ec2-xvd-alias: xvdf: no alias sdf: mode off (kernel command line)\n");

        fakeroot_write(&root, "/proc/cmdline", "ec2_xvd_alias.mode=never\n");
        ck_assert_links("xvdf", "sdf xvd-sdf\n",
                        "ec2-xvd-alias: kernel command line: ec2_xvd_alias.mode=never: unknown mode, ignoring it\n");
}
END_TEST

/* One rule at every boot: no sign of SCSI activity changes the answer
 * (0.1.0's auto withheld new aliases on such a host, so after a reboot of an
 * FSx or Storage Gateway host every /dev/sdf was gone and fstab failed). */
START_TEST(test_scsi_activity_changes_nothing) {
        static const struct {
                const char *path;
                const char *content; /* NULL: a directory */
        } signs[] = {
                { "/sys/class/iscsi_transport/tcp", NULL },
                { "/sys/class/iscsi_session/session1", NULL },
                { "/sys/class/scsi_disk/0:0:0:0", NULL },
                { "/sys/module/scsi_transport_iscsi", NULL },
                { "/etc/iscsi/nodes/iqn.2026-11.test:t1/127.0.0.1,3260,1/default",
                  "node.name = iqn.2026-11.test:t1\nnode.startup = automatic\n" },
                { "/var/lib/iscsi/nodes/iqn.2026-11.test:t2/10.0.0.5,3260,1/default", "node.startup = automatic\n" },
        };

        for (size_t i = 0; i < sizeof(signs) / sizeof(signs[0]); i++) {
                teardown();
                setup();
                if (signs[i].content)
                        fakeroot_write(&root, signs[i].path, signs[i].content);
                else
                        fakeroot_mkdir(&root, signs[i].path);
                ck_assert_links("xvdf", "sdf xvd-sdf\n", "");
        }
}
END_TEST

/* Neither udev's database nor the order of events matters: at boot (empty
 * /run) and on a later change the answer is the same, until a real disk
 * takes the name; when it is gone the name comes back. */
START_TEST(test_same_answer_every_boot) {
        fakeroot_mkdir(&root, "/sys/class/iscsi_session/session1");
        ck_assert_links("xvdf", "sdf xvd-sdf\n", "");
        fakeroot_add_db_links(&root, 202, 80, "sdf xvd-sdf disk/by-id/xen-vbd-51792");
        fakeroot_symlink(&root, "/dev/sdf", "xvdf");
        ck_assert_links("xvdf", "sdf xvd-sdf\n", "");

        fakeroot_add_scsi(&root, "sdf", 8, 80, NULL, 1, 5);
        ck_assert_links("xvdf", "xvd-sdf\n", "ec2-xvd-alias: xvdf: no alias sdf: real SCSI disk sdf (8:80) exists\n");
}
END_TEST

/* The udev event's command never loads libudev (its load time would slow
 * every event), even with udev's database there: `links` answers from the
 * mapping, sysfs and /dev. status does load it (the database is read only
 * through libudev): the check sees a load when there is one. */
START_TEST(test_links_loads_no_libudev) {
        fakeroot_add_db_links(&root, 202, 80, "sdf xvd-sdf");
        fakeroot_symlink(&root, "/dev/sdf", "xvdf");
        fakeroot_trace_libraries(&root, true);
        fakeroot_run(&root, &run, "links", "xvdf", NULL);
        fakeroot_trace_libraries(&root, false);
        ck_assert_run(run, 0, "sdf xvd-sdf\n", "");
        ck_assert(!fakeroot_traced_library(&root, LIBUDEV_SONAME));

        fakeroot_trace_libraries(&root, true);
        fakeroot_run(&root, &run, "status", NULL);
        fakeroot_trace_libraries(&root, false);
        ck_assert_int_eq(run.status, 0);
        ck_assert(fakeroot_traced_library(&root, LIBUDEV_SONAME));
}
END_TEST

START_TEST(test_broken_config) {
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf",
                       "# site policy\n"
                       "mode = sometimes\n"
                       "reserve = sdb1 sdc\n"
                       "colour = blue\n"
                       "no equals sign here\n"
                       "handover_timeout = 1000\n");
        ck_assert_links("xvdf", "sdf xvd-sdf\n",
                        "ec2-xvd-alias: /etc/ec2-xvd-alias.conf:2: mode: unknown value 'sometimes' (auto or off), using auto\n"
                      "ec2-xvd-alias: /etc/ec2-xvd-alias.conf:3: reserve: 'sdb1' is not a whole-disk name like sdb, ignoring it\n"
                      "ec2-xvd-alias: /etc/ec2-xvd-alias.conf:4: unknown key 'colour', ignoring it\n"
                      "ec2-xvd-alias: /etc/ec2-xvd-alias.conf:5: expected 'key = value', ignoring the line\n"
                      "ec2-xvd-alias: /etc/ec2-xvd-alias.conf:6: handover_timeout: '1000' is not a number of seconds from 0.1 to 60, using 5\n");

        /* a directory where the file should be */
        teardown();
        setup();
        fakeroot_mkdir(&root, "/etc/ec2-xvd-alias.conf");
        ck_assert_links("xvdf", "sdf xvd-sdf\n",
                        "ec2-xvd-alias: /etc/ec2-xvd-alias.conf: not a regular file; using the defaults\n");

        /* an over-long line */
        teardown();
        setup();
        {
                char big[3000];

                memset(big, 'x', sizeof(big) - 2);
                big[sizeof(big) - 2] = '\n';
                big[sizeof(big) - 1] = '\0';
                fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", big);
        }
        ck_assert_links("xvdf", "sdf xvd-sdf\n",
                        "ec2-xvd-alias: /etc/ec2-xvd-alias.conf:1: line longer than 1022 characters, ignoring it\n");
}
END_TEST

Suite *links_suite(void) {
        Suite *s = suite_create("links");
        TCase *tc = tcase_create("decisions");

        tcase_set_timeout(tc, 60);

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_nothing_else_present);
        tcase_add_test(tc, test_invalid_names);
        tcase_add_test(tc, test_usage);
        tcase_add_test(tc, test_real_scsi_disk);
        tcase_add_test(tc, test_dev_entries);
        tcase_add_test(tc, test_reserve);
        tcase_add_test(tc, test_modes);
        tcase_add_test(tc, test_mode_compat_old_spelling);
        tcase_add_test(tc, test_cmdline_override);
        tcase_add_test(tc, test_scsi_activity_changes_nothing);
        tcase_add_test(tc, test_same_answer_every_boot);
        tcase_add_test(tc, test_links_loads_no_libudev);
        tcase_add_test(tc, test_broken_config);
        suite_add_tcase(s, tc);
        return s;
}
