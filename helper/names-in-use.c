/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "name-state.h"
#include "names.h"
#include "probe.h"
#include "root.h"
#include "names-in-use.h"

#define LINE_MAX_USAGE 4096
/* Bounded, so a huge unit directory cannot stall `status`. */
#define UNITS_MAX 4096

/* "/dev/sdf1" -> "sdf1", if it is an EC2-style SCSI name. */
static int alias_of_path(const char *path, size_t len, char *name, size_t size) {
        const char *reason;
        char buf[DISK_NAME_BUF];
        DiskName n;

        if (len <= 5 || strncmp(path, "/dev/", 5) != 0 || len - 5 >= sizeof(buf))
                return 0;
        memcpy(buf, path + 5, len - 5);
        buf[len - 5] = '\0';
        if (sd_name_parse(buf, &n, &reason) < 0)
                return 0;
        snprintf(name, size, "%s", buf);
        return 1;
}

int usage_parse_tab_line(const char *line, unsigned field, char *name, size_t size) {
        const char *p = line;

        p += strspn(p, " \t");
        if (*p == '#' || *p == '\0' || *p == '\n')
                return 0;
        for (unsigned i = 0;; i++) {
                size_t len = strcspn(p, " \t\n");

                if (len == 0)
                        return 0;
                if (i == field)
                        return alias_of_path(p, len, name, size);
                p += len;
                p += strspn(p, " \t");
        }
}

int usage_parse_mountinfo_line(const char *line, char *name, size_t size) {
        const char *sep = strstr(line, " - "), *p;
        size_t len;

        if (!sep)
                return 0;
        p = sep + 3;
        p += strcspn(p, " \n"); /* the file system type */
        if (*p != ' ')
                return 0;
        p++;
        len = strcspn(p, " \n");
        return alias_of_path(p, len, name, size);
}

int usage_parse_unit_line(const char *line, char *name, size_t size) {
        const char *p = line + strspn(line, " \t");

        if (strncmp(p, "What", 4) != 0)
                return 0;
        p += 4;
        p += strspn(p, " \t");
        if (*p != '=')
                return 0;
        p++;
        p += strspn(p, " \t");
        return alias_of_path(p, strcspn(p, " \t\n"), name, size);
}

/* The first entry of /dev/disk/by-KIND whose link ends in "/HOLDER". */
static bool find_by(const char *kind, const char *holder, char *buf, size_t size) {
        _cleanup_closedir_ DIR *d = NULL;
        char path[PATH_MAX], target[PATH_MAX];
        struct dirent *de;

        if (root_path(path, "/dev/disk/by-%s", kind) < 0 || !(d = opendir(path)))
                return false;
        while ((de = readdir(d))) {
                ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                const char *base;

                if (n <= 0)
                        continue;
                target[n] = '\0';
                base = strrchr(target, '/');
                if (streq(base ? base + 1 : target, holder)) {
                        snprintf(buf, size, "%s", de->d_name);
                        return true;
                }
        }
        return false;
}

/* One scan over every place a name can be used. status prints each use to
 * out; the handover logs, to the journal, only the uses of the disk it just
 * took (and of its partitions). */
typedef struct UsageScan {
        const Config *c;
        FILE *out;
        const char *disk;
        /* the handover under SELinux: not the unit directories (below) */
        bool no_units;
        bool header;
        /* usage_foreach(): each use goes to fn instead */
        int (*fn)(const NameUse *u, void *userdata);
        void *userdata;
        /* the file being scanned: where the use was found */
        const char *file;
        const char *source;
        unsigned line;
} UsageScan;

/* One use: the alias name and where it was found. Reported only when the
 * name has an xvd counterpart (it is, or can become, an alias). */
