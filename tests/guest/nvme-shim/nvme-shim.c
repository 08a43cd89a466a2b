/* SPDX-License-Identifier: MIT */
/* TEST DOUBLE, for the guest tier only: an LD_PRELOAD library that makes a
 * QEMU NVMe controller answer Identify Controller the way an EC2 EBS
 * controller does. QEMU 7.2's -device nvme cannot set the PCI vendor id,
 * the model (no mn= property) or vendor-specific data, so without this no
 * EBS code path can run in the guest.
 *
 * It intercepts exactly one thing: a successful
 * ioctl(fd, NVME_IOCTL_ADMIN_CMD, cmd) whose command is Identify (0x06)
 * with CNS 1 into a buffer of at least 4096 bytes, answered by a
 * controller with vendor id 0x1B36 whose serial is listed in the
 * configuration ($EC2XA_NVME_SHIM_CONF, else /etc/ec2xa-nvme-shim.conf; the
 * format is in shim-rewrite.h). Every other ioctl passes through untouched.
 * Each rewrite says so on stderr. The kernel's own copy (sysfs model,
 * serial, the PCI vendor file) is not changed: see README.md. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nvme_ioctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "shim-rewrite.h"

#define CONF_DEFAULT "/etc/ec2xa-nvme-shim.conf"
/* on the stack: no shared state, so concurrent threads cannot race */
#define CONF_MAX 16384

typedef int (*ioctl_fn)(int, unsigned long, ...);

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
        char line[512];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((size_t) n > sizeof(line) - 2)
                n = sizeof(line) - 2;
        line[n++] = '\n';
        (void) !write(STDERR_FILENO, line, (size_t) n);
}

/* Reads the configuration into buf; an empty string when it is missing. */
static int read_conf(const char *path, char *buf, size_t size) {
        size_t len = 0;
        ssize_t n;
        int fd;

        buf[0] = '\0';
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
                len += (size_t) n;
        close(fd);
        buf[len] = '\0';
        return 0;
}

static void maybe_rewrite(struct nvme_admin_cmd *cmd) {
        char conf[CONF_MAX];
        const char *path = getenv("EC2XA_NVME_SHIM_CONF");
        const char *reason = NULL;
        unsigned line = 0;
        ShimEntry e;
        uint8_t *data = (uint8_t *) (uintptr_t) cmd->addr;
        int r;

        if (!path || !*path)
                path = CONF_DEFAULT;
        if (read_conf(path, conf, sizeof(conf)) < 0)
                return; /* no configuration: nothing is rewritten anywhere */

        r = shim_rewrite_identify(data, cmd->data_len, conf, &e, &line, &reason);
        if (r < 0)
                say("ec2xa-nvme-shim: TEST DOUBLE: %s line %u: %s; Identify Controller left alone",
                    path, line, reason);
        else if (r > 0)
                say("ec2xa-nvme-shim: TEST DOUBLE: rewrote Identify Controller of QEMU NVMe serial '%s': "
                    "vendor 0x1D0F, model '%s', mapping '%s'",
                    e.serial, e.model, e.mapping);
}

/* The one exported symbol (built with -fvisibility=hidden). */
__attribute__((visibility("default"))) int ioctl(int fd, unsigned long request, ...) {
        static ioctl_fn real;
        struct nvme_admin_cmd *cmd;
        va_list ap;
        void *arg;
        int r, saved_errno;

        va_start(ap, request);
        arg = va_arg(ap, void *);
        va_end(ap);

        if (!real) {
                real = (ioctl_fn) dlsym(RTLD_NEXT, "ioctl");
                if (!real) {
                        errno = ENOSYS;
                        return -1;
                }
        }

        r = real(fd, request, arg);
        if (r != 0 || request != NVME_IOCTL_ADMIN_CMD || !arg)
                return r;
        cmd = arg;
        if (cmd->opcode != 0x06 || (cmd->cdw10 & 0xff) != 0x01 || cmd->data_len < 4096 || !cmd->addr)
                return r;

        saved_errno = errno;
        maybe_rewrite(cmd);
        errno = saved_errno;
        return r;
}
