/* SPDX-License-Identifier: MIT */
/* `status --json` on fake machines (tests/unit/machines.c): the whole
 * object, exactly, where the machine is small; the exit status; and every
 * hostile string escaped. tests/schema validates the same machines'
 * objects against docs/status.schema.json. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "fakeroot.h"
#include "machines.h"
#include "suites.h"

static FakeRoot root;
static HelperRun run;
static char expected[32768];

static void setup(void) {
        fakeroot_init(&root);
}

static void teardown(void) {
        fakeroot_done(&root);
}

/* json_object: the object status --json prints on the fake root, in
 * `expected`: the head every object starts with (the schema, the version,
 * the root), STATE and EXIT_STATUS, then the members in BODY. */
static const char *json_object(const char *state, int exit_status, const char *body) {
        int n = snprintf(expected, sizeof(expected),
                         "{\n"
                         "  \"schema\": \"ec2-xvd-alias-status/1\",\n"
                         "  \"version\": \"" PACKAGE_VERSION "\",\n"
                         "  \"root\": \"%s\",\n"
                         "  \"state\": \"%s\",\n"
                         "  \"exit_status\": %d,\n"
                         "%s"
                         "}\n",
                         root.dir, state, exit_status, body);

        ck_assert_int_lt(n, (int) sizeof(expected));
        return expected;
}

/* Members the same on every fake root (with no configuration file): */
/* the default policy */
#define JSON_DEFAULT_POLICY \
        "  \"policy\": {\n" \
        "    \"mode\": \"auto\",\n" \
        "    \"mode_source\": \"default\",\n" \
        "    \"reserved\": [],\n" \
        "    \"handover_timeout_ms\": 5000\n" \
        "  },\n"
/* libkmod not read under --root; libudev reads the namespace's database */
#define JSON_ROOT_MODULES_AND_DATABASE \
        "  \"iscsi_modules\": {\n" \
        "    \"loaded\": null,\n" \
        "    \"not_read\": \"libkmod reads only the running system, not --root\"\n" \
        "  },\n" \
        "  \"udev_database\": {\n" \
        "    \"readable\": true,\n" \
        "    \"not_read\": null\n" \
        "  },\n"
/* a /dev entry that is a symlink to TARGET (a literal), not the disk's node */
#define JSON_DEV_ENTRY_SYMLINK(target) \
        "      \"dev_entry\": {\n" \
        "        \"kind\": \"symlink\",\n" \
        "        \"ok\": false,\n" \
        "        \"target\": \"" target "\",\n" \
        "        \"description\": \"a symlink to '" target "'\"\n" \
        "      },\n"
/* machine_stock_collision's LUN (a member of a disk or a collision) */
#define JSON_LUN_TARGET1_TRANSPORT \
        "      \"transport\": {\n" \
        "        \"kind\": \"iscsi\",\n" \
        "        \"hctl\": \"2:0:0:0\",\n" \
        "        \"lun\": \"0\",\n" \
        "        \"target\": \"iqn.2026-11.test.ec2-xvd-alias:lun-target1\",\n" \
        "        \"portal\": \"127.0.0.1:3260\",\n" \
        "        \"description\": \"iscsi iqn.2026-11.test.ec2-xvd-alias:lun-target1 lun 0 (127.0.0.1:3260)\"\n" \
        "      }"

