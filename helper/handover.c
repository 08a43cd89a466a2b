/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "handover.h"
#include "log.h"
#include "multipath.h"
#include "name-lock.h"
#include "node.h"
#include "policy.h"
#include "probe.h"
#include "root.h"
#include "udev-wait.h"
#include "uevent.h"
#include "names-in-use.h"

static bool all_dropped(void *userdata) {
        const AliasSet *s = userdata;

        for (size_t i = 0; i < s->n; i++)
                if (alias_present(&s->v[i]))
                        return false;
        return true;
}

/* A partition alias udev did not drop (in time, or at all: its holder is
 * gone): the real disk owns the name, so the link goes. Only if it is still
 * that very symlink. why completes the log line. */
static void alias_unlink(const Alias *a, const char *why) {
        char path[PATH_MAX];

        _cleanup_(name_unlock) NameLock l = NAME_LOCK_NULL;

        /* Under the name's lock: a partition's own claim may be renaming
         * its node over the link right now. */
        (void) name_lock(a->name, &l);
        if (!alias_present(a) || root_path(path, "/dev/%s", a->name) < 0)
                return;
        if (unlink(path) < 0 && errno != ENOENT)
                log_warning_errno(errno, "/dev/%s: cannot remove the alias of %s: %m", a->name, a->holder);
        else
                log_notice("/dev/%s: removed the alias of %s%s", a->name, a->holder, why);
}

/* The holder's change asks its rule to drop the alias because the real
 * disk (a partition alias's: the disk the partition is on) is there. The
 * request names the disk by its letters ("b" for sdb): the rule checks
 * that sd<letters> exists and that xvd<letters> is the device itself (or
 * the disk of the partition) before it skips the helper, so a request sent
 * to any other device changes nothing. */
static void yield_arg(const Alias *a, char *buf, size_t size) {
        const char *reason;
        DiskName n;

        if (sd_name_parse(a->name, &n, &reason) < 0) {
                snprintf(buf, size, UEVENT_ARG_YIELD "=none");
                return;
        }
        snprintf(buf, size, UEVENT_ARG_YIELD "=%s", n.letters);
}

/* The first alias of the set that is still there, for the log line. */
static const Alias *first_present(const AliasSet *s) {
        for (size_t i = 0; i < s->n; i++)
                if (alias_present(&s->v[i]))
                        return &s->v[i];
        return &s->v[0];
}

static void unlink_partition_aliases(const AliasSet *s, const char *why) {
        for (size_t i = 0; i < s->n; i++)
                if (s->v[i].remove_on_timeout)
                        alias_unlink(&s->v[i], why);
}

/* Nobody would run the holders' rules (a rescue shell, an image build): no
 * request, no wait. A disk's alias stays (its node replaces it), a
 * partition's goes here. */
static int aliases_drop_without_udevd(const AliasSet *s, const char *consequence) {
        int r = 0;

        for (size_t i = 0; i < s->n; i++)
                if (!s->v[i].remove_on_timeout && alias_present(&s->v[i]))
                        r = log_warning_errno(ESRCH, "%s: udevd is not running, so nothing drops its claim "
                                              "on /dev/%s; %s", s->v[i].holder, s->v[i].name, consequence);
        unlink_partition_aliases(s, " (udevd is not running)");
        return r;
}

/* Sends each holder of the set that still exists its request, in the set's
 * order (udev runs a disk's and its partitions' events in the order they
 * were sent, one after the other). Adds the events' UUIDs to uuids[*n].
 * A holder that is gone gets no event: nothing drops its link. */
static void aliases_request(const AliasSet *s, char (*uuids)[UUID_BUF], size_t *n) {
        for (size_t i = 0; i < s->n; i++) {
                char args[sizeof(UEVENT_ARG_YIELD "=") + DISK_NAME_BUF];

                if (!alias_present(&s->v[i]) || sysfs_block_devnum(s->v[i].holder, &(dev_t) { 0 }) < 0)
                        continue;
                yield_arg(&s->v[i], args, sizeof(args));
                if (uevent_send(s->v[i].holder, "change", args, uuids[*n]) >= 0)
                        (*n)++;
        }
}

