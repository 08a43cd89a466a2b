/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "log.h"
#include "macro.h"
#include "probe.h"
#include "root.h"

/* Digits only: no sign, no blanks, no wrap (sscanf's %u takes "-1"). */
static const char *parse_uint(const char *p, unsigned long long max, unsigned long long *ret) {
        unsigned long long v = 0;
        const char *start = p;

        for (; *p >= '0' && *p <= '9'; p++) {
                if (v > (max - (unsigned long long) (*p - '0')) / 10)
                        return NULL;
                v = v * 10 + (unsigned long long) (*p - '0');
        }
        if (p == start)
                return NULL;
        *ret = v;
        return p;
}

const char *devnum_parse(const char *s, dev_t *ret) {
        unsigned long long ma, mi;
        const char *p;

        p = parse_uint(s, UINT_MAX, &ma);
        if (!p || *p != ':')
                return NULL;
        p = parse_uint(p + 1, UINT_MAX, &mi);
        if (!p)
                return NULL;
        *ret = makedev((unsigned) ma, (unsigned) mi);
        return p;
}

int ino_parse(const char *s, unsigned long long *ret) {
        const char *p = parse_uint(s, ULLONG_MAX, ret);

        return p && *p == '\0' ? 0 : -EINVAL;
}

static int parse_devnum(const char *s, dev_t *ret) {
        const char *end = devnum_parse(s, ret);

        return end && *end == '\0' ? 0 : -EINVAL;
}

int sysfs_block_devnum(const char *name, dev_t *ret) {
        char path[PATH_MAX], buf[32];
        int r;

        r = root_path(path, "/sys/class/block/%s/dev", name);
        if (r < 0)
                return r;
        r = read_line_file(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        r = parse_devnum(buf, ret);
        if (r < 0)
                return log_warning_errno(r, "%s: unexpected content '%s'", path, buf);
        return 0;
}

int sysfs_block_foreach_partition(const char *disk, int (*fn)(const char *part, void *userdata), void *userdata) {
        _cleanup_closedir_ DIR *d = NULL;
        char path[PATH_MAX];
        struct dirent *de;
        int r;

        r = root_path(path, "/sys/class/block/%s", disk);
        if (r < 0)
                return r;
        d = opendir(path);
        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        while ((de = readdir(d))) {
                char part[NAME_MAX + 16];
                struct stat st;

                if (!startswith(de->d_name, disk) || streq(de->d_name, disk))
                        continue;
                snprintf(part, sizeof(part), "%s/partition", de->d_name);
                if (fstatat(dirfd(d), part, &st, 0) < 0)
                        continue;
                r = fn(de->d_name, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

int sysfs_block_link(const char *name, char buf[static PATH_MAX]) {
        char path[PATH_MAX];
        ssize_t n;
        int r;

        r = root_path(path, "/sys/class/block/%s", name);
        if (r < 0)
                return r;
        n = readlink(path, buf, PATH_MAX - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}

int sysfs_block_whole_disk(const char *name, char buf[static DISK_NAME_BUF]) {
        char path[PATH_MAX], target[PATH_MAX];
        const char *disk;
        char *slash;
        int r;

        r = root_path(path, "/sys/class/block/%s/partition", name);
        if (r < 0)
                return r;
        if (access(path, F_OK) < 0) {
                if (errno != ENOENT)
                        return -errno;
                disk = name;
        } else {
                /* "../../devices/.../block/nvme0n1/nvme0n1p1" */
                r = sysfs_block_link(name, target);
                if (r < 0)
                        return r;
                slash = strrchr(target, '/');
                if (!slash)
                        return -EINVAL;
                *slash = '\0';
                slash = strrchr(target, '/');
                disk = slash ? slash + 1 : target;
                /* A partition's kernel name starts with its disk's. */
                if (!*disk || !startswith(name, disk))
                        return -EINVAL;
        }
        if (strlen(disk) >= DISK_NAME_BUF)
                return -ENAMETOOLONG;
        strcpy(buf, disk);
        return 0;
}

int block_disk_lock(const char *disk) {
        _cleanup_close_ int fd = -1;
        char path[PATH_MAX];
        struct stat st;
        dev_t devnum;
        int r;

        r = sysfs_block_devnum(disk, &devnum);
        if (r < 0)
                return r;
        r = root_path(path, "/dev/%s", disk);
        if (r < 0)
                return r;
        /* The lock is on the node itself, never on what a link leads to; a
         * read-only open makes no change event (udev watches close-after-
         * write), O_NONBLOCK keeps a drive without media from stalling. */
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISBLK(st.st_mode) || st.st_rdev != devnum)
                return -ENOTBLK;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return TAKE_FD(fd);
}

static int entry_read(const char *path, DevEntry *ret) {
        struct stat st;
        ssize_t n;

        *ret = (DevEntry) {};
        if (lstat(path, &st) < 0) {
                if (errno == ENOENT) {
                        ret->kind = DEV_ENTRY_MISSING;
                        return 0;
                }
                return -errno;
        }
        ret->ino = st.st_ino;
        if (S_ISBLK(st.st_mode)) {
                ret->kind = DEV_ENTRY_NODE;
                ret->devnum = st.st_rdev;
        } else if (S_ISLNK(st.st_mode)) {
                ret->kind = DEV_ENTRY_SYMLINK;
                n = readlink(path, ret->target, sizeof(ret->target));
                if (n < 0)
                        return errno == EINVAL || errno == ENOENT ? -EAGAIN : -errno;
                if ((size_t) n >= sizeof(ret->target))
                        snprintf(ret->target, sizeof(ret->target), "(long target)");
                else
                        ret->target[n] = '\0';
        } else
                ret->kind = DEV_ENTRY_OTHER;
        return 0;
}

int dev_entry_inspect(const char *name, DevEntry *ret) {
        char path[PATH_MAX];
        int r;

        r = root_path(path, "/dev/%s", name);
        if (r < 0)
                return r;
        /* udev or another helper may replace the entry between lstat() and
         * readlink() (a node renamed over the link): look again. */
        for (int tries = 0;; tries++) {
                r = entry_read(path, ret);
                if (r != -EAGAIN)
                        return r;
                if (tries == 8)
                        return -EBUSY;
        }
}

const char *dev_entry_describe(const DevEntry *e, char *buf, size_t size) {
        switch (e->kind) {
        case DEV_ENTRY_MISSING:
                snprintf(buf, size, "missing");
                break;
        case DEV_ENTRY_NODE:
                snprintf(buf, size, "the node of " DEVNUM_FMT, DEVNUM_ARGS(e->devnum));
                break;
        case DEV_ENTRY_SYMLINK: {
                char t[NAME_LOG_BUF];
                snprintf(buf, size, "a symlink to '%s'", name_for_log(e->target, t, sizeof(t)));
                break;
        }
        default:
                snprintf(buf, size, "not a block device node");
        }
        return buf;
}