START_TEST(test_json_clean) {
        machine_clean(&root);
        fakeroot_run(&root, &run, "status", "--json", NULL);
        json_object("ok", 0,
                    "  \"collision_count\": 0,\n"
                    "  \"warnings\": [],\n"
                    "  \"rule\": {\n"
                    "    \"path\": \"/etc/udev/rules.d/51-ec2-hvm-devices.rules\",\n"
                    "    \"kind\": \"ec2-xvd-alias\"\n"
                    "  },\n"
                    JSON_DEFAULT_POLICY
                    "  \"scsi_activity\": {\n"
                    "    \"seen\": false,\n"
                    "    \"reason\": null,\n"
                    "    \"complete\": true\n"
                    "  },\n"
                    JSON_ROOT_MODULES_AND_DATABASE
                    "  \"xen_disks\": [\n"
                    "    {\n"
                    "      \"name\": \"xvda\",\n"
                    "      \"devnum\": \"202:0\",\n"
                    "      \"ec2_name\": \"sda\",\n"
                    "      \"stable_name\": \"xvd-sda\",\n"
                    "      \"links_now\": [\"sda\", \"xvd-sda\"],\n"
                    "      \"links_next\": [\"sda\", \"xvd-sda\"],\n"
                    "      \"alias\": true,\n"
                    "      \"reason\": \"no real SCSI disk sda\"\n"
                    "    },\n"
                    "    {\n"
                    "      \"name\": \"xvda1\",\n"
                    "      \"devnum\": \"202:1\",\n"
                    "      \"ec2_name\": \"sda1\",\n"
                    "      \"stable_name\": \"xvd-sda1\",\n"
                    "      \"links_now\": [\"sda1\", \"xvd-sda1\"],\n"
                    "      \"links_next\": [\"sda1\", \"xvd-sda1\"],\n"
                    "      \"alias\": true,\n"
                    "      \"reason\": \"no real SCSI disk sda\"\n"
                    "    },\n"
                    "    {\n"
                    "      \"name\": \"xvdf\",\n"
                    "      \"devnum\": \"202:80\",\n"
                    "      \"ec2_name\": \"sdf\",\n"
                    "      \"stable_name\": \"xvd-sdf\",\n"
                    "      \"links_now\": [\"sdf\", \"xvd-sdf\"],\n"
                    "      \"links_next\": [\"sdf\", \"xvd-sdf\"],\n"
                    "      \"alias\": true,\n"
                    "      \"reason\": \"no real SCSI disk sdf\"\n"
                    "    }\n"
                    "  ],\n"
                    "  \"ebs_volumes\": [],\n"
                    "  \"scsi_disks\": [],\n"
                    "  \"names_in_use\": [],\n"
                    "  \"collisions\": []\n");
        ck_assert_run(run, 0, expected, "");

        /* "--json status" is the same command */
        fakeroot_run(&root, &run, "--json", "status", NULL);
        ck_assert_run(run, 0, expected, "");
}
END_TEST

