/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakeroot.h"

extern char **environ;

static void path_in(FakeRoot *r, const char *path, char buf[static PATH_MAX]) {
        int n = snprintf(buf, PATH_MAX, "%s%s", r->dir, path);
        ck_assert_int_lt(n, PATH_MAX);
}

static void mkdir_p(const char *path) {
        char buf[PATH_MAX];

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *p = buf + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        (void) mkdir(buf, 0755);
                        *p = '/';
                }
        (void) mkdir(buf, 0755);
}

static void mkdir_parent(const char *path) {
        char buf[PATH_MAX], *slash;

        snprintf(buf, sizeof(buf), "%s", path);
        slash = strrchr(buf, '/');
        if (slash && slash != buf) {
                *slash = '\0';
                mkdir_p(buf);
        }
}

static char base_dir[32] = "/tmp";

int fakeroot_use_nodev_mount(void) {
        char dir[] = "/tmp/ec2xa-unit.XXXXXX";

        /* A mount namespace of our own, so the tmpfs is seen by this process
         * and the helpers it starts, and goes away with them. */
        /* "none" rather than NULL: valgrind checks the strings even where
         * the kernel ignores them. */
        if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        if (!mkdtemp(dir))
                return -errno;
        if (mount("ec2xa-unit", dir, "tmpfs", MS_NODEV | MS_NOSUID | MS_NOEXEC, "mode=0700,size=64m") < 0)
                return -errno;
        snprintf(base_dir, sizeof(base_dir), "%s", dir);
        return 0;
}

void fakeroot_record_node(FakeRoot *r, const char *name) {
        char p[PATH_MAX], rel[PATH_MAX], content[96];
        struct stat st;

        snprintf(rel, sizeof(rel), "/dev/%s", name);
        path_in(r, rel, p);
        ck_assert_int_eq(lstat(p, &st), 0);
        snprintf(content, sizeof(content), "%u:%u %llu\n", major(st.st_rdev), minor(st.st_rdev),
                 (unsigned long long) st.st_ino);
        snprintf(rel, sizeof(rel), "/run/ec2-xvd-alias/nodes/%s", name);
        fakeroot_write(r, rel, content);
}

void fakeroot_mount_readonly(FakeRoot *r, const char *path) {
        char p[PATH_MAX];

        path_in(r, path, p);
        ck_assert_msg(mount("ro", p, "tmpfs", MS_RDONLY | MS_NODEV, NULL) == 0, "mount %s: %s", p, strerror(errno));
}

void fakeroot_init(FakeRoot *r) {
        snprintf(r->dir, sizeof(r->dir), "%s/ec2-xvd-alias-test.XXXXXX", base_dir);
        ck_assert_ptr_nonnull(mkdtemp(r->dir));
        fakeroot_mkdir(r, "/sys/class/block");
        fakeroot_mkdir(r, "/dev");
        fakeroot_mkdir(r, "/etc");
        fakeroot_mkdir(r, "/run/udev/data");
        fakeroot_write(r, "/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/xvda1 ro console=ttyS0\n");
}

void fakeroot_done(FakeRoot *r) {
        char cmd[512];

        snprintf(cmd, sizeof(cmd), "umount -q -R '%s'/dev '%s'/run 2>/dev/null; rm -rf -- '%s'", r->dir, r->dir,
                 r->dir);
        ck_assert_int_eq(system(cmd), 0);
}

void fakeroot_mkdir(FakeRoot *r, const char *path) {
        char p[PATH_MAX];

        path_in(r, path, p);
        mkdir_p(p);
}

void fakeroot_write(FakeRoot *r, const char *path, const char *content) {
        char p[PATH_MAX];
        FILE *f;

        path_in(r, path, p);
        mkdir_parent(p);
        f = fopen(p, "we");
        ck_assert_msg(f, "cannot write %s: %s", p, strerror(errno));
        fputs(content, f);
        ck_assert_int_eq(fclose(f), 0);
}

