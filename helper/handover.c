/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "build-config.h"
#include "dl-util.h"
#include "handover.h"
#include "log.h"
#include "multipath.h"
#include "policy.h"
#include "probe.h"
#include "root.h"

#define NODES_DIR "/run/ec2-xvd-alias/nodes"
#define UUID_BUF 37
/* Re-check the state at least this often, whatever the monitors say. */
#define WAIT_TICK_MS 100
/* How long `release` gives the kernel to drop the sysfs device. */
#define RELEASE_WAIT_MS 1000
/* How long `repair` waits for udev to re-run a real disk's rules. */
#define REPAIR_SD_WAIT_MS 10000

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static bool dev_entry_is_node_of(const DevEntry *e, dev_t devnum) {
        return e->kind == DEV_ENTRY_NODE && e->devnum == devnum;
}

/* ---- node ownership records ---- */

int node_record_read(const char *name, dev_t *ret) {
        char path[PATH_MAX], buf[32];
        unsigned ma, mi;
        int r;

        r = root_path(path, NODES_DIR "/%s", name);
        if (r < 0)
                return r;
        r = read_line_file(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        if (sscanf(buf, "%u:%u", &ma, &mi) != 2)
                return -EBADMSG;
        *ret = makedev(ma, mi);
        return 0;
}

static int node_record_write(const char *name, dev_t devnum) {
        char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX + 32], buf[32];
        _cleanup_close_ int fd = -1;
        int r, len;

        r = root_path(dir, NODES_DIR);
        if (r < 0)
                return r;
        r = mkdir_parents(dir);
        if (r < 0)
                return r;
        r = root_path(path, NODES_DIR "/%s", name);
        if (r < 0)
                return r;
        snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, getpid());
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        len = snprintf(buf, sizeof(buf), DEVNUM_FMT "\n", DEVNUM_ARGS(devnum));
        if (write(fd, buf, (size_t) len) != len) {
                r = errno ? -errno : -EIO;
                (void) unlink(tmp);
                return r;
        }
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

/* Removes the record only if it still says devnum: a new device of the same
 * name may have written its own meanwhile. */
static void node_record_remove(const char *name, dev_t devnum) {
        char path[PATH_MAX];
        dev_t recorded;

        if (node_record_read(name, &recorded) < 0 || recorded != devnum)
                return;
        if (root_path(path, NODES_DIR "/%s", name) >= 0)
                (void) unlink(path);
}

/* ---- the node ---- */

/* mknod under a temporary name, then rename() over /dev/NAME: whoever looks
 * at /dev/NAME sees the old entry or the new node, never nothing. The record
 * is written first, so a node we made is never left unrecorded. Mode 0600
 * root: udev applies the rules' owner and mode when it processes the device. */
static int node_create(const char *name, dev_t devnum) {
        char path[PATH_MAX], tmp[PATH_MAX];
        int r;

        r = node_record_write(name, devnum);
        if (r < 0)
                return log_error_errno(r, "%s: cannot record the node in " NODES_DIR ": %m", name);
        r = root_path(path, "/dev/%s", name);
        if (r < 0)
                return r;
        r = root_path(tmp, "/dev/.ec2-xvd-alias.%s.%d", name, getpid());
        if (r < 0)
                return r;
        (void) unlink(tmp);
        if (mknod(tmp, S_IFBLK | 0600, devnum) < 0)
                return log_error_errno(errno, "/dev/%s: cannot create the node " DEVNUM_FMT ": %m", name,
                                       DEVNUM_ARGS(devnum));
        if (rename(tmp, path) < 0) {
                r = -errno;
                (void) unlink(tmp);
                return log_error_errno(r, "/dev/%s: cannot put the node in place: %m", name);
        }
        multipath_note_fixed_node(name);
        return 0;
}

/* ---- uevents ---- */

