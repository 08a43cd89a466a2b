/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "log.h"
#include "node.h"
#include "root.h"

#define NODES_DIR "/run/ec2-xvd-alias/nodes"
/* /dev/.ec2-xvd-alias.NAME.PID: hidden, and never a kernel name. */
#define TMP_PREFIX ".ec2-xvd-alias."

int node_record_read(const char *name, NodeRecord *ret) {
        char path[PATH_MAX], buf[64];
        unsigned long long ino;
        const char *p;
        dev_t devnum;
        int r;

        r = root_path(path, NODES_DIR "/%s", name);
        if (r < 0)
                return r;
        r = read_line_file(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        /* 0.1.0 wrote "MAJ:MIN" alone: without the inode it proves nothing. */
        p = devnum_parse(buf, &devnum);
        if (!p || *p != ' ' || ino_parse(p + 1, &ino) < 0 || ino == 0)
                return -EBADMSG;
        *ret = (NodeRecord) { .devnum = devnum, .ino = (ino_t) ino };
        return 0;
}

bool node_is_recorded(const char *name, const DevEntry *e) {
        NodeRecord rec;

        return e->kind == DEV_ENTRY_NODE && node_record_read(name, &rec) >= 0 && rec.devnum == e->devnum &&
               rec.ino == e->ino;
}

static int record_write(const char *name, const NodeRecord *rec) {
        char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 32];
        _cleanup_close_ int fd = -1;
        int r;

        r = root_path(dir, NODES_DIR);
        if (r < 0)
                return r;
        r = mkdir_parents(dir);
        if (r < 0)
                return r;
        r = root_path(path, NODES_DIR "/%s", name);
        if (r < 0)
                return r;
        snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        if (dprintf(fd, DEVNUM_FMT " %llu\n", DEVNUM_ARGS(rec->devnum), (unsigned long long) rec->ino) < 0 ||
            fsync(fd) < 0 || rename(tmp, path) < 0) {
                r = errno ? -errno : -EIO;
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

static void record_remove(const char *name) {
        char path[PATH_MAX];

        if (root_path(path, NODES_DIR "/%s", name) >= 0)
                (void) unlink(path);
}

/* Unlinks /dev/NAME only while it is still the node (inode) we looked at. */
static int unlink_if_same(const char *path, ino_t ino) {
        struct stat st;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISBLK(st.st_mode) || st.st_ino != ino)
                return 0;
        return unlink(path) < 0 && errno != ENOENT ? -errno : 1;
}

int node_create(const char *name, dev_t devnum) {
        char path[PATH_MAX], tmp[PATH_MAX];
        struct stat st;
        int r;

        (void) node_remove_leftovers();
        r = root_path(path, "/dev/%s", name);
        if (r < 0)
                return r;
        r = root_path(tmp, "/dev/" TMP_PREFIX "%s.%d", name, getpid());
        if (r < 0)
                return r;
        (void) unlink(tmp);
        /* Mode 0600 root: udev applies the rules' owner and mode when it
         * processes the device. */
        if (mknod(tmp, S_IFBLK | 0600, devnum) < 0)
                return log_error_errno(errno, "/dev/%s: cannot create the node " DEVNUM_FMT ": %m", name,
                                       DEVNUM_ARGS(devnum));
        if (lstat(tmp, &st) < 0 || rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return log_error_errno(r, "/dev/%s: cannot put the node in place: %m", name);
        }
        /* Without a record the node is not provably ours, so no release
         * will ever remove it; but the real disk needs its node now, and a
         * record that cannot be written (a read-only /run, a confined udev
         * whose policy does not label the directory) must not take it. */
        r = record_write(name, &(NodeRecord) { .devnum = devnum, .ino = st.st_ino });
        if (r < 0)
                log_error_errno(r, "/dev/%s: cannot record the node in " NODES_DIR " (%m); it stays, and "
                                "ec2-xvd-alias will not remove it when the disk goes", name);
        return 0;
}

int node_remove_own(const char *name, dev_t devnum) {
        char path[PATH_MAX];
        NodeRecord rec;
        int r;

        r = node_record_read(name, &rec);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                log_warning_errno(r, "/dev/%s: the record in " NODES_DIR " is unreadable or from 0.1.0 (%m); "
                                  "leaving the node alone", name);
                return 0;
        }
        if (rec.devnum != devnum)
                return 0;
        r = root_path(path, "/dev/%s", name);
        if (r < 0)
                return r;
        r = unlink_if_same(path, rec.ino);
        if (r < 0)
                return log_error_errno(r, "/dev/%s: cannot remove: %m", name);
        record_remove(name);
        return r;
}

int node_remove_leftovers(void) {
        _cleanup_closedir_ DIR *d = NULL;
        char path[PATH_MAX];
        struct dirent *de;
        int n = 0;

        if (root_path(path, "/dev") < 0)
                return 0;
        d = opendir(path);
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                const char *dot;
                struct stat st;
                char *end;
                long pid;

                if (!startswith(de->d_name, TMP_PREFIX))
                        continue;
                dot = strrchr(de->d_name, '.');
                errno = 0;
                pid = strtol(dot + 1, &end, 10);
                if (errno != 0 || end == dot + 1 || *end != '\0' || pid <= 0 || pid > INT32_MAX)
                        continue;
                /* Still being made by a running helper. */
                if (pid == getpid() || kill((pid_t) pid, 0) == 0 || errno != ESRCH)
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISBLK(st.st_mode))
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
                        log_notice("/dev/%s: removed the temporary node " DEVNUM_FMT
                                   " of a helper that was killed", de->d_name, DEVNUM_ARGS(st.st_rdev));
                        n++;
                }
        }
        return n;
}
