/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>

/* What udev's database says about a block device, asked through libudev's
 * public calls (udev_device_get_devlinks_list_entry()): the helper never
 * parses /run/udev/data, udev's private format. Admin commands only
 * (status, repair and their collision search): libudev is dlopen()ed on the
 * first call, and no udev event's command makes one.
 *
 * libudev reads only /sys and /run/udev. Under --root DIR they are asked
 * only when DIR/sys and DIR/run/udev are those very directories (a test's
 * mount namespace binds them there); otherwise every call returns -EXDEV:
 * the running system's database says nothing about DIR's devices. */

/* Calls fn with each link of the device, relative to /dev as udev's rules
 * spell it ("xvd-sdf", "disk/by-id/..."). 0 (also for a device udev has no
 * entry for), fn's non-zero return, or negative errno: -EXDEV (above),
 * -ELIBACC/-ELIBBAD (no usable libudev), -ENODEV (no such device in sysfs). */
int udev_db_foreach_link(dev_t devnum, int (*fn)(const char *link, void *userdata), void *userdata);

/* Whether the device's links include link: 0 or 1, or negative errno. */
int udev_db_has_link(dev_t devnum, const char *link);

/* The same for the kernel device NAME: 0 or 1, -ENOENT when the kernel
 * has no such device, or another negative errno. */
int udev_db_name_has_link(const char *name, const char *link);

/* 0 when the calls above can read the database, or their negative errno. */
int udev_db_readable(void);

/* Why the database cannot be read (a negative errno of the calls above),
 * for a report. */
const char *udev_db_unreadable_reason(int r);
