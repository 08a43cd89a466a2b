/* SPDX-License-Identifier: MIT */
#pragma once

/* Synthetic uevents: writing "ACTION UUID" to /sys/class/block/NAME/uevent
 * makes the kernel send the event, and udevd run the device's rules again.
 * The UUID comes back as SYNTH_UUID on the udev monitor (udev-wait.h). */

#define UUID_BUF 37

/* 0, or negative errno (logged as a warning). */
int uevent_send(const char *name, const char *action, char uuid[static UUID_BUF]);