void fakeroot_symlink(FakeRoot *r, const char *path, const char *target) {
        char p[PATH_MAX];

        path_in(r, path, p);
        mkdir_parent(p);
        ck_assert_msg(symlink(target, p) == 0, "symlink %s: %s", p, strerror(errno));
}

void fakeroot_rm(FakeRoot *r, const char *path) {
        char p[PATH_MAX];

        path_in(r, path, p);
        ck_assert_msg(unlink(p) == 0, "unlink %s: %s", p, strerror(errno));
}

const char *fakeroot_read(FakeRoot *r, const char *path) {
        static char buf[4096];
        char p[PATH_MAX];
        ssize_t n;
        int fd;

        path_in(r, path, p);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        ck_assert_int_ge(n, 0);
        buf[n] = '\0';
        return buf;
}

bool fakeroot_exists(FakeRoot *r, const char *path) {
        char p[PATH_MAX];
        struct stat st;

        path_in(r, path, p);
        return lstat(p, &st) == 0;
}

const char *fakeroot_describe(FakeRoot *r, const char *path) {
        static char buf[PATH_MAX + 8];
        char p[PATH_MAX], t[PATH_MAX];
        struct stat st;
        ssize_t n;

        path_in(r, path, p);
        if (lstat(p, &st) < 0)
                return "missing";
        if (S_ISBLK(st.st_mode)) {
                snprintf(buf, sizeof(buf), "node %u:%u", major(st.st_rdev), minor(st.st_rdev));
                return buf;
        }
        if (S_ISLNK(st.st_mode)) {
                n = readlink(p, t, sizeof(t) - 1);
                ck_assert_int_ge(n, 0);
                t[n] = '\0';
                snprintf(buf, sizeof(buf), "link %s", t);
                return buf;
        }
        return "other";
}

/* The sysfs directory of a block device, its class link, dev and uevent. */
static void add_block(FakeRoot *r, const char *devdir, const char *name, unsigned major, unsigned minor,
                      bool partition) {
        char path[PATH_MAX], target[PATH_MAX], content[256];

        snprintf(path, sizeof(path), "%s/dev", devdir);
        snprintf(content, sizeof(content), "%u:%u\n", major, minor);
        fakeroot_write(r, path, content);
        snprintf(path, sizeof(path), "%s/uevent", devdir);
        snprintf(content, sizeof(content), "MAJOR=%u\nMINOR=%u\nDEVNAME=%s\nDEVTYPE=%s\n", major, minor, name,
                 partition ? "partition" : "disk");
        fakeroot_write(r, path, content);
        if (partition) {
                snprintf(path, sizeof(path), "%s/partition", devdir);
                fakeroot_write(r, path, "1\n");
        }
        snprintf(path, sizeof(path), "/sys/class/block/%s", name);
        snprintf(target, sizeof(target), "../..%s", devdir + strlen("/sys"));
        fakeroot_symlink(r, path, target);
}

void fakeroot_add_virtual(FakeRoot *r, const char *name, unsigned major, unsigned minor) {
        char devdir[PATH_MAX];

        snprintf(devdir, sizeof(devdir), "/sys/devices/virtual/block/%s", name);
        add_block(r, devdir, name, major, minor, false);
}

void fakeroot_add_xvd(FakeRoot *r, const char *name, unsigned major, unsigned minor, const char *parent) {
        char devdir[PATH_MAX];
        const char *disk = parent ? parent : name;
        /* xen-blkfront's vbd number of xvdX is 51712 + 16 * index */
        unsigned vbd = 51712 + 16 * (unsigned) (disk[3] - 'a');

        if (parent)
                snprintf(devdir, sizeof(devdir), "/sys/devices/vbd-%u/block/%s/%s", vbd, parent, name);
        else
                snprintf(devdir, sizeof(devdir), "/sys/devices/vbd-%u/block/%s", vbd, name);
        add_block(r, devdir, name, major, minor, parent != NULL);
}

