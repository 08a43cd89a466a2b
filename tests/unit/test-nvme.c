/* SPDX-License-Identifier: MIT */
/* helper/nvme-id.c: the EBS mapping name in NVMe Identify Controller data,
 * and the guest tier's shim that fakes it (tests/guest/nvme-shim). The
 * identify images are built here, field by field, from the NVMe base
 * specification's layout (see tests/unit/data/nvme/README.md for why no
 * binary captures are kept). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper/nvme-id.h"
#include "suites.h"
#include "tests/guest/nvme-shim/shim-rewrite.h"

#define SERIAL "vol0123456789abcdef0"
#define QEMU_VENDOR 0x1B36u
#define QEMU_MODEL "QEMU NVMe Ctrl"

static uint8_t page[NVME_IDENTIFY_SIZE];

static void put_le16(size_t off, uint16_t v) {
        page[off] = (uint8_t) (v & 0xff);
        page[off + 1] = (uint8_t) (v >> 8);
}

static void put_padded(size_t off, size_t width, const char *s) {
        memset(page + off, ' ', width);
        memcpy(page + off, s, strlen(s));
}

/* An Identify Controller page as a controller returns it: the identity
 * fields, a few capability fields at their offsets (not read by the
 * parser, there so that the image is not mostly zeros by accident), and
 * the first 32 bytes of the vendor-specific area: mapping (mapping_len
 * bytes, may hold NULs) then pad bytes. */
static void make_identify(uint16_t vid, const char *serial, const char *model, const char *mapping,
                          size_t mapping_len, uint8_t pad) {
        memset(page, 0, sizeof(page));
        put_le16(NVME_ID_VID_OFFSET, vid);
        put_le16(NVME_ID_SSVID_OFFSET, vid);
        put_padded(NVME_ID_SN_OFFSET, NVME_ID_SN_SIZE, serial);
        put_padded(NVME_ID_MN_OFFSET, NVME_ID_MN_SIZE, model);
        put_padded(NVME_ID_FR_OFFSET, NVME_ID_FR_SIZE, "1.0");
        page[77] = 6;          /* MDTS */
        page[82] = 0x00;       /* VER 1.0.0, little endian at 80 */
        page[83] = 0x01;
        page[512] = 0x66;      /* SQES */
        page[513] = 0x44;      /* CQES */
        page[516] = 1;         /* NN: one namespace */
        put_le16(2048, 2500);  /* PSD0 max power, centiwatts */
        memset(page + NVME_ID_VS_OFFSET, pad, EBS_MAPPING_FIELD_SIZE);
        memcpy(page + NVME_ID_VS_OFFSET, mapping, mapping_len);
}

static void make_ebs(const char *mapping, uint8_t pad) {
        make_identify(EBS_PCI_VENDOR_ID, SERIAL, EBS_MODEL, mapping, strlen(mapping), pad);
}

static void check_ebs(const char *mapping, uint8_t pad, const char *expected) {
        const char *reason = NULL;
        EbsIdentity id;

        make_ebs(mapping, pad);
        ck_assert_msg(ebs_identify_parse(page, sizeof(page), &id, &reason) == 0, "'%s': %s", mapping, reason);
        ck_assert_str_eq(id.mapping, expected);
        ck_assert_uint_eq(id.vendor_id, 0x1D0F);
        ck_assert_str_eq(id.serial, SERIAL);
        ck_assert_str_eq(id.model, EBS_MODEL);
}

START_TEST(test_ebs_mappings) {
        check_ebs("sdf", ' ', "sdf");
        check_ebs("sdf", '\0', "sdf");
        check_ebs("/dev/sdf", ' ', "sdf");
        check_ebs("/dev/sdf", '\0', "sdf");
        check_ebs("xvdf", ' ', "xvdf");
        check_ebs("/dev/xvdba", '\0', "xvdba");
        check_ebs("sda1", ' ', "sda1");
        check_ebs("/dev/sda1", '\0', "sda1");
        /* ebsnvme-id strips both ends */
        check_ebs("  sdg", ' ', "sdg");
        /* the longest names that fit: 31 characters, and 27 after "/dev/" */
        check_ebs("sdabcdefghijklmnopqrstuvwxyzabc", '\0', "sdabcdefghijklmnopqrstuvwxyzabc");
        check_ebs("/dev/sdabcdefghijklmnopqrstuvwxy", ' ', "sdabcdefghijklmnopqrstuvwxy");
}
END_TEST

