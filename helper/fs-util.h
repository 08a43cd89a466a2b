/* SPDX-License-Identifier: MIT */
#pragma once

#include <limits.h>
#include <stddef.h>

#include "macro.h"

/* Reads a short sysfs-style file: first line, newline stripped. */
int read_line_file(const char *path, char *buf, size_t size);

/* mkdir -p, mode 0755. */
int mkdir_parents(const char *path);

/* Whether a directory has at least one entry besides . and ..; reads one
 * getdents() batch at most. 0 or 1 (0 for a missing directory). */
int dir_has_entries(const char *path, char *first, size_t first_size);
