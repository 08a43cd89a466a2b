/* SPDX-License-Identifier: MIT */
/* TEST DOUBLE support: see shim-rewrite.h. Shares no code with the helper
 * on purpose: the shim must present the bytes an EC2 controller would, and
 * the helper's parser (helper/nvme-id.c) must be what reads them. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "shim-rewrite.h"

#define ID_SIZE 4096u
#define ID_VID 0u
#define ID_SSVID 2u
#define ID_SN 4u
#define ID_SN_SIZE 20u
#define ID_MN 24u
#define ID_MN_SIZE 40u
#define ID_VS 3072u

static const char *const model_ebs = "Amazon Elastic Block Store";
static const char *const model_instance_store = "Amazon EC2 NVMe Instance Storage";

/* Copies the value of one "key=value" word (up to the next blank). */
static int take_value(const char **p, char *buf, size_t size) {
        size_t n = strcspn(*p, " \t");

        if (n >= size)
                return -EINVAL;
        memcpy(buf, *p, n);
        buf[n] = '\0';
        *p += n;
        return 0;
}

static int parse_line(const char *p, ShimEntry *e, const char **reason) {
        bool have_serial = false, have_mapping = false;
        char kind[32];

        *e = (ShimEntry) { .model = model_ebs };
        for (;;) {
                p += strspn(p, " \t");
                if (!*p || *p == '#')
                        break;
                if (strncmp(p, "serial=", 7) == 0) {
                        p += 7;
                        if (take_value(&p, e->serial, sizeof(e->serial)) < 0 || !e->serial[0]) {
                                *reason = "serial= needs 1 to 20 characters";
                                return -EINVAL;
                        }
                        have_serial = true;
                } else if (strncmp(p, "mapping=", 8) == 0) {
                        p += 8;
                        if (take_value(&p, e->mapping, sizeof(e->mapping)) < 0) {
                                *reason = "mapping= takes at most 32 characters";
                                return -EINVAL;
                        }
                        have_mapping = true;
                } else if (strncmp(p, "kind=", 5) == 0) {
                        p += 5;
                        if (take_value(&p, kind, sizeof(kind)) < 0)
                                kind[0] = '\0';
                        if (strcmp(kind, "ebs") == 0)
                                e->model = model_ebs;
                        else if (strcmp(kind, "instance-store") == 0)
                                e->model = model_instance_store;
                        else {
                                *reason = "kind= is ebs or instance-store";
                                return -EINVAL;
                        }
                } else {
                        *reason = "unknown key (serial=, mapping=, kind=)";
                        return -EINVAL;
                }
        }
        if (!have_serial && !have_mapping)
                return 0; /* blank or comment */
        if (!have_serial || !have_mapping) {
                *reason = "a line needs serial= and mapping=";
                return -EINVAL;
        }
        return 1;
}

int shim_config_find(const char *text, const char *serial, ShimEntry *ret, unsigned *line, const char **reason) {
        char buf[512];
        unsigned n = 0;

        while (text && *text) {
                size_t len = strcspn(text, "\n");
                ShimEntry e;
                int r;

                n++;
                if (len >= sizeof(buf)) {
                        *line = n;
                        *reason = "line longer than 511 characters";
                        return -EINVAL;
                }
                memcpy(buf, text, len);
                buf[len] = '\0';
                text += len + (text[len] == '\n');

                r = parse_line(buf, &e, reason);
                if (r < 0) {
                        *line = n;
                        return r;
                }
                if (r > 0 && strcmp(e.serial, serial) == 0) {
                        *ret = e;
                        return 1;
                }
        }
        return 0;
}

static void put_padded(uint8_t *dst, size_t width, const char *s) {
        size_t n = strlen(s);

        memset(dst, ' ', width);
        memcpy(dst, s, n < width ? n : width);
}

int shim_rewrite_identify(uint8_t *data, size_t size, const char *config, ShimEntry *applied,
                          unsigned *line, const char **reason) {
        char serial[ID_SN_SIZE + 1];
        size_t n = ID_SN_SIZE;
        ShimEntry e;
        int r;

        if (!data || size < ID_SIZE)
                return 0;
        if ((unsigned) (data[ID_VID] | data[ID_VID + 1] << 8) != SHIM_QEMU_VENDOR_ID)
                return 0;

        /* QEMU pads the serial with spaces */
        while (n > 0 && (data[ID_SN + n - 1] == ' ' || data[ID_SN + n - 1] == '\0'))
                n--;
        memcpy(serial, data + ID_SN, n);
        serial[n] = '\0';

        r = shim_config_find(config, serial, &e, line, reason);
        if (r <= 0)
                return r;

        data[ID_VID] = data[ID_SSVID] = 0x0F;
        data[ID_VID + 1] = data[ID_SSVID + 1] = 0x1D;
        put_padded(data + ID_MN, ID_MN_SIZE, e.model);
        put_padded(data + ID_VS, SHIM_MAPPING_MAX, e.mapping);
        *applied = e;
        return 1;
}
