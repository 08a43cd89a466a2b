/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <sys/sysmacros.h>

#include "build-config.h"
#include "log.h"
#include "macro.h"
#include "policy.h"
#include "probe.h"

_printf_(3, 4) static void decide(AliasDecision *d, bool alias, const char *format, ...) {
        va_list ap;

        d->alias = alias;
        va_start(ap, format);
        vsnprintf(d->reason, sizeof(d->reason), format, ap);
        va_end(ap);
}

/* The one rule (docs/design.md, "Policy"). It reads the configuration, sysfs
 * and /dev, nothing else: not loaded modules, iSCSI sessions or node
 * records, not udev's database, not the order of events. So the same
 * devices give the same links at every boot, and a coldplug, a change event
 * or a reboot never moves a name. */
void policy_decide_alias(const Config *c, const DiskName *n, const char *holder, AliasDecision *ret) {
        char ec2[DISK_NAME_BUF], disk[DISK_NAME_BUF], what[256];
        DiskName whole = disk_name_whole(n);
        DevEntry entry;
        dev_t devnum;
        int r;

        disk_name_format_ec2(n, ec2);
        disk_name_format_ec2(&whole, disk);

        /* A build for a distribution whose amazon-ec2-utils has no Xen rule
         * (Debian, Ubuntu: -Dxen_aliases=false): its Xen disks never had an
         * sd name, so they get none from us either. EBS NVMe volumes keep
         * theirs (their holder is an nvme name). */
        if (!XEN_ALIASES && startswith(holder, "xvd"))
                return decide(ret, false,
                              "this build gives Xen disks only the stable link (the distribution has no Xen sdX aliases)");
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
        if (entry.kind != DEV_ENTRY_MISSING && !dev_entry_is_link_to(&entry, holder))
                return decide(ret, false, "/dev/%s is %s, not ours", ec2,
                              dev_entry_describe(&entry, what, sizeof(what)));

        return decide(ret, true, "no real SCSI disk %s", disk);
}
