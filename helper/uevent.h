/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

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

/* Ask udev to apply a real disk's rules to the node the helper just made
 * or restored (mode 0600 root, as mknod leaves it): udev 252's default
 * rules give a block node its group, and so mode 0660, only in an add
 * event (50-udev-default.rules skips to its end for any other action), so
 * the request is a synthetic add, as coldplug sends. The add also re-runs
 * the links and scsi_id. 0, or negative errno (logged). */
int uevent_request_add(const char *name, char uuid[static UUID_BUF]);

/* The helper runs in udev's add event of device NAME (ACTION=add and its
 * DEVNAME), whose end applies the rules' owner and mode to the node. */
bool uevent_in_own_add(const char *name);

/* The helper runs in the event of a claim's request to this disk, whose
 * letters are LETTERS (it carries SYNTH_ARG_EC2XAYIELD=LETTERS, the test
 * the rule makes): that claim asked the disk's partitions too. A request
 * naming another disk is not one a claim sent here. */
bool uevent_is_yield_request_for(const char *letters);