static void uuid_make(char buf[static UUID_BUF]) {
        static unsigned counter;
        struct timespec ts;
        uint64_t a, b;

        /* Only needs to be unique among the events of this boot: the
         * monotonic clock, the pid and a counter are. getrandom() could
         * block before the entropy pool is ready at boot. */
        clock_gettime(CLOCK_MONOTONIC, &ts);
        a = (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
        b = ((uint64_t) getpid() << 32) | counter++;
        snprintf(buf, UUID_BUF, "%08x-%04x-4%03x-8%03x-%012llx", (unsigned) (a >> 32),
                 (unsigned) ((a >> 16) & 0xffff), (unsigned) (a & 0xfff), (unsigned) ((b >> 48) & 0xfff),
                 (unsigned long long) (b & 0xffffffffffffull));
}

/* Asks the kernel to send a synthetic uevent for the device; udevd then runs
 * its rules. The UUID comes back as SYNTH_UUID on the udev monitor. */
static int uevent_send(const char *name, const char *action, char uuid[static UUID_BUF]) {
        _cleanup_close_ int fd = -1;
        char path[PATH_MAX], buf[64];
        int r, len;

        r = root_path(path, "/sys/class/block/%s/uevent", name);
        if (r < 0)
                return r;
        uuid_make(uuid);
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return log_warning_errno(errno, "%s: cannot send a %s uevent: %m", name, action);
        len = snprintf(buf, sizeof(buf), "%s %s", action, uuid);
        if (write(fd, buf, (size_t) len) != len)
                return log_warning_errno(errno ? errno : EIO, "%s: cannot send a %s uevent: %m", name, action);
        log_debug("%s: sent %s uevent %s", name, action, uuid);
        return 0;
}

/* A whole disk's partitions are its sysfs subdirectories with a "partition"
 * file; the xvd partitions' aliases must go with the disk's. */
static void uevent_send_partitions(const char *disk) {
        _cleanup_closedir_ DIR *d = NULL;
        char path[PATH_MAX], uuid[UUID_BUF];
        struct dirent *de;

        if (root_path(path, "/sys/class/block/%s", disk) < 0)
                return;
        d = opendir(path);
        if (!d)
                return;
        while ((de = readdir(d))) {
                struct stat st;
                char part[NAME_MAX + 16];

                if (!startswith(de->d_name, disk) || streq(de->d_name, disk))
                        continue;
                snprintf(part, sizeof(part), "%s/partition", de->d_name);
                if (fstatat(dirfd(d), part, &st, 0) < 0)
                        continue;
                (void) uevent_send(de->d_name, "change", uuid);
        }
}

/* ---- waiting for udev ---- */

/* libudev is only needed while waiting, so it is dlopen()ed here: linking it
 * would slow down every `links` call (DESIGN 7). */
static struct {
        typeof(udev_new) *new;
        typeof(udev_unref) *unref;
        typeof(udev_monitor_new_from_netlink) *monitor_new;
        typeof(udev_monitor_unref) *monitor_unref;
        typeof(udev_monitor_filter_add_match_subsystem_devtype) *monitor_match;
        typeof(udev_monitor_enable_receiving) *monitor_enable;
        typeof(udev_monitor_get_fd) *monitor_fd;
        typeof(udev_monitor_receive_device) *monitor_receive;
        typeof(udev_device_get_property_value) *device_property;
        typeof(udev_device_unref) *device_unref;
} sym;

static int libudev_load(void) {
        static void *handle;
        const DlSymbol symbols[] = {
                DL_SYMBOL(sym.new, "udev_new"),
                DL_SYMBOL(sym.unref, "udev_unref"),
                DL_SYMBOL(sym.monitor_new, "udev_monitor_new_from_netlink"),
                DL_SYMBOL(sym.monitor_unref, "udev_monitor_unref"),
                DL_SYMBOL(sym.monitor_match, "udev_monitor_filter_add_match_subsystem_devtype"),
                DL_SYMBOL(sym.monitor_enable, "udev_monitor_enable_receiving"),
                DL_SYMBOL(sym.monitor_fd, "udev_monitor_get_fd"),
                DL_SYMBOL(sym.monitor_receive, "udev_monitor_receive_device"),
                DL_SYMBOL(sym.device_property, "udev_device_get_property_value"),
                DL_SYMBOL(sym.device_unref, "udev_device_unref"),
        };

        return dl_open_symbols(&handle, LIBUDEV_SONAME, symbols, ELEMENTSOF(symbols));
}

typedef struct Waiter {
        struct udev *udev;
        struct udev_monitor *monitor;
        int inotify_fd;
} Waiter;

static void waiter_done(Waiter *w) {
        if (w->monitor)
                sym.monitor_unref(w->monitor);
        if (w->udev)
                sym.unref(w->udev);
        if (w->inotify_fd >= 0)
                close(w->inotify_fd);
        *w = (Waiter) { .inotify_fd = -1 };
}

/* Opened before the uevent is sent, so its result cannot be missed. Both
 * sources are optional (no netlink in a test namespace, no inotify on an odd
 * /dev): the state is re-checked every WAIT_TICK_MS anyway. */
static void waiter_open(Waiter *w) {
        char path[PATH_MAX];

        *w = (Waiter) { .inotify_fd = -1 };
        w->udev = libudev_load() >= 0 ? sym.new() : NULL;
        if (w->udev) {
                w->monitor = sym.monitor_new(w->udev, "udev");
                if (w->monitor && (sym.monitor_match(w->monitor, "block", NULL) < 0 ||
                                   sym.monitor_enable(w->monitor) < 0)) {
                        log_debug("cannot listen to the udev monitor; polling instead");
                        w->monitor = sym.monitor_unref(w->monitor);
                }
        }
        w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->inotify_fd >= 0 && root_path(path, "/dev") >= 0 &&
            inotify_add_watch(w->inotify_fd, path, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR) < 0) {
                close(w->inotify_fd);
                w->inotify_fd = -1;
        }
}

