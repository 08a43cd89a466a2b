/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <libkmod.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "build-config.h"
#include "dl-util.h"
#include "kmod-dl.h"
#include "log.h"
#include "macro.h"

/* The iSCSI initiator core, its TCP and offload transports, and iBFT. */
static const char *const iscsi_modules[] = {
        "scsi_transport_iscsi", "libiscsi", "libiscsi_tcp", "iscsi_tcp", "ib_iser",
        "cxgb3i", "cxgb4i", "bnx2i", "be2iscsi", "qedi", "iscsi_ibft",
};

static struct {
        typeof(kmod_new) *new;
        typeof(kmod_unref) *unref;
        typeof(kmod_module_new_from_loaded) *new_from_loaded;
        typeof(kmod_list_next) *list_next;
        typeof(kmod_module_get_module) *get_module;
        typeof(kmod_module_get_name) *get_name;
        typeof(kmod_module_unref) *module_unref;
        typeof(kmod_module_unref_list) *unref_list;
        typeof(kmod_set_log_fn) *set_log_fn;
} sym;

/* libkmod logs its own errors to stderr; the caller reports ours. */
_printf_(6, 0) static void kmod_log_quiet(void *data _unused_, int priority _unused_, const char *file _unused_,
                                          int line _unused_, const char *fn _unused_, const char *format _unused_,
                                          va_list args _unused_) {
}

static bool is_iscsi_module(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(iscsi_modules); i++)
                if (streq(name, iscsi_modules[i]))
                        return true;
        return false;
}

int kmod_loaded_iscsi_modules(char *buf, size_t size) {
        static void *handle;
        const DlSymbol symbols[] = {
                DL_SYMBOL(sym.new, "kmod_new"),
                DL_SYMBOL(sym.unref, "kmod_unref"),
                DL_SYMBOL(sym.new_from_loaded, "kmod_module_new_from_loaded"),
                DL_SYMBOL(sym.list_next, "kmod_list_next"),
                DL_SYMBOL(sym.get_module, "kmod_module_get_module"),
                DL_SYMBOL(sym.get_name, "kmod_module_get_name"),
                DL_SYMBOL(sym.module_unref, "kmod_module_unref"),
                DL_SYMBOL(sym.unref_list, "kmod_module_unref_list"),
                DL_SYMBOL(sym.set_log_fn, "kmod_set_log_fn"),
        };
        struct kmod_ctx *ctx;
        struct kmod_list *list = NULL, *it;
        size_t o = 0;
        int r;

        r = dl_open_symbols(&handle, LIBKMOD_SONAME, symbols, ELEMENTSOF(symbols));
        if (r < 0)
                return r;

        ctx = sym.new(NULL, NULL);
        if (!ctx)
                return -ENOMEM;
        sym.set_log_fn(ctx, kmod_log_quiet, NULL);
        r = sym.new_from_loaded(ctx, &list);
        if (r < 0) {
                sym.unref(ctx);
                return r;
        }
        buf[0] = '\0';
        for (it = list; it; it = sym.list_next(list, it)) {
                struct kmod_module *m = sym.get_module(it);
                const char *name = sym.get_name(m);

                if (is_iscsi_module(name) && o < size)
                        o += (size_t) snprintf(buf + o, size - o, "%s%s", o ? " " : "", name);
                sym.module_unref(m);
        }
        sym.unref_list(list);
        sym.unref(ctx);
        return 0;
}