START_TEST(test_ebs_mapping_ends_at_nul) {
        const char *reason = NULL;
        EbsIdentity id;

        /* A C string in a fixed field: what follows the NUL is not read,
         * as by ebsnvme-id. */
        make_identify(EBS_PCI_VENDOR_ID, SERIAL, EBS_MODEL, "sdh\0junk\x01", 9, ' ');
        ck_assert_int_eq(ebs_identify_parse(page, sizeof(page), &id, &reason), 0);
        ck_assert_str_eq(id.mapping, "sdh");
        /* the rest of the vendor-specific area is not read either */
        make_ebs("sdh", ' ');
        memset(page + NVME_ID_VS_OFFSET + EBS_MAPPING_FIELD_SIZE, 0xff, 1024 - EBS_MAPPING_FIELD_SIZE);
        ck_assert_int_eq(ebs_identify_parse(page, sizeof(page), &id, &reason), 0);
        ck_assert_str_eq(id.mapping, "sdh");
}
END_TEST

static void check_not_ebs(uint16_t vid, const char *model, const char *why) {
        const char *reason = NULL;
        EbsIdentity id;

        /* a mapping name that would be valid, to show it is not read */
        make_identify(vid, SERIAL, model, "sdf", 3, ' ');
        ck_assert_int_eq(ebs_identify_parse(page, sizeof(page), &id, &reason), -ENODEV);
        ck_assert_str_eq(reason, why);
        ck_assert_uint_eq(id.vendor_id, vid);
        ck_assert_str_eq(id.model, model);
        ck_assert_str_eq(id.serial, SERIAL);
        ck_assert_str_eq(id.mapping, "");
}

START_TEST(test_not_ebs) {
        check_not_ebs(EBS_PCI_VENDOR_ID, EC2_INSTANCE_STORE_MODEL, "an EC2 instance store volume, not EBS");
        check_not_ebs(QEMU_VENDOR, QEMU_MODEL, "not an Amazon NVMe controller (PCI vendor id is not 0x1D0F)");
        /* the model alone is not enough: a QEMU 8 controller with mn= set */
        check_not_ebs(QEMU_VENDOR, EBS_MODEL, "not an Amazon NVMe controller (PCI vendor id is not 0x1D0F)");
        /* byte order: 0x0F1D is not Amazon */
        check_not_ebs(0x0F1D, EBS_MODEL, "not an Amazon NVMe controller (PCI vendor id is not 0x1D0F)");
        check_not_ebs(EBS_PCI_VENDOR_ID, "Amazon Elastic Block Storage",
                      "an Amazon NVMe controller whose model is not 'Amazon Elastic Block Store'");
        check_not_ebs(EBS_PCI_VENDOR_ID, "amazon elastic block store",
                      "an Amazon NVMe controller whose model is not 'Amazon Elastic Block Store'");
}
END_TEST

