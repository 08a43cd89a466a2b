/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "names.h"

typedef struct AliasDecision {
        bool alias;       /* hand out the sdX alias */
        char reason[384]; /* why, one clause: "real SCSI disk sda exists" */
} AliasDecision;

/* Decides whether the device holder (kernel name "xvdf3") gets the EC2 name
 * of n ("sdf3") as a link (docs/design.md, "The link contract" and
 * "Policy"): yes exactly when the mode is not off, the disk's name is not
 * reserved, no real SCSI disk of that name exists (a partition's alias
 * follows its disk), and /dev/NAME is free or already the holder's link.
 * Never fails: an unreadable fact counts against the alias. */
void policy_decide_alias(const Config *c, const DiskName *n, const char *holder, AliasDecision *ret);
