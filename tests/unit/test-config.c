/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "helper/config.h"
#include "suites.h"

static void parse(Config *c, const char *text) {
        FILE *f = fmemopen((void *) text, strlen(text), "r");

        ck_assert_ptr_nonnull(f);
        config_init(c);
        config_parse(c, f, "test.conf");
        fclose(f);
}

START_TEST(test_defaults) {
        Config c;

        parse(&c, "");
        ck_assert_int_eq(c.mode, MODE_AUTO);
        ck_assert_str_eq(c.mode_source, "default");
        ck_assert_uint_eq(c.n_reserve, 0);
        ck_assert_uint_eq(c.handover_timeout_ms, 5000);
}
END_TEST

START_TEST(test_values) {
        Config c;

        parse(&c, "# comment\n"
                  "\n"
                  "  mode=off   # trailing comment\n"
                  "reserve = sdb sdc\n"
                  "reserve =\tsdd  sdb\n"
                  "handover_timeout = 0.25\n");
        ck_assert_int_eq(c.mode, MODE_OFF);
        ck_assert_str_eq(c.mode_source, "test.conf:3");
        ck_assert_uint_eq(c.n_reserve, 3);
        ck_assert(config_is_reserved(&c, "sdb"));
        ck_assert(config_is_reserved(&c, "sdc"));
        ck_assert(config_is_reserved(&c, "sdd"));
        ck_assert(!config_is_reserved(&c, "sda"));
        ck_assert_uint_eq(c.handover_timeout_ms, 250);
}
END_TEST

START_TEST(test_bad_values_keep_defaults) {
        Config c;

        parse(&c, "mode = sometimes\n"
                  "reserve = sdb1 xvda sdc ../sda\n"
                  "handover_timeout = 0\n"
                  "handover_timeout = 61\n"
                  "handover_timeout = nan\n"
                  "colour = blue\n"
                  "just words\n");
        ck_assert_int_eq(c.mode, MODE_AUTO);
        ck_assert_uint_eq(c.n_reserve, 1);
        ck_assert(config_is_reserved(&c, "sdc"));
        ck_assert_uint_eq(c.handover_timeout_ms, 5000);
}
END_TEST

START_TEST(test_cmdline) {
        Config c;

        config_init(&c);
        config_parse_cmdline(&c, "root=/dev/xvda1 ec2_xvd_alias.mode=off ro");
        ck_assert_int_eq(c.mode, MODE_OFF);
        ck_assert_str_eq(c.mode_source, "kernel command line");

        /* the last one wins; a bad one is ignored */
        config_parse_cmdline(&c, "ec2_xvd_alias.mode=auto ec2_xvd_alias.mode=bogus");
        ck_assert_int_eq(c.mode, MODE_AUTO);
        config_parse_cmdline(&c, "ec2_xvd_alias.mode=off ec2_xvd_alias.mode=auto");
        ck_assert_int_eq(c.mode, MODE_AUTO);

        /* look-alikes are not the key */
        config_init(&c);
        config_parse_cmdline(&c, "xec2_xvd_alias.mode=off ec2_xvd_alias.modex=off ec2_xvd_alias.mode");
        ck_assert_int_eq(c.mode, MODE_AUTO);
        ck_assert_str_eq(c.mode_source, "default");
}
END_TEST

/* The old spelling still parses: "compat", 0.1.0's name for the one rule,
 * is "auto", in the file and on the kernel command line. The only test
 * that writes it; every other one says "auto". */
START_TEST(test_mode_compat_old_spelling) {
        Config c;

        parse(&c, "mode = compat\n");
        ck_assert_int_eq(c.mode, MODE_AUTO);
        ck_assert_str_eq(c.mode_source, "test.conf:1");

        parse(&c, "mode = off\n");
        config_parse_cmdline(&c, "ec2_xvd_alias.mode=compat");
        ck_assert_int_eq(c.mode, MODE_AUTO);
        ck_assert_str_eq(c.mode_source, "kernel command line");
}
END_TEST

Suite *config_suite(void) {
        Suite *s = suite_create("config");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_values);
        tcase_add_test(tc, test_bad_values_keep_defaults);
        tcase_add_test(tc, test_cmdline);
        tcase_add_test(tc, test_mode_compat_old_spelling);
        suite_add_tcase(s, tc);
        return s;
}
