/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#define CONFIG_FILE "/etc/ec2-xvd-alias.conf"
#define CMDLINE_MODE_KEY "ec2_xvd_alias.mode"
#define CONFIG_RESERVE_MAX 64
#define HANDOVER_TIMEOUT_DEFAULT_MS 5000u
#define HANDOVER_TIMEOUT_MIN_MS 100u
#define HANDOVER_TIMEOUT_MAX_MS 60000u

/* Every mode gives the same answer for the same devices, configuration and
 * kernel command line, at every boot (docs/design.md, "Policy"). */
typedef enum AliasMode {
        MODE_AUTO, /* the sdX alias exactly when no real SCSI disk sdX exists */
        MODE_OFF,  /* only xvd-* links */
        _MODE_MAX,
} AliasMode;

typedef struct Config {
        AliasMode mode;
        /* Where the mode came from: "default", "/etc/ec2-xvd-alias.conf:3",
         * "kernel command line". */
        char mode_source[128];
        char reserve[CONFIG_RESERVE_MAX][8];
        size_t n_reserve;
        unsigned handover_timeout_ms;
} Config;

const char *mode_to_string(AliasMode m);
int mode_from_string(const char *s, AliasMode *ret);

void config_init(Config *c);

/* Parses the configuration file format. Every problem is one warning naming
 * filename:line; the offending setting keeps its default. Never fails. */
void config_parse(Config *c, FILE *f, const char *filename);

/* Applies "ec2_xvd_alias.mode=" from a kernel command line (last one wins). */
void config_parse_cmdline(Config *c, const char *cmdline);

/* Loads /etc/ec2-xvd-alias.conf and /proc/cmdline under the root. A missing
 * file is the defaults; an unreadable one is a warning and the defaults. */
void config_load(Config *c);

bool config_is_reserved(const Config *c, const char *disk);
