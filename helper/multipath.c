/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "build-config.h"
#include "fs-util.h"
#include "log.h"
#include "multipath.h"
#include "probe.h"
#include "root.h"

#define MULTIPATHD_TIMEOUT_MS 15000

extern char **environ;

static const char *find_multipathd(void) {
        static const char *const paths[] = { "/usr/sbin/multipathd", "/sbin/multipathd" };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                if (access(paths[i], X_OK) == 0)
                        return paths[i];
        return NULL;
}

/* Runs multipathd's client with the words, output to /dev/null, bounded. */
static int run_multipathd(const char *multipathd, const char *verb, const char *name) {
        char *argv[] = { (char *) multipathd, (char *) verb, (char *) "path", (char *) name, NULL };
        posix_spawn_file_actions_t fa;
        struct timespec pause = { 0, 20 * 1000 * 1000 };
        int status, r;
        pid_t pid;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        r = posix_spawn(&pid, multipathd, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return -r;
        for (int waited = 0; waitpid(pid, &status, WNOHANG) == 0; waited += 20) {
                if (waited >= MULTIPATHD_TIMEOUT_MS) {
                        kill(pid, SIGKILL);
                        (void) waitpid(pid, &status, 0);
                        return -ETIMEDOUT;
                }
                nanosleep(&pause, NULL);
        }
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPROTO;
}

#define PENDING_DIR "/run/ec2-xvd-alias/multipath"

/* Whether the disk is a path of a multipath map: its holder is a dm device
 * whose uuid multipath gave it ("mpath-<wwid>"). LVM and other dm users
 * hold disks too, but have no path checker to re-add. */
static bool held_by_multipath(const char *name, char *holder, size_t size) {
        char path[PATH_MAX], uuid[256];

        if (root_path(path, "/sys/class/block/%s/holders", name) < 0 ||
            dir_has_entries(path, holder, size) <= 0 || !startswith(holder, "dm-"))
                return false;
        return root_path(path, "/sys/class/block/%s/dm/uuid", holder) >= 0 &&
               read_line_file(path, uuid, sizeof(uuid)) >= 0 && startswith(uuid, "mpath-");
}

void multipath_note_fixed_node(const char *name) {
        char path[PATH_MAX], holder[256];
        _cleanup_close_ int fd = -1;

        if (!held_by_multipath(name, holder, sizeof(holder)))
                return;
        if (root_path(path, PENDING_DIR) < 0 || mkdir_parents(path) < 0 ||
            root_path(path, PENDING_DIR "/%s", name) < 0)
                return;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 || dprintf(fd, "%s\n", holder) < 0) {
                log_warning_errno(errno, "%s: cannot record that map %s must re-add it: %m", name, holder);
                return;
        }
        log_notice("%s: map %s opened it through the old /dev entry; '" HELPER_PATH " repair' makes multipathd "
                   "re-add the path", name, holder);
}

int multipath_pending(const char *name, char *holder, size_t size) {
        char path[PATH_MAX];
        int r;

        r = root_path(path, PENDING_DIR "/%s", name);
        if (r < 0)
                return r;
        r = read_line_file(path, holder, size);
        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : 1;
}

static void pending_remove(const char *name) {
        char path[PATH_MAX];

        if (root_path(path, PENDING_DIR "/%s", name) >= 0)
                (void) unlink(path);
}

int multipath_readd_path(const char *name, FILE *out) {
        const char *multipathd;
        char holder[256];
        int r;

        r = multipath_pending(name, holder, sizeof(holder));
        if (r <= 0)
                return r;
        /* multipathd knows nothing of a --root. */
        if (!root_is_host()) {
                fprintf(out, "%s: map %s must re-add the path; not done under --root\n", name, holder);
                return 0;
        }
        multipathd = find_multipathd();
        if (!multipathd) {
                fprintf(out, "%s: map %s holds it, but no multipathd program was found; remove the path from "
                        "the map and add it again\n", name, holder);
                pending_remove(name);
                return 0;
        }

        /* The add is tried whatever the del said: a path that was deleted
         * and not added back is out of its map, and a pending record is
         * the only thing that would bring it back. */
        (void) run_multipathd(multipathd, "del", name);
        r = run_multipathd(multipathd, "add", name);
        if (r < 0) {
                fprintf(out, "%s: could not make multipathd re-add the path (%s); run 'multipathd del path %s' "
                        "and 'multipathd add path %s'\n", name, strerror(-r), name, name);
                return log_warning_errno(r, "%s: multipathd del/add path failed: %m", name);
        }
        pending_remove(name);
        fprintf(out, "%s: multipathd re-added the path (map %s), so it checks the real disk now\n", name, holder);
        return 1;
}