START_TEST(test_sizes) {
        const char *reason = NULL;
        EbsIdentity id;

        make_ebs("sdf", ' ');
        /* one byte short, one too many, the vendor-specific area cut off */
        ck_assert_int_eq(ebs_identify_parse(page, 4095, &id, &reason), -EINVAL);
        ck_assert_str_eq(reason, "Identify Controller data is not 4096 bytes");
        reason = NULL;
        ck_assert_int_eq(ebs_identify_parse(page, 3072 + 32, &id, &reason), -EINVAL);
        ck_assert_str_eq(reason, "Identify Controller data is not 4096 bytes");
        reason = NULL;
        ck_assert_int_eq(ebs_identify_parse(page, 0, &id, &reason), -EINVAL);
        ck_assert_str_eq(reason, "Identify Controller data is not 4096 bytes");
        reason = NULL;
        ck_assert_int_eq(ebs_identify_parse(NULL, 4096, &id, &reason), -EINVAL);
        ck_assert_str_eq(reason, "Identify Controller data is not 4096 bytes");
        {
                uint8_t *big = calloc(1, 8192);

                ck_assert_ptr_nonnull(big);
                memcpy(big, page, sizeof(page));
                reason = NULL;
                ck_assert_int_eq(ebs_identify_parse(big, 4097, &id, &reason), -EINVAL);
                ck_assert_str_eq(reason, "Identify Controller data is not 4096 bytes");
                ck_assert_int_eq(ebs_identify_parse(big, 4096, &id, &reason), 0);
                ck_assert_str_eq(id.mapping, "sdf");
                free(big);
        }
}
END_TEST

static void check_garbage(const char *mapping, size_t len, uint8_t pad, const char *why) {
        const char *reason = NULL;
        EbsIdentity id;

        make_identify(EBS_PCI_VENDOR_ID, SERIAL, EBS_MODEL, mapping, len, pad);
        ck_assert_int_eq(ebs_identify_parse(page, sizeof(page), &id, &reason), -EINVAL);
        ck_assert_str_eq(reason, why);
        /* identified as EBS all the same, for the warning */
        ck_assert_str_eq(id.serial, SERIAL);
        ck_assert_str_eq(id.model, EBS_MODEL);
}

#define GARBAGE(s, pad, why) check_garbage((s), sizeof(s) - 1, (pad), (why))

START_TEST(test_garbage_mappings) {
        GARBAGE("", ' ', "mapping name is empty");
        GARBAGE("", '\0', "mapping name is empty");
        GARBAGE("/dev/", ' ', "mapping name is empty");
        GARBAGE("\0sdf", ' ', "mapping name is empty");
        GARBAGE("sd\x01" "f", ' ', "mapping name has a non-printable byte");
        GARBAGE("sdf\t", '\0', "mapping name has a non-printable byte");
        GARBAGE("sdf\n", '\0', "mapping name has a non-printable byte");
        GARBAGE("sdf\x7f", ' ', "mapping name has a non-printable byte");
        GARBAGE("\xffsdf", ' ', "mapping name has a non-printable byte");
        GARBAGE("sd\xc3\xa9", ' ', "mapping name has a non-printable byte");
        GARBAGE("sdf 1", ' ', "mapping name has a space inside");
        GARBAGE("/dev/sdf sdg", '\0', "mapping name has a space inside");
        GARBAGE("../sda", ' ', "mapping name has a '/'");
        GARBAGE("/dev/../sda", ' ', "mapping name has a '/'");
        GARBAGE("/dev//sda", ' ', "mapping name has a '/'");
        GARBAGE("disk/by-id/x", ' ', "mapping name has a '/'");
        GARBAGE("sdabcdefghijklmnopqrstuvwxyzabcd", ' ', "mapping name longer than 31 characters");
}
END_TEST

START_TEST(test_identify_then_classify) {
        const char *reason = NULL;
        char buf[DISK_NAME_BUF];
        EbsIdentity id;
        EbsMapping m;

        /* "sd" and "sdA" are well formed for the parser, but no EC2 name */
        make_ebs("sd", ' ');
        ck_assert_int_eq(ebs_identify_parse(page, sizeof(page), &id, &reason), 0);
        ck_assert_int_eq(ebs_mapping_classify(id.mapping, &m, &reason), -EINVAL);
        ck_assert_str_eq(reason, "no lowercase disk letters after the prefix");
        make_ebs("sdA", '\0');
        ck_assert_int_eq(ebs_identify_parse(page, sizeof(page), &id, &reason), 0);
        ck_assert_int_eq(ebs_mapping_classify(id.mapping, &m, &reason), -EINVAL);
        ck_assert_str_eq(reason, "no lowercase disk letters after the prefix");

        make_ebs("/dev/xvdf", ' ');
        ck_assert_int_eq(ebs_identify_parse(page, sizeof(page), &id, &reason), 0);
        ck_assert_int_eq(ebs_mapping_classify(id.mapping, &m, &reason), 0);
        disk_name_format_stable(&m.name, buf);
        ck_assert_str_eq(buf, "xvd-sdf");
}
END_TEST

