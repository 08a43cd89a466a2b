/* SPDX-License-Identifier: MIT */
#pragma once

#include <dirent.h>

/* /sys/class/block, sorted by version (sda, sdb, ..., sdaa). Only the admin
 * commands (`status`, `repair`) enumerate block devices; udev events look
 * up the few paths they need. */
typedef struct BlockList {
        struct dirent **entries;
        int n;
} BlockList;

int block_list(BlockList *l);
void block_list_done(BlockList *l);
