/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>

#include "name-state.h"

typedef enum CollisionKind {
        COLLISION_ALIAS,           /* /dev/sdX is the xvd alias */
        COLLISION_MISSING,         /* the real disk has no node */
        COLLISION_OWN_STALE,       /* our node of an earlier device of the name */
        COLLISION_FOREIGN,         /* something ec2-xvd-alias did not make */
        COLLISION_PARTITION_ALIAS, /* /dev/sdXN leads to xvdXN while real sdX exists */
        COLLISION_LATENT,          /* node right, but the xvd device still claims the name */
        COLLISION_MULTIPATH,       /* node right, but a multipath map opened it through the alias */
} CollisionKind;

/* A name whose /dev entry does not lead to the real disk, or soon won't. */
typedef struct Collision {
        CollisionKind kind;
        DiskName parsed;  /* the name, parsed as "sd..." */
        NameInfo info;    /* the real disk's name; for a partition alias,
                           * info.name and info.holder are the alias's and
                           * info.devnum is 0 */
} Collision;

static inline bool collision_fixable(CollisionKind k) {
        return k != COLLISION_FOREIGN;
}

/* Every collision on the machine, sorted by name. The caller frees *ret.
 * Enumerates /sys/class/block: for `status` and `repair` only. */
int collisions_find(Collision **ret, size_t *n);
