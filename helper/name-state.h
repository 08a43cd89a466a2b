/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>

#include "names.h"
#include "probe.h"

/* What /dev/NAME is, compared with the real disk of that kernel name. The one
 * place that decides it: claim, recheck, repair and status all ask here. */
typedef enum NameState {
        NAME_RIGHT,     /* the node of the real disk */
        NAME_MISSING,   /* nothing: devtmpfs gave up (EEXIST) or udev removed it */
        NAME_ALIAS,     /* a symlink to the device that holds the alias (xvd) */
        NAME_OWN_STALE, /* a node ec2-xvd-alias made for an earlier device of the name */
        NAME_FOREIGN,   /* anything else: not ours to touch */
} NameState;

typedef struct NameInfo {
        char name[DISK_NAME_BUF];   /* "sda1" */
        char holder[DISK_NAME_BUF]; /* the alias holder that may claim it: "xvda1" */
        dev_t devnum;               /* the real disk's */
        DevEntry entry;             /* /dev/NAME */
        NameState state;
} NameInfo;

/* The kernel name of the device that holds, or would hold, the alias of n:
 * the target of its stable link /dev/xvd-sdX, which the rules give every
 * Xen disk and every EBS NVMe volume ("xvdf", "nvme1n1", "nvme1n1p2"), or
 * else the Xen name ("xvdf"). The handover and the give-back act on it,
 * whichever kind of instance this is. */
void alias_holder(const DiskName *n, char holder[static DISK_NAME_BUF]);

/* Inspects the real disk n (kernel name "sd...") and /dev of its name.
 * 0, -ENOENT when the kernel has no such disk, or another negative errno
 * (logged). */
int name_inspect(const DiskName *n, NameInfo *ret);

/* Re-reads /dev/NAME of an inspected name (after udev acted). */
int name_reinspect(NameInfo *info);

/* Whether the state is one ec2-xvd-alias makes right by putting the real
 * node in place. */
static inline bool name_state_fixable(NameState s) {
        return s == NAME_MISSING || s == NAME_ALIAS || s == NAME_OWN_STALE;
}

/* An alias in the way of a real disk: /dev/NAME is a symlink to HOLDER. */
typedef struct Alias {
        char name[DISK_NAME_BUF];
        char holder[DISK_NAME_BUF];
        /* A partition alias of a real disk: if udev does not drop it in
         * time, the helper removes it (the disk owns the name). A disk's own
         * alias is replaced by the node instead. */
        bool remove_on_timeout;
} Alias;

#define ALIASES_MAX 64

typedef struct AliasSet {
        Alias v[ALIASES_MAX];
        size_t n;
} AliasSet;

void alias_set_add(AliasSet *s, const char *name, const char *holder, bool remove_on_timeout);

/* Whether the /dev entry is a symlink to a Xen disk or partition or an
 * NVMe namespace or partition that the kernel has now (the devices that
 * hold EC2 names); sets holder to its kernel name. */
bool dev_entry_leads_to_holder(const DevEntry *e, char holder[static DISK_NAME_BUF]);

/* Every other name of real disk `disk`'s namespace that leads to a holder:
 * each /dev/sdfN (any digits) that is a symlink to a Xen or NVMe device,
 * whoever made it. While the real disk exists none may stay: mkfs on
 * /dev/sdf1 before udev made the LUN's partition node would format the
 * volume the name leads to. Lists /dev once. */
void partition_aliases_find(const DiskName *disk, AliasSet *ret);

/* Whether /dev/NAME is still the symlink to its holder. */
bool alias_present(const Alias *a);
