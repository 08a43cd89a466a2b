/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "blocklist.h"
#include "log.h"
#include "root.h"

void block_list_done(BlockList *l) {
        for (int i = 0; i < l->n; i++)
                free(l->entries[i]);
        free(l->entries);
        *l = (BlockList) {};
}

static int not_dot(const struct dirent *de) {
        return de->d_name[0] != '.';
}

int block_list(BlockList *l) {
        char path[PATH_MAX];
        int r;

        *l = (BlockList) {};
        r = root_path(path, "/sys/class/block");
        if (r < 0)
                return r;
        l->n = scandir(path, &l->entries, not_dot, versionsort);
        if (l->n < 0) {
                l->n = 0;
                return errno == ENOENT ? 0 : log_error_errno(errno, "%s: cannot list: %m", path);
        }
        return 0;
}