typedef bool (*WaitDoneFn)(void *userdata);

/* Waits until done() holds (0), or udevd has processed the event with the
 * UUID and done() still does not hold (1), or the time is up (-ETIMEDOUT). */
static int waiter_wait(Waiter *w, const char *uuid, WaitDoneFn done, void *userdata, unsigned timeout_ms) {
        uint64_t deadline = now_ms() + timeout_ms;
        bool seen = false;

        for (;;) {
                struct pollfd p[2];
                nfds_t n = 0;
                uint64_t now;
                int t;

                if (done(userdata))
                        return 0;
                if (seen)
                        return 1;
                now = now_ms();
                if (now >= deadline)
                        return -ETIMEDOUT;
                t = (int) (deadline - now < WAIT_TICK_MS ? deadline - now : WAIT_TICK_MS);

                if (w->monitor)
                        p[n++] = (struct pollfd) { .fd = sym.monitor_fd(w->monitor), .events = POLLIN };
                if (w->inotify_fd >= 0)
                        p[n++] = (struct pollfd) { .fd = w->inotify_fd, .events = POLLIN };
                if (poll(p, n, t) < 0 && errno != EINTR)
                        return -errno;

                if (w->inotify_fd >= 0) {
                        char buf[4096];

                        while (read(w->inotify_fd, buf, sizeof(buf)) > 0)
                                ;
                }
                if (w->monitor && uuid) {
                        struct udev_device *d;

                        while ((d = sym.monitor_receive(w->monitor))) {
                                const char *u = sym.device_property(d, "SYNTH_UUID");

                                if (u && streq(u, uuid))
                                        seen = true;
                                sym.device_unref(d);
                        }
                }
        }
}

/* The xvd device has let go of the name: /dev/NAME is no longer its symlink,
 * and its udev database entry no longer lists the name (written at the end
 * of its event, after the links). */
typedef struct DropState {
        const char *name;
        const char *xvd;
} DropState;

static bool xvd_dropped_name(void *userdata) {
        const DropState *s = userdata;
        DevEntry e;

        if (dev_entry_inspect(s->name, &e) < 0)
                return false;
        if (e.kind == DEV_ENTRY_SYMLINK && streq(e.target, s->xvd))
                return false;
        /* a gone xvd device (-ENOENT) holds nothing */
        return udev_db_name_has_link(s->xvd, s->name) <= 0;
}

