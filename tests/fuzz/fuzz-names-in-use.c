/* SPDX-License-Identifier: MIT */
/* The "names in use" line parsers (helper/names-in-use.c): fstab/crypttab fields,
 * mountinfo sources and unit What= lines. Whatever they accept must be an
 * sd name that parses and that stood in the line as "/dev/NAME". */
#include <string.h>

#include "fuzz.h"
#include "helper/macro.h"
#include "helper/names.h"
#include "helper/names-in-use.h"

static void check_name(int r, const char *line, const char *name) {
        char path[DISK_NAME_BUF + 8];
        const char *reason;
        DiskName n;

        fuzz_check(r == 0 || r == 1);
        if (r == 0)
                return;
        fuzz_check(sd_name_parse(name, &n, &reason) == 0);
        snprintf(path, sizeof(path), "/dev/%s", name);
        fuzz_check(strstr(line, path));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *line = fuzz_strndup(data, size);
        char name[DISK_NAME_BUF];

        for (unsigned field = 0; field < 3; field++) {
                name[0] = '\0';
                check_name(usage_parse_tab_line(line, field, name, sizeof(name)), line, name);
        }
        name[0] = '\0';
        check_name(usage_parse_mountinfo_line(line, name, sizeof(name)), line, name);
        name[0] = '\0';
        check_name(usage_parse_unit_line(line, name, sizeof(name)), line, name);
        return 0;
}
