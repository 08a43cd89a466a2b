/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "fs-util.h"
#include "names.h"

/* Facts about one block device and its /dev entry, read from sysfs and /dev
 * (both under --root; udev's database is udev-db.h's). Only the few paths a
 * question needs are looked up: nothing here enumerates every block device. */

/* Parses "MAJ:MIN" at the start of s (digits only, no sign, no wrap).
 * Returns where it stopped, or NULL. */
const char *devnum_parse(const char *s, dev_t *ret);
/* A whole string of digits, no sign, no wrap: 0 or -EINVAL. */
int ino_parse(const char *s, unsigned long long *ret);

/* The device's "MAJ:MIN" from /sys/class/block/NAME/dev. -ENOENT when the
 * kernel has no such device. */
int sysfs_block_devnum(const char *name, dev_t *ret);

/* Calls fn with the kernel name of each partition of the whole disk (its
 * sysfs subdirectories with a "partition" file). 0, or fn's non-zero
 * return, or negative errno; a disk that is gone has no partitions. */
int sysfs_block_foreach_partition(const char *disk, int (*fn)(const char *part, void *userdata), void *userdata);

/* The target of /sys/class/block/NAME, the device's path in sysfs
 * ("../../devices/.../block/sdb"), NUL-terminated. 0, or negative errno. */
int sysfs_block_link(const char *name, char buf[static PATH_MAX]);

/* The whole disk a block device is on: NAME itself for a disk, the
 * directory above it in sysfs for a partition ("nvme0n1" for "nvme0n1p1").
 * 0, or negative errno. */
int sysfs_block_whole_disk(const char *name, char buf[static DISK_NAME_BUF]);

/* Takes LOCK_EX|LOCK_NB on the node of the whole disk DISK. udevd (250 and
 * later) holds LOCK_SH on a whole disk's node for all of an event of it or
 * of its partitions, its rules and its RUN, and requeues an event it cannot
 * lock (systemd's BLOCK_DEVICE_LOCKING.md, 200 ms later): so while the fd
 * is open no such event runs, and -EAGAIN says one runs now. The fd, or
 * -EAGAIN, or another negative errno when it cannot tell: no node, not the
 * block node of DISK's devnum, a nodev mount. */
int block_disk_lock(const char *disk);

typedef enum DevEntryKind {
        DEV_ENTRY_MISSING,
        DEV_ENTRY_NODE,     /* a block device node; devnum is set */
        DEV_ENTRY_SYMLINK,  /* target is set, never followed */
        DEV_ENTRY_OTHER,    /* anything else: a file, a directory, a char node */
} DevEntryKind;

typedef struct DevEntry {
        DevEntryKind kind;
        dev_t devnum;       /* DEV_ENTRY_NODE */
        ino_t ino;          /* every kind but DEV_ENTRY_MISSING */
        char target[DISK_NAME_BUF + 64];
} DevEntry;

/* lstat()s /dev/NAME; reads a symlink's target without following it. A
 * target too long for the buffer is reported as "(long target)". */
int dev_entry_inspect(const char *name, DevEntry *ret);

static inline bool dev_entry_is_node_of(const DevEntry *e, dev_t devnum) {
        return e->kind == DEV_ENTRY_NODE && e->devnum == devnum;
}

/* udev's links are relative and in the same directory: "xvdf". */
static inline bool dev_entry_is_link_to(const DevEntry *e, const char *name) {
        return e->kind == DEV_ENTRY_SYMLINK && streq(e->target, name);
}

/* "the node of 8:0", "a symlink to xvda", "missing", ... for messages. */
const char *dev_entry_describe(const DevEntry *e, char *buf, size_t size);

#define DEVNUM_FMT "%u:%u"
#define DEVNUM_ARGS(d) major(d), minor(d)
