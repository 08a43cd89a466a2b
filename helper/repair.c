/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "build-config.h"
#include "collisions.h"
#include "handover.h"
#include "log.h"
#include "multipath.h"
#include "node.h"
#include "probe.h"
#include "repair.h"
#include "udev-db.h"
#include "udev-wait.h"
#include "uevent.h"

/* All waits of one `repair` together: RPM's %post runs it in a dnf
 * transaction. */
#define REPAIR_BUDGET_MS 60000u

static unsigned budget(uint64_t deadline, unsigned want) {
        uint64_t now = now_ms();

        if (now >= deadline)
                return 0;
        return deadline - now < want ? (unsigned) (deadline - now) : want;
}

static bool never(void *userdata _unused_) {
        return false;
}

/* So that scsi_id, by-id and by-path see the real disk, and its node gets
 * udev's owner and mode (an add: uevent.h): re-run its rules and wait,
 * bounded, for udev to say it did. */
static const char *rerun_rules(const char *name, unsigned timeout_ms) {
        _cleanup_(waiter_done) Waiter w = WAITER_NULL;
        char uuid[1][UUID_BUF];

        if (!udevd_running())
                return "udevd is not running, so its rules run when udevd starts";
        waiter_open(&w, true);
        if (uevent_request_add(name, uuid[0]) < 0)
                return "could not ask udev to re-run its rules";
        if (!waiter_has_monitor(&w))
                return "udev was asked to re-run its rules";
        if (waiter_wait(&w, uuid, 1, never, NULL, timeout_ms) == -ETIMEDOUT)
                return "udev did not confirm re-running its rules in time";
        return "udev re-ran its rules";
}

/* The node is right, but the xvd device still lists the name in udev's
 * database: its next event would make udev 252 delete the node. Re-run its
 * rules now (the policy no longer gives it the name) and put the node back
 * if udev took it. */
static int drop_latent(const Config *c, Collision *col, unsigned timeout_ms) {
        _cleanup_(waiter_done) Waiter w = WAITER_NULL;
        char uuid[1][UUID_BUF];
        int r;

        if (!udevd_running())
                return log_warning_errno(ESRCH, "%s: udevd is not running, so its database keeps its claim on /dev/%s "
                                         "until udevd starts and runs its rules", col->info.holder, col->info.name);
        waiter_open(&w, true);
        if (uevent_send(col->info.holder, "change", NULL, uuid[0]) < 0)
                return -EIO;
        r = waiter_wait(&w, uuid, 1, never, NULL, timeout_ms);
        if (r == -ETIMEDOUT && udev_db_name_has_link(col->info.holder, col->info.name) > 0)
                return log_warning_errno(r, "%s: udev did not drop its claim on /dev/%s within %.1f s (is udevd "
                                         "running? all workers busy?); it still claims the name",
                                         col->info.holder, col->info.name, timeout_ms / 1000.0);
        r = name_reinspect(&col->info);
        if (r < 0)
                return r;
        return handover_take(c, &col->info, timeout_ms);
}

static int repair_one(const Config *c, Collision *col, FILE *out, uint64_t deadline) {
        unsigned t = budget(deadline, c->handover_timeout_ms);
        const char *what;
        AliasSet s = {};
        int r;

        switch (col->kind) {
        case COLLISION_FOREIGN:
                fprintf(out, "%s: /dev/%s was not made by ec2-xvd-alias or udev's xvd rule; remove it by hand\n",
                        col->info.name, col->info.name);
                return 0;
        case COLLISION_MULTIPATH:
                return multipath_readd_path(col->info.name, out);
        case COLLISION_PARTITION_ALIAS:
                alias_set_add(&s, col->info.name, col->info.holder, true);
                (void) aliases_drop(&s, t, "removed it", NULL);
                if (alias_present(&s.v[0]))
                        return -EBUSY;
                fprintf(out, "%s: removed the alias of %s (its disk is a real SCSI disk)\n", col->info.name,
                        col->info.holder);
                return 1;
        case COLLISION_LATENT:
                r = drop_latent(c, col, t);
                what = "the xvd device no longer claims the name in udev's database";
                break;
        case COLLISION_ALIAS:
                r = handover_take(c, &col->info, t);
                what = "handed over from the xvd alias";
                break;
        case COLLISION_MISSING:
                r = handover_take(c, &col->info, t);
                what = "made the missing node";
                break;
        case COLLISION_OWN_STALE:
                r = handover_take(c, &col->info, t);
                what = "replaced the node ec2-xvd-alias had made for an earlier device";
                break;
        default:
                return 0;
        }
        if (r < 0)
                return r;
        fprintf(out, "%s: %s; /dev/%s is the node of " DEVNUM_FMT "; %s\n", col->info.name, what, col->info.name,
                DEVNUM_ARGS(col->info.devnum), rerun_rules(col->info.name, budget(deadline, c->handover_timeout_ms)));
        /* multipathd may still check the device the old entry led to. */
        (void) multipath_readd_path(col->info.name, out);
        return 1;
}

int repair_all(const Config *c, FILE *out, size_t *failed) {
        uint64_t deadline = now_ms() + REPAIR_BUDGET_MS;
        _cleanup_free_ Collision *v = NULL;
        size_t n = 0, fixed = 0;
        int r;

        *failed = 0;
        n = (size_t) node_remove_leftovers();
        if (n > 0)
                fprintf(out, "removed %zu temporary node%s that killed helpers had left in /dev\n", n, n > 1 ? "s" : "");
        r = collisions_find(&v, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                /* An earlier fix (a disk's handover) may have fixed this one. */
                if (v[i].kind == COLLISION_ALIAS || v[i].kind == COLLISION_MISSING ||
                    v[i].kind == COLLISION_OWN_STALE) {
                        if (name_reinspect(&v[i].info) < 0)
                                continue;
                        if (v[i].info.state == NAME_RIGHT)
                                continue;
                        v[i].kind = v[i].info.state == NAME_ALIAS       ? COLLISION_ALIAS
                                    : v[i].info.state == NAME_MISSING   ? COLLISION_MISSING
                                    : v[i].info.state == NAME_OWN_STALE ? COLLISION_OWN_STALE
                                                                        : COLLISION_FOREIGN;
                }
                r = repair_one(c, &v[i], out, deadline);
                if (r > 0)
                        fixed++;
                else if (r < 0)
                        (*failed)++;
        }
        /* udev writes a device's database at the end of its event, after
         * the links: a holder whose link is gone may still list the name
         * for a moment. Give the events we caused a bounded moment. */
        for (unsigned tries = 0;; tries++) {
                bool only_latent = true;

                free(TAKE_PTR(v));
                r = collisions_find(&v, &n);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++)
                        if (v[i].kind != COLLISION_LATENT)
                                only_latent = false;
                if (n == 0 || !only_latent || fixed == 0 || tries >= 20 || budget(deadline, 100) == 0 ||
                    !udevd_running())
                        break;
                (void) usleep(100 * 1000);
        }
        fprintf(out, "repair: %zu fixed, %zu left%s\n", fixed, n, n ? " (see " HELPER_PATH " status)" : "");
        return (int) n;
}
