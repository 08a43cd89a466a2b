/* SPDX-License-Identifier: MIT */
#pragma once

/* Synthetic uevents: writing "ACTION UUID [KEY=VALUE ...]" to
 * /sys/class/block/NAME/uevent makes the kernel send the event, and udevd
 * run the device's rules again. The UUID comes back as SYNTH_UUID on the
 * udev monitor (udev-wait.h), each KEY=VALUE as SYNTH_ARG_KEY=VALUE. */

#define UUID_BUF 37

/* The claim's request to a holder, "EC2XAYIELD=X" (the letters of real
 * disk sdX): that disk is there and takes the name, so drop the alias
 * (51-ec2-hvm-devices.rules does it without starting the helper, after it
 * checked that the device is xvdX or a partition of it). The kernel takes
 * only letters and digits in an argument's key and value. */
#define UEVENT_ARG_YIELD "EC2XAYIELD"

/* args: NULL, or space-separated KEY=VALUE of letters and digits. 0, or
 * negative errno (logged as a warning). */
int uevent_send(const char *name, const char *action, const char *args, char uuid[static UUID_BUF]);