/* Past the deadline, a holder's event may be running already: the worker
 * that runs it removes the alias at the end of its rules, and a node made
 * now would be unlinked in the middle of this disk's event (multipathd,
 * opening the path then, finds no node and never checks it). The bound is
 * for an event that cannot start (no free worker); one that runs ends, so
 * wait for it, up to HANDOVER_IN_FLIGHT_MAX_MS more, until the lock has
 * been free at HANDOVER_IN_FLIGHT_FREE_LOOKS looks in a row (udevd starts
 * a queued event of the disk within milliseconds when a worker is free,
 * and retries one it found locked 200 ms later). The wait ends with the
 * holder's disk locked (*lock_fd): while the caller makes the node and its
 * record, no event of the holder runs, so each looks at the record either
 * before the node is made (and finds the link to drop) or after it is
 * recorded (and its rule runs recheck, which restores the node the event
 * unlinks). The lock is on the disk of the holder of the set's first alias
 * still there (the set is a disk's own alias). Where it cannot be taken
 * (no node that opens: a test root), *lock_fd stays -1 and the bound
 * holds. */
static int aliases_await_in_flight(const AliasSet *s, Waiter *w, char (*uuids)[UUID_BUF], size_t n,
                                   bool *waited, int *lock_fd) {
        uint64_t end = now_ms() + HANDOVER_IN_FLIGHT_MAX_MS;
        const Alias *a = first_present(s);
        char disk[DISK_NAME_BUF];
        unsigned free_looks = 0;
        bool told = false;
        int r = -ETIMEDOUT;

        if (sysfs_block_whole_disk(a->holder, disk) < 0)
                return r;
        while (r == -ETIMEDOUT && now_ms() < end) {
                int fd = block_disk_lock(disk);

                if (fd >= 0) {
                        /* Between two events of the disk (ours queued
                         * behind the one that ran) the lock is free for
                         * a moment: only the third free look in a row
                         * keeps it. */
                        if (++free_looks >= HANDOVER_IN_FLIGHT_FREE_LOOKS) {
                                *lock_fd = fd;
                                break;
                        }
                        close(fd);
                } else if (fd == -EAGAIN) {
                        free_looks = 0;
                        if (!told)
                                log_notice("%s: udev is running an event of it; waiting for it to drop /dev/%s "
                                           "(at most %u s more)", disk, a->name, HANDOVER_IN_FLIGHT_MAX_MS / 1000);
                        told = true;
                } else
                        break;
                *waited = true;
                r = waiter_wait(w, uuids, n, all_dropped, (void *) s, HANDOVER_IN_FLIGHT_LOOK_MS);
        }
        return r;
}

/* Waits until every alias of the set is gone, or udevd has processed the
 * events with the n UUIDs (the requests to these holders), or the
 * deadline; then removes the partition aliases left. With lock_fd (a
 * disk's alias, which a node replaces), past the deadline it waits for a
 * holder's event running then, and may leave the holder's disk locked
 * (aliases_await_in_flight). 0, or negative errno with one warning line
 * ending in `consequence`. */
