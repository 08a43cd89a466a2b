/* SPDX-License-Identifier: MIT */
/* The schema test: `status --json` of the built helper on every fake
 * machine (tests/unit/machines.c, and a few more states here) is valid
 * against docs/status.schema.json, checked by python3-jsonschema through
 * tests/schema/validate-status.py; the exit status is the object's
 * "exit_status"; and the validator rejects objects made invalid one way
 * at a time, so that a pass means something. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakeroot.h"
#include "machines.h"
#include "suites.h"

static FakeRoot root;
static HelperRun run;

static void setup(void) {
        fakeroot_init(&root);
}

static void teardown(void) {
        fakeroot_done(&root);
}

/* Runs the validator on the text; its exit status. */
static int validate(const char *text, char *log, size_t size) {
        const char *python = getenv("EC2XA_PYTHON"), *script = getenv("EC2XA_VALIDATOR"),
                   *schema = getenv("EC2XA_SCHEMA");
        char path[PATH_MAX];
        int out[2], status;
        size_t len = 0;
        ssize_t n;
        FILE *f;
        pid_t pid;

        ck_assert_msg(python && script && schema, "EC2XA_PYTHON, EC2XA_VALIDATOR, EC2XA_SCHEMA not set");
        snprintf(path, sizeof(path), "%s/status.json", root.dir);
        f = fopen(path, "we");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);

        ck_assert_int_eq(pipe(out), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                dup2(out[1], 1);
                dup2(out[1], 2);
                close(out[0]);
                close(out[1]);
                execl(python, python, script, schema, path, (char *) NULL);
                _exit(127);
        }
        close(out[1]);
        while (len < size - 1 && (n = read(out[0], log + len, size - 1 - len)) > 0)
                len += (size_t) n;
        log[len] = '\0';
        close(out[0]);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* status --json on the machine: valid, and its exit status the object's. */
static void check_machine(int want_status) {
        char log[4096], field[32];

        fakeroot_run(&root, &run, "status", "--json", NULL);
        ck_assert_int_eq(run.status, want_status);
        snprintf(field, sizeof(field), "\n  \"exit_status\": %d,\n", want_status);
        ck_assert_msg(strstr(run.out, field), "no %s in:\n%s", field, run.out);
        ck_assert_msg(validate(run.out, log, sizeof(log)) == 0, "schema validation failed:\n%s\noutput:\n%s", log,
                      run.out);
}

START_TEST(test_schema_clean) {
        machine_clean(&root);
        check_machine(0);
}
END_TEST

START_TEST(test_schema_nitro) {
        machine_nitro(&root);
        check_machine(0);
}
END_TEST

START_TEST(test_schema_collision) {
        machine_stock_collision(&root);
        check_machine(2);
}
END_TEST

START_TEST(test_schema_names_in_use) {
        machine_names_in_use(&root);
        check_machine(1);
}
END_TEST

START_TEST(test_schema_hostile) {
        machine_hostile(&root);
        check_machine(2);
}
END_TEST

/* mode off and reserved names from the file, a missing node (collision
 * "missing"), a real disk's node in place (dev_entry "ok"): every branch
 * of dev_entry and policy that the machines above leave out. */
START_TEST(test_schema_config_and_missing) {
        machine_clean(&root);
        fakeroot_write(&root, "/etc/ec2-xvd-alias.conf", "mode = off\nreserve = sdb sdc\n");
        fakeroot_add_scsi(&root, "sdb", 8, 16, NULL, 0, 0);
        check_machine(2);
        ck_assert_ptr_nonnull(strstr(run.out, "\"reserved\": [\"sdb\", \"sdc\"],"));
        ck_assert_ptr_nonnull(strstr(run.out, "\"kind\": \"missing\""));
}
END_TEST

/* Without the namespace, libudev cannot read the fake machine's database:
 * links_now is null, and that is a warning. */
