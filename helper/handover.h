/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "names.h"

/* The handover of a name from an xvd alias to a real SCSI disk (DESIGN 4).
 * Every function is idempotent: it does nothing when /dev is already right. */

/* sd add/change, early in the rules: make xvdX drop its claim on the name,
 * wait (bounded) until udev has done so, then put the real node in place
 * atomically. 0 when the node is right at the end, negative errno (logged)
 * when it could not be made right. */
int handover_claim(const Config *c, const DiskName *sd);

/* sd remove: delete /dev/sdX only if ec2-xvd-alias made it, it still has
 * that devnum, and the kernel device is gone. Then, if the policy gives the
 * name back to xvdX (mode compat), ask udev to re-run xvdX's rules. */
int handover_release(const Config *c, const DiskName *sd);

/* xvd add/change, after udev applied the links: if a real sdX exists and
 * its node is missing, make it and ask udev to re-run sdX's rules. No wait. */
int handover_recheck(const DiskName *xvd);

/* For `repair`: the same as claim, then udev re-runs the real disk's rules
 * (waited for, bounded) so its by-id and by-path links are right too. Says
 * what it did on out. 1 when something was changed, 0 when nothing had to
 * be, negative errno when the name could not be fixed. */
int handover_repair(const Config *c, const DiskName *sd, FILE *out);

/* The node ownership records in /run/ec2-xvd-alias/nodes/. */
int node_record_read(const char *name, dev_t *ret);
