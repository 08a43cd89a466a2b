/* SPDX-License-Identifier: MIT */
#pragma once

#include <check.h>

/* One suite per module; test-main.c runs the ones its executable links. */
Suite *names_suite(void);
Suite *config_suite(void);
Suite *links_suite(void);
Suite *status_suite(void);
Suite *status_json_suite(void);
Suite *nvme_suite(void);
Suite *nitro_suite(void);
Suite *handover_suite(void);
Suite *schema_suite(void);

#define ck_assert_run(run, exp_status, exp_out, exp_err)                  \
        do {                                                              \
                ck_assert_str_eq((run).out, (exp_out));                   \
                ck_assert_str_eq((run).err, (exp_err));                   \
                ck_assert_int_eq((run).status, (exp_status));             \
        } while (0)
