/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdio.h>

#include "config.h"

/* "Names in use": every place that names a /dev/sdX alias (or a name an
 * alias would take) of a device that has an xvd counterpart: /etc/fstab,
 * /etc/crypttab, systemd mount and swap units, /proc/swaps and the live
 * mount table. Such a name changes meaning when a real SCSI disk takes it,
 * so each use is printed with what the name leads to now, whether a real
 * disk can take it, and the fix (UUID=, LABEL= or /dev/xvd-sdX, which
 * never changes meaning). Returns how many uses it printed. */
int usage_print(const Config *c, FILE *out);

/* After a real disk took the name DISK ("sdf") from an alias: one warning
 * in the journal per use of DISK or of its partitions' names, with the fix.
 * Called only when a handover happened, never on the plain event path.
 * Returns how many it logged. */
int usage_log_handover(const Config *c, const char *disk);

/* Parses one line of fstab or crypttab (the field-th whitespace-separated
 * field, 0-based, comments and blank lines skipped). Writes the alias name
 * ("sdf1") when the field is "/dev/sd<letters>[<digits>]". 1 when it did,
 * 0 otherwise. Exposed for the fuzzer. */
int usage_parse_tab_line(const char *line, unsigned field, char *name, size_t size);

/* The same for a mountinfo line: the mount source after " - fstype ". */
int usage_parse_mountinfo_line(const char *line, char *name, size_t size);

/* The same for a unit file line "What=/dev/sdf". */
int usage_parse_unit_line(const char *line, char *name, size_t size);