void fakeroot_add_scsi(FakeRoot *r, const char *name, unsigned major, unsigned minor, const char *parent,
                       unsigned session, unsigned lun) {
        char base[512], devdir[PATH_MAX], path[PATH_MAX], content[1024];
        unsigned host = session ? session + 1 : 0;

        if (session)
                snprintf(base, sizeof(base), "/sys/devices/platform/host%u/session%u/target%u:0:0/%u:0:0:%u", host,
                         session, host, host, lun);
        else
                snprintf(base, sizeof(base), "/sys/devices/pci0000:00/0000:00:1f.2/ata1/host%u/target%u:0:0/%u:0:0:%u",
                         host, host, host, lun);
        if (parent)
                snprintf(devdir, sizeof(devdir), "%s/block/%s/%s", base, parent, name);
        else
                snprintf(devdir, sizeof(devdir), "%s/block/%s", base, name);
        add_block(r, devdir, name, major, minor, parent != NULL);
        if (parent)
                return;

        snprintf(path, sizeof(path), "/sys/class/scsi_disk/%u:0:0:%u", host, lun);
        snprintf(content, sizeof(content), "../..%s/scsi_disk/%u:0:0:%u", base + strlen("/sys"), host, lun);
        if (!fakeroot_exists(r, path))
                fakeroot_symlink(r, path, content);
        if (!session)
                return;
        snprintf(path, sizeof(path), "/sys/class/iscsi_session/session%u/targetname", session);
        snprintf(content, sizeof(content), "iqn.2026-11.test.ec2-xvd-alias:lun-target%u\n", session);
        fakeroot_write(r, path, content);
        snprintf(path, sizeof(path), "/sys/class/iscsi_connection/connection%u:0/persistent_address", session);
        fakeroot_write(r, path, "127.0.0.1\n");
        snprintf(path, sizeof(path), "/sys/class/iscsi_connection/connection%u:0/persistent_port", session);
        fakeroot_write(r, path, "3260\n");
        fakeroot_mkdir(r, "/sys/class/iscsi_transport/tcp");
}

void fakeroot_add_node(FakeRoot *r, const char *name, unsigned major, unsigned minor) {
        char p[PATH_MAX], rel[PATH_MAX];

        snprintf(rel, sizeof(rel), "/dev/%s", name);
        path_in(r, rel, p);
        ck_assert_msg(mknod(p, S_IFBLK | 0600, makedev(major, minor)) == 0, "mknod %s: %s", p, strerror(errno));
}

void fakeroot_add_db_links(FakeRoot *r, unsigned major, unsigned minor, const char *links) {
        char path[PATH_MAX], content[1024], *save = NULL, buf[512];
        size_t o = 0;

        snprintf(buf, sizeof(buf), "%s", links);
        for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
                o += (size_t) snprintf(content + o, sizeof(content) - o, "S:%s\n", w);
        o += (size_t) snprintf(content + o, sizeof(content) - o, "I:1234567\nG:systemd\n");
        snprintf(path, sizeof(path), "/run/udev/data/b%u:%u", major, minor);
        fakeroot_write(r, path, content);
}

static void drain(int fd, char *buf, size_t size, size_t *len) {
        ssize_t n = read(fd, buf + *len, size - 1 - *len);

        if (n > 0)
                *len += (size_t) n;
        buf[*len] = '\0';
}

