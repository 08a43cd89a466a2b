/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static int max_level = LOG_INFO;
static bool use_syslog = false;

void log_set_max_level(int level) {
        max_level = level;
}

void log_open_syslog(void) {
        openlog("ec2-xvd-alias", LOG_PID, LOG_DAEMON);
        use_syslog = true;
}

int log_internal(int level, int error, const char *format, ...) {
        int saved_errno = errno;
        char line[1024];
        va_list ap;

        error = abs(error);
        if (level > max_level)
                goto out;

        /* %m reads errno. */
        errno = error;
        va_start(ap, format);
        vsnprintf(line, sizeof(line), format, ap);
        va_end(ap);

        fprintf(stderr, "ec2-xvd-alias: %s\n", line);
        if (use_syslog && level <= LOG_NOTICE)
                syslog(level, "%s", line);
out:
        errno = saved_errno;
        return -error;
}
