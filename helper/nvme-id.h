/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "names.h"

/* Nitro: EBS volumes are NVMe namespaces. EC2 stores the block device
 * mapping name ("sdf", "/dev/xvdf", "sda1") in the vendor-specific area of
 * the Identify Controller data (docs/design.md, "Nitro"); amazon-ec2-utils' ebsnvme-id
 * reads it there. This module does the same with libc alone. */

/* NVMe Identify Controller data (CNS 1) is one 4096-byte page. */
#define NVME_IDENTIFY_SIZE 4096u
#define NVME_ADMIN_IDENTIFY 0x06u
#define NVME_IDENTIFY_CNS_CTRL 0x01u

/* Offsets in the Identify Controller data (NVMe base specification). */
#define NVME_ID_VID_OFFSET 0u   /* PCI vendor id, 2 bytes little endian */
#define NVME_ID_SSVID_OFFSET 2u /* PCI subsystem vendor id */
#define NVME_ID_SN_OFFSET 4u    /* serial number, 20 bytes, space padded */
#define NVME_ID_SN_SIZE 20u
#define NVME_ID_MN_OFFSET 24u /* model number, 40 bytes, space padded */
#define NVME_ID_MN_SIZE 40u
#define NVME_ID_FR_OFFSET 64u /* firmware revision, 8 bytes */
#define NVME_ID_FR_SIZE 8u
/* Vendor specific area, 1024 bytes; EBS keeps the mapping name in its
 * first 32 bytes. */
#define NVME_ID_VS_OFFSET 3072u
#define EBS_MAPPING_FIELD_SIZE 32u

#define EBS_PCI_VENDOR_ID 0x1D0Fu /* Amazon */
#define EBS_MODEL "Amazon Elastic Block Store"
/* Same vendor id, no mapping name: never aliased. */
#define EC2_INSTANCE_STORE_MODEL "Amazon EC2 NVMe Instance Storage"

typedef struct EbsIdentity {
        uint16_t vendor_id;
        /* Trailing spaces and NULs stripped; non-printable bytes kept as they
         * are, so print them with name_for_log(). */
        char serial[NVME_ID_SN_SIZE + 1];
        char model[NVME_ID_MN_SIZE + 1];
        /* The mapping name as ebsnvme-id -u prints it: padding and a leading
         * "/dev/" stripped. Validated: printable, no space, no '/', at most
         * DISK_NAME_MAX characters. Not yet classified (see below). */
        char mapping[EBS_MAPPING_FIELD_SIZE + 1];
} EbsIdentity;

/* Parses Identify Controller data. Returns 0 for an EBS volume with a
 * well-formed mapping name; -ENODEV when the data is well formed but the
 * device is not an EBS volume (another vendor, an instance store volume):
 * no link, nothing to warn about; -EINVAL for data that is malformed (size,
 * a mapping name that is empty or garbage). *reason says why on every
 * failure (a static sentence). On -ENODEV and on a garbage mapping name,
 * vendor_id, serial and model are filled in for the log line. */
int ebs_identify_parse(const uint8_t *data, size_t size, EbsIdentity *ret, const char **reason);

/* Opens devnode (a namespace /dev/nvme1n1, a partition of it, or the
 * controller /dev/nvme1) read-only, sends Identify Controller with
 * NVME_IOCTL_ADMIN_CMD and parses the answer. Returns the parser's results,
 * or a negative errno when the node cannot be opened (-ENOENT ...), is not a
 * block or character device (-ENOTTY, the ioctl is never sent to anything
 * else) or the command fails (the ioctl's errno; -EIO when the controller
 * answers with an NVMe status); *reason is set on every failure. Logs
 * nothing: the caller writes the one line. */
int ebs_identify_read(const char *devnode, EbsIdentity *ret, const char **reason);

/* The mapping name turned into the project's names. "sdf" and "xvdf" both
 * mean the volume attached as f: letters "f", partition 0, and the stable
 * link is /dev/xvd-sdf either way. "sda1" (EC2 roots are often mapped so)
 * is a WHOLE DISK that carries a partition-style name: letters "a",
 * partition 1, partition_style set. The stock rule names its partition 1
 * "sda11", which reads as partition 11 of a disk sda (amazon-ec2-utils#37):
 * nitro.c keeps such names only while no disk sda exists. */
typedef struct EbsMapping {
        DiskName name;
        bool xvd_prefix;      /* mapped as "xvdf" rather than "sdf" */
        bool partition_style; /* the whole disk is named like a partition */
} EbsMapping;

/* Returns 0, or -EINVAL with *reason (a static sentence) for anything that
 * is not sd<letters>[<n>] or xvd<letters>[<n>]. */
int ebs_mapping_classify(const char *mapping, EbsMapping *ret, const char **reason);
