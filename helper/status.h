/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "collisions.h"
#include "config.h"

/* The value of "schema" in `status --json` (docs/status.schema.json):
 * its number changes only when a key is removed or changes meaning; new
 * keys may come at any time. */
#define STATUS_JSON_SCHEMA "ec2-xvd-alias-status/1"

/* The result of the report; main.c's exit status is the same number. */
enum {
        STATUS_OK = 0,
        STATUS_WARNING = 1,  /* --json only: names in use, another rule in force, udev's database unread */
        STATUS_CRITICAL = 2, /* a collision */
};

/* Prints the status report: the rule in force, the policy, the Xen and SCSI
 * disks, the names in use and the collisions; with json, as one JSON
 * object (on a system error, the object says only that, with "state"
 * "unknown"). STATUS_OK, STATUS_CRITICAL when there is a collision,
 * STATUS_WARNING (json only: the prose report's names in use do not change
 * its result), or negative errno. */
int status_print(const Config *c, bool json, FILE *out);

/* The schema's name of a collision kind: "alias", "partition-alias", ... */
const char *collision_kind_name(CollisionKind k);
