/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "macro.h"
#include "nvme-id.h"

/* Copies a fixed-width identify field into a C string, without the space
 * or NUL padding at its end. */
static void copy_field(char *dst, const uint8_t *src, size_t width) {
        size_t n = width;

        while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\0'))
                n--;
        memcpy(dst, src, n);
        dst[n] = '\0';
}

static int parse_mapping(const uint8_t *field, char out[static EBS_MAPPING_FIELD_SIZE + 1], const char **reason) {
        size_t start = 0, end, len;
        const char *name;

        /* The name ends at the first NUL, as for ebsnvme-id (a C string in a
         * fixed field); spaces around it are padding. */
        end = strnlen((const char *) field, EBS_MAPPING_FIELD_SIZE);
        while (start < end && field[start] == ' ')
                start++;
        while (end > start && field[end - 1] == ' ')
                end--;

        for (size_t i = start; i < end; i++)
                if (field[i] < 0x20 || field[i] >= 0x7f) {
                        *reason = "mapping name has a non-printable byte";
                        return -EINVAL;
                }
        len = end - start;
        memcpy(out, field + start, len);
        out[len] = '\0';

        /* ebsnvme-id -u prints the name without "/dev/", so does the rule. */
        name = out;
        if (startswith(name, "/dev/"))
                name += strlen("/dev/");
        if (!*name) {
                *reason = "mapping name is empty";
                return -EINVAL;
        }
        if (strchr(name, ' ')) {
                *reason = "mapping name has a space inside";
                return -EINVAL;
        }
        if (strchr(name, '/')) {
                *reason = "mapping name has a '/'";
                return -EINVAL;
        }
        if (strlen(name) > DISK_NAME_MAX) {
                *reason = "mapping name longer than 31 characters";
                return -EINVAL;
        }
        memmove(out, name, strlen(name) + 1);
        return 0;
}

int ebs_identify_parse(const uint8_t *data, size_t size, EbsIdentity *ret, const char **reason) {
        EbsIdentity id = {};
        int r;

        if (!data || size != NVME_IDENTIFY_SIZE) {
                *reason = "Identify Controller data is not 4096 bytes";
                return -EINVAL;
        }

        id.vendor_id = (uint16_t) (data[NVME_ID_VID_OFFSET] | data[NVME_ID_VID_OFFSET + 1] << 8);
        copy_field(id.serial, data + NVME_ID_SN_OFFSET, NVME_ID_SN_SIZE);
        copy_field(id.model, data + NVME_ID_MN_OFFSET, NVME_ID_MN_SIZE);
        *ret = id;

        if (id.vendor_id != EBS_PCI_VENDOR_ID) {
                *reason = "not an Amazon NVMe controller (PCI vendor id is not 0x1D0F)";
                return -ENODEV;
        }
        if (streq(id.model, EC2_INSTANCE_STORE_MODEL)) {
                *reason = "an EC2 instance store volume, not EBS";
                return -ENODEV;
        }
        if (!streq(id.model, EBS_MODEL)) {
                *reason = "an Amazon NVMe controller whose model is not '" EBS_MODEL "'";
                return -ENODEV;
        }

        r = parse_mapping(data + NVME_ID_VS_OFFSET, id.mapping, reason);
        if (r < 0)
                return r;
        *ret = id;
        return 0;
}

int ebs_identify_read(const char *devnode, EbsIdentity *ret, const char **reason) {
        /* The kernel maps the buffer for the device's DMA: page-aligned
         * saves it a bounce copy. Zeroed so that valgrind, which does not
         * know this ioctl, sees defined bytes, and a short answer reads as
         * padding rather than stack garbage. */
        _Alignas(4096) uint8_t page[NVME_IDENTIFY_SIZE] = {};
        _cleanup_close_ int fd = -1;
        struct nvme_admin_cmd cmd = {
                .opcode = NVME_ADMIN_IDENTIFY,
                .nsid = 0,
                .addr = (uint64_t) (uintptr_t) page,
                .data_len = sizeof(page),
                .cdw10 = NVME_IDENTIFY_CNS_CTRL,
        };
        struct stat st;
        int r;

        /* O_NONBLOCK: a FIFO or a tty given by mistake must not hang a udev
         * worker. Read-only: closing never triggers udev's watch. */
        fd = open(devnode, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                *reason = "cannot open the device node";
                return -errno;
        }
        if (fstat(fd, &st) < 0) {
                *reason = "cannot stat the device node";
                return -errno;
        }
        /* An ioctl number means something else to another driver: send it
         * only to device nodes, which the rule restricts to nvme* names. */
        if (!S_ISBLK(st.st_mode) && !S_ISCHR(st.st_mode)) {
                *reason = "not a block or character device";
                return -ENOTTY;
        }

        r = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
        if (r < 0) {
                *reason = "Identify Controller ioctl failed";
                return -errno;
        }
        if (r > 0) {
                /* a positive value is the NVMe completion status */
                *reason = "the controller rejected Identify Controller";
                return -EIO;
        }

        return ebs_identify_parse(page, sizeof(page), ret, reason);
}

int ebs_mapping_classify(const char *mapping, EbsMapping *ret, const char **reason) {
        EbsMapping m = {};
        int r;

        if (!mapping || !*mapping) {
                *reason = "mapping name is empty";
                return -EINVAL;
        }
        /* "xvdf" and "sdf" name the same attachment slot: on Xen the first
         * is the kernel name and the second its alias, on Nitro both are
         * only mapping names. */
        if (startswith(mapping, "xvd")) {
                m.xvd_prefix = true;
                r = xvd_name_parse(mapping, &m.name, reason);
        } else if (startswith(mapping, "sd"))
                r = sd_name_parse(mapping, &m.name, reason);
        else {
                *reason = "not an EC2 device name (sd<letters>[<n>] or xvd<letters>[<n>])";
                return -EINVAL;
        }
        if (r < 0)
                return r;

        m.partition_style = m.name.partition > 0;
        *ret = m;
        return 0;
}