static void check_classify(const char *mapping, const char *letters, unsigned partition, bool xvd,
                           const char *stable) {
        const char *reason = NULL;
        char buf[DISK_NAME_BUF];
        EbsMapping m;

        ck_assert_msg(ebs_mapping_classify(mapping, &m, &reason) == 0, "%s: %s", mapping, reason);
        ck_assert_str_eq(m.name.letters, letters);
        ck_assert_uint_eq(m.name.partition, partition);
        ck_assert_int_eq(m.xvd_prefix, xvd);
        ck_assert_int_eq(m.partition_style, partition > 0);
        disk_name_format_stable(&m.name, buf);
        ck_assert_str_eq(buf, stable);
}

START_TEST(test_classify) {
        check_classify("sdf", "f", 0, false, "xvd-sdf");
        check_classify("xvdf", "f", 0, true, "xvd-sdf");
        check_classify("sdba", "ba", 0, false, "xvd-sdba");
        check_classify("xvdba", "ba", 0, true, "xvd-sdba");
        /* whole disks with partition-style names, as EC2 roots often are */
        check_classify("sda1", "a", 1, false, "xvd-sda1");
        check_classify("xvda1", "a", 1, true, "xvd-sda1");
        check_classify("sdf15", "f", 15, false, "xvd-sdf15");
}
END_TEST

static void check_classify_invalid(const char *mapping, const char *why) {
        const char *reason = NULL;
        EbsMapping m;

        ck_assert_int_eq(ebs_mapping_classify(mapping, &m, &reason), -EINVAL);
        ck_assert_str_eq(reason, why);
}

START_TEST(test_classify_invalid) {
        check_classify_invalid(NULL, "mapping name is empty");
        check_classify_invalid("", "mapping name is empty");
        check_classify_invalid("sd", "no lowercase disk letters after the prefix");
        check_classify_invalid("sdA", "no lowercase disk letters after the prefix");
        check_classify_invalid("xvd", "no lowercase disk letters after the prefix");
        check_classify_invalid("xvd-sdf", "no lowercase disk letters after the prefix");
        check_classify_invalid("sdf 1", "unexpected character in device name");
        check_classify_invalid("sdf/", "unexpected character in device name");
        check_classify_invalid("sda0", "partition number 0 or with a leading zero");
        check_classify_invalid("sda256", "partition number above 255");
        check_classify_invalid("sdaaaaa", "more than 4 disk letters");
        check_classify_invalid("../sda", "not an EC2 device name (sd<letters>[<n>] or xvd<letters>[<n>])");
        check_classify_invalid("/dev/sdf", "not an EC2 device name (sd<letters>[<n>] or xvd<letters>[<n>])");
        check_classify_invalid("nvme1n1", "not an EC2 device name (sd<letters>[<n>] or xvd<letters>[<n>])");
        check_classify_invalid("hda", "not an EC2 device name (sd<letters>[<n>] or xvd<letters>[<n>])");
        check_classify_invalid("SDF", "not an EC2 device name (sd<letters>[<n>] or xvd<letters>[<n>])");
}
END_TEST

/* ebs_identify_read sends the ioctl only to device nodes. No NVMe
 * hardware here: only its refusals can be checked, none of them touches
 * a device (the one ioctl goes to /dev/null, whose driver has none). */
