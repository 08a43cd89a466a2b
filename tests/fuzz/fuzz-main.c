/* SPDX-License-Identifier: MIT */
/* Replays inputs through LLVMFuzzerTestOneInput without libFuzzer, so the
 * corpus runs as a regression test in every build (gcc too):
 *   fuzz-TARGET FILE|DIR...
 * A directory's regular files run in name order. No input at all is a
 * failure: an empty or missing corpus must not pass. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path) {
        uint8_t *buf = NULL;
        size_t size = 0, alloc = 0;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "fuzz-main: %s: %s\n", path, strerror(errno));
                return -1;
        }
        for (;;) {
                ssize_t n;

                if (size == alloc) {
                        alloc = alloc ? alloc * 2 : 4096;
                        buf = realloc(buf, alloc);
                        fuzz_check(buf);
                }
                n = read(fd, buf + size, alloc - size);
                if (n < 0) {
                        fprintf(stderr, "fuzz-main: %s: %s\n", path, strerror(errno));
                        close(fd);
                        free(buf);
                        return -1;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }
        close(fd);
        /* An exact-size copy, so AddressSanitizer sees any read past the
         * input as libFuzzer's own buffer would show it. */
        {
                uint8_t *exact = malloc(size ? size : 1);

                fuzz_check(exact);
                memcpy(exact, buf, size);
                free(buf);
                printf("fuzz-main: %s (%zu bytes)\n", path, size);
                fflush(stdout);
                LLVMFuzzerTestOneInput(exact, size);
                free(exact);
        }
        return 1;
}

static int not_hidden(const struct dirent *de) {
        return de->d_name[0] != '.';
}

static int run_path(const char *path) {
        struct dirent **entries;
        struct stat st;
        int n, total = 0;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "fuzz-main: %s: %s\n", path, strerror(errno));
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return run_file(path);
        n = scandir(path, &entries, not_hidden, alphasort);
        if (n < 0) {
                fprintf(stderr, "fuzz-main: %s: %s\n", path, strerror(errno));
                return -1;
        }
        for (int i = 0; i < n; i++) {
                char sub[4096];

                snprintf(sub, sizeof(sub), "%s/%s", path, entries[i]->d_name);
                if (stat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
                        int r = run_file(sub);

                        if (r < 0)
                                total = -1;
                        else if (total >= 0)
                                total += r;
                }
                free(entries[i]);
        }
        free(entries);
        return total;
}

int main(int argc, char **argv) {
        int total = 0;

        if (LLVMFuzzerInitialize)
                LLVMFuzzerInitialize(&argc, &argv);
        for (int i = 1; i < argc; i++) {
                int r = run_path(argv[i]);

                if (r < 0)
                        return EXIT_FAILURE;
                total += r;
        }
        if (total == 0) {
                fprintf(stderr, "fuzz-main: no input files (an empty or missing corpus)\n");
                return EXIT_FAILURE;
        }
        printf("fuzz-main: %d inputs replayed, no check failed\n", total);
        return EXIT_SUCCESS;
}
