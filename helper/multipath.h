/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

/* A path that multipathd added while /dev/NAME led to another device (an
 * xvd alias) keeps the file it opened then: its checker keeps testing the
 * wrong disk ("failed faulty") after the node is fixed, whatever uevents
 * follow. multipathd reopens a path only when it is removed and added
 * again. For a disk a device-mapper map holds, and a running multipathd,
 * this does that (`multipathd del path NAME`, `add path NAME`, bounded) and
 * says so on out. 1 when re-added, 0 when there was nothing to do, or
 * negative errno. Never on the udev hot path: only `repair` calls it. */
int multipath_readd_path(const char *name, FILE *out);
