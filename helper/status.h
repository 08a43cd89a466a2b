/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "names.h"
#include "probe.h"

typedef enum CollisionKind {
        COLLISION_ALIAS,      /* /dev/sdX is a symlink (to an xvd disk) */
        COLLISION_MISSING,    /* the real disk has no node */
        COLLISION_WRONG_NODE, /* a node of another device */
        COLLISION_OTHER,      /* a file or directory */
        COLLISION_LATENT,     /* node right, but an xvd device still claims the name */
        COLLISION_MULTIPATH,  /* node right, but a multipath map opened it through the old entry */
} CollisionKind;

/* A kernel SCSI disk whose /dev name does not lead to it, or soon won't. */
typedef struct Collision {
        char name[DISK_NAME_BUF];
        DiskName parsed;
        dev_t devnum;
        DevEntry entry;
        CollisionKind kind;
} Collision;

/* Every collision on the machine, by kernel name. The caller frees *ret. */
int collisions_find(Collision **ret, size_t *n);

/* Prints the status report. 0 when clean, 1 when collisions exist. */
int status_print(const Config *c, FILE *out);