static int aliases_await(const AliasSet *s, Waiter *w, char (*uuids)[UUID_BUF], size_t n, uint64_t deadline,
                         unsigned budget_ms, const char *consequence, int *lock_fd) {
        uint64_t now = now_ms(), start = deadline - budget_ms;
        unsigned timeout_ms = deadline > now ? (unsigned) (deadline - now) : 0;
        bool waited = false;
        const Alias *a;
        int r;

        r = waiter_wait(w, uuids, n, all_dropped, (void *) s, timeout_ms);
        if (r == -ETIMEDOUT && lock_fd)
                r = aliases_await_in_flight(s, w, uuids, n, &waited, lock_fd);
        if (r == 0)
                return 0;
        a = first_present(s);
        if (r == -ETIMEDOUT)
                r = log_warning_errno(r, "%s: udev did not drop its claim on /dev/%s%s within %.1f s "
                                      "(is udevd running? all workers busy?); %s", a->holder, a->name,
                                      s->n > 1 ? " and others" : "",
                                      (waited ? now_ms() - start : budget_ms) / 1000.0, consequence);
        else if (r == 1)
                r = log_warning_errno(EBUSY, "%s: udev processed its change but it still claims /dev/%s "
                                      "(another rule?); %s", a->holder, a->name, consequence);
        else
                r = log_warning_errno(r, "%s: waiting for udev to drop /dev/%s failed: %m; %s", a->holder,
                                      a->name, consequence);
        unlink_partition_aliases(s, " (udev did not drop it in time)");
        return r;
}

int aliases_drop(const AliasSet *s, unsigned timeout_ms, const char *consequence, int *lock_fd) {
        _cleanup_(waiter_done) Waiter w = WAITER_NULL;
        uint64_t deadline = now_ms() + timeout_ms;
        char uuids[ALIASES_MAX][UUID_BUF];
        size_t n = 0;

        if (s->n == 0 || all_dropped((void *) s))
                return 0;
        if (!udevd_running())
                return aliases_drop_without_udevd(s, consequence);
        /* Every holder's request at once, then one wait for all of them
         * (the monitor after the requests: udev-wait.h). */
        aliases_request(s, uuids, &n);
        if (n == 0) {
                /* Every holder is gone: nobody will drop the links. A
                 * partition's goes here, a disk's is replaced by its node. */
                unlink_partition_aliases(s, ", which is gone");
                return 0;
        }
        waiter_open(&w, true);
        return aliases_await(s, &w, uuids, n, deadline, timeout_ms, consequence, lock_fd);
}

static int refuse(const NameInfo *info) {
        char what[256];

        return log_warning_errno(EEXIST, "/dev/%s is %s, which ec2-xvd-alias did not make; leaving it alone "
                                 "(kernel disk %s is " DEVNUM_FMT ")", info->name,
                                 dev_entry_describe(&info->entry, what, sizeof(what)), info->name,
                                 DEVNUM_ARGS(info->devnum));
}

/* The inspect-to-record step, under the name's lock: after the aliases in
 * the way were asked to go, look again and put the real node in place.
 * before is the state the handover started from; with request_add, a node
 * made here is followed by the request for an add (uevent.h) that gives
 * it udev's owner and mode. */
static int node_take(NameInfo *info, NameState before, bool request_add) {
        _cleanup_(name_unlock) NameLock l = NAME_LOCK_NULL;
        int r;

        /* The caller may hold the holder's disk locked (aliases_await_in_flight()):
         * no event of the holder runs until the node is recorded. */
        (void) name_lock(info->name, &l);
        /* udev may have removed the link, or another helper made the node. */
        r = name_reinspect(info);
        if (r < 0)
                return r;
        if (info->state == NAME_RIGHT)
                return 0;
        if (info->state == NAME_FOREIGN)
                return refuse(info);
        r = node_create(info->name, info->devnum);
        if (r < 0)
                return r;
        log_notice("/dev/%s: now the node of real disk %s (" DEVNUM_FMT ")%s", info->name, info->name,
                   DEVNUM_ARGS(info->devnum), before == NAME_ALIAS ? ", handed over from its xvd alias" : "");
        if (request_add) {
                char uuid[UUID_BUF];

                (void) uevent_request_add(info->name, uuid);
        }
        /* Only a map that opened the path while it was the alias checks the
         * wrong disk: a node that was missing or our own was never the xvd. */
        if (before == NAME_ALIAS)
                multipath_note_fixed_node(info->name);
        return 1;
}