void fakeroot_run(FakeRoot *r, HelperRun *ret, ...) {
        const char *helper = getenv("EC2_XVD_ALIAS_HELPER"), *wrapper = getenv("EC2_XVD_ALIAS_TEST_WRAPPER");
        char *argv[24];
        int out[2], err[2], argc = 0, status;
        posix_spawn_file_actions_t fa;
        size_t olen = 0, elen = 0;
        bool oopen = true, eopen = true;
        va_list ap;
        pid_t pid;

        ck_assert_msg(helper, "EC2_XVD_ALIAS_HELPER is not set");
        /* The valgrind test setup runs every helper under valgrind too. */
        if (wrapper && *wrapper) {
                argv[argc++] = (char *) wrapper;
                argv[argc++] = (char *) "--quiet";
                argv[argc++] = (char *) "--leak-check=full";
                argv[argc++] = (char *) "--error-exitcode=99";
        }
        argv[argc++] = (char *) helper;
        argv[argc++] = (char *) "--root";
        argv[argc++] = r->dir;
        va_start(ap, ret);
        for (char *a; (a = va_arg(ap, char *)) && argc < 23;)
                argv[argc++] = a;
        va_end(ap);
        argv[argc] = NULL;

        ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
        ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_adddup2(&fa, err[1], 2);
        ck_assert_int_eq(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
        posix_spawn_file_actions_destroy(&fa);
        close(out[1]);
        close(err[1]);

        while (oopen || eopen) {
                struct pollfd p[2] = { { .fd = oopen ? out[0] : -1, .events = POLLIN },
                                       { .fd = eopen ? err[0] : -1, .events = POLLIN } };
                size_t before;

                ck_assert_int_ge(poll(p, 2, 30000), 1);
                if (p[0].revents) {
                        before = olen;
                        drain(out[0], ret->out, sizeof(ret->out), &olen);
                        oopen = olen != before;
                }
                if (p[1].revents) {
                        before = elen;
                        drain(err[0], ret->err, sizeof(ret->err), &elen);
                        eopen = elen != before;
                }
        }
        ret->out[olen] = ret->err[elen] = '\0';
        close(out[0]);
        close(err[0]);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ret->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t fakeroot_udevd_standin(FakeRoot *r, const char *xvd, const char *name, unsigned major, unsigned minor,
                             const char *remaining_links) {
        char uevent[PATH_MAX], link[PATH_MAX];
        pid_t pid;

        snprintf(uevent, sizeof(uevent), "/sys/class/block/%s/uevent", xvd);
        snprintf(link, sizeof(link), "/dev/%s", name);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid > 0)
                return pid;
        /* child: wait (bounded) for the helper's "change UUID", then do what
         * udevd does when the xvd device no longer lists the name: remove
         * the link, rewrite the database. */
        for (int i = 0; i < 1000; i++) {
                const char *c = fakeroot_read(r, uevent);

                if (c && strncmp(c, "change ", 7) == 0) {
                        char p[PATH_MAX];

                        usleep(20000);
                        path_in(r, link, p);
                        (void) unlink(p);
                        fakeroot_add_db_links(r, major, minor, remaining_links);
                        _exit(0);
                }
                usleep(5000);
        }
        _exit(1);
}

void fakeroot_add_nvme(FakeRoot *r, const char *name, unsigned major, unsigned minor, const char *parent,
                       const char *mapping) {
        char devdir[PATH_MAX / 2], path[PATH_MAX], p[PATH_MAX];
        unsigned char page[4096];
        const char *model = mapping ? "Amazon Elastic Block Store" : "QEMU NVMe Ctrl";
        FILE *f;

        if (parent)
                snprintf(devdir, sizeof(devdir), "/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme1/%s/%s", parent, name);
        else
                snprintf(devdir, sizeof(devdir), "/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme1/%s", name);
        add_block(r, devdir, name, major, minor, parent != NULL);
        if (parent) {
                /* add_block writes "1": the real number is the name's */
                snprintf(path, sizeof(path), "%s/partition", devdir);
                fakeroot_write(r, path, strrchr(name, 'p') + 1);
                return;
        }
        /* Identify Controller data, as the test build of the helper reads it */
        memset(page, 0, sizeof(page));
        page[0] = mapping ? 0x0f : 0x36;
        page[1] = mapping ? 0x1d : 0x1b;
        page[2] = page[0];
        page[3] = page[1];
        memset(page + 4, ' ', 20);
        memcpy(page + 4, "vol0123456789abcdef0", 20);
        memset(page + 24, ' ', 40);
        memcpy(page + 24, model, strlen(model));
        if (mapping) {
                memset(page + 3072, ' ', 32);
                memcpy(page + 3072, mapping, strlen(mapping));
        }
        snprintf(path, sizeof(path), "/run/ec2xa-test-identify/%s", name);
        fakeroot_mkdir(r, "/run/ec2xa-test-identify");
        path_in(r, path, p);
        f = fopen(p, "we");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(page, 1, sizeof(page), f), sizeof(page));
        ck_assert_int_eq(fclose(f), 0);
}
