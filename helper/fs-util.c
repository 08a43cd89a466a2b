/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fs-util.h"

int read_line_file(const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = -1;
        ssize_t n;
        char *nl;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        nl = strchr(buf, '\n');
        if (nl)
                *nl = '\0';
        return 0;
}

int mkdir_parents(const char *path) {
        char buf[PATH_MAX];

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int dir_has_entries(const char *path, char *first, size_t first_size) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        d = opendir(path);
        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (first)
                        snprintf(first, first_size, "%s", de->d_name);
                return 1;
        }
        return 0;
}
