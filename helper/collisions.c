/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blocklist.h"
#include "collisions.h"
#include "log.h"
#include "multipath.h"
#include "probe.h"
#include "udev-db.h"

typedef struct Found {
        Collision *v;
        size_t n, size;
} Found;

static Collision *found_add(Found *f, CollisionKind kind, const DiskName *parsed) {
        if (f->n == f->size) {
                size_t size = f->size ? f->size * 2 : 16;
                Collision *v = reallocarray(f->v, size, sizeof(Collision));

                if (!v)
                        return NULL;
                f->v = v;
                f->size = size;
        }
        f->v[f->n] = (Collision) { .kind = kind, .parsed = *parsed };
        return &f->v[f->n++];
}

static bool xvd_claims(const NameInfo *info) {
        return udev_db_name_has_link(info->holder, info->name) > 0;
}

static int check_disk(Found *f, const char *name) {
        const char *reason;
        Collision *c;
        CollisionKind kind;
        NameInfo info;
        DiskName n;
        AliasSet parts = {};

        if (sd_name_parse(name, &n, &reason) < 0 || name_inspect(&n, &info) < 0)
                return 0;
        switch (info.state) {
        case NAME_RIGHT:
                if (xvd_claims(&info))
                        kind = COLLISION_LATENT;
                else if (multipath_pending(info.name, (char[64]) {}, 64) > 0)
                        kind = COLLISION_MULTIPATH;
                else
                        goto partitions;
                break;
        case NAME_ALIAS:
                kind = COLLISION_ALIAS;
                break;
        case NAME_MISSING:
                kind = COLLISION_MISSING;
                break;
        case NAME_OWN_STALE:
                kind = COLLISION_OWN_STALE;
                break;
        default:
                kind = COLLISION_FOREIGN;
        }
        c = found_add(f, kind, &n);
        if (!c)
                return -ENOMEM;
        c->info = info;

partitions:
        if (n.partition > 0)
                return 0;
        partition_aliases_find(&n, &parts);
        for (size_t i = 0; i < parts.n; i++) {
                DiskName p;

                /* A real partition of that name is a collision of its own. */
                if (sd_name_parse(parts.v[i].name, &p, &reason) < 0 ||
                    sysfs_block_devnum(parts.v[i].name, &(dev_t) { 0 }) >= 0)
                        continue;
                c = found_add(f, COLLISION_PARTITION_ALIAS, &p);
                if (!c)
                        return -ENOMEM;
                snprintf(c->info.name, sizeof(c->info.name), "%s", parts.v[i].name);
                snprintf(c->info.holder, sizeof(c->info.holder), "%s", parts.v[i].holder);
                (void) dev_entry_inspect(c->info.name, &c->info.entry);
                c->info.state = NAME_ALIAS;
        }
        return 0;
}

static int by_name(const void *a, const void *b) {
        return strverscmp(((const Collision *) a)->info.name, ((const Collision *) b)->info.name);
}

int collisions_find(Collision **ret, size_t *ret_n) {
        _cleanup_(block_list_done) BlockList l = {};
        Found f = {};
        int r;

        r = block_list(&l);
        if (r < 0)
                return r;
        for (int i = 0; i < l.n; i++) {
                r = check_disk(&f, l.entries[i]->d_name);
                if (r < 0) {
                        free(f.v);
                        return log_error_errno(r, "cannot list collisions: %m");
                }
        }
        if (f.n > 1)
                qsort(f.v, f.n, sizeof(Collision), by_name);
        *ret = f.v;
        *ret_n = f.n;
        return 0;
}
