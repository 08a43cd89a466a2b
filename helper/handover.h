/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "name-state.h"
#include "names.h"

/* The handover of a name from an xvd alias to a real SCSI disk and back
 * (docs/design.md, "The handover"). Every function is idempotent: it does
 * nothing when /dev is already right. */

/* sd add/change, early in the rules: ask the xvd device to drop its claim
 * on the name and, for a whole disk, the partitions that hold names of its
 * namespace theirs, all at once; wait (bounded by handover_timeout) until
 * udev has dropped the disk's own alias, then put the real node in place
 * atomically. When partitions' aliases are still there, prints
 * "finish DEADLINE NAME..." (CLOCK_MONOTONIC ms, then those names, at most
 * CLAIM_FINISH_NAMES_MAX of them, else none) for the rules' claim-finish.
 * Reads the configuration only when there is something to do. 0 when the
 * node is right at the end, negative errno (logged) when it could not be. */
int handover_claim(const DiskName *sd);

/* How many names a claim's "finish" result lists: 99-ec2-xvd-alias-finish.rules
 * tests each of /dev/NAME1..6 and starts claim-finish only while one is
 * still there; with more names the result lists none, and it always does. */
#define CLAIM_FINISH_NAMES_MAX 6

/* How much longer than handover_timeout a claim waits while udevd is
 * running an event of a holder (handover.c), and how often it looks. */
#define HANDOVER_IN_FLIGHT_MAX_MS 30000
#define HANDOVER_IN_FLIGHT_LOOK_MS 100
#define HANDOVER_IN_FLIGHT_FREE_LOOKS 3

/* sd add/change, in the event's RUN after a claim that printed "finish
 * DEADLINE ..." whose names are not all gone: wait until DEADLINE for the
 * partitions' aliases of disk sd to go, then remove those left (the real
 * disk owns the names). 0 when none is left, negative errno (logged) when
 * one could not be removed. */
int handover_claim_finish(const DiskName *sd, uint64_t deadline);

/* sd remove: delete /dev/sdX only if ec2-xvd-alias made it (the recorded
 * node) and it has the devnum of the removed device (the event's MAJOR and
 * MINOR, else the record's), unless the kernel has a device of that name
 * and devnum again. Then, if the policy gives the name back, ask udev to
 * re-run the xvd device's rules. */
int handover_release(const Config *c, const DiskName *sd);

/* xvd add/change/remove, after udev applied the links: if a real sdX exists
 * and its node is missing (udev removes whatever is at a link's path when
 * the last claim goes), make it and ask udev to re-run sdX's rules; for a
 * whole disk, ask partitions that still hold sdXN aliases to drop them. No
 * wait. */
int handover_recheck(const DiskName *xvd);

/* Asks udev to re-run the holders' rules and waits, bounded by timeout_ms,
 * until every alias in the set is gone; aliases of partitions that are
 * still there then are removed here (the real disk owns the names). 0, or
 * negative errno with one warning line ending in `consequence`. */
int aliases_drop(const AliasSet *s, unsigned timeout_ms, const char *consequence, int *lock_fd);

/* Puts the real node in place for an inspected name whose state is
 * fixable, after the aliases in the way were dropped. 1 when /dev was
 * changed, 0 when it was right, negative errno (logged). */
int handover_take(const Config *c, NameInfo *info, unsigned timeout_ms);
