/* SPDX-License-Identifier: MIT */
#pragma once

#include <limits.h>

#include "macro.h"

/* Every path the helper reads or writes goes through root_path(), so that
 * --root DIR moves the whole machine state (sys, dev, etc, proc/cmdline,
 * run) under DIR for tests and dry runs. */
void root_set(const char *dir);
const char *root_get(void);
bool root_is_host(void);

/* Formats DIR + the absolute path into buf. -ENAMETOOLONG if it does not fit. */
int root_path(char buf[static PATH_MAX], const char *format, ...) _printf_(2, 3);
