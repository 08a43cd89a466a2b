/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

#include "fs-util.h"
#include "log.h"
#include "name-lock.h"
#include "root.h"
#include "udev-wait.h"

#define LOCK_DIR "/run/ec2-xvd-alias/lock"
/* Far more than any holder keeps it; far less than udev's event timeout. */
#define LOCK_WAIT_MS 5000u

static int lock_open(const char *name) {
        char dir[PATH_MAX], path[PATH_MAX];
        int fd, r;

        r = root_path(path, LOCK_DIR "/%s", name);
        if (r < 0)
                return r;
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd >= 0 || errno != ENOENT)
                return fd >= 0 ? fd : -errno;
        r = root_path(dir, LOCK_DIR);
        if (r < 0)
                return r;
        r = mkdir_parents(dir);
        if (r < 0)
                return r;
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        return fd >= 0 ? fd : -errno;
}

int name_lock(const char *name, NameLock *ret) {
        uint64_t deadline = now_ms() + LOCK_WAIT_MS;
        int fd;

        *ret = NAME_LOCK_NULL;
        fd = lock_open(name);
        if (fd < 0)
                return log_warning_errno(fd, "/dev/%s: cannot open its lock in " LOCK_DIR " (%m); going on without it",
                                         name);
        for (;;) {
                if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                        break;
                if (errno != EWOULDBLOCK && errno != EINTR) {
                        int r = -errno;

                        close(fd);
                        return log_warning_errno(r, "/dev/%s: cannot take its lock (%m); going on without it", name);
                }
                if (now_ms() >= deadline) {
                        close(fd);
                        return log_warning_errno(ETIMEDOUT, "/dev/%s: another ec2-xvd-alias held its lock for %.1f s; "
                                                 "going on without it", name, LOCK_WAIT_MS / 1000.0);
                }
                (void) nanosleep(&(struct timespec) { .tv_nsec = 2 * 1000 * 1000 }, NULL);
        }
        ret->fd = fd;
        return 0;
}

void name_unlock(NameLock *l) {
        if (l->fd >= 0)
                close(l->fd); /* drops the flock */
        l->fd = -1;
}
