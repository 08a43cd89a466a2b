/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "log.h"
#include "name-state.h"
#include "node.h"
#include "root.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool dev_entry_leads_to_holder(const DevEntry *e, char holder[static DISK_NAME_BUF]) {
        size_t len;

        /* udev's links are relative and in /dev itself: a bare name. Only
         * the kinds of device that hold EC2 names, and only a name the
         * kernel has as a block device now. The link is read, never
         * followed. */
        if (e->kind != DEV_ENTRY_SYMLINK || strchr(e->target, '/'))
                return false;
        len = strlen(e->target);
        if (len >= DISK_NAME_BUF || !(startswith(e->target, "xvd") || startswith(e->target, "nvme")))
                return false;
        if (sysfs_block_devnum(e->target, &(dev_t) { 0 }) < 0)
                return false;
        memcpy(holder, e->target, len + 1);
        return true;
}

/* What /dev/NAME is. A symlink to any Xen disk or EBS volume is an alias
 * in the way, whoever made it (our rule, the stock rule before the package
 * was installed, a mapping name that is not the device's own): the holder
 * is what the name leads to. */
static NameState classify(NameInfo *info) {
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
                return dev_entry_leads_to_holder(e, info->holder) ? NAME_ALIAS : NAME_FOREIGN;
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

/* "sdf12" of disk "sdf": the disk's name and digits after it. */
static bool names_in_namespace(const char *entry, const char *disk) {
        size_t len = strlen(disk);

        if (strncmp(entry, disk, len) != 0 || entry[len] < '1' || entry[len] > '9')
                return false;
        for (const char *p = entry + len; *p; p++)
                if (*p < '0' || *p > '9')
                        return false;
        return strlen(entry) < DISK_NAME_BUF;
}

static int alias_by_name(const void *a, const void *b) {
        return strverscmp(((const Alias *) a)->name, ((const Alias *) b)->name);
}

void partition_aliases_find(const DiskName *disk, AliasSet *ret) {
        DiskName whole = disk_name_whole(disk);
        _cleanup_closedir_ DIR *d = NULL;
        char name[DISK_NAME_BUF], path[PATH_MAX];
        struct dirent *de;

        disk_name_format_ec2(&whole, name);
        if (root_path(path, "/dev") < 0)
                return;
        d = opendir(path);
        if (!d)
                return;
        /* One pass over /dev: whatever holds a name of the disk's
         * namespace (a Xen partition, a whole Xen PV disk xvdf1, an EBS
         * volume mapped sdf1 or its partition as sdf11) is found by what
         * the name leads to. */
        while ((de = readdir(d))) {
                char holder[DISK_NAME_BUF];
                DevEntry e;

                if ((de->d_type != DT_LNK && de->d_type != DT_UNKNOWN) || !names_in_namespace(de->d_name, name))
                        continue;
                if (dev_entry_inspect(de->d_name, &e) < 0 || !dev_entry_leads_to_holder(&e, holder))
                        continue;
                alias_set_add(ret, de->d_name, holder, true);
        }
        /* In name order, whatever order /dev lists them in. */
        qsort(ret->v, ret->n, sizeof(ret->v[0]), alias_by_name);
}