int handover_take(const Config *c _unused_, NameInfo *info, unsigned timeout_ms) {
        _cleanup_close_ int holder_lock = -1;
        NameState before = info->state;
        AliasSet s = {};

        if (info->state == NAME_RIGHT)
                return 0;
        if (info->state == NAME_FOREIGN)
                return refuse(info);
        if (info->state == NAME_ALIAS) {
                alias_set_add(&s, info->name, info->holder, false);
                (void) aliases_drop(&s, timeout_ms, "replacing the link anyway", &holder_lock);
        }
        /* repair asks udev to re-run the disk's rules itself, and waits. */
        return node_take(info, before, false);
}

/* The partitions' aliases the claim asked to go and did not wait for:
 * "finish DEADLINE NAME...". The rules run claim-finish at the end of the
 * event only while one of those names is still there (their changes
 * usually ran meanwhile), so in most handovers no program starts; a list
 * too long for the rules to test names nobody, and then claim-finish
 * always runs. */
static void claim_finish_announce(const AliasSet *parts, uint64_t deadline) {
        const Alias *left[ALIASES_MAX];
        size_t n = 0;

        /* One look at each: the names printed are the ones counted. */
        for (size_t i = 0; i < parts->n; i++)
                if (alias_present(&parts->v[i]))
                        left[n++] = &parts->v[i];
        if (n == 0)
                return;
        printf("finish %" PRIu64, deadline);
        for (size_t i = 0; n <= CLAIM_FINISH_NAMES_MAX && i < n; i++)
                printf(" %s", left[i]->name);
        putchar('\n');
        if (fflush(stdout) != 0)
                log_warning_errno(errno, "cannot write the claim's result: %m");
}

int handover_claim(const DiskName *n) {
        _cleanup_(waiter_done) Waiter w = WAITER_NULL;
        _cleanup_close_ int holder_lock = -1;
        char uuids[1][UUID_BUF];
        AliasSet disk = {}, parts = {};
        uint64_t start = now_ms(), deadline;
        bool udevd = false;
        NameState before;
        NameInfo info;
        size_t n_uuids = 0;
        Config c;
        int r;

        r = name_inspect(n, &info);
        if (r == -ENOENT)
                return 0; /* gone already; its remove event follows */
        if (r < 0)
                return r;
        before = info.state;
        if (info.state == NAME_ALIAS) {
                alias_set_add(&disk, info.name, info.holder, false);
                /* The holder's change is what this event waits for: its
                 * request goes first, before anything else is read. udev
                 * runs a disk's event and its partitions' one after the
                 * other, in the order they were sent, so the partitions'
                 * requests (below) queue behind it. */
                udevd = udevd_running();
                if (udevd)
                        aliases_request(&disk, uuids, &n_uuids);
        }
        /* Every other name of a whole disk's namespace that leads to a Xen
         * disk or EBS volume, on every path: the disk's own name may be
         * right already (devtmpfs, or an earlier change). */
        if (n->partition == 0)
                partition_aliases_find(n, &parts);
        /* Most events find the node right and nothing in the way: they
         * never read the configuration (speed: every sd event runs this). */
        if (parts.n == 0 && before == NAME_RIGHT)
                return 0;
        config_load(&c);
        deadline = start + c.handover_timeout_ms;
        if (before != NAME_ALIAS)
                udevd = udevd_running();
        if (!udevd) {
                (void) aliases_drop_without_udevd(&disk, "replacing the link anyway");
                (void) aliases_drop_without_udevd(&parts, "removed them");
        } else {
                /* This event waits only for the disk's own alias, the one
                 * in the way of its node; the partitions' go meanwhile,
                 * while udev runs the rest of this event's rules, and
                 * claim-finish waits for them until the same deadline.
                 * The monitor opens after the requests (udev-wait.h). */
                char parts_uuids[ALIASES_MAX][UUID_BUF];

                aliases_request(&parts, parts_uuids, &(size_t) { 0 });
                waiter_open(&w, n_uuids > 0);
                if (n_uuids > 0)
                        (void) aliases_await(&disk, &w, uuids, n_uuids, deadline, c.handover_timeout_ms,
                                             "replacing the link anyway", &holder_lock);
        }
        if (before == NAME_FOREIGN)
                r = refuse(&info);
        else if (before != NAME_RIGHT)
                /* In the disk's own add event udev gives the node its
                 * owner and mode when the event ends; in a change only an
                 * add does. */
                r = node_take(&info, before, !uevent_in_own_add(info.name));
        else
                r = 0;
        /* The node and its record are in place: the holder's events may run. */
        closep(&holder_lock);
        holder_lock = -1;
        if (r < 0)
                return r; /* udev keeps no result of a failed PROGRAM */
        claim_finish_announce(&parts, deadline);
        /* A name that changed meaning: say loudly who still uses it. */
        if (before == NAME_ALIAS || parts.n > 0) {
                char whole_name[DISK_NAME_BUF];
                DiskName whole = disk_name_whole(n);

                disk_name_format_ec2(&whole, whole_name);
                (void) usage_log_handover(&c, whole_name);
        }
        return 0;
}

