/* SPDX-License-Identifier: MIT */
#include <dlfcn.h>
#include <errno.h>

#include "dl-util.h"
#include "log.h"

int dl_open_symbols(void **handle, const char *soname, const DlSymbol *symbols, size_t n) {
        void *h;

        if (*handle)
                return 0;
        h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return log_debug_errno(ELIBACC, "cannot load %s: %s", soname, dlerror());
        for (size_t i = 0; i < n; i++) {
                *symbols[i].ptr = dlsym(h, symbols[i].name);
                if (!*symbols[i].ptr) {
                        for (size_t j = 0; j < i; j++)
                                *symbols[j].ptr = NULL;
                        dlclose(h);
                        return log_debug_errno(ELIBBAD, "%s: no symbol %s", soname, symbols[i].name);
                }
        }
        *handle = h;
        return 0;
}