START_TEST(test_schema_udev_unread) {
        machine_clean(&root);
        root.host_namespace = true;
        check_machine(1);
        ck_assert_ptr_nonnull(strstr(run.out, "\"links_now\": null,"));
}
END_TEST

START_TEST(test_schema_system_error) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/sys/class/block", root.dir);
        ck_assert_int_eq(rmdir(path), 0);
        fakeroot_write(&root, "/sys/class/block", "not a directory\n");
        check_machine(3);
}
END_TEST

/* One change to a valid object, each of which the validator must reject. */
static const struct {
        const char *what, *from, *to;
} breakages[] = {
        { "an unknown state", "\"state\": \"ok\"", "\"state\": \"fine\"" },
        { "exit_status as a string", "\"exit_status\": 0,", "\"exit_status\": \"0\"," },
        { "state ok with exit_status 2", "\"exit_status\": 0,", "\"exit_status\": 2," },
        { "no schema key", "  \"schema\": \"ec2-xvd-alias-status/1\",\n", "" },
        { "another schema version", "ec2-xvd-alias-status/1", "ec2-xvd-alias-status/2" },
        { "a key the schema does not have", "  \"warnings\": [],\n", "  \"warnings\": [],\n  \"colour\": 1,\n" },
        { "a devnum that is not MAJ:MIN", "\"devnum\": \"202:80\"", "\"devnum\": \"202-80\"" },
        { "a count that is not the collisions'", "\"collision_count\": 0,", "\"collision_count\": 1," },
        { "a duplicate key", "  \"warnings\": [],\n", "  \"warnings\": [],\n  \"warnings\": [],\n" },
        { "a raw control character in a string", "\"mode_source\": \"default\"", "\"mode_source\": \"def\tault\"" },
        { "a byte that is not UTF-8", "\"mode_source\": \"default\"", "\"mode_source\": \"def\xffult\"" },
        { "a second document after the first", "\n  \"collisions\": []\n}\n", "\n  \"collisions\": []\n}\n{}\n" },
        { "a trailing comma", "\n  \"collisions\": []\n}\n", "\n  \"collisions\": [],\n}\n" },
};

START_TEST(test_schema_rejects_invalid) {
        char log[4096], *broken;
        const char *at;
        size_t i = (size_t) _i;

        machine_clean(&root);
        fakeroot_run(&root, &run, "status", "--json", NULL);
        ck_assert_int_eq(validate(run.out, log, sizeof(log)), 0);

        at = strstr(run.out, breakages[i].from);
        ck_assert_msg(at, "'%s' not in the output", breakages[i].from);
        broken = calloc(1, strlen(run.out) + strlen(breakages[i].to) + 1);
        ck_assert_ptr_nonnull(broken);
        memcpy(broken, run.out, (size_t) (at - run.out));
        strcat(broken, breakages[i].to);
        strcat(broken, at + strlen(breakages[i].from));
        ck_assert_msg(validate(broken, log, sizeof(log)) == 1, "%s: not rejected:\n%s", breakages[i].what, log);
        ck_assert_msg(strncmp(log, "FAIL: ", 6) == 0, "%s: no FAIL line:\n%s", breakages[i].what, log);
        free(broken);
}
END_TEST

Suite *schema_suite(void) {
        Suite *s = suite_create("schema");
        TCase *tc = tcase_create("status-json");

        tcase_set_timeout(tc, 60);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_schema_clean);
        tcase_add_test(tc, test_schema_nitro);
        tcase_add_test(tc, test_schema_collision);
        tcase_add_test(tc, test_schema_names_in_use);
        tcase_add_test(tc, test_schema_hostile);
        tcase_add_test(tc, test_schema_config_and_missing);
        tcase_add_test(tc, test_schema_udev_unread);
        tcase_add_test(tc, test_schema_system_error);
        tcase_add_loop_test(tc, test_schema_rejects_invalid, 0, (int) (sizeof(breakages) / sizeof(breakages[0])));
        suite_add_tcase(s, tc);
        return s;
}
