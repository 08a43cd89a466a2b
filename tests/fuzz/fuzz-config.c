/* SPDX-License-Identifier: MIT */
/* config_parse() (helper/config.c) on the input as a configuration file,
 * read through fmemopen() as the helper reads /etc/ec2-xvd-alias.conf.
 * The parser "never fails": whatever the input, the result must be a valid
 * Config. Properties checked:
 * - mode is auto or off ("compat" reads as auto), and mode_source is "default" or
 *   "fuzz.conf:LINE";
 * - at most CONFIG_RESERVE_MAX reserved names, each a whole-disk sd name
 *   (sd + 1 to 4 lowercase letters), no duplicates, and config_is_reserved()
 *   agrees;
 * - handover_timeout is within 0.1 s to 60 s. */
#include <string.h>

#include "fuzz.h"
#include "helper/config.h"
#include "helper/macro.h"
#include "helper/names.h"

static void check_config(const Config *c) {
        unsigned line;
        char extra;

        fuzz_check(c->mode == MODE_AUTO || c->mode == MODE_OFF);
        fuzz_check(mode_to_string(c->mode));
        fuzz_check(strnlen(c->mode_source, sizeof(c->mode_source)) < sizeof(c->mode_source));
        fuzz_check(streq(c->mode_source, "default") ||
                   (sscanf(c->mode_source, "fuzz.conf:%u%c", &line, &extra) == 1 && line >= 1));

        fuzz_check(c->n_reserve <= CONFIG_RESERVE_MAX);
        for (size_t i = 0; i < c->n_reserve; i++) {
                const char *reason;
                DiskName n;

                fuzz_check(strnlen(c->reserve[i], sizeof(c->reserve[i])) < sizeof(c->reserve[i]));
                fuzz_check(sd_name_parse(c->reserve[i], &n, &reason) == 0);
                fuzz_check(n.partition == 0);
                fuzz_check(config_is_reserved(c, c->reserve[i]));
                for (size_t j = 0; j < i; j++)
                        fuzz_check(!streq(c->reserve[i], c->reserve[j]));
        }
        fuzz_check(c->handover_timeout_ms >= 100 && c->handover_timeout_ms <= 60000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *copy = NULL;
        Config c;
        FILE *f;

        /* An exact-size heap copy: fmemopen() needs a writable buffer, and
         * ASan then sees a read past the input. */
        copy = malloc(size ? size : 1);
        fuzz_check(copy);
        if (size > 0)
                memcpy(copy, data, size);
        f = size > 0 ? fmemopen(copy, size, "r") : fopen("/dev/null", "re");
        fuzz_check(f);

        config_init(&c);
        fuzz_log_begin();
        config_parse(&c, f, "fuzz.conf");
        fuzz_log_end();
        fclose(f);
        check_config(&c);
        return 0;
}
