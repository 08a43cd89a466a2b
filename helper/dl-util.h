/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* Optional libraries are dlopen()ed where they are needed, never linked:
 * each linked library costs every udev event its load time (docs/design.md, "Speed"). */

typedef struct DlSymbol {
        const char *name;
        void **ptr; /* where the address goes: (void **) &sym.fn */
} DlSymbol;

#define DL_SYMBOL(field, name) { name, (void **) &(field) }

/* Opens soname and resolves every symbol, or none. 0, or -ELIBACC (library
 * missing) / -ELIBBAD (symbol missing), with the reason at debug level.
 * The handle stays open for the life of the process. */
int dl_open_symbols(void **handle, const char *soname, const DlSymbol *symbols, size_t n);
