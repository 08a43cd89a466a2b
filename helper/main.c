/* SPDX-License-Identifier: MIT */
/*
 * ec2-xvd-alias: EC2 sdX names for Xen disks, only where no real SCSI disk
 * claims them. Called by 51-ec2-hvm-devices.rules on xvd and sd events, and
 * by admins for `status` and `repair`. See ec2-xvd-alias(8).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "config.h"
#include "handover.h"
#include "log.h"
#include "names.h"
#include "nitro.h"
#include "policy.h"
#include "repair.h"
#include "root.h"
#include "status.h"

enum {
        EXIT_OK = 0,
        EXIT_USAGE = 1,     /* bad usage or an invalid device name; status --json: a warning */
        EXIT_COLLISION = 2, /* status: a collision exists; repair: one remains */
        EXIT_SYSTEM = 3,    /* the machine's state could not be read or changed */
};

typedef enum Command {
        COMMAND_LINKS,
        COMMAND_RECHECK,
        COMMAND_CLAIM,
        COMMAND_CLAIM_FINISH,
        COMMAND_RELEASE,
        COMMAND_STATUS,
        COMMAND_REPAIR,
        COMMAND_NVME,
} Command;

static const struct {
        const char *name;
        const char *prefix; /* the device name it takes: "xvd", "sd", "nvme", or none */
        bool deadline;      /* and after it a deadline */
} commands[] = {
        [COMMAND_LINKS] = { "links", "xvd" },
        [COMMAND_RECHECK] = { "recheck", "xvd" },
        [COMMAND_CLAIM] = { "claim", "sd" },
        [COMMAND_CLAIM_FINISH] = { "claim-finish", "sd", true },
        [COMMAND_RELEASE] = { "release", "sd" },
        [COMMAND_STATUS] = { "status", NULL },
        [COMMAND_REPAIR] = { "repair", NULL },
        [COMMAND_NVME] = { "nvme", "nvme" }, /* parsed by nitro.c */
};

static Command arg_command;
static const char *arg_name;
/* claim-finish SDNAME DEADLINE: the claim's deadline, CLOCK_MONOTONIC ms */
static uint64_t arg_deadline;
/* nvme NAME [LINK...]: the device's links now (udev's $links) */
static char **arg_links;
static size_t arg_n_links;
static bool arg_json;

static void help(void) {
        printf("Usage: ec2-xvd-alias [OPTIONS] COMMAND [NAME]\n"
               "\n"
               "EC2 names (/dev/sdX) for Xen disks and EBS NVMe volumes only where no real\n"
               "SCSI disk claims them, and always the stable /dev/xvd-sdX.\n"
               "\n"
               "Commands run by " RULES_PATH ":\n"
               "  links XVDNAME     print the links of a Xen disk, e.g. \"sdf xvd-sdf\"\n"
               "  recheck XVDNAME   after a Xen disk's event: restore a real disk's missing node\n"
               "  claim SDNAME      on a real disk's add/change: take its name over from an alias\n"
               "  claim-finish SDNAME DEADLINE  after a claim that printed \"finish DEADLINE\":\n"
               "                    remove the partitions' aliases udev has not dropped by then\n"
               "  release SDNAME    on a real disk's remove: delete the node ec2-xvd-alias made\n"
               "  nvme NVMENAME [LINK...]  an EBS NVMe volume's links (Nitro), as udev properties\n"
               "Commands for admins:\n"
               "  status [--json]   Xen and SCSI disks, policy, collisions (exit 2 on collision);\n"
               "                    --json: one JSON object, exit 1 on a warning\n"
               "  repair            fix every collision on the running system\n"
               "\n"
               "Options:\n"
               "  --root DIR        read and write DIR/sys, DIR/dev, DIR/etc, DIR/run, DIR/proc/cmdline\n"
               "  --debug           say why, also when all is well\n"
               "  --json            with status: the report as one JSON object\n"
               "  -h, --help        show this help\n"
               "  --version         show the version\n"
               "\n"
               "Exit status: 0 ok, 1 bad usage or name (status --json: also a warning),\n"
               "2 collision, 3 system error.\n");
}