static int report(UsageScan *scan, const char *where, const char *name) {
        char xvd[DISK_NAME_BUF], stable[DISK_NAME_BUF], disk[DISK_NAME_BUF], what[256], fix[512], id[256],
                spec[300] = "", stable_path[DISK_NAME_BUF + 8], where_p[512], fix_p[512];
        const char *reason, *can, *leads_to = "other";
        NameUseRisk risk;
        DiskName n, whole;
        dev_t xvd_devnum, sd_devnum;
        DevEntry e;
        int r;

        if (sd_name_parse(name, &n, &reason) < 0)
                return 0;
        whole = disk_name_whole(&n);
        alias_holder(&n, xvd);
        disk_name_format_stable(&n, stable);
        disk_name_format_ec2(&whole, disk);
        if (scan->disk && !streq(scan->disk, disk))
                return 0;
        /* What the name leads to now names its holder, whoever made the
         * link (the stock rule, before a /dev/xvd-sdX existed). */
        r = dev_entry_inspect(name, &e);
        if (r >= 0)
                (void) dev_entry_leads_to_holder(&e, xvd);
        if (sysfs_block_devnum(xvd, &xvd_devnum) < 0)
                return 0;

        if (r < 0) {
                snprintf(what, sizeof(what), "unreadable");
                leads_to = "unreadable";
        } else if (dev_entry_is_link_to(&e, xvd)) {
                snprintf(what, sizeof(what), "-> %s (%s " DEVNUM_FMT ")", xvd,
                         startswith(xvd, "xvd") ? "Xen disk" : "EBS volume", DEVNUM_ARGS(xvd_devnum));
                leads_to = "alias";
        } else if (e.kind == DEV_ENTRY_NODE && sysfs_block_devnum(name, &sd_devnum) >= 0 && sd_devnum == e.devnum) {
                snprintf(what, sizeof(what), "the real SCSI disk %s (" DEVNUM_FMT "), not %s", name,
                         DEVNUM_ARGS(e.devnum), xvd);
                leads_to = "real-disk";
        } else
                dev_entry_describe(&e, what, sizeof(what));

        if (sysfs_block_devnum(disk, &sd_devnum) >= 0) {
                can = "a real SCSI disk has taken the name";
                risk = NAME_USE_TAKEN;
        } else if (scan->c->mode == MODE_OFF || config_is_reserved(scan->c, disk)) {
                can = "never an alias here (mode off or reserved), so only a real SCSI disk can have it";
                risk = NAME_USE_NEVER_ALIAS;
        } else {
                can = "a real SCSI disk that arrives (an iSCSI login) takes the name";
                risk = NAME_USE_CAN_BE_TAKEN;
        }

        if (find_by("uuid", xvd, id, sizeof(id))) {
                snprintf(fix, sizeof(fix), "UUID=%s or /dev/%s", id, stable);
                snprintf(spec, sizeof(spec), "UUID=%s", id);
        } else if (find_by("label", xvd, id, sizeof(id))) {
                snprintf(fix, sizeof(fix), "LABEL=%s or /dev/%s", id, stable);
                snprintf(spec, sizeof(spec), "LABEL=%s", id);
        } else
                snprintf(fix, sizeof(fix), "/dev/%s", stable);

        if (scan->fn) {
                snprintf(stable_path, sizeof(stable_path), "/dev/%s", stable);
                return scan->fn(&(NameUse) {
                                        .where = where,
                                        .source = scan->source,
                                        .file = scan->file,
                                        .line = scan->line,
                                        .name = name,
                                        .device = xvd,
                                        .now = what,
                                        .leads_to = leads_to,
                                        .risk = risk,
                                        .risk_text = can,
                                        .spec = *spec ? spec : NULL,
                                        .stable = stable_path,
                                },
                                scan->userdata) < 0
                               ? 0
                               : 1;
        }

        /* A unit file's name and a label are anyone's to choose: no
         * control character reaches the journal or a terminal. */
        snprintf(where_p, sizeof(where_p), "%s", where);
        snprintf(fix_p, sizeof(fix_p), "%s", fix);
        make_printable(where_p);
        make_printable(fix_p);
        if (!scan->out) {
                /* Measured with systemd 252 (tests/guest/README.md): when
                 * the alias goes, dev-sdX.device goes dead; the fsck unit
                 * that a pass of 1 or 2 adds is bound to it, and its stop
                 * takes the mount that requires it down. Pass 0 survives. */
                log_warning("%s names /dev/%s, which real disk %s has taken from its alias: what opens it now gets "
                            "that disk, and systemd 252 unmounts an fstab mount of it whose fsck pass is not 0; use %s",
                            where_p, name, disk, fix_p);
                return 1;
        }
        if (!scan->header) {
                fprintf(scan->out, "\nNames in use:   these name an EBS volume by its sd name, which a real SCSI disk can take;\n"
                                   "                when one does, the name opens that disk, and systemd 252 unmounts an fstab mount of it whose fsck pass is not 0\n");
                scan->header = true;
        }
        fprintf(scan->out, "  %s: /dev/%s is %s;\n    %s; use %s\n", where_p, name, what, can, fix_p);
        return 1;
}

