/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Whether the host is "SCSI-active": information for `status` only; the
 * policy never reads it (docs/design.md, "Policy"). Looks only at
 * a handful of sysfs directories and the open-iscsi node records, never at the
 * block device list. Returns 1 with a reason ("iSCSI transport 'tcp' is
 * registered"), 0, or negative errno. */
int scsi_host_activity(char *reason, size_t size);

/* Searches the open-iscsi node records (/etc/iscsi/nodes on Debian,
 * /var/lib/iscsi/nodes on Fedora and Amazon Linux) for one that logs in at
 * boot (node.startup = automatic). 1 with its target name, 0, or -errno. */
int iscsi_automatic_node(char *target, size_t size);

typedef struct ScsiTransport {
        char kind[16];     /* "iscsi", "usb", "ata", "virtio", "scsi" */
        char target[224];  /* iSCSI target name, or "" */
        char portal[80];   /* iSCSI "address:port", or "" */
        char hctl[32];     /* "2:0:0:1" */
        char lun[12];      /* the L of H:C:T:L */
} ScsiTransport;

/* Where a SCSI disk (or a partition's disk) hangs: its transport, and for
 * iSCSI the session's target name and portal, read from sysfs. */
int scsi_disk_transport(const char *name, ScsiTransport *ret);
