/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <sys/sysmacros.h>

#include "log.h"
#include "policy.h"
#include "probe.h"
#include "scsi.h"

_printf_(3, 4) static void decide(AliasDecision *d, bool alias, const char *format, ...) {
        va_list ap;

        d->alias = alias;
        va_start(ap, format);
        vsnprintf(d->reason, sizeof(d->reason), format, ap);
        va_end(ap);
}

void policy_decide_alias(const Config *c, const DiskName *n, AliasDecision *ret) {
        char ec2[DISK_NAME_BUF], xvd[DISK_NAME_BUF], disk[DISK_NAME_BUF], what[256], why[256];
        DiskName whole = disk_name_whole(n);
        DevEntry entry;
        dev_t devnum;
        int r;

        disk_name_format_ec2(n, ec2);
        disk_name_format_xvd(n, xvd);
        disk_name_format_ec2(&whole, disk);

        if (c->mode == MODE_OFF)
                return decide(ret, false, "mode off (%s)", c->mode_source);
        if (config_is_reserved(c, disk))
                return decide(ret, false, "%s is reserved in " CONFIG_FILE, disk);

        /* A real disk owns its name, and with it every partition name. */
        r = sysfs_block_devnum(disk, &devnum);
        if (r >= 0)
                return decide(ret, false, "real SCSI disk %s (" DEVNUM_FMT ") exists", disk, DEVNUM_ARGS(devnum));
        if (r != -ENOENT)
                return decide(ret, false, "cannot tell whether real SCSI disk %s exists: %s", disk, strerror(-r));

        r = dev_entry_inspect(ec2, &entry);
        if (r < 0)
                return decide(ret, false, "cannot inspect /dev/%s: %s", ec2, strerror(-r));
        /* udev's links are relative and in the same directory: "xvdf". */
        if (entry.kind != DEV_ENTRY_MISSING && !(entry.kind == DEV_ENTRY_SYMLINK && streq(entry.target, xvd)))
                return decide(ret, false, "/dev/%s is %s, not ours", ec2,
                              dev_entry_describe(&entry, what, sizeof(what)));

        if (c->mode == MODE_COMPAT)
                return decide(ret, true, "%s is free (mode compat)", ec2);

        /* mode auto: an alias the device already holds is kept, so change
         * events never make links flap; a new one only on a host with no
         * SCSI activity. */
        if (udev_db_name_has_link(xvd, ec2) > 0)
                return decide(ret, true, "%s already holds %s", xvd, ec2);
        r = scsi_host_activity(why, sizeof(why));
        if (r > 0)
                return decide(ret, false, "host is SCSI-active (%s): no new sd aliases in mode auto", why);
        if (r < 0)
                return decide(ret, false, "cannot tell whether the host is SCSI-active: %s", strerror(-r));
        return decide(ret, true, "%s is free", ec2);
}
