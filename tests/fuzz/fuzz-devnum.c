/* SPDX-License-Identifier: MIT */
/* The one-line file readers, through a fake root (root_set()):
 * - read_line_file() (helper/fs-util.c) with several buffer sizes, checked
 *   against the documented result: the first size-1 bytes, cut at the first
 *   newline;
 * - sysfs_block_devnum() (helper/probe.c) on <root>/sys/class/block/x/dev;
 * - node_record_read() (helper/node.c) on the node ownership record
 *   <root>/run/ec2-xvd-alias/nodes/x ("MAJ:MIN INODE"; a bare "MAJ:MIN",
 *   0.1.0's format, proves nothing and is refused);
 * - multipath_pending() (helper/multipath.c) on the multipath record
 *   <root>/run/ec2-xvd-alias/multipath/x.
 * The same input is written to all three files once per run. For the devnum
 * readers: a plain "MAJ:MIN" (1 to 9 digits each) must parse to exactly those
 * numbers, and whatever parses must survive a round trip through "%u:%u". */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "fuzz.h"
#include "helper/fs-util.h"
#include "helper/node.h"
#include "helper/macro.h"
#include "helper/multipath.h"
#include "helper/probe.h"

#define DEV_FILE "sys/class/block/x/dev"
#define NODE_FILE "run/ec2-xvd-alias/nodes/x"
#define MULTIPATH_FILE "run/ec2-xvd-alias/multipath/x"

/* What read_line_file() must give for a buffer of size bytes. */
static void expected_line(const uint8_t *data, size_t size, size_t bufsize, char *out) {
        size_t n = size < bufsize - 1 ? size : bufsize - 1;
        char *nl;

        memcpy(out, data, n);
        out[n] = '\0';
        nl = strchr(out, '\n');
        if (nl)
                *nl = '\0';
}

static void check_read_line(const char *path, const uint8_t *data, size_t size, size_t bufsize) {
        char *buf = malloc(bufsize), *expect = malloc(bufsize);

        fuzz_check(buf && expect);
        fuzz_check(read_line_file(path, buf, bufsize) == 0);
        expected_line(data, size, bufsize, expect);
        fuzz_check(strnlen(buf, bufsize) < bufsize);
        fuzz_check(streq(buf, expect));
        fuzz_check(!strchr(buf, '\n'));
        free(buf);
        free(expect);
}

/* Up to 9 decimal digits at *p, at least one: the value, or -1. */
static long digits9(const char **p) {
        long v = 0;
        int n = 0;

        for (; **p >= '0' && **p <= '9'; (*p)++)
                if (++n > 9)
                        return -1;
                else
                        v = v * 10 + (**p - '0');
        return n > 0 ? v : -1;
}

/* "MAJ:MIN" with 1 to 9 digits each and nothing else on the first line:
 * 1 with the numbers, or 0. */
static int plain_devnum(const uint8_t *data, size_t size, unsigned *ma, unsigned *mi) {
        char line[32];
        const char *p = line;
        long a, b;

        expected_line(data, size, sizeof(line), line);
        a = digits9(&p);
        if (a < 0 || *p++ != ':')
                return 0;
        b = digits9(&p);
        if (b < 0 || *p != '\0')
                return 0;
        *ma = (unsigned) a;
        *mi = (unsigned) b;
        return 1;
}

static void check_devnum_round_trip(dev_t devnum) {
        char text[48];
        NodeRecord rec;
        dev_t again;
        int n;

        n = snprintf(text, sizeof(text), "%u:%u\n", major(devnum), minor(devnum));
        fuzz_write_file(DEV_FILE, (const uint8_t *) text, (size_t) n);
        fuzz_check(sysfs_block_devnum("x", &again) == 0);
        fuzz_check(again == devnum);
        n = snprintf(text, sizeof(text), "%u:%u 4242\n", major(devnum), minor(devnum));
        fuzz_write_file(NODE_FILE, (const uint8_t *) text, (size_t) n);
        fuzz_check(node_record_read("x", &rec) == 0);
        fuzz_check(rec.devnum == devnum && rec.ino == 4242);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char root_dev[4096], holder[256], expect[256];
        dev_t devnum = 0;
        NodeRecord recorded = {};
        unsigned ma, mi;
        int r_dev, r_node, r_mp, plain;

        fuzz_write_file(DEV_FILE, data, size);
        fuzz_write_file(NODE_FILE, data, size);
        fuzz_write_file(MULTIPATH_FILE, data, size);

        snprintf(root_dev, sizeof(root_dev), "%s/" DEV_FILE, fuzz_root());
        check_read_line(root_dev, data, size, 1);
        check_read_line(root_dev, data, size, 2);
        check_read_line(root_dev, data, size, 32);
        check_read_line(root_dev, data, size, 4096);
        if (size > 0)
                check_read_line(root_dev, data, size, 1 + data[0]);

        fuzz_log_begin();
        r_dev = sysfs_block_devnum("x", &devnum);
        r_node = node_record_read("x", &recorded);
        r_mp = multipath_pending("x", holder, sizeof(holder));
        fuzz_log_end();

        plain = plain_devnum(data, size, &ma, &mi);
        fuzz_check(r_dev == 0 || r_dev == -EINVAL);
        fuzz_check(r_node == 0 || r_node == -EBADMSG);
        if (plain) {
                fuzz_check(r_dev == 0 && devnum == makedev(ma, mi));
                fuzz_check(r_node == -EBADMSG);
        }

        fuzz_check(r_mp == 1);
        expected_line(data, size, sizeof(expect), expect);
        fuzz_check(streq(holder, expect));

        if (r_dev == 0)
                check_devnum_round_trip(devnum);
        if (r_node == 0)
                check_devnum_round_trip(recorded.devnum);
        return 0;
}
