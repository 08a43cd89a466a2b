/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "log.h"
#include "name-state.h"
#include "node.h"
#include <stdio.h>

static NameState classify(const NameInfo *info) {
        const DevEntry *e = &info->entry;

        switch (e->kind) {
        case DEV_ENTRY_MISSING:
                return NAME_MISSING;
        case DEV_ENTRY_NODE:
                if (e->devnum == info->devnum)
                        return NAME_RIGHT;
                /* Ours only if it is the very node we recorded. */
                return node_is_recorded(info->name, e) ? NAME_OWN_STALE : NAME_FOREIGN;
        case DEV_ENTRY_SYMLINK:
                return dev_entry_is_link_to(e, info->holder) ? NAME_ALIAS : NAME_FOREIGN;
        default:
                return NAME_FOREIGN;
        }
}

int name_reinspect(NameInfo *info) {
        int r;

        r = dev_entry_inspect(info->name, &info->entry);
        if (r < 0)
                return log_error_errno(r, "/dev/%s: cannot inspect: %m", info->name);
        info->state = classify(info);
        return 0;
}

int name_inspect(const DiskName *n, NameInfo *ret) {
        int r;

        *ret = (NameInfo) {};
        disk_name_format_ec2(n, ret->name);
        disk_name_format_xvd(n, ret->holder);
        r = sysfs_block_devnum(ret->name, &ret->devnum);
        if (r < 0)
                return r;
        return name_reinspect(ret);
}

void alias_set_add(AliasSet *s, const char *name, const char *holder, bool remove_on_timeout) {
        if (s->n == ALIASES_MAX)
                return;
        snprintf(s->v[s->n].name, sizeof(s->v[0].name), "%s", name);
        snprintf(s->v[s->n].holder, sizeof(s->v[0].holder), "%s", holder);
        s->v[s->n].remove_on_timeout = remove_on_timeout;
        s->n++;
}

bool alias_present(const Alias *a) {
        DevEntry e;

        return dev_entry_inspect(a->name, &e) >= 0 && dev_entry_is_link_to(&e, a->holder);
}

typedef struct PartitionWalk {
        const DiskName *disk;
        AliasSet *set;
} PartitionWalk;

static int check_partition(const char *part, void *userdata) {
        PartitionWalk *w = userdata;
        const char *reason;
        char ec2[DISK_NAME_BUF];
        Alias a;
        DiskName p;

        if (xvd_name_parse(part, &p, &reason) < 0 || p.partition == 0 || !streq(p.letters, w->disk->letters))
                return 0;
        disk_name_format_ec2(&p, ec2);
        snprintf(a.name, sizeof(a.name), "%s", ec2);
        snprintf(a.holder, sizeof(a.holder), "%s", part);
        if (alias_present(&a))
                alias_set_add(w->set, a.name, a.holder, true);
        return 0;
}

void partition_aliases_find(const DiskName *disk, AliasSet *ret) {
        char xvd[DISK_NAME_BUF];
        DiskName whole = disk_name_whole(disk);
        PartitionWalk w = { .disk = &whole, .set = ret };

        disk_name_format_xvd(&whole, xvd);
        (void) sysfs_block_foreach_partition(xvd, check_partition, &w);
}
