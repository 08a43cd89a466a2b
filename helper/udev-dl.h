/* SPDX-License-Identifier: MIT */
#pragma once

#include <libudev.h>

/* libudev's functions, resolved by udev_dl_load(): the one loader of
 * libudev, shared by the monitor wait (udev-wait.c) and the database reads
 * (udev-db.c). It is dlopen()ed only where one of those runs: linking it
 * would slow down every udev event that runs the helper. */
typedef struct UdevSymbols {
        typeof(udev_new) *new;
        typeof(udev_unref) *unref;
        typeof(udev_monitor_new_from_netlink) *monitor_new;
        typeof(udev_monitor_unref) *monitor_unref;
        typeof(udev_monitor_filter_add_match_subsystem_devtype) *monitor_match;
        typeof(udev_monitor_enable_receiving) *monitor_enable;
        typeof(udev_monitor_get_fd) *monitor_fd;
        typeof(udev_monitor_receive_device) *monitor_receive;
        typeof(udev_device_new_from_devnum) *device_new_from_devnum;
        typeof(udev_device_get_devlinks_list_entry) *device_devlinks;
        typeof(udev_device_get_property_value) *device_property;
        typeof(udev_device_unref) *device_unref;
        typeof(udev_list_entry_get_next) *list_next;
        typeof(udev_list_entry_get_name) *list_name;
} UdevSymbols;

extern UdevSymbols udev_sym;

/* 0 once every symbol is resolved, or -ELIBACC / -ELIBBAD (dl-util.h). */
int udev_dl_load(void);
