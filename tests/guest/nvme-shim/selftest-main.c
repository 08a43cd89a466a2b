/* SPDX-License-Identifier: MIT */
/* selftest.sh's program: what the helper's reader (helper/nvme-id.c) gets
 * from a device node, printed on one line; with "ns", an Identify
 * Namespace (CNS 0) instead, to show the shim leaves it alone. */
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "helper/nvme-id.h"

int main(int argc, char **argv) {
        const char *reason = "";
        EbsIdentity id = {};
        int r;

        if (argc == 3 && strcmp(argv[2], "ns") == 0) {
                static uint8_t page[4096];
                struct nvme_admin_cmd cmd = {
                        .opcode = 0x06,
                        .nsid = 1,
                        .addr = (uint64_t) (uintptr_t) page,
                        .data_len = sizeof(page),
                        .cdw10 = 0,
                };
                int fd = open(argv[1], O_RDONLY | O_CLOEXEC);

                if (fd < 0 || ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd) < 0) {
                        perror("identify namespace");
                        return 1;
                }
                close(fd);
                printf("vendor=0x%02x%02x\n", page[1], page[0]);
                return 0;
        }
        if (argc != 2)
                return 2;
        r = ebs_identify_read(argv[1], &id, &reason);
        printf("r=%d vendor=0x%04x model='%s' mapping='%s' reason='%s'\n", r, id.vendor_id, id.model, id.mapping,
               r < 0 ? reason : "");
        return 0;
}