/* Sends xvd (and, for a whole disk, its partitions) a change and waits,
 * bounded, until it has dropped the name. 0, or negative errno with one
 * line that ends in what the caller does about it (consequence). */
static int xvd_drop_claim(const Config *c, const DiskName *n, const char *name, const char *xvd,
                          const char *consequence) {
        _cleanup_(waiter_done) Waiter w = { .inotify_fd = -1 };
        DropState state = { .name = name, .xvd = xvd };
        char uuid[UUID_BUF];
        uint64_t start = now_ms();
        int r;

        if (xvd_dropped_name(&state))
                return 0;
        waiter_open(&w);
        r = uevent_send(xvd, "change", uuid);
        if (r < 0)
                return r;
        if (n->partition == 0)
                uevent_send_partitions(xvd);

        r = waiter_wait(&w, w.monitor ? uuid : NULL, xvd_dropped_name, &state, c->handover_timeout_ms);
        if (r == -ETIMEDOUT)
                return log_warning_errno(r, "%s: udev did not drop its claim on /dev/%s within %.1f s "
                                         "(is udevd running? all workers busy?); %s", xvd, name,
                                         c->handover_timeout_ms / 1000.0, consequence);
        if (r == 1)
                return log_warning_errno(EBUSY, "%s: udev processed its change but it still claims /dev/%s "
                                         "(another rule?); %s", xvd, name, consequence);
        if (r < 0)
                return log_warning_errno(r, "%s: waiting for udev to drop /dev/%s failed: %m; %s", xvd, name,
                                         consequence);
        log_debug("%s: dropped /dev/%s after %llu ms", xvd, name, (unsigned long long) (now_ms() - start));
        return 0;
}

/* Whether udevd listens: without it, nobody runs the rules of our uevents. */
static bool udevd_running(void) {
        char path[PATH_MAX];
        struct stat st;

        return root_path(path, "/run/udev/control") >= 0 && stat(path, &st) >= 0 && S_ISSOCK(st.st_mode);
}

/* ---- the commands ---- */

typedef enum Action {
        ACTION_NONE,    /* the node is right */
        ACTION_CREATE,  /* missing, or our own stale node */
        ACTION_HANDOVER,/* an xvd alias holds the name */
        ACTION_FOREIGN, /* something that is not ours: leave it */
} Action;

static Action classify(const char *name, dev_t devnum, const char *xvd, const DevEntry *e) {
        dev_t recorded;

        switch (e->kind) {
        case DEV_ENTRY_MISSING:
                return ACTION_CREATE;
        case DEV_ENTRY_NODE:
                if (e->devnum == devnum)
                        return ACTION_NONE;
                /* A node we made for an earlier disk of this name. */
                if (node_record_read(name, &recorded) >= 0 && recorded == e->devnum)
                        return ACTION_CREATE;
                return ACTION_FOREIGN;
        case DEV_ENTRY_SYMLINK:
                return streq(e->target, xvd) ? ACTION_HANDOVER : ACTION_FOREIGN;
        default:
                return ACTION_FOREIGN;
        }
}

/* The name's kernel device, its /dev entry and what to do about them. */
typedef struct Claim {
        char name[DISK_NAME_BUF];
        char xvd[DISK_NAME_BUF];
        dev_t devnum;
        DevEntry entry;
        Action action;
} Claim;

/* 0 with the claim filled in, -ENOENT when the kernel device is gone. */
static int claim_inspect(const DiskName *n, Claim *cl) {
        int r;

        disk_name_format_ec2(n, cl->name);
        disk_name_format_xvd(n, cl->xvd);
        r = sysfs_block_devnum(cl->name, &cl->devnum);
        if (r < 0)
                return r;
        r = dev_entry_inspect(cl->name, &cl->entry);
        if (r < 0)
                return log_error_errno(r, "/dev/%s: cannot inspect: %m", cl->name);
        cl->action = classify(cl->name, cl->devnum, cl->xvd, &cl->entry);
        return 0;
}

