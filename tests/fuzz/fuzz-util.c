/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "helper/fs-util.h"
#include "helper/log.h"
#include "helper/root.h"

char *fuzz_strndup(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);

        fuzz_check(s);
        if (size > 0)
                memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

static FILE *saved_stderr, *devnull;

void fuzz_log_begin(void) {
        static int verbose = -1;

        if (verbose < 0)
                verbose = getenv("FUZZ_LOG") != NULL;
        log_set_max_level(LOG_DEBUG);
        if (verbose)
                return;
        if (!devnull) {
                devnull = fopen("/dev/null", "we");
                fuzz_check(devnull);
        }
        saved_stderr = stderr;
        stderr = devnull;
}

void fuzz_log_end(void) {
        if (saved_stderr) {
                stderr = saved_stderr;
                saved_stderr = NULL;
        }
}

static char root[PATH_MAX];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        (void) remove(path);
        return 0;
}

static int rm_below_root(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        if (ftw->level > 0)
                (void) rm_entry(path, st, flag, ftw);
        return 0;
}

void fuzz_root_clear(void) {
        (void) nftw(fuzz_root(), rm_below_root, 16, FTW_DEPTH | FTW_PHYS);
}

static void root_remove(void) {
        if (*root)
                (void) nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_root(void) {
        const char *tmp;

        if (*root)
                return root;
        tmp = getenv("TMPDIR");
        snprintf(root, sizeof(root), "%s/ec2xa-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        fuzz_check(mkdtemp(root));
        atexit(root_remove);
        root_set(root);
        return root;
}

/* <root>/relpath; a path that does not fit is a fuzzer bug. */
static void root_file(char path[static PATH_MAX], const char *relpath) {
        int n = snprintf(path, PATH_MAX, "%s/%s", fuzz_root(), relpath);

        fuzz_check(n > 0 && n < PATH_MAX);
}

static void make_parents(const char *path) {
        char dir[PATH_MAX], *slash;

        snprintf(dir, sizeof(dir), "%s", path);
        slash = strrchr(dir, '/');
        fuzz_check(slash);
        *slash = '\0';
        fuzz_check(mkdir_parents(dir) >= 0);
}

void fuzz_write_file(const char *relpath, const uint8_t *data, size_t size) {
        char path[PATH_MAX];
        int fd;

        root_file(path, relpath);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 && errno == ENOENT) {
                make_parents(path);
                fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }
        fuzz_check(fd >= 0);
        while (size > 0) {
                ssize_t n = write(fd, data, size);

                fuzz_check(n > 0);
                data += n;
                size -= (size_t) n;
        }
        fuzz_check(close(fd) == 0);
}

void fuzz_symlink(const char *relpath, const char *target) {
        char path[PATH_MAX];

        root_file(path, relpath);
        if (unlink(path) < 0 && errno == ENOENT)
                make_parents(path);
        fuzz_check(symlink(target, path) == 0);
}
