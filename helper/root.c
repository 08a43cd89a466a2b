/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "root.h"

static const char *root = "";

void root_set(const char *dir) {
        /* "/" and "" both mean the running system. */
        root = (dir && !streq(dir, "/")) ? dir : "";
}

const char *root_get(void) {
        return *root ? root : "/";
}

bool root_is_host(void) {
        return *root == '\0';
}

int root_path(char buf[static PATH_MAX], const char *format, ...) {
        va_list ap;
        int n, m;

        n = snprintf(buf, PATH_MAX, "%s", root);
        if (n < 0 || n >= PATH_MAX)
                return -ENAMETOOLONG;
        va_start(ap, format);
        m = vsnprintf(buf + n, PATH_MAX - (size_t) n, format, ap);
        va_end(ap);
        if (m < 0 || n + m >= PATH_MAX)
                return -ENAMETOOLONG;
        return 0;
}
