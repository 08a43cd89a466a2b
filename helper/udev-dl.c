/* SPDX-License-Identifier: MIT */
#include "build-config.h"
#include "dl-util.h"
#include "macro.h"
#include "udev-dl.h"

UdevSymbols udev_sym;

int udev_dl_load(void) {
        static void *handle;
        const DlSymbol symbols[] = {
                DL_SYMBOL(udev_sym.new, "udev_new"),
                DL_SYMBOL(udev_sym.unref, "udev_unref"),
                DL_SYMBOL(udev_sym.monitor_new, "udev_monitor_new_from_netlink"),
                DL_SYMBOL(udev_sym.monitor_unref, "udev_monitor_unref"),
                DL_SYMBOL(udev_sym.monitor_match, "udev_monitor_filter_add_match_subsystem_devtype"),
                DL_SYMBOL(udev_sym.monitor_enable, "udev_monitor_enable_receiving"),
                DL_SYMBOL(udev_sym.monitor_fd, "udev_monitor_get_fd"),
                DL_SYMBOL(udev_sym.monitor_receive, "udev_monitor_receive_device"),
                DL_SYMBOL(udev_sym.device_new_from_devnum, "udev_device_new_from_devnum"),
                DL_SYMBOL(udev_sym.device_devlinks, "udev_device_get_devlinks_list_entry"),
                DL_SYMBOL(udev_sym.device_property, "udev_device_get_property_value"),
                DL_SYMBOL(udev_sym.device_unref, "udev_device_unref"),
                DL_SYMBOL(udev_sym.list_next, "udev_list_entry_get_next"),
                DL_SYMBOL(udev_sym.list_name, "udev_list_entry_get_name"),
        };

        return dl_open_symbols(&handle, LIBUDEV_SONAME, symbols, ELEMENTSOF(symbols));
}
