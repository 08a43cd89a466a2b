/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "root.h"
#include "uevent.h"

static void uuid_make(char buf[static UUID_BUF]) {
        static unsigned counter;
        struct timespec ts;
        uint64_t a, b;

        /* Only needs to be unique among the events of this boot: the
         * monotonic clock, the pid and a counter are. getrandom() could
         * block before the entropy pool is ready at boot. */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        a = (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
        b = ((uint64_t) getpid() << 32) | counter++;
        snprintf(buf, UUID_BUF, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned) (a >> 32),
                 (unsigned) ((a >> 16) & 0xffff), (unsigned) (a & 0xfff), (unsigned) ((b >> 48) & 0xfff),
                 (unsigned long long) (b & 0xffffffffffffull));
}

int uevent_send(const char *name, const char *action, const char *args, char uuid[static UUID_BUF]) {
        _cleanup_close_ int fd = -1;
        char path[PATH_MAX], buf[128];
        int r, len;

        r = root_path(path, "/sys/class/block/%s/uevent", name);
        if (r < 0)
                return r;
        uuid_make(uuid);
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return log_warning_errno(errno, "%s: cannot send a %s uevent: %m", name, action);
        len = snprintf(buf, sizeof(buf), "%s %s%s%s", action, uuid, args ? " " : "", args ? args : "");
        if (len < 0 || (size_t) len >= sizeof(buf))
                return log_warning_errno(ENAMETOOLONG, "%s: the %s uevent's arguments are too long", name, action);
        if (write(fd, buf, (size_t) len) != len)
                return log_warning_errno(errno ? errno : EIO, "%s: cannot send a %s uevent: %m", name, action);
        log_debug("%s: sent %s uevent %s%s%s", name, action, uuid, args ? " " : "", args ? args : "");
        return 0;
}

int uevent_request_add(const char *name, char uuid[static UUID_BUF]) {
        return uevent_send(name, "add", NULL, uuid);
}

bool uevent_in_own_add(const char *name) {
        const char *action = getenv("ACTION"), *devname = getenv("DEVNAME");

        if (!action || !devname || strcmp(action, "add") != 0)
                return false;
        if (strncmp(devname, "/dev/", 5) == 0)
                devname += 5;
        return strcmp(devname, name) == 0;
}

bool uevent_is_yield_request_for(const char *letters) {
        const char *v = getenv("SYNTH_ARG_" UEVENT_ARG_YIELD);

        return v && strcmp(v, letters) == 0;
}
