/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

#include "config.h"

/* `repair`: fixes every collision on a running system and says on out what
 * it did, one line each, then "repair: N fixed, M left". Bounded in time
 * (REPAIR_BUDGET_MS in all), so it can never hang a package transaction.
 * Returns the number of collisions left, or negative errno; *failed counts
 * the fixes that failed. */
int repair_all(const Config *c, FILE *out, size_t *failed);
