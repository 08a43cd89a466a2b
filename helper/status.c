/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "blocklist.h"
#include "json-out.h"
#include "build-config.h"
#include "collisions.h"
#include "kmod-dl.h"
#include "log.h"
#include "multipath.h"
#include "nitro.h"
#include "policy.h"
#include "root.h"
#include "scsi.h"
#include "status.h"
#include "udev-db.h"
#include "names-in-use.h"

#define RULE_NAME "51-ec2-hvm-devices.rules"

typedef enum RuleKind {
        RULE_OURS,    /* ec2-xvd-alias's */
        RULE_STOCK,   /* amazon-ec2-utils': it aliases unconditionally */
        RULE_OTHER,   /* neither */
        RULE_MASKED,  /* not a regular file, or unreadable: no xvd links */
        RULE_NONE,    /* no file of that name */
} RuleKind;

typedef struct RuleInForce {
        RuleKind kind;
        char path[PATH_MAX]; /* "/etc/udev/rules.d/51-ec2-hvm-devices.rules", "" for none */
} RuleInForce;

/* Which 51-ec2-hvm-devices.rules udev reads: the first of these wins. */
static void rule_find(RuleInForce *ret) {
        static const char *const dirs[] = {
                "/etc/udev/rules.d", "/run/udev/rules.d", "/usr/local/lib/udev/rules.d",
                "/usr/lib/udev/rules.d", "/lib/udev/rules.d",
        };

        *ret = (RuleInForce) { .kind = RULE_NONE };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_fclose_ FILE *f = NULL;
                char path[PATH_MAX], line[512];
                struct stat st;

                if (root_path(path, "%s/" RULE_NAME, dirs[i]) < 0 || lstat(path, &st) < 0)
                        continue;
                snprintf(ret->path, sizeof(ret->path), "%s/" RULE_NAME, dirs[i]);
                f = fopen(path, "re");
                if (!f || !S_ISREG(st.st_mode)) {
                        ret->kind = RULE_MASKED;
                        return;
                }
                ret->kind = RULE_OTHER;
                while (fgets(line, sizeof(line), f)) {
                        if (line[0] == '#')
                                continue;
                        if (strstr(line, "ec2-xvd-alias")) {
                                ret->kind = RULE_OURS;
                                break;
                        }
                        if (strstr(line, "ec2udev-vbd")) {
                                ret->kind = RULE_STOCK;
                                break;
                        }
                }
                return;
        }
}

/* What status says of the rule in force, in parentheses after its path. */
static const char *rule_description(RuleKind k) {
        switch (k) {
        case RULE_OURS:
                return "ec2-xvd-alias";
        case RULE_STOCK:
                return "the stock amazon-ec2-utils rule: it aliases unconditionally";
        case RULE_OTHER:
                return "not from ec2-xvd-alias or amazon-ec2-utils";
        case RULE_MASKED:
                return "masked or unreadable: no xvd links";
        case RULE_NONE:
                break;
        }
        return "none";
}

