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

typedef enum NameUseRisk {
        NAME_USE_TAKEN,        /* a real SCSI disk has the name now */
        NAME_USE_NEVER_ALIAS,  /* mode off or reserved: only a real disk can have it */
        NAME_USE_CAN_BE_TAKEN, /* a real disk that arrives takes it */
} NameUseRisk;

/* One use, as usage_print() prints it, for `status --json`. */
typedef struct NameUse {
        const char *where;     /* "/etc/fstab:3", "mounted now" */
        const char *source;    /* "fstab", "crypttab", "unit", "swap", "mount" */
        const char *file;      /* "/etc/fstab", "/proc/self/mountinfo" */
        unsigned line;         /* 1-based, or 0 where lines are not numbered */
        const char *name;      /* "sdf1" */
        const char *device;    /* the alias's device: "xvdf1" */
        const char *now;       /* what /dev/NAME is now: "-> xvdf (Xen disk 202:80)" */
        const char *leads_to;  /* "alias", "real-disk", "other", "unreadable" */
        NameUseRisk risk;
        const char *risk_text; /* the sentence usage_print() prints for risk */
        const char *spec;      /* "UUID=..." or "LABEL=...", or NULL */
        const char *stable;    /* "/dev/xvd-sdf1" */
} NameUse;

/* The same scan as usage_print(), each use given to fn (a negative return
 * is counted as no use). Returns how many uses fn accepted. */
int usage_foreach(const Config *c, int (*fn)(const NameUse *u, void *userdata), void *userdata);

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
