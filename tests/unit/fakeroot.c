/* SPDX-License-Identifier: MIT */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <dirent.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/socket.h>
#include <sys/un.h>
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

static bool startswith_str(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A uevent file's content with the device's attributes in it. */
static bool has_major(const char *s) {
        return strncmp(s, "MAJOR=", 6) == 0 || strstr(s, "\nMAJOR=");
}

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
        *r = (FakeRoot) {};
        snprintf(r->dir, sizeof(r->dir), "%s/ec2-xvd-alias-test.XXXXXX", base_dir);
        ck_assert_ptr_nonnull(mkdtemp(r->dir));
        fakeroot_mkdir(r, "/sys/class/block");
        fakeroot_mkdir(r, "/sys/dev/block");
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
        /* What libudev needs besides: the devnum's link and the subsystem. */
        snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major, minor);
        snprintf(target, sizeof(target), "../..%s", devdir + strlen("/sys"));
        fakeroot_symlink(r, path, target);
        snprintf(path, sizeof(path), "%s/subsystem", devdir);
        target[0] = '\0';
        /* one ".." per component of devdir below /sys */
        for (const char *c = strchr(devdir + 1, '/'); c; c = strchr(c + 1, '/'))
                strcat(target, "../");
        strcat(target, "class/block");
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

static int write_proc(const char *path, const char *content) {
        int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

        if (fd < 0)
                return -errno;
        if (write(fd, content, strlen(content)) < 0)
                r = -errno;
        close(fd);
        return r;
}

/* libudev reads only /sys and /run/udev. So that the helper's libudev sees
 * the fake machine, it runs in a mount namespace of its own (and a user
 * namespace when not root) where the fake root's sys and run are bound over
 * /sys and /run. The binds exist only in that namespace, which ends with
 * the helper: this machine's own /sys and /run are never touched. In the
 * child, before exec. 0, or -errno with what failed in why. */
static int namespace_enter(const char *dir, char *why, size_t size) {
        char src[PATH_MAX], map[64];
        uid_t uid = geteuid();
        gid_t gid = getegid();
        const char *what;
        int r;

        if (uid != 0) {
                what = "unshare(CLONE_NEWUSER|CLONE_NEWNS)";
                if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                        goto fail;
                /* the same ids inside: the helper runs as the test's user */
                what = "writing the user namespace's id maps";
                snprintf(map, sizeof(map), "%u %u 1\n", (unsigned) uid, (unsigned) uid);
                if ((r = write_proc("/proc/self/setgroups", "deny")) < 0 ||
                    (r = write_proc("/proc/self/uid_map", map)) < 0)
                        goto fail_r;
                snprintf(map, sizeof(map), "%u %u 1\n", (unsigned) gid, (unsigned) gid);
                if ((r = write_proc("/proc/self/gid_map", map)) < 0)
                        goto fail_r;
        } else {
                what = "unshare(CLONE_NEWNS)";
                if (unshare(CLONE_NEWNS) < 0)
                        goto fail;
        }
        /* "none" rather than NULL: valgrind checks the strings even where
         * the kernel ignores them. */
        what = "making / private";
        if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
                goto fail;
        what = "binding the fake sys over /sys";
        snprintf(src, sizeof(src), "%s/sys", dir);
        if (mount(src, "/sys", "none", MS_BIND | MS_REC, NULL) < 0)
                goto fail;
        /* all of run, not just run/udev: /run/udev need not exist here */
        what = "binding the fake run over /run";
        snprintf(src, sizeof(src), "%s/run", dir);
        if (mount(src, "/run", "none", MS_BIND | MS_REC, NULL) < 0)
                goto fail;
        return 0;
fail:
        r = -errno;
fail_r:
        snprintf(why, size, "%s: %s", what, strerror(-r));
        return r;
}

int fakeroot_namespace_check(char *why, size_t size) {
        char dir[] = "/tmp/ec2xa-unit-ns.XXXXXX", sub[64], msg[256] = "";
        int p[2], status, r = 0;
        ssize_t n;
        pid_t pid;

        if (!mkdtemp(dir) || pipe2(p, O_CLOEXEC) < 0) {
                snprintf(why, size, "cannot make a test directory: %s", strerror(errno));
                return -errno;
        }
        snprintf(sub, sizeof(sub), "%s/sys", dir);
        (void) mkdir(sub, 0755);
        snprintf(sub, sizeof(sub), "%s/run", dir);
        (void) mkdir(sub, 0755);
        pid = fork();
        if (pid == 0) {
                close(p[0]);
                if (namespace_enter(dir, msg, sizeof(msg)) < 0) {
                        (void) !write(p[1], msg, strlen(msg));
                        _exit(1);
                }
                _exit(0);
        }
        close(p[1]);
        n = pid > 0 ? read(p[0], msg, sizeof(msg) - 1) : -1;
        msg[n > 0 ? n : 0] = '\0';
        close(p[0]);
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                snprintf(why, size, "%s", *msg ? msg : "the namespace test child failed");
                r = -EPERM;
        }
        snprintf(sub, sizeof(sub), "%s/sys", dir);
        (void) rmdir(sub);
        snprintf(sub, sizeof(sub), "%s/run", dir);
        (void) rmdir(sub);
        (void) rmdir(dir);
        return r;
}

