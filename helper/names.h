/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Kernel disk names are at most 31 characters (DISK_NAME_LEN 32). */
#define DISK_NAME_MAX 31
/* xen-blkfront and sd name at most 18278 disks with 3 letters; 4 is ample. */
#define DISK_LETTERS_MAX 4
/* Partitions beyond 15 get extended minors (blkext); the kernel stops at 255. */
#define PARTITION_MAX 255

/* A disk or partition name split into its parts: "xvdaa15" with prefix
 * "xvd" is letters "aa", partition 15; partition 0 is the whole disk. */
typedef struct DiskName {
        char letters[DISK_LETTERS_MAX + 1];
        unsigned partition;
} DiskName;

/* Parses "<prefix><letters>[<partition>]". Returns 0, or -EINVAL with
 * *reason set to a static sentence that says what is wrong. */
int disk_name_parse(const char *name, const char *prefix, DiskName *ret, const char **reason);

static inline int xvd_name_parse(const char *name, DiskName *ret, const char **reason) {
        return disk_name_parse(name, "xvd", ret, reason);
}

static inline int sd_name_parse(const char *name, DiskName *ret, const char **reason) {
        return disk_name_parse(name, "sd", ret, reason);
}

/* Big enough for any name below, including "xvd-" + the EC2 name. */
#define DISK_NAME_BUF (DISK_NAME_MAX + 8)

/* "sdf3": the EC2 name, and the kernel name of a SCSI disk that may claim it. */
void disk_name_format_ec2(const DiskName *n, char buf[static DISK_NAME_BUF]);
/* "xvdf3": the Xen kernel name. */
void disk_name_format_xvd(const DiskName *n, char buf[static DISK_NAME_BUF]);
/* "xvd-sdf3": the stable link, never a kernel name. */
void disk_name_format_stable(const DiskName *n, char buf[static DISK_NAME_BUF]);

/* The whole disk of a partition (itself for a disk). */
DiskName disk_name_whole(const DiskName *n);

/* Copies name for a log line: at most 40 characters, anything that is not
 * printable ASCII as \xNN, so a hostile name cannot forge log lines. */
const char *name_for_log(const char *name, char *buf, size_t size);
#define NAME_LOG_BUF 180
