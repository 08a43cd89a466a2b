/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "blocklist.h"
#include "build-config.h"
#include "collisions.h"
#include "kmod-dl.h"
#include "log.h"
#include "multipath.h"
#include "policy.h"
#include "root.h"
#include "scsi.h"
#include "status.h"
#include "udev-db.h"
#include "usage.h"

#define RULE_NAME "51-ec2-hvm-devices.rules"

/* Which 51-ec2-hvm-devices.rules udev reads: the first of these wins. */
static void print_rule(FILE *out) {
        static const char *const dirs[] = {
                "/etc/udev/rules.d", "/run/udev/rules.d", "/usr/local/lib/udev/rules.d",
                "/usr/lib/udev/rules.d", "/lib/udev/rules.d",
        };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_fclose_ FILE *f = NULL;
                char path[PATH_MAX], line[512];
                const char *what = "not from ec2-xvd-alias or amazon-ec2-utils";
                struct stat st;

                if (root_path(path, "%s/" RULE_NAME, dirs[i]) < 0 || lstat(path, &st) < 0)
                        continue;
                f = fopen(path, "re");
                if (!f || !S_ISREG(st.st_mode)) {
                        fprintf(out, "Rule:           %s/" RULE_NAME " (masked or unreadable: no xvd links)\n", dirs[i]);
                        return;
                }
                while (fgets(line, sizeof(line), f)) {
                        if (line[0] == '#')
                                continue;
                        if (strstr(line, "ec2-xvd-alias")) {
                                what = "ec2-xvd-alias";
                                break;
                        }
                        if (strstr(line, "ec2udev-vbd")) {
                                what = "the stock amazon-ec2-utils rule: it aliases unconditionally";
                                break;
                        }
                }
                fprintf(out, "Rule:           %s/" RULE_NAME " (%s)\n", dirs[i], what);
                return;
        }
        fprintf(out, "Rule:           none named " RULE_NAME "\n");
}

static void print_policy(const Config *c, FILE *out) {
        char why[256], modules[256];
        int r;

        fprintf(out, "Policy:         mode %s (%s)\n", mode_to_string(c->mode), c->mode_source);
        fprintf(out, "Reserved:      ");
        if (c->n_reserve == 0)
                fprintf(out, " none");
        for (size_t i = 0; i < c->n_reserve; i++)
                fprintf(out, " %s", c->reserve[i]);
        fprintf(out, "\n");

        /* Information only: the policy never reads it (docs/design.md). */
        r = scsi_host_activity(why, sizeof(why));
        if (r > 0)
                fprintf(out, "SCSI activity:  %s\n", why);
        else
                fprintf(out, "SCSI activity:  none seen%s\n", r < 0 ? " (some facts unreadable)" : "");

        if (!root_is_host())
                fprintf(out, "iSCSI modules:  not read (libkmod reads only the running system, not --root)\n");
        else if ((r = kmod_loaded_iscsi_modules(modules, sizeof(modules))) < 0)
                fprintf(out, "iSCSI modules:  not read with libkmod: %s\n", strerror(-r));
        else
                fprintf(out, "iSCSI modules:  %s\n", *modules ? modules : "none loaded");
}

typedef struct LinkList {
        char buf[512];
        size_t len;
        const char *ec2, *stable;
} LinkList;

static int collect_own_link(const char *link, void *userdata) {
        LinkList *l = userdata;

        if ((streq(link, l->ec2) || streq(link, l->stable)) && l->len < sizeof(l->buf))
                l->len += (size_t) snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s", l->len ? " " : "", link);
        return 0;
}

static void print_xvd(const Config *c, const BlockList *l, FILE *out) {
        bool any = false;
        int r;

        for (int i = 0; i < l->n; i++) {
                const char *name = l->entries[i]->d_name, *reason;
                char ec2[DISK_NAME_BUF], stable[DISK_NAME_BUF], num[24];
                LinkList links = { .ec2 = ec2, .stable = stable };
                AliasDecision d;
                DiskName n;
                dev_t devnum;

                if (xvd_name_parse(name, &n, &reason) < 0 || sysfs_block_devnum(name, &devnum) < 0)
                        continue;
                if (!any)
                        fprintf(out, "\nXen disks:\n  %-10s %-9s %-10s %-22s %s\n", "NAME", "DEVNUM", "EC2 NAME",
                                "LINKS NOW", "LINKS ON NEXT EVENT");
                any = true;
                disk_name_format_ec2(&n, ec2);
                disk_name_format_stable(&n, stable);
                r = udev_db_foreach_link(devnum, collect_own_link, &links);
                policy_decide_alias(c, &n, name, &d);
                snprintf(num, sizeof(num), DEVNUM_FMT, DEVNUM_ARGS(devnum));
                fprintf(out, "  %-10s %-9s %-10s %-22s %s%s%s (%s)\n", name, num, ec2,
                        r < 0 ? "?" : links.len ? links.buf : "-", d.alias ? ec2 : "", d.alias ? " " : "", stable,
                        d.reason);
        }
        if (!any)
                fprintf(out, "\nXen disks:      none\n");
}

static void describe_transport(const char *name, char *buf, size_t size) {
        ScsiTransport t;

        if (scsi_disk_transport(name, &t) < 0)
                snprintf(buf, size, "?");
        else if (streq(t.kind, "iscsi"))
                snprintf(buf, size, "iscsi %s lun %s%s%s%s", *t.target ? t.target : "(target unknown)", t.lun,
                         *t.portal ? " (" : "", t.portal, *t.portal ? ")" : "");
        else
                snprintf(buf, size, "%s%s%s", t.kind, *t.hctl ? " " : "", t.hctl);
}

