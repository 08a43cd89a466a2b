/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "log.h"
#include "name-state.h"
#include "node.h"
#include "root.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

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

void alias_holder(const DiskName *n, char holder[static DISK_NAME_BUF]) {
        char stable[DISK_NAME_BUF];
        DevEntry e;

        disk_name_format_xvd(n, holder);
        disk_name_format_stable(n, stable);
        /* udev's links are relative and in the same directory: a bare name.
         * Only a name the kernel has as a block device counts. */
        if (dev_entry_inspect(stable, &e) < 0 || e.kind != DEV_ENTRY_SYMLINK || strchr(e.target, '/') ||
            strlen(e.target) >= DISK_NAME_BUF || sysfs_block_devnum(e.target, &(dev_t) { 0 }) < 0)
                return;
        memcpy(holder, e.target, strlen(e.target) + 1);
}

int name_inspect(const DiskName *n, NameInfo *ret) {
        int r;

        *ret = (NameInfo) {};
        disk_name_format_ec2(n, ret->name);
        alias_holder(n, ret->holder);
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

/* The partition number of a kernel partition: from an xvd name, else from
 * sysfs (nvme1n1p2 is partition 2). 0 when unknown. */
static unsigned partition_number(const char *part) {
        char path[PATH_MAX], buf[16];
        const char *reason;
        DiskName p;
        char *end;
        unsigned long v;

        if (xvd_name_parse(part, &p, &reason) >= 0)
                return p.partition;
        if (root_path(path, "/sys/class/block/%s/partition", part) < 0 || read_line_file(path, buf, sizeof(buf)) < 0)
                return 0;
        v = strtoul(buf, &end, 10);
        return *end == '\0' && v > 0 && v <= PARTITION_MAX ? (unsigned) v : 0;
}

static int check_partition(const char *part, void *userdata) {
        PartitionWalk *w = userdata;
        DiskName p = *w->disk;
        Alias a;

        p.partition = partition_number(part);
        if (p.partition == 0)
                return 0;
        disk_name_format_ec2(&p, a.name);
        snprintf(a.holder, sizeof(a.holder), "%s", part);
        if (alias_present(&a))
                alias_set_add(w->set, a.name, a.holder, true);
        return 0;
}

void partition_aliases_find(const DiskName *disk, const char *holder, AliasSet *ret) {
        DiskName whole = disk_name_whole(disk);
        PartitionWalk w = { .disk = &whole, .set = ret };

        (void) sysfs_block_foreach_partition(holder, check_partition, &w);
}
