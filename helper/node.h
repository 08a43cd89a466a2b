/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "probe.h"

/* The block nodes ec2-xvd-alias makes in /dev, and the records that prove
 * they are its own: /run/ec2-xvd-alias/nodes/NAME holds "MAJ:MIN INODE" of
 * the very node it put at /dev/NAME. A record is written only after its
 * node is in place, and nothing is ever unlinked that does not match one. */

typedef struct NodeRecord {
        dev_t devnum;
        ino_t ino;
} NodeRecord;

/* 0, -ENOENT without a record, -EBADMSG for one that is not ours to trust. */
int node_record_read(const char *name, NodeRecord *ret);

/* Whether the /dev entry is the node the record describes. */
bool node_is_recorded(const char *name, const DevEntry *e);

/* Puts a block node of devnum at /dev/NAME atomically (mknod under a
 * temporary name, rename over whatever is there: the caller holds the
 * name's lock and decided that entry may go), then records it. A failure
 * before the rename leaves nothing behind; a node in place stays even if
 * its record cannot be written (logged: the real disk needs it, but
 * nothing will prove it ours later). */
int node_create(const char *name, dev_t devnum);

/* Removes /dev/NAME if it is the recorded node and its devnum is devnum,
 * and then the record. 1 when it removed the node, 0 when there was
 * nothing of ours with that devnum, negative errno. */
int node_remove_own(const char *name, dev_t devnum);

/* Temporary nodes that a killed helper left (udevd's event timeout sends
 * SIGKILL between mknod and rename): removes those whose process is gone.
 * Returns how many were removed. */
int node_remove_leftovers(void);
