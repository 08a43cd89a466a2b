/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

/* A path that multipathd added while /dev/NAME led to another device (an
 * xvd alias) keeps the file it opened then: its checker keeps testing the
 * wrong disk ("failed faulty") after the node is fixed, whatever uevents
 * follow. multipathd reopens a path only when it is removed and added again.
 *
 * The udev-side commands never talk to multipathd (it may wait for the very
 * events they run in): when they fix the node of a disk that a device-mapper
 * map already holds, they record it in /run/ec2-xvd-alias/multipath/NAME.
 * `status` reports the record as a collision, and `repair` makes multipathd
 * re-add the path (`multipathd del path NAME`, `add path NAME`, bounded). */

/* After a node was fixed: records NAME if a dm map holds the disk. */
void multipath_note_fixed_node(const char *name);

/* Whether a record for NAME exists; its holder ("dm-0") in holder. */
int multipath_pending(const char *name, char *holder, size_t size);

/* Re-adds a recorded path and drops the record, saying so on out. 1 when
 * re-added, 0 when nothing was recorded, or negative errno. */
int multipath_readd_path(const char *name, FILE *out);
