/* SPDX-License-Identifier: MIT */
/* TEST DOUBLE for selftest.sh only: a preload library that plays a QEMU
 * NVMe controller, so the shim can be tested on a host without NVMe
 * hardware. Preloaded after the shim, it is the "real" ioctl the shim
 * finds with RTLD_NEXT: Identify (opcode 0x06, any CNS) is answered here
 * with QEMU 7.2's identity, serial $FAKE_QEMU_SERIAL, and never reaches
 * the kernel; every other ioctl goes on to libc. */
#include <dlfcn.h>
#include <errno.h>
#include <linux/nvme_ioctl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

static void put(uint8_t *p, size_t width, const char *s) {
        memset(p, ' ', width);
        memcpy(p, s, strlen(s) < width ? strlen(s) : width);
}

__attribute__((visibility("default"))) int ioctl(int fd, unsigned long request, ...) {
        struct nvme_admin_cmd *cmd;
        const char *serial = getenv("FAKE_QEMU_SERIAL");
        ioctl_fn real;
        uint8_t *page;
        va_list ap;
        void *arg;

        va_start(ap, request);
        arg = va_arg(ap, void *);
        va_end(ap);

        cmd = arg;
        if (request != NVME_IOCTL_ADMIN_CMD || !cmd || cmd->opcode != 0x06 || cmd->data_len < 4096 ||
            !cmd->addr) {
                real = (ioctl_fn) dlsym(RTLD_NEXT, "ioctl");
                if (!real) {
                        errno = ENOSYS;
                        return -1;
                }
                return real(fd, request, arg);
        }

        page = (uint8_t *) (uintptr_t) cmd->addr;
        memset(page, 0, cmd->data_len);
        page[0] = 0x36; /* PCI vendor 0x1B36 */
        page[1] = 0x1b;
        page[2] = 0xf4; /* subsystem vendor 0x1AF4 */
        page[3] = 0x1a;
        put(page + 4, 20, serial ? serial : "deadbeef");
        put(page + 24, 40, "QEMU NVMe Ctrl");
        put(page + 64, 8, "7.2.0");
        return 0;
}