/* Reading a sysfs uevent file always gives the device's attributes; in the
 * fake sysfs, the helper's write ("change UUID", truncating) replaces them.
 * While the helper runs, each write is followed by the attributes again,
 * after the line written (which the tests read back): libudev finds the
 * device's MAJOR and MINOR as it would in a real sysfs. */
#define UEVENT_WATCH_MAX 64

typedef struct UeventWatch {
        int fd, n;
        int wd[UEVENT_WATCH_MAX];
        char name[UEVENT_WATCH_MAX][32];
        char dir[UEVENT_WATCH_MAX][PATH_MAX];
} UeventWatch;

static void uevent_watch_open(FakeRoot *r, UeventWatch *w) {
        char path[PATH_MAX];
        DIR *d;
        struct dirent *de;

        w->n = 0;
        w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        ck_assert_int_ge(w->fd, 0);
        path_in(r, "/sys/class/block", path);
        d = opendir(path);
        if (!d)
                return;
        while ((de = readdir(d)) && w->n < UEVENT_WATCH_MAX) {
                char link[PATH_MAX + 260], uevent[PATH_MAX + 8];
                size_t len = strlen(de->d_name);

                if (de->d_name[0] == '.' || len >= sizeof(w->name[0]))
                        continue;
                snprintf(link, sizeof(link), "%s/%s", path, de->d_name);
                if (!realpath(link, w->dir[w->n]))
                        continue;
                snprintf(uevent, sizeof(uevent), "%s/uevent", w->dir[w->n]);
                w->wd[w->n] = inotify_add_watch(w->fd, uevent, IN_CLOSE_WRITE);
                if (w->wd[w->n] < 0)
                        continue;
                memcpy(w->name[w->n], de->d_name, len + 1);
                w->n++;
        }
        closedir(d);
}

static void uevent_restore(UeventWatch *w, int i) {
        char path[PATH_MAX + 16], buf[4096], add[256];
        unsigned ma, mi;
        struct stat st;
        ssize_t n;
        FILE *f;
        int fd;

        snprintf(path, sizeof(path), "%s/uevent", w->dir[i]);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        buf[n > 0 ? n : 0] = '\0';
        /* nothing written, or the attributes are there (our own append) */
        if (n <= 0 || has_major(buf))
                return;
        snprintf(path, sizeof(path), "%s/dev", w->dir[i]);
        f = fopen(path, "re");
        if (!f)
                return;
        if (fscanf(f, "%u:%u", &ma, &mi) == 2) {
                snprintf(path, sizeof(path), "%s/partition", w->dir[i]);
                snprintf(add, sizeof(add), "%sMAJOR=%u\nMINOR=%u\nDEVNAME=%s\nDEVTYPE=%s\n",
                         buf[n - 1] == '\n' ? "" : "\n", ma, mi, w->name[i],
                         stat(path, &st) == 0 ? "partition" : "disk");
                snprintf(path, sizeof(path), "%s/uevent", w->dir[i]);
                fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
                if (fd >= 0) {
                        (void) !write(fd, add, strlen(add));
                        close(fd);
                }
        }
        fclose(f);
}

static void uevent_watch_handle(UeventWatch *w) {
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n;

        while ((n = read(w->fd, buf, sizeof(buf))) > 0)
                for (char *p = buf; p < buf + n; p += sizeof(struct inotify_event) + ((struct inotify_event *) p)->len) {
                        const struct inotify_event *e = (const struct inotify_event *) p;

                        for (int i = 0; i < w->n; i++)
                                if (w->wd[i] == e->wd)
                                        uevent_restore(w, i);
                }
}

