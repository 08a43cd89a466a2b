/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Each fuzz-*.c defines the libFuzzer entry point. With -Dfuzz=true it is
 * linked with libFuzzer's own main(); otherwise with fuzz-main.c, which
 * replays the corpus files given on the command line, so every normal build
 * re-runs the corpus as meson tests (suite "fuzz"). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A failed property check: a crash for libFuzzer, so it keeps the input. */
#define fuzz_check(expr)                                                                        \
        do {                                                                                    \
                if (!(expr)) {                                                                  \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
                        abort();                                                                \
                }                                                                               \
        } while (0)

/* The input as a NUL-terminated string (it ends at the first NUL byte of the
 * input, as a C string would). The caller frees it. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* The helper logs at debug level while a parser runs, so the fuzzers also
 * exercise every log line's formatting with hostile values, but into
 * /dev/null: the helper writes its log to the stdio stream stderr, which is
 * swapped for the call. Sanitizer reports go to file descriptor 2 directly
 * and are never hidden. FUZZ_LOG=1 in the environment shows the log. */
void fuzz_log_begin(void);
void fuzz_log_end(void);

/* A private fake root (mkdtemp under $TMPDIR), set with root_set() on first
 * use and removed at exit. Paths below are relative to it ("sys/..."). */
const char *fuzz_root(void);
/* Writes data as the whole content of the file, parents created. Aborts on
 * failure: a fuzzer that cannot write its input tests nothing. */
void fuzz_write_file(const char *relpath, const uint8_t *data, size_t size);
/* Replaces relpath with a symlink to target. */
void fuzz_symlink(const char *relpath, const char *target);
/* Empties the fake root (symlinks removed, never followed). */
void fuzz_root_clear(void);
