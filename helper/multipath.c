/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

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

int multipath_readd_path(const char *name, FILE *out) {
        const char *multipathd;
        char path[PATH_MAX], holder[256];
        int r;

        /* Only real host state: multipathd knows nothing of a --root. */
        if (!root_is_host())
                return 0;
        r = root_path(path, "/sys/class/block/%s/holders", name);
        if (r < 0)
                return r;
        if (dir_has_entries(path, holder, sizeof(holder)) <= 0 || !startswith(holder, "dm-"))
                return 0;
        multipathd = find_multipathd();
        if (!multipathd) {
                fprintf(out, "%s: %s holds it, but no multipathd program was found; if it is a multipath path, "
                        "remove and add it again\n", name, holder);
                return 0;
        }

        r = run_multipathd(multipathd, "del", name);
        if (r >= 0)
                r = run_multipathd(multipathd, "add", name);
        if (r < 0) {
                fprintf(out, "%s: could not make multipathd re-add the path (%s); run 'multipathd del path %s' "
                        "and 'multipathd add path %s'\n", name, strerror(-r), name, name);
                return log_warning_errno(r, "%s: multipathd del/add path failed: %m", name);
        }
        fprintf(out, "%s: multipathd re-added the path (map %s), so it checks the real disk now\n", name, holder);
        return 1;
}