/* The stock rule's collision: critical, and the rule a warning besides. */
START_TEST(test_json_collision) {
        machine_stock_collision(&root);
        fakeroot_run(&root, &run, "status", "--json", NULL);
        json_object("critical", 2,
                    "  \"collision_count\": 2,\n"
                    "  \"warnings\": [\n"
                    "    {\n"
                    "      \"kind\": \"rule\",\n"
                    "      \"message\": \"the rule in force is not ec2-xvd-alias's: /usr/lib/udev/rules.d/51-ec2-hvm-devices.rules (the stock amazon-ec2-utils rule: it aliases unconditionally)\"\n"
                    "    }\n"
                    "  ],\n"
                    "  \"rule\": {\n"
                    "    \"path\": \"/usr/lib/udev/rules.d/51-ec2-hvm-devices.rules\",\n"
                    "    \"kind\": \"amazon-ec2-utils\"\n"
                    "  },\n"
                    JSON_DEFAULT_POLICY
                    "  \"scsi_activity\": {\n"
                    "    \"seen\": true,\n"
                    "    \"reason\": \"iSCSI transport tcp is registered\",\n"
                    "    \"complete\": true\n"
                    "  },\n"
                    JSON_ROOT_MODULES_AND_DATABASE
                    "  \"xen_disks\": [\n"
                    "    {\n"
                    "      \"name\": \"xvda\",\n"
                    "      \"devnum\": \"202:0\",\n"
                    "      \"ec2_name\": \"sda\",\n"
                    "      \"stable_name\": \"xvd-sda\",\n"
                    "      \"links_now\": [\"sda\"],\n"
                    "      \"links_next\": [\"xvd-sda\"],\n"
                    "      \"alias\": false,\n"
                    "      \"reason\": \"real SCSI disk sda (8:0) exists\"\n"
                    "    },\n"
                    "    {\n"
                    "      \"name\": \"xvda1\",\n"
                    "      \"devnum\": \"202:1\",\n"
                    "      \"ec2_name\": \"sda1\",\n"
                    "      \"stable_name\": \"xvd-sda1\",\n"
                    "      \"links_now\": [\"sda1\"],\n"
                    "      \"links_next\": [\"xvd-sda1\"],\n"
                    "      \"alias\": false,\n"
                    "      \"reason\": \"real SCSI disk sda (8:0) exists\"\n"
                    "    },\n"
                    "    {\n"
                    "      \"name\": \"xvdf\",\n"
                    "      \"devnum\": \"202:80\",\n"
                    "      \"ec2_name\": \"sdf\",\n"
                    "      \"stable_name\": \"xvd-sdf\",\n"
                    "      \"links_now\": [],\n"
                    "      \"links_next\": [\"sdf\", \"xvd-sdf\"],\n"
                    "      \"alias\": true,\n"
                    "      \"reason\": \"no real SCSI disk sdf\"\n"
                    "    }\n"
                    "  ],\n"
                    "  \"ebs_volumes\": [],\n"
                    "  \"scsi_disks\": [\n"
                    "    {\n"
                    "      \"name\": \"sda\",\n"
                    "      \"devnum\": \"8:0\",\n"
                    JSON_DEV_ENTRY_SYMLINK("xvda")
                    JSON_LUN_TARGET1_TRANSPORT "\n"
                    "    }\n"
                    "  ],\n"
                    "  \"names_in_use\": [],\n"
                    "  \"collisions\": [\n"
                    "    {\n"
                    "      \"kind\": \"alias\",\n"
                    "      \"name\": \"sda\",\n"
                    "      \"fixable\": true,\n"
                    "      \"holder\": \"xvda\",\n"
                    "      \"disk\": \"sda\",\n"
                    "      \"devnum\": \"8:0\",\n"
                    JSON_DEV_ENTRY_SYMLINK("xvda")
                    JSON_LUN_TARGET1_TRANSPORT ",\n"
                    "      \"multipath_map\": null,\n"
                    "      \"links_elsewhere\": [\n"
                    "        \"/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.2026-11.test.ec2-xvd-alias:lun-target1-lun-0\"\n"
                    "      ],\n"
                    "      \"message\": \"/dev/sda is a symlink to 'xvda', but kernel disk sda is 8:0 (iscsi iqn.2026-11.test.ec2-xvd-alias:lun-target1 lun 0 (127.0.0.1:3260))\"\n"
                    "    },\n"
                    "    {\n"
                    "      \"kind\": \"partition-alias\",\n"
                    "      \"name\": \"sda1\",\n"
                    "      \"fixable\": true,\n"
                    "      \"holder\": \"xvda1\",\n"
                    "      \"disk\": \"sda\",\n"
                    "      \"devnum\": null,\n"
                    JSON_DEV_ENTRY_SYMLINK("xvda1")
                    JSON_LUN_TARGET1_TRANSPORT ",\n"
                    "      \"multipath_map\": null,\n"
                    "      \"links_elsewhere\": [],\n"
                    "      \"message\": \"/dev/sda1 is a symlink to 'xvda1', but sda is a real SCSI disk (iscsi iqn.2026-11.test.ec2-xvd-alias:lun-target1 lun 0 (127.0.0.1:3260)): a partition made on it would be written through this name to the Xen disk\"\n"
                    "    }\n"
                    "  ]\n");
        ck_assert_run(run, 2, expected, "");
}
END_TEST

