/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "probe.h"
#include "root.h"
#include "scsi.h"

/* The node record tree is target/portal[,tpgt]/iface; older open-iscsi keeps
 * the record directly in target/portal. Bounded, so a huge or looping tree
 * cannot stall a udev event. */
#define NODE_RECORDS_MAX 256
#define NODE_DEPTH_MAX 3

static int record_is_automatic(int dir_fd, const char *name) {
        _cleanup_close_ int fd = -1;
        _cleanup_fclose_ FILE *f = NULL;
        char line[512];

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return 0;
        f = fdopen(fd, "re");
        if (!f)
                return -errno;
        TAKE_FD(fd);
        while (fgets(line, sizeof(line), f)) {
                char key[64], value[64];

                if (sscanf(line, " %63[^= \t] = %63s", key, value) == 2 && streq(key, "node.startup"))
                        return streq(value, "automatic");
        }
        return 0;
}

/* d_type, or what fstatat() says where the file system leaves it unknown. */
static unsigned char entry_type(int dir_fd, const struct dirent *de) {
        struct stat st;

        if (de->d_type != DT_UNKNOWN)
                return de->d_type;
        if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return DT_UNKNOWN;
        return S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
}

static int scan_node_dir(int dir_fd, unsigned depth, unsigned *budget) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        unsigned char type;
        int fd;

        d = fdopendir(dir_fd);
        if (!d) {
                close(dir_fd);
                return 0;
        }
        while ((de = readdir(d))) {
                int r;

                if (de->d_name[0] == '.')
                        continue;
                if (*budget == 0)
                        return 0;
                (*budget)--;
                type = entry_type(dirfd(d), de);
                if (type == DT_REG) {
                        if (record_is_automatic(dirfd(d), de->d_name) > 0)
                                return 1;
                        continue;
                }
                if (type != DT_DIR || depth >= NODE_DEPTH_MAX)
                        continue;
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        continue;
                r = scan_node_dir(fd, depth + 1, budget);
                if (r != 0)
                        return r;
        }
        return 0;
}

int iscsi_automatic_node(char *target, size_t size) {
        static const char *const bases[] = { "/etc/iscsi/nodes", "/var/lib/iscsi/nodes" };

        for (size_t i = 0; i < ELEMENTSOF(bases); i++) {
                _cleanup_closedir_ DIR *d = NULL;
                char path[PATH_MAX];
                struct dirent *de;
                unsigned budget = NODE_RECORDS_MAX;

                if (root_path(path, "%s", bases[i]) < 0)
                        continue;
                d = opendir(path);
                if (!d)
                        continue;
                while ((de = readdir(d))) {
                        int fd;

                        if (de->d_name[0] == '.' || entry_type(dirfd(d), de) != DT_DIR)
                                continue;
                        fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        if (fd < 0)
                                continue;
                        if (scan_node_dir(fd, 1, &budget) > 0) {
                                snprintf(target, size, "%s", de->d_name);
                                make_printable(target);
                                return 1;
                        }
                }
        }
        return 0;
}

int scsi_host_activity(char *reason, size_t size) {
        /* Cheapest and most telling first. */
        static const struct {
                const char *dir;
                const char *what;
                const char *verb;
        } signs[] = {
                { "/sys/class/iscsi_transport", "iSCSI transport", "is registered" },
                { "/sys/class/iscsi_session", "iSCSI session", "exists" },
                { "/sys/class/scsi_disk", "SCSI disk", "exists" },
        };
        char path[PATH_MAX], first[256], target[224];
        int r;

        for (size_t i = 0; i < ELEMENTSOF(signs); i++) {
                r = root_path(path, "%s", signs[i].dir);
                if (r < 0)
                        return r;
                r = dir_has_entries(path, first, sizeof(first));
                if (r < 0)
                        log_debug_errno(r, "%s: cannot read: %m", path);
                if (r > 0) {
                        snprintf(reason, size, "%s %s %s", signs[i].what, first, signs[i].verb);
                        return 1;
                }
        }

        /* The transport class can be empty while the iSCSI core is loaded. */
        r = root_path(path, "/sys/module/scsi_transport_iscsi");
        if (r < 0)
                return r;
        if (access(path, F_OK) == 0) {
                snprintf(reason, size, "module scsi_transport_iscsi is loaded");
                return 1;
        }

        r = iscsi_automatic_node(target, sizeof(target));
        if (r > 0) {
                snprintf(reason, size, "open-iscsi logs in to %s at boot (node.startup = automatic)", target);
                return 1;
        }
        return 0;
}

/* "2:0:0:1" */
static bool is_hctl(const char *s) {
        unsigned a, b, c, d;
        char extra;

        return sscanf(s, "%u:%u:%u:%u%c", &a, &b, &c, &d, &extra) == 4;
}

int scsi_disk_transport(const char *name, ScsiTransport *ret) {
        char path[PATH_MAX], link[PATH_MAX], session[32] = "", *save = NULL;
        int r;

        *ret = (ScsiTransport) {};
        r = sysfs_block_link(name, link);
        if (r < 0)
                return r;

        snprintf(ret->kind, sizeof(ret->kind), "scsi");
        for (char *c = strtok_r(link, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (startswith(c, "session") && c[7] >= '0' && c[7] <= '9')
                        snprintf(session, sizeof(session), "%s", c);
                else if (is_hctl(c)) {
                        snprintf(ret->hctl, sizeof(ret->hctl), "%s", c);
                        snprintf(ret->lun, sizeof(ret->lun), "%s", strrchr(c, ':') + 1);
                } else if (startswith(c, "usb"))
                        snprintf(ret->kind, sizeof(ret->kind), "usb");
                else if (startswith(c, "ata"))
                        snprintf(ret->kind, sizeof(ret->kind), "ata");
                else if (startswith(c, "virtio"))
                        snprintf(ret->kind, sizeof(ret->kind), "virtio");
        }
        if (!*session)
                return 0;

        snprintf(ret->kind, sizeof(ret->kind), "iscsi");
        if (root_path(path, "/sys/class/iscsi_session/%s/targetname", session) >= 0)
                if (read_line_file(path, ret->target, sizeof(ret->target)) >= 0)
                        make_printable(ret->target);
        /* The session's first connection carries the portal: connectionN:0. */
        if (root_path(path, "/sys/class/iscsi_connection/connection%s:0/persistent_address", session + 7) >= 0) {
                char addr[64] = "", port[12] = "";

                (void) read_line_file(path, addr, sizeof(addr));
                if (root_path(path, "/sys/class/iscsi_connection/connection%s:0/persistent_port", session + 7) >= 0)
                        (void) read_line_file(path, port, sizeof(port));
                make_printable(addr);
                make_printable(port);
                if (*addr)
                        snprintf(ret->portal, sizeof(ret->portal), "%s:%s", addr, *port ? port : "?");
        }
        return 0;
}
