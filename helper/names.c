/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "names.h"

int disk_name_parse(const char *name, const char *prefix, DiskName *ret, const char **reason) {
        const char *p;
        size_t n_letters = 0;
        unsigned partition = 0;

        if (!name || !*name) {
                *reason = "empty device name";
                return -EINVAL;
        }
        if (strnlen(name, DISK_NAME_MAX + 1) > DISK_NAME_MAX) {
                *reason = "device name longer than 31 characters";
                return -EINVAL;
        }
        if (strncmp(name, prefix, strlen(prefix)) != 0) {
                *reason = prefix[0] == 'x' ? "not a Xen disk name (xvd<letters>[<partition>])"
                                           : "not a SCSI disk name (sd<letters>[<partition>])";
                return -EINVAL;
        }

        p = name + strlen(prefix);
        while (*p >= 'a' && *p <= 'z') {
                if (n_letters == DISK_LETTERS_MAX) {
                        *reason = "more than 4 disk letters";
                        return -EINVAL;
                }
                ret->letters[n_letters++] = *p++;
        }
        if (n_letters == 0) {
                *reason = "no lowercase disk letters after the prefix";
                return -EINVAL;
        }
        ret->letters[n_letters] = '\0';

        if (*p == '\0') {
                ret->partition = 0;
                return 0;
        }
        if (*p == '0') {
                *reason = "partition number 0 or with a leading zero";
                return -EINVAL;
        }
        for (; *p >= '0' && *p <= '9'; p++) {
                partition = partition * 10 + (unsigned) (*p - '0');
                if (partition > PARTITION_MAX) {
                        *reason = "partition number above 255";
                        return -EINVAL;
                }
        }
        if (*p != '\0') {
                *reason = "unexpected character in device name";
                return -EINVAL;
        }
        ret->partition = partition;
        return 0;
}

static void format_with(const char *prefix, const DiskName *n, char buf[static DISK_NAME_BUF]) {
        if (n->partition > 0)
                snprintf(buf, DISK_NAME_BUF, "%s%s%u", prefix, n->letters, n->partition);
        else
                snprintf(buf, DISK_NAME_BUF, "%s%s", prefix, n->letters);
}

void disk_name_format_ec2(const DiskName *n, char buf[static DISK_NAME_BUF]) {
        format_with("sd", n, buf);
}

void disk_name_format_xvd(const DiskName *n, char buf[static DISK_NAME_BUF]) {
        format_with("xvd", n, buf);
}

void disk_name_format_stable(const DiskName *n, char buf[static DISK_NAME_BUF]) {
        format_with("xvd-sd", n, buf);
}

DiskName disk_name_whole(const DiskName *n) {
        DiskName w = *n;

        w.partition = 0;
        return w;
}

const char *name_for_log(const char *name, char *buf, size_t size) {
        size_t o = 0;

        if (!name)
                name = "";
        for (size_t i = 0; name[i] && o + 5 < size; i++) {
                unsigned char c = (unsigned char) name[i];

                if (i == 40) {
                        o += (size_t) snprintf(buf + o, size - o, "...");
                        break;
                }
                if (c >= 0x20 && c < 0x7f && c != '\\')
                        buf[o++] = (char) c;
                else
                        o += (size_t) snprintf(buf + o, size - o, "\\x%02x", c);
        }
        buf[o < size ? o : size - 1] = '\0';
        return buf;
}