/* A decimal number of milliseconds, digits only. */
static int parse_deadline(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *end;

        if (!s[0] || strspn(s, "0123456789") != strlen(s))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_argv(int argc, char *argv[]) {
        enum { ARG_ROOT = 0x100, ARG_DEBUG, ARG_VERSION, ARG_JSON };
        static const struct option options[] = {
                { "root", required_argument, NULL, ARG_ROOT },
                { "json", no_argument, NULL, ARG_JSON },
                { "debug", no_argument, NULL, ARG_DEBUG },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        char logbuf[NAME_LOG_BUF];
        int c;

        /* "+": stop at the command, so NAME can never be taken for an option. */
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case ARG_ROOT:
                        if (optarg[0] != '/')
                                return log_error_errno(EINVAL, "--root: '%s' is not an absolute path",
                                                       name_for_log(optarg, logbuf, sizeof(logbuf)));
                        root_set(optarg);
                        break;
                case ARG_DEBUG:
                        log_set_max_level(LOG_DEBUG);
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("ec2-xvd-alias %s\n", PACKAGE_VERSION);
                        return 0;
                default:
                        return -EINVAL; /* getopt said why */
                }

        if (optind >= argc)
                return log_error_errno(EINVAL, "no command given (see --help)");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (streq(argv[optind], commands[i].name)) {
                        unsigned want = commands[i].prefix ? 1 : 0;

                        if ((Command) i == COMMAND_NVME && argc - optind - 1 >= 1) {
                                arg_command = COMMAND_NVME;
                                arg_name = argv[optind + 1];
                                arg_links = argv + optind + 2;
                                arg_n_links = (size_t) (argc - optind - 2);
                                return 1;
                        }
                        /* "status --json", as well as "--json status" */
                        if ((Command) i == COMMAND_STATUS && argc - optind - 1 == 1 &&
                            streq(argv[optind + 1], "--json")) {
                                arg_json = true;
                                argc--;
                        }
                        if (arg_json && (Command) i != COMMAND_STATUS)
                                return log_error_errno(EINVAL, "--json is an option of status only");
                        want += commands[i].deadline;
                        if ((unsigned) (argc - optind - 1) != want)
                                return log_error_errno(EINVAL, "%s takes %s", commands[i].name,
                                                       want == 2   ? "a device name and a deadline"
                                                       : want == 1 ? "one device name"
                                                                   : "no arguments");
                        arg_command = (Command) i;
                        arg_name = want ? argv[optind + 1] : NULL;
                        if (commands[i].deadline && parse_deadline(argv[optind + 2], &arg_deadline) < 0)
                                return log_error_errno(EINVAL, "%s: '%s' is not a deadline (milliseconds of "
                                                       "CLOCK_MONOTONIC, as the claim prints it)",
                                                       commands[i].name,
                                                       name_for_log(argv[optind + 2], logbuf, sizeof(logbuf)));
                        return 1;
                }
        return log_error_errno(EINVAL, "unknown command '%s' (see --help)",
                               name_for_log(argv[optind], logbuf, sizeof(logbuf)));
}

static int run_links(const Config *c, const DiskName *n) {
        char ec2[DISK_NAME_BUF], stable[DISK_NAME_BUF];
        AliasDecision d;

        disk_name_format_ec2(n, ec2);
        disk_name_format_stable(n, stable);
        policy_decide_alias(c, n, arg_name, &d);
        if (d.alias) {
                printf("%s %s\n", ec2, stable);
                log_debug("%s: alias %s: %s", arg_name, ec2, d.reason);
        } else {
                printf("%s\n", stable);
                log_info("%s: no alias %s: %s", arg_name, ec2, d.reason);
        }
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_SYSTEM;
}

static int run_repair(const Config *c) {
        size_t failed;
        int left;

        left = repair_all(c, stdout, &failed);
        if (fflush(stdout) != 0 || left < 0)
                return EXIT_SYSTEM;
        if (left > 0)
                return EXIT_COLLISION;
        return failed > 0 ? EXIT_SYSTEM : EXIT_OK;
}

static int run(void) {
        const char *reason;
        char logbuf[NAME_LOG_BUF];
        Config c;
        DiskName n = {};
        int r;

        if (commands[arg_command].prefix && arg_command != COMMAND_NVME &&
            disk_name_parse(arg_name, commands[arg_command].prefix, &n, &reason) < 0) {
                log_error("invalid device name '%s': %s", name_for_log(arg_name, logbuf, sizeof(logbuf)), reason);
                return EXIT_USAGE;
        }
        /* Under udev, say what matters where admins look: the journal. */
        if (getenv("SEQNUM") && root_is_host())
                log_open_syslog();

        switch (arg_command) {
        case COMMAND_LINKS:
                config_load(&c);
                return run_links(&c, &n);
        case COMMAND_RECHECK:
                return handover_recheck(&n) < 0 ? EXIT_SYSTEM : EXIT_OK;
        case COMMAND_CLAIM:
                return handover_claim(&n) < 0 ? EXIT_SYSTEM : EXIT_OK;
        case COMMAND_CLAIM_FINISH:
                return handover_claim_finish(&n, arg_deadline) < 0 ? EXIT_SYSTEM : EXIT_OK;
        case COMMAND_RELEASE:
                config_load(&c);
                return handover_release(&c, &n) < 0 ? EXIT_SYSTEM : EXIT_OK;
        case COMMAND_STATUS:
                config_load(&c);
                r = status_print(&c, arg_json, stdout);
                if (fflush(stdout) != 0 || r < 0)
                        return EXIT_SYSTEM;
                return r == STATUS_CRITICAL ? EXIT_COLLISION : r == STATUS_WARNING ? EXIT_USAGE : EXIT_OK;
        case COMMAND_REPAIR:
                config_load(&c);
                return run_repair(&c);
        case COMMAND_NVME:
                config_load(&c);
                r = nitro_links(&c, arg_name, arg_links, arg_n_links, stdout);
                if (fflush(stdout) != 0)
                        return EXIT_SYSTEM;
                return r == 0 ? EXIT_OK : EXIT_USAGE;
        }
        return EXIT_SYSTEM;
}

int main(int argc, char *argv[]) {
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : EXIT_OK;
        return run();
}
