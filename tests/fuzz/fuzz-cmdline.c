/* SPDX-License-Identifier: MIT */
/* config_parse_cmdline() (helper/config.c) on the input as a kernel command
 * line (a NUL-terminated copy, as read from /proc/cmdline). Checked against
 * a second, deliberately simple reading of the documented rule: the last
 * word (separated by space, tab or newline) that is exactly
 * "ec2_xvd_alias.mode=auto|compat|off" sets the mode; nothing else changes
 * the configuration. */
#include <string.h>

#include "fuzz.h"
#include "helper/config.h"
#include "helper/macro.h"

/* The oracle: 1 with the mode of the last valid key, 0 if none. */
static int expected_mode(const char *cmdline, AliasMode *ret) {
        static const char *const words[] = {
                "ec2_xvd_alias.mode=auto", "ec2_xvd_alias.mode=compat", "ec2_xvd_alias.mode=off"
        };
        static const AliasMode modes[] = { MODE_AUTO, MODE_AUTO /* 0.1.0's name */, MODE_OFF };
        const char *p = cmdline;
        int found = 0;

        while (*p) {
                size_t len;

                while (*p == ' ' || *p == '\t' || *p == '\n')
                        p++;
                len = strcspn(p, " \t\n");
                for (size_t i = 0; i < ELEMENTSOF(words); i++)
                        if (len == strlen(words[i]) && strncmp(p, words[i], len) == 0) {
                                *ret = modes[i];
                                found = 1;
                        }
                p += len;
        }
        return found;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *cmdline = NULL;
        Config c, before;
        AliasMode expect;

        cmdline = fuzz_strndup(data, size);
        config_init(&c);
        /* Something the command line must not touch. */
        c.n_reserve = 1;
        snprintf(c.reserve[0], sizeof(c.reserve[0]), "sdq");
        c.handover_timeout_ms = 1234;
        before = c;

        fuzz_log_begin();
        config_parse_cmdline(&c, cmdline);
        fuzz_log_end();

        if (expected_mode(cmdline, &expect)) {
                fuzz_check(c.mode == expect);
                fuzz_check(streq(c.mode_source, "kernel command line"));
        } else {
                fuzz_check(c.mode == before.mode);
                fuzz_check(streq(c.mode_source, before.mode_source));
        }
        fuzz_check(c.n_reserve == 1 && streq(c.reserve[0], "sdq"));
        fuzz_check(c.handover_timeout_ms == 1234);
        return 0;
}
