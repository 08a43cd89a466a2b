/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "build-config.h"
#include "log.h"
#include "names.h"
#include "nitro.h"
#include "nvme-id.h"
#include "policy.h"
#include "root.h"

static const char *digits(const char *p, unsigned long *ret) {
        unsigned long v = 0;
        const char *start = p;

        while (*p >= '0' && *p <= '9' && p - start < 6)
                v = v * 10 + (unsigned long) (*p++ - '0');
        if (p == start || (*start == '0' && p - start > 1))
                return NULL;
        *ret = v;
        return p;
}

int nvme_name_parse(const char *name, char disk[static 32], unsigned *partition) {
        const char *p = name, *end_disk;
        unsigned long v;

        if (strncmp(p, "nvme", 4) != 0)
                return -EINVAL;
        p = digits(p + 4, &v);
        if (!p || *p != 'n')
                return -EINVAL;
        p = digits(p + 1, &v);
        if (!p)
                return -EINVAL;
        end_disk = p;
        *partition = 0;
        if (*p == 'p') {
                p = digits(p + 1, &v);
                if (!p || v == 0 || v > PARTITION_MAX)
                        return -EINVAL;
                *partition = (unsigned) v;
        }
        if (*p != '\0' || end_disk - name >= 32)
                return -EINVAL;
        memcpy(disk, name, (size_t) (end_disk - name));
        disk[end_disk - name] = '\0';
        return 0;
}

/* The one place the identity is read. A test build (meson
 * -Dtest_identify_dir=DIR, never a release) reads the 4096 bytes from
 * DIR/DISK under the root instead of asking the controller: the rule tier
 * has no NVMe hardware. */
static int identify(const char *disk, EbsIdentity *id, const char **reason) {
#ifdef TEST_IDENTIFY_DIR
        uint8_t page[NVME_IDENTIFY_SIZE + 1];
        _cleanup_close_ int fd = -1;
        char path[PATH_MAX];
        ssize_t n;

        if (root_path(path, TEST_IDENTIFY_DIR "/%s", disk) < 0) {
                *reason = "path too long";
                return -ENAMETOOLONG;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                *reason = "no test identify data";
                return -errno;
        }
        n = read(fd, page, sizeof(page));
        if (n < 0) {
                *reason = "cannot read test identify data";
                return -errno;
        }
        return ebs_identify_parse(page, (size_t) n, id, reason);
#else
        char path[PATH_MAX];

        if (root_path(path, "/dev/%s", disk) < 0) {
                *reason = "path too long";
                return -ENAMETOOLONG;
        }
        return ebs_identify_read(path, id, reason);
#endif
}

/* udev 252 formats a SYMLINK value into 1024 bytes and drops the rest, so
 * the list goes out in chunks, EC2XA_LINKS and EC2XA_LINKS2 to
 * EC2XA_LINKS6, that the rule applies one after the other. */
#define LINKS_CHUNK_MAX 900
#define LINKS_CHUNKS 6

/* The links the device has now (udev's $links), less the stock link when
 * it must go, plus ours: what the rule's SYMLINK= sets. udev 252 has no
 * SYMLINK-= ("Invalid operator for SYMLINK"; it came with systemd 253), so
 * the list is rebuilt instead; drop_sd_names takes every name of the SCSI
 * namespace out too. Only when the rule passed the links. Ours come
 * first, so that they are never the ones that do not fit. */
/* Whether a link is a name of the SCSI namespace ("sdf", "sdf1"). */
static bool is_sd_name(const char *l) {
        const char *reason;
        DiskName n;

        return sd_name_parse(l, &n, &reason) >= 0;
}

static bool links_contain(char **links, size_t n_links, const char *name) {
        for (size_t i = 0; i < n_links; i++)
                if (streq(links[i], name))
                        return true;
        return false;
}

static void print_links(FILE *out, char **links, size_t n_links, const char *drop, bool drop_sd_names,
                        const char *alias, const char *stable) {
        char chunks[LINKS_CHUNKS][LINKS_CHUNK_MAX + 1] = {};
        size_t chunk = 0;
        const char *logname;
        char logbuf[NAME_LOG_BUF];

        if (n_links == 0)
                return;
        for (size_t i = 0; i < n_links + 2; i++) {
                const char *l = i == 0 ? alias : i == 1 ? stable : links[i - 2];
                size_t len, used;

                if (!l || (i >= 2 && ((drop && streq(l, drop)) || (drop_sd_names && is_sd_name(l)) ||
                                      (alias && streq(l, alias)) || (stable && streq(l, stable)))))
                        continue;
                len = strlen(l);
                used = strlen(chunks[chunk]);
                if (used > 0 && used + 1 + len > LINKS_CHUNK_MAX) {
                        chunk++;
                        used = 0;
                }
                if (chunk == LINKS_CHUNKS || len > LINKS_CHUNK_MAX) {
                        logname = name_for_log(l, logbuf, sizeof(logbuf));
                        log_error("too many or too long links to rebuild the list (at '%s'); leaving the links "
                                  "as the other rules made them", logname);
                        return;
                }
                snprintf(chunks[chunk] + used, sizeof(chunks[0]) - used, "%s%s", used ? " " : "", l);
        }
        for (size_t i = 0; i <= chunk && i < LINKS_CHUNKS; i++) {
                if (i == 0)
                        fprintf(out, "EC2XA_LINKS=%s\n", chunks[0]);
                else if (chunks[i][0])
                        fprintf(out, "EC2XA_LINKS%zu=%s\n", i + 1, chunks[i]);
        }
}

