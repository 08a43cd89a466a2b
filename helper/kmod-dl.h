/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* libkmod is opened with dlopen() only here, for `status`: linking it would
 * load libcrypto, libzstd and liblzma into every udev event's helper.
 * Fills buf with the loaded iSCSI modules ("iscsi_tcp libiscsi ...", or ""
 * for none). Negative errno when libkmod cannot be loaded or read. */
int kmod_loaded_iscsi_modules(char *buf, size_t size);