int handover_claim_finish(const DiskName *n, uint64_t deadline) {
        _cleanup_(waiter_done) Waiter w = WAITER_NULL;
        AliasSet parts = {};
        Config c;

        if (n->partition != 0)
                return 0; /* a partition has no partitions */
        partition_aliases_find(n, &parts);
        if (all_dropped(&parts))
                return 0;
        if (!udevd_running())
                return aliases_drop_without_udevd(&parts, "removed them");
        config_load(&c);
        /* A deadline further off than any claim sets is not a claim's. */
        if (deadline > now_ms() + HANDOVER_TIMEOUT_MAX_MS)
                deadline = now_ms() + c.handover_timeout_ms;
        waiter_open(&w, false);
        (void) aliases_await(&parts, &w, NULL, 0, deadline, c.handover_timeout_ms, "removed them", NULL);
        /* Those udev did not drop are removed now; what is left is what
         * could not be (its warning said why). */
        return all_dropped(&parts) ? 0 : -EBUSY;
}

int handover_recheck(const DiskName *xvd) {
        _cleanup_(name_unlock) NameLock l = NAME_LOCK_NULL;
        char uuid[UUID_BUF];
        AliasSet parts = {};
        NodeRecord rec;
        NameInfo info;
        bool ours_before;
        int r;

        r = name_inspect(xvd, &info);
        if (r == -ENOENT)
                return 0; /* no real disk of that name: nothing to repair */
        if (r < 0)
                return r;
        /* The real disk exists: the other names of its namespace must go,
         * and their holders' rules (the policy says no) drop them. In the
         * event of a claim's request the claim has asked them already. */
        if (xvd->partition == 0 && !uevent_is_yield_request_for(xvd->letters)) {
                partition_aliases_find(xvd, &parts);
                for (size_t i = 0; i < parts.n; i++)
                        (void) uevent_send(parts.v[i].holder, "change", NULL, uuid);
        }
        /* Only the node udev deleted with a dropped alias is put back here;
         * a handover in progress belongs to the real disk's event. Under
         * the name's lock, so that the claim and this never both make it. */
        (void) name_lock(info.name, &l);
        r = name_reinspect(&info);
        if (r < 0)
                return r;
        if (info.state != NAME_MISSING && info.state != NAME_OWN_STALE)
                return 0;
        /* A node of this devnum that we made before (a handover that timed
         * out, then udev unlinked it) is what a multipath map opened. With
         * none, the disk had no node of ours since it appeared: /dev/sdX
         * was the alias (the stock rule's era), and a map that holds it
         * opened the xvd device through it. */
        ours_before = node_record_read(info.name, &rec) >= 0 && rec.devnum == info.devnum;
        r = node_create(info.name, info.devnum);
        if (r < 0)
                return r;
        if (!ours_before)
                multipath_note_fixed_node(info.name);
        log_notice("/dev/%s: restored the node of real disk %s (" DEVNUM_FMT ") after %s dropped its alias",
                   info.name, info.name, DEVNUM_ARGS(info.devnum), info.holder);
        /* So that udev applies the disk's owner, mode and links to it. */
        (void) uevent_request_add(info.name, uuid);
        return 0;
}