static void print_rule(const RuleInForce *rule, FILE *out) {
        if (rule->kind == RULE_NONE)
                fprintf(out, "Rule:           none named " RULE_NAME "\n");
        else
                fprintf(out, "Rule:           %s (%s)\n", rule->path, rule_description(rule->kind));
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

/* One EBS volume or partition as status shows it: its names (nitro.c
 * computes them, as for the rule), the links udev lists for it now, and
 * what its next event gives it. */
typedef struct EbsRow {
        EbsNames names;
        dev_t devnum;
        char compat[DISK_NAME_BUF]; /* "" when the stock name is no kernel name */
        char next[2 * DISK_NAME_BUF + 2];
        LinkList links;
        int links_read;             /* udev_db_foreach_link()'s result */
        AliasDecision d;
} EbsRow;

/* 1 with the row filled in for an EBS volume whose mapping name is an sd
 * or xvd name, 0 for anything else. */
static int ebs_row(const Config *c, const char *name, EbsRow *ret) {
        const char *reason;

        *ret = (EbsRow) {};
        if (!startswith(name, "nvme") || ebs_names_read(name, &ret->names, &reason) < 0 ||
            sysfs_block_devnum(name, &ret->devnum) < 0)
                return 0;
        if (ret->names.has_compat)
                disk_name_format_ec2(&ret->names.compat, ret->compat);
        ret->links = (LinkList) { .ec2 = ret->names.xvd_prefix ? ret->names.stock : ret->compat,
                                  .stable = ret->names.stable };
        ret->links_read = udev_db_foreach_link(ret->devnum, collect_own_link, &ret->links);
        if (ret->names.xvd_prefix)
                snprintf(ret->d.reason, sizeof(ret->d.reason), "mapped %s: Amazon's /dev/%s stays, no SCSI name",
                         ret->names.mapping, ret->names.stock);
        else if (!ret->names.has_compat)
                snprintf(ret->d.reason, sizeof(ret->d.reason), "the stock name %s is no kernel name",
                         ret->names.stock);
        else
                policy_decide_alias(c, &ret->names.compat, name, &ret->d);
        snprintf(ret->next, sizeof(ret->next), "%s%s%s", ret->d.alias ? ret->compat : "", ret->d.alias ? " " : "",
                 ret->names.stable);
        return 1;
}

/* A whole disk mapped like a partition (a root mapped sda1): its
 * compatibility names mean what they mean on Nitro only. */
static void ebs_generation_note(const EbsRow *row, const char *name, char *buf, size_t size) {
        char disk[32];
        unsigned part;

        *buf = '\0';
        if (!row->names.partition_style || nvme_name_parse(name, disk, &part) < 0 || part > 0)
                return;
        snprintf(buf, size,
                 "%s is mapped %s: here /dev/%s is the whole disk and /dev/%s1 its partition 1 (the stock rule's "
                 "names on Nitro), while on Xen /dev/%s is partition 1; /dev/%s1 is partition 1 on both: use it or "
                 "UUID= in fstab", name, row->names.mapping, row->names.stock, row->names.stock, row->names.stock,
                 row->names.stable);
}

static void print_ebs(const Config *c, const BlockList *l, FILE *out) {
        char notes[4][512];
        size_t n_notes = 0;
        bool any = false;

        for (int i = 0; i < l->n; i++) {
                const char *name = l->entries[i]->d_name;
                char num[24];
                EbsRow row;

                if (ebs_row(c, name, &row) <= 0)
                        continue;
                if (!any)
                        fprintf(out, "\nEBS volumes:\n  %-10s %-9s %-10s %-22s %s\n", "NAME", "DEVNUM", "MAPPING",
                                "LINKS NOW", "LINKS ON NEXT EVENT");
                any = true;
                snprintf(num, sizeof(num), DEVNUM_FMT, DEVNUM_ARGS(row.devnum));
                fprintf(out, "  %-10s %-9s %-10s %-22s %s (%s)\n", name, num, row.names.mapping,
                        row.links_read < 0 ? "?" : row.links.len ? row.links.buf : "-", row.next, row.d.reason);
                if (n_notes < ELEMENTSOF(notes)) {
                        ebs_generation_note(&row, name, notes[n_notes], sizeof(notes[0]));
                        if (notes[n_notes][0])
                                n_notes++;
                }
        }
        for (size_t i = 0; i < n_notes; i++)
                fprintf(out, "  Note: %s.\n", notes[i]);
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

/* The collision's sentence, as the report's lines (without the count of
 * its links that lead elsewhere). */
static void print_collision_what(const Collision *c, FILE *out) {
        const NameInfo *i = &c->info;
        char what[256], transport[400];

        switch (c->kind) {
        case COLLISION_PARTITION_ALIAS: {
                char disk[DISK_NAME_BUF];
                DiskName whole = disk_name_whole(&c->parsed);

                disk_name_format_ec2(&whole, disk);
                describe_transport(disk, transport, sizeof(transport));
                fprintf(out, "  /dev/%s is a symlink to '%s', but %s is a real SCSI disk (%s): a partition made\n"
                        "    on it would be written through this name to the Xen disk\n", i->name, i->holder, disk,
                        transport);
                break;
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
}

static void print_collision(const Collision *c, FILE *out) {
        WrongLinks w = { .devnum = c->info.devnum };

        print_collision_what(c, out);
        if (c->kind == COLLISION_PARTITION_ALIAS)
                return;
        (void) udev_db_foreach_link(c->info.devnum, count_wrong_link, &w);
        if (w.n > 0)
                fprintf(out, "    %u of its links in udev's database lead elsewhere, e.g. %s\n", w.n, w.first);
}

static int status_print_text(const Config *c, FILE *out) {
        _cleanup_(block_list_done) BlockList l = {};
        RuleInForce rule;
        _cleanup_free_ Collision *v = NULL;
        size_t n = 0;
        bool fixable = false;
        int r;

        fprintf(out, "ec2-xvd-alias %s status of %s\n\n", PACKAGE_VERSION, root_get());
        rule_find(&rule);
        print_rule(&rule, out);
        print_policy(c, out);
        r = udev_db_readable();
        if (r < 0)
                fprintf(out, "udev database:  not read (%s): LINKS NOW and udev's claims on names unknown\n",
                        udev_db_unreadable_reason(r));

        r = block_list(&l);
        if (r < 0)
                return r;
        print_xvd(c, &l, out);
        print_ebs(c, &l, out);
        print_scsi(&l, out);

        r = collisions_find(&v, &n);
        if (r < 0)
                return r;
        (void) usage_print(c, out);
        if (n == 0) {
                fprintf(out, "\nCollisions:     none\n");
                return STATUS_OK;
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
        return STATUS_CRITICAL;
}

/* `status --json`: the same facts, one object (docs/status.schema.json,
 * man page "JSON OUTPUT"). Every name the schema has for a kind is here. */

const char *collision_kind_name(CollisionKind k) {
        /* No default: a new CollisionKind is a -Wswitch error until it has
         * its name here (and in docs/status.schema.json). */
        switch (k) {
        case COLLISION_ALIAS:
                return "alias";
        case COLLISION_MISSING:
                return "missing";
        case COLLISION_OWN_STALE:
                return "own-stale";
        case COLLISION_FOREIGN:
                return "foreign";
        case COLLISION_PARTITION_ALIAS:
                return "partition-alias";
        case COLLISION_LATENT:
                return "latent";
        case COLLISION_MULTIPATH:
                return "multipath";
        }
        return "unknown";
}

static const char *rule_kind_name(RuleKind k) {
        switch (k) {
        case RULE_OURS:
                return "ec2-xvd-alias";
        case RULE_STOCK:
                return "amazon-ec2-utils";
        case RULE_OTHER:
                return "other";
        case RULE_MASKED:
                return "masked";
        case RULE_NONE:
                return "none";
        }
        return "unknown";
}

static const char *dev_entry_kind_name(DevEntryKind k) {
        switch (k) {
        case DEV_ENTRY_MISSING:
                return "missing";
        case DEV_ENTRY_NODE:
                return "node";
        case DEV_ENTRY_SYMLINK:
                return "symlink";
        case DEV_ENTRY_OTHER:
                return "other";
        }
        return "unknown";
}

static const char *name_use_risk_name(NameUseRisk r) {
        switch (r) {
        case NAME_USE_TAKEN:
                return "taken";
        case NAME_USE_NEVER_ALIAS:
                return "never-alias";
        case NAME_USE_CAN_BE_TAKEN:
                return "can-be-taken";
        }
        return "unknown";
}

static void json_devnum(JsonOut *j, const char *key, dev_t devnum) {
        char num[24];

        snprintf(num, sizeof(num), DEVNUM_FMT, DEVNUM_ARGS(devnum));
        json_string(j, key, num);
}

/* /dev/NAME: what it is; ok when it is the node of the disk (devnum). */
static void json_dev_entry(JsonOut *j, const char *key, const DevEntry *e, bool readable, dev_t devnum) {
        char what[256];

        json_object_begin(j, key);
        if (!readable) {
                json_string(j, "kind", "unreadable");
                json_bool(j, "ok", false);
                json_string(j, "description", "unreadable");
                json_object_end(j);
                return;
        }
        json_string(j, "kind", dev_entry_kind_name(e->kind));
        json_bool(j, "ok", dev_entry_is_node_of(e, devnum));
        if (e->kind == DEV_ENTRY_NODE)
                json_devnum(j, "devnum", e->devnum);
        if (e->kind == DEV_ENTRY_SYMLINK)
                json_string(j, "target", e->target);
        json_string(j, "description", dev_entry_describe(e, what, sizeof(what)));
        json_object_end(j);
}

static void json_transport(JsonOut *j, const char *key, const char *disk) {
        char what[400];
        ScsiTransport t;

        if (scsi_disk_transport(disk, &t) < 0) {
                json_null(j, key);
                return;
        }
        describe_transport(disk, what, sizeof(what));
        json_object_begin(j, key);
        json_string(j, "kind", t.kind);
        json_string(j, "hctl", *t.hctl ? t.hctl : NULL);
        json_string(j, "lun", *t.lun ? t.lun : NULL);
        json_string(j, "target", *t.target ? t.target : NULL);
        json_string(j, "portal", *t.portal ? t.portal : NULL);
        json_string(j, "description", what);
        json_object_end(j);
}

static void json_policy(JsonOut *j, const Config *c) {
        char why[256], modules[256];
        int r;

        json_object_begin(j, "policy");
        json_string(j, "mode", mode_to_string(c->mode));
        json_string(j, "mode_source", c->mode_source);
        json_array_begin_line(j, "reserved");
        for (size_t i = 0; i < c->n_reserve; i++)
                json_string(j, NULL, c->reserve[i]);
        json_array_end(j);
        json_int(j, "handover_timeout_ms", c->handover_timeout_ms);
        json_object_end(j);

        r = scsi_host_activity(why, sizeof(why));
        json_object_begin(j, "scsi_activity");
        json_bool(j, "seen", r > 0);
        json_string(j, "reason", r > 0 ? why : NULL);
        json_bool(j, "complete", r >= 0);
        json_object_end(j);

        json_object_begin(j, "iscsi_modules");
        if (!root_is_host()) {
                json_null(j, "loaded");
                json_string(j, "not_read", "libkmod reads only the running system, not --root");
        } else if ((r = kmod_loaded_iscsi_modules(modules, sizeof(modules))) < 0) {
                json_null(j, "loaded");
                json_string(j, "not_read", strerror(-r));
        } else {
                json_words(j, "loaded", modules);
                json_null(j, "not_read");
        }
        json_object_end(j);
}

static void json_xen_disks(JsonOut *j, const Config *c, const BlockList *l) {
        json_array_begin(j, "xen_disks");
        for (int i = 0; i < l->n; i++) {
                const char *name = l->entries[i]->d_name, *reason;
                char ec2[DISK_NAME_BUF], stable[DISK_NAME_BUF], next[2 * DISK_NAME_BUF + 2];
                LinkList links = { .ec2 = ec2, .stable = stable };
                AliasDecision d;
                DiskName n;
                dev_t devnum;
                int r;

                if (xvd_name_parse(name, &n, &reason) < 0 || sysfs_block_devnum(name, &devnum) < 0)
                        continue;
                disk_name_format_ec2(&n, ec2);
                disk_name_format_stable(&n, stable);
                r = udev_db_foreach_link(devnum, collect_own_link, &links);
                policy_decide_alias(c, &n, name, &d);
                snprintf(next, sizeof(next), "%s%s%s", d.alias ? ec2 : "", d.alias ? " " : "", stable);

                json_object_begin(j, NULL);
                json_string(j, "name", name);
                json_devnum(j, "devnum", devnum);
                json_string(j, "ec2_name", ec2);
                json_string(j, "stable_name", stable);
                json_words(j, "links_now", r < 0 ? NULL : links.buf);
                json_words(j, "links_next", next);
                json_bool(j, "alias", d.alias);
                json_string(j, "reason", d.reason);
                json_object_end(j);
        }
        json_array_end(j);
}

static void json_ebs_volumes(JsonOut *j, const Config *c, const BlockList *l) {
        json_array_begin(j, "ebs_volumes");
        for (int i = 0; i < l->n; i++) {
                const char *name = l->entries[i]->d_name;
                char note[512];
                EbsRow row;

                if (ebs_row(c, name, &row) <= 0)
                        continue;
                ebs_generation_note(&row, name, note, sizeof(note));
                json_object_begin(j, NULL);
                json_string(j, "name", name);
                json_devnum(j, "devnum", row.devnum);
                json_string(j, "mapping", row.names.mapping);
                json_string(j, "stable_name", row.names.stable);
                json_string(j, "compat_name", row.names.xvd_prefix ? row.names.stock : row.compat[0] ? row.compat : NULL);
                json_words(j, "links_now", row.links_read < 0 ? NULL : row.links.buf);
                json_words(j, "links_next", row.next);
                json_bool(j, "alias", row.d.alias);
                json_string(j, "reason", row.d.reason);
                json_string(j, "generation_note", note[0] ? note : NULL);
                json_object_end(j);
        }
        json_array_end(j);
}

static void json_scsi_disks(JsonOut *j, const BlockList *l) {
        json_array_begin(j, "scsi_disks");
        for (int i = 0; i < l->n; i++) {
                const char *name = l->entries[i]->d_name, *reason;
                DevEntry e;
                DiskName n;
                dev_t devnum;
                int r;

                if (sd_name_parse(name, &n, &reason) < 0 || sysfs_block_devnum(name, &devnum) < 0)
                        continue;
                r = dev_entry_inspect(name, &e);
                json_object_begin(j, NULL);
                json_string(j, "name", name);
                json_devnum(j, "devnum", devnum);
                json_dev_entry(j, "dev_entry", &e, r >= 0, devnum);
                json_transport(j, "transport", name);
                json_object_end(j);
        }
        json_array_end(j);
}

static int json_name_use(const NameUse *u, void *userdata) {
        JsonOut *j = userdata;

        json_object_begin(j, NULL);
        json_string(j, "where", u->where);
        json_string(j, "source", u->source);
        json_string(j, "file", u->file);
        if (u->line > 0)
                json_int(j, "line", u->line);
        else
                json_null(j, "line");
        json_string(j, "name", u->name);
        json_string(j, "device", u->device);
        json_string(j, "now", u->now);
        json_string(j, "leads_to", u->leads_to);
        json_string(j, "risk", name_use_risk_name(u->risk));
        json_string(j, "risk_text", u->risk_text);
        json_object_begin(j, "fix");
        json_string(j, "spec", u->spec);
        json_string(j, "stable", u->stable);
        json_object_end(j);
        json_object_end(j);
        return 0;
}

/* The prose report's sentence of one collision, on one line. */
static void collision_message(const Collision *c, char **ret) {
        char *buf = NULL, *w;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        *ret = NULL;
        if (!f)
                return;
        print_collision_what(c, f);
        if (fclose(f) != 0 || !buf) {
                free(buf);
                return;
        }
        /* "  first\n    second\n" -> "first second" */
        w = buf;
        for (const char *p = buf; *p;) {
                if (*p == '\n') {
                        p++;
                        if (*p)
                                *w++ = ' ';
                        p += strspn(p, " ");
                } else if (p == buf && *p == ' ')
                        p += strspn(p, " ");
                else
                        *w++ = *p++;
        }
        *w = '\0';
        *ret = buf;
}

typedef struct WrongLinksJson {
        JsonOut *j;
        dev_t devnum;
} WrongLinksJson;

static int json_wrong_link(const char *link, void *userdata) {
        WrongLinksJson *w = userdata;
        char path[PATH_MAX], dev[PATH_MAX];
        struct stat st;

        if (root_path(path, "/dev/%s", link) < 0)
                return 0;
        if (stat(path, &st) >= 0 && S_ISBLK(st.st_mode) && st.st_rdev == w->devnum)
                return 0;
        snprintf(dev, sizeof(dev), "/dev/%s", link);
        json_string(w->j, NULL, dev);
        return 0;
}

static void json_collision(JsonOut *j, const Collision *c) {
        const NameInfo *i = &c->info;
        _cleanup_free_ char *message = NULL;
        char holder[64] = "";

        json_object_begin(j, NULL);
        json_string(j, "kind", collision_kind_name(c->kind));
        json_string(j, "name", i->name);
        json_bool(j, "fixable", collision_fixable(c->kind));
        json_string(j, "holder", *i->holder ? i->holder : NULL);
        if (c->kind == COLLISION_PARTITION_ALIAS) {
                char disk[DISK_NAME_BUF];
                DiskName whole = disk_name_whole(&c->parsed);

                disk_name_format_ec2(&whole, disk);
                json_string(j, "disk", disk);
                json_null(j, "devnum");
                json_dev_entry(j, "dev_entry", &i->entry, true, 0);
                json_transport(j, "transport", disk);
                json_null(j, "multipath_map");
                json_array_begin(j, "links_elsewhere");
                json_array_end(j);
        } else {
                WrongLinksJson w = { .j = j, .devnum = i->devnum };

                json_string(j, "disk", i->name);
                json_devnum(j, "devnum", i->devnum);
                json_dev_entry(j, "dev_entry", &i->entry, true, i->devnum);
                json_transport(j, "transport", i->name);
                if (c->kind == COLLISION_MULTIPATH)
                        (void) multipath_pending(i->name, holder, sizeof(holder));
                json_string(j, "multipath_map", *holder ? holder : NULL);
                json_array_begin(j, "links_elsewhere");
                (void) udev_db_foreach_link(i->devnum, json_wrong_link, &w);
                json_array_end(j);
        }
        collision_message(c, &message);
        json_string(j, "message", message ? message : "");
        json_object_end(j);
}

typedef struct Warnings {
        unsigned n;
        char kind[4][32];
        char message[4][512];
} Warnings;

static void warning_add(Warnings *w, const char *kind, const char *format, ...) _printf_(3, 4);
static void warning_add(Warnings *w, const char *kind, const char *format, ...) {
        va_list ap;

        if (w->n >= ELEMENTSOF(w->kind))
                return;
        snprintf(w->kind[w->n], sizeof(w->kind[w->n]), "%s", kind);
        va_start(ap, format);
        vsnprintf(w->message[w->n], sizeof(w->message[w->n]), format, ap);
        va_end(ap);
        w->n++;
}

/* The body, after the summary keys: every fact. Returns the state. */
static int json_body(const Config *c, JsonOut *j, Warnings *warn, size_t *ret_n) {
        _cleanup_(block_list_done) BlockList l = {};
        _cleanup_free_ Collision *v = NULL;
        RuleInForce rule;
        size_t n = 0;
        int r, uses;

        rule_find(&rule);
        json_object_begin(j, "rule");
        json_string(j, "path", *rule.path ? rule.path : NULL);
        json_string(j, "kind", rule_kind_name(rule.kind));
        json_object_end(j);
        if (rule.kind == RULE_NONE)
                warning_add(warn, "rule", "no rule named " RULE_NAME " is in force: Xen disks get no EC2 names");
        else if (rule.kind != RULE_OURS)
                warning_add(warn, "rule", "the rule in force is not ec2-xvd-alias's: %s (%s)", rule.path,
                            rule_description(rule.kind));

        json_policy(j, c);

        r = udev_db_readable();
        json_object_begin(j, "udev_database");
        json_bool(j, "readable", r >= 0);
        json_string(j, "not_read", r < 0 ? udev_db_unreadable_reason(r) : NULL);
        json_object_end(j);
        if (r < 0)
                warning_add(warn, "udev-database",
                            "udev database not read (%s): links now and udev's claims on names unknown",
                            udev_db_unreadable_reason(r));

        r = block_list(&l);
        if (r < 0)
                return r;
        json_xen_disks(j, c, &l);
        json_ebs_volumes(j, c, &l);
        json_scsi_disks(j, &l);

        r = collisions_find(&v, &n);
        if (r < 0)
                return r;

        json_array_begin(j, "names_in_use");
        uses = usage_foreach(c, json_name_use, j);
        json_array_end(j);
        if (uses > 0)
                warning_add(warn, "names-in-use",
                            "%d %s an EBS volume by an sd name a real SCSI disk can take (names_in_use)", uses,
                            uses == 1 ? "use names" : "uses name");

        json_array_begin(j, "collisions");
        for (size_t i = 0; i < n; i++)
                json_collision(j, &v[i]);
        json_array_end(j);

        *ret_n = n;
        if (n > 0)
                return STATUS_CRITICAL;
        return warn->n > 0 ? STATUS_WARNING : STATUS_OK;
}

static const char *const state_names[] = {
        [STATUS_OK] = "ok",
        [STATUS_WARNING] = "warning",
        [STATUS_CRITICAL] = "critical",
};

static int status_print_json(const Config *c, FILE *out) {
        _cleanup_free_ char *body = NULL;
        size_t body_size = 0, n = 0;
        Warnings warn = {};
        JsonOut j, b;
        FILE *f;
        int state;

        /* The body first, into memory: the summary leads the object, and a
         * system error halfway leaves no half object on stdout. */
        f = open_memstream(&body, &body_size);
        if (!f)
                return log_error_errno(ENOMEM, "cannot write the report: %m");
        json_init(&b, f);
        b.depth = 1;
        b.has_items[1] = true;
        state = json_body(c, &b, &warn, &n);
        if (fclose(f) != 0)
                return log_error_errno(ENOMEM, "cannot write the report: %m");

        json_init(&j, out);
        json_object_begin(&j, NULL);
        json_string(&j, "schema", STATUS_JSON_SCHEMA);
        json_string(&j, "version", PACKAGE_VERSION);
        json_string(&j, "root", root_get());
        if (state < 0) {
                /* The same object's first keys, and why there is no more. */
                json_string(&j, "state", "unknown");
                json_int(&j, "exit_status", 3);
                json_string(&j, "error", strerror(-state));
                json_object_end(&j);
                json_finish(&j);
                return state;
        }
        json_string(&j, "state", state_names[state]);
        json_int(&j, "exit_status", state);
        json_int(&j, "collision_count", (long long) n);
        json_array_begin(&j, "warnings");
        for (unsigned i = 0; i < warn.n; i++) {
                json_object_begin(&j, NULL);
                json_string(&j, "kind", warn.kind[i]);
                json_string(&j, "message", warn.message[i]);
                json_object_end(&j);
        }
        json_array_end(&j);
        fwrite(body, 1, body_size, out);
        json_object_end(&j);
        json_finish(&j);
        return state;
}

int status_print(const Config *c, bool json, FILE *out) {
        return json ? status_print_json(c, out) : status_print_text(c, out);
}
