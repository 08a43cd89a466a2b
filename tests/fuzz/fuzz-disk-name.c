/* SPDX-License-Identifier: MIT */
/* disk_name_parse() and the formatters (helper/names.c), and name_for_log().
 * The first input byte picks the prefix ("xvd" when even, "sd" when odd); the
 * rest is the name. Properties checked:
 * - a parsed name has 1 to 4 lowercase letters and a partition up to 255;
 * - the parser accepts canonical names only: formatting the result with the
 *   same prefix gives back the input exactly;
 * - each formatted name parses again to the same DiskName (round trip), and
 *   the stable name is "xvd-" + the EC2 name;
 * - a rejected name always comes with a reason;
 * - name_for_log() output fits the buffer, is printable ASCII, and decodes
 *   back to the input when the input is short enough to be kept whole. */
#include <string.h>

#include "fuzz.h"
#include "helper/macro.h"
#include "helper/names.h"

static void check_same(const DiskName *a, const DiskName *b) {
        fuzz_check(streq(a->letters, b->letters));
        fuzz_check(a->partition == b->partition);
}

static void check_round_trip(const DiskName *n) {
        char ec2[DISK_NAME_BUF], xvd[DISK_NAME_BUF], stable[DISK_NAME_BUF], expect[DISK_NAME_BUF + 8];
        const char *reason = NULL;
        DiskName again, whole;

        disk_name_format_ec2(n, ec2);
        disk_name_format_xvd(n, xvd);
        disk_name_format_stable(n, stable);
        fuzz_check(disk_name_parse(ec2, "sd", &again, &reason) == 0);
        check_same(n, &again);
        fuzz_check(disk_name_parse(xvd, "xvd", &again, &reason) == 0);
        check_same(n, &again);
        snprintf(expect, sizeof(expect), "xvd-%s", ec2);
        fuzz_check(streq(stable, expect));
        /* The stable link is never a kernel name of either kind. */
        fuzz_check(disk_name_parse(stable, "xvd", &again, &reason) < 0);
        fuzz_check(disk_name_parse(stable, "sd", &again, &reason) < 0);

        whole = disk_name_whole(n);
        fuzz_check(whole.partition == 0);
        fuzz_check(streq(whole.letters, n->letters));
}

static int hex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

static void check_name_for_log(const char *name, size_t size) {
        char *buf = malloc(size), decoded[64];
        const char *out;
        size_t len, d = 0;

        fuzz_check(buf);
        out = name_for_log(name, buf, size);
        fuzz_check(out == buf);
        len = strnlen(buf, size);
        fuzz_check(len < size);
        for (size_t i = 0; i < len; i++)
                fuzz_check(buf[i] >= 0x20 && buf[i] < 0x7f);

        /* Up to 40 characters of at most 4 output bytes each fit in 164. */
        if (strlen(name) <= 40 && size >= 40 * 4 + 1) {
                for (size_t i = 0; i < len; d++) {
                        if (buf[i] == '\\') {
                                fuzz_check(i + 3 < len && buf[i + 1] == 'x');
                                fuzz_check(hex(buf[i + 2]) >= 0 && hex(buf[i + 3]) >= 0);
                                decoded[d] = (char) (hex(buf[i + 2]) * 16 + hex(buf[i + 3]));
                                i += 4;
                        } else
                                decoded[d] = buf[i++];
                        fuzz_check(d < sizeof(decoded) - 1);
                }
                decoded[d] = '\0';
                fuzz_check(streq(decoded, name));
        }
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *prefix, *reason = NULL;
        char *name, formatted[DISK_NAME_BUF];
        DiskName n;
        size_t len;

        if (size < 1)
                return 0;
        prefix = (data[0] & 1) ? "sd" : "xvd";
        name = fuzz_strndup(data + 1, size - 1);
        len = strlen(name);

        memset(&n, 0xaa, sizeof(n));
        if (disk_name_parse(name, prefix, &n, &reason) == 0) {
                size_t letters = strnlen(n.letters, sizeof(n.letters));

                fuzz_check(letters >= 1 && letters <= DISK_LETTERS_MAX);
                for (size_t i = 0; i < letters; i++)
                        fuzz_check(n.letters[i] >= 'a' && n.letters[i] <= 'z');
                fuzz_check(n.partition <= PARTITION_MAX);
                fuzz_check(len <= DISK_NAME_MAX);

                if (prefix[0] == 's')
                        disk_name_format_ec2(&n, formatted);
                else
                        disk_name_format_xvd(&n, formatted);
                fuzz_check(streq(formatted, name));
                check_round_trip(&n);
        } else
                fuzz_check(reason && *reason);

        check_name_for_log(name, NAME_LOG_BUF);
        /* Small buffers, chosen by the input, exercise the truncation. */
        check_name_for_log(name, 1 + data[0] % 48);
        free(name);
        return 0;
}