START_TEST(test_read_refusals) {
        char dir[] = "/tmp/test-nvme-XXXXXX", path[64];
        const char *reason = NULL;
        EbsIdentity id;
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));

        snprintf(path, sizeof(path), "%s/missing", dir);
        ck_assert_int_eq(ebs_identify_read(path, &id, &reason), -ENOENT);
        ck_assert_str_eq(reason, "cannot open the device node");

        /* a regular file holding EBS identify data is still not a device */
        snprintf(path, sizeof(path), "%s/identify.bin", dir);
        make_ebs("sdf", ' ');
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(page, 1, sizeof(page), f), sizeof(page));
        fclose(f);
        reason = NULL;
        ck_assert_int_eq(ebs_identify_read(path, &id, &reason), -ENOTTY);
        ck_assert_str_eq(reason, "not a block or character device");
        ck_assert_int_eq(unlink(path), 0);

        /* a FIFO with no writer: must neither hang nor get the ioctl */
        snprintf(path, sizeof(path), "%s/fifo", dir);
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        reason = NULL;
        ck_assert_int_eq(ebs_identify_read(path, &id, &reason), -ENOTTY);
        ck_assert_str_eq(reason, "not a block or character device");
        ck_assert_int_eq(unlink(path), 0);

        reason = NULL;
        ck_assert_int_eq(ebs_identify_read("/dev/null", &id, &reason), -ENOTTY);
        ck_assert_str_eq(reason, "Identify Controller ioctl failed");

        ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The guest tier's shim, tests/guest/nvme-shim: its rewrite must produce
 * what this parser accepts, and touch nothing it should not. */
#define SHIM_CONF                                                  \
        "# test double configuration\n"                            \
        "serial=deadbeef mapping=sdf\n"                            \
        "\n"                                                       \
        "serial=root0001 mapping=/dev/sda1   # the root volume\n"  \
        "serial=eph0 mapping= kind=instance-store\n"               \
        "serial=xen-style mapping=xvdg kind=ebs"

static int shim(const char *config, ShimEntry *e) {
        const char *reason = NULL;
        unsigned line = 0;

        return shim_rewrite_identify(page, sizeof(page), config, e, &line, &reason);
}

START_TEST(test_shim_rewrite) {
        static const struct {
                const char *serial, *mapping;
        } cases[] = {
                { "deadbeef", "sdf" },
                { "root0001", "sda1" },
                { "xen-style", "xvdg" },
        };
        const char *reason = NULL;
        EbsIdentity id;
        ShimEntry e;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint8_t before[NVME_IDENTIFY_SIZE];

                make_identify(QEMU_VENDOR, cases[i].serial, QEMU_MODEL, "", 0, '\0');
                memcpy(before, page, sizeof(page));
                ck_assert_int_eq(ebs_identify_parse(page, sizeof(page), &id, &reason), -ENODEV);
                ck_assert_int_eq(shim(SHIM_CONF, &e), 1);
                ck_assert_str_eq(e.serial, cases[i].serial);
                ck_assert_int_eq(ebs_identify_parse(page, sizeof(page), &id, &reason), 0);
                ck_assert_str_eq(id.mapping, cases[i].mapping);
                ck_assert_str_eq(id.serial, cases[i].serial);
                ck_assert_str_eq(id.model, EBS_MODEL);
                ck_assert_uint_eq(page[2] | page[3] << 8, 0x1D0F);
                /* everything but vendor, subsystem vendor, model and the
                 * mapping field is as the controller returned it */
                ck_assert_mem_eq(page + 4, before + 4, 20);
                ck_assert_mem_eq(page + 64, before + 64, 3072 - 64);
                ck_assert_mem_eq(page + 3072 + 32, before + 3072 + 32, 1024 - 32);
        }

        /* kind=instance-store: the model a real instance store shows */
        make_identify(QEMU_VENDOR, "eph0", QEMU_MODEL, "", 0, '\0');
        ck_assert_int_eq(shim(SHIM_CONF, &e), 1);
        ck_assert_int_eq(ebs_identify_parse(page, sizeof(page), &id, &reason), -ENODEV);
        ck_assert_str_eq(reason, "an EC2 instance store volume, not EBS");
}
END_TEST

