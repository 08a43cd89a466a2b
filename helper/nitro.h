/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "config.h"

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

/* "nvme1n1" -> disk "nvme1n1", partition 0; "nvme1n1p2" -> "nvme1n1", 2.
 * 0 or -EINVAL. */
int nvme_name_parse(const char *name, char disk[static 32], unsigned *partition);