typedef int (*LineParser)(const char *line, char *name, size_t size);

static int fstab_spec(const char *line, char *name, size_t size) {
        return usage_parse_tab_line(line, 0, name, size);
}

static int crypttab_device(const char *line, char *name, size_t size) {
        return usage_parse_tab_line(line, 1, name, size);
}

static int swaps_file(const char *line, char *name, size_t size) {
        return usage_parse_tab_line(line, 0, name, size);
}

/* Reads a file under the root line by line; each line naming an alias is
 * reported as "LABEL:LINENO" (or LABEL alone when numbered is false). */
static int scan_file(UsageScan *scan, const char *source, const char *path, const char *label, bool numbered,
                     LineParser parse) {
        _cleanup_fclose_ FILE *f = NULL;
        char p[PATH_MAX], line[LINE_MAX_USAGE], name[DISK_NAME_BUF], where[PATH_MAX + 32];
        unsigned lineno = 0;
        int n = 0;

        if (root_path(p, "%s", path) < 0 || !(f = fopen(p, "re")))
                return 0;
        scan->file = path;
        scan->source = source;
        while (fgets(line, sizeof(line), f)) {
                lineno++;
                if (!parse(line, name, sizeof(name)))
                        continue;
                scan->line = numbered ? lineno : 0;
                if (numbered)
                        snprintf(where, sizeof(where), "%s:%u", label, lineno);
                else
                        snprintf(where, sizeof(where), "%s", label);
                n += report(scan, where, name);
        }
        return n;
}

static int unit_what(const char *line, char *name, size_t size) {
        return usage_parse_unit_line(line, name, size);
}

static int scan_units(UsageScan *scan, const char *dir) {
        _cleanup_closedir_ DIR *d = NULL;
        char p[PATH_MAX];
        struct dirent *de;
        unsigned seen = 0;
        int n = 0;

        if (root_path(p, "%s", dir) < 0 || !(d = opendir(p)))
                return 0;
        while ((de = readdir(d)) && seen++ < UNITS_MAX) {
                size_t len = strlen(de->d_name);
                char path[PATH_MAX];

                if (!(len > 6 && streq(de->d_name + len - 6, ".mount")) &&
                    !(len > 5 && streq(de->d_name + len - 5, ".swap")))
                        continue;
                if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int) sizeof(path))
                        continue;
                n += scan_file(scan, "unit", path, path, true, unit_what);
        }
        return n;
}

static int scan_all(UsageScan *scan) {
        static const char *const unit_dirs[] = { "/etc/systemd/system", "/run/systemd/system" };
        int n = 0;

        n += scan_file(scan, "fstab", "/etc/fstab", "/etc/fstab", true, fstab_spec);
        n += scan_file(scan, "crypttab", "/etc/crypttab", "/etc/crypttab", true, crypttab_device);
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs) && !scan->no_units; i++)
                n += scan_units(scan, unit_dirs[i]);
        n += scan_file(scan, "swap", "/proc/swaps", "active swap", false, swaps_file);
        n += scan_file(scan, "mount", "/proc/self/mountinfo", "mounted now", false, usage_parse_mountinfo_line);
        return n;
}

int usage_print(const Config *c, FILE *out) {
        UsageScan scan = { .c = c, .out = out };
        int n = scan_all(&scan);

        if (n == 0)
                fprintf(out, "\nNames in use:   none\n");
        return n;
}

int usage_foreach(const Config *c, int (*fn)(const NameUse *u, void *userdata), void *userdata) {
        UsageScan scan = { .c = c, .fn = fn, .userdata = userdata };

        return scan_all(&scan);
}

/* SELinux is on, enforcing or permissive (selinuxfs is mounted). */
static bool selinux_enabled(void) {
        char path[PATH_MAX];

        return root_path(path, "/sys/fs/selinux/enforce") >= 0 && access(path, F_OK) == 0;
}

int usage_log_handover(const Config *c, const char *disk) {
        UsageScan scan = { .c = c, .disk = disk };

        /* The policies (the reference policy, Fedora's) do not let udev_t
         * read systemd's unit directories: every handover would leave a
         * denial in the audit log, enforced or not. status, which the
         * install scripts run, lists the units' uses. */
        if (selinux_enabled()) {
                scan.no_units = true;
                log_debug("SELinux: the handover's log leaves out systemd's unit directories (status lists their uses)");
        }
        return scan_all(&scan);
}
