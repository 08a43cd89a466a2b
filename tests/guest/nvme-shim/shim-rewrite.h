/* SPDX-License-Identifier: MIT */
/* TEST DOUBLE support for the guest tier: the pure part of the NVMe shim
 * (nvme-shim.c), kept apart so the unit tests can run it on the host. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* QEMU's emulated NVMe controller: PCI vendor 0x1B36 (Red Hat). */
#define SHIM_QEMU_VENDOR_ID 0x1B36u
#define SHIM_SERIAL_MAX 20
#define SHIM_MAPPING_MAX 32

typedef struct ShimEntry {
        char serial[SHIM_SERIAL_MAX + 1];
        char mapping[SHIM_MAPPING_MAX + 1];
        const char *model; /* a static string */
} ShimEntry;

/* The configuration, one controller a line, '#' starts a comment:
 *     serial=SERIAL mapping=NAME [kind=ebs|instance-store]
 * SERIAL is the controller's serial (QEMU: -device nvme,serial=...), NAME
 * what EC2 would store as the mapping (sdf, /dev/xvdf, sda1; empty is
 * allowed, to test an empty mapping). kind defaults to ebs.
 * Returns 1 with *ret filled when a line names serial, 0 when none does,
 * -EINVAL with *reason and *line (1-based) for a line it cannot read. */
int shim_config_find(const char *text, const char *serial, ShimEntry *ret, unsigned *line, const char **reason);

/* data is Identify Controller data (size >= 4096) a controller just
 * returned. When it comes from a QEMU controller (vendor 0x1B36) whose
 * serial has an entry in config, rewrites what EC2's controller would
 * carry: PCI vendor and subsystem vendor 0x1D0F, the model, and the mapping
 * name (first 32 bytes of the vendor-specific area at 3072, space padded).
 * Returns 1 (rewritten, *applied says with what), 0 (left alone), or the
 * error of shim_config_find (left alone). */
int shim_rewrite_identify(uint8_t *data, size_t size, const char *config, ShimEntry *applied,
                          unsigned *line, const char **reason);
