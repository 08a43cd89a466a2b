/* SPDX-License-Identifier: MIT */
/* The SCSI readers (helper/scsi.c), through a fake root:
 * - iscsi_automatic_node(): the whole input is one open-iscsi node record,
 *   <root>/etc/iscsi/nodes/iqn.2024-01.test:fuzz/127.0.0.1,3260,1/default
 *   (the parser record_is_automatic() is static; see README.md);
 * - scsi_disk_transport(): the input's first line is the target of the
 *   sysfs link <root>/sys/class/block/sdz, as the kernel makes it
 *   ("../../devices/platform/host2/session1/target2:0:0/2:0:0:1/block/sdz");
 *   the rest is the content of session1's targetname, and of connection1:0's
 *   persistent_address and persistent_port, one line each.
 * Properties checked: the node reader returns 0 or 1, and 1 names the one
 * target of the tree and needs "node.startup" in the input; every
 * ScsiTransport field is a terminated string of the documented kinds, lun is
 * the last field of hctl, and iscsi comes with a session in the link. */
#include <limits.h>
#include <string.h>

#include "fuzz.h"
#include "helper/macro.h"
#include "helper/scsi.h"

#define TARGET "iqn.2024-01.test:fuzz"
#define RECORD "etc/iscsi/nodes/" TARGET "/127.0.0.1,3260,1/default"

static void check_field(const char *s, size_t size) {
        fuzz_check(strnlen(s, size) < size);
}

static const uint8_t *next_line(const uint8_t **p, const uint8_t *end, size_t *len) {
        const uint8_t *start = *p, *nl;

        if (start >= end) {
                *len = 0;
                return start;
        }
        nl = memchr(start, '\n', (size_t) (end - start));
        *len = nl ? (size_t) (nl - start) : (size_t) (end - start);
        *p = nl ? nl + 1 : end;
        return start;
}

static void fuzz_transport(const uint8_t *data, size_t size) {
        const uint8_t *p = data, *end = data + size, *line;
        char link[PATH_MAX];
        size_t len;
        ScsiTransport t;
        int r;

        /* The link: NUL-free, not empty, shorter than PATH_MAX. */
        line = next_line(&p, end, &len);
        len = strnlen((const char *) line, len < PATH_MAX - 1 ? len : PATH_MAX - 1);
        if (len == 0)
                return;
        memcpy(link, line, len);
        link[len] = '\0';
        fuzz_symlink("sys/class/block/sdz", link);

        /* Written as they come: whatever read_line_file() reads of them. */
        fuzz_write_file("sys/class/iscsi_session/session1/targetname", p, (size_t) (end - p));
        (void) next_line(&p, end, &len);
        fuzz_write_file("sys/class/iscsi_connection/connection1:0/persistent_address", p, (size_t) (end - p));
        (void) next_line(&p, end, &len);
        fuzz_write_file("sys/class/iscsi_connection/connection1:0/persistent_port", p, (size_t) (end - p));

        memset(&t, 0xaa, sizeof(t));
        fuzz_log_begin();
        r = scsi_disk_transport("sdz", &t);
        fuzz_log_end();
        fuzz_check(r == 0);
        check_field(t.kind, sizeof(t.kind));
        check_field(t.target, sizeof(t.target));
        check_field(t.portal, sizeof(t.portal));
        check_field(t.hctl, sizeof(t.hctl));
        check_field(t.lun, sizeof(t.lun));
        fuzz_check(streq(t.kind, "scsi") || streq(t.kind, "usb") || streq(t.kind, "ata") ||
                   streq(t.kind, "virtio") || streq(t.kind, "iscsi"));
        if (streq(t.kind, "iscsi"))
                fuzz_check(strstr(link, "session"));
        else
                fuzz_check(!*t.target && !*t.portal);
        if (*t.hctl) {
                const char *colon = strrchr(t.hctl, ':');

                /* lun is the L of H:C:T:L, cut to its buffer; an hctl cut
                 * to its own buffer may have lost the L. */
                if (strlen(t.hctl) < sizeof(t.hctl) - 1) {
                        fuzz_check(colon);
                        fuzz_check(strncmp(t.lun, colon + 1, sizeof(t.lun) - 1) == 0);
                }
        } else
                fuzz_check(!*t.lun);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char target[224];
        int r;

        fuzz_write_file(RECORD, data, size);
        memset(target, 0, sizeof(target));
        fuzz_log_begin();
        r = iscsi_automatic_node(target, sizeof(target));
        fuzz_log_end();
        fuzz_check(r == 0 || r == 1);
        if (r == 1) {
                fuzz_check(streq(target, TARGET));
                fuzz_check(memmem(data, size, "node.startup", strlen("node.startup")));
        }

        fuzz_transport(data, size);
        return 0;
}