START_TEST(test_shim_leaves_alone) {
        uint8_t before[NVME_IDENTIFY_SIZE];
        const char *reason = NULL;
        unsigned line = 0;
        ShimEntry e;

        /* a QEMU controller the configuration does not list */
        make_identify(QEMU_VENDOR, "other", QEMU_MODEL, "", 0, '\0');
        memcpy(before, page, sizeof(page));
        ck_assert_int_eq(shim(SHIM_CONF, &e), 0);
        ck_assert_mem_eq(page, before, sizeof(page));
        /* a serial that only starts like a listed one */
        make_identify(QEMU_VENDOR, "deadbeef0", QEMU_MODEL, "", 0, '\0');
        memcpy(before, page, sizeof(page));
        ck_assert_int_eq(shim(SHIM_CONF, &e), 0);
        ck_assert_mem_eq(page, before, sizeof(page));
        /* a listed serial on a controller that is not QEMU's */
        make_identify(0x8086, "deadbeef", "INTEL SSDPE2KX010T8", "", 0, '\0');
        memcpy(before, page, sizeof(page));
        ck_assert_int_eq(shim(SHIM_CONF, &e), 0);
        ck_assert_mem_eq(page, before, sizeof(page));
        /* a short buffer, no configuration */
        make_identify(QEMU_VENDOR, "deadbeef", QEMU_MODEL, "", 0, '\0');
        memcpy(before, page, sizeof(page));
        ck_assert_int_eq(shim_rewrite_identify(page, 4095, SHIM_CONF, &e, &line, &reason), 0);
        ck_assert_int_eq(shim("", &e), 0);
        ck_assert_int_eq(shim(NULL, &e), 0);
        ck_assert_mem_eq(page, before, sizeof(page));
}
END_TEST

static void check_shim_bad(const char *config, unsigned exp_line, const char *why) {
        uint8_t before[NVME_IDENTIFY_SIZE];
        const char *reason = NULL;
        unsigned line = 0;
        ShimEntry e;

        make_identify(QEMU_VENDOR, "deadbeef", QEMU_MODEL, "", 0, '\0');
        memcpy(before, page, sizeof(page));
        ck_assert_int_eq(shim_rewrite_identify(page, sizeof(page), config, &e, &line, &reason), -EINVAL);
        ck_assert_uint_eq(line, exp_line);
        ck_assert_str_eq(reason, why);
        ck_assert_mem_eq(page, before, sizeof(page));
}

START_TEST(test_shim_bad_config) {
        check_shim_bad("serial=deadbeef", 1, "a line needs serial= and mapping=");
        check_shim_bad("# c\nmapping=sdf\n", 2, "a line needs serial= and mapping=");
        check_shim_bad("serial=x mapping=sdf vendor=1\n", 1, "unknown key (serial=, mapping=, kind=)");
        check_shim_bad("serial=deadbeef mapping=sdf kind=nitro", 1, "kind= is ebs or instance-store");
        check_shim_bad("serial= mapping=sdf", 1, "serial= needs 1 to 20 characters");
        check_shim_bad("serial=123456789012345678901 mapping=sdf", 1, "serial= needs 1 to 20 characters");
        check_shim_bad("serial=deadbeef mapping=sdabcdefghijklmnopqrstuvwxyzabcde", 1,
                       "mapping= takes at most 32 characters");
}
END_TEST

Suite *nvme_suite(void) {
        Suite *s = suite_create("nvme");
        TCase *tc = tcase_create("identify");
        TCase *tm = tcase_create("mapping");
        TCase *ts = tcase_create("shim");

        tcase_add_test(tc, test_ebs_mappings);
        tcase_add_test(tc, test_ebs_mapping_ends_at_nul);
        tcase_add_test(tc, test_not_ebs);
        tcase_add_test(tc, test_sizes);
        tcase_add_test(tc, test_garbage_mappings);
        tcase_add_test(tc, test_read_refusals);
        suite_add_tcase(s, tc);

        tcase_add_test(tm, test_identify_then_classify);
        tcase_add_test(tm, test_classify);
        tcase_add_test(tm, test_classify_invalid);
        suite_add_tcase(s, tm);

        tcase_add_test(ts, test_shim_rewrite);
        tcase_add_test(ts, test_shim_leaves_alone);
        tcase_add_test(ts, test_shim_bad_config);
        suite_add_tcase(s, ts);
        return s;
}