static void print_scsi(const BlockList *l, FILE *out) {
        bool any = false;

        for (int i = 0; i < l->n; i++) {
                const char *name = l->entries[i]->d_name, *reason;
                char transport[400], what[256], num[24];
                DevEntry e;
                DiskName n;
                dev_t devnum;

                if (sd_name_parse(name, &n, &reason) < 0 || sysfs_block_devnum(name, &devnum) < 0)
                        continue;
                if (!any)
                        fprintf(out, "\nSCSI disks:\n  %-10s %-9s %-30s %s\n", "NAME", "DEVNUM", "/dev ENTRY", "TRANSPORT");
                any = true;
                describe_transport(name, transport, sizeof(transport));
                if (dev_entry_inspect(name, &e) < 0)
                        snprintf(what, sizeof(what), "unreadable");
                else if (e.kind == DEV_ENTRY_NODE && e.devnum == devnum)
                        snprintf(what, sizeof(what), "ok");
                else
                        dev_entry_describe(&e, what, sizeof(what));
                snprintf(num, sizeof(num), DEVNUM_FMT, DEVNUM_ARGS(devnum));
                fprintf(out, "  %-10s %-9s %-30s %s\n", name, num, what, transport);
        }
        if (!any)
                fprintf(out, "\nSCSI disks:     none\n");
}

typedef struct WrongLinks {
        dev_t devnum;
        unsigned n;
        char first[256];
} WrongLinks;

/* A link of the real disk in udev's database that does not lead to it. */
static int count_wrong_link(const char *link, void *userdata) {
        WrongLinks *w = userdata;
        char path[PATH_MAX];
        struct stat st;

        if (root_path(path, "/dev/%s", link) < 0)
                return 0;
        if (stat(path, &st) >= 0 && S_ISBLK(st.st_mode) && st.st_rdev == w->devnum)
                return 0;
        if (w->n++ == 0)
                snprintf(w->first, sizeof(w->first), "/dev/%s", link);
        return 0;
}

static void print_collision(const Collision *c, FILE *out) {
        const NameInfo *i = &c->info;
        char what[256], transport[400];
        WrongLinks w = { .devnum = i->devnum };

        switch (c->kind) {
        case COLLISION_PARTITION_ALIAS: {
                char disk[DISK_NAME_BUF];
                DiskName whole = disk_name_whole(&c->parsed);

                disk_name_format_ec2(&whole, disk);
                describe_transport(disk, transport, sizeof(transport));
                fprintf(out, "  /dev/%s is a symlink to '%s', but %s is a real SCSI disk (%s): a partition made\n"
                        "    on it would be written through this name to the Xen disk\n", i->name, i->holder, disk,
                        transport);
                return;
        }
        case COLLISION_LATENT:
                describe_transport(i->name, transport, sizeof(transport));
                fprintf(out, "  /dev/%s is right, but %s still claims the name in udev's database: its next\n"
                        "    event makes udev delete /dev/%s (kernel disk %s is " DEVNUM_FMT ", %s)\n",
                        i->name, i->holder, i->name, i->name, DEVNUM_ARGS(i->devnum), transport);
                break;
        case COLLISION_MULTIPATH: {
                char holder[64] = "";

                describe_transport(i->name, transport, sizeof(transport));
                (void) multipath_pending(i->name, holder, sizeof(holder));
                fprintf(out, "  /dev/%s is right, but multipath map %s opened it through the old entry and still\n"
                        "    checks that device (kernel disk %s is " DEVNUM_FMT ", %s)\n",
                        i->name, holder, i->name, DEVNUM_ARGS(i->devnum), transport);
                break;
        }
        default:
                describe_transport(i->name, transport, sizeof(transport));
                fprintf(out, "  /dev/%s is %s, but kernel disk %s is " DEVNUM_FMT " (%s)\n", i->name,
                        dev_entry_describe(&i->entry, what, sizeof(what)), i->name, DEVNUM_ARGS(i->devnum),
                        transport);
        }
        (void) udev_db_foreach_link(i->devnum, count_wrong_link, &w);
        if (w.n > 0)
                fprintf(out, "    %u of its links in udev's database lead elsewhere, e.g. %s\n", w.n, w.first);
}

int status_print(const Config *c, FILE *out) {
        _cleanup_(block_list_done) BlockList l = {};
        _cleanup_free_ Collision *v = NULL;
        size_t n = 0;
        bool fixable = false;
        int r;

        fprintf(out, "ec2-xvd-alias %s status of %s\n\n", PACKAGE_VERSION, root_get());
        print_rule(out);
        print_policy(c, out);
        r = udev_db_readable();
        if (r < 0)
                fprintf(out, "udev database:  not read (%s): LINKS NOW and udev's claims on names unknown\n",
                        udev_db_unreadable_reason(r));

        r = block_list(&l);
        if (r < 0)
                return r;
        print_xvd(c, &l, out);
        print_scsi(&l, out);

        r = collisions_find(&v, &n);
        if (r < 0)
                return r;
        (void) usage_print(c, out);
        if (n == 0) {
                fprintf(out, "\nCollisions:     none\n");
                return 0;
        }
        fprintf(out, "\nCollisions:     %zu\n", n);
        for (size_t i = 0; i < n; i++) {
                print_collision(&v[i], out);
                if (collision_fixable(v[i].kind))
                        fixable = true;
        }
        fprintf(out, "\nTo fix: make sure the rule in force is ec2-xvd-alias's (see Rule above), then run\n"
                "'" HELPER_PATH " repair'.%s Do not write to the disk's links until status is clean.\n",
                fixable ? "" : " Entries ec2-xvd-alias did not make must be removed by hand.");
        return 1;
}
