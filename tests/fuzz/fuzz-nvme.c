/* SPDX-License-Identifier: MIT */
/* NVMe Identify Controller data (helper/nvme-id.c) and NVMe kernel names
 * (helper/nitro.c). An accepted identity is an EBS volume whose mapping name
 * is printable, has no space or '/', and fits; a classified mapping gives a
 * name that formats and parses back. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "helper/macro.h"
#include "helper/names.h"
#include "helper/nitro.h"
#include "helper/nvme-id.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *text = fuzz_strndup(data, size);
        uint8_t page[NVME_IDENTIFY_SIZE] = {};
        char disk[32], ec2[DISK_NAME_BUF];
        const char *reason = NULL;
        unsigned partition;
        EbsIdentity id;
        EbsMapping m;
        int r;

        /* The input as a whole page (a short one is refused) ... */
        r = ebs_identify_parse(data, size, &id, &reason);
        fuzz_check(r == 0 || r == -ENODEV || r == -EINVAL);
        fuzz_check(r == 0 || reason);
        /* ... and as the vendor area of an EBS controller's page. */
        page[0] = 0x0f;
        page[1] = 0x1d;
        memset(page + NVME_ID_MN_OFFSET, ' ', NVME_ID_MN_SIZE);
        memcpy(page + NVME_ID_MN_OFFSET, EBS_MODEL, strlen(EBS_MODEL));
        memcpy(page + NVME_ID_VS_OFFSET, data, size < 1024 ? size : 1024);
        r = ebs_identify_parse(page, sizeof(page), &id, &reason);
        fuzz_check(r == 0 || r == -EINVAL);
        if (r == 0) {
                fuzz_check(id.mapping[0] && strlen(id.mapping) <= DISK_NAME_MAX);
                for (const char *p = id.mapping; *p; p++)
                        fuzz_check(*p > 0x20 && *p < 0x7f && *p != '/');
                if (ebs_mapping_classify(id.mapping, &m, &reason) == 0) {
                        DiskName again;

                        disk_name_format_ec2(&m.name, ec2);
                        fuzz_check(sd_name_parse(ec2, &again, &reason) == 0);
                        fuzz_check(streq(again.letters, m.name.letters) && again.partition == m.name.partition);
                }
        }
        if (nvme_name_parse(text, disk, &partition) == 0) {
                fuzz_check(startswith(text, disk) && startswith(disk, "nvme"));
                fuzz_check(partition <= PARTITION_MAX);
                fuzz_check(partition == 0 ? streq(text, disk) : text[strlen(disk)] == 'p');
        }
        return 0;
}