void fakeroot_run(FakeRoot *r, HelperRun *ret, ...) {
        const char *helper = getenv("EC2_XVD_ALIAS_HELPER"), *wrapper = getenv("EC2_XVD_ALIAS_TEST_WRAPPER");
        char *argv[24];
        int out[2], err[2], argc = 0, status;
        size_t olen = 0, elen = 0;
        bool oopen = true, eopen = true;
        UeventWatch *w;
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

        w = calloc(1, sizeof(*w));
        ck_assert_ptr_nonnull(w);
        uevent_watch_open(r, w);
        ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
        ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                char why[256];

                if (dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
                        _exit(125);
                if (!r->host_namespace && namespace_enter(r->dir, why, sizeof(why)) < 0) {
                        dprintf(2, "fakeroot: %s\n", why);
                        _exit(125);
                }
                /* libudev checks that /sys is a sysfs unless told not to
                 * (the rules tier's udevadm needs the same) */
                setenv("SYSTEMD_DEVICE_VERIFY_SYSFS", "0", 1);
                execv(argv[0], argv);
                _exit(127);
        }
        close(out[1]);
        close(err[1]);

        while (oopen || eopen) {
                struct pollfd p[3] = { { .fd = oopen ? out[0] : -1, .events = POLLIN },
                                       { .fd = eopen ? err[0] : -1, .events = POLLIN },
                                       { .fd = w->fd, .events = POLLIN } };
                size_t before;

                ck_assert_int_ge(poll(p, 3, 30000), 1);
                if (p[2].revents)
                        uevent_watch_handle(w);
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
        uevent_watch_handle(w);
        close(w->fd);
        free(w);
        ret->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool fakeroot_claim_deadline(const char *out, unsigned long long *ret, char names[static FAKEROOT_RESULT_MAX]) {
        int end = 0;
        size_t len;

        if (sscanf(out, "finish %llu%n", ret, &end) != 1 || end == 0)
                return false;
        len = strlen(out + end);
        if (len == 0 || out[end + len - 1] != '\n' || len > FAKEROOT_RESULT_MAX)
                return false;
        /* " sda1 sda127" or nothing, then the newline */
        if (out[end] == ' ') {
                end++;
                len--;
        }
        snprintf(names, FAKEROOT_RESULT_MAX, "%.*s", (int) len - 1, out + end);
        return strchr(names, '\n') == NULL;
}

/* What 99-ec2-xvd-alias-finish.rules tests: TEST=="/dev/NAME" (stat,
 * which follows the link) for each name the claim left, or none named. */
static bool finish_rule_matches(FakeRoot *r, const char *names) {
        char copy[FAKEROOT_RESULT_MAX], *save = NULL, rel[PATH_MAX], p[PATH_MAX];
        struct stat st;

        if (names[0] == '\0')
                return true;
        snprintf(copy, sizeof(copy), "%s", names);
        for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                snprintf(rel, sizeof(rel), "/dev/%s", w);
                path_in(r, rel, p);
                if (stat(p, &st) == 0)
                        return true;
        }
        return false;
}

bool fakeroot_run_claim(FakeRoot *r, HelperRun *ret, const char *name) {
        char d[32], *err, names[FAKEROOT_RESULT_MAX];
        unsigned long long deadline;
        HelperRun *finish;

        fakeroot_run(r, ret, "claim", name, NULL);
        /* RESULT=="finish [0-9]*": only a claim that succeeded has a result */
        if (ret->status != 0 || !fakeroot_claim_deadline(ret->out, &deadline, names) ||
            !finish_rule_matches(r, names))
                return false;
        finish = calloc(1, sizeof(*finish));
        ck_assert_ptr_nonnull(finish);
        snprintf(d, sizeof(d), "%llu", deadline);
        fakeroot_run(r, finish, "claim-finish", name, d, NULL);
        ck_assert_str_eq(finish->out, "");
        err = ret->err + strlen(ret->err);
        snprintf(err, sizeof(ret->err) - (size_t) (err - ret->err), "%s", finish->err);
        ret->out[0] = '\0';
        ret->status = finish->status;
        free(finish);
        return true;
}

void fakeroot_udevd_listening(FakeRoot *r) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char p[PATH_MAX];
        int fd;

        fakeroot_mkdir(r, "/run/udev");
        path_in(r, "/run/udev/control", p);
        if (access(p, F_OK) == 0)
                return;
        ck_assert_uint_lt(strlen(p), sizeof(sa.sun_path));
        memcpy(sa.sun_path, p, strlen(p) + 1);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        close(fd); /* the socket file stays, as udevd's does while it runs */
}

pid_t fakeroot_udevd_standin(FakeRoot *r, const char *xvd, const char *name, unsigned major, unsigned minor,
                             const char *remaining_links) {
        char uevent[PATH_MAX], link[PATH_MAX];
        pid_t pid;

        fakeroot_udevd_listening(r);
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

void fakeroot_trace_libraries(FakeRoot *r, bool on) {
        char p[PATH_MAX];

        if (!on) {
                unsetenv("LD_DEBUG");
                unsetenv("LD_DEBUG_OUTPUT");
                return;
        }
        fakeroot_mkdir(r, "/ld-debug");
        path_in(r, "/ld-debug/log", p);
        /* the dynamic loader writes log.PID, one line per object it loads */
        setenv("LD_DEBUG", "files", 1);
        setenv("LD_DEBUG_OUTPUT", p, 1);
}

bool fakeroot_traced_library(FakeRoot *r, const char *soname) {
        char dir[PATH_MAX], needle[128];
        struct dirent *de;
        bool found = false;
        DIR *d;

        snprintf(needle, sizeof(needle), "file=%s ", soname);
        path_in(r, "/ld-debug", dir);
        d = opendir(dir);
        ck_assert_msg(d, "no loader log in %s", dir);
        while ((de = readdir(d))) {
                char p[PATH_MAX + 260], line[1024];
                FILE *f;

                if (!startswith_str(de->d_name, "log."))
                        continue;
                snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
                f = fopen(p, "re");
                ck_assert_ptr_nonnull(f);
                while (fgets(line, sizeof(line), f))
                        if (strstr(line, needle))
                                found = true;
                fclose(f);
                ck_assert_int_eq(unlink(p), 0);
        }
        closedir(d);
        return found;
}