/* Names in use are a warning: exit 1 with --json, and still 0 for the
 * prose report, whose exit status scripts and the package rely on. */
START_TEST(test_json_names_in_use) {
        machine_names_in_use(&root);
        fakeroot_run(&root, &run, "status", "--json", NULL);
        ck_assert_str_eq(run.err, "");
        ck_assert_int_eq(run.status, 1);
        ck_assert_ptr_nonnull(strstr(run.out,
                "  \"state\": \"warning\",\n"
                "  \"exit_status\": 1,\n"
                "  \"collision_count\": 0,\n"
                "  \"warnings\": [\n"
                "    {\n"
                "      \"kind\": \"names-in-use\",\n"
                "      \"message\": \"3 uses name an EBS volume by an sd name a real SCSI disk can take (names_in_use)\"\n"
                "    }\n"
                "  ],\n"));
        ck_assert_ptr_nonnull(strstr(run.out,
                "  \"names_in_use\": [\n"
                "    {\n"
                "      \"where\": \"/etc/fstab:3\",\n"
                "      \"source\": \"fstab\",\n"
                "      \"file\": \"/etc/fstab\",\n"
                "      \"line\": 3,\n"
                "      \"name\": \"sdf\",\n"
                "      \"device\": \"xvdf\",\n"
                "      \"now\": \"-> xvdf (Xen disk 202:80)\",\n"
                "      \"leads_to\": \"alias\",\n"
                "      \"risk\": \"can-be-taken\",\n"
                "      \"risk_text\": \"a real SCSI disk that arrives (an iSCSI login) takes the name\",\n"
                "      \"fix\": {\n"
                "        \"spec\": \"UUID=0f3c2a4e-9d1b-4c5e-8f00-5a2b7c9d1e01\",\n"
                "        \"stable\": \"/dev/xvd-sdf\"\n"
                "      }\n"
                "    },\n"
                "    {\n"
                "      \"where\": \"/etc/systemd/system/srv.mount:2\",\n"));
        ck_assert_ptr_nonnull(strstr(run.out,
                "    {\n"
                "      \"where\": \"mounted now\",\n"
                "      \"source\": \"mount\",\n"
                "      \"file\": \"/proc/self/mountinfo\",\n"
                "      \"line\": null,\n"
                "      \"name\": \"sdf\",\n"));
        ck_assert_ptr_nonnull(strstr(run.out, "\n  \"collisions\": []\n}\n"));

        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 0);
        ck_assert_ptr_nonnull(strstr(run.out, "\nNames in use:   these name"));
}
END_TEST

/* Every string an attacker can choose is escaped: quotes, backslashes,
 * control characters (C0, DEL, C1), U+2028/U+2029; a byte outside
 * well-formed UTF-8 is U+FFFD, one per byte (a surrogate's three bytes are
 * three); well-formed UTF-8 (U+00E9) stays. No raw control byte is left. */