int ebs_names_read(const char *name, EbsNames *ret, const char **reason) {
        char disk[32];
        EbsIdentity id;
        EbsMapping m;
        DiskName role;
        unsigned part;
        int r;

        *ret = (EbsNames) {};
        if (nvme_name_parse(name, disk, &part) < 0) {
                *reason = "not an NVMe namespace or partition (nvme<c>n<n>[p<p>])";
                return -EBADR;
        }
        r = identify(disk, &id, reason);
        if (r < 0)
                return r;
        snprintf(ret->mapping, sizeof(ret->mapping), "%s", id.mapping);
        /* What the stock rule linked: the mapping, and for a partition the
         * mapping with the number appended ("%c%n"). */
        if (part > 0)
                snprintf(ret->stock, sizeof(ret->stock), "%s%u", id.mapping, part);
        else
                snprintf(ret->stock, sizeof(ret->stock), "%s", id.mapping);
        r = ebs_mapping_classify(id.mapping, &m, reason);
        if (r < 0)
                return r;
        ret->xvd_prefix = m.xvd_prefix;
        ret->partition_style = m.partition_style;
        /* role: what the stable name says, the disk or its partition N,
         * as on a Xen instance of the same AMI, whose kernel has xvda and
         * xvda1 for a root mapped sda1. compat: the stock rule's name, with
         * the stock rule's meaning (a root mapped sda1: /dev/sda1 is the
         * whole disk, /dev/sda11 its partition 1), guarded like any other. */
        role = disk_name_whole(&m.name);
        role.partition = m.partition_style ? part : (part > 0 ? part : m.name.partition);
        disk_name_format_stable(&role, ret->stable);
        if (!m.partition_style) {
                ret->compat = role;
                ret->has_compat = true;
        } else {
                const char *why;

                ret->has_compat = sd_name_parse(ret->stock, &ret->compat, &why) >= 0 ||
                                  xvd_name_parse(ret->stock, &ret->compat, &why) >= 0;
                if (!ret->has_compat)
                        ret->no_compat_reason = why;
        }
        return 0;
}

int nitro_links(const Config *c, const char *name, char **links, size_t n_links, FILE *out) {
        char logbuf[NAME_LOG_BUF], ec2[DISK_NAME_BUF], xvd[DISK_NAME_BUF];
        const char *reason;
        AliasDecision d;
        EbsNames e;
        int r;

        r = ebs_names_read(name, &e, &reason);
        if (r == -EBADR) {
                log_error("invalid device name '%s': %s", name_for_log(name, logbuf, sizeof(logbuf)), reason);
                return 1;
        }
        if (r == -ENODEV) {
                log_debug("%s: not an EBS volume (%s)", name, reason);
                return 0;
        }
        if (r < 0 && !*e.stock) {
                /* Amazon's rule may have read it (or an earlier event did):
                 * with no name to check, no name of the SCSI namespace stays. */
                log_warning_errno(r, "%s: cannot read the EBS mapping name: %s (%m); no sd or xvd-sd link, and any "
                                  "/dev/sd* link the stock rule made goes", name, reason);
                print_links(out, links, n_links, NULL, true, NULL, NULL);
                return 0;
        }
        if (r < 0) {
                log_warning("%s: EBS mapping name '%s' is no sd or xvd name (%s): removing the stock link /dev/%s, "
                            "no link of ours", name, name_for_log(e.mapping, logbuf, sizeof(logbuf)), reason, e.stock);
                fprintf(out, "EC2XA_STOCK_LINK=%s\n", e.stock);
                print_links(out, links, n_links, e.stock, false, NULL, NULL);
                return 0;
        }
        /* An xvd name is no SCSI name: the stock link stays as it is. */
        if (!e.xvd_prefix)
                fprintf(out, "EC2XA_STOCK_LINK=%s\n", e.stock);
        if (!e.has_compat) {
                /* "sda1" + 128: no kernel name can be partition 1128. */
                fprintf(out, "EC2XA_STABLE=%s\n", e.stable);
                print_links(out, links, n_links, e.xvd_prefix ? NULL : e.stock, false, NULL, e.stable);
                log_info("%s: mapped as %s; the stock name %s is no disk name (%s): only /dev/%s", name, e.mapping,
                         e.stock, e.no_compat_reason, e.stable);
                return 0;
        }
        disk_name_format_ec2(&e.compat, ec2);
        disk_name_format_xvd(&e.compat, xvd);
        d.alias = false;
        if (!e.xvd_prefix && n_links > 0 && !links_contain(links, n_links, e.stock)) {
                /* Under udev, $links holds what Amazon's rule made in this
                 * event: no stock name (Fedora patches its EBS lines out,
                 * or amazon-ec2-utils is not installed) means the system
                 * never had this name, and it gets none from us either. */
                log_info("%s: no alias %s: no rule before this one made /dev/%s (amazon-ec2-utils' EBS rule is absent "
                         "or patched out)", name, ec2, e.stock);
        } else if (!e.xvd_prefix) {
                policy_decide_alias(c, &e.compat, name, &d);
                if (d.alias) {
                        fprintf(out, "EC2XA_ALIAS=%s\n", ec2);
                        log_debug("%s: alias %s: %s", name, ec2, d.reason);
                } else
                        log_info("%s: no alias %s: %s", name, ec2, d.reason);
        }
        fprintf(out, "EC2XA_STABLE=%s\nEC2XA_NAME=%s\n", e.stable, xvd);
        print_links(out, links, n_links, e.xvd_prefix ? NULL : e.stock, false, d.alias ? ec2 : NULL, e.stable);
        return 0;
}
