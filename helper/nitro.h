/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "names.h"

/* Nitro: the links of an EBS NVMe volume (or a partition of it), for
 * IMPORT{program} in 71-ec2-xvd-alias-nvme.rules, which runs after
 * amazon-ec2-utils' 70-ec2-nvme-devices.rules. Prints udev properties:
 *
 *   EC2XA_STOCK_LINK=sdf   the link the stock rule made from the mapping
 *                          name, for SYMLINK-= (only names in the SCSI
 *                          namespace, or names that are no sd/xvd name)
 *   EC2XA_ALIAS=sdf        the kernel-namespace name, when the policy
 *                          allows it (the same one rule as for Xen disks)
 *   EC2XA_STABLE=xvd-sdf   always, for an sd/xvd mapping name
 *   EC2XA_NAME=xvdf        the Xen-style name of the attachment, for
 *                          `recheck` on the device's events
 *   EC2XA_LINKS=...        given the device's links now (udev's $links):
 *                          them less the stock link when it must go, plus
 *                          the alias and the stable name, for SYMLINK=
 *                          (udev 252 has no SYMLINK-=)
 *
 * Prints nothing for a device that is no EBS volume. 0, or 1 for a name
 * that is no NVMe namespace or partition (one line on stderr). */
int nitro_links(const Config *c, const char *name, char **links, size_t n_links, FILE *out);

/* The names of an EBS volume or of a partition of it, from the mapping name
 * EC2 stores in the controller: computed here once, for the rule
 * (nitro_links) and for `status`. */
typedef struct EbsNames {
        char mapping[40];          /* as ebsnvme-id -u prints it: "sda1" */
        char stock[64];            /* the stock rule's link: "sda1", "sda11" for partition 1 */
        bool xvd_prefix;           /* mapped "xvdf": the stock link is no SCSI name and stays */
        bool partition_style;      /* the whole disk carries a partition-style name ("sda1") */
        char stable[DISK_NAME_BUF]; /* the role's stable link: "xvd-sda" (disk), "xvd-sda1" (partition 1) */
        bool has_compat;           /* the stock name is a kernel name too */
        DiskName compat;           /* the compatibility name, parsed: "sda11" */
        const char *no_compat_reason;
} EbsNames;

/* 0 with every field set; -EBADR for a name that is no NVMe namespace or
 * partition, -ENODEV for a device that is no EBS volume, -EINVAL for a
 * mapping name that is no sd or xvd name (mapping and stock set), another
 * negative errno when the identity cannot be read (stock empty). *reason
 * says why on every failure. Logs nothing. */
int ebs_names_read(const char *name, EbsNames *ret, const char **reason);

/* "nvme1n1" -> disk "nvme1n1", partition 0; "nvme1n1p2" -> "nvme1n1", 2.
 * 0 or -EINVAL. */
int nvme_name_parse(const char *name, char disk[static 32], unsigned *partition);
