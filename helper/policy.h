/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "names.h"

typedef struct AliasDecision {
        bool alias;       /* hand out the sdX alias */
        char reason[384]; /* why, one clause: "real SCSI disk sda exists" */
} AliasDecision;

/* Decides whether the Xen device n (kernel name xvd...) gets its EC2 name
 * as a link, per DESIGN 3 and 5. Safety first (a real disk, a foreign /dev
 * entry, a reserved name), then the mode. Never fails: an unreadable fact
 * counts against the alias. */
void policy_decide_alias(const Config *c, const DiskName *n, AliasDecision *ret);
