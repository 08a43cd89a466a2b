/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

#include "config.h"

/* Prints the status report: the rule in force, the policy, the Xen and SCSI
 * disks, the names in use and the collisions. 0 when there is no
 * collision, 1 when there is one (names in use are warnings: they do not
 * change the result), negative errno. */
int status_print(const Config *c, FILE *out);