/* The name is free again: if the policy now gives it to the xvd device of
 * the same name, ask udev to re-run that device's rules, and for a whole
 * disk its partitions' (their own releases found the disk still there). */
typedef struct GiveBack {
        const Config *config;
        const char *gone; /* the real disk that went: "sda" */
} GiveBack;

static int give_back_one(const char *xvd, void *userdata) {
        const GiveBack *g = userdata;
        const char *reason;
        char uuid[UUID_BUF], ec2[DISK_NAME_BUF];
        AliasDecision d;
        DiskName n;

        /* An EBS NVMe volume: its rule reads the mapping name and decides. */
        if (xvd_name_parse(xvd, &n, &reason) < 0) {
                if (uevent_send(xvd, "change", NULL, uuid) >= 0)
                        log_notice("%s: real disk %s is gone; asked udev to re-run the rules of %s", xvd, g->gone,
                                   xvd);
                return 0;
        }
        disk_name_format_ec2(&n, ec2);
        policy_decide_alias(g->config, &n, xvd, &d);
        if (!d.alias) {
                log_debug("%s: not giving /dev/%s back: %s", xvd, ec2, d.reason);
                return 0;
        }
        if (uevent_send(xvd, "change", NULL, uuid) >= 0)
                log_notice("%s: real disk %s is gone; asked udev to give /dev/%s back to %s", xvd, g->gone, ec2,
                           xvd);
        return 0;
}

static void give_back(const Config *c, const DiskName *n, const char *gone) {
        GiveBack g = { .config = c, .gone = gone };
        char holder[DISK_NAME_BUF];

        alias_holder(n, holder);
        if (sysfs_block_devnum(holder, &(dev_t) { 0 }) < 0)
                return;
        (void) give_back_one(holder, &g);
        if (n->partition == 0)
                (void) sysfs_block_foreach_partition(holder, give_back_one, &g);
}

/* MAJOR and MINOR of the event that runs us, if udev gave them. */
static bool event_devnum(dev_t *ret) {
        const char *ma = getenv("MAJOR"), *mi = getenv("MINOR");
        char *end;
        unsigned long a, b;

        if (!ma || !mi || !*ma || !*mi)
                return false;
        errno = 0;
        a = strtoul(ma, &end, 10);
        if (errno || *end || a > 0xfffff)
                return false;
        b = strtoul(mi, &end, 10);
        if (errno || *end || b > 0xfffff)
                return false;
        *ret = makedev(a, b);
        return true;
}

int handover_release(const Config *c, const DiskName *n) {
        _cleanup_(name_unlock) NameLock l = NAME_LOCK_NULL;
        char name[DISK_NAME_BUF];
        dev_t removed, now;
        NodeRecord rec;
        int r;

        disk_name_format_ec2(n, name);
        /* The remove uevent is sent after the kernel dropped the sysfs
         * device, so the devnum comes from the event. Run by hand, the
         * record's devnum stands in for it. */
        if (!event_devnum(&removed)) {
                if (node_record_read(name, &rec) < 0) {
                        give_back(c, n, name);
                        return 0; /* devtmpfs made the node and removes it itself */
                }
                removed = rec.devnum;
        }
        (void) name_lock(name, &l);
        /* A new device of that name and devnum already: its claim decides. */
        if (sysfs_block_devnum(name, &now) >= 0 && now == removed) {
                log_debug("%s: a kernel device of " DEVNUM_FMT " exists again; keeping /dev/%s", name,
                          DEVNUM_ARGS(now), name);
                return 0;
        }
        r = node_remove_own(name, removed);
        if (r < 0)
                return r;
        if (r > 0)
                log_notice("/dev/%s: removed the node of " DEVNUM_FMT " that ec2-xvd-alias had made", name,
                           DEVNUM_ARGS(removed));
        if (sysfs_block_devnum(name, &now) < 0)
                give_back(c, n, name);
        return 0;
}
