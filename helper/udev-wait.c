/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "root.h"
#include "udev-dl.h"
#include "udev-wait.h"

/* Re-check the state at least this often, whatever the monitors say. */
#define WAIT_TICK_MS 100
#define UUIDS_MAX 64

void waiter_done(Waiter *w) {
        if (w->monitor)
                udev_sym.monitor_unref(w->monitor);
        if (w->udev)
                udev_sym.unref(w->udev);
        if (w->inotify_fd >= 0)
                close(w->inotify_fd);
        *w = WAITER_NULL;
}

void waiter_open(Waiter *w, bool monitor) {
        char path[PATH_MAX];

        *w = WAITER_NULL;
        w->udev = monitor && udev_dl_load() >= 0 ? udev_sym.new() : NULL;
        if (w->udev) {
                w->monitor = udev_sym.monitor_new(w->udev, "udev");
                if (w->monitor && (udev_sym.monitor_match(w->monitor, "block", NULL) < 0 ||
                                   udev_sym.monitor_enable(w->monitor) < 0)) {
                        log_debug("cannot listen to the udev monitor; polling instead");
                        w->monitor = udev_sym.monitor_unref(w->monitor);
                }
        }
        w->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w->inotify_fd >= 0 && root_path(path, "/dev") >= 0 &&
            inotify_add_watch(w->inotify_fd, path, IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR) < 0) {
                close(w->inotify_fd);
                w->inotify_fd = -1;
        }
}

int waiter_wait(Waiter *w, char (*uuids)[37], size_t n, WaitDoneFn done, void *userdata, unsigned timeout_ms) {
        uint64_t deadline = now_ms() + timeout_ms;
        bool seen[UUIDS_MAX] = {};
        size_t n_seen = 0;

        if (!w->monitor || n > UUIDS_MAX)
                n = 0; /* nothing to watch for: done() or the time */
        for (;;) {
                struct pollfd p[2];
                nfds_t np = 0;
                uint64_t now;
                int t;

                if (done(userdata))
                        return 0;
                if (n > 0 && n_seen == n)
                        return 1;
                now = now_ms();
                if (now >= deadline)
                        return -ETIMEDOUT;
                t = (int) (deadline - now < WAIT_TICK_MS ? deadline - now : WAIT_TICK_MS);

                if (w->monitor)
                        p[np++] = (struct pollfd) { .fd = udev_sym.monitor_fd(w->monitor), .events = POLLIN };
                if (w->inotify_fd >= 0)
                        p[np++] = (struct pollfd) { .fd = w->inotify_fd, .events = POLLIN };
                if (poll(p, np, t) < 0 && errno != EINTR)
                        return -errno;

                if (w->inotify_fd >= 0) {
                        char buf[4096];

                        while (read(w->inotify_fd, buf, sizeof(buf)) > 0)
                                ;
                }
                if (w->monitor) {
                        struct udev_device *d;

                        while ((d = udev_sym.monitor_receive(w->monitor))) {
                                const char *u = udev_sym.device_property(d, "SYNTH_UUID");

                                for (size_t i = 0; u && i < n; i++)
                                        if (!seen[i] && streq(u, uuids[i])) {
                                                seen[i] = true;
                                                n_seen++;
                                        }
                                udev_sym.device_unref(d);
                        }
                }
        }
}

bool udevd_running(void) {
        char path[PATH_MAX];
        struct stat st;

        return root_path(path, "/run/udev/control") >= 0 && stat(path, &st) >= 0 && S_ISSOCK(st.st_mode);
}