START_TEST(test_json_hostile) {
        machine_hostile(&root);
        fakeroot_run(&root, &run, "status", "--json", NULL);
        ck_assert_str_eq(run.err, "");
        ck_assert_int_eq(run.status, 2);
        /* /dev/sdg -> q"b\s<LF><TAB><01><7f><ff><c0 af><ed a0 80><c2 9b><e2 80 a8><c3 a9> */
        ck_assert_ptr_nonnull(strstr(run.out,
                "      \"dev_entry\": {\n"
                "        \"kind\": \"symlink\",\n"
                "        \"ok\": false,\n"
                "        \"target\": \"q\\\"b\\\\s\\n\\t\\u0001\\u007f\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\u009b\\u2028\xc3\xa9\",\n"
                "        \"description\": \"a symlink to 'q\\\"b\\\\x5cs\\\\x0a\\\\x09\\\\x01\\\\x7f\\\\xff\\\\xc0\\\\xaf\\\\xed\\\\xa0\\\\x80\\\\xc2\\\\x9b\\\\xe2\\\\x80\\\\xa8\\\\xc3\\\\xa9'\"\n"
                "      },\n"));
        /* the target name: scsi.c made the escape '?', the quote and backslash stay */
        ck_assert_ptr_nonnull(strstr(run.out, "        \"target\": \"iqn.2026-11.evil\\\"\\\\?[2J\",\n"));
        /* a unit file's name and a label */
        ck_assert_ptr_nonnull(strstr(run.out,
                "      \"where\": \"/etc/systemd/system/x\\\"\\\\\\u001b\\u2029.mount:2\",\n"
                "      \"source\": \"unit\",\n"
                "      \"file\": \"/etc/systemd/system/x\\\"\\\\\\u001b\\u2029.mount\",\n"));
        ck_assert_ptr_nonnull(strstr(run.out, "        \"spec\": \"LABEL=da\\\"ta\\\\\\u0001\\ufffd\",\n"));
        for (const char *p = run.out; *p; p++)
                ck_assert_msg((unsigned char) *p >= 0x20 || *p == '\n', "raw control byte 0x%02x at offset %td",
                              (unsigned char) *p, p - run.out);
}
END_TEST

/* The prose report of the same machine: no control byte of a unit file's
 * name or a label reaches the terminal (each is '?'). */
START_TEST(test_prose_hostile) {
        machine_hostile(&root);
        fakeroot_run(&root, &run, "status", NULL);
        ck_assert_int_eq(run.status, 2);
        ck_assert_msg(strstr(run.out, "  /etc/systemd/system/x\"\\????.mount:2: /dev/sdf is "), "%s", run.out);
        for (const char *p = run.out; *p; p++)
                ck_assert_msg((unsigned char) *p >= 0x20 || *p == '\n', "raw control byte 0x%02x at offset %td",
                              (unsigned char) *p, p - run.out);
}
END_TEST

/* A system error (sysfs unreadable) is still one object: state unknown. */
START_TEST(test_json_system_error) {
        char path[256];

        snprintf(path, sizeof(path), "%s/sys/class/block", root.dir);
        ck_assert_int_eq(rmdir(path), 0);
        fakeroot_write(&root, "/sys/class/block", "not a directory\n");
        fakeroot_run(&root, &run, "status", "--json", NULL);
        json_object("unknown", 3, "  \"error\": \"Not a directory\"\n");
        ck_assert_str_eq(run.out, expected);
        ck_assert_int_eq(run.status, 3);
        ck_assert_ptr_nonnull(strstr(run.err, "ec2-xvd-alias: "));
}
END_TEST

/* A bad command line: exit 1 as before, nothing on stdout (so a collector
 * tells it from a warning, which always comes with the object). */
START_TEST(test_json_usage) {
        machine_clean(&root);
        fakeroot_run(&root, &run, "status", "--json", "extra", NULL);
        ck_assert_run(run, 1, "", "ec2-xvd-alias: status takes no arguments\n");
        fakeroot_run(&root, &run, "--json", "links", "xvdf", NULL);
        ck_assert_run(run, 1, "", "ec2-xvd-alias: --json is an option of status only\n");
        fakeroot_run(&root, &run, "repair", "--json", NULL);
        ck_assert_run(run, 1, "", "ec2-xvd-alias: repair takes no arguments\n");
}
END_TEST

Suite *status_json_suite(void) {
        Suite *s = suite_create("status-json");
        TCase *tc = tcase_create("json");

        tcase_set_timeout(tc, 60);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_json_clean);
        tcase_add_test(tc, test_json_collision);
        tcase_add_test(tc, test_json_names_in_use);
        tcase_add_test(tc, test_json_hostile);
        tcase_add_test(tc, test_prose_hostile);
        tcase_add_test(tc, test_json_system_error);
        tcase_add_test(tc, test_json_usage);
        suite_add_tcase(s, tc);
        return s;
}