static int claim_refuse(const Claim *cl) {
        char what[256];

        return log_warning_errno(EEXIST, "/dev/%s is %s, which ec2-xvd-alias did not make; leaving it alone "
                                 "(kernel disk %s is " DEVNUM_FMT ")", cl->name,
                                 dev_entry_describe(&cl->entry, what, sizeof(what)), cl->name,
                                 DEVNUM_ARGS(cl->devnum));
}

/* Runs the handover for an inspected claim. 1 when /dev was changed. */
static int claim_apply(const Config *c, const DiskName *n, Claim *cl) {
        int r;

        if (cl->action == ACTION_NONE)
                return 0;
        if (cl->action == ACTION_FOREIGN)
                return claim_refuse(cl);

        if (cl->action == ACTION_HANDOVER) {
                if (sysfs_block_devnum(cl->xvd, &(dev_t) { 0 }) >= 0)
                        (void) xvd_drop_claim(c, n, cl->name, cl->xvd, "replacing the link anyway");
                /* udev may have removed the link, or made the node meanwhile. */
                r = dev_entry_inspect(cl->name, &cl->entry);
                if (r < 0)
                        return log_error_errno(r, "/dev/%s: cannot inspect: %m", cl->name);
                if (dev_entry_is_node_of(&cl->entry, cl->devnum))
                        return 0;
                if (classify(cl->name, cl->devnum, cl->xvd, &cl->entry) == ACTION_FOREIGN)
                        return claim_refuse(cl);
        }

        r = node_create(cl->name, cl->devnum);
        if (r < 0)
                return r;
        log_notice("/dev/%s: now the node of real disk %s (" DEVNUM_FMT ")%s", cl->name, cl->name,
                   DEVNUM_ARGS(cl->devnum), cl->action == ACTION_HANDOVER ? ", handed over from its xvd alias" : "");
        return 1;
}

int handover_claim(const Config *c, const DiskName *n) {
        Claim cl;
        int r;

        r = claim_inspect(n, &cl);
        if (r == -ENOENT)
                return 0; /* gone already; its remove event follows */
        if (r < 0)
                return r;
        r = claim_apply(c, n, &cl);
        return r < 0 ? r : 0;
}

int handover_recheck(const DiskName *xvd) {
        char uuid[UUID_BUF];
        Claim cl;
        int r;

        r = claim_inspect(xvd, &cl);
        if (r == -ENOENT)
                return 0; /* no real disk of that name: nothing to repair */
        if (r < 0)
                return r;
        /* Only the node udev 252 deleted with a dropped alias is put back
         * here; a handover in progress belongs to the real disk's event. */
        if (cl.action != ACTION_CREATE)
                return 0;
        r = node_create(cl.name, cl.devnum);
        if (r < 0)
                return r;
        log_notice("/dev/%s: restored the node of real disk %s (" DEVNUM_FMT ") after %s dropped its alias",
                   cl.name, cl.name, DEVNUM_ARGS(cl.devnum), cl.xvd);
        /* So that udev applies permissions and the disk's links to it. */
        (void) uevent_send(cl.name, "change", uuid);
        return 0;
}

static bool never(void *userdata _unused_) {
        return false;
}

