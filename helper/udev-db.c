/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "macro.h"
#include "probe.h"
#include "root.h"
#include "udev-db.h"
#include "udev-dl.h"

/* Whether DIR/path is the directory libudev reads at path (both missing
 * counts: then libudev finds nothing either). */
static bool same_dir(const char *path) {
        char p[PATH_MAX];
        struct stat a, b;
        bool has_a, has_b;

        if (root_path(p, "%s", path) < 0)
                return false;
        has_a = stat(p, &a) >= 0;
        has_b = stat(path, &b) >= 0;
        if (!has_a || !has_b)
                return !has_a && !has_b;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Not cached: fuzz-status moves --root between inputs. */
static int udev_db_check_root(void) {
        static bool logged;

        if (root_is_host() || (same_dir("/sys") && same_dir("/run/udev")))
                return 0;
        if (!logged)
                log_debug("%s/sys and %s/run/udev are not what libudev reads: udev's database not read",
                          root_get(), root_get());
        logged = true;
        return -EXDEV;
}

int udev_db_readable(void) {
        int r = udev_db_check_root();

        return r < 0 ? r : udev_dl_load();
}

static void udev_unrefp(struct udev **u) {
        if (*u)
                udev_sym.unref(*u);
}

static void udev_device_unrefp(struct udev_device **d) {
        if (*d)
                udev_sym.device_unref(*d);
}

int udev_db_foreach_link(dev_t devnum, int (*fn)(const char *link, void *userdata), void *userdata) {
        _cleanup_(udev_unrefp) struct udev *udev = NULL;
        _cleanup_(udev_device_unrefp) struct udev_device *d = NULL;
        int r;

        r = udev_db_readable();
        if (r < 0)
                return r;
        udev = udev_sym.new();
        if (!udev)
                return -ENOMEM;
        errno = 0;
        d = udev_sym.device_new_from_devnum(udev, 'b', devnum);
        if (!d) {
                r = errno > 0 ? -errno : -ENODEV;
                return log_debug_errno(r, "libudev has no block device " DEVNUM_FMT ": %m", DEVNUM_ARGS(devnum));
        }
        for (struct udev_list_entry *e = udev_sym.device_devlinks(d); e; e = udev_sym.list_next(e)) {
                const char *link = udev_sym.list_name(e);

                /* libudev gives full paths; udev's rules and our callers
                 * name links relative to /dev. */
                if (!link || !startswith(link, "/dev/"))
                        continue;
                r = fn(link + strlen("/dev/"), userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

static int match_link(const char *link, void *userdata) {
        return streq(link, (const char *) userdata);
}

int udev_db_has_link(dev_t devnum, const char *link) {
        return udev_db_foreach_link(devnum, match_link, (void *) link);
}

int udev_db_name_has_link(const char *name, const char *link) {
        dev_t devnum;
        int r;

        r = sysfs_block_devnum(name, &devnum);
        if (r < 0)
                return r;
        return udev_db_has_link(devnum, link);
}

const char *udev_db_unreadable_reason(int r) {
        switch (r) {
        case -EXDEV:
                return "libudev reads only /sys and /run/udev, not those under --root";
        case -ELIBACC:
        case -ELIBBAD:
                return "libudev cannot be loaded";
        default:
                return strerror(-r);
        }
}