int handover_repair(const Config *c, const DiskName *n, FILE *out) {
        _cleanup_(waiter_done) Waiter w = { .inotify_fd = -1 };
        const char *rerun = "udevd is not running, so its rules run when udevd starts";
        char uuid[UUID_BUF];
        Action action;
        bool latent;
        Claim cl;
        int r;

        r = claim_inspect(n, &cl);
        if (r < 0)
                return r == -ENOENT ? 0 : r;
        /* The node may be right while the xvd device still lists the name in
         * udev's database: its next event would delete the node (udev 252). */
        latent = udev_db_name_has_link(cl.xvd, cl.name) > 0;
        if (cl.action == ACTION_NONE && !latent)
                return multipath_readd_path(cl.name, out);
        /* What the user sees is what was wrong before we started. */
        action = cl.action;
        if (latent) {
                r = xvd_drop_claim(c, n, cl.name, cl.xvd, "it still claims the name");
                if (r < 0 && cl.action == ACTION_NONE)
                        return r;
                r = claim_inspect(n, &cl);
                if (r < 0)
                        return r == -ENOENT ? 0 : r;
        }
        r = claim_apply(c, n, &cl);
        if (r < 0)
                return r;

        /* Re-run the real disk's rules so scsi_id, by-id and by-path see it. */
        if (udevd_running()) {
                waiter_open(&w);
                rerun = "udev re-ran its rules";
                if (uevent_send(cl.name, "change", uuid) < 0)
                        rerun = "could not ask udev to re-run its rules";
                else if (!w.monitor)
                        rerun = "udev was asked to re-run its rules";
                else if (waiter_wait(&w, uuid, never, NULL, REPAIR_SD_WAIT_MS) == -ETIMEDOUT)
                        rerun = "udev did not confirm re-running its rules within 10 s";
        }
        fprintf(out, "%s: %s; /dev/%s is the node of " DEVNUM_FMT "; %s\n", cl.name,
                action == ACTION_HANDOVER ? "handed over from the xvd alias"
                : action == ACTION_CREATE ? "made the missing node"
                                          : "the xvd device no longer claims the name in udev's database",
                cl.name, DEVNUM_ARGS(cl.devnum), rerun);
        /* multipathd may still check the device the old entry led to. */
        (void) multipath_readd_path(cl.name, out);
        return 1;
}

/* The name is free again: if the policy now gives it to the xvd device of
 * the same name (mode compat; auto keeps it on a SCSI-active host), ask
 * udev to re-run that device's rules, and for a whole disk its partitions'
 * (their own releases found the disk still there). No wait. */
static void give_back(const Config *c, const DiskName *n, const char *name) {
        char xvd[DISK_NAME_BUF], uuid[UUID_BUF];
        AliasDecision d;

        disk_name_format_xvd(n, xvd);
        if (sysfs_block_devnum(xvd, &(dev_t) { 0 }) < 0)
                return;
        policy_decide_alias(c, n, &d);
        if (!d.alias) {
                log_debug("%s: not giving /dev/%s back: %s", xvd, name, d.reason);
                return;
        }
        if (uevent_send(xvd, "change", uuid) < 0)
                return;
        if (n->partition == 0)
                uevent_send_partitions(xvd);
        log_notice("%s: real disk %s is gone; asked udev to give /dev/%s back to %s (%s)", xvd, name, name, xvd,
                   d.reason);
}

int handover_release(const Config *c, const DiskName *n) {
        char name[DISK_NAME_BUF], path[PATH_MAX];
        uint64_t deadline = now_ms() + RELEASE_WAIT_MS;
        dev_t recorded = 0, devnum;
        bool ours;
        DevEntry e;
        int r;

        disk_name_format_ec2(n, name);
        /* Without a record, devtmpfs made the node and removes it itself. */
        ours = node_record_read(name, &recorded) >= 0;

        /* The remove uevent can reach us before the kernel has dropped the
         * sysfs directory. If the name is still (or again) a device, its
         * own claim decides about the node. */
        while (sysfs_block_devnum(name, &devnum) >= 0) {
                if (now_ms() >= deadline) {
                        log_debug("%s: still a kernel device (" DEVNUM_FMT "); keeping /dev/%s", name,
                                  DEVNUM_ARGS(devnum), name);
                        return 0;
                }
                usleep(10000);
        }

        if (ours) {
                r = dev_entry_inspect(name, &e);
                if (r < 0)
                        return log_error_errno(r, "/dev/%s: cannot inspect: %m", name);
                if (dev_entry_is_node_of(&e, recorded)) {
                        r = root_path(path, "/dev/%s", name);
                        if (r < 0)
                                return r;
                        if (unlink(path) < 0 && errno != ENOENT)
                                return log_error_errno(errno, "/dev/%s: cannot remove: %m", name);
                        log_notice("/dev/%s: removed the node of " DEVNUM_FMT " that ec2-xvd-alias had made", name,
                                   DEVNUM_ARGS(recorded));
                }
                node_record_remove(name, recorded);
        }
        give_back(c, n, name);
        return 0;
}
